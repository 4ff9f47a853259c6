package station

import (
	"testing"
	"unicode/utf8"
)

// Station JSON comes from staff forms and imports: decoding and validating
// it never panics, what it accepts obeys the schema's rules, and an accepted
// station's own document validates to the same fields.
func FuzzStationDocument(f *testing.F) {
	for _, s := range []string{
		`{"name":"浦江县总工会驿站","address":"人民东路1号","district_code":"330726","location":{"lat":29.4521,"lng":119.892,"crs":"gcj02"},"host":{"type":"union_office","name":"总工会"},"amenities":["ebike_charging","toilet"],"hours":{"always_open":true},"contact_phone":"0579-84100000","status":"active"}`,
		`{"name":"","address":"x","district_code":"330700","location":{"lat":119.8,"lng":29.4},"host":{"type":"casino"},"hours":{"weekly":{"sun":[["22:00","06:00"]]}}}`,
		`{"name":"a\u0000b","contact_phone":"+86 138 0013 8000"}`,
		`{"amenities":["toilet","toilet","sauna"],"hours":null}`,
		`{"location":{"lat":1e400}}`, `[]`, `{"name":1}`,
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		d, err := DecodeDocument([]byte(raw))
		if err != nil {
			return
		}
		fields, err := d.Validate(nil)
		if err != nil {
			return
		}
		if n := utf8.RuneCountInString(fields.Name); n < 1 || n > 100 || !ValidCountyCode(fields.DistrictCode) || !fields.Status.Valid() {
			t.Fatalf("accepted %+v", fields)
		}
		s := &Station{}
		s.setFields(fields)
		again, err := DocumentOf(s).Validate(nil)
		if err != nil {
			t.Fatalf("the document of an accepted station is refused: %v", err)
		}
		if !again.equal(fields) {
			t.Fatalf("round trip changed the station:\n%+v\n%+v", fields, again)
		}
	})
}
