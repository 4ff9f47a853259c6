package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/google/uuid"

	"yizhan/internal/auth"
	"yizhan/internal/benefit"
	"yizhan/internal/station"
	"yizhan/internal/worker"
)

// waitFlash waits for the next page's flash message holding text (the
// page before may show another flash).
func waitFlash(text string) chromedp.Action[chromedp.Void] {
	return chromedp.WaitVisible(chromedp.Search(`//div[contains(@class, "flash")][contains(., "` + text + `")]`))
}

// clearInput empties a text field (SetValue cannot set "").
func clearInput(sel string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, _ *chromedp.Target) error {
		_, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`(function(){ var el = document.querySelector(`+strconv.Quote(sel)+`); el.value = ""; return true; })()`))
		return err
	})
}

// shotPhone signs username in on a 390×844 phone, opens path and saves its
// screenshot, for pages a test drives on the desktop.
func (tb *tab) shotPhone(t *testing.T, e *env, username, path, name string) {
	t.Helper()
	p := e.browser(t, phone)
	p.login(username)
	p.open(path)
	p.shot(name)
}

// testAdmin acts for the tests' set-up.
var testAdmin = &auth.Principal{Username: "setup", Role: auth.Admin}

// activeStation registers an active station in the county.
func (e *env) activeStation(t *testing.T, name, district string) *station.Station {
	t.Helper()
	var doc station.Document
	raw := fmt.Sprintf(`{"name":%q,"address":"浦江县浦阳街道人民东路1号","district_code":%q,
		"location":{"lat":29.4521,"lng":119.892},"host":{"type":"union_office","name":"浦江县总工会"},"hours":{"always_open":true}}`, name, district)
	if err := json.Unmarshal([]byte(raw), &doc); err != nil {
		t.Fatal(err)
	}
	st, err := e.Stations.CreateWith(context.Background(), testAdmin, doc, station.Options{AllowDuplicate: true})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// publishedOffer is an open offer of the county, collected at the stations.
func (e *env) publishedOffer(t *testing.T, title, district string, stock int64, stations ...uuid.UUID) *benefit.Offer {
	t.Helper()
	start, end := time.Now().Add(-time.Hour), time.Now().Add(30*24*time.Hour)
	one := 1
	doc := benefit.Document{
		Title: title, Category: "gift_pack", TotalStock: benefit.Stock{Set: true, N: &stock},
		PerWorkerLimit: &benefit.LimitDoc{Count: &one, Period: "once"},
		Window:         &benefit.WindowDoc{StartsAt: &start, EndsAt: &end},
		Eligibility:    &benefit.EligibilityDoc{DistrictCodes: []string{district}},
		Status:         "published",
	}
	for _, id := range stations {
		doc.RedeemAt = append(doc.RedeemAt, id.String())
	}
	o, err := e.Benefits.CreateOffer(context.Background(), testAdmin, doc)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// claimCode has a worker of the county claim the offer and returns the
// claim's code.
func (e *env) claimCode(t *testing.T, openid, district string, offer uuid.UUID) string {
	t.Helper()
	ctx := context.Background()
	in, err := e.Workers.SignInAs(ctx, openid)
	if err != nil {
		t.Fatal(err)
	}
	nick, phone, d := "王小明", "13800138000", district
	if _, err := e.Workers.UpdateProfile(ctx, in.Worker.ID, worker.ProfilePatch{Nickname: &nick, Phone: &phone, DistrictCode: &d}); err != nil {
		t.Fatal(err)
	}
	c, _, err := e.Benefits.Claim(ctx, in.Worker.ID, offer, "key-"+openid)
	if err != nil {
		t.Fatal(err)
	}
	return c.Code
}
