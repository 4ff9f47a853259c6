package console

import (
	"fmt"
	"strings"
)

// t returns the console's zh-CN text for key, formatted with args. A key
// missing from the catalogue shows as ⟦key⟧ (the tests look for it).
func t(key string, args ...any) string {
	m, ok := zhCN[key]
	if !ok {
		return "⟦" + key + "⟧"
	}
	if len(args) == 0 {
		return m
	}
	if strings.Contains(m, "%") {
		return fmt.Sprintf(m, args...)
	}
	return m
}

// zhCN is every Chinese string of the console, in one place. Keys are
// grouped by page; "problem.*" are the messages shown next to a form field
// for an apperr field code, "problem.<field>.<code>" for one field.
var zhCN = map[string]string{
	"app.name":  "驿站工会管理台",
	"app.short": "驿站管理台",

	"nav.stations":     "站点",
	"nav.applications": "入会申请",
	"nav.benefits":     "福利",
	"nav.redeem":       "核销",
	"nav.staff":        "账号",
	"nav.logout":       "退出",
	"nav.signed_in_as": "当前账号：%s",
	"nav.menu":         "主菜单",
	"role.admin":       "管理员",
	"role.district":    "区县工作人员",

	"login.title":     "登录",
	"login.heading":   "工会工作人员登录",
	"login.lead":      "请使用工会为您开设的账号登录。",
	"login.username":  "用户名",
	"login.password":  "密码",
	"login.submit":    "登录",
	"login.bad":       "用户名或密码不正确。",
	"login.throttled": "登录失败次数过多，请 15 分钟后再试。",
	"login.required":  "请填写用户名和密码。",

	"flash.signed_in":  "欢迎回来，%s。",
	"flash.signed_out": "您已退出登录。",

	"common.save":     "保存",
	"common.cancel":   "取消",
	"common.search":   "查询",
	"common.reset":    "清空条件",
	"common.first":    "第一页",
	"common.next":     "下一页",
	"common.none":     "（无）",
	"common.all":      "全部",
	"common.yes":      "是",
	"common.no":       "否",
	"common.back":     "返回",
	"common.required": "必填",
	"common.fix_form": "表单有错误，请按提示修改后再提交。",

	"error.title":        "出错了",
	"error.back":         "返回首页",
	"error.csrf":         "页面已过期或来源不明，操作没有执行。请刷新页面后重试。",
	"error.not_found":    "找不到这个页面或记录。",
	"error.forbidden":    "您没有权限查看或修改这项内容。",
	"error.invalid":      "提交的内容有误。",
	"error.conflict":     "这条记录刚被别人修改过，请刷新后再试。",
	"error.rate_limited": "操作太频繁，请稍后再试。",
	"error.too_large":    "上传的文件太大。",
	"error.unavailable":  "服务暂时不可用，请稍后再试。",
	"error.internal":     "系统出错了，请稍后再试；如果一直出现，请联系管理员。",

	"stations.title":                "站点",
	"stations.new":                  "登记新站点",
	"stations.import":               "批量导入",
	"stations.tab.list":             "列表",
	"stations.tab.map":              "地图",
	"stations.empty":                "没有符合条件的站点。",
	"stations.filter.q":             "名称或地址",
	"stations.filter.q_hint":        "输入关键字，如：驿站、人民路",
	"stations.filter.my_districts":  "我负责的全部区县",
	"stations.filter.district_hint": "6 位区划代码，如 330726",

	"station.name":       "站点名称",
	"station.address":    "地址",
	"station.district":   "区县代码",
	"station.status":     "状态",
	"station.amenity":    "服务设施",
	"station.amenities":  "服务设施",
	"station.updated_at": "最后修改",

	"status.active":    "开放",
	"status.suspended": "暂停",
	"status.closed":    "已关闭",

	"amenity.group.supply": "充电与补给",
	"amenity.group.rest":   "休息与卫生",
	"amenity.group.health": "健康与应急",
	"amenity.group.tools":  "应急工具",

	"problem.district_code.format": "请填写 6 位县级行政区划代码，如 330726",
	"problem.invalid":              "填写有误",
	"problem.required":             "必填",
	"problem.too_long":             "内容太长",
	"problem.format":               "格式不正确",
	"problem.out_of_range":         "超出允许范围",
	"problem.unknown":              "不是可选的值",
	"problem.duplicate":            "重复了",
	"problem.too_many":             "条目太多",
	"problem.length":               "长度不符合要求",
}
