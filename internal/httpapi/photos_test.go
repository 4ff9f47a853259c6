package httpapi_test

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/color"
	"image/jpeg"
	"mime/multipart"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/paulmach/orb"
	"github.com/rwcarlsen/goexif/exif"
	"github.com/xuri/excelize/v2"

	"yizhan/internal/auth"
	"yizhan/internal/geo"
	"yizhan/internal/sheet"
	"yizhan/internal/station"
)

// phoneJPEG is a w×h photo carrying EXIF as a phone writes it: its maker
// and a GPS position (29°27'N, 119°53'E).
func phoneJPEG(t *testing.T, w, h int, shade uint8) []byte {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for i := range m.Pix {
		m.Pix[i] = shade + uint8(i%5)
	}
	m.Set(0, 0, color.RGBA{255, 0, 0, 255})
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, nil); err != nil {
		t.Fatal(err)
	}
	var tf bytes.Buffer
	le := binary.LittleEndian
	w16 := func(v uint16) { _ = binary.Write(&tf, le, v) }
	w32 := func(v uint32) { _ = binary.Write(&tf, le, v) }
	tf.WriteString("II")
	w16(42)
	w32(8)
	w16(2) // IFD0: Make, GPS pointer → ends at 8+2+24+4 = 38
	w16(0x010F)
	w16(2)
	w32(10)
	w32(38)
	w16(0x8825)
	w16(4)
	w32(1)
	w32(48)
	w32(0)
	tf.WriteString("TestPhone\x00") // 38..48
	w16(4)                          // GPS IFD at 48 → ends at 48+2+48+4 = 102
	w16(1)
	w16(2)
	w32(2)
	tf.WriteString("N\x00\x00\x00")
	w16(2)
	w16(5)
	w32(3)
	w32(102)
	w16(3)
	w16(2)
	w32(2)
	tf.WriteString("E\x00\x00\x00")
	w16(4)
	w16(5)
	w32(3)
	w32(126)
	w32(0)
	for _, v := range []uint32{29, 1, 27, 1, 0, 1, 119, 1, 53, 1, 0, 1} {
		w32(v)
	}
	payload := append([]byte("Exif\x00\x00"), tf.Bytes()...)
	seg := []byte{0xFF, 0xE1, 0, 0}
	binary.BigEndian.PutUint16(seg[2:], uint16(len(payload)+2))
	out := append([]byte{}, buf.Bytes()[:2]...)
	out = append(append(out, seg...), payload...)
	out = append(out, buf.Bytes()[2:]...)
	if x, err := exif.Decode(bytes.NewReader(out)); err != nil {
		t.Fatalf("the test photo's EXIF: %v", err)
	} else if _, _, err := x.LatLong(); err != nil {
		t.Fatalf("the test photo's GPS: %v", err)
	}
	return out
}

type photoOut struct {
	ID           string `json:"id"`
	URL          string `json:"url"`
	ThumbnailURL string `json:"thumbnail_url"`
	Width        int    `json:"width"`
	Height       int    `json:"height"`
	Entrance     bool   `json:"entrance"`
}

type photoStation struct {
	PhotoCount    int        `json:"photo_count"`
	EntrancePhoto *photoOut  `json:"entrance_photo"`
	Photos        []photoOut `json:"photos"`
}

func (e *env) upload(token, stationID string, body []byte, ct, query string) (photoOut, response) {
	e.t.Helper()
	r := e.do(req{Method: "POST", Path: "/v1/stations/" + stationID + "/photos" + query, Token: token, Body: body, ContentType: ct})
	var p photoOut
	if r.Status == http.StatusCreated || r.Status == http.StatusOK {
		r.JSON(e.t, &p)
	}
	return p, r
}

func multipartBody(t *testing.T, field, filename string, data []byte) ([]byte, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("note", "门头")
	fw, err := mw.CreateFormFile(field, filename)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	return buf.Bytes(), mw.FormDataContentType()
}

// An upload with GPS EXIF is stored without it, served with year-long
// caching and ETags, and shows on the station's answers: all photos on its
// own and on the list, the entrance photo on nearest.
func TestPhotoUploadServeAndStationAnswers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	st := e.create(admin, stationBody("浦阳街道人民东路驿站"))
	p1, r := e.upload(admin, st.ID, phoneJPEG(t, 2000, 1500, 90), "image/jpeg", "?entrance=true")
	if r.Status != http.StatusCreated || !p1.Entrance || p1.Width != 1600 || p1.Height != 1200 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	img := e.do(req{Method: "GET", Path: p1.URL})
	if img.Status != 200 || img.Header.Get("Content-Type") != "image/jpeg" ||
		img.Header.Get("Cache-Control") != "public, max-age=31536000, immutable" || img.Header.Get("ETag") == "" {
		t.Fatalf("GET %s: %d %v", p1.URL, img.Status, img.Header)
	}
	if _, err := exif.Decode(bytes.NewReader(img.Body)); err == nil || bytes.Contains(img.Body, []byte("Exif")) || bytes.Contains(img.Body, []byte("TestPhone")) {
		t.Errorf("the served image still carries EXIF (%v)", err)
	}
	if m, err := jpeg.Decode(bytes.NewReader(img.Body)); err != nil || m.Bounds().Dx() != 1600 {
		t.Errorf("the served image: %v %v", err, m)
	}
	again := e.do(req{Method: "GET", Path: p1.URL, Header: map[string]string{"If-None-Match": img.Header.Get("ETag")}})
	if again.Status != http.StatusNotModified || len(again.Body) != 0 {
		t.Errorf("If-None-Match: %d, %d bytes", again.Status, len(again.Body))
	}
	thumb := e.do(req{Method: "GET", Path: p1.ThumbnailURL})
	if m, err := jpeg.Decode(bytes.NewReader(thumb.Body)); err != nil || m.Bounds().Dx() != 400 || m.Bounds().Dy() != 300 {
		t.Errorf("the thumbnail: %v %v", err, m)
	}

	body, ct := multipartBody(t, "photo", "door.jpg", phoneJPEG(t, 600, 800, 40))
	p2, r := e.upload(admin, st.ID, body, ct, "")
	if r.Status != http.StatusCreated || p2.Entrance || p2.Width != 600 || p2.Height != 800 {
		t.Fatalf("multipart upload: %d %s", r.Status, r.Body)
	}
	if p, r := e.upload(admin, st.ID, body, ct, ""); r.Status != http.StatusOK || p.ID != p2.ID {
		t.Errorf("the same image again: %d %s", r.Status, r.Body)
	}

	var got photoStation
	e.do(req{Method: "GET", Path: "/v1/stations/" + st.ID}).JSON(t, &got)
	if got.PhotoCount != 2 || got.EntrancePhoto == nil || got.EntrancePhoto.URL != p1.URL || len(got.Photos) != 2 ||
		got.Photos[0].ID != p1.ID || !got.Photos[0].Entrance || got.Photos[1].ThumbnailURL != p2.ThumbnailURL {
		t.Errorf("the station: %+v", got)
	}
	var page struct{ Items []photoStation }
	e.do(req{Method: "GET", Path: "/v1/stations?district_code=330726"}).JSON(t, &page)
	if len(page.Items) != 1 || len(page.Items[0].Photos) != 2 {
		t.Errorf("the list: %+v", page)
	}
	var near struct{ Items []photoStation }
	nr := e.do(req{Method: "GET", Path: "/v1/stations/nearest?lat=29.4521&lng=119.892"})
	nr.JSON(t, &near)
	if len(near.Items) != 1 || near.Items[0].EntrancePhoto == nil || near.Items[0].EntrancePhoto.ThumbnailURL != p1.ThumbnailURL ||
		near.Items[0].PhotoCount != 2 || near.Items[0].Photos != nil {
		t.Errorf("nearest: %s", nr.Body)
	}
	var list struct{ Items []photoOut }
	e.do(req{Method: "GET", Path: "/v1/stations/" + st.ID + "/photos"}).JSON(t, &list)
	if len(list.Items) != 2 {
		t.Errorf("photo list: %+v", list)
	}

	// Mark the second as the entrance, then delete it: its images are gone
	// and the station shows no entrance.
	// As a merge patch, like every other PATCH (plain JSON is taken too).
	r = e.do(req{Method: "PATCH", Path: "/v1/stations/" + st.ID + "/photos/" + p2.ID, Token: admin, ContentType: "application/merge-patch+json",
		Body: map[string]any{"entrance": true}})
	if r.Status != 200 {
		t.Fatalf("mark: %d %s", r.Status, r.Body)
	}
	e.do(req{Method: "GET", Path: "/v1/stations/" + st.ID}).JSON(t, &got)
	if got.EntrancePhoto == nil || got.EntrancePhoto.ID != p2.ID || got.Photos[0].ID != p2.ID || got.Photos[1].Entrance {
		t.Errorf("after marking: %+v", got)
	}
	if r := e.do(req{Method: "DELETE", Path: "/v1/stations/" + st.ID + "/photos/" + p2.ID, Token: admin}); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "GET", Path: p2.URL}); r.Status != http.StatusNotFound {
		t.Errorf("a deleted photo's image: %d", r.Status)
	}
	got = photoStation{}
	e.do(req{Method: "GET", Path: "/v1/stations/" + st.ID}).JSON(t, &got)
	if got.PhotoCount != 1 || got.EntrancePhoto != nil || len(got.Photos) != 1 {
		t.Errorf("after the delete: %+v", got)
	}
}

func TestPhotoRefusals(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	other := e.staff("hangzhou", auth.DistrictStaff, "330102")
	worker, _ := e.worker("oPhoto")
	st := e.create(admin, stationBody("浦阳街道人民东路驿站"))
	good := phoneJPEG(t, 300, 200, 60)
	huge := append(append([]byte{}, good...), make([]byte, 8<<20)...)
	mpHuge, mpCT := multipartBody(t, "photo", "big.jpg", huge)
	noFile := "--x\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhi\r\n--x--\r\n"
	cases := []struct {
		name, token, stationID, ct, query string
		body                              []byte
		status                            int
		code                              string
	}{
		{"text as text", admin, st.ID, "text/plain", "", []byte("hello"), 415, "unsupported_media"},
		{"text as a JPEG", admin, st.ID, "image/jpeg", "", []byte("hello, not a photo"), 415, "unsupported_media"},
		{"a GIF", admin, st.ID, "image/png", "", []byte("GIF89a\x01\x00\x01\x00"), 415, "unsupported_media"},
		{"truncated", admin, st.ID, "image/jpeg", "", good[:len(good)/2], 400, "invalid"},
		{"over 8 MB", admin, st.ID, "image/jpeg", "", huge, 413, "too_large"},
		{"over 8 MB in a form", admin, st.ID, mpCT, "", mpHuge, 413, "too_large"},
		{"a form without a file", admin, st.ID, "multipart/form-data; boundary=x", "", []byte(noFile), 400, "invalid"},
		{"bad entrance", admin, st.ID, "image/jpeg", "?entrance=yes", good, 400, "invalid"},
		{"no station", admin, "0193a2c4-7e15-7b2a-8f40-5d1c2e3f4a51", "image/jpeg", "", good, 404, "not_found"},
		{"another county", other, st.ID, "image/jpeg", "", good, 403, "forbidden"},
		{"a worker", worker, st.ID, "image/jpeg", "", good, 403, "forbidden"},
		{"anonymous", "", st.ID, "image/jpeg", "", good, 401, "unauthorized"},
	}
	for _, c := range cases {
		_, r := e.upload(c.token, c.stationID, c.body, c.ct, c.query)
		if r.Status != c.status {
			t.Errorf("%s: %d %s, want %d", c.name, r.Status, r.Body, c.status)
			continue
		}
		if p := r.Problem(t); string(p.Code) != c.code {
			t.Errorf("%s: code %s, want %s", c.name, p.Code, c.code)
		}
	}
	var got photoStation
	e.do(req{Method: "GET", Path: "/v1/stations/" + st.ID}).JSON(t, &got)
	if got.PhotoCount != 0 {
		t.Errorf("refused uploads stored %d photos", got.PhotoCount)
	}
	for _, path := range []string{"/v1/photos/nothing.jpg", "/v1/photos/" + strings.Repeat("a", 64) + ".jpg", "/v1/photos/" + strings.Repeat("A", 64) + ".jpg"} {
		if r := e.do(req{Method: "GET", Path: path}); r.Status != 404 {
			t.Errorf("%s: %d", path, r.Status)
		}
	}
	r := e.do(req{Method: "PATCH", Path: "/v1/stations/" + st.ID + "/photos/0193a2c4-7e15-7b2a-8f40-5d1c2e3f4a51", Token: admin, Body: map[string]any{"entrance": true}})
	if r.Status != 404 {
		t.Errorf("marking no photo: %d", r.Status)
	}
	r = e.do(req{Method: "PATCH", Path: "/v1/stations/" + st.ID + "/photos/x", Token: admin, Body: map[string]any{}})
	if r.Status != 404 {
		t.Errorf("a malformed photo id: %d", r.Status)
	}
}

// The map export writes each platform's coordinates as the project's own
// conversions give them, the category, the hours in words and the entrance
// photo's absolute URL.
func TestMapExport(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	st := e.create(admin, stationBody("浦阳街道人民东路驿站"))
	p, r := e.upload(admin, st.ID, phoneJPEG(t, 800, 600, 90), "image/jpeg", "?entrance=true")
	if r.Status != 201 {
		t.Fatalf("upload: %d %s", r.Status, r.Body)
	}
	wgs := orb.Point{119.892, 29.4521}
	hours, _ := station.ParseHours([]byte(`{"always_open":true}`))
	for platform, crs := range map[string]geo.CRS{"amap": geo.GCJ02, "baidu": geo.BD09, "tencent": geo.GCJ02} {
		r := e.do(req{Method: "GET", Path: "/v1/stations/map-export.xlsx?platform=" + platform, Token: admin})
		if r.Status != 200 {
			t.Fatalf("%s: %d %s", platform, r.Status, r.Body)
		}
		f, err := excelize.OpenReader(bytes.NewReader(r.Body))
		if err != nil {
			t.Fatal(err)
		}
		rows, err := f.GetRows(f.GetSheetList()[0])
		if err != nil || len(rows) != 2 {
			t.Fatalf("%s: %v %v", platform, rows, err)
		}
		col := map[string]string{}
		for i, h := range rows[0] {
			col[h] = rows[1][i]
		}
		want := geo.FromWGS84(wgs, crs)
		lng, _ := strconv.ParseFloat(col["经度"], 64)
		lat, _ := strconv.ParseFloat(col["纬度"], 64)
		if d := geo.Distance(orb.Point{lng, lat}, want); d > 0.2 {
			t.Errorf("%s: (%v, %v) is %.2f m from the project's conversion %v", platform, lng, lat, d, want)
		}
		// And back: the platform's point read in its own system is the station.
		if d := geo.Distance(geo.ToWGS84(orb.Point{lng, lat}, crs), wgs); d > 0.5 {
			t.Errorf("%s: the point read back lies %.2f m from the station", platform, d)
		}
		if d := geo.Distance(orb.Point{lng, lat}, wgs); d < 100 {
			t.Errorf("%s: the coordinates are WGS-84 (%.1f m from the station)", platform, d)
		}
		if col["分类"] != "户外劳动者服务站点" || col["名称"] != "浦阳街道人民东路驿站" || col["电话"] != "0579-84100000" ||
			col["营业时间"] != sheet.FormatHours(hours) || col["门头照"] != e.srv.URL+p.URL || col["区县"] != "浦江县" ||
			col["省"] != "浙江省" || col["市"] != "金华市" || col["驿站编号"] != st.ID {
			t.Errorf("%s: %v", platform, col)
		}
	}
	for _, q := range []string{"", "?platform=google"} {
		if r := e.do(req{Method: "GET", Path: "/v1/stations/map-export.xlsx" + q, Token: admin}); r.Status != 400 {
			t.Errorf("platform %q: %d", q, r.Status)
		}
	}
	if r := e.do(req{Method: "GET", Path: "/v1/stations/map-export.xlsx?platform=amap"}); r.Status != 401 {
		t.Errorf("anonymous: %d", r.Status)
	}
}
