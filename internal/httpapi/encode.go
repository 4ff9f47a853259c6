package httpapi

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"yizhan/internal/geo"
	"yizhan/internal/station"
)

// Stations are the bulk of every answer, and search answers are the hot
// path, so a station is rendered by appending to one buffer rather than
// through encoding/json's reflection (which, for a page of ten stations,
// cost more than the search itself). stationView is the one definition of a
// station on the wire; openapi.yaml's Station schema describes it and every
// HTTP test checks the two agree.

// stationView is a station as one answer shows it: coordinates in crs and
// open_now at the instant at.
type stationView struct {
	s   *station.Station
	crs geo.CRS
	at  time.Time
}

// MarshalJSON lets stationView sit inside encoding/json values.
func (v stationView) MarshalJSON() ([]byte, error) {
	return v.appendJSON(make([]byte, 0, 512), nil), nil
}

// appendJSON appends the station object; extra, when not nil, appends more
// members (starting with a comma) before the closing brace.
func (v stationView) appendJSON(b []byte, extra func([]byte) []byte) []byte {
	s := v.s
	loc := geo.FromWGS84(s.Location, v.crs)
	b = append(b, `{"id":"`...)
	b = append(b, s.ID.String()...)
	b = append(b, `","name":`...)
	b = appendString(b, s.Name)
	b = append(b, `,"address":`...)
	b = appendString(b, s.Address)
	b = append(b, `,"district_code":`...)
	b = appendString(b, s.DistrictCode)
	b = append(b, `,"location":{"lat":`...)
	b = appendFloat(b, round7(loc[1]))
	b = append(b, `,"lng":`...)
	b = appendFloat(b, round7(loc[0]))
	b = append(b, `,"crs":"`...)
	b = append(b, v.crs...)
	b = append(b, `"},"host":{"type":`...)
	b = appendString(b, s.Host.Type)
	b = append(b, `,"name":`...)
	b = appendString(b, s.Host.Name)
	b = append(b, `},"amenities":[`...)
	first := true
	for i, a := range station.Amenities {
		if s.Amenities&(1<<i) != 0 {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, '"')
			b = append(b, a.Code...)
			b = append(b, '"')
		}
	}
	b = append(b, `],"hours":`...)
	b = s.Hours.AppendJSON(b)
	if s.ContactPhone != "" {
		b = append(b, `,"contact_phone":`...)
		b = appendString(b, s.ContactPhone)
	}
	b = append(b, `,"status":"`...)
	b = append(b, s.Status...)
	b = append(b, `","open_now":`...)
	b = strconv.AppendBool(b, s.Status == station.Active && s.Hours.OpenAt(v.at))
	b = append(b, `,"demo":`...)
	b = strconv.AppendBool(b, s.Demo)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, s.Version, 10)
	b = append(b, `,"created_at":"`...)
	b = s.CreatedAt.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","created_by":`...)
	b = appendString(b, s.CreatedBy)
	b = append(b, `,"updated_at":"`...)
	b = s.UpdatedAt.UTC().AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","updated_by":`...)
	b = appendString(b, s.UpdatedBy)
	if extra != nil {
		b = extra(b)
	}
	return append(b, '}')
}

// round7 keeps 7 decimals of a degree, about 1 cm: more is noise.
func round7(v float64) float64 { return math.Round(v*1e7) / 1e7 }

// appendFloat formats like encoding/json.
func appendFloat(b []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return append(b, "null"...) // never produced; guards the output's validity
	}
	format := byte('f')
	if abs := math.Abs(f); abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b = strconv.AppendFloat(b, f, format, -1, 64)
	if format == 'e' {
		// clean up e-09 to e-9, as encoding/json does
		n := len(b)
		if n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	return b
}

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaping what JSON requires and,
// like encoding/json with HTML escaping off, U+2028 and U+2029. Invalid UTF-8
// becomes U+FFFD.
func appendString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xf])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}
