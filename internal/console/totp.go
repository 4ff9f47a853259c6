package console

import (
	"fmt"
	"html/template"
	"net/http"
	"strings"

	"github.com/boombuler/barcode/qr"

	"yizhan/internal/apperr"
)

// totpPage is the data of totp.html: the signed-in staff member's own
// second factor.
type totpPage struct {
	Enrolled bool
	// Set between 开始设置 and a right code.
	Pending bool
	Secret  string // grouped by four for typing
	URI     string
	QR      template.HTML // an inline SVG of URI
	Error   string
}

// totpPage shows whether the account has a second factor.
func (h *handler) totpPage(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	on, err := h.Auth.HasTOTP(r.Context(), p, p.Username)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, "totp.html", "totp", totpPage{Enrolled: on})
}

// totpBegin makes a new secret (auth.Service.BeginTOTPEnrolment) and shows
// it once, as text and as a QR code, with the form to confirm it. The
// current second factor, if any, stays until the new one is confirmed.
func (h *handler) totpBegin(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	key, err := h.Auth.BeginTOTPEnrolment(r.Context(), p, p.Username)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	code, err := qrSVG(key.URI)
	if err != nil {
		h.fail(w, r, err)
		return
	}
	h.render(w, r, "totp.html", "totp", totpPage{Pending: true, Secret: groupSecret(key.Secret), URI: key.URI, QR: code})
}

// totpConfirm checks a code of the new secret and makes it the account's
// second factor.
func (h *handler) totpConfirm(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	err := h.Auth.ConfirmTOTP(r.Context(), p, p.Username, strings.TrimSpace(r.PostFormValue("code")))
	switch apperr.CodeOf(err) {
	case apperr.Internal:
		if err == nil {
			h.redirect(w, r, "/console/totp", "flash.totp.on", "")
			return
		}
	case apperr.TOTPInvalid:
		// The secret stays pending: the app already has it.
		h.renderStatus(w, r, http.StatusUnprocessableEntity, "totp.html", "totp", totpPage{Pending: true, Error: t("totp.code_wrong")})
		return
	case apperr.Conflict:
		h.redirect(w, r, "/console/totp", "flash.error.totp.none_pending", "")
		return
	}
	h.fail(w, r, err)
}

// totpDisable removes the account's second factor.
func (h *handler) totpDisable(w http.ResponseWriter, r *http.Request) {
	p := principal(r)
	if err := h.Auth.DisableTOTP(r.Context(), p, p.Username); err != nil {
		h.fail(w, r, err)
		return
	}
	h.redirect(w, r, "/console/totp", "flash.totp.off", "")
}

// groupSecret writes a base32 secret in groups of four, as authenticator
// apps accept it typed.
func groupSecret(s string) string {
	var b strings.Builder
	for i, c := range s {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// qrSVG draws text as a QR code in SVG, one path of unit squares with the
// standard 4-module quiet zone: crisp at any size, no image to serve, no
// inline style. boombuler/barcode encodes it; it is what pquerna/otp (our
// TOTP library) draws its own QR images with, so it adds no module.
func qrSVG(text string) (template.HTML, error) {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return "", err
	}
	n := code.Bounds().Dx()
	const quiet = 4
	var d strings.Builder
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if r, _, _, _ := code.At(x, y).RGBA(); r == 0 {
				fmt.Fprintf(&d, "M%d %dh1v1h-1z", x+quiet, y+quiet)
			}
		}
	}
	size := n + 2*quiet
	// Only numbers go into the markup: safe as HTML.
	return template.HTML(fmt.Sprintf(`<svg class="qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" shape-rendering="crispEdges"><rect width="%d" height="%d" fill="#fff"/><path d="%s" fill="#000"/></svg>`,
		size, size, template.HTMLEscapeString(t("totp.qr_label")), size, size, d.String())), nil
}
