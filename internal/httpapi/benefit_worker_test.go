package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"yizhan/internal/auth"
)

type availableOut struct {
	Items []struct {
		ID             string `json:"id"`
		Allowance      int    `json:"allowance"`
		RemainingStock *int   `json:"remaining_stock"`
		NearestStation *struct {
			Station   stationOut `json:"station"`
			DistanceM float64    `json:"distance_m"`
		} `json:"nearest_station"`
	} `json:"items"`
}

// homeIn sets the worker's home county.
func (e *env) homeIn(token, county string) {
	e.t.Helper()
	if r := e.do(req{Method: "PATCH", Path: "/v1/me", Token: token, ContentType: "application/merge-patch+json",
		Body: map[string]any{"district_code": county}}); r.Status != 200 {
		e.t.Fatalf("set home county: %d %s", r.Status, r.Body)
	}
}

// A sold-out offer is not listed as available: nothing can be done with it.
func TestAvailableLeavesOutSoldOutOffers(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	e.create(admin, stationBody("浦阳驿站"))
	one := e.createOffer(admin, e.offerBody("最后一份", 1))
	many := e.createOffer(admin, e.offerBody("不限量", nil))
	first, _ := e.worker("oFirst")
	second, _ := e.worker("oSecond")
	e.homeIn(first, "330726")
	e.homeIn(second, "330726")
	e.mustClaim(first, one.ID, "k1")

	for _, tok := range []string{first, second} {
		var got availableOut
		e.do(req{Method: "GET", Path: "/v1/benefits/available?lat=29.4521&lng=119.892", Token: tok}).JSON(t, &got)
		var ids []string
		for _, it := range got.Items {
			ids = append(ids, it.ID)
		}
		if len(ids) != 1 || ids[0] != many.ID {
			t.Errorf("available = %v, want only the unlimited offer %s (the sold-out %s left out)", ids, many.ID, one.ID)
		}
	}
}

// The station to collect at is the nearest one open now; the nearest of
// all only when none is open.
func TestAvailablePrefersAStationOpenNow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	// The clock says Monday 18:00 in Shanghai.
	closed := stationBody("早班驿站")
	closed["hours"] = map[string]any{"weekly": map[string]any{"mon": [][]string{{"08:00", "12:00"}}}}
	closedSt := e.create(admin, closed)
	open := stationBody("全天驿站")
	open["location"] = map[string]any{"lat": 29.4621, "lng": 119.892} // about 1.1 km further north
	openSt := e.create(admin, open)
	e.createOffer(admin, e.offerBody("礼包", 5))
	tok, _ := e.worker("oRider")
	e.homeIn(tok, "330726")

	var got availableOut
	e.do(req{Method: "GET", Path: "/v1/benefits/available?lat=29.4521&lng=119.892", Token: tok}).JSON(t, &got)
	if len(got.Items) != 1 || got.Items[0].NearestStation == nil || got.Items[0].NearestStation.Station.ID != openSt.ID ||
		!got.Items[0].NearestStation.Station.OpenNow {
		t.Fatalf("nearest station = %+v, want the open one %s rather than the nearer closed %s", got.Items, openSt.ID, closedSt.ID)
	}

	// With the open one closed for good, the nearest of all is named, shown
	// closed.
	if r := e.do(req{Method: "DELETE", Path: "/v1/stations/" + openSt.ID, Token: admin, Header: map[string]string{"If-Match": `"1"`}}); r.Status >= 300 {
		t.Fatalf("close: %d %s", r.Status, r.Body)
	}
	e.do(req{Method: "GET", Path: "/v1/benefits/available?lat=29.4521&lng=119.892", Token: tok}).JSON(t, &got)
	if len(got.Items) != 1 || got.Items[0].NearestStation == nil || got.Items[0].NearestStation.Station.ID != closedSt.ID ||
		got.Items[0].NearestStation.Station.OpenNow {
		t.Errorf("with no station open, nearest station = %+v, want %s, closed", got.Items, closedSt.ID)
	}
}

// Staff may type a code in any case, or scan the QR code, which holds the
// whole qr_payload.
func TestRedeemTakesAnyCaseAndTheQRPayload(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	st := e.create(admin, stationBody("浦阳驿站"))
	o := e.createOffer(admin, e.offerBody("礼包", 5))
	var claims []claimOut
	for _, openid := range []string{"oA", "oB", "oC"} {
		tok, _ := e.worker(openid)
		e.homeIn(tok, "330726")
		claims = append(claims, e.mustClaim(tok, o.ID, "k-"+openid))
	}
	for i, code := range []string{
		strings.ToLower(claims[0].Code),
		claims[1].QRPayload,
		"  " + strings.ToUpper(claims[2].QRPayload[:7]) + strings.ToLower(claims[2].QRPayload[7:]) + "\n",
	} {
		r := e.do(req{Method: "POST", Path: "/v1/claims/redeem", Token: admin, Body: map[string]string{"code": code, "station_id": st.ID}})
		var got claimOut
		r.JSON(t, &got)
		if r.Status != http.StatusOK || got.ClaimID != claims[i].ClaimID || got.Status != "redeemed" {
			t.Errorf("redeem %q: %d %s", code, r.Status, r.Body)
		}
	}
	// Redeemed once, whatever the spelling.
	r := e.do(req{Method: "POST", Path: "/v1/claims/redeem", Token: admin, Body: map[string]string{"code": strings.ToLower(claims[1].Code), "station_id": st.ID}})
	if r.Status != http.StatusConflict || r.Problem(t).Code != "already_redeemed" {
		t.Errorf("second redemption: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Method: "POST", Path: "/v1/claims/redeem", Token: admin, Body: map[string]string{"code": "other:" + claims[0].Code, "station_id": st.ID}})
	if r.Status != http.StatusBadRequest {
		t.Errorf("a foreign payload: %d %s", r.Status, r.Body)
	}
}
