package apperr

// The Chinese of coverage's messages (issue 13: demand, gaps, suggested
// sites), kept apart so that branches merge cleanly.
func init() {
	for en, zh := range map[string]string{
		"other coverage questions are being answered; try again in a moment": "正在计算其他覆盖分析，请稍后再试",
		"only union staff may see coverage":                                  "只有工会工作人员可以查看覆盖分析",
		"only administrators import demand":                                  "只有管理员可以导入需求数据",
		"coverage is not set up on this server":                              "此服务器未启用覆盖分析",
		"must be minLng,minLat,maxLng,maxLat with min below max":             "须为 最小经度,最小纬度,最大经度,最大纬度，且最小值小于最大值",
		"must be at most %d km a side; this one is %.0f by %.0f km":          "每边最长 %d 公里；此范围为 %.0f × %.0f 公里",
		"must be from %d to %d metres":                                       "须在 %d 到 %d 米之间",
		"must be searches, imported or all":                                  "须为 searches、imported 或 all",
		"must not be after to":                                               "不能晚于结束日期（to）",
		"the period may be at most %d days":                                  "时间段最长 %d 天",
		"must not be after today, %s":                                        "不能晚于今天（%s）",
		"must not be before %s: older demand is deleted (DEMAND_RETENTION)":  "不能早于 %s：更早的需求数据已删除（DEMAND_RETENTION）",
		"is required: minLng,minLat,maxLng,maxLat in WGS-84":                 "必填：WGS-84 坐标的 最小经度,最小纬度,最大经度,最大纬度",
		"must be minLng,minLat,maxLng,maxLat in WGS-84 decimal degrees":      "须为 WGS-84 十进制度数的 最小经度,最小纬度,最大经度,最大纬度",
		"must be a date such as 2026-12-02":                                  "须为日期，例如 2026-12-02",
		"must be hours of the day such as 22-6 or 7-9,17-19":                 "须为一天中的小时，例如 22-6 或 7-9,17-19",
		"is not valid CSV":                                                   "不是有效的 CSV",
		"holds more than %d rows":                                            "超过 %d 行",
		"must have 3 or 4 columns: lat,lng,count[,hour_of_week]":             "须有 3 或 4 列：纬度,经度,数量[,一周中的小时]",
		"must be a whole number from 1 to %d":                                "须为 1 到 %d 之间的整数",
		"must be a whole number from 0 (Monday 00:00) to 167 (Sunday 23:00)": "须为 0（周一 00:00）到 167（周日 23:00）之间的整数",
		"the point lies outside China; are lat and lng swapped?":             "该点不在中国境内；纬度和经度是否填反了？",
		"holds no rows; write lat,lng,count[,hour_of_week] one a line":       "没有数据行；请每行写一条 纬度,经度,数量[,一周中的小时]",
		"this file was imported before, at %s":                               "此文件已于 %s 导入过",
		"demand count":                                                       "需求计数",
		"demand":                                                             "需求",
		"demand import":                                                      "需求导入",
		"demand counts":                                                      "需求计数",
		"demand imports":                                                     "需求导入",
	} {
		zhCN[en] = zh
	}
}
