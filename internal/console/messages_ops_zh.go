package console

// opsZhCN are the Chinese strings of the applications, benefits, redeem and
// staff-account pages, kept apart from zhCN so that the two halves of the
// console grow without stepping on each other; init merges them, and a key
// defined twice stops the program at start-up.
var opsZhCN = map[string]string{
	"occupation.food_delivery":    "外卖骑手",
	"occupation.express_courier":  "快递员",
	"occupation.ride_hailing":     "网约车司机",
	"occupation.truck_driver":     "货车司机",
	"occupation.sanitation":       "环卫工人",
	"occupation.domestic_service": "家政服务员",
	"occupation.other":            "其他",

	"apps.title":              "入会申请",
	"apps.lead":               "您负责区县的劳动者提交的入会申请。批准后，劳动者成为工会会员并获得会员号。",
	"apps.tab.pending":        "待审核",
	"apps.tab.approved":       "已批准",
	"apps.tab.rejected":       "已拒绝",
	"apps.empty.pending":      "目前没有待审核的申请。",
	"apps.empty":              "没有这类申请。",
	"apps.name":               "姓名",
	"apps.phone":              "手机号",
	"apps.occupation":         "职业",
	"apps.employer":           "平台或单位",
	"apps.district":           "区县",
	"apps.submitted":          "提交时间",
	"apps.decision":           "处理结果",
	"apps.approve":            "批准入会",
	"apps.reject":             "拒绝",
	"apps.reject_reason":      "拒绝理由（劳动者会看到）",
	"apps.reject_hint":        "如：请补充雇主证明",
	"apps.reject_submit":      "确认拒绝",
	"apps.decided_by":         "%s 处理",
	"apps.member_no":          "会员号 %s",
	"apps.reason":             "理由：%s",
	"flash.apps.approved":     "已批准 %s 的入会申请。",
	"flash.apps.rejected":     "已拒绝 %s 的入会申请。",
	"flash.error.apps.done":   "这份申请已经处理过了（或申请人已经是会员），没有再改动。",
	"flash.error.apps.reason": "请填写拒绝理由（1 到 200 个字），劳动者会看到它。",

	"staff.title":                "工作人员账号",
	"staff.lead":                 "只有管理员能看到本页。停用的账号立即退出登录，不能再登录；被锁定的账号是因为多次输错密码。",
	"staff.username":             "用户名",
	"staff.role":                 "角色",
	"staff.districts":            "负责区县",
	"staff.status":               "状态",
	"staff.created":              "开设时间",
	"staff.actions":              "操作",
	"staff.active":               "正常",
	"staff.disabled":             "已停用",
	"staff.locked":               "已锁定（%d 次输错密码）",
	"staff.failures":             "%d 次输错密码",
	"staff.all_districts":        "全部",
	"staff.disable":              "停用",
	"staff.enable":               "重新启用",
	"staff.unlock":               "解除锁定",
	"staff.reset":                "重设密码",
	"staff.new_password":         "新密码（至少 10 个字）",
	"staff.reset_submit":         "确认重设",
	"staff.you":                  "（您自己）",
	"staff.new":                  "开设新账号",
	"staff.new_username":         "用户名",
	"staff.new_username_hint":    "3–40 个小写字母、数字、点、下划线或减号，如 pujiang.wang",
	"staff.new_password_hint":    "至少 10 个字，请当面或电话告诉本人",
	"staff.new_role":             "角色",
	"staff.new_districts":        "负责区县代码",
	"staff.new_districts_hint":   "区县工作人员必填，多个用逗号分开，如 330726,330727；市级代码（如 330700）包括全市各区县",
	"staff.create":               "开设账号",
	"flash.staff.created":        "已开设账号 %s。",
	"flash.staff.password":       "已重设 %s 的密码，该账号已在所有设备上退出登录。",
	"flash.staff.disabled":       "已停用 %s，该账号已立即退出登录。",
	"flash.staff.enabled":        "已重新启用 %s。",
	"flash.staff.unlocked":       "已解除 %s 的登录锁定。",
	"flash.error.staff.self":     "不能停用您自己的账号，请让另一位管理员操作。",
	"flash.error.staff.password": "密码需要 10 到 200 个字，没有修改。",

	"problem.username.format":    "用户名需 3–40 个小写字母、数字、点、下划线或减号，以字母或数字开头",
	"problem.password.length":    "密码需要 10 到 200 个字",
	"problem.role.unknown":       "请选择角色",
	"problem.districts.required": "区县工作人员至少要负责一个区县",
	"problem.districts.format":   "请填写 6 位行政区划代码，多个用逗号分开",
	"error.staff.taken":          "这个用户名已经有人用了，请换一个。",
}

func init() {
	for k, v := range opsZhCN {
		if _, dup := zhCN[k]; dup {
			panic("console: catalogue key " + k + " defined twice")
		}
		zhCN[k] = v
	}
}
