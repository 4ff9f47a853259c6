package strictjson

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
)

// The examples of RFC 7396, Appendix A.
func TestMergePatchRFC7396(t *testing.T) {
	for _, tc := range []struct{ target, patch, want string }{
		{`{"a":"b"}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"b"}`, `{"b":"c"}`, `{"a":"b","b":"c"}`},
		{`{"a":"b"}`, `{"a":null}`, `{}`},
		{`{"a":"b","b":"c"}`, `{"a":null}`, `{"b":"c"}`},
		{`{"a":["b"]}`, `{"a":"c"}`, `{"a":"c"}`},
		{`{"a":"c"}`, `{"a":["b"]}`, `{"a":["b"]}`},
		{`{"a":{"b":"c"}}`, `{"a":{"b":"d","c":null}}`, `{"a":{"b":"d"}}`},
		{`{"a":[{"b":"c"}]}`, `{"a":[1]}`, `{"a":[1]}`},
		{`["a","b"]`, `["c","d"]`, `["c","d"]`},
		{`{"a":"b"}`, `["c"]`, `["c"]`},
		{`{"a":"foo"}`, `null`, `null`},
		{`{"a":"foo"}`, `"bar"`, `"bar"`},
		{`{"e":null}`, `{"a":1}`, `{"a":1,"e":null}`},
		{`[1,2]`, `{"a":"b","c":null}`, `{"a":"b"}`},
		{`{}`, `{"a":{"bb":{"ccc":null}}}`, `{"a":{"bb":{}}}`},
	} {
		var target, patch any
		if err := json.Unmarshal([]byte(tc.target), &target); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(tc.patch), &patch); err != nil {
			t.Fatal(err)
		}
		got, _ := json.Marshal(MergePatch(target, patch))
		if string(got) != tc.want {
			t.Errorf("MergePatch(%s, %s) = %s, want %s", tc.target, tc.patch, got, tc.want)
		}
	}
}

func TestDecodeNamesTheField(t *testing.T) {
	var v struct {
		Name string `json:"name"`
	}
	for _, tc := range []struct{ in, field string }{
		{`{"name":1}`, "name"},
		{`{"colour":"red"}`, "colour"},
		{`{"name":"a"} {}`, ""},
		{``, ""},
		{`{"name":`, ""},
	} {
		err := Decode([]byte(tc.in), &v)
		var e *apperr.Error
		if !errors.As(err, &e) || e.Code != apperr.Invalid {
			t.Errorf("Decode(%q) = %v, want an invalid error", tc.in, err)
			continue
		}
		if tc.field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != tc.field) {
			t.Errorf("Decode(%q) fields %+v, want %s", tc.in, e.Fields, tc.field)
		}
	}
}

func TestDecodePatch(t *testing.T) {
	for _, bad := range []string{``, `[1]`, `null`, `"x"`, `{"a":1} {}`, `{"a":`} {
		if _, err := DecodePatch([]byte(bad), "a station"); !apperr.Is(err, apperr.Invalid) {
			t.Errorf("DecodePatch(%q) = %v, want invalid", bad, err)
		}
	}
	got, err := DecodePatch([]byte(`{"n":12345678901234567890,"x":null}`), "a station")
	if err != nil || got["n"] != json.Number("12345678901234567890") || got["x"] != nil {
		t.Errorf("DecodePatch kept %v, %v", got, err)
	}
}

type walkInner struct {
	Type string `json:"type"`
	Name string `json:"name"`
}

type walkEmbedded struct {
	Note string `json:"note"`
}

type walkTarget struct {
	walkEmbedded
	Name     string               `json:"name"`
	Limit    int                  `json:"limit"`
	Small    int8                 `json:"small"`
	Count    *uint16              `json:"count"`
	Ratio    float32              `json:"ratio"`
	OK       bool                 `json:"ok"`
	Host     walkInner            `json:"host"`
	Hosts    []walkInner          `json:"hosts"`
	Polyline [][]float64          `json:"polyline"`
	Tags     map[string]int       `json:"tags"`
	Raw      json.RawMessage      `json:"raw"`
	Any      any                  `json:"any"`
	Quoted   int                  `json:"quoted,string"`
	Blob     []byte               `json:"blob"`
	Skipped  string               `json:"-"`
	Nested   map[string]walkInner `json:"nested"`
	When     time.Time            `json:"when"`
	ID       uuid.UUID            `json:"id"`
	Num      json.Number          `json:"num"`
	Own      ownDecoder           `json:"own"`
	Count2   countDecoder         `json:"count2"`
}

// countDecoder decodes itself through encoding/json, as benefit.Stock does.
type countDecoder struct{ N int64 }

func (c *countDecoder) UnmarshalJSON(b []byte) error { return json.Unmarshal(b, &c.N) }

// ownDecoder decodes itself and refuses with field problems of its own.
type ownDecoder struct{ N int }

func (o *ownDecoder) UnmarshalJSON(b []byte) error {
	if string(b) == `"ok"` || string(b) == "null" {
		return nil
	}
	var p apperr.Problems
	p.Add("inner", "format", "must be \"ok\"")
	return p.Err()
}

// loop embeds itself through a pointer.
type loop struct {
	*loop
	X int `json:"x"`
}

// Decode reports every wrong type and unknown field at once, each with its
// full path, and accepts what encoding/json accepts.
func TestDecodeReportsEveryMistake(t *testing.T) {
	var v walkTarget
	err := Decode([]byte(`{"name": 1, "colour": "red", "host": {"nick": "x", "type": 2},
		"hosts": [{"type": "a"}, {"type": "b", "bad": true}], "polyline": [[1, 2], [3, "a"]],
		"limit": 1.5, "small": 300, "count": -1, "ratio": 1e39, "ok": "yes", "tags": {"a": "x"},
		"raw": {"anything": [1]}, "any": {"x": 1}, "quoted": "12", "blob": 5, "Skipped": "x",
		"nested": {"k": {"zzz": 1}}, "note": 7, "when": "tomorrow", "id": "not-a-uuid", "num": true, "own": 5, "count2": "x"}`), &v)
	var e *apperr.Error
	if !errors.As(err, &e) || e.Code != apperr.Invalid {
		t.Fatalf("Decode = %v, want invalid", err)
	}
	got := map[string]string{}
	for _, f := range e.Fields {
		got[f.Field] = f.Code
	}
	want := map[string]string{
		"name": "type", "colour": "unknown", "host.nick": "unknown", "host.type": "type",
		"hosts[1].bad": "unknown", "polyline[1][1]": "type", "limit": "type", "small": "out_of_range",
		"count": "out_of_range", "ratio": "out_of_range", "ok": "type", "tags.a": "type", "blob": "type",
		"Skipped": "unknown", "nested.k.zzz": "unknown", "note": "type",
		"when": "format", "id": "format", "num": "type", "own.inner": "format", "count2": "type",
	}
	if len(got) != len(want) {
		t.Errorf("fields %v\nwant %v", got, want)
	}
	for f, code := range want {
		if got[f] != code {
			t.Errorf("field %s: %q, want %q (all: %v)", f, got[f], code, e.Fields)
		}
	}
	// Field names match without regard to case, as encoding/json matches them.
	if err := Decode([]byte(`{"NAME": "x", "Host": {"TYPE": "y"}, "Note": "n"}`), &v); err != nil || v.Name != "x" || v.Host.Type != "y" || v.Note != "n" {
		t.Errorf("case-insensitive names: %v, %+v", err, v)
	}
	// Good values of the types that decode themselves pass.
	if err := Decode([]byte(`{"when": "2026-12-02T09:00:00+08:00", "id": "0190f5a8-0000-7000-8000-000000000001", "num": "12", "own": "ok"}`), &v); err != nil {
		t.Errorf("good self-decoding values: %v", err)
	}
	// A struct that embeds itself is walked without end... of the stack.
	var l loop
	if err := Decode([]byte(`{"x": "a", "y": 1}`), &l); !errors.As(err, &e) || len(e.Fields) != 2 {
		t.Errorf("self-embedding struct: %v", err)
	}
	// A body of the wrong kind is one message, not a field.
	if err := Decode([]byte(`[1, 2]`), &v); !errors.As(err, &e) || len(e.Fields) != 0 {
		t.Errorf("an array body: %v", err)
	}
}

// Whatever encoding/json accepts, the walk finds nothing wrong with; when
// it finds nothing, encoding/json has no wrong type or unknown field to
// report either.
func FuzzWalkAgreesWithEncodingJSON(f *testing.F) {
	for _, s := range []string{`{"when":"2026-12-02T09:00:00Z","id":"0190f5a8-0000-7000-8000-000000000001"}`, `{"own":"x","num":"1"}`, `{"name":"a","limit":3}`, `{"host":{"type":"x"}}`, `{"limit":1.5}`, `{"polyline":[[1,"2"]]}`,
		`{"tags":{"a":1}}`, `{"count":65536}`, `{"NAME":"x"}`, `{"quoted":"1"}`, `{"blob":"aGk="}`, `{"raw":[1,{}]}`, `{"small":-129}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		var v walkTarget
		dec := json.NewDecoder(strings.NewReader(s))
		dec.DisallowUnknownFields()
		stdErr := dec.Decode(&v)
		p := walkBody([]byte(s), &walkTarget{})
		var typ *json.UnmarshalTypeError
		switch {
		case stdErr == nil && p.Err() != nil:
			t.Fatalf("encoding/json accepts %q, the walk reports %v", s, p.Err())
		case p.Err() == nil && stdErr != nil && (errors.As(stdErr, &typ) && typ.Field != "" || strings.Contains(stdErr.Error(), "unknown field")):
			// (A body of the wrong kind altogether, typ.Field == "", is left to
			// describe, which says so in one message.)
			var syntax *json.SyntaxError
			if !errors.As(stdErr, &syntax) {
				t.Fatalf("encoding/json refuses %q (%v), the walk finds nothing", s, stdErr)
			}
		}
	})
}

// A body with a great many mistakes lists the first ones and says how many
// more there are, rather than answering with a million problems.
func TestDecodeListsAtMostAHundredMistakes(t *testing.T) {
	var v walkTarget
	body := `{"polyline": [` + strings.Repeat(`["a","b"],`, 999) + `["a","b"]]}`
	err := Decode([]byte(body), &v)
	var e *apperr.Error
	if !errors.As(err, &e) || len(e.Fields) != apperr.MaxProblems+1 {
		t.Fatalf("Decode = %v fields, want %d", len(e.Fields), apperr.MaxProblems+1)
	}
	last := e.Fields[apperr.MaxProblems]
	if last.Field != "body" || last.Code != "too_many" || !strings.Contains(last.Message, "1900 more") {
		t.Errorf("last problem %+v, want body/too_many counting 1900 more", last)
	}
}

// An integer that decodes itself is told apart from a fraction or a number
// out of range, and a json.Number in a string must be a number.
func TestDecodeNumbersThatDecodeThemselves(t *testing.T) {
	for _, tc := range []struct{ body, field, code, message string }{
		{`{"count2": 1.5}`, "count2", "type", "must be a whole number, not 1.5"},
		{`{"count2": 1e30}`, "count2", "out_of_range", "1e30 is out of range"},
		{`{"num": "12a"}`, "num", "type", `must be a number, not "12a"`},
		{`{"limit": 2.5}`, "limit", "type", "must be a whole number, not 2.5"},
	} {
		var v walkTarget
		err := Decode([]byte(tc.body), &v)
		var e *apperr.Error
		if !errors.As(err, &e) || len(e.Fields) != 1 || e.Fields[0].Field != tc.field || e.Fields[0].Code != tc.code || e.Fields[0].Message != tc.message {
			t.Errorf("Decode(%s) = %v, want %s %s %q", tc.body, err, tc.field, tc.code, tc.message)
			if e != nil {
				t.Logf("fields %+v", e.Fields)
			}
		}
	}
}
