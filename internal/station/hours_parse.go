package station

import (
	"bytes"
	"encoding/json"
	"slices"
	"strconv"
	"time"

	"yizhan/internal/apperr"
)

// Reading opening hours from JSON: the parser and the problems it reports.

// ParseHours decodes and validates the JSON form of Hours (see Hours). The
// decoding is strict: exactly one JSON object, no trailing data, no unknown
// or repeated field names (names are case-sensitive). JSON null for a field
// is the same as leaving it out.
//
// Exactly one of "always_open": true and "weekly" must be given;
// "always_open": false is allowed beside weekly. An empty weekly {} is valid:
// closed all week. Times are "HH:MM" from 00:00 to 23:59, and "24:00" is
// also accepted as a close; a close of "00:00" is the same as "24:00".
//
// Every problem found is reported in one *apperr.Error with code
// apperr.Invalid; each field path is relative to the hours object:
//
//	""                  "format"        not a single JSON object
//	"always_open"       "format"        not a boolean
//	"weekly"            "required"      neither "always_open": true nor weekly
//	"weekly"            "conflict"      weekly beside "always_open": true
//	"weekly"            "format"        not an object
//	"weekly.xyz"        "unknown"       not one of mon … sun
//	"weekly.mon"        "format"        not an array
//	"weekly.mon"        "out_of_range"  more than 6 intervals
//	"weekly.mon[1]"     "format"        not an [open, close] pair
//	"weekly.mon[1]"     "overlap"       overlaps an earlier interval of that day
//	"weekly.mon[1][0]"  "format"        not an "HH:MM" string
//	"weekly.mon[1][0]"  "out_of_range"  no such time (or "24:00" as an open)
//	"closed_dates"      "format"        not an array
//	"closed_dates"      "out_of_range"  more than 366 dates
//	"closed_dates[2]"   "format"        not a "YYYY-MM-DD" string
//	"closed_dates[2]"   "out_of_range"  no such calendar date
//	"closed_dates[2]"   "duplicate"     listed before
//	"foo"               "unknown"       an unknown field
//	"weekly", …         "duplicate"     a field name given twice in one object
//
// Intervals opening on the same day must not overlap, counting an overnight
// interval up to its close on the next day; intervals opening on different
// days may. Touching intervals (12:00 close, 12:00 open) do not overlap.
func ParseHours(data []byte) (Hours, error) {
	var p apperr.Problems
	var raw json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		p.Add("", "format", "hours must be one JSON object: %v", err)
		return Hours{}, p.Err()
	}
	members, ok := hoursMembers(raw)
	if !ok {
		p.Add("", "format", "hours must be a JSON object")
		return Hours{}, p.Err()
	}

	var (
		seen                           = map[string]bool{}
		always, alwaysBad, weeklyGiven bool
		c                              hoursCompiled
	)
	// Members are validated in document order, so problems are listed so.
	for _, m := range members {
		switch m.key {
		case "always_open", "weekly", "closed_dates":
		default:
			p.Add(m.key, "unknown", "unknown field %q", m.key)
			continue
		}
		if seen[m.key] {
			p.Add(m.key, "duplicate", "is given more than once")
			continue
		}
		seen[m.key] = true
		if hoursIsNull(m.val) {
			continue
		}
		switch m.key {
		case "always_open":
			if err := json.Unmarshal(m.val, &always); err != nil {
				p.Add("always_open", "format", "always_open must be true or false")
				alwaysBad = true
			}
		case "weekly":
			weeklyGiven = true
			hoursParseWeekly(&p, m.val, &c)
		case "closed_dates":
			c.closed = hoursParseClosedDates(&p, m.val)
		}
	}
	switch {
	case always && weeklyGiven:
		p.Add("weekly", "conflict", "weekly must be left out when always_open is true")
	case !always && !weeklyGiven && !alwaysBad:
		p.Add("weekly", "required", "give weekly hours, or always_open: true")
	}
	if err := p.Err(); err != nil {
		return Hours{}, err
	}
	c.always = always
	return Hours{c: &c}, nil
}

// hoursMember is one name/value pair of a JSON object.
type hoursMember struct {
	key string
	val json.RawMessage
}

// hoursMembers splits the valid JSON value raw into its members, in document
// order (so that duplicate names can be seen), or reports false when raw is
// not an object.
func hoursMembers(raw json.RawMessage) ([]hoursMember, bool) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return nil, false
	}
	var ms []hoursMember
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, false
		}
		key, ok := tok.(string)
		if !ok {
			return nil, false
		}
		var val json.RawMessage
		if err := dec.Decode(&val); err != nil {
			return nil, false
		}
		ms = append(ms, hoursMember{key, val})
	}
	return ms, true
}

func hoursIsNull(v json.RawMessage) bool {
	return string(bytes.TrimSpace(v)) == "null"
}

// hoursInterval is a parsed [open, close] pair: minutes after 00:00, close
// normalised to 1 … 1440 (a close of 00:00 becomes 24:00); close <= open
// means the interval runs past midnight.
type hoursInterval struct {
	open, close uint16
	index       int // position in the day's JSON array
}

// end returns the exclusive end of iv in minutes after 00:00 of the day it
// opens, beyond 1440 for an overnight interval.
func (iv hoursInterval) end() int {
	if iv.close <= iv.open {
		return int(iv.close) + hoursMinutesPerDay
	}
	return int(iv.close)
}

// hoursParseWeekly validates weekly and compiles it into c.
func hoursParseWeekly(p *apperr.Problems, raw json.RawMessage, c *hoursCompiled) {
	members, ok := hoursMembers(raw)
	if !ok {
		p.Add("weekly", "format", "weekly must be an object with the keys mon … sun")
		return
	}
	var days [7][]hoursInterval
	var seen [7]bool
	for _, m := range members {
		w := slices.Index(hoursDayNames[:], m.key)
		path := "weekly." + m.key
		switch {
		case w < 0:
			p.Add(path, "unknown", "unknown day %q: use mon, tue, wed, thu, fri, sat or sun", m.key)
			continue
		case seen[w]:
			p.Add(path, "duplicate", "is given more than once")
			continue
		}
		seen[w] = true
		if hoursIsNull(m.val) {
			continue
		}
		days[w] = hoursParseDay(p, path, m.val)
	}
	n := 0
	for _, ivs := range days {
		n += len(ivs)
	}
	all := make([]hoursSpan, 0, n) // one backing array for every day
	for w, ivs := range days {
		slices.SortFunc(ivs, func(a, b hoursInterval) int { return int(a.open) - int(b.open) })
		start := len(all)
		for _, iv := range ivs {
			if iv.close <= iv.open { // overnight: necessarily the day's last
				all = append(all, hoursSpan{iv.open, hoursMinutesPerDay})
				c.spill[(w+1)%7] = iv.close
			} else {
				all = append(all, hoursSpan{iv.open, iv.close})
			}
		}
		if len(all) > start {
			c.spans[w] = all[start:len(all):len(all)]
		}
	}
}

// hoursParseDay validates one day's list of intervals. It returns them only
// when all are valid.
func hoursParseDay(p *apperr.Problems, path string, raw json.RawMessage) []hoursInterval {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		p.Add(path, "format", "must be a list of [open, close] pairs")
		return nil
	}
	before := p.Len()
	if len(items) > hoursMaxPerDay {
		p.Add(path, "out_of_range", "at most %d intervals a day, not %d", hoursMaxPerDay, len(items))
	}
	ivs := make([]hoursInterval, 0, len(items))
	for i, item := range items {
		ipath := path + "[" + strconv.Itoa(i) + "]"
		var pair []json.RawMessage
		if err := json.Unmarshal(item, &pair); err != nil || len(pair) != 2 {
			p.Add(ipath, "format", "must be an [open, close] pair of \"HH:MM\" times")
			continue
		}
		opens, okOpen := hoursParseClock(p, ipath+"[0]", pair[0], false)
		closes, okClose := hoursParseClock(p, ipath+"[1]", pair[1], true)
		if !okOpen || !okClose {
			continue
		}
		if closes == 0 {
			closes = hoursMinutesPerDay
		}
		ivs = append(ivs, hoursInterval{open: opens, close: closes, index: i})
	}
	if p.Len() > before {
		return nil
	}
	for j, b := range ivs {
		for _, a := range ivs[:j] {
			if int(a.open) < b.end() && int(b.open) < a.end() {
				p.Add(path+"["+strconv.Itoa(b.index)+"]", "overlap",
					"%s[%d] overlaps %s[%d]", path, b.index, path, a.index)
				break
			}
		}
	}
	if p.Len() > before {
		return nil
	}
	return ivs
}

// hoursParseClock parses an "HH:MM" time to minutes after 00:00; "24:00" is
// accepted (as 1440) only when isClose.
func hoursParseClock(p *apperr.Problems, path string, raw json.RawMessage, isClose bool) (uint16, bool) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || len(s) != 5 || s[2] != ':' ||
		!hoursDigits(s[:2]) || !hoursDigits(s[3:]) {
		p.Add(path, "format", "must be a time \"HH:MM\"")
		return 0, false
	}
	hh := int(s[0]-'0')*10 + int(s[1]-'0')
	mm := int(s[3]-'0')*10 + int(s[4]-'0')
	switch {
	case hh == 24 && mm == 0 && isClose:
		return hoursMinutesPerDay, true
	case hh == 24 && mm == 0:
		p.Add(path, "out_of_range", "%s: 24:00 may only close an interval", path)
		return 0, false
	case hh > 23 || mm > 59:
		p.Add(path, "out_of_range", "%s: %q is not a time of day (00:00 to 23:59, or 24:00 as a close)", path, s)
		return 0, false
	}
	return uint16(hh*60 + mm), true
}

func hoursDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// hoursParseClosedDates validates closed_dates and returns them as sorted
// days since 1970-01-01.
func hoursParseClosedDates(p *apperr.Problems, raw json.RawMessage) []int32 {
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		p.Add("closed_dates", "format", "closed_dates must be a list of \"YYYY-MM-DD\" dates")
		return nil
	}
	if len(items) > hoursMaxClosedDates {
		p.Add("closed_dates", "out_of_range", "at most %d closed dates, not %d", hoursMaxClosedDates, len(items))
	}
	days := make([]int32, 0, len(items))
	first := make(map[int32]int, len(items))
	for i, item := range items {
		path := "closed_dates[" + strconv.Itoa(i) + "]"
		var s string
		if err := json.Unmarshal(item, &s); err != nil || len(s) != 10 || s[4] != '-' || s[7] != '-' ||
			!hoursDigits(s[:4]) || !hoursDigits(s[5:7]) || !hoursDigits(s[8:]) {
			p.Add(path, "format", "must be a date \"YYYY-MM-DD\"")
			continue
		}
		y, _ := strconv.Atoi(s[:4])
		mo, _ := strconv.Atoi(s[5:7])
		d, _ := strconv.Atoi(s[8:])
		t := time.Date(y, time.Month(mo), d, 0, 0, 0, 0, time.UTC)
		if y < 1 || t.Year() != y || t.Month() != time.Month(mo) || t.Day() != d {
			p.Add(path, "out_of_range", "%s: %q is not a calendar date", path, s)
			continue
		}
		day := int32(t.Unix() / 86400) // exact: t is a UTC midnight
		if j, dup := first[day]; dup {
			p.Add(path, "duplicate", "%s repeats closed_dates[%d]", path, j)
			continue
		}
		first[day] = i
		days = append(days, day)
	}
	slices.Sort(days)
	if len(days) == 0 {
		return nil
	}
	return days
}
