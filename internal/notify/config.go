package notify

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
)

// Template is how one event becomes a WeChat subscribe message: the template
// chosen in the mini-program's admin (mp.weixin.qq.com → 订阅消息), the page
// the message opens, and which Data value fills each of the template's
// fields.
type Template struct {
	TemplateID string `json:"template_id"`
	// Page is the mini-program page the message opens, e.g.
	// "pages/me/index?tab=notices"; empty opens none.
	Page string `json:"page,omitempty"`
	// Data maps a template field (thing1, time2, phrase3, …) to the name of
	// the event's Data value that fills it (see Fields).
	Data map[string]string `json:"data"`
}

// Templates maps event names to their templates. Events without one are not
// sent (dropped as no_template).
type Templates map[string]Template

var (
	templateIDPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,128}$`)
	// WeChat's field kinds, each followed by its number in the template.
	fieldPattern = regexp.MustCompile(`^(thing|number|letter|symbol|character_string|time|date|amount|phone_number|car_number|name|phrase)([1-9][0-9]?)$`)
)

// ParseTemplates reads and checks a configuration (WECHAT_TEMPLATES): a JSON
// object from event names to templates, e.g.
//
//	{"membership_decided": {"template_id": "Zx8…", "page": "pages/me/index",
//	  "data": {"phrase1": "result", "thing2": "reason", "time3": "decided_at"}}}
//
// Unknown events, fields or names, and unknown members, are refused, so that
// a typo fails at start rather than as messages never sent.
func ParseTemplates(b []byte) (Templates, error) {
	var t Templates
	if len(bytes.TrimSpace(b)) == 0 {
		return Templates{}, nil
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&t); err != nil {
		return nil, fmt.Errorf("not a JSON object of event → {template_id, page, data}: %w", err)
	}
	if dec.More() {
		return nil, errors.New("data after the JSON object")
	}
	if t == nil {
		return Templates{}, nil
	}
	return t, t.Check()
}

// Check reports every mistake in t.
func (t Templates) Check() error {
	var errs []error
	for _, event := range slices.Sorted(maps.Keys(t)) {
		tpl := t[event]
		names, known := Fields[event]
		if !known {
			errs = append(errs, fmt.Errorf("%q is not an event; the events are %s", event, strings.Join(slices.Sorted(maps.Keys(Fields)), ", ")))
			continue
		}
		if !templateIDPattern.MatchString(tpl.TemplateID) {
			errs = append(errs, fmt.Errorf("%s: template_id %q is not a WeChat template id (letters, digits, _ and -)", event, tpl.TemplateID))
		}
		if len(tpl.Page) > 256 || strings.Contains(tpl.Page, "://") || strings.HasPrefix(tpl.Page, "/") {
			errs = append(errs, fmt.Errorf("%s: page %q is not a mini-program page path such as pages/me/index", event, tpl.Page))
		}
		if len(tpl.Data) == 0 {
			errs = append(errs, fmt.Errorf("%s: data maps no template field", event))
		}
		if len(tpl.Data) > 20 {
			errs = append(errs, fmt.Errorf("%s: data maps %d fields; a template has at most 20", event, len(tpl.Data)))
		}
		for _, field := range slices.Sorted(maps.Keys(tpl.Data)) {
			if !fieldPattern.MatchString(field) {
				errs = append(errs, fmt.Errorf("%s: %q is not a template field such as thing1, time2 or phrase3", event, field))
			}
			if name := tpl.Data[field]; !slices.Contains(names, name) {
				errs = append(errs, fmt.Errorf("%s: data.%s names %q, which the event does not carry; it carries %s", event, field, name, strings.Join(names, ", ")))
			}
		}
	}
	return errors.Join(errs...)
}

// TemplateIDs returns every configured template id once, sorted.
func (t Templates) TemplateIDs() []string {
	var ids []string
	for _, tpl := range t {
		if !slices.Contains(ids, tpl.TemplateID) {
			ids = append(ids, tpl.TemplateID)
		}
	}
	sort.Strings(ids)
	return ids
}

// EventsOf returns the events that send templateID, sorted.
func (t Templates) EventsOf(templateID string) []string {
	var events []string
	for event, tpl := range t {
		if tpl.TemplateID == templateID {
			events = append(events, event)
		}
	}
	sort.Strings(events)
	return events
}
