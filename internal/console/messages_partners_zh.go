package console

// partnersZhCN are the Chinese strings of the partners page (issue 15 §3),
// kept apart from the other catalogues; init merges them, and a key defined
// twice stops the program at start-up.
var partnersZhCN = map[string]string{
	"nav.partners": "合作平台",

	"partners.title":            "合作平台接口密钥",
	"partners.lead":             "美团、饿了么等骑手平台把驿站显示在自己的骑手 App 里时，用这里生成的密钥调用查询接口（附近驿站、沿途驿站、变更订阅）。每个密钥有自己的限速和每日次数上限；吊销后立即失效。",
	"partners.issued":           "已为「%s」生成密钥",
	"partners.key_label":        "密钥（对方技术人员在请求头 X-Api-Key 中填写）：",
	"partners.key_once":         "密钥只显示这一次，离开本页后任何人都无法再查看。请现在复制，通过安全渠道交给对方技术人员，不要发到群里。丢失只能吊销后重新生成。",
	"partners.new":              "生成新密钥",
	"partners.name":             "平台名称",
	"partners.name_placeholder": "如：美团",
	"partners.name_hint":        "同一名称同时只能有一个有效密钥",
	"partners.daily":            "每日次数上限",
	"partners.daily_hint":       "按北京时间每天零点清零",
	"partners.per_second":       "每秒平均次数",
	"partners.per_second_hint":  "长时间平均每秒最多请求几次",
	"partners.burst":            "瞬时最多次数",
	"partners.burst_hint":       "短时间内一下子最多请求几次",
	"partners.create":           "生成密钥",
	"partners.key":              "密钥开头",
	"partners.limits":           "限额",
	"partners.today":            "今日已用",
	"partners.yesterday":        "昨日",
	"partners.status":           "状态",
	"partners.actions":          "操作",
	"partners.created":          "%s 生成",
	"partners.rate_text":        "每秒 %s 次，瞬时 %s 次",
	"partners.daily_text":       "每天 %s 次",
	"partners.percent":          "已用 %d%%",
	"partners.active":           "有效",
	"partners.revoked":          "已吊销",
	"partners.revoke":           "吊销",
	"partners.revoke_hint":      "吊销后「%s」的密钥立即失效，对方的请求会被拒绝；如需恢复，只能生成新密钥。",
	"partners.revoke_submit":    "确认吊销",
	"partners.empty":            "还没有为任何平台生成密钥。",
	"partners.error.number":     "请填写数字",
	"partners.error.taken":      "这个平台已经有一个有效密钥了。如需换新，请先吊销旧的。",

	"problem.rate.out_of_range":        "每秒次数需大于 0，最多 100000",
	"problem.burst.out_of_range":       "瞬时次数需在 1 到 1000000 之间",
	"problem.daily_quota.out_of_range": "每日次数需在 1 到 1000000000 之间",

	"flash.partners.revoked":    "已吊销「%s」的密钥，所有服务器立即拒绝它。",
	"flash.error.partners.gone": "这个密钥已经吊销过了。",
}

func init() {
	for k, v := range partnersZhCN {
		if _, dup := zhCN[k]; dup {
			panic("console: catalogue key " + k + " defined twice")
		}
		zhCN[k] = v
	}
}
