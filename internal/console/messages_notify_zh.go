package console

// notifyZhCN are the Chinese strings of the notifications page; init merges
// them into zhCN as opsZhCN is.
var notifyZhCN = map[string]string{
	"nav.notifications": "消息通知",

	"notify.title":                    "消息通知",
	"notify.lead":                     "劳动者在小程序里点了“允许”后，入会审核结果、候补转正、福利快过期等消息会通过微信服务通知发给他们。这里看这些消息是否正常发出。只显示条数，不显示任何人的信息。",
	"notify.sending":                  "微信消息：正常发送中",
	"notify.not_sending":              "微信消息：未开通（服务器没有配置小程序的 AppID），消息不会发出",
	"notify.configured":               "已为 %d 种事件设置了消息模板",
	"notify.pending":                  "待发送 %d 条",
	"notify.pending_none":             "没有待发送的消息",
	"notify.oldest":                   "最早的一条已等了%s",
	"notify.late":                     "消息积压：微信可能暂时不可用，系统会自动重试；如超过一小时仍未好转，请联系技术人员。",
	"notify.unknown":                  "无法读取发送情况。",
	"notify.age.seconds":              "不到 1 分钟",
	"notify.age.minutes":              " %d 分钟",
	"notify.age.hours":                " %d 小时",
	"notify.recent":                   "最近 24 小时",
	"notify.col.event":                "通知内容",
	"notify.col.template":             "模板",
	"notify.col.pending":              "待发送",
	"notify.col.sent":                 "已发出",
	"notify.col.dropped":              "未发出",
	"notify.no_template":              "未设置（不发送）",
	"notify.reasons_help":             "未发出的原因：“没有订阅次数”是劳动者没有点允许或次数已用完；“拒收”是劳动者在微信里关闭了通知；“已注销”是劳动者注销了账号；“模板有误”请联系技术人员检查模板设置；“超时”是一天内都没能发出。",
	"notify.event.membership_decided": "入会审核结果",
	"notify.event.waitlist_promoted":  "候补转为报名成功",
	"notify.event.claim_expiring":     "福利 24 小时内过期",
	"notify.event.wish_pledged":       "微心愿被认领",
	"notify.event.wish_delivered":     "微心愿已送达",
	"notify.event.aid_decided":        "困难帮扶审核结果",
	"notify.event.report_resolved":    "反映的问题已处理",
	"notify.reason.no_acceptance":     "没有订阅次数 %d",
	"notify.reason.unsubscribed":      "拒收 %d",
	"notify.reason.erased":            "已注销 %d",
	"notify.reason.rejected":          "模板有误 %d",
	"notify.reason.expired":           "超时 %d",
	"notify.reason.no_template":       "未设置模板 %d",
}

func init() {
	for k, v := range notifyZhCN {
		if _, dup := zhCN[k]; dup {
			panic("console: catalogue key " + k + " defined twice")
		}
		zhCN[k] = v
	}
}
