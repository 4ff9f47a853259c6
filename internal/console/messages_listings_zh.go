package console

// listingsZhCN are the Chinese strings of the station standards' pages:
// 上图, inspections, stars, 最美站点, 服务人次 and the monthly report; init
// merges them into zhCN as opsZhCN is.
var listingsZhCN = map[string]string{
	"nav.map_listings": "上图",

	"platform.amap":    "高德地图",
	"platform.baidu":   "百度地图",
	"platform.tencent": "腾讯地图",

	"listing.not_submitted": "未提交",
	"listing.submitted":     "已提交，待审核",
	"listing.listed":        "已上图",
	"listing.rejected":      "被驳回",

	"standards.title":          "上图与星级",
	"standards.closed":         "站点已关闭，不能再登记。",
	"standards.stars_n":        "%d 星",
	"standards.no_stars":       "尚未评星（还没有检查记录）",
	"standards.most_beautiful": "最美站点",
	"standards.last_inspected": "最近检查",
	"standards.never":          "从未检查",
	"standards.due":            "该检查了",
	"standards.rule":           "评星规则：检查表每合格一项得 1 分，每上一个地图得 %[5]d 分；满 %[1]d 分二星、%[2]d 分三星、%[3]d 分四星、%[4]d 分五星，其余一星。标识标牌、饮用水、专人管理、环境整洁安全中有一项不合格的，最多 %[6]d 星。检查满 12 个月需要重新检查。",
	"standards.recognise":      "评为最美站点",
	"standards.unrecognise":    "取消最美站点",
	"standards.listings":       "地图上图情况",
	"standards.listings_lead":  "在高德、百度、腾讯地图上能否搜到本站点。状态变化后在这里登记，上图数量计入星级，并进入每周上图统计。",
	"standards.since":          "%s 起",
	"standards.set_by":         "%s 登记于 %s",
	"standards.status":         "状态",
	"standards.date":           "日期（不填为今天）",
	"standards.date_hint":      "达到此状态的日期",
	"standards.note":           "备注（只有工作人员能看到）",
	"standards.note_hint":      "如：驳回原因、审核单号",
	"standards.save_listing":   "保存%s",
	"standards.inspect":        "记录一次检查",
	"standards.inspect_lead":   "逐项对照全国总工会站点建设指导意见：合格的打勾，不合格的不勾。表格已按上次检查的结果勾好，只改变化的项目。",
	"standards.notes":          "检查说明",
	"standards.notes_hint":     "如：药箱药品过期，已通知站长补充",
	"standards.record":         "保存检查结果",
	"standards.history":        "最近的检查",
	"standards.when":           "时间",
	"standards.by":             "检查人",
	"standards.passed":         "合格",
	"standards.passed_n":       "%d 项合格",
	"standards.failed":         "不合格项目",
	"standards.stars":          "当时星级",
	"standards.no_inspections": "还没有检查记录。",
	"standards.field.status":   "状态",
	"standards.field.date":     "日期",
	"standards.field.note":     "备注",
	"standards.field.notes":    "检查说明",
	"standards.field.items":    "检查项目",
	"standards.field.platform": "地图",

	"flash.listing.set":         "已保存 %s。",
	"flash.inspection.recorded": "检查已保存，站点现在是 %s。",
	"flash.recognition.on":      "已将 %s 评为最美站点。",
	"flash.recognition.off":     "已取消 %s 的最美站点。",
	"flash.tally.added":         "已记 1 人次，今天共 %s 人次。",
	"flash.tally.set":           "已保存：%s 人次。",
	"problem.tally.count":       "请填写 0 到 1000000 之间的整数",
	"tally.title":               "服务人次",
	"tally.today":               "今天（%s）已服务",
	"tally.plus":                "+1 服务一人",
	"tally.plus_hint":           "每接待一位劳动者点一次。网络不好时重复提交只算一次。劳动者用小程序签到的另外计入，不用再点。",
	"tally.set_title":           "登记某一天的总数",
	"tally.set_hint":            "用纸质台账补登或更正：填的是那一天的总人次，会替换原来的数。可登记今天和一年内的日期。",
	"tally.date":                "日期",
	"tally.count":               "人次",
	"tally.set":                 "保存这一天",
	"tally.recent":              "最近 14 天",
	"tally.none":                "最近 14 天还没有登记。",
	"tally.checkins_note":       "月报中的“服务人次合计”＝这里登记的人次＋劳动者签到人次。",
	"listings.title":            "上图统计",
	"listings.lead":             "您负责区县中运营站点在各地图上的上图数量和比例（上图率），即每周向上报送的数字。",
	"listings.district":         "行政区划代码（可不填）",
	"listings.district_hint":    "区县、市或省的6位代码，不填为您负责的全部区县",
	"listings.show":             "查看",
	"listings.county":           "区县",
	"listings.stations":         "运营站点",
	"listings.total":            "合计",
	"listings.low_hint":         "红色：上图率不到一半。",
	"listings.empty":            "没有运营中的站点。",
	"report.title":              "服务人次月报",
	"report.month":              "月份",
	"report.download":           "下载月报（Excel）",
	"report.hint":               "每个站点和每个区县的登记人次、签到人次、问题报告、星级和需检查的站点，表头为中文。",
}

func init() {
	for k, v := range listingsZhCN {
		if _, dup := zhCN[k]; dup {
			panic("console: catalogue key " + k + " defined twice")
		}
		zhCN[k] = v
	}
}
