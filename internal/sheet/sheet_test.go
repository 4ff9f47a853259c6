package sheet

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"golang.org/x/text/encoding/simplifiedchinese"

	"yizhan/internal/apperr"
	"yizhan/internal/station"
)

func mustHours(t *testing.T, js string) station.Hours {
	t.Helper()
	h, err := station.ParseHours([]byte(js))
	if err != nil {
		t.Fatalf("ParseHours(%s): %v", js, err)
	}
	return h
}

func TestParseHoursPhrases(t *testing.T) {
	cases := map[string]string{
		"24小时":           `{"always_open":true}`,
		"全天":             `{"always_open":true}`,
		"每天 07:00-21:00": `{"weekly":{"mon":[["07:00","21:00"]],"tue":[["07:00","21:00"]],"wed":[["07:00","21:00"]],"thu":[["07:00","21:00"]],"fri":[["07:00","21:00"]],"sat":[["07:00","21:00"]],"sun":[["07:00","21:00"]]}}`,
		"周一至周五 08:00-20:00；周六 09:00-17:00": `{"weekly":{"mon":[["08:00","20:00"]],"tue":[["08:00","20:00"]],"wed":[["08:00","20:00"]],"thu":[["08:00","20:00"]],"fri":[["08:00","20:00"]],"sat":[["09:00","17:00"]]}}`,
		"22:00-次日06:00":              `{"weekly":{"mon":[["22:00","06:00"]],"tue":[["22:00","06:00"]],"wed":[["22:00","06:00"]],"thu":[["22:00","06:00"]],"fri":[["22:00","06:00"]],"sat":[["22:00","06:00"]],"sun":[["22:00","06:00"]]}}`,
		"星期日 8:00-12:00、14:00-18:00": `{"weekly":{"sun":[["08:00","12:00"],["14:00","18:00"]]}}`,
		"周末 24小时；休息日期 2027-01-28":    `{"weekly":{"sat":[["00:00","24:00"]],"sun":[["00:00","24:00"]]},"closed_dates":["2027-01-28"]}`,
		"关闭": `{"weekly":{}}`,
	}
	for phrase, want := range cases {
		var p apperr.Problems
		raw, ok := ParseHours(&p, "hours", phrase)
		if !ok {
			t.Errorf("%q refused: %v", phrase, p.Err())
			continue
		}
		got := mustHours(t, string(raw))
		if !got.Equal(mustHours(t, want)) {
			t.Errorf("%q = %s, want %s", phrase, raw, want)
		}
	}
	for _, bad := range []string{"", "早八晚八", "周八 08:00-09:00", "25:00-26:00", "08:00", "24小时；每天 08:00-09:00", "08:00-次日09:00", "周一 24:00-08:00"} {
		var p apperr.Problems
		if _, ok := ParseHours(&p, "hours", bad); ok {
			t.Errorf("%q accepted", bad)
		} else if err := p.Err(); err == nil || !strings.Contains(err.(*apperr.Error).Fields[0].Message, "每天 07:00-21:00") {
			t.Errorf("%q: refusal without an example: %v", bad, err)
		}
	}
}

// FormatHours writes a phrase that ParseHours reads back to the same hours.
func TestFormatHoursRoundTrip(t *testing.T) {
	for _, js := range []string{
		`{"always_open":true}`,
		`{"always_open":true,"closed_dates":["2027-01-28","2027-01-29"]}`,
		`{"weekly":{}}`,
		`{"weekly":{"mon":[["08:00","12:00"],["14:00","18:00"]],"wed":[["08:00","12:00"],["14:00","18:00"]],"sun":[["22:00","06:00"]]}}`,
		`{"weekly":{"mon":[["08:00","08:00"]],"tue":[["00:00","24:00"]],"fri":[["09:00","17:00"]],"sat":[["09:00","17:00"]]}}`,
		`{"weekly":{"mon":[["07:00","21:00"]],"tue":[["07:00","21:00"]],"wed":[["07:00","21:00"]],"thu":[["07:00","21:00"]],"fri":[["07:00","21:00"]],"sat":[["07:00","21:00"]],"sun":[["07:00","21:00"]]},"closed_dates":["2027-02-01"]}`,
	} {
		h := mustHours(t, js)
		phrase := FormatHours(h)
		var p apperr.Problems
		raw, ok := ParseHours(&p, "hours", phrase)
		if !ok {
			t.Errorf("%s → %q refused: %v", js, phrase, p.Err())
			continue
		}
		if back := mustHours(t, string(raw)); !back.Equal(h) {
			t.Errorf("%s → %q → %s", js, phrase, raw)
		}
	}
}

func TestDecodeCharsets(t *testing.T) {
	text := "名称,地址\n驿站,北京\n"
	gbk, err := simplifiedchinese.GBK.NewEncoder().String(text)
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string][]byte{
		"utf-8":     []byte(text),
		"utf-8 BOM": append([]byte{0xEF, 0xBB, 0xBF}, text...),
		"gbk":       []byte(gbk),
	} {
		got, err := Decode(body, "")
		if err != nil || got != text {
			t.Errorf("%s: %q, %v", name, got, err)
		}
	}
	if _, err := Decode([]byte(gbk), "utf-8"); err == nil {
		t.Error("GBK forced to UTF-8 was accepted")
	}
	if got, err := Decode([]byte(gbk), "GBK"); err != nil || got != text {
		t.Errorf("forced gbk: %q, %v", got, err)
	}
	if _, err := Decode([]byte(text), "latin1"); err == nil {
		t.Error("an unknown charset was accepted")
	}
}

func fields(err error) map[string]string {
	out := map[string]string{}
	if e, ok := err.(*apperr.Error); ok {
		for _, f := range e.Fields {
			out[f.Field] = f.Code
		}
	}
	return out
}

func TestParseNamesRowAndColumn(t *testing.T) {
	csv := "名称,地址,纬度,经度,区县代码,开放时间,主办类型\n" +
		"甲,北京,39.9,116.4,110105,24小时,银行\n" +
		"\n" +
		"乙,北京,北纬,116.4,110105,早八晚八,酒吧\n"
	records, err := ReadCSV([]byte(csv), "")
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Parse(records)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Items) != 2 || tab.Items[0].Problem != nil || tab.Items[1].Problem == nil {
		t.Fatalf("items: %+v", tab.Items)
	}
	var p apperr.Problems
	p.AddAll("features[1]", tab.Items[1].Problem)
	got := fields(tab.Rename(p.Err()))
	for _, want := range []string{"rows[4].纬度", "rows[4].开放时间", "rows[4].主办类型"} {
		if got[want] == "" {
			t.Errorf("no problem at %s: %v", want, got)
		}
	}
	if _, err := Parse([][]string{{"名称", "colour"}}); len(fields(err)) == 0 {
		t.Error("an unknown and missing columns were accepted")
	}
	rows := [][]string{Header()}
	for range MaxRows + 1 {
		rows = append(rows, templateExample)
	}
	if _, err := Parse(rows); fields(err)["rows"] != "too_many" {
		t.Errorf("too many rows: %v", err)
	}
}

func TestTemplateReadsBack(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteTemplate(&buf); err != nil {
		t.Fatal(err)
	}
	records, err := ReadXLSX(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	tab, err := Parse(records)
	if err != nil {
		t.Fatal(err)
	}
	if len(tab.Items) != 1 || tab.Items[0].Problem != nil {
		t.Fatalf("template example: %+v", tab.Items)
	}
	if _, err := tab.Items[0].Doc.Validate(nil); err != nil {
		t.Errorf("template example invalid: %v", err)
	}
	js, _ := json.Marshal(tab.Items[0].Doc)
	if !strings.Contains(string(js), `"bank"`) {
		t.Errorf("host type: %s", js)
	}
}

func FuzzParseHours(f *testing.F) {
	for _, s := range []string{"24小时", "全天", "每天 07:00-21:00", "周一至周五 08:00-20:00；周六 09:00-17:00", "22:00-次日06:00", "周六至周一 8:00-9:00、10:00-11:00;休息日期 2027-01-28", "关闭"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, phrase string) {
		var p apperr.Problems
		raw, ok := ParseHours(&p, "hours", phrase)
		if !ok {
			if p.Err() == nil {
				t.Fatal("refused without a problem")
			}
			return
		}
		h, err := station.ParseHours(raw)
		if err != nil {
			return // e.g. overlapping intervals: the station's validation refuses
		}
		// What is accepted formats to a phrase that reads back the same.
		var q apperr.Problems
		raw2, ok := ParseHours(&q, "hours", FormatHours(h))
		if !ok {
			t.Fatalf("%q → %q refused", phrase, FormatHours(h))
		}
		if h2, err := station.ParseHours(raw2); err != nil || !h2.Equal(h) {
			t.Fatalf("%q → %q → %s (%v)", phrase, FormatHours(h), raw2, err)
		}
	})
}

func FuzzReadCSV(f *testing.F) {
	f.Add([]byte("名称,地址,纬度,经度,区县代码,开放时间\n甲,北京,39.9,116.4,110105,24小时\n"), "")
	f.Add([]byte("\xef\xbb\xbfname,address,lat,lng,district_code,hours,amenities\n\"a,b\",x,1,2,110105,全天,\"wifi，热水\"\n"), "utf-8")
	f.Add([]byte("\xc3\xfb\xb3\xc6,\xb5\xd8\xd6\xb7\n"), "gbk")
	f.Fuzz(func(t *testing.T, body []byte, charset string) {
		records, err := ReadCSV(body, charset)
		if err != nil {
			if _, ok := err.(*apperr.Error); !ok {
				t.Fatalf("not a problem: %v", err)
			}
			return
		}
		tab, err := Parse(records)
		if err != nil {
			if _, ok := err.(*apperr.Error); !ok {
				t.Fatalf("not a problem: %v", err)
			}
			return
		}
		for i, it := range tab.Items {
			if it.Problem == nil {
				continue
			}
			var p apperr.Problems
			p.AddAll("features[0]", it.Problem)
			for _, fe := range tab.Rename(p.Err()).(*apperr.Error).Fields {
				if !strings.HasPrefix(fe.Field, "rows[") {
					t.Fatalf("item %d: field %q", i, fe.Field)
				}
			}
		}
	})
}

// A small upload that unpacks to more than the limit is refused before it
// is inflated into memory.
func TestXLSXZipBombRefused(t *testing.T) {
	var tpl bytes.Buffer
	if err := WriteTemplate(&tpl); err != nil {
		t.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(tpl.Bytes()), int64(tpl.Len()))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, f := range zr.File {
		if err := zw.Copy(f); err != nil {
			t.Fatal(err)
		}
	}
	w, err := zw.Create("xl/media/padding.bin")
	if err != nil {
		t.Fatal(err)
	}
	zeros := make([]byte, 1<<20)
	for range xlsxUnzipLimit>>20 + 1 {
		if _, err := w.Write(zeros); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	if out.Len() > 1<<20 {
		t.Fatalf("the bomb is %d bytes", out.Len())
	}
	if _, err := ReadXLSX(out.Bytes()); fields(err)["file"] != "format" {
		t.Errorf("a zip bomb of %d bytes: %v", out.Len(), err)
	}
	// The same workbook without the padding reads.
	if _, err := ReadXLSX(tpl.Bytes()); err != nil {
		t.Errorf("the template: %v", err)
	}
}
