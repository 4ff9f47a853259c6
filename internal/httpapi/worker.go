package httpapi

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/labstack/echo/v4"

	"yizhan/internal/district"
	"yizhan/internal/strictjson"
	"yizhan/internal/worker"
)

type wechatLoginRequest struct {
	Code *string `json:"code"`
}

type workerLoginResponse struct {
	Token     string     `json:"token"`
	ExpiresAt time.Time  `json:"expires_at"`
	IsNew     bool       `json:"is_new"`
	Worker    workerJSON `json:"worker"`
}

// workerJSON is a worker's own view of their account. Their WeChat
// identifiers are never sent.
type workerJSON struct {
	ID               uuid.UUID  `json:"id"`
	Nickname         string     `json:"nickname,omitempty"`
	Phone            string     `json:"phone,omitempty"`
	Occupation       string     `json:"occupation,omitempty"`
	Employer         string     `json:"employer,omitempty"`
	DistrictCode     string     `json:"district_code,omitempty"`
	DistrictName     string     `json:"district_name,omitempty"`
	IsMember         bool       `json:"is_member"`
	MembershipNumber string     `json:"membership_number,omitempty"`
	MemberSince      *time.Time `json:"member_since,omitempty"`
	// MembershipDistrictCode is the county of the approved membership,
	// whose benefits a member may claim.
	MembershipDistrictCode string    `json:"membership_district_code,omitempty"`
	CreatedAt              time.Time `json:"created_at"`
}

func toWorkerJSON(w worker.Worker) workerJSON {
	out := workerJSON{
		ID: w.ID, Nickname: w.Nickname, Phone: w.Phone, Occupation: string(w.Occupation), Employer: w.Employer,
		DistrictCode: w.DistrictCode, DistrictName: district.Name(w.DistrictCode), IsMember: w.IsMember(), MembershipNumber: w.MembershipNo, CreatedAt: wireTime(w.CreatedAt),
		MembershipDistrictCode: w.MemberDistrictCode,
	}
	if w.IsMember() {
		since := wireTime(w.MemberSince)
		out.MemberSince = &since
	}
	return out
}

// workerID is the signed-in worker's id; requireWorker guarantees one.
func workerID(c echo.Context) uuid.UUID { return principal(c).WorkerID }

func (s *server) wechatLogin(c echo.Context) error {
	var req wechatLoginRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	code := ""
	if req.Code != nil {
		code = *req.Code
	}
	in, err := s.Workers.Login(c.Request().Context(), code, c.RealIP())
	s.Metrics.Login("worker", loginResult(err))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, workerLoginResponse{Token: in.Token, ExpiresAt: wireTime(in.ExpiresAt), IsNew: in.IsNew, Worker: toWorkerJSON(in.Worker)})
}

func (s *server) getMe(c echo.Context) error {
	w, err := s.Workers.Get(c.Request().Context(), workerID(c))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWorkerJSON(w))
}

// optionalString is a merge-patch member: absent (Set false), null or a
// string.
type optionalString struct {
	Set   bool
	Value string // "" for null
}

func (o *optionalString) UnmarshalJSON(b []byte) error {
	o.Set = true
	if string(b) == "null" {
		return nil
	}
	return json.Unmarshal(b, &o.Value)
}

func (o optionalString) ptr() *string {
	if !o.Set {
		return nil
	}
	return &o.Value
}

type profilePatchRequest struct {
	Nickname     optionalString `json:"nickname"`
	Phone        optionalString `json:"phone"`
	Occupation   optionalString `json:"occupation"`
	Employer     optionalString `json:"employer"`
	DistrictCode optionalString `json:"district_code"`
}

func (s *server) patchMe(c echo.Context) error {
	body, err := readBody(c, bodyLimit, "application/merge-patch+json", echo.MIMEApplicationJSON)
	if err != nil {
		return err
	}
	var req profilePatchRequest
	if err := strictjson.Decode(body, &req); err != nil {
		return err
	}
	w, err := s.Workers.UpdateProfile(c.Request().Context(), workerID(c), worker.ProfilePatch{
		Nickname:     req.Nickname.ptr(),
		Phone:        req.Phone.ptr(),
		Occupation:   req.Occupation.ptr(),
		Employer:     req.Employer.ptr(),
		DistrictCode: req.DistrictCode.ptr(),
	})
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, toWorkerJSON(w))
}

func (s *server) deleteMe(c echo.Context) error {
	if err := s.Workers.Erase(c.Request().Context(), workerID(c)); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
