package strictjson

import (
	"encoding/json"
	"errors"
	"runtime"
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"yizhan/internal/apperr"
)

// A name given twice in one object, invalid UTF-8 and lone surrogates are
// refused with their paths: encoding/json would keep the last name and turn
// the rest into U+FFFD.
func TestDecodeRefusesDuplicatesAndBadText(t *testing.T) {
	var v walkTarget
	for _, tc := range []struct{ body, field, code string }{
		{`{"name":"a","name":"b"}`, "name", "duplicate"},
		{`{"name":"a","n\u0061me":"b"}`, "name", "duplicate"},
		{`{"host":{"type":"a","name":"x","type":"b"}}`, "host.type", "duplicate"},
		{`{"hosts":[{"type":"a"},{"type":"a","type":"a"}]}`, "hosts[1].type", "duplicate"},
		{`{"tags":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"a":18}}`, "tags.a", "duplicate"},
		{`{"name":"\ud800"}`, "name", "format"},
		{`{"name":"a\udc00b"}`, "name", "format"},
		{`{"name":"\ud800\u0041"}`, "name", "format"},
		{`{"name":"\ud800\ud800"}`, "name", "format"},
		{"{\"name\":\"a\xffb\"}", "name", "format"},
		{"{\"name\":\"\xed\xa0\x80\"}", "name", "format"}, // a surrogate encoded in UTF-8
		{`{"hosts":[{"name":"ok"},{"name":"\udfff"}]}`, "hosts[1].name", "format"},
		{`{"tags":{"\ud800":1}}`, "tags.\uFFFD", "format"},
		{`"\ud800"`, "body", "format"},
		// encoding/json matches fields without regard to case, and keeps
		// the last: "name" and "NAME" are one member given twice.
		{`{"name":"a","NAME":"b"}`, "NAME", "duplicate"},
		{`{"host":{"type":"a","Type":"b"}}`, "host.Type", "duplicate"},
		{`{"tags":{"k":1,"\u212a":2}}`, "tags.\u212a", "duplicate"}, // the Kelvin sign folds to k
		{`{"tags":{"a":1,"b":2,"c":3,"d":4,"e":5,"f":6,"g":7,"h":8,"i":9,"j":10,"k":11,"l":12,"m":13,"n":14,"o":15,"p":16,"q":17,"A":18}}`, "tags.A", "duplicate"},
	} {
		err := Decode([]byte(tc.body), &v)
		var e *apperr.Error
		if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != tc.field || e.Fields[0].Code != tc.code {
			t.Errorf("Decode(%s) = %v, want %s on %s", tc.body, err, tc.code, tc.field)
		}
		if _, err := DecodePatch([]byte(tc.body), "a station"); err == nil && tc.body[0] == '{' {
			t.Errorf("DecodePatch(%s) accepted it", tc.body)
		}
	}
	for _, good := range []string{`{"name":"\ud83d\ude00 驿站"}`, `{"hosts":[{"type":"a"},{"type":"a"}]}`, `{"name":"\u00e9\/"}`, `{"tags":{"a":1,"b":2}}`, `{"tags":{"é":1,"e":2}}`} {
		if err := Decode([]byte(good), &v); err != nil {
			t.Errorf("Decode(%s) = %v", good, err)
		}
	}
}

// The scan never reports a body that encoding/json finds free of duplicates
// and of replaced text, and never panics; a syntax error is left to
// encoding/json.
func FuzzScanText(f *testing.F) {
	for _, s := range []string{`{"a":1,"a":2}`, `{"a":"\ud800"}`, `[{"b":[1,{"c":"\u00e9"}]}]`, "\"\xff\"", `{"a":{"b":1},"b":{"b":2}}`, `{"a":"\\u0041"}`, `{"a":1,"A":2}`, `{"k":1,"\u212a":2}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		p := scanText([]byte(s))
		if !json.Valid([]byte(s)) {
			return
		}
		if p.Len() == 0 {
			if !utf8.ValidString(s) || hasDuplicate(s) {
				t.Fatalf("scanText(%q) reports nothing", s)
			}
			return
		}
		// Reported: the body must hold a duplicate name or text that
		// decoding would change.
		var tree any
		if err := json.Unmarshal([]byte(s), &tree); err != nil {
			return
		}
		if utf8.ValidString(s) && !containsSurrogateEscape(s) && !hasDuplicate(s) {
			t.Fatalf("scanText(%q) = %v on a body with valid text and no duplicate", s, p.Err())
		}
	})
}

func containsSurrogateEscape(s string) bool {
	for i := 0; i+5 < len(s); i++ {
		if s[i] == '\\' && (s[i+1] == 'u' || s[i+1] == 'U') && (s[i+2] == 'd' || s[i+2] == 'D') && s[i+3] >= '8' {
			return true
		}
	}
	return false
}

// hasDuplicate reports a duplicate name anywhere, with encoding/json's
// tokenizer: names equal without regard to case (strings.EqualFold, as
// encoding/json matches fields), too.
func hasDuplicate(s string) bool {
	dec := json.NewDecoder(strings.NewReader(s))
	type frame struct {
		obj   bool
		key   bool // the next string token is a name
		names []string
	}
	var stack []*frame
	for {
		tok, err := dec.Token()
		if err != nil {
			return false
		}
		var top *frame
		if len(stack) > 0 {
			top = stack[len(stack)-1]
		}
		switch v := tok.(type) {
		case json.Delim:
			switch v {
			case '{', '[':
				if top != nil && top.obj {
					top.key = true
				}
				stack = append(stack, &frame{obj: v == '{', key: v == '{'})
			default:
				stack = stack[:len(stack)-1]
			}
			continue
		case string:
			if top != nil && top.obj && top.key {
				if slices.ContainsFunc(top.names, func(n string) bool { return strings.EqualFold(n, v) }) {
					return true
				}
				top.names = append(top.names, v)
				top.key = false
				continue
			}
		}
		if top != nil && top.obj {
			top.key = true
		}
	}
}

// The scan's memory grows with the body, not with the square of its depth:
// a path string per level made a 20 KB body of nested arrays cost 150 MB.
func TestScanDeepBodyIsCheap(t *testing.T) {
	for _, body := range []string{
		strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth),
		strings.Repeat(`{"a":`, maxDepth) + "1" + strings.Repeat("}", maxDepth),
	} {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		scanText([]byte(body))
		runtime.ReadMemStats(&after)
		if got := after.TotalAlloc - before.TotalAlloc; got > 4<<20 {
			t.Errorf("scanning %.10s… (%d bytes) allocated %d bytes, want at most 4 MiB", body, len(body), got)
		}
	}
	// Paths are still told in full.
	body := `{"a":[1,{"b":[[{"c":"\ud800"}]]}]}`
	p := scanText([]byte(body))
	if l := p.List(); len(l) != 1 || l[0].Field != "a[1].b[0][0].c" {
		t.Errorf("scanText(%s) = %v, want one problem at a[1].b[0][0].c", body, l)
	}
}
