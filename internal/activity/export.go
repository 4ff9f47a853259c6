package activity

import (
	"strconv"
	"time"
)

// RosterHeader names the columns of an activity's roster sheet, in Chinese:
// the sheet is read by county staff in Excel, and printed for the door
// (openapi.yaml gives each column's English name). Times are Asia/Shanghai.
// Names and phones are masked as on the roster; sign-up codes are left
// out: the sheet travels by e-mail, and a code is as good as the place.
var RosterHeader = []string{"报名编号", "活动名称", "报名序号", "状态", "候补位次", "姓名", "手机", "报名时间",
	"递补时间", "取消时间", "签到时间", "本次爽约", "累计爽约次数"}

// signupLabels are the statuses as the sheet shows them.
var signupLabels = map[SignupStatus]string{SignupConfirmed: "已确认", SignupWaitlisted: "候补中",
	SignupCancelled: "已取消", SignupCheckedIn: "已签到"}

// StatusLabel is a sign-up's status in Chinese.
func StatusLabel(s SignupStatus) string {
	if l, ok := signupLabels[s]; ok {
		return l
	}
	return string(s)
}

// Record is the entry's cells under RosterHeader, text a spreadsheet would
// run as a formula defused.
func (e RosterEntry) Record(title string) []string {
	s := e.Signup
	position := ""
	if s.Status == SignupWaitlisted {
		position = strconv.Itoa(s.Position)
	}
	noShow := "否"
	if e.NoShow {
		noShow = "是"
	}
	return []string{s.ID.String(), spreadsheetSafe(title), strconv.FormatInt(s.QueueNo, 10), StatusLabel(s.Status), position,
		spreadsheetSafe(e.Attendee.Name), e.Attendee.Phone, sheetTime(s.CreatedAt), sheetTime(s.PromotedAt),
		sheetTime(s.CancelledAt), sheetTime(s.CheckedInAt), noShow, strconv.Itoa(e.Attendee.NoShows)}
}

func sheetTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(Shanghai).Format("2006-01-02 15:04:05")
}

// spreadsheetSafe defuses text that a spreadsheet would run as a formula.
func spreadsheetSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
