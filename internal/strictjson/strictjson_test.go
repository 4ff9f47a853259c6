package strictjson

import (
	"encoding/json"
	"errors"
	"testing"

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
