package apperr

// The zh-CN of the station standards (issue 15 §2, §4): map listings,
// inspections, stars, 最美站点, service tallies and the monthly report.
func init() {
	for k, v := range map[string]string{
		"district %s is outside your districts":                               "行政区划 %s 不在您的管辖范围内",
		"is not a checklist item (see GET /v1/inspection-checklist)":          "不是检查表中的项目（见 GET /v1/inspection-checklist）",
		"is required with count":                                              "填写 count 时必须同时填写",
		"is required with date":                                               "填写 date 时必须同时填写",
		"is required: every checklist item, true for pass and false for fail": "为必填项：检查表的每一项都要填写，true 为合格，false 为不合格",
		"is required: true for pass, false for fail":                          "为必填项：true 为合格，false 为不合格",
		"map listing stats":                                                   "上图统计",
		"must be a time from the year 2000 to 2099":                           "须为 2000 年至 2099 年之间的时间",
		"must be 0 to %d":                                                     "须在 0 到 %d 之间",
		"must be 1 to %d":                                                     "须在 1 到 %d 之间",
		"must be a date written YYYY-MM-DD, such as 2026-12-01":               "须为 YYYY-MM-DD 格式的日期，如 2026-12-01",
		"must be a month written YYYY-MM, such as 2026-11":                    "须为 YYYY-MM 格式的月份，如 2026-11",
		"must be a photo id (a UUID)":                                         "须为照片编号（UUID）",
		"must be amap, baidu or tencent":                                      "须为 amap（高德）、baidu（百度）或 tencent（腾讯）",
		"must be not_submitted, submitted, listed or rejected":                "须为 not_submitted（未提交）、submitted（已提交）、listed（已上图）或 rejected（被驳回）",
		"must hold at most %d photo ids":                                      "最多 %d 个照片编号",
		"must not be before %s":                                               "不能早于 %s",
		"must not be in the future":                                           "不能是将来的日期",
		"is not a photo of this station (see GET /v1/stations/{id}/photos)":   "不是本站点的照片（见 GET /v1/stations/{id}/photos）",
		"names a photo already listed":                                        "与前面的照片重复",
		"only staff of the city or the province may recognise a station of district %s as a most beautiful station": "只有市级或省级工作人员可以将 %s 的站点评为最美站点",
		"send add (for today) or date and count (to set a day)":                                                     "请发送 add（计入今天），或 date 和 count（设定某天的数量）",
		"send either add (for today) or date and count (to set a day), not both":                                    "add（计入今天）与 date、count（设定某天）只能二选一",
		"service report": "服务报表",
		"stars":          "星级",
		"tally":          "服务人次",
		"must be 1 to 200 printable ASCII characters, such as a UUID": "须为 1 到 200 个可打印的 ASCII 字符，如 UUID",
		"the day's count would pass %d":                               "当天的数量将超过 %d",
		"there is no map platform %q: use amap, baidu or tencent":     "没有地图平台 %q：请用 amap（高德）、baidu（百度）或 tencent（腾讯）",
		"this Idempotency-Key was used for another tally change":      "此 Idempotency-Key 已用于另一次服务人次登记",
	} {
		zhCN[k] = v
	}
}
