package console

import (
	"encoding/json"
	"regexp"
	"strings"

	"yizhan/internal/station"
)

// The hours editor: without JavaScript, one text input per weekday holding
// that day's intervals ("08:00-12:00, 14:00-20:00"; an interval whose close
// is not after its open runs overnight, "22:00-06:00"), a "24 小时" switch
// and a list of closed dates. The editor only reshapes the input into the
// API's hours JSON; station.ParseHours judges it, so the rules are the
// API's.

// dayKeys are the weekdays in the hours JSON's order.
var dayKeys = [7]string{"mon", "tue", "wed", "thu", "fri", "sat", "sun"}

// hoursForm is the editor's state, as typed.
type hoursForm struct {
	Always bool
	Days   [7]HoursDay
	Closed string // closed dates, one per line (commas and spaces also separate)
}

// HoursDay is one weekday's row.
type HoursDay struct {
	Key, Label, Value string
}

// hoursJSON is the JSON form of station.Hours.
type hoursJSON struct {
	AlwaysOpen  bool                   `json:"always_open,omitempty"`
	Weekly      map[string][][2]string `json:"weekly,omitempty"`
	ClosedDates []string               `json:"closed_dates,omitempty"`
}

// hoursFormOf fills the editor from a station's hours.
func hoursFormOf(h station.Hours) hoursForm {
	var j hoursJSON
	b, _ := json.Marshal(h)
	_ = json.Unmarshal(b, &j)
	f := hoursForm{Always: j.AlwaysOpen, Closed: strings.Join(j.ClosedDates, "\n")}
	for i, k := range dayKeys {
		var parts []string
		for _, iv := range j.Weekly[k] {
			parts = append(parts, iv[0]+"-"+iv[1])
		}
		f.Days[i] = HoursDay{Key: k, Label: t("day." + k), Value: strings.Join(parts, ", ")}
	}
	return f
}

// emptyHoursForm is a new station's editor: open 08:00–20:00 on weekdays.
func emptyHoursForm() hoursForm {
	var f hoursForm
	for i, k := range dayKeys {
		f.Days[i] = HoursDay{Key: k, Label: t("day." + k)}
		if i < 5 {
			f.Days[i].Value = "08:00-20:00"
		}
	}
	return f
}

// readHoursForm reads the editor's fields from a form.
func readHoursForm(get func(string) string) hoursForm {
	f := hoursForm{Always: get("hours_mode") == "always", Closed: get("closed_dates")}
	for i, k := range dayKeys {
		f.Days[i] = HoursDay{Key: k, Label: t("day." + k), Value: strings.TrimSpace(get("hours_" + k))}
	}
	return f
}

var (
	intervalSep = regexp.MustCompile(`[,，、;；\s]+`)
	intervalRe  = regexp.MustCompile(`^(\d{1,2})[:：](\d{2})\s*[-–—~～至到]\s*(\d{1,2})[:：](\d{2})$`)
	dateSep     = regexp.MustCompile(`[,，、;；\s]+`)
	dashSpaces  = regexp.MustCompile(`\s*([-–—~～至到])\s*`)
)

// toJSON turns the editor into the hours JSON. A day whose text is not a
// list of intervals is reported under "hours_<day>", in Chinese.
func (f hoursForm) toJSON() (json.RawMessage, map[string]string) {
	errs := map[string]string{}
	j := hoursJSON{AlwaysOpen: f.Always}
	if !f.Always {
		j.Weekly = map[string][][2]string{}
		for _, d := range f.Days {
			v := strings.TrimSpace(d.Value)
			if v == "" || v == "休息" || v == "关闭" {
				continue
			}
			// "08:00 - 20:00" has spaces inside an interval: join them first.
			v = dashSpaces.ReplaceAllString(v, "$1")
			for _, part := range intervalSep.Split(v, -1) {
				if part == "" {
					continue
				}
				m := intervalRe.FindStringSubmatch(part)
				if m == nil {
					errs["hours_"+d.Key] = t("hours.bad_interval")
					break
				}
				j.Weekly[d.Key] = append(j.Weekly[d.Key], [2]string{pad2(m[1]) + ":" + m[2], pad2(m[3]) + ":" + m[4]})
			}
		}
	}
	for _, d := range dateSep.Split(strings.TrimSpace(f.Closed), -1) {
		if d != "" {
			j.ClosedDates = append(j.ClosedDates, d)
		}
	}
	b, _ := json.Marshal(j)
	if f.Always {
		// always_open must be present even when it is the only field.
		b, _ = json.Marshal(struct {
			AlwaysOpen  bool     `json:"always_open"`
			ClosedDates []string `json:"closed_dates,omitempty"`
		}{true, j.ClosedDates})
	} else if len(j.Weekly) == 0 {
		b, _ = json.Marshal(struct {
			Weekly      map[string][][2]string `json:"weekly"`
			ClosedDates []string               `json:"closed_dates,omitempty"`
		}{map[string][][2]string{}, j.ClosedDates})
	}
	if len(errs) == 0 {
		errs = nil
	}
	return b, errs
}

func pad2(s string) string {
	if len(s) == 1 {
		return "0" + s
	}
	return s
}

// hoursFieldOf maps a problem of station.ParseHours ("hours.weekly.mon[0][1]",
// "hours.closed_dates[2]") to the editor's input.
func hoursFieldOf(field string) string {
	rest, ok := strings.CutPrefix(field, "hours.")
	if !ok {
		return ""
	}
	switch {
	case strings.HasPrefix(rest, "weekly."):
		day := strings.TrimPrefix(rest, "weekly.")
		if i := strings.IndexByte(day, '['); i >= 0 {
			day = day[:i]
		}
		return "hours_" + day
	case strings.HasPrefix(rest, "closed_dates"):
		return "closed_dates"
	}
	return "hours"
}

// hoursSummary is the hours in a line of Chinese: "24 小时开放", or the
// open days with their intervals, runs of days with the same hours joined
// ("周一至周五 08:00–20:00"), an overnight close marked, then the closed
// dates.
func hoursSummary(h station.Hours) string {
	f := hoursFormOf(h)
	var parts []string
	if f.Always {
		parts = append(parts, t("hours.always"))
	} else {
		for i := 0; i < len(f.Days); {
			j := i
			for j+1 < len(f.Days) && f.Days[j+1].Value == f.Days[i].Value {
				j++
			}
			if v := f.Days[i].Value; v != "" {
				days := f.Days[i].Label
				switch {
				case j == i+1:
					days += "、" + f.Days[j].Label
				case j > i+1:
					days = t("hours.day_range", f.Days[i].Label, f.Days[j].Label)
				}
				parts = append(parts, days+" "+intervalsText(v))
			}
			i = j + 1
		}
		if len(parts) == 0 {
			parts = append(parts, t("hours.never"))
		}
	}
	s := strings.Join(parts, "；")
	if f.Closed != "" {
		s += "；" + t("hours.closed_on") + strings.ReplaceAll(f.Closed, "\n", "、")
	}
	return s
}

// intervalsText shows "22:00-06:00, 08:00-12:00" as
// "22:00–次日06:00、08:00–12:00".
func intervalsText(v string) string {
	var out []string
	for _, iv := range strings.Split(v, ", ") {
		open, close, _ := strings.Cut(iv, "-")
		if close <= open && close != "24:00" {
			close = t("hours.next_day") + close
		}
		out = append(out, open+"–"+close)
	}
	return strings.Join(out, "、")
}
