package apperr

// The codes of micro-wishes and hardship aid (issue 12 §§2–3).
const (
	AlreadyPledged       Code = "already_pledged"        // another donor pledged the wish first (409)
	ContainsPersonalData Code = "contains_personal_data" // a wish's words hold a phone or ID-card number (422)
)

// The Chinese of micro-wishes, hardship aid and donor accounts, copied into
// the catalogue and the titles at start-up.
func init() {
	titles[AlreadyPledged] = title{"Already Pledged", "已被认领"}
	titles[ContainsPersonalData] = title{"Contains Personal Data", "含有个人信息"}
	for en, zh := range map[string]string{
		// Donor accounts.
		"must be admin, district_staff or donor":                           "必须是 admin、district_staff 或 donor",
		"a donor account has no district codes: it has no district powers": "爱心单位账号不带区划代码：它没有辖区权限",
		"this endpoint is for union staff and donor accounts":              "此接口仅供工会工作人员和爱心单位账号使用",
		"you may not pledge wishes of district %s":                         "您不能认领区划 %s 的心愿",
		"someone else has pledged this wish already":                       "这个心愿已被其他爱心人士认领",
		"only union staff list wishes that are %s":                         "只有工会工作人员才能查看状态为“%s”的心愿",

		// Wishes.
		"only union members may post a wish; apply to join first":    "只有工会会员才能发布心愿；请先申请入会",
		"must be one of daily_goods, study, health, family or other": "必须是 daily_goods、study、health、family 或 other 之一",
		"must be 1 to %d yuan": "必须在 1 到 %d 元之间",
		"a wish may not hold a phone number or an ID-card number: it would expose you":          "心愿中不能包含电话号码或身份证号：所有人都能看到心愿，这会暴露您的身份",
		"holds a phone number; everyone can read a wish, so leave it out":                       "含有电话号码；所有人都能看到心愿，请删去",
		"holds an ID-card number; everyone can read a wish, so leave it out":                    "含有身份证号；所有人都能看到心愿，请删去",
		"you already have a wish awaiting review; wait for its review before posting another":   "您已有一个心愿在等待审核；审核后才能再许新的心愿",
		"you already have an open aid application; wait for its decision before applying again": "您已有一份帮扶申请正在审批；有结果后才能再次申请",
		"you may not act on wishes of district %s":                                              "您无权处理区划 %s 的心愿",
		"the wish is %s, not pending review":                                                    "心愿当前为“%s”，不是待审核",
		"the wish is %s; only a pledged wish is delivered":                                      "心愿当前为“%s”；只有已认领的心愿才能标记送达",
		"the wish is %s; only a delivered wish is confirmed":                                    "心愿当前为“%s”；只有已送达的心愿才能确认收到",
		"must be pending, rejected, published, pledged, delivered, confirmed or withdrawn":      "必须是 pending、rejected、published、pledged、delivered、confirmed 或 withdrawn 之一",

		// Hardship aid.
		"only union members may apply for hardship aid; apply to join first":                                      "只有工会会员才能申请困难帮扶；请先申请入会",
		"must be one of illness, injury, disaster, family_hardship, education or other":                           "必须是 illness、injury、disaster、family_hardship、education 或 other 之一",
		"must be true: the union needs your explicit consent to process health and financial data (PIPL art. 29)": "必须为 true：工会处理您的健康和经济状况等敏感个人信息，须取得您的单独同意（《个人信息保护法》第二十九条）",
		"you may not see aid applications of district %s":                                                         "您无权查看区划 %s 的帮扶申请",
		"the second approval must come from a different staff member than the first":                              "第二次审批必须由另一位工作人员进行",
		"the second approval needs staff of the city or province of district %s":                                  "第二次审批须由 %s 所在市或省的工作人员进行",
		"the application is already %s":                                                                           "申请已是“%s”状态",
		"must be 1 to %d yuan: a second approval grants at most what the first approved":                          "必须在 1 到 %d 元之间：第二次审批不能超过第一次审批的金额",
		"must be 1 to %d yuan: at most what the worker asked for":                                                 "必须在 1 到 %d 元之间：不能超过申请金额",
		"must be pending, awaiting_second_review, approved or rejected":                                           "必须是 pending、awaiting_second_review、approved 或 rejected 之一",

		// Words.
		"wish":                   "心愿",
		"wishes":                 "心愿",
		"aid application":        "帮扶申请",
		"aid applicant":          "帮扶申请人",
		"aid applications":       "帮扶申请",
		"aid decisions":          "帮扶审批记录",
		"published":              "已发布",
		"pledged":                "已认领",
		"delivered":              "已送达",
		"confirmed":              "已确认收到",
		"withdrawn":              "已撤回",
		"awaiting_second_review": "待复审",
	} {
		zhCN[en] = zh
	}
}
