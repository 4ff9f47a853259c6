package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"
	"github.com/paulmach/orb"

	"yizhan/internal/auth"
	"yizhan/internal/geo"
	"yizhan/internal/station"
)

// mustStation registers a station through the service, as the system.
func (e *env) mustStation(t *testing.T, name, district string, lat, lng float64) *station.Station {
	t.Helper()
	raw := fmt.Sprintf(`{"name":%q,"address":"人民东路1号","district_code":%q,"location":{"lat":%g,"lng":%g},"host":{"type":"union_office","name":"县总工会"},"amenities":["toilet","hot_water"],"hours":{"weekly":{"mon":[["08:00","20:00"]],"sun":[["22:00","06:00"]]},"closed_dates":["2027-02-06"]}}`, name, district, lat, lng)
	doc, err := station.DecodeDocument([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	// Tests put stations where they need them, near each other too.
	st, err := e.Stations.CreateWith(context.Background(), station.System("test"), doc, station.Options{AllowDuplicate: true})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// mapView is the picker's start: its data attributes and its box in the
// viewport.
type mapView struct {
	Lat, Lng, Zoom   float64
	Left, Top, W, H  float64
	ClientW, ClientH float64
}

// clickedPoint is where a click at container pixel (x, y) lands, by Web
// Mercator from the map's centre and zoom: computed here without Leaflet,
// to check that the marker went where the user clicked.
func (m mapView) clickedPoint(x, y float64) orb.Point {
	scale := 256 * math.Pow(2, m.Zoom)
	cx := (m.Lng + 180) / 360 * scale
	s := math.Sin(m.Lat * math.Pi / 180)
	cy := (0.5 - math.Log((1+s)/(1-s))/(4*math.Pi)) * scale
	px, py := cx+(x-m.ClientW/2), cy+(y-m.ClientH/2)
	lng := px/scale*360 - 180
	n := math.Pi - 2*math.Pi*py/scale
	lat := 180 / math.Pi * math.Atan(math.Sinh(n))
	return orb.Point{lng, lat}
}

func TestRegisterStationByClickingTheMap(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	e.mustStation(t, "浦江县总工会职工服务中心驿站", "330726", 29.4521, 119.892)
	tb := e.browser(t, desktop)
	tb.login("pujiang")
	tb.open("/console/stations/new")
	tb.do(chromedp.WaitReady(chromedp.CSS(`#picker[data-ready="1"]`)))
	if got, _ := chromedp.Run(tb.ctx, chromedp.Value(chromedp.CSS(`input[name=district_code]`))); got != "330726" {
		t.Errorf("a one-county staff member's district is not filled in: %q", got)
	}
	tb.do(
		chromedp.SendKeys(chromedp.CSS(`input[name=name]`), "浦阳街道快递驿站"),
		chromedp.SendKeys(chromedp.CSS(`input[name=address]`), "浦江县浦阳街道大桥路18号"),
		chromedp.SetValue(chromedp.CSS(`select[name=host_type]`), "shop"),
		chromedp.SendKeys(chromedp.CSS(`input[name=host_name]`), "大桥便利店"),
		chromedp.Click(chromedp.CSS(`input[name=amenity][value=ebike_charging]`)),
		chromedp.Click(chromedp.CSS(`input[name=amenity][value=toilet]`)),
		chromedp.SendKeys(chromedp.CSS(`#hours_sun`), "22:00-06:00"),
		chromedp.ScrollIntoView(chromedp.CSS(`#picker`)),
	)
	mv, err := chromedp.Run(tb.ctx, chromedp.Evaluate[mapView](`(() => {
		const el = document.getElementById('picker'), r = el.getBoundingClientRect();
		return {Lat: +el.dataset.lat, Lng: +el.dataset.lng, Zoom: +el.dataset.zoom,
			Left: r.left, Top: r.top, W: r.width, H: r.height, ClientW: el.clientWidth, ClientH: el.clientHeight};
	})()`))
	if err != nil {
		t.Fatal(err)
	}
	// Click left of and below the centre.
	x, y := math.Round(mv.ClientW*0.3), math.Round(mv.ClientH*0.7)
	tb.do(chromedp.MouseClickXY(mv.Left+x+1, mv.Top+y+1)) // +1: the border
	latText, _ := chromedp.Run(tb.ctx, chromedp.Value(chromedp.CSS(`#lat`)))
	lngText, _ := chromedp.Run(tb.ctx, chromedp.Value(chromedp.CSS(`#lng`)))
	crsText, _ := chromedp.Run(tb.ctx, chromedp.Value(chromedp.CSS(`#crs`)))
	lat, err1 := strconv.ParseFloat(latText, 64)
	lng, err2 := strconv.ParseFloat(lngText, 64)
	if err1 != nil || err2 != nil || crsText != "gcj02" {
		t.Fatalf("after the click the coordinates are %q, %q in %q; want numbers in gcj02", latText, lngText, crsText)
	}
	clicked := orb.Point{lng, lat} // GCJ-02, as the tiles are
	// The click landed where the user clicked, within two pixels.
	want := mv.clickedPoint(x, y)
	pixel := 156543.03 * math.Cos(mv.Lat*math.Pi/180) / math.Pow(2, mv.Zoom)
	if d := geo.Distance(clicked, want); d > 2*pixel {
		t.Errorf("the click at (%v, %v) put the point at %v, %.1f m from where Web Mercator puts it (%v)", x, y, clicked, d, want)
	}
	if n, _ := chromedp.Run(tb.ctx, chromedp.Evaluate[int](`document.querySelectorAll('#picker .leaflet-marker-icon').length`)); n != 1 {
		t.Errorf("%d markers on the picker after the click, want 1", n)
	}
	tb.shot("station-new")
	tb.do(chromedp.Click(chromedp.CSS(`.station-form button[type=submit]`)), chromedp.WaitReady(chromedp.CSS(`#map[data-marker="1"]`)))
	if got := tb.text(".flash-ok"); !strings.Contains(got, "浦阳街道快递驿站") {
		t.Errorf("after registering, the flash says %q", got)
	}
	loc := tb.location()
	id, err := uuid.Parse(loc[strings.LastIndex(loc, "/")+1:])
	if err != nil {
		t.Fatalf("after registering the browser is at %s, want the station's page", loc)
	}
	st, err := e.Stations.Get(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	// The stored WGS-84 point is the clicked GCJ-02 point's conversion, to
	// within a metre.
	if d := geo.Distance(st.Location, geo.GCJ02ToWGS84(clicked)); d > 1 {
		t.Errorf("stored %v is %.3f m from the conversion of the clicked %v", st.Location, d, clicked)
	}
	if st.Host.Type != "shop" || st.Amenities.Codes()[0] != "ebike_charging" || st.CreatedBy != "staff:"+e.staffID(t, "pujiang") {
		t.Errorf("stored %+v", st)
	}
	// The station page names the clerk, not the account id the record keeps.
	if got := tb.text("main"); !strings.Contains(got, "最后由 pujiang 于") || strings.Contains(got, e.staffID(t, "pujiang")) {
		t.Errorf("the station page does not name its registrar: %q", got)
	}
	tb.shot("station")

	// The mini-program finds it: nearest to the clicked point, asked in GCJ-02.
	res, err := http.Get(e.URL + "/v1/stations/nearest?" + url.Values{"lat": {latText}, "lng": {lngText}, "crs": {"gcj02"}, "limit": {"1"}}.Encode())
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var near struct {
		Items []struct {
			ID        string  `json:"id"`
			DistanceM float64 `json:"distance_m"`
		} `json:"items"`
	}
	if err := json.NewDecoder(res.Body).Decode(&near); err != nil || res.StatusCode != 200 {
		t.Fatalf("nearest: %d %v", res.StatusCode, err)
	}
	if len(near.Items) != 1 || near.Items[0].ID != id.String() || near.Items[0].DistanceM > 1 {
		t.Errorf("nearest to the clicked point = %+v, want %s within 1 m", near.Items, id)
	}
}

// TestTypedCoordinates: coordinates typed from Baidu's map (BD-09) are
// converted by the server, as the API does.
func TestTypedCoordinates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "admin1", auth.Admin)
	c := e.signedIn(t, "admin1")
	form := stationFormValues("宝山区骑手驿站", "310113")
	form.Set("lat", "31.4053")
	form.Set("lng", "121.4960")
	form.Set("crs", "bd09")
	res := e.post(t, c, "/console/stations/new", form)
	if res.StatusCode != http.StatusSeeOther {
		t.Fatalf("register: %d, want 303", res.StatusCode)
	}
	list, err := e.Stations.List(context.Background(), station.ListFilter{Limit: 10})
	if err != nil || len(list) != 1 {
		t.Fatalf("stored %d stations (%v), want 1", len(list), err)
	}
	want := geo.ToWGS84(orb.Point{121.4960, 31.4053}, geo.BD09)
	if d := geo.Distance(list[0].Location, want); d > 0.01 {
		t.Errorf("stored %v, %.3f m from the BD-09 point's conversion %v", list[0].Location, d, want)
	}
}

// stationFormValues is a complete register form.
func stationFormValues(name, district string) url.Values {
	return url.Values{
		"name": {name}, "address": {"人民东路1号"}, "district_code": {district}, "host_type": {"union_office"},
		"lat": {"29.4521"}, "lng": {"119.892"}, "crs": {"wgs84"}, "status": {"active"},
		"amenity": {"toilet", "wifi"}, "hours_mode": {"weekly"}, "hours_mon": {"08:00-12:00, 14:00-20:00"},
		"hours_sun": {"22:00-06:00"}, "closed_dates": {"2027-02-06\n2027-02-07"},
	}
}
