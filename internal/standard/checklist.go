package standard

// Item is one item of the inspection checklist.
type Item struct {
	Code  string
	Label string // Chinese, as the guideline words it
	// Area is the guideline's part: 设施 (facilities) or 管理 (management).
	Area string
}

// Checklist follows the national union's guideline for outdoor workers'
// service stations as issue 15 lists its facilities and management items:
// a sign and plaque, drinking water, a microwave, a first-aid kit,
// charging, seating, a toilet, opening hours on show, a named manager, and
// a clean, safe place. Provinces word their standards differently (六有:
// 统一标识, 固定场所, 完备设施, 管理制度, 人员管理, 地图可查; or 七个一: a room,
// seats, a microwave, a water dispenser, air conditioning, a toilet, a
// medicine kit); the codes cover what they share. Codes never change once
// published; labels may.
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
