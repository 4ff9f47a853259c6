package benefit

import (
	"time"

	"github.com/google/uuid"
)

// ExportHeader names the columns of an offer's claims sheet, in Chinese:
// the sheet is read by county staff in Excel (openapi.yaml gives each
// column's English name). The API's claims.csv and the console's download
// are this one sheet. Times are Asia/Shanghai, as the staff reading it live
// by them. Claim codes and workers are left out: the sheet travels by
// e-mail, and a code is as good as the item.
var ExportHeader = []string{"领取编号", "福利名称", "状态", "入会礼", "领取时间", "有效期至",
	"核销时间", "核销驿站编号", "核销驿站", "核销人", "过期时间"}

// exportStatus is a claim's status as the sheet shows it.
var exportStatus = map[ClaimStatus]string{Claimed: "待核销", Redeemed: "已核销", Expired: "已过期"}

// Record is the row's cells under ExportHeader, text a spreadsheet would
// run as a formula defused.
func (r ExportRow) Record() []string {
	c := r.Claim
	station := ""
	if c.RedeemedStation != uuid.Nil {
		station = c.RedeemedStation.String()
	}
	status, ok := exportStatus[c.Status]
	if !ok {
		status = string(c.Status)
	}
	welcome := "否"
	if c.Welcome {
		welcome = "是"
	}
	return []string{c.ID.String(), spreadsheetSafe(c.OfferTitle), status, welcome,
		sheetTime(c.ClaimedAt), sheetTime(c.ExpiresAt), sheetTime(c.RedeemedAt), station,
		spreadsheetSafe(r.StationName), spreadsheetSafe(r.redeemer()), sheetTime(c.ExpiredAt)}
}

// redeemer is who redeemed the claim, as the sheet tells it to the staff
// reading it: the staff member's username (answers name staff by opaque
// account id, which tells a colleague nothing), or the actor as recorded.
func (r ExportRow) redeemer() string {
	if r.RedeemedByName != "" {
		return r.RedeemedByName
	}
	return r.Claim.RedeemedBy
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
