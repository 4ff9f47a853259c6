package httpapi

import (
	"net/http"
	"time"

	"github.com/labstack/echo/v4"

	"yizhan/internal/apperr"
)

type loginRequest struct {
	Username *string `json:"username"`
	Password *string `json:"password"`
	// TOTP is the one-time code of an account with a second factor.
	TOTP *string `json:"totp"`
}

type tokenResponse struct {
	Token     string    `json:"token"`
	ExpiresAt time.Time `json:"expires_at"`
}

func (s *server) staffLogin(c echo.Context) error {
	var req loginRequest
	if err := readJSON(c, &req); err != nil {
		return err
	}
	var p apperr.Problems
	if req.Username == nil || *req.Username == "" {
		p.Add("username", "required", "is required")
	}
	if req.Password == nil || *req.Password == "" {
		p.Add("password", "required", "is required")
	}
	if err := p.Err(); err != nil {
		return err
	}
	var code string
	if req.TOTP != nil {
		code = *req.TOTP
	}
	token, exp, err := s.Auth.LoginWithTOTP(c.Request().Context(), *req.Username, *req.Password, code, c.RealIP())
	s.Metrics.Login("staff", loginResult(err))
	if err != nil {
		return err
	}
	return c.JSON(http.StatusOK, tokenResponse{Token: token, ExpiresAt: wireTime(exp)})
}

func loginResult(err error) string {
	switch apperr.CodeOf(err) {
	case apperr.Internal:
		if err == nil {
			return "ok"
		}
		return "error"
	case apperr.Unauthorized, apperr.Forbidden, apperr.TOTPInvalid, apperr.TOTPEnrolmentRequired:
		return "refused"
	case apperr.TOTPRequired:
		return "totp_required"
	case apperr.Unavailable:
		return "busy"
	case apperr.RateLimited:
		return "throttled"
	}
	return "error"
}

func (s *server) logout(c echo.Context) error {
	token, err := bearer(c)
	if err != nil {
		return err
	}
	if err := s.Auth.Logout(c.Request().Context(), token); err != nil {
		return err
	}
	return c.NoContent(http.StatusNoContent)
}
