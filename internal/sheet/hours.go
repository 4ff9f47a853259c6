// Package sheet reads and writes station lists as the spreadsheets union
// staff keep: CSV (UTF-8, or GB18030/GBK as Excel saves it on Chinese
// Windows) and XLSX, with Chinese or English headers, Chinese labels for
// host types and amenities, and opening hours in the phrasing staff write.
// Rows become the same station documents a GeoJSON import makes
// (station.ImportItem), so the station service imports both alike.
package sheet

import (
	"encoding/json"
	"fmt"
	"strings"

	"yizhan/internal/apperr"
	"yizhan/internal/station"
)

// HoursExample is what a refused hours phrase is told to look like.
const HoursExample = `"24小时", "全天", "每天 07:00-21:00", "周一至周五 08:00-20:00；周六 09:00-17:00", "22:00-次日06:00"`

// Words of the hours phrases.
const (
	hoursAlways1     = "24小时"
	hoursAlways2     = "全天"
	hoursClosed      = "关闭"
	hoursClosedDates = "休息日期"
	hoursNextDay     = "次日"
)

var dayWords = map[string]int{
	"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6,
}

var dayLabels = [7]string{"周一", "周二", "周三", "周四", "周五", "周六", "周日"}

// hoursJSON is the JSON form of station hours (see station.Hours).
type hoursJSON struct {
	AlwaysOpen  bool                   `json:"always_open,omitempty"`
	Weekly      map[string][][2]string `json:"weekly,omitempty"`
	ClosedDates []string               `json:"closed_dates,omitempty"`
}

var dayKeys = [7]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// ParseHours turns an hours phrase into the JSON form of station hours. A
// phrase is one or more parts separated by "；" or ";":
//
//	24小时 | 全天                       open at every instant
//	关闭                                closed on every day
//	[days] HH:MM-HH:MM[、HH:MM-HH:MM]   intervals on those days (every day
//	                                    when no days are named); the close
//	                                    may be written 次日HH:MM
//	休息日期 2027-01-28、2027-01-29      closed dates
//
// where days are 每天, 每日, 工作日, 周末, or a list (、 or ,) of 周一 … 周日
// (also 星期一 …, 周天) and ranges such as 周一至周五. The JSON is checked by
// station.ParseHours when the station is validated. Problems are reported
// under field; the message of a phrase not understood gives an example.
func ParseHours(p *apperr.Problems, field, phrase string) (json.RawMessage, bool) {
	h, ok := parseHours(phrase)
	if !ok {
		p.Add(field, "format", "%q is not an hours phrase; write e.g. %s", phrase, HoursExample)
		return nil, false
	}
	out := map[string]any{}
	if h.AlwaysOpen {
		out["always_open"] = true
	} else {
		out["weekly"] = h.Weekly
	}
	if len(h.ClosedDates) > 0 {
		out["closed_dates"] = h.ClosedDates
	}
	b, err := json.Marshal(out)
	if err != nil {
		p.Add(field, "format", "%q is not an hours phrase; write e.g. %s", phrase, HoursExample)
		return nil, false
	}
	return b, true
}

func parseHours(phrase string) (hoursJSON, bool) {
	var (
		h       hoursJSON
		sawTime bool
	)
	s := strings.NewReplacer("：", ":", "－", "-", "—", "-", "–", "-", "～", "-", "~", "-", "\r", "", "\n", ";", "；", ";").Replace(phrase)
	parts := strings.Split(s, ";")
	if strings.TrimSpace(s) == "" {
		return h, false
	}
	for _, part := range parts {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		if rest, ok := strings.CutPrefix(part, hoursClosedDates); ok {
			dates := splitList(rest)
			if len(dates) == 0 {
				return h, false
			}
			h.ClosedDates = append(h.ClosedDates, dates...)
			continue
		}
		if sawTime && (h.AlwaysOpen || h.Weekly == nil) {
			return h, false // 24小时 or 关闭 must be the only hours
		}
		switch part {
		case hoursAlways1, hoursAlways2:
			if sawTime {
				return h, false
			}
			h.AlwaysOpen, sawTime = true, true
			continue
		case hoursClosed:
			if sawTime {
				return h, false
			}
			sawTime = true
			continue
		}
		days, spans, ok := parseDaysPart(part)
		if !ok {
			return h, false
		}
		if h.Weekly == nil {
			h.Weekly = map[string][][2]string{}
		}
		sawTime = true
		for d := range 7 {
			if days&(1<<d) != 0 {
				h.Weekly[dayKeys[d]] = append(h.Weekly[dayKeys[d]], spans...)
			}
		}
	}
	if !sawTime {
		return h, false
	}
	if !h.AlwaysOpen && h.Weekly == nil {
		h.Weekly = map[string][][2]string{} // 关闭
	}
	return h, true
}

// parseDaysPart parses "[days] intervals".
func parseDaysPart(part string) (days uint8, spans [][2]string, ok bool) {
	i := strings.IndexAny(part, "0123456789")
	if i < 0 {
		return 0, nil, false
	}
	dayText, times := strings.TrimSpace(part[:i]), part[i:]
	if dayText == "" {
		days = 0x7f
	} else if days, ok = parseDays(dayText); !ok {
		return 0, nil, false
	}
	if times == hoursAlways1 {
		return days, [][2]string{{"00:00", "24:00"}}, true
	}
	items := splitList(times)
	if len(items) == 0 {
		return 0, nil, false
	}
	for _, it := range items {
		open, closeText, found := strings.Cut(it, "-")
		if !found {
			return 0, nil, false
		}
		closeText, next := strings.CutPrefix(strings.TrimSpace(closeText), hoursNextDay)
		o, ok1 := clock(strings.TrimSpace(open), false)
		c, ok2 := clock(strings.TrimSpace(closeText), !next)
		if !ok1 || !ok2 {
			return 0, nil, false
		}
		if next && minutes(c) > minutes(o) { // more than a day
			return 0, nil, false
		}
		spans = append(spans, [2]string{o, c})
	}
	return days, spans, true
}

// parseDays parses 每天, 工作日, 周末 or a list of days and day ranges.
func parseDays(s string) (uint8, bool) {
	switch s {
	case "每天", "每日", "全周":
		return 0x7f, true
	case "工作日":
		return 0x1f, true
	case "周末":
		return 0x60, true
	}
	var set uint8
	for _, item := range splitList(s) {
		from, to, isRange := strings.Cut(item, "至")
		if !isRange {
			from, to, isRange = strings.Cut(item, "-")
		}
		a, ok := day(strings.TrimSpace(from))
		if !ok {
			return 0, false
		}
		b := a
		if isRange {
			if b, ok = day(strings.TrimSpace(to)); !ok {
				return 0, false
			}
		}
		for d := a; ; d = (d + 1) % 7 { // 周六至周一 wraps round the week
			set |= 1 << d
			if d == b {
				break
			}
		}
	}
	return set, set != 0
}

func day(s string) (int, bool) {
	for _, prefix := range []string{"星期", "礼拜", "周"} {
		if rest, ok := strings.CutPrefix(s, prefix); ok {
			d, ok := dayWords[rest]
			return d, ok
		}
	}
	return 0, false
}

// clock normalises "7:00" to "07:00"; "24:00" only as a close.
func clock(s string, isClose bool) (string, bool) {
	hh, mm, ok := strings.Cut(s, ":")
	if !ok || len(hh) < 1 || len(hh) > 2 || len(mm) != 2 || !digits(hh) || !digits(mm) {
		return "", false
	}
	if len(hh) == 1 {
		hh = "0" + hh
	}
	h, m := int(hh[0]-'0')*10+int(hh[1]-'0'), int(mm[0]-'0')*10+int(mm[1]-'0')
	if m > 59 || h > 24 || (h == 24 && (m != 0 || !isClose)) {
		return "", false
	}
	return hh + ":" + mm, true
}

func minutes(c string) int {
	return (int(c[0]-'0')*10+int(c[1]-'0'))*60 + int(c[3]-'0')*10 + int(c[4]-'0')
}

func digits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// splitList splits on 、 , ， and spaces, dropping empty items.
func splitList(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool {
		return r == '、' || r == ',' || r == '，' || r == ' ' || r == '\t' || r == '\u3000'
	})
}

// FormatHours writes hours as a phrase ParseHours reads back to the same
// hours: days with the same intervals are grouped (每天, 周一至周五, 周六、周日),
// overnight closes are written 次日HH:MM.
func FormatHours(h station.Hours) string {
	var j hoursJSON
	b, _ := h.MarshalJSON()
	if err := json.Unmarshal(b, &j); err != nil {
		return hoursClosed
	}
	var parts []string
	switch {
	case j.AlwaysOpen:
		parts = append(parts, hoursAlways1)
	case len(j.Weekly) == 0:
		parts = append(parts, hoursClosed)
	default:
		var keys [7]string
		for d := range 7 {
			var spans []string
			for _, iv := range j.Weekly[dayKeys[d]] {
				c := iv[1]
				if c != "24:00" && minutes(c) <= minutes(iv[0]) {
					c = hoursNextDay + c
				}
				spans = append(spans, iv[0]+"-"+c)
			}
			keys[d] = strings.Join(spans, "、")
		}
		done := uint8(0)
		for d := range 7 {
			if keys[d] == "" || done&(1<<d) != 0 {
				continue
			}
			var set uint8
			for e := d; e < 7; e++ {
				if keys[e] == keys[d] {
					set |= 1 << e
				}
			}
			done |= set
			parts = append(parts, formatDays(set)+" "+keys[d])
		}
	}
	if len(j.ClosedDates) > 0 {
		parts = append(parts, hoursClosedDates+" "+strings.Join(j.ClosedDates, "、"))
	}
	return strings.Join(parts, "；")
}

// formatDays writes a set of weekdays: 每天, or runs such as 周一至周五.
func formatDays(set uint8) string {
	if set == 0x7f {
		return "每天"
	}
	var out []string
	for d := 0; d < 7; {
		if set&(1<<d) == 0 {
			d++
			continue
		}
		e := d
		for e+1 < 7 && set&(1<<(e+1)) != 0 {
			e++
		}
		switch {
		case e == d:
			out = append(out, dayLabels[d])
		case e == d+1:
			out = append(out, dayLabels[d], dayLabels[e])
		default:
			out = append(out, fmt.Sprintf("%s至%s", dayLabels[d], dayLabels[e]))
		}
		d = e + 1
	}
	return strings.Join(out, "、")
}
