package httpapi

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"

	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
	"yizhan/internal/district"
	"yizhan/internal/station"
)

// The limits of GET /v1/stations/changes.
const (
	defaultFeedLimit = 200
	maxFeedLimit     = 1000
)

// A feed cursor is a station.FeedPosition, base64url: a format byte, then
// Base and XID as big-endian uint64s, then the station id.
const (
	feedCursorFormat = 1
	feedCursorLen    = 1 + 8 + 8 + 16
)

func feedCursor(p station.FeedPosition) string {
	var b [feedCursorLen]byte
	b[0] = feedCursorFormat
	binary.BigEndian.PutUint64(b[1:], p.Base)
	binary.BigEndian.PutUint64(b[9:], p.XID)
	copy(b[17:], p.ID[:])
	return base64.RawURLEncoding.EncodeToString(b[:])
}

func parseFeedCursor(s string) (station.FeedPosition, bool) {
	var p station.FeedPosition
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil || len(b) != feedCursorLen || b[0] != feedCursorFormat {
		return p, false
	}
	p.Base = binary.BigEndian.Uint64(b[1:])
	p.XID = binary.BigEndian.Uint64(b[9:])
	copy(p.ID[:], b[17:])
	// One spelling per position, as with ETags: what we did not write, we
	// did not issue.
	return p, feedCursor(p) == s
}

// stationChanges answers one page of the change feed (station.Feed).
func (s *server) stationChanges(c echo.Context) error {
	var (
		p  apperr.Problems
		q  = c.QueryParams()
		fq station.FeedQuery
	)
	crs := queryCRS(c, &p)
	if v := q.Get("district_code"); v != "" {
		district.Check(&p, "district_code", v, false)
		fq.DistrictCode = v
	}
	fq.Limit = queryInt(&p, q, "limit", defaultFeedLimit, 1, maxFeedLimit)
	if v := q.Get("since"); v != "" {
		pos, ok := parseFeedCursor(v)
		if !ok {
			p.Add("since", "format", "is not a cursor this server issued")
		}
		fq.After = &pos
	}
	if err := p.Err(); err != nil {
		return err
	}
	page, err := s.Feed.Changes(c.Request().Context(), fq)
	if err != nil {
		return err
	}
	now := s.Stations.Now()
	buf := answerPool.Get().(*answerBuffers)
	defer buf.release()
	// {"items":[station, …],"removed":[id, …],"next_cursor":…,"has_more":…,"crs":…}
	b := append(buf.json[:0], `{"items":[`...)
	for i, st := range page.Items {
		if i > 0 {
			b = append(b, ',')
		}
		b = stationView{st, crs, now}.appendJSON(b, nil)
	}
	b = append(b, `],"removed":[`...)
	for i, id := range page.Removed {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, '"')
		b = appendUUID(b, id)
		b = append(b, '"')
	}
	b = append(b, `],"next_cursor":"`...)
	b = append(b, feedCursor(page.Next)...)
	b = append(b, `","has_more":`...)
	b = strconv.AppendBool(b, page.More)
	b = append(b, `,"crs":"`...)
	b = append(b, crs...)
	b = append(b, "\"}\n"...)
	buf.json = b

	// The answer's own hash: an empty page repeats byte for byte until
	// something changes in the scope, and then a client that sends it back
	// is told 304 with no body. Weak, as the gzip copy shares it.
	sum := sha256.Sum256(b)
	tag := `W/"` + hex.EncodeToString(sum[:12]) + `"`
	h := c.Response().Header()
	h["Etag"] = []string{tag}
	h["Cache-Control"] = []string{"no-cache"}
	if noneMatch(c.Request().Header.Get("If-None-Match"), tag) {
		return c.NoContent(http.StatusNotModified)
	}
	return writeBody(c, http.StatusOK, echo.MIMEApplicationJSON, b)
}

// noneMatch reports whether an If-None-Match header names tag (weakly
// compared: W/ aside) or is "*".
func noneMatch(header, tag string) bool {
	if header == "" {
		return false
	}
	opaque := strings.TrimPrefix(tag, "W/")
	for part := range strings.SplitSeq(header, ",") {
		part = strings.TrimSpace(part)
		if part == "*" || strings.TrimPrefix(part, "W/") == opaque {
			return true
		}
	}
	return false
}
