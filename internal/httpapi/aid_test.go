package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"yizhan/internal/auth"
)

type aidOut struct {
	ID                 string `json:"id"`
	Status             string `json:"status"`
	Description        string `json:"description"`
	AmountApprovedYuan int    `json:"amount_approved_yuan"`
	Erased             bool   `json:"erased"`
	Applicant          *struct {
		Name         string `json:"name"`
		Phone        string `json:"phone"`
		MembershipNo string `json:"membership_no"`
	} `json:"applicant"`
	Decisions []struct {
		Step       int    `json:"step"`
		Decision   string `json:"decision"`
		DecidedBy  string `json:"decided_by"`
		AmountYuan int    `json:"amount_yuan"`
	} `json:"decisions"`
}

// narrative is an application's text; the test looks for it where it
// must never be.
const narrative = "母亲突发脑梗住院，医保报销后仍差五千元。"

func aidBody(consent any) map[string]any {
	b := map[string]any{"category": "illness", "amount_requested_yuan": 5000, "description": narrative}
	if consent != nil {
		b["consent"] = consent
	}
	return b
}

func TestAidFromApplicationToSecondReview(t *testing.T) {
	t.Parallel()
	var log logBuffer
	e := newEnv(t, withMetricsAndLog(&log))
	pujiang := e.staff("pujiang", auth.DistrictStaff, "330726")
	jinhua := e.staff("jinhua", auth.DistrictStaff, "330700")
	yiwu := e.staff("yiwu", auth.DistrictStaff, "330782")
	donor := e.staff("aixin", auth.Donor)
	member := e.member(pujiang, "oAid", "330726")

	for _, consent := range []any{nil, false} {
		r := e.do(req{Method: "POST", Path: "/v1/me/aid-applications", Token: member, Body: aidBody(consent)})
		if r.Status != http.StatusBadRequest || r.Problem(t).Errors[0].Field != "consent" || strings.Contains(string(r.Body), "脑梗") {
			t.Errorf("consent %v: %d %s", consent, r.Status, r.Body)
		}
	}
	r := e.do(req{Method: "POST", Path: "/v1/me/aid-applications", Token: member, Body: aidBody(true)})
	var a aidOut
	r.JSON(t, &a)
	if r.Status != http.StatusCreated || a.Status != "pending" || a.Description != narrative {
		t.Fatalf("apply: %d %s", r.Status, r.Body)
	}
	path := "/v1/aid-applications/" + a.ID
	for name, token := range map[string]string{"another county": yiwu, "a donor": donor, "the worker": member} {
		if r := e.do(req{Method: "GET", Path: path, Token: token}); r.Status != http.StatusNotFound && r.Status != http.StatusForbidden {
			t.Errorf("%s reads it: %d %s", name, r.Status, r.Body)
		}
	}
	// The reviewer's page names whom they would pay; the queue does not.
	var detail aidOut
	e.do(req{Method: "GET", Path: path, Token: pujiang}).JSON(t, &detail)
	if ap := detail.Applicant; ap == nil || ap.Name != "王小明" || ap.Phone != "13800138000" || ap.MembershipNo == "" {
		t.Errorf("the reviewer's page, applicant: %+v", detail.Applicant)
	}
	r = e.do(req{Method: "GET", Path: "/v1/aid-applications?status=pending", Token: pujiang})
	if strings.Contains(string(r.Body), "王小明") || strings.Contains(string(r.Body), "13800138000") {
		t.Errorf("the queue names the applicant: %s", r.Body)
	}
	if !strings.Contains(string(r.Body), a.ID) || strings.Contains(string(r.Body), "脑梗") {
		t.Errorf("the queue lists it, without the narrative: %s", r.Body)
	}
	if r := e.do(req{Method: "GET", Path: "/v1/aid-applications", Token: yiwu}); strings.Contains(string(r.Body), a.ID) {
		t.Errorf("another county's queue lists it: %s", r.Body)
	}
	if r := e.do(req{Method: "POST", Path: path + "/approve", Token: pujiang, Body: map[string]any{"amount_yuan": 5001}}); r.Status != http.StatusBadRequest {
		t.Errorf("more than asked: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Method: "POST", Path: path + "/approve", Token: pujiang, Body: map[string]any{"amount_yuan": 3000}})
	r.JSON(t, &a)
	if r.Status != http.StatusOK || a.Status != "awaiting_second_review" {
		t.Fatalf("first approval: %d %s", r.Status, r.Body)
	}
	if r := e.do(req{Method: "POST", Path: path + "/approve", Token: pujiang, Body: map[string]any{"amount_yuan": 3000}}); r.Status != http.StatusForbidden {
		t.Errorf("the same reviewer twice: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Method: "POST", Path: path + "/approve", Token: jinhua, Body: map[string]any{"amount_yuan": 2800}})
	r.JSON(t, &a)
	if r.Status != http.StatusOK || a.Status != "approved" || a.AmountApprovedYuan != 2800 || len(a.Decisions) != 2 || a.Applicant == nil || a.Applicant.Name != "王小明" ||
		a.Decisions[0].DecidedBy != e.actor(pujiang) || a.Decisions[1].DecidedBy != e.actor(jinhua) || a.Decisions[1].AmountYuan != 2800 {
		t.Fatalf("second approval: %d %s", r.Status, r.Body)
	}
	var mine struct{ Items []aidOut }
	e.do(req{Method: "GET", Path: "/v1/me/aid-applications", Token: member}).JSON(t, &mine)
	if len(mine.Items) != 1 || mine.Items[0].Status != "approved" || mine.Items[0].AmountApprovedYuan != 2800 || mine.Items[0].Decisions != nil {
		t.Errorf("the worker's view: %+v", mine.Items)
	}

	// Erasure keeps the accounts and drops the narrative.
	if r := e.do(req{Method: "DELETE", Path: "/v1/me", Token: member}); r.Status != http.StatusNoContent {
		t.Fatalf("erase: %d %s", r.Status, r.Body)
	}
	r = e.do(req{Method: "GET", Path: path, Token: jinhua})
	var erased aidOut
	r.JSON(t, &erased)
	if !erased.Erased || erased.Description != "" || erased.AmountApprovedYuan != 2800 || erased.Applicant != nil {
		t.Errorf("after erasure: %s", r.Body)
	}
	if strings.Contains(log.String(), "脑梗") || strings.Contains(e.metricsText(), "脑梗") {
		t.Error("the narrative reached the log or the metrics")
	}
}
