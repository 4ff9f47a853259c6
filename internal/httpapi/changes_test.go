package httpapi_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"yizhan/internal/auth"
)

type changesOut struct {
	Items      []stationOut `json:"items"`
	Removed    []string     `json:"removed"`
	NextCursor string       `json:"next_cursor"`
	HasMore    bool         `json:"has_more"`
}

// settle waits until every write so far lies below the oldest transaction
// running in the cluster (other tests' too), so that the feed serves it.
func (e *env) settle() {
	e.t.Helper()
	for i := 0; ; i++ {
		var ok bool
		err := e.db.Pool.QueryRow(context.Background(), `SELECT pg_snapshot_xmin(pg_current_snapshot()) >
			greatest((SELECT max(change_xid) FROM stations), (SELECT max(change_xid) FROM station_district_exits), '0'::xid8)`).Scan(&ok)
		if err != nil {
			e.t.Fatal(err)
		}
		if ok {
			return
		}
		if i > 1000 {
			e.t.Fatal("the writes never settled")
		}
		time.Sleep(10 * time.Millisecond) // another test's transaction may be running
	}
}

// syncFeed pages through the feed from since, applying every page to copy.
func (e *env) syncFeed(scope, since string, limit string, copy map[string]stationOut) string {
	e.t.Helper()
	e.settle()
	for range 1000 {
		q := url.Values{"limit": {limit}}
		if scope != "" {
			q.Set("district_code", scope)
		}
		if since != "" {
			q.Set("since", since)
		}
		r := e.do(req{Method: "GET", Path: "/v1/stations/changes?" + q.Encode()})
		if r.Status != http.StatusOK {
			e.t.Fatalf("changes: %d %s", r.Status, r.Body)
		}
		var page changesOut
		r.JSON(e.t, &page)
		for _, s := range page.Items {
			copy[s.ID] = s
		}
		for _, id := range page.Removed {
			delete(copy, id)
		}
		since = page.NextCursor
		if !page.HasMore {
			return since
		}
	}
	e.t.Fatal("the feed never ended")
	return ""
}

func TestStationChanges(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	var ids []string
	for _, name := range []string{"浦阳街道快递驿站", "仙华街道爱心驿站", "岩头镇工会驿站", "黄宅镇户外劳动者驿站"} {
		ids = append(ids, e.create(admin, stationBody(name)).ID)
	}
	yiwu := stationBody("稠城街道爱心驿站")
	yiwu["district_code"] = "330782"
	e.create(admin, yiwu)

	pujiang := map[string]stationOut{}
	cursor := e.syncFeed("330726", "", "3", pujiang)
	if len(pujiang) != 4 {
		t.Fatalf("Pujiang's copy holds %d stations, want 4", len(pujiang))
	}
	jinhua := map[string]stationOut{}
	jinhuaCursor := e.syncFeed("330700", "", "2", jinhua)
	if len(jinhua) != 5 {
		t.Fatalf("Jinhua's copy holds %d stations, want 5", len(jinhua))
	}

	// Nothing changed: the same answer, and 304 for its ETag.
	q := "/v1/stations/changes?district_code=330726&since=" + cursor
	r := e.do(req{Method: "GET", Path: q})
	var empty changesOut
	r.JSON(t, &empty)
	if len(empty.Items)+len(empty.Removed) != 0 || empty.NextCursor != cursor || r.Header.Get("ETag") == "" {
		t.Fatalf("an idle feed answered %s (ETag %q)", r.Body, r.Header.Get("ETag"))
	}
	tag := r.Header.Get("ETag")
	if r := e.do(req{Method: "GET", Path: q, Header: map[string]string{"If-None-Match": tag}}); r.Status != http.StatusNotModified || len(r.Body) != 0 {
		t.Fatalf("If-None-Match of an idle feed: %d %s", r.Status, r.Body)
	}

	// Close one, move one to Yiwu: both leave Pujiang; the moved one stays in Jinhua.
	if r := e.do(req{Method: "DELETE", Path: "/v1/stations/" + ids[0], Token: admin}); r.Status != http.StatusNoContent {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "PATCH", Path: "/v1/stations/" + ids[1], Token: admin, ContentType: "application/merge-patch+json",
		Header: map[string]string{"If-Match": `"1"`}, Body: `{"district_code": "330782"}`}); r.Status != http.StatusOK {
		t.Fatalf("move: %d %s", r.Status, r.Body)
	}
	e.settle()
	if r := e.do(req{Method: "GET", Path: q, Header: map[string]string{"If-None-Match": tag}}); r.Status != http.StatusOK {
		t.Fatalf("after changes, If-None-Match answered %d", r.Status)
	}
	e.syncFeed("330726", cursor, "1", pujiang)
	if _, ok := pujiang[ids[0]]; ok {
		t.Errorf("the closed station is still in Pujiang's copy")
	}
	if _, ok := pujiang[ids[1]]; ok {
		t.Errorf("the station moved to Yiwu is still in Pujiang's copy")
	}
	if len(pujiang) != 2 {
		t.Errorf("Pujiang's copy holds %d stations, want 2", len(pujiang))
	}
	e.syncFeed("330700", jinhuaCursor, "50", jinhua)
	if got := jinhua[ids[1]].DistrictCode; got != "330782" || len(jinhua) != 4 {
		t.Errorf("Jinhua's copy: %d stations, the moved one in %q; want 4 and 330782", len(jinhua), got)
	}
}

func TestStationChangesGzip(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	for _, name := range []string{"浦阳街道快递驿站", "仙华街道爱心驿站", "岩头镇工会驿站"} {
		e.create(admin, stationBody(name))
	}
	e.settle()
	get := func(enc string) *http.Response {
		hr, _ := http.NewRequest("GET", e.srv.URL+"/v1/stations/changes", nil)
		if enc != "" {
			hr.Header.Set("Accept-Encoding", enc)
		}
		res, err := http.DefaultTransport.RoundTrip(hr)
		if err != nil {
			t.Fatal(err)
		}
		return res
	}
	plain := get("")
	body, _ := io.ReadAll(plain.Body)
	plain.Body.Close()
	if plain.Header.Get("Content-Encoding") != "" || len(body) <= 1024 || !strings.Contains(plain.Header.Get("Vary"), "Accept-Encoding") {
		t.Fatalf("without Accept-Encoding: %q, %d bytes, Vary %q", plain.Header.Get("Content-Encoding"), len(body), plain.Header.Get("Vary"))
	}
	for _, enc := range []string{"gzip", "br, gzip;q=0.5", "*"} {
		res := get(enc)
		raw, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.Header.Get("Content-Encoding") != "gzip" || res.ContentLength != int64(len(raw)) {
			t.Errorf("Accept-Encoding %q: Content-Encoding %q, Content-Length %d for %d bytes", enc, res.Header.Get("Content-Encoding"), res.ContentLength, len(raw))
			continue
		}
		zr, err := gzip.NewReader(bytes.NewReader(raw))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(zr)
		// open_now and the cursor's base may differ between the two reads;
		// the length of the answer does not.
		if len(got) != len(body) {
			t.Errorf("Accept-Encoding %q: %d bytes unpacked, want %d", enc, len(got), len(body))
		}
	}
	for _, enc := range []string{"gzip;q=0", "identity", "br", "*;q=0"} {
		res := get(enc)
		res.Body.Close()
		if res.Header.Get("Content-Encoding") != "" {
			t.Errorf("Accept-Encoding %q: compressed anyway", enc)
		}
	}
	// A small answer is sent as it is.
	res := get("gzip")
	res.Body.Close()
	small, _ := http.NewRequest("GET", e.srv.URL+"/v1/amenities?x=1", nil)
	small.Header.Set("Accept-Encoding", "gzip")
	if res, err := http.DefaultTransport.RoundTrip(small); err == nil {
		res.Body.Close()
		if res.Header.Get("Content-Encoding") != "" {
			t.Errorf("a problem of a few hundred bytes was compressed")
		}
	}
}

func TestStationChangesBadInput(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, c := range []struct{ query, field, code string }{
		{"since=abc", "since", "format"},
		{"since=" + strings.Repeat("A", 44), "since", "format"},
		{"since=AgAAAAAAAAMvAAAAAAAAAz4Bk6LFGyd8PZ5Rai0_S1xi", "since", "format"},    // an unknown format byte
		{"since=AQAAAAAAAAMvAAAAAAAAAz4Bk6LFGyd8PZ5R%0Aai0_S1xi", "since", "format"}, // a spelling we never write
		{"since=AQAAAAAAAAMvAAAAAAAAAz4Bk6LFGyd8PZ5Rai0/S1xi", "since", "format"},
		{"limit=0", "limit", ""},
		{"limit=1001", "limit", ""},
		{"limit=ten", "limit", ""},
		{"district_code=33072", "district_code", "format"},
		{"district_code=990000", "district_code", "unknown"},
		{"crs=utm", "crs", "unknown"},
	} {
		r := e.do(req{Method: "GET", Path: "/v1/stations/changes?" + c.query})
		if r.Status != http.StatusBadRequest {
			t.Errorf("%s: %d %s", c.query, r.Status, r.Body)
			continue
		}
		p := r.Problem(t)
		if p.Code != "invalid" || len(p.Errors) != 1 || p.Errors[0].Field != c.field || (c.code != "" && p.Errors[0].Code != c.code) {
			t.Errorf("%s: %s", c.query, r.Body)
		}
	}
	if r := e.do(req{Method: "GET", Path: "/v1/stations/changes?cursor=x"}); r.Status != http.StatusBadRequest || r.Problem(t).Code != "unknown_parameter" {
		t.Errorf("cursor=x: %d %s", r.Status, r.Body)
	}
	// A well-formed cursor from ahead of the database: gone, start again.
	ahead := "AQAAAAAAAAMvQAAAAAAAAAABk6LFGyd8PZ5Rai0_S1xi"
	if r := e.do(req{Method: "GET", Path: "/v1/stations/changes?since=" + ahead}); r.Status != http.StatusGone || r.Problem(t).Code != "gone" {
		t.Errorf("a cursor from ahead: %d %s", r.Status, r.Body)
	}
}
