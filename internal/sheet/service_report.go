package sheet

import (
	"fmt"
	"io"
	"time"

	"github.com/xuri/excelize/v2"

	"yizhan/internal/district"
	"yizhan/internal/standard"
)

// The service report's sheets and headers (issue 15 §4): the monthly figures
// unions send upward, per station and per county.
const (
	ReportStationSheet  = "站点"
	ReportDistrictSheet = "区县汇总"
	ReportNotesSheet    = "说明"
)

// ReportStationHeader and ReportDistrictHeader are the header rows.
var (
	ReportStationHeader = []string{"区县代码", "区县", "站点", "站点编号", "状态", "服务人次（登记）", "签到人次", "服务人次合计",
		"报告数", "星级", "最美站点", "最近检查", "需检查"}
	ReportDistrictHeader = []string{"区县代码", "区县", "站点数", "服务人次（登记）", "签到人次", "服务人次合计", "报告数",
		"星级站点数", "平均星级", "最美站点数", "需检查站点数"}
)

var statusLabels = map[string]string{"active": "运营中", "suspended": "暂停", "closed": "已关闭"}

func yesNo(b bool) string {
	if b {
		return "是"
	}
	return "否"
}

// WriteServiceReport writes the month's report as an XLSX workbook: a sheet
// per station, a sheet per county, and a sheet saying what each column counts.
// Counts are numbers; codes and dates are text.
func WriteServiceReport(w io.Writer, r standard.Report) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", ReportStationSheet); err != nil {
		return err
	}
	rows := [][]any{anyRow(ReportStationHeader)}
	for _, s := range r.Stations {
		stars := any("")
		if s.StarLevel > 0 {
			stars = s.StarLevel
		}
		inspected := ""
		if !s.LastInspectedAt.IsZero() {
			inspected = s.LastInspectedAt.In(shanghai).Format(time.DateOnly)
		}
		rows = append(rows, []any{s.DistrictCode, district.Name(s.DistrictCode), s.Name, s.StationID.String(), statusLabels[s.Status],
			s.Tallied, s.Checkins, s.Services(), s.Reports, stars, yesNo(s.MostBeautiful), inspected, yesNo(s.Due)})
	}
	if err := writeRows(f, ReportStationSheet, rows, []float64{10, 12, 32, 38, 8, 16, 10, 14, 8, 6, 10, 12, 8}); err != nil {
		return err
	}
	if _, err := f.NewSheet(ReportDistrictSheet); err != nil {
		return err
	}
	rows = [][]any{anyRow(ReportDistrictHeader)}
	var total standard.DistrictMonth
	for _, d := range r.Districts {
		rows = append(rows, districtRow(d.DistrictCode, district.Name(d.DistrictCode), d))
		total.Stations += d.Stations
		total.Tallied += d.Tallied
		total.Checkins += d.Checkins
		total.Reports += d.Reports
		total.Starred += d.Starred
		total.StarSum += d.StarSum
		total.MostBeautiful += d.MostBeautiful
		total.Due += d.Due
	}
	rows = append(rows, districtRow("", "合计", total))
	if err := writeRows(f, ReportDistrictSheet, rows, []float64{10, 14, 8, 16, 10, 14, 8, 12, 10, 12, 14}); err != nil {
		return err
	}
	if _, err := f.NewSheet(ReportNotesSheet); err != nil {
		return err
	}
	notes := [][]any{
		{"月份", r.Month.String()},
		{"服务人次（登记）", "站点工作人员在控制台或接口登记的当月服务人次之和（按北京时间日期）"},
		{"签到人次", "劳动者在站点300米内用小程序签到的当月次数（每人每站每小时至多一次）"},
		{"服务人次合计", "登记与签到之和"},
		{"报告数", "劳动者当月提交的站点问题报告数"},
		{"星级", "按最近一次检查和上图情况计算的当前星级（1–5）；空白为未检查"},
		{"需检查", fmt.Sprintf("从未检查，或最近检查距 %s 已满12个月", r.AsOf.In(shanghai).Format(time.DateOnly))},
		{"站点范围", "本人辖区内未关闭的站点，以及当月有登记、签到或报告的已关闭站点"},
	}
	if err := writeRows(f, ReportNotesSheet, notes, []float64{18, 80}); err != nil {
		return err
	}
	_, err := f.WriteTo(w)
	return err
}

// shanghai is China Standard Time, as the report's dates are read.
var shanghai = time.FixedZone("CST", 8*60*60)

func districtRow(code, name string, d standard.DistrictMonth) []any {
	avg := any("")
	if d.Starred > 0 {
		avg = float64(int(d.AverageStars()*100+0.5)) / 100
	}
	return []any{code, name, d.Stations, d.Tallied, d.Checkins, d.Services(), d.Reports, d.Starred, avg, d.MostBeautiful, d.Due}
}

func anyRow(s []string) []any {
	out := make([]any, len(s))
	for i, v := range s {
		out[i] = v
	}
	return out
}

func writeRows(f *excelize.File, sheet string, rows [][]any, widths []float64) error {
	for i, r := range rows {
		cell, err := excelize.CoordinatesToCellName(1, i+1)
		if err != nil {
			return err
		}
		if err := f.SetSheetRow(sheet, cell, &r); err != nil {
			return err
		}
	}
	for i, wd := range widths {
		col, err := excelize.ColumnNumberToName(i + 1)
		if err != nil {
			return err
		}
		if err := f.SetColWidth(sheet, col, col, wd); err != nil {
			return err
		}
	}
	return nil
}
