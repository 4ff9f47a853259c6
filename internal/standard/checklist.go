package standard

// Item is one item of the inspection checklist.
type Item struct {
	Code  string
	Label string // Chinese, as the guideline words it
	// Area is the guideline's part: 设施 (facilities) or 管理 (management).
	Area string
}

// Checklist follows the national guideline for outdoor workers' service
// stations (全国总工会《关于加强户外劳动者服务站点建设的指导意见》 and the
// 工会户外劳动者服务站点建设规范 that provinces adopt from it): what a station
// must offer ("九有": a sign, drinking water, a microwave, medicine,
// charging, seats, a toilet, set opening hours, a named manager) and a clean
// and safe place. Codes never change once published; labels may.
var Checklist = []Item{
	{"sign_plaque", "统一标识标牌", "设施"},
	{"drinking_water", "饮用水（冷热水）", "设施"},
	{"microwave", "微波炉（热饭）", "设施"},
	{"first_aid_kit", "急救药箱（常用药品）", "设施"},
	{"charging", "充电设施（手机、电动车）", "设施"},
	{"seating", "休息桌椅", "设施"},
	{"toilet", "卫生间（或就近可用）", "设施"},
	{"opening_hours", "公示开放时间", "管理"},
	{"named_manager", "明确专人管理（公示姓名、电话）", "管理"},
	{"clean_safe", "环境整洁、安全", "管理"},
}

// ItemIndex returns the code's place in Checklist, or -1.
func ItemIndex(code string) int {
	for i, it := range Checklist {
		if it.Code == code {
			return i
		}
	}
	return -1
}
