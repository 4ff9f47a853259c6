package httpapi_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"yizhan/internal/auth"
	"yizhan/internal/standard"
	"yizhan/internal/wish"
)

// Who may call an endpoint.
type access int

const (
	public      access = iota // anyone; a token changes nothing
	anyone                    // any valid token, staff or worker
	workerOnly                // a worker's token; staff get 403
	staffOnly                 // staff of the resource's district; workers and other districts get 403
	staffListed               // any staff (the answer is limited to their districts); workers get 403
	// staffOrWorker: a worker, or staff of the resource's district; other
	// districts get 403 (an activity: issue 12 §1).
	staffOrWorker
	optionalToken // anyone without a token; a token sent must be valid (401 otherwise)
	adminOnly     // an administrator; workers and other staff get 403
	cityOnly      // staff of the resource's city or province, or admins; county staff get 403 too
)

// What a caller is.
type callerKind int

const (
	badToken callerKind = iota // none, malformed, unknown, revoked or expired: 401
	workerCaller
	staffOutside
	staffInside // inside the district, by county, city or admin
)

// credential is what a caller sends: a bearer token, or a whole
// Authorization header; worker is the worker behind a worker's token.
type credential struct {
	token         string
	authorization string
	worker        uuid.UUID
}

// Every route the server has × every kind of caller. A route added without a
// row here fails the test.
func TestAuthorizationMatrixEveryEndpoint(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	ctx := context.Background()
	admin := e.staff("admin1", auth.Admin)
	e.staff("pujiang", auth.DistrictStaff, "330726")
	e.staff("jinhua", auth.DistrictStaff, "330700") // Jinhua city covers Pujiang
	e.staff("lishui", auth.DistrictStaff, "331102")
	seed := e.create(admin, stationBody("seed"))
	_, expiredWorker := e.worker("oExpired")

	n := 0
	fresh := func(prefix string) string { n++; return fmt.Sprintf("%s-%d", prefix, n) }
	staffToken := func(username string) func() credential {
		return func() credential {
			tok, _, err := e.auth.Login(ctx, username, "correct horse battery", "192.0.2.1")
			if err != nil {
				t.Fatalf("login %s: %v", username, err)
			}
			return credential{token: tok}
		}
	}
	workerToken := func() credential {
		tok, id := e.worker(fresh("oMatrix"))
		return credential{token: tok, worker: id}
	}
	revoked := func(mint func() credential) func() credential {
		return func() credential {
			c := mint()
			if err := e.auth.Logout(ctx, c.token); err != nil {
				t.Fatal(err)
			}
			return c
		}
	}
	fixed := func(c credential) func() credential { return func() credential { return c } }
	callers := []struct {
		name string
		kind callerKind
		mint func() credential
	}{
		{"anonymous", badToken, fixed(credential{})},
		{"basic auth", badToken, fixed(credential{authorization: "Basic YWRtaW4xOnB3"})},
		{"malformed staff token", badToken, fixed(credential{token: "yzs_nonsense"})},
		{"malformed worker token", badToken, fixed(credential{token: "yzw_nonsense"})},
		{"unknown staff token", badToken, fixed(credential{token: "yzs_" + strings.Repeat("A", 43)})},
		{"unknown worker token", badToken, fixed(credential{token: "yzw_" + strings.Repeat("A", 43)})},
		{"revoked staff token", badToken, revoked(staffToken("pujiang"))},
		{"revoked worker token", badToken, revoked(workerToken)},
		{"expired staff token", badToken, func() credential { return credential{token: e.expiredToken("pujiang", uuid.Nil)} }},
		{"expired worker token", badToken, func() credential { return credential{token: e.expiredToken("", expiredWorker)} }},
		{"worker", workerCaller, workerToken},
		{"district staff outside", staffOutside, staffToken("lishui")},
		{"district staff inside", staffInside, staffToken("pujiang")},
		{"city staff", staffInside, staffToken("jinhua")},
		{"admin", staffInside, staffToken("admin1")},
	}

	seedOffer := e.createOffer(admin, e.offerBody("matrix-seed", 1000))
	anywhere := e.offerBody("matrix-anywhere", 1000)
	delete(anywhere, "eligibility")
	openOffer := e.createOffer(admin, anywhere)
	claimCode := func() string {
		_, id := e.worker(fresh("oRedeem"))
		cl, _, err := e.benefits.Claim(ctx, id, uuid.MustParse(openOffer.ID), "matrix")
		if err != nil {
			t.Fatal(err)
		}
		return cl.Code
	}

	// Activities (issue 12 §1): one of Pujiang's, one open to all, and one
	// starting within the check-in hours.
	var seedActivity, openActivity, doorActivity activityOut
	e.do(req{Method: "POST", Path: "/v1/activities", Token: admin, Body: e.activityBody(seed.ID, 5)}).JSON(t, &seedActivity)
	open := e.activityBody(seed.ID, 1000)
	delete(open, "eligibility")
	e.do(req{Method: "POST", Path: "/v1/activities", Token: admin, Body: open}).JSON(t, &openActivity)
	door := e.activityBody(seed.ID, 1000)
	door["starts_at"], door["ends_at"] = e.clock.Now().Add(30*time.Minute), e.clock.Now().Add(2*time.Hour)
	e.do(req{Method: "POST", Path: "/v1/activities", Token: admin, Body: door}).JSON(t, &doorActivity)
	signupCode := func() string {
		tok, _ := e.worker(fresh("oDoor"))
		e.do(req{Method: "PATCH", Path: "/v1/me", Token: tok, ContentType: "application/merge-patch+json", Body: map[string]any{"district_code": "330726"}})
		return e.mustSignUp(tok, doorActivity.ID, "door").Code
	}

	// openReport files a report about the station by a fresh worker.
	openReport := func(stationID string) string {
		tok, _ := e.worker(fresh("oReporter"))
		r := e.do(req{Method: "POST", Path: "/v1/stations/" + stationID + "/reports", Token: tok, Body: map[string]any{"category": "other"}})
		if r.Status != 201 {
			t.Fatalf("report: %d %s", r.Status, r.Body)
		}
		var out struct{ ID string }
		r.JSON(t, &out)
		return out.ID
	}

	// Micro-wishes and hardship aid.
	adminP := e.principalOf(admin)
	publishedWish := e.wishAt(adminP, uuid.Nil, "matrix-seed", wish.Published)
	seedAid := e.aidPending(adminP)

	matrixJPEG := phoneJPEG(t, 200, 150, 80)
	// photoOn uploads a photo, as the admin, to a fresh station.
	photoOn := func() (string, photoOut) {
		st := e.create(admin, stationBody("matrix-photo-host"))
		ph, r := e.upload(admin, st.ID, matrixJPEG, "image/jpeg", "")
		if r.Status != 201 {
			t.Fatalf("upload: %d %s", r.Status, r.Body)
		}
		return st.ID, ph
	}
	_, seedPhoto := photoOn()

	importBody := `{"type":"FeatureCollection","features":[{"type":"Feature","geometry":{"type":"Point","coordinates":[119.89,29.45]},"properties":{"name":"matrix-imp","address":"x","district_code":"330726","host":{"type":"shop"},"hours":{"always_open":true}}}]}`
	calls := []struct {
		method, route string
		access        access
		req           func(c credential) req
		ok            int
	}{
		{"GET", "/healthz", public, func(c credential) req { return req{Path: "/healthz"} }, 200},
		{"GET", "/readyz", public, func(c credential) req { return req{Path: "/readyz"} }, 200},
		{"GET", "/openapi.yaml", public, func(c credential) req { return req{Path: "/openapi.yaml"} }, 200},
		{"GET", "/docs", public, func(c credential) req { return req{Path: "/docs"} }, 200},
		{"GET", "/docs/:file", public, func(c credential) req { return req{Path: "/docs/init.js"} }, 200},
		{"GET", "/v1/amenities", public, func(c credential) req { return req{Path: "/v1/amenities"} }, 200},
		{"POST", "/v1/auth/staff/login", public, func(c credential) req {
			return req{Path: "/v1/auth/staff/login", Body: map[string]string{"username": "admin1", "password": "correct horse battery"}}
		}, 200},
		{"POST", "/v1/auth/wechat/login", public, func(c credential) req {
			return req{Path: "/v1/auth/wechat/login", Body: map[string]string{"code": "ok:" + fresh("oLogin")}}
		}, 200},
		{"GET", "/v1/stations", public, func(c credential) req { return req{Path: "/v1/stations"} }, 200},
		{"POST", "/v1/stations", staffOnly, func(c credential) req {
			return req{Path: "/v1/stations?allow_duplicate=true", Body: stationBody("matrix-new")}
		}, 201},
		{"POST", "/v1/stations/import", staffOnly, func(c credential) req {
			return req{Path: "/v1/stations/import?allow_duplicate=true", Body: importBody, ContentType: "application/geo+json"}
		}, 201},
		{"GET", "/v1/stations/import-template.xlsx", staffListed, func(c credential) req { return req{Path: "/v1/stations/import-template.xlsx"} }, 200},
		{"GET", "/v1/stations/export.csv", staffListed, func(c credential) req { return req{Path: "/v1/stations/export.csv"} }, 200},
		{"GET", "/v1/stations/export.xlsx", staffListed, func(c credential) req { return req{Path: "/v1/stations/export.xlsx"} }, 200},
		{"GET", "/v1/stations/nearest", public, func(c credential) req { return req{Path: "/v1/stations/nearest?lat=29.45&lng=119.89"} }, 200},
		{"GET", "/v1/stations/changes", public, func(c credential) req { return req{Path: "/v1/stations/changes?limit=1"} }, 200},
		{"POST", "/v1/stations/along-route", public, func(c credential) req {
			return req{Path: "/v1/stations/along-route", Body: map[string]any{"polyline": [][]float64{{29.45, 119.89}, {29.46, 119.90}}}}
		}, 200},
		{"GET", "/v1/stations/:id", public, func(c credential) req { return req{Path: "/v1/stations/" + seed.ID} }, 200},
		{"PATCH", "/v1/stations/:id", staffOnly, func(c credential) req {
			s := e.create(admin, stationBody("to patch"))
			return req{Path: "/v1/stations/" + s.ID, Body: map[string]any{"name": "patched"}, ContentType: "application/merge-patch+json",
				Header: map[string]string{"If-Match": `"1"`}}
		}, 200},
		{"DELETE", "/v1/stations/:id", staffOnly, func(c credential) req {
			s := e.create(admin, stationBody("to close"))
			return req{Path: "/v1/stations/" + s.ID}
		}, 204},
		{"GET", "/v1/stations/:id/history", staffOnly, func(c credential) req { return req{Path: "/v1/stations/" + seed.ID + "/history"} }, 200},
		{"POST", "/v1/auth/logout", anyone, func(c credential) req { return req{Path: "/v1/auth/logout"} }, 204},

		{"GET", "/v1/me", workerOnly, func(c credential) req { return req{Path: "/v1/me"} }, 200},
		{"PATCH", "/v1/me", workerOnly, func(c credential) req {
			return req{Path: "/v1/me", Body: map[string]any{"nickname": "matrix"}, ContentType: "application/merge-patch+json"}
		}, 200},
		{"DELETE", "/v1/me", workerOnly, func(c credential) req { return req{Path: "/v1/me"} }, 204},
		{"POST", "/v1/me/membership-application", workerOnly, func(c credential) req {
			body := validApplication()
			body["real_name"] = "matrix-apply"
			return req{Path: "/v1/me/membership-application", Body: body}
		}, 201},
		{"GET", "/v1/me/membership-application", workerOnly, func(c credential) req {
			if c.worker != uuid.Nil {
				if _, err := e.workers.Apply(ctx, c.worker, validApplicationInput("330726")); err != nil {
					t.Fatal(err)
				}
			}
			return req{Path: "/v1/me/membership-application"}
		}, 200},
		{"GET", "/v1/membership-applications", staffListed, func(c credential) req { return req{Path: "/v1/membership-applications"} }, 200},
		{"POST", "/v1/membership-applications/:id/approve", staffOnly, func(c credential) req {
			return req{Path: "/v1/membership-applications/" + e.pendingApplication(fresh("oApprove"), "330726") + "/approve"}
		}, 200},
		{"POST", "/v1/membership-applications/:id/reject", staffOnly, func(c credential) req {
			id := e.pendingApplication(fresh("oReject"), "330726")
			return req{Path: "/v1/membership-applications/" + id + "/reject", Body: map[string]string{"reason": "matrix"}}
		}, 200},

		{"GET", "/v1/benefits", staffListed, func(c credential) req { return req{Path: "/v1/benefits"} }, 200},
		{"POST", "/v1/benefits", staffOnly, func(c credential) req { return req{Path: "/v1/benefits", Body: e.offerBody("matrix-offer", 5)} }, 201},
		{"GET", "/v1/benefits/available", workerOnly, func(c credential) req { return req{Path: "/v1/benefits/available?lat=29.45&lng=119.89"} }, 200},
		{"GET", "/v1/benefits/:id", staffOnly, func(c credential) req { return req{Path: "/v1/benefits/" + seedOffer.ID} }, 200},
		{"PATCH", "/v1/benefits/:id", staffOnly, func(c credential) req {
			return req{Path: "/v1/benefits/" + seedOffer.ID, Body: map[string]any{"description": fresh("matrix")}, ContentType: "application/merge-patch+json"}
		}, 200},
		{"GET", "/v1/benefits/:id/stats", staffOnly, func(c credential) req { return req{Path: "/v1/benefits/" + seedOffer.ID + "/stats"} }, 200},
		{"GET", "/v1/benefits/:id/claims.csv", staffOnly, func(c credential) req { return req{Path: "/v1/benefits/" + seedOffer.ID + "/claims.csv"} }, 200},
		{"POST", "/v1/benefits/:id/claims", workerOnly, func(c credential) req {
			return req{Path: "/v1/benefits/" + openOffer.ID + "/claims", Header: map[string]string{"Idempotency-Key": fresh("matrix")}}
		}, 201},
		{"GET", "/v1/me/claims", workerOnly, func(c credential) req { return req{Path: "/v1/me/claims"} }, 200},
		{"POST", "/v1/claims/redeem", staffOnly, func(c credential) req {
			return req{Path: "/v1/claims/redeem", Body: map[string]string{"code": claimCode(), "station_id": seed.ID}}
		}, 200},

		{"POST", "/v1/stations/:id/checkins", workerOnly, func(c credential) req {
			return req{Path: "/v1/stations/" + seed.ID + "/checkins", Body: map[string]any{"lat": 29.4521, "lng": 119.892}}
		}, 201},
		{"POST", "/v1/stations/:id/reports", workerOnly, func(c credential) req {
			return req{Path: "/v1/stations/" + seed.ID + "/reports", Body: map[string]any{"category": "dirty"}}
		}, 201},
		{"GET", "/v1/me/reports", workerOnly, func(c credential) req { return req{Path: "/v1/me/reports"} }, 200},
		{"GET", "/v1/reports", staffListed, func(c credential) req { return req{Path: "/v1/reports?status=open"} }, 200},
		{"POST", "/v1/reports/:id/resolve", staffOnly, func(c credential) req {
			return req{Path: "/v1/reports/" + openReport(seed.ID) + "/resolve", Body: map[string]any{"note": "matrix"}}
		}, 200},
		{"POST", "/v1/reports/:id/dismiss", staffOnly, func(c credential) req {
			return req{Path: "/v1/reports/" + openReport(seed.ID) + "/dismiss", Body: map[string]any{"note": "matrix"}}
		}, 200},

		// Notifications (issue 12 §4).
		{"POST", "/v1/me/subscriptions", workerOnly, func(c credential) req {
			return req{Path: "/v1/me/subscriptions", Body: map[string]any{"template_ids": []string{"tplMember"}}}
		}, 200},
		{"POST", "/v1/stations/:id/notices", staffOnly, func(c credential) req {
			return req{Path: "/v1/stations/" + seed.ID + "/notices", Body: map[string]any{"kind": "temporarily_closed",
				"until": e.clock.Now().Add(time.Hour).Format(time.RFC3339), "message": "matrix"}}
		}, 201},
		{"POST", "/v1/stations/:id/verify", staffOnly, func(c credential) req { return req{Path: "/v1/stations/" + seed.ID + "/verify"} }, 200},

		// Activities and courses (issue 12 §1).
		{"GET", "/v1/activities", anyone, func(c credential) req { return req{Path: "/v1/activities"} }, 200},
		{"POST", "/v1/activities", staffOnly, func(c credential) req {
			body := e.activityBody(seed.ID, 5)
			body["title"] = "matrix-activity"
			return req{Path: "/v1/activities", Body: body}
		}, 201},
		{"GET", "/v1/activities/:id", staffOrWorker, func(c credential) req { return req{Path: "/v1/activities/" + seedActivity.ID} }, 200},
		{"PATCH", "/v1/activities/:id", staffOnly, func(c credential) req {
			return req{Path: "/v1/activities/" + seedActivity.ID, Body: map[string]any{"description": fresh("matrix")}, ContentType: "application/merge-patch+json"}
		}, 200},
		{"POST", "/v1/activities/:id/signups", workerOnly, func(c credential) req {
			return req{Path: "/v1/activities/" + openActivity.ID + "/signups", Header: map[string]string{"Idempotency-Key": fresh("matrix")}}
		}, 201},
		{"GET", "/v1/activities/:id/signups", staffOnly, func(c credential) req { return req{Path: "/v1/activities/" + seedActivity.ID + "/signups"} }, 200},
		{"GET", "/v1/activities/:id/signups.csv", staffOnly, func(c credential) req { return req{Path: "/v1/activities/" + seedActivity.ID + "/signups.csv"} }, 200},
		{"GET", "/v1/activities/:id/signups/me", workerOnly, func(c credential) req {
			if c.worker != uuid.Nil {
				if _, _, err := e.activities.SignUp(ctx, c.worker, uuid.MustParse(openActivity.ID), fresh("matrix-me")); err != nil {
					t.Fatal(err)
				}
			}
			return req{Path: "/v1/activities/" + openActivity.ID + "/signups/me"}
		}, 200},
		{"DELETE", "/v1/activities/:id/signups/me", workerOnly, func(c credential) req {
			if c.worker != uuid.Nil {
				if _, _, err := e.activities.SignUp(ctx, c.worker, uuid.MustParse(openActivity.ID), fresh("matrix-cancel")); err != nil {
					t.Fatal(err)
				}
			}
			return req{Path: "/v1/activities/" + openActivity.ID + "/signups/me"}
		}, 200},
		{"POST", "/v1/activities/:id/checkins", staffOnly, func(c credential) req {
			return req{Path: "/v1/activities/" + doorActivity.ID + "/checkins", Body: map[string]string{"code": signupCode()}}
		}, 200},
		// Micro-wishes and hardship aid (issue 12 §§2–3); the donor's own matrix is TestDonorCannotActAsDistrictStaff.
		{"POST", "/v1/me/wishes", workerOnly, func(c credential) req {
			if c.worker != uuid.Nil {
				e.makeMember(c.worker, adminP)
			}
			return req{Path: "/v1/me/wishes", Body: map[string]any{"title": "matrix-wish", "story": "matrix", "category": "other", "value_yuan": 10}}
		}, 201},
		{"GET", "/v1/me/wishes", workerOnly, func(c credential) req { return req{Path: "/v1/me/wishes"} }, 200},
		{"POST", "/v1/me/wishes/:id/confirm", workerOnly, func(c credential) req {
			if c.worker == uuid.Nil {
				return req{Path: "/v1/me/wishes/" + uuid.NewString() + "/confirm"}
			}
			e.makeMember(c.worker, adminP)
			return req{Path: "/v1/me/wishes/" + e.wishAt(adminP, c.worker, "matrix-confirm", wish.Delivered) + "/confirm"}
		}, 200},
		{"GET", "/v1/wishes", optionalToken, func(c credential) req { return req{Path: "/v1/wishes"} }, 200},
		{"GET", "/v1/wishes/:id", optionalToken, func(c credential) req { return req{Path: "/v1/wishes/" + publishedWish} }, 200},
		{"POST", "/v1/wishes/:id/approve", staffOnly, func(c credential) req {
			return req{Path: "/v1/wishes/" + e.wishAt(adminP, uuid.Nil, "matrix-approve", wish.Pending) + "/approve"}
		}, 200},
		{"POST", "/v1/wishes/:id/reject", staffOnly, func(c credential) req {
			return req{Path: "/v1/wishes/" + e.wishAt(adminP, uuid.Nil, "matrix-reject", wish.Pending) + "/reject", Body: map[string]string{"reason": "matrix"}}
		}, 200},
		{"POST", "/v1/wishes/:id/pledge", staffOnly, func(c credential) req {
			return req{Path: "/v1/wishes/" + e.wishAt(adminP, uuid.Nil, "matrix-pledge", wish.Published) + "/pledge"}
		}, 200},
		{"POST", "/v1/wishes/:id/deliver", staffOnly, func(c credential) req {
			return req{Path: "/v1/wishes/" + e.wishAt(adminP, uuid.Nil, "matrix-deliver", wish.Pledged) + "/deliver"}
		}, 200},
		{"POST", "/v1/me/aid-applications", workerOnly, func(c credential) req {
			if c.worker != uuid.Nil {
				e.makeMember(c.worker, adminP)
			}
			return req{Path: "/v1/me/aid-applications", Body: map[string]any{"category": "other", "amount_requested_yuan": 10, "description": "matrix-aid", "consent": true}}
		}, 201},
		{"GET", "/v1/me/aid-applications", workerOnly, func(c credential) req { return req{Path: "/v1/me/aid-applications"} }, 200},
		{"GET", "/v1/aid-applications", staffListed, func(c credential) req { return req{Path: "/v1/aid-applications"} }, 200},
		{"GET", "/v1/aid-applications/:id", staffOnly, func(c credential) req { return req{Path: "/v1/aid-applications/" + seedAid} }, 200},
		{"POST", "/v1/aid-applications/:id/approve", staffOnly, func(c credential) req {
			return req{Path: "/v1/aid-applications/" + e.aidPending(adminP) + "/approve", Body: map[string]int{"amount_yuan": 100}}
		}, 200},
		{"POST", "/v1/aid-applications/:id/reject", staffOnly, func(c credential) req {
			return req{Path: "/v1/aid-applications/" + e.aidPending(adminP) + "/reject", Body: map[string]string{"reason": "matrix"}}
		}, 200},

		// Coverage (issue 13): any staff member, any box; imports for admins.
		{"GET", "/v1/coverage", staffListed, func(c credential) req { return req{Path: "/v1/coverage?bbox=119.7,29.3,120.1,29.6"} }, 200},
		{"GET", "/v1/coverage/suggestions", staffListed, func(c credential) req {
			return req{Path: "/v1/coverage/suggestions?bbox=119.7,29.3,120.1,29.6"}
		}, 200},
		{"POST", "/v1/coverage/demand/import", adminOnly, func(c credential) req {
			n++ // a new file each time: the same file twice is a conflict
			return req{Path: "/v1/coverage/demand/import", Body: fmt.Sprintf("29.45,119.89,%d\n", n), ContentType: "text/csv"}
		}, 201},

		// Station photos and the map export.
		{"POST", "/v1/stations/:id/photos", staffOnly, func(c credential) req {
			s := e.create(admin, stationBody("matrix-photo"))
			return req{Path: "/v1/stations/" + s.ID + "/photos", Body: matrixJPEG, ContentType: "image/jpeg"}
		}, 201},
		{"GET", "/v1/stations/:id/photos", public, func(c credential) req { return req{Path: "/v1/stations/" + seed.ID + "/photos"} }, 200},
		{"PATCH", "/v1/stations/:id/photos/:photo_id", staffOnly, func(c credential) req {
			st, ph := photoOn()
			return req{Path: "/v1/stations/" + st + "/photos/" + ph.ID, Body: map[string]any{"entrance": true}}
		}, 200},
		{"DELETE", "/v1/stations/:id/photos/:photo_id", staffOnly, func(c credential) req {
			st, ph := photoOn()
			return req{Path: "/v1/stations/" + st + "/photos/" + ph.ID}
		}, 204},
		{"GET", "/v1/photos/:file", public, func(c credential) req { return req{Path: seedPhoto.URL} }, 200},
		{"GET", "/v1/stations/map-export.xlsx", staffListed, func(c credential) req { return req{Path: "/v1/stations/map-export.xlsx?platform=amap"} }, 200},

		// Station standards (issue 15 §2, §4).
		{"GET", "/v1/inspection-checklist", public, func(c credential) req { return req{Path: "/v1/inspection-checklist"} }, 200},
		{"GET", "/v1/stations/map-listing-stats", staffListed, func(c credential) req { return req{Path: "/v1/stations/map-listing-stats"} }, 200},
		{"GET", "/v1/stations/service-report.xlsx", staffListed, func(c credential) req { return req{Path: "/v1/stations/service-report.xlsx"} }, 200},
		{"GET", "/v1/stations/:id/map-listings", staffOnly, func(c credential) req { return req{Path: "/v1/stations/" + seed.ID + "/map-listings"} }, 200},
		{"PUT", "/v1/stations/:id/map-listings/:platform", staffOnly, func(c credential) req {
			return req{Path: "/v1/stations/" + seed.ID + "/map-listings/amap", Body: map[string]any{"status": "submitted"}}
		}, 200},
		{"POST", "/v1/stations/:id/inspections", staffOnly, func(c credential) req {
			items := map[string]bool{}
			for _, it := range standard.Checklist {
				items[it.Code] = true
			}
			return req{Path: "/v1/stations/" + seed.ID + "/inspections", Body: map[string]any{"items": items}}
		}, 201},
		{"GET", "/v1/stations/:id/inspections", staffOnly, func(c credential) req { return req{Path: "/v1/stations/" + seed.ID + "/inspections"} }, 200},
		{"PUT", "/v1/stations/:id/recognition", cityOnly, func(c credential) req {
			return req{Path: "/v1/stations/" + seed.ID + "/recognition", Body: map[string]any{"most_beautiful": true}}
		}, 200},
		{"POST", "/v1/stations/:id/service-tally", staffOnly, func(c credential) req {
			return req{Path: "/v1/stations/" + seed.ID + "/service-tally", Body: map[string]any{"add": 1}}
		}, 200},
		{"GET", "/v1/stations/:id/service-tally", staffOnly, func(c credential) req { return req{Path: "/v1/stations/" + seed.ID + "/service-tally"} }, 200},
	}

	// Every route of the server has a row, and every row a route.
	var routes, rows []string
	for _, r := range e.srv.Config.Handler.(*echo.Echo).Routes() {
		switch {
		case !slices.Contains([]string{"GET", "POST", "PUT", "PATCH", "DELETE"}, r.Method): // echo's catch-all not-found routes
		case r.Path == "/metrics": // Prometheus's scrape, outside the API contract; it takes no token
		default:
			routes = append(routes, r.Method+" "+r.Path)
		}
	}
	for _, c := range calls {
		rows = append(rows, c.method+" "+c.route)
	}
	slices.Sort(routes)
	slices.Sort(rows)
	if !slices.Equal(routes, rows) {
		t.Errorf("the matrix does not cover exactly the server's routes:\nroutes %q\nrows   %q", routes, rows)
	}

	for _, c := range calls {
		for _, who := range callers {
			want := c.ok
			cred := who.mint()
			switch {
			case c.access == optionalToken && who.kind == badToken:
				if cred.token != "" || cred.authorization != "" {
					want = 401
				}
			case c.access == public:
			case who.kind == badToken:
				want = 401
			case c.access == workerOnly && who.kind != workerCaller,
				(c.access == staffOnly || c.access == staffListed || c.access == cityOnly) && who.kind == workerCaller,
				(c.access == staffOnly || c.access == cityOnly) && who.kind == staffOutside,
				c.access == cityOnly && who.name == "district staff inside",
				c.access == staffOrWorker && who.kind == staffOutside,
				c.access == adminOnly && who.name != "admin":
				want = 403
			}
			r := c.req(cred)
			r.Method, r.Token = c.method, cred.token
			if cred.authorization != "" {
				r.Header = map[string]string{"Authorization": cred.authorization}
			}
			got := e.do(r)
			if got.Status != want {
				t.Errorf("%s %s as %s: %d, want %d (%s)", c.method, c.route, who.name, got.Status, want, truncate(got.Body))
				continue
			}
			if got.Status == 401 || got.Status == 403 {
				wantCode := map[int]string{401: "unauthorized", 403: "forbidden"}[got.Status]
				if p := got.Problem(t); string(p.Code) != wantCode {
					t.Errorf("%s %s as %s: code %q, want %q", c.method, c.route, who.name, p.Code, wantCode)
				}
				if got.Status == 401 && got.Header.Get("WWW-Authenticate") == "" {
					t.Errorf("%s %s as %s: 401 without WWW-Authenticate", c.method, c.route, who.name)
				}
			}
		}
	}

	// Refused requests changed nothing: only the three staff inside the
	// district wrote, and only the worker changed their own account.
	for _, tc := range []struct {
		what  string
		query string
		want  int
	}{
		{"stations created", `SELECT count(*) FROM stations WHERE name = 'matrix-new'`, 3},
		{"inspections recorded", `SELECT count(*) FROM station_inspections`, 3},
		{"services counted", `SELECT coalesce(sum(count), 0) FROM station_service_days`, 3},
		{"stations imported", `SELECT count(*) FROM stations WHERE name = 'matrix-imp'`, 3},
		{"stations patched", `SELECT count(*) FROM stations WHERE name = 'patched'`, 3},
		{"stations closed", `SELECT count(*) FROM stations WHERE status = 'closed'`, 3},
		{"applications approved", `SELECT count(*) FROM membership_applications WHERE status = 'approved'`, 3},
		{"applications rejected", `SELECT count(*) FROM membership_applications WHERE status = 'rejected'`, 3},
		{"applications filed over HTTP", `SELECT count(*) FROM membership_applications WHERE real_name = 'matrix-apply'`, 1},
		{"profiles changed", `SELECT count(*) FROM workers WHERE nickname = 'matrix'`, 1},
		{"workers erased", `SELECT count(*) FROM workers WHERE deleted_at IS NOT NULL`, 1},
		{"offers defined", `SELECT count(*) FROM benefit_offers WHERE title = 'matrix-offer'`, 3},
		{"claims redeemed", `SELECT count(*) FROM benefit_claims WHERE status = 'redeemed'`, 3},
		{"claims over HTTP", `SELECT count(*) FROM benefit_claim_keys WHERE idempotency_key LIKE 'matrix-%'`, 1},
		{"check-ins", `SELECT count(*) FROM station_checkins`, 1},
		{"reports by the matrix's worker", `SELECT count(*) FROM station_reports WHERE category = 'dirty'`, 1},
		{"reports resolved", `SELECT count(*) FROM station_reports WHERE status = 'resolved'`, 3},
		{"reports dismissed", `SELECT count(*) FROM station_reports WHERE status = 'dismissed'`, 3},
		{"notices posted", `SELECT count(*) FROM station_notices WHERE message = 'matrix'`, 3},
		{"activities created", `SELECT count(*) FROM activities WHERE title = 'matrix-activity'`, 3},
		{"activities patched", `SELECT version FROM activities WHERE id = '` + seedActivity.ID + `'`, 4},
		{"sign-ups checked in", `SELECT count(*) FROM activity_signups WHERE status = 'checked_in'`, 3},
		{"sign-ups cancelled", `SELECT count(*) FROM activity_signups WHERE status = 'cancelled'`, 1},
		{"sign-ups over HTTP", `SELECT count(*) FROM activity_signup_keys WHERE idempotency_key LIKE 'matrix-%' AND idempotency_key NOT LIKE 'matrix-me%' AND idempotency_key NOT LIKE 'matrix-cancel%'`, 1},
		{"wishes posted over HTTP", `SELECT count(*) FROM wishes WHERE title = 'matrix-wish'`, 1},
		{"wishes approved", `SELECT count(*) FROM wishes WHERE title = 'matrix-approve' AND status = 'published'`, 3},
		{"wishes rejected", `SELECT count(*) FROM wishes WHERE title = 'matrix-reject' AND status = 'rejected'`, 3},
		{"wishes pledged", `SELECT count(*) FROM wishes WHERE title = 'matrix-pledge' AND status = 'pledged'`, 3},
		{"wishes delivered", `SELECT count(*) FROM wishes WHERE title = 'matrix-deliver' AND status = 'delivered'`, 3},
		{"wishes confirmed", `SELECT count(*) FROM wishes WHERE title = 'matrix-confirm' AND status = 'confirmed'`, 1},
		{"aid filed over HTTP", `SELECT count(*) FROM aid_applications WHERE description = 'matrix-aid'`, 1},
		{"aid decided", `SELECT count(*) FROM aid_decisions WHERE staff_id IS NOT NULL`, 6},
		{"demand imported", `SELECT count(*) FROM demand_imports`, 1},
		{"photos uploaded", `SELECT count(*) FROM station_photos p JOIN stations s ON s.id = p.station_id WHERE s.name = 'matrix-photo'`, 3},
		{"photos marked", `SELECT count(*) FROM station_photos WHERE entrance`, 3},
	} {
		var got int
		if err := e.db.Pool.QueryRow(t.Context(), tc.query).Scan(&got); err != nil {
			t.Fatal(err)
		}
		if got != tc.want {
			t.Errorf("%s: %d, want %d", tc.what, got, tc.want)
		}
	}
}
