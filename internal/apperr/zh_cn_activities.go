package apperr

// The zh-CN of activities and courses (issue 12 §1): the titles of their
// codes and every message their packages may show a client, keyed by the
// English format as in zh_cn.go.
func init() {
	titles[AlreadySignedUp] = title{"Already Signed Up", "已报名"}
	titles[AlreadyCheckedIn] = title{"Already Checked In", "已签到过"}
	titles[NotConfirmed] = title{"Not Confirmed", "未获得名额"}
	for en, zh := range zhCNActivities {
		zhCN[en] = zh
	}
}

var zhCNActivities = map[string]string{
	// Words.
	"activity":    "活动",
	"activities":  "活动",
	"an activity": "活动",
	"sign-up":     "报名",
	"cancelled":   "已取消",
	"finished":    "已结束",

	// Validation.
	"must be one of course, event, health_check, legal_aid or other": "须为 course、event、health_check、legal_aid 或 other 之一",
	"must be after starts_at": "须晚于 starts_at",
	"must be at most 31 days after starts_at; publish a long course session by session": "最长 31 天；长期课程请按场次分别发布",
	"is required: the number of places":                                                 "必填：名额数",
	"must be at or before starts_at":                                                    "不得晚于 starts_at",
	"must be before signup_closes_at (by default starts_at)":                            "须早于 signup_closes_at（默认为 starts_at）",
	"must be draft, published, cancelled or finished":                                   "须为 draft、published、cancelled 或 finished",
	"give either station_id, or address and location, not both":                         "station_id 与 address、location 只能二选一",
	"the place is required: a station_id, or an address and a location":                 "必须填写地点：station_id，或 address 加 location",
	"is required with location":                                                         "填写 location 时必填",
	"is required with address: {lat, lng, crs}":                                         "填写 address 时必填：{lat, lng, crs}",
	"a new activity is draft or published":                                              "新活动的状态只能是 draft 或 published",
	"must be in the future to publish the activity":                                     "发布活动时开始时间须在未来",
	"the station is not active":                                                         "该驿站未在运营",
	"the station's district %s is outside the activity's eligibility.district_codes":    "该驿站所在地区 %s 不在活动的 eligibility.district_codes 范围内",
	"must be at least %d, the places already taken":                                     "不得少于已确认的名额 %d",
	"must be 1 to 100 printable ASCII characters":                                       "须为 1 到 100 个可打印 ASCII 字符",
	"send an Idempotency-Key header (such as a UUID made when the worker tapped sign up), so that a retry never signs up twice": "请带上 Idempotency-Key 请求头（例如点击报名时生成的 UUID），以免重试时重复报名",
	"must be the 8-character sign-up code or the sign-up's qr_payload":                                                          "须为 8 位报名码或报名二维码内容",
	"is a parameter of the workers' listing; staff list with status, limit and cursor":                                          "是职工端列表的参数；工作人员列表使用 status、limit 和 cursor",
	"is a parameter of the staff's listing; workers list with lat, lng, crs, from, to and limit":                                "是工作人员列表的参数；职工端列表使用 lat、lng、crs、from、to 和 limit",
	"query parameter %q is not one this listing reads for your account":                                                         "查询参数 %q 不适用于您账号的活动列表",
	"staff read activities in WGS-84; crs is for workers":                                                                       "工作人员查看活动一律使用 WGS-84；crs 仅供职工端使用",
	"must be after from (by default now)":                                                                                       "须晚于 from（默认为当前时间）",
	"must be at most 366 days after from":                                                                                       "距 from 不得超过 366 天",
	"must be a date such as 2026-12-05 or an RFC 3339 time such as 2026-12-05T09:00:00%%2B08:00":                                "须为日期（如 2026-12-05）或 RFC 3339 时间（如 2026-12-05T09:00:00%%2B08:00）",

	// Refusals.
	"you may manage only activities whose eligibility.district_codes all lie in your districts": "您只能管理 eligibility.district_codes 全部在您辖区内的活动",
	"the activity is at version %d, not %d; fetch it again and reapply your change":             "活动当前为第 %d 版，而非第 %d 版；请重新获取后再修改",
	"the activity's place or districts changed while this patch was checked; send it again":     "校验期间活动的地点或地区已被他人修改，请重新提交",
	"an activity can be marked finished only once it has started":                               "活动开始后才能标记为已结束",
	"an activity that is %s cannot become %s":                                                   "%s的活动不能改为%s",
	"this activity is %s":                                                                "该活动当前为“%s”状态",
	"sign-ups for this activity open at %s":                                              "该活动于 %s 开始报名",
	"sign-ups for this activity closed at %s":                                            "该活动已于 %s 截止报名",
	"this activity is for union members only":                                            "该活动仅限工会会员参加",
	"this activity is for other occupations; set yours in your profile if it is missing": "该活动面向其他职业；如尚未填写职业，请在个人资料中补充",
	"this activity is for workers of other districts; set your home county in your profile if it is missing": "该活动面向其他地区的职工；如尚未填写所在区县，请在个人资料中补充",
	"you have already checked in at this activity":                                                           "您已在该活动签到",
	"this activity started at %s; a sign-up can be cancelled only before the start":                          "该活动已于 %s 开始；只能在开始前取消报名",
	"check-in opens two hours before the start, at %s":                                                       "签到于开始前两小时（%s）开放",
	"check-in closed a day after the activity ended":                                                         "活动结束一天后已停止签到",
	"this sign-up was checked in at %s":                                                                      "该报名已于 %s 签到",
	"this sign-up is still on the waiting list (number %d): it has no place":                                 "该报名仍在候补（第 %d 位），尚未获得名额",
	"this sign-up was cancelled":                                                                             "该报名已取消",
	"the activity was changing; try again":                                                                   "活动正在被修改，请重试",
	"you have already signed up for this activity; see GET /v1/activities/{id}/signups/me":                   "您已报名该活动，可在“我的报名”里查看",
	"this Idempotency-Key was used for a sign-up for another activity; make a new key for each sign-up":      "该 Idempotency-Key 已用于其他活动的报名；每次报名请生成新的键",
	"you hold no sign-up for this activity":                                                                  "您没有该活动的有效报名",
	"no sign-up for this activity has this code":                                                             "该活动没有此报名码",
}
