package apperr

// zhCNPartners are the Chinese messages of partner access (issue 15 §3);
// init merges them into zhCN and the titles of their codes into titles.
var zhCNPartners = map[string]string{
	"the X-Api-Key header holds no key that Yizhan issued":                                "请求头 X-Api-Key 中的密钥无效，不是驿站平台签发的密钥",
	"this X-Api-Key has been revoked; ask the union for a new key":                        "该 X-Api-Key 密钥已被吊销，请联系工会重新申请",
	"partner keys are still loading; try again in a moment":                               "合作平台密钥正在加载，请稍后重试",
	"this key may send %s requests a second, and %d at once; slow down":                   "该密钥每秒最多 %s 次请求，瞬时最多 %d 次，请降低请求频率",
	"this key's daily quota of %d requests is spent; it renews at midnight, Beijing time": "该密钥今日 %d 次的调用额度已用完，北京时间零点恢复",
	"the partner's quota cannot be checked just now; try again shortly":                   "暂时无法核对该密钥的调用额度，请稍后重试",
	"%q is not RATE:BURST, such as 50:100":                                                "%q 不是“每秒次数:瞬时次数”的格式，如 50:100",
	"only admins may manage partner keys":                                                 "只有管理员可以管理合作平台密钥",
	"must be more than 0 and at most %d requests a second":                                "须大于 0，且每秒不超过 %d 次",
	"a partner named %q already holds a key; revoke it first":                             "名为 %q 的合作平台已有有效密钥，请先吊销",
	"there is no partner named %q holding a key":                                          "没有名为 %q 且持有有效密钥的合作平台",
	"the partner's key has been revoked":                                                  "该合作平台的密钥已被吊销",

	"must be from %d to %d": "须在 %d 到 %d 之间",

	// Words.
	"partner":       "合作平台",
	"partner quota": "合作平台调用额度",
}

func init() {
	for k, v := range zhCNPartners {
		if _, dup := zhCN[k]; dup {
			panic("apperr: catalogue key " + k + " defined twice")
		}
		zhCN[k] = v
	}
	titles[APIKeyInvalid] = title{"Invalid API Key", "接口密钥无效"}
	titles[APIKeyRevoked] = title{"API Key Revoked", "接口密钥已吊销"}
	titles[QuotaExceeded] = title{"Daily Quota Exceeded", "今日调用额度已用完"}
}
