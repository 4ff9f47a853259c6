package console_test

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"yizhan/internal/auth"
)

// doorJPEG writes a w×h photo (a dark door in a light wall) to dir.
func doorJPEG(t *testing.T, dir, name string, w, h int, wall color.RGBA) string {
	t.Helper()
	m := image.NewRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := wall
			if x > w/3 && x < 2*w/3 && y > h/4 {
				c = color.RGBA{120, 70, 40, 255}
			}
			m.Set(x, y, c)
		}
	}
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, m, nil); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func photoCount(t *testing.T, e *env) (n, entrances int) {
	t.Helper()
	if err := e.DB.Pool.QueryRow(context.Background(), `SELECT count(*), count(*) FILTER (WHERE entrance) FROM station_photos`).Scan(&n, &entrances); err != nil {
		t.Fatal(err)
	}
	return n, entrances
}

// A clerk uploads two photos from a phone (the first becomes the entrance),
// marks the second as the entrance and deletes the first; on a desktop the
// page shows the thumbnails.
func TestStationPhotosInTheBrowser(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	st := e.amenityStation(t, "浦江火车站爱心驿站", "330726")
	dir := t.TempDir()
	first := doorJPEG(t, dir, "door.jpg", 1200, 900, color.RGBA{230, 225, 210, 255})
	second := doorJPEG(t, dir, "inside.jpg", 900, 1200, color.RGBA{200, 220, 235, 255})
	page := "/console/stations/" + st.ID.String()

	t.Run("phone", func(t *testing.T) {
		tb := e.browser(t, phone)
		tb.login("pujiang")
		tb.open(page)
		tb.shot("station-photos-empty")
		tb.do(chromedp.SetUploadFiles(chromedp.CSS(`input[name=album]`), []string{first}),
			chromedp.Click(chromedp.Search(`//form[contains(@class, "photo-upload")]//button[@type="submit"]`)),
			chromedp.WaitVisible(chromedp.Search(`//h2[@id="photos"][contains(., "1 / 10")]`)), waitFlash("照片已上传"))
		if n, ent := photoCount(t, e); n != 1 || ent != 1 {
			t.Fatalf("after the first upload: %d photos, %d entrances", n, ent)
		}
		tb.do(chromedp.SetUploadFiles(chromedp.CSS(`input[name=camera]`), []string{second}),
			chromedp.Click(chromedp.Search(`//form[contains(@class, "photo-upload")]//button[@type="submit"]`)),
			chromedp.WaitVisible(chromedp.Search(`//h2[@id="photos"][contains(., "2 / 10")]`)), waitFlash("照片已上传"))
		if n, ent := photoCount(t, e); n != 2 || ent != 1 {
			t.Fatalf("after the second upload: %d photos, %d entrances", n, ent)
		}
		tb.do(chromedp.WaitVisible(chromedp.CSS(`.photo-entrance img`)))
		tb.shot("station-photos")
		tb.do(chromedp.Click(chromedp.Search(`//li[contains(@class, "photo") and not(contains(@class, "photo-entrance"))]//button[contains(., "设为门头照")]`)),
			waitFlash("已设为门头照"))
		var ents int
		if err := e.DB.Pool.QueryRow(context.Background(), `SELECT count(*) FROM station_photos WHERE entrance AND width = 900`).Scan(&ents); err != nil || ents != 1 {
			t.Fatalf("after marking the second: %d, %v", ents, err)
		}
		other := `//li[contains(@class, "photo") and not(contains(@class, "photo-entrance"))]`
		tb.do(chromedp.Click(chromedp.Search(other+`//summary[contains(., "删除")]`)),
			chromedp.Click(chromedp.Search(other+`//button[contains(., "确认删除")]`)),
			chromedp.WaitVisible(chromedp.Search(`//h2[@id="photos"][contains(., "1 / 10")]`)), waitFlash("照片已删除"))
		if n, ent := photoCount(t, e); n != 1 || ent != 1 {
			t.Errorf("after marking and deleting: %d photos, %d entrances", n, ent)
		}
		var w int
		if err := e.DB.Pool.QueryRow(context.Background(), `SELECT width FROM station_photos WHERE entrance`).Scan(&w); err != nil || w != 900 {
			t.Errorf("the entrance left is %d px wide (%v), want the second photo's 900", w, err)
		}
		tb.shot("station-photos-marked")
		tb.open("/console/stations")
		tb.shot("stations-map-export")
	})
	t.Run("desktop", func(t *testing.T) {
		tb := e.browser(t, desktop)
		tb.login("pujiang")
		tb.open(page)
		tb.do(chromedp.WaitVisible(chromedp.CSS(`.photo-entrance img`)))
		if _, err := chromedp.Run(tb.ctx, chromedp.Poll[bool](`(function(){ var i = document.querySelector(".photo-entrance img"); return !!(i && i.complete && i.naturalWidth > 0); })()`)); err != nil {
			t.Errorf("the thumbnail did not load: %v", err)
		}
		tb.shot("station-photos")
		tb.open("/console/stations")
		tb.shot("stations-map-export")
	})
}

// A file that is not a photo is refused with the reason in Chinese, and the
// map export link downloads the clerk's stations.
func TestPhotoRefusalAndMapExportLink(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	st := e.amenityStation(t, "浦江火车站爱心驿站", "330726")
	e.amenityStation(t, "义乌稠城驿站", "330782")
	c := e.signedIn(t, "pujiang")

	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	_ = mw.WriteField("csrf", formToken(t, c, e.URL+"/console/stations"))
	fw, _ := mw.CreateFormFile("album", "notes.txt")
	_, _ = fw.Write([]byte("这不是照片"))
	_ = mw.Close()
	res, err := c.Post(e.URL+"/console/stations/"+st.ID.String()+"/photos", mw.FormDataContentType(), &body)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res, err = c.Get(e.URL + "/console/stations/" + st.ID.String()); err != nil { // the redirect's target, with its flash
		t.Fatal(err)
	}
	page, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if !strings.Contains(string(page), "照片没有上传：文件不是 JPEG 或 PNG 图片") {
		t.Errorf("the refusal is not told:\n%s", page)
	}
	if n, _ := photoCount(t, e); n != 0 {
		t.Errorf("%d photos stored", n)
	}

	res, err = c.Get(e.URL + "/console/stations/map-export.xlsx?platform=baidu")
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("export: %d %s", res.StatusCode, raw)
	}
	f, err := excelize.OpenReader(bytes.NewReader(raw))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := f.GetRows(f.GetSheetList()[0])
	if len(rows) != 2 || rows[1][0] != "浦江火车站爱心驿站" || rows[1][8] != "BD-09" {
		t.Errorf("the export of a Pujiang clerk: %v", rows)
	}
}
