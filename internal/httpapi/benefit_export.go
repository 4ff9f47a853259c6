package httpapi

import (
	"bufio"
	"encoding/csv"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"yizhan/internal/benefit"
)

// csvHeader names the export's columns, in Chinese: the sheet is read by
// county staff in Excel (openapi.yaml gives each column's English name).
// Times are Asia/Shanghai, as the staff reading the sheet live by them.
// Claim codes are left out: the sheet travels by e-mail, and a code is as
// good as the item.
var csvHeader = []string{"领取编号", "福利名称", "状态", "入会礼", "领取时间", "有效期至",
	"核销时间", "核销驿站编号", "核销驿站", "核销人", "过期时间"}

// csvStatus is a claim's status as the sheet shows it.
var csvStatus = map[benefit.ClaimStatus]string{benefit.Claimed: "待核销", benefit.Redeemed: "已核销", benefit.Expired: "已过期"}

// csvYesNo is a yes/no cell.
func csvYesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

func shanghaiTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(benefit.Shanghai).Format("2006-01-02 15:04:05")
}

// exportClaims streams the offer's claims as CSV, UTF-8 with a byte order
// mark so that Excel shows the Chinese text.
func (s *server) exportClaims(c echo.Context) error {
	id, err := offerID(c)
	if err != nil {
		return err
	}
	ctx := c.Request().Context()
	res := c.Response()
	started := false
	bw := bufio.NewWriterSize(res, 32<<10)
	w := csv.NewWriter(bw)
	start := func() error {
		if started {
			return nil
		}
		started = true
		res.Header().Set(echo.HeaderContentType, "text/csv; charset=utf-8")
		res.Header().Set(echo.HeaderContentDisposition, `attachment; filename="claims-`+id.String()+`.csv"`)
		res.WriteHeader(http.StatusOK)
		if _, err := bw.WriteString("\uFEFF"); err != nil {
			return err
		}
		return w.Write(csvHeader)
	}
	err = s.Benefits.Export(ctx, principal(c), id, func(r benefit.ExportRow) error {
		if err := start(); err != nil {
			return err
		}
		station := ""
		if r.Claim.RedeemedStation != uuid.Nil {
			station = r.Claim.RedeemedStation.String()
		}
		status, ok := csvStatus[r.Claim.Status]
		if !ok {
			status = string(r.Claim.Status)
		}
		return w.Write([]string{r.Claim.ID.String(), csvSafe(r.Claim.OfferTitle), status, csvYesNo(r.Claim.Welcome),
			shanghaiTime(r.Claim.ClaimedAt), shanghaiTime(r.Claim.ExpiresAt), shanghaiTime(r.Claim.RedeemedAt), station,
			csvSafe(r.StationName), csvSafe(redeemer(r)), shanghaiTime(r.Claim.ExpiredAt)})
	})
	if err != nil && !started {
		return err
	}
	if err == nil {
		err = start()
	}
	if err != nil {
		// The status line is sent: the client sees a truncated file, or
		// has hung up.
		if ctx.Err() == nil {
			s.log.ErrorContext(ctx, "claims export failed", "request_id", requestID(c), "error", err)
		}
		return nil
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return nil
	}
	_ = bw.Flush()
	return nil
}

// redeemer is who redeemed the claim, as the sheet tells it to the staff
// reading it: the staff member's username (answers name staff by opaque
// account id, which tells a colleague nothing), or the actor as recorded.
func redeemer(r benefit.ExportRow) string {
	if r.RedeemedByName != "" {
		return r.RedeemedByName
	}
	return r.Claim.RedeemedBy
}

// csvSafe defuses text that a spreadsheet would run as a formula.
func csvSafe(s string) string {
	if s != "" && (s[0] == '=' || s[0] == '+' || s[0] == '-' || s[0] == '@' || s[0] == '\t' || s[0] == '\r') {
		return "'" + s
	}
	return s
}
