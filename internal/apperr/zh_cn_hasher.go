package apperr

// The zh-CN of the password hasher process (issue 14 §1.3): what a login
// answers when the process checking its password died during the check.
func init() {
	zhCN["password checks are restarting; try again in a moment"] = "密码校验服务正在重启，请稍后再试"
}
