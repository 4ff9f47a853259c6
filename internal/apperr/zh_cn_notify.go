package apperr

// The zh-CN messages of notifications through WeChat subscribe messages
// (issue 12 section 4), kept apart from zh_cn.go so that branches merge.
func init() {
	for en, zh := range map[string]string{
		"this server sends no notifications: WeChat is not configured": "本服务未开通消息通知：尚未配置微信",
		"must name at least one template":                              "至少须有一个模板",
		"must name at most %d templates":                               "最多 %d 个模板",
		"is not a template this service sends":                         "不是本服务发送的消息模板",
		"names the same template as an earlier one":                    "与前面的模板重复",
	} {
		zhCN[en] = zh
	}
}
