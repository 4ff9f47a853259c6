package notify

import (
	"strconv"
	"strings"
	"unicode/utf8"
)

// Message is one subscribe message, ready for WeChat.
type Message struct {
	OpenID     string
	TemplateID string
	Page       string
	// Data maps template fields (thing1, …) to their values.
	Data map[string]string
}

// String describes the message without its data or openid, which are
// personal: this is what may reach a log.
func (m Message) String() string {
	return "notify.Message{TemplateID: " + m.TemplateID + ", fields: " + strconv.Itoa(len(m.Data)) + "}"
}

// fieldLimits are the most characters WeChat takes in a field of each kind;
// a longer value makes it refuse the message (errcode 47003).
var fieldLimits = map[string]int{
	"thing": 20, "phrase": 5, "name": 10, "character_string": 32, "number": 32, "letter": 32,
	"symbol": 5, "car_number": 8, "phone_number": 17, "amount": 11, "time": 32, "date": 32,
}

// Render fills tpl's fields from an event's data for the worker with openid.
// A value too long for its field is cut, ending in "…" where the kind is
// text; a missing or empty one becomes "无" (text) or "-", since WeChat
// refuses empty values.
func Render(tpl Template, openid string, data map[string]string) Message {
	m := Message{OpenID: openid, TemplateID: tpl.TemplateID, Page: tpl.Page, Data: make(map[string]string, len(tpl.Data))}
	for field, name := range tpl.Data {
		m.Data[field] = fieldValue(kindOf(field), data[name])
	}
	return m
}

// kindOf is a field's kind: thing1 → thing.
func kindOf(field string) string { return strings.TrimRight(field, "0123456789") }

func fieldValue(kind, v string) string {
	v = strings.Join(strings.Fields(v), " ") // WeChat shows one line
	text := kind == "thing" || kind == "name" || kind == "phrase"
	if v == "" {
		if text {
			return "无"
		}
		return "-"
	}
	limit, ok := fieldLimits[kind]
	if !ok || utf8.RuneCountInString(v) <= limit {
		return v
	}
	r := []rune(v)
	if text && limit > 1 {
		return string(r[:limit-1]) + "…"
	}
	return string(r[:limit])
}
