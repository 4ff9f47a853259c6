package httpapi_test

import (
	"testing"

	"yizhan/internal/auth"
)

// Every human-written field follows one text policy (internal/text):
// normalised to NFC and trimmed, with no control, bidirectional, zero-width
// (but a ZWJ between emoji) or tag characters. Before, only station text was
// checked, and not for zero-width or tag characters.
func TestOneTextPolicy(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	tok, _ := e.worker("oText")
	app, _ := e.worker("oTextApply")
	pending := e.pendingApplication("oTextPending", "330726")
	bad := map[string]string{
		"zero-width space":   "浦江\u200b驿站",
		"right-to-left mark": "浦江\u200f驿站",
		"isolate":            "浦江\u2067驿站",
		"tag character":      "浦江\U000e0041",
		"ZWJ between words":  "浦江\u200d驿站",
		"bell":               "浦江\u0007",
	}
	for what, s := range bad {
		station := stationBody("x")
		station["name"] = s
		offer := e.offerBody(s, 5)
		application := validApplication()
		application["employer"] = s
		for _, tc := range []struct {
			name  string
			r     req
			field string
		}{
			{"station name", req{Method: "POST", Path: "/v1/stations", Token: admin, Body: station}, "name"},
			{"offer title", req{Method: "POST", Path: "/v1/benefits", Token: admin, Body: offer}, "title"},
			{"nickname", req{Method: "PATCH", Path: "/v1/me", Token: tok, Body: map[string]any{"nickname": s}}, "nickname"},
			{"employer", req{Method: "POST", Path: "/v1/me/membership-application", Token: app, Body: application}, "employer"},
			{"reason", req{Method: "POST", Path: "/v1/membership-applications/" + pending + "/reject", Token: admin, Body: map[string]any{"reason": s}}, "reason"},
		} {
			r := e.do(tc.r)
			if r.Status != 400 {
				t.Errorf("%s with a %s: %d, want 400 (%s)", tc.name, what, r.Status, truncate(r.Body))
				continue
			}
			if p := r.Problem(t); len(p.Errors) != 1 || p.Errors[0].Field != tc.field || p.Errors[0].Code != "format" {
				t.Errorf("%s with a %s: errors %+v, want format on %s", tc.name, what, p.Errors, tc.field)
			}
		}
	}
	// Normalised and trimmed: a decomposed é is stored composed.
	station := stationBody(" Cafe\u0301 驿站\u3000")
	if got := e.create(admin, station); got.Name != "Café 驿站" {
		t.Errorf("station name stored as %q", got.Name)
	}
	var page struct {
		Items []stationOut `json:"items"`
	}
	e.do(req{Method: "GET", Path: "/v1/stations?q=Cafe%CC%81"}).JSON(t, &page) // searched for decomposed, as typed
	if len(page.Items) != 1 {
		t.Errorf("a search for the decomposed name found %d stations", len(page.Items))
	}
	var me workerOut
	r := e.do(req{Method: "PATCH", Path: "/v1/me", Token: tok, Body: map[string]any{"nickname": "小王👩\u200d🔧", "employer": "Rene\u0301"}})
	r.JSON(t, &me)
	if r.Status != 200 || me.Nickname != "小王👩\u200d🔧" || me.Employer != "René" {
		t.Errorf("profile: %d %s", r.Status, r.Body)
	}
}

// Duplicate member names and lone surrogates are refused over the wire
// too, naming the field.
func TestDuplicateKeysAndLoneSurrogates(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	tok, _ := e.worker("oDup")
	for _, tc := range []struct {
		name  string
		r     req
		field string
	}{
		{"station name twice", req{Method: "POST", Path: "/v1/stations", Token: admin,
			Body: `{"name":"A","name":"B","address":"浦江","district_code":"330726","location":{"lat":29.45,"lng":119.89},"host":{"type":"shop"},"hours":{"always_open":true}}`}, "name"},
		{"lone surrogate in a name", req{Method: "POST", Path: "/v1/stations", Token: admin,
			Body: `{"name":"A\ud800","address":"浦江","district_code":"330726","location":{"lat":29.45,"lng":119.89},"host":{"type":"shop"},"hours":{"always_open":true}}`}, "name"},
		{"lat twice", req{Method: "POST", Path: "/v1/stations/along-route",
			Body: `{"polyline":[[29.45,119.89],[29.46,119.9]],"crs":"wgs84","crs":"gcj02"}`}, "crs"},
		{"district twice in a profile", req{Method: "PATCH", Path: "/v1/me", Token: tok, ContentType: "application/merge-patch+json",
			Body: `{"district_code":"330726","district_code":"331102"}`}, "district_code"},
	} {
		r := e.do(tc.r)
		if r.Status != 400 {
			t.Errorf("%s: %d, want 400 (%s)", tc.name, r.Status, truncate(r.Body))
			continue
		}
		if p := r.Problem(t); len(p.Errors) != 1 || p.Errors[0].Field != tc.field {
			t.Errorf("%s: errors %+v, want one on %s", tc.name, p.Errors, tc.field)
		}
	}
}
