package httpapi

import (
	"bytes"
	"encoding/binary"
	"math"
	"strconv"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"yizhan/internal/district"
	"yizhan/internal/geo"
	"yizhan/internal/search"
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

// A station object is three parts that no query changes, with the
// coordinates (in the asked crs) and open_now (at the asked instant) between
// them:
//
//	{"id":…,"location":{"lat":  LAT,"lng":LNG,"crs":"CRS  "},"host":…,"open_now":  BOOL  ,"demo":…,"updated_by":…  EXTRA}
//	└────────── head ─────────┘                           └──────── middle ───────┘        └────────── tail ─────────┘
//
// appendJSON writes all of it; a search answer instead copies the fixed
// parts from a card kept in the index's memo of the station (stationCard),
// which spares it most of the rendering and most of the cache misses of
// reading a station's fields from all over the heap. The card also holds
// the coordinates in each of the three systems (they depend only on the
// station), and the memo's word keeps open_now for the last minute asked
// about (memoOpenAt), so that a search answer reads nothing of the
// station's record but the card and the memo.
//
// A new member of the station's JSON goes into appendHead, appendMiddle or
// appendTail when it depends only on the station (it then lands in the card
// by itself), or into appendMemoized and appendJSON alike when it depends on
// the query. TestMemoizedRenderingMatchesFields holds the two paths to the
// same bytes.

// appendJSON appends the station object; extra, when not nil, appends more
// members (starting with a comma) before the closing brace.
func (v stationView) appendJSON(b []byte, extra func([]byte) []byte) []byte {
	b = appendHead(b, v.s)
	b = v.appendLocation(b, v.s.Location)
	b = appendMiddle(b, v.s)
	b = v.appendOpenNow(b)
	b = appendTail(b, v.s)
	if extra != nil {
		b = extra(b)
	}
	return append(b, '}')
}

// appendMemoized appends what appendJSON would, taking the fixed parts from
// the card in memo (rendering and storing it first when the memo is empty).
// at is the station's location as the index holds it (the station's own).
func (v stationView) appendMemoized(b []byte, memo *search.Memo, at orb.Point, extra func([]byte) []byte) []byte {
	c := memo.Load()
	if c == nil {
		c = stationCard(v.s)
		memo.Store(c)
	}
	head := cardOffset(c, cardHead)
	mid, tail := cardOffset(c, cardMiddle), cardOffset(c, cardTail)
	b = append(b, c[cardHeader:head]...)
	if i := crsSlot(v.crs); i >= 0 {
		b = append(b, c[cardOffset(c, i):cardOffset(c, i+1)]...)
	} else {
		b = v.appendLocation(b, at) // never: ParseCRS admits only the three
	}
	b = append(b, c[mid:tail]...)
	if cardOffset(c, cardFlags)&cardHasNotices != 0 {
		b = v.appendOpenNow(b)
	} else {
		b = strconv.AppendBool(b, memoOpenAt(memo, v.s, v.at))
	}
	b = append(b, c[tail:]...)
	if extra != nil {
		b = extra(b)
	}
	return append(b, '}')
}

// memoOpenAt is s.OpenAt(at) for a station without notices, kept in the
// memo's word for the minute of at: without notices, whether a station is
// open changes only on a minute (its hours are told in minutes, in a zone a
// whole number of hours from UTC), and the copy a memo belongs to never
// changes. Most questions are about now, so most answers read the word
// instead of the station's status and hours. The word is (minute+1)<<1 | open.
func memoOpenAt(memo *search.Memo, s *station.Station, at time.Time) bool {
	u := at.Unix()
	if u < 0 || u >= 1<<61 {
		return s.OpenAt(at)
	}
	key := uint64(u/60) + 1
	if w := memo.Word(); w>>1 == key {
		return w&1 == 1
	}
	open := s.OpenAt(at)
	w := key << 1
	if open {
		w |= 1
	}
	memo.SetWord(w)
	return open
}

// A card is a header of cardHeader bytes — little-endian uint32s: where the
// location in each crs begins (cardWGS84 … cardBD09), where the head ends
// and the middle and the tail begin, and flags — then the head, the three
// locations, the middle and the tail.
const (
	cardWGS84 = iota // the head ends and the WGS-84 location begins
	cardGCJ02
	cardBD09
	cardMiddle // the locations end
	cardTail
	cardFlags
	cardFields

	cardHead   = cardWGS84
	cardHeader = 4 * cardFields

	cardHasNotices = 1 // flag: open_now and the notices depend on the instant
)

// cardCRS are the systems a card holds the location in, in slot order.
var cardCRS = [3]geo.CRS{geo.WGS84, geo.GCJ02, geo.BD09}

// crsSlot is crs's slot in a card, -1 for none.
func crsSlot(crs geo.CRS) int {
	switch crs {
	case geo.WGS84:
		return cardWGS84
	case geo.GCJ02:
		return cardGCJ02
	case geo.BD09:
		return cardBD09
	}
	return -1
}

func cardOffset(c []byte, field int) uint32 { return binary.LittleEndian.Uint32(c[4*field:]) }

// stationCard renders the fixed parts of s's JSON into one buffer of
// exactly their size: cards are kept for as long as the station is indexed.
func stationCard(s *station.Station) []byte {
	scratch := cardScratch.Get().(*[]byte)
	defer cardScratch.Put(scratch)
	var at [cardFields]uint32
	c := append((*scratch)[:0], make([]byte, cardHeader)...)
	c = appendHead(c, s)
	for i, crs := range cardCRS {
		at[i] = uint32(len(c))
		c = stationView{s: s, crs: crs}.appendLocation(c, s.Location)
	}
	at[cardMiddle] = uint32(len(c))
	c = appendMiddle(c, s)
	at[cardTail] = uint32(len(c))
	c = appendTail(c, s)
	if len(s.Notices) > 0 {
		at[cardFlags] |= cardHasNotices
	}
	for i, x := range at {
		binary.LittleEndian.PutUint32(c[4*i:], x)
	}
	*scratch = c
	return bytes.Clone(c)
}

var cardScratch = sync.Pool{New: func() any { b := make([]byte, 0, 1024); return &b }}

func appendHead(b []byte, s *station.Station) []byte {
	b = append(b, `{"id":"`...)
	b = appendUUID(b, s.ID)
	b = append(b, `","name":`...)
	b = appendString(b, s.Name)
	b = append(b, `,"address":`...)
	b = appendString(b, s.Address)
	b = append(b, `,"district_code":`...)
	b = appendString(b, s.DistrictCode)
	b = append(b, `,"district_name":`...)
	b = appendString(b, district.Name(s.DistrictCode))
	return append(b, `,"location":{"lat":`...)
}

// appendLocation appends the coordinates of p (WGS-84) in the view's crs.
func (v stationView) appendLocation(b []byte, p orb.Point) []byte {
	loc := geo.FromWGS84(p, v.crs)
	b = appendRounded(b, loc[1], 7)
	b = append(b, `,"lng":`...)
	b = appendRounded(b, loc[0], 7)
	b = append(b, `,"crs":"`...)
	return append(b, v.crs...)
}

func appendMiddle(b []byte, s *station.Station) []byte {
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
	return append(b, `","open_now":`...)
}

// appendOpenNow appends open_now and, when the station has notices not
// expired at the view's instant, the notices: both depend on the instant.
func (v stationView) appendOpenNow(b []byte) []byte {
	b = strconv.AppendBool(b, v.s.OpenAt(v.at))
	if len(v.s.Notices) > 0 {
		b = appendNotices(b, v.s.Notices, v.at)
	}
	return b
}

// appendNotices appends the notices in force at at or to come, with
// in_force; nothing when every one has expired.
func appendNotices(b []byte, notices []station.Notice, at time.Time) []byte {
	first := true
	for i := range notices {
		n := &notices[i]
		if !at.Before(n.Until) {
			continue
		}
		if first {
			b = append(b, `,"notices":[`...)
			first = false
		} else {
			b = append(b, ',')
		}
		b = append(b, `{"id":"`...)
		b = appendUUID(b, n.ID)
		b = append(b, `","kind":"`...)
		b = append(b, n.Kind...)
		b = append(b, '"')
		if codes := n.Amenity.Codes(); len(codes) == 1 {
			b = append(b, `,"amenity":"`...)
			b = append(b, codes[0]...)
			b = append(b, '"')
		}
		b = append(b, `,"from":"`...)
		b = wireTime(n.From).AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","until":"`...)
		b = wireTime(n.Until).AppendFormat(b, time.RFC3339Nano)
		b = append(b, `","message":`...)
		b = appendString(b, n.Message)
		b = append(b, `,"in_force":`...)
		b = strconv.AppendBool(b, n.InForce(at))
		b = append(b, '}')
	}
	if !first {
		b = append(b, ']')
	}
	return b
}

func appendTail(b []byte, s *station.Station) []byte {
	b = append(b, `,"demo":`...)
	b = strconv.AppendBool(b, s.Demo)
	b = append(b, `,"version":`...)
	b = strconv.AppendInt(b, s.Version, 10)
	b = append(b, `,"created_at":"`...)
	b = wireTime(s.CreatedAt).AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","created_by":`...)
	b = appendString(b, s.CreatedBy)
	b = append(b, `,"updated_at":"`...)
	b = wireTime(s.UpdatedAt).AppendFormat(b, time.RFC3339Nano)
	b = append(b, `","updated_by":`...)
	b = appendString(b, s.UpdatedBy)
	return appendTruth(b, s)
}

// appendTruth appends what workers and staff have seen of the station: never
// who (verified_by stays off public answers).
func appendTruth(b []byte, s *station.Station) []byte {
	if !s.LastConfirmedAt.IsZero() {
		b = append(b, `,"last_confirmed_at":"`...)
		b = wireTime(s.LastConfirmedAt).AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	if len(s.AmenityChecks) > 0 {
		b = append(b, `,"amenity_status":{`...)
		first := true
		for _, a := range station.Amenities { // vocabulary order, not the map's
			c, ok := s.AmenityChecks[a.Code]
			if !ok {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = append(b, '"')
			b = append(b, a.Code...)
			b = append(b, `":{`...)
			sep := ""
			if !c.ConfirmedAt.IsZero() {
				b = append(b, `"confirmed_at":"`...)
				b = wireTime(c.ConfirmedAt).AppendFormat(b, time.RFC3339Nano)
				b = append(b, '"')
				sep = ","
			}
			if !c.ReportedBrokenAt.IsZero() {
				b = append(b, sep...)
				b = append(b, `"reported_broken_at":"`...)
				b = wireTime(c.ReportedBrokenAt).AppendFormat(b, time.RFC3339Nano)
				b = append(b, '"')
			}
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	if !s.VerifiedAt.IsZero() {
		b = append(b, `,"verified_at":"`...)
		b = wireTime(s.VerifiedAt).AppendFormat(b, time.RFC3339Nano)
		b = append(b, '"')
	}
	b = append(b, `,"needs_review":`...)
	b = strconv.AppendBool(b, s.NeedsReview)
	b = appendPhotoSummary(b, s)
	return appendStanding(b, &s.Standing) // standard_encode.go
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

// appendRounded appends what appendFloat(b, math.Round(v*10^digits)/10^digits)
// does (round2 and round7 are such roundings), for digits up to 7, without
// strconv's search for the shortest float: the rounded value is the integer
// r/10^digits, and while r is below 10^15 a float64 tells such decimals
// apart by their digits alone, so the shortest form of the rounded float is
// r's digits with the decimal point put back and trailing zeros dropped.
// Zero (which may be -0), tiny values (written 1e-7 by appendFloat) and
// the rest go to appendFloat. TestAppendRoundedMatchesAppendFloat holds the
// two to the same bytes.
func appendRounded(b []byte, v float64, digits int) []byte {
	scale := pow10[digits]
	r := math.Round(v * scale)
	neg := r < 0
	if neg {
		r = -r
	}
	if !(r >= scale/1e6 && r < 1e15) || r == 0 { // also NaN
		return appendFloat(b, math.Round(v*scale)/scale)
	}
	if neg {
		b = append(b, '-')
	}
	n, unit := uint64(r), uint64(scale)
	b = strconv.AppendUint(b, n/unit, 10)
	frac := n % unit
	if frac == 0 {
		return b
	}
	for digits > 0 && frac%10 == 0 {
		frac /= 10
		digits--
	}
	b = append(b, '.')
	var d [7]byte
	for i := digits - 1; i >= 0; i-- {
		d[i] = byte('0' + frac%10)
		frac /= 10
	}
	return append(b, d[:digits]...)
}

var pow10 = [8]float64{1, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7}

const hexDigits = "0123456789abcdef"

// appendUUID appends id as uuid.UUID.String spells it, without allocating.
func appendUUID(b []byte, id uuid.UUID) []byte {
	for i, c := range id {
		if i == 4 || i == 6 || i == 8 || i == 10 {
			b = append(b, '-')
		}
		b = append(b, hexDigits[c>>4], hexDigits[c&0xf])
	}
	return b
}

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
