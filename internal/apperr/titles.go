package apperr

// title is a code's short title in each language.
type title struct{ en, zh string }

// titles are the problems' titles, one per code. Every Code constant must
// have one (TestEveryCodeHasATitle).
var titles = map[Code]title{
	Invalid:              {"Bad Request", "请求有误"},
	UnknownParameter:     {"Unknown Query Parameter", "未知的查询参数"},
	Unauthorized:         {"Unauthorized", "未登录或登录已失效"},
	Forbidden:            {"Forbidden", "无权操作"},
	NotFound:             {"Not Found", "未找到"},
	Conflict:             {"Conflict", "与当前状态冲突"},
	TooSoon:              {"Too Soon", "更改过于频繁"},
	Gone:                 {"Gone", "已不存在"},
	Stale:                {"Precondition Failed", "数据已被他人修改"},
	TooLarge:             {"Content Too Large", "请求内容过大"},
	UnsupportedMedia:     {"Unsupported Media Type", "不支持的内容类型"},
	Unprocessable:        {"Unprocessable Content", "无法处理的请求"},
	PreconditionRequired: {"Precondition Required", "缺少版本校验"},
	RateLimited:          {"Too Many Requests", "请求过于频繁"},
	Unavailable:          {"Service Unavailable", "服务暂时不可用"},
	Internal:             {"Internal Server Error", "服务器内部错误"},
	MethodNotAllowed:     {"Method Not Allowed", "不支持该请求方法"},
	ClientClosed:         {"Client Closed Request", "客户端已断开"},

	SoldOut:         {"Sold Out", "已领完"},
	LimitReached:    {"Limit Reached", "已达领取上限"},
	NotEligible:     {"Not Eligible", "不符合条件"},
	NotOpen:         {"Not Open", "当前不可办理"},
	AlreadyRedeemed: {"Already Redeemed", "已核销"},
	WrongStation:    {"Wrong Station", "不能在此驿站核销"},
	Expired:         {"Expired", "已过期"},

	TooFar:                {"Too Far", "距离驿站太远"},
	TooFrequent:           {"Too Frequent", "操作过于频繁"},
	PossibleDuplicate:     {"Possible Duplicate", "可能与已有驿站重复"},
	TOTPRequired:          {"One-Time Code Required", "需要一次性验证码"},
	TOTPInvalid:           {"Invalid One-Time Code", "一次性验证码无效"},
	TOTPEnrolmentRequired: {"Second Factor Required", "需要绑定第二重验证"},
}
