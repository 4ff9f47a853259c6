package console

// coverageZhCN are the Chinese strings of the coverage page (issue 13);
// init merges them into zhCN as truthZhCN is.
var coverageZhCN = map[string]string{
	"nav.coverage": "覆盖分析",

	"coverage.title":           "驿站覆盖分析",
	"coverage.lead":            "劳动者在小程序里每找一次驿站，就在约 1 平方公里的网格里记一次（不记录是谁、在哪个具体位置）。这里显示哪些网格附近没有驿站，以及新驿站建在哪里能照顾到最多的人。",
	"coverage.reach":           "服务半径",
	"coverage.reach.walk":      "1 公里（步行 15 分钟）",
	"coverage.reach.ebike":     "3 公里（电动车）",
	"coverage.hours":           "时段",
	"coverage.hours.all":       "全天",
	"coverage.hours.night":     "夜间（22:00–次日 06:00）",
	"coverage.source":          "需求来源",
	"coverage.source.all":      "全部",
	"coverage.source.searches": "小程序搜索",
	"coverage.source.imported": "导入的数据",
	"coverage.from":            "开始日期",
	"coverage.to":              "结束日期",
	"coverage.k":               "建议新站数量",
	"coverage.bbox":            "分析范围",
	"coverage.bbox_hint":       "最小经度,最小纬度,最大经度,最大纬度（即西、南、东、北四条边；可在地图上移动后点“按当前地图范围分析”）",
	"coverage.run":             "开始分析",
	"coverage.use_view":        "按当前地图范围分析",
	"coverage.csv":             "下载建议站点（CSV）",
	"coverage.share":           "需求覆盖率",
	"coverage.covered":         "已覆盖的需求",
	"coverage.uncovered":       "未覆盖的需求",
	"coverage.gaps":            "未覆盖网格",
	"coverage.night_share":     "夜间覆盖率",
	"coverage.period":          "统计时间",
	"coverage.stations":        "计入的驿站",
	"coverage.suppressed":      "网格里搜索或导入的需求各自少于 %d 次时不计入、不显示，以保护劳动者隐私",
	"coverage.legend.covered":  "已覆盖",
	"coverage.legend.gap":      "未覆盖（颜色越深需求越多）",
	"coverage.legend.site":     "建议新站",
	"coverage.site_popup":      "建议第 %d 个新站：新增覆盖 %d 次需求",
	"coverage.cell_popup":      "%d 次需求",
	"coverage.sites":           "建议新建驿站的位置",
	"coverage.sites_hint":      "按新增覆盖从多到少排列。每个位置是一个网格的中心，选址时请在附近找合适的场所。",
	"coverage.no_sites":        "这个范围内没有未覆盖的需求，暂无建议。",
	"coverage.off":             "此服务器未启用覆盖分析。",
	"coverage.csv.rank":        "序号",
	"coverage.csv.lat":         "纬度",
	"coverage.csv.lng":         "经度",
	"coverage.csv.newly":       "新增覆盖需求",
	"coverage.csv.cumulative":  "累计覆盖需求",
	"coverage.csv.cell":        "网格编号",
	"coverage.csv.filename":    "建议站点.csv",
	"coverage.error.bbox":      "范围须为四个数：最小经度,最小纬度,最大经度,最大纬度（即西、南、东、北四条边）",
	"coverage.sites_crs":       "坐标为%s，可直接在该地图上查找。",
	"coverage.error.reach":     "请选择服务半径",
	"coverage.error.date":      "请填写日期，如 2026-12-02",
	"coverage.error.hours":     "请选择时段",
	"coverage.error.source":    "请选择需求来源",
	"coverage.error.k":         "须为 1 到 50 之间的整数",
}

func init() {
	for k, v := range coverageZhCN {
		if _, dup := zhCN[k]; dup {
			panic("console: catalogue key " + k + " defined twice")
		}
		zhCN[k] = v
	}
}
