package console

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"

	"yizhan/internal/apperr"
)

// fail answers with the page for err's code: a Chinese sentence, never the
// error's text (which may be English or internal). Only internal errors are
// logged.
func (h *handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	code := apperr.CodeOf(err)
	switch code {
	case apperr.Unauthorized:
		http.Redirect(w, r, "/console/login", http.StatusSeeOther)
		return
	case apperr.Internal:
		h.log.ErrorContext(r.Context(), "console", "path", r.URL.Path, "err", err)
	}
	status, key := http.StatusInternalServerError, "error.internal"
	switch code {
	case apperr.NotFound:
		status, key = http.StatusNotFound, "error.not_found"
	case apperr.Forbidden:
		status, key = http.StatusForbidden, "error.forbidden"
	case apperr.Invalid:
		status, key = http.StatusBadRequest, "error.invalid"
	case apperr.Conflict, apperr.Stale:
		status, key = http.StatusConflict, "error.conflict"
	case apperr.RateLimited:
		status, key = http.StatusTooManyRequests, "error.rate_limited"
	case apperr.TooLarge:
		status, key = http.StatusRequestEntityTooLarge, "error.too_large"
	case apperr.Unavailable:
		status, key = http.StatusServiceUnavailable, "error.unavailable"
	}
	h.renderError(w, r, status, key)
}

type errorPage struct {
	Message string
}

func (h *handler) renderError(w http.ResponseWriter, r *http.Request, status int, key string) {
	h.renderStatus(w, r, status, "error.html", "", errorPage{Message: t(key)})
}

// formErrors maps each offending field of an Invalid error to a Chinese
// message for the form, by the field's path ("host.type") and code. Errors
// without fields are under "". The first problem of a field wins.
func formErrors(err error) map[string]string {
	out := map[string]string{}
	var e *apperr.Error
	if !errors.As(err, &e) {
		out[""] = t("error.internal")
		return out
	}
	if len(e.Fields) == 0 {
		out[""] = problemText("", string(e.Code))
		return out
	}
	for _, f := range e.Fields {
		if _, seen := out[f.Field]; !seen {
			out[f.Field] = fieldProblemText(f.Field, f)
		}
	}
	return out
}

// fieldProblemText is the Chinese message of a field error shown at field:
// the console's own words for the field when it has them, else the
// apperr catalogue's translation of the message, else the code's words.
func fieldProblemText(field string, f apperr.FieldError) string {
	general := indexRe.ReplaceAllString(field, "")
	if m, ok := zhCN["problem."+general+"."+f.Code]; ok {
		return m
	}
	if f.Format != "" && apperr.Translated(f.Format) {
		return apperr.Message(apperr.ZhCN, f.Format, f.Args...)
	}
	return problemText(field, f.Code)
}

var indexRe = regexp.MustCompile(`\[\d+\]`)

// problemText is the Chinese message for a field's problem: the field's own
// message ("problem.<field>.<code>", with list indexes dropped) when the
// catalogue has one, else the code's.
func problemText(field, code string) string {
	general := indexRe.ReplaceAllString(field, "")
	if m, ok := zhCN["problem."+general+"."+code]; ok {
		return m
	}
	if m, ok := zhCN["problem."+code]; ok {
		return m
	}
	return zhCN["problem.invalid"]
}

// flash is a one-time message shown on the next page, after a redirect.
type flash struct {
	Kind string // ok or error
	Text string
}

const flashCookie = "yz_flash"

// redirect sends the browser to target (POST/redirect/GET) with a flash
// message from the catalogue; arg fills its %s.
func (h *handler) redirect(w http.ResponseWriter, r *http.Request, target, key, arg string) {
	if key != "" {
		h.setCookie(w, flashCookie, base64.RawURLEncoding.EncodeToString([]byte(key+"\x00"+arg)))
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

// takeFlash reads and clears the flash cookie. Only catalogue keys under
// "flash." are shown, so a planted cookie cannot put words in our mouth
// beyond its argument, which is escaped like any text.
func (h *handler) takeFlash(w http.ResponseWriter, r *http.Request) *flash {
	c, err := r.Cookie(flashCookie)
	if err != nil {
		return nil
	}
	h.clearCookie(w, flashCookie)
	raw, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return nil
	}
	key, arg, _ := strings.Cut(string(raw), "\x00")
	if !strings.HasPrefix(key, "flash.") {
		return nil
	}
	if _, ok := zhCN[key]; !ok {
		return nil
	}
	kind := "ok"
	if strings.HasPrefix(key, "flash.error.") {
		kind = "error"
	}
	if len([]rune(arg)) > 100 {
		arg = string([]rune(arg)[:100])
	}
	return &flash{Kind: kind, Text: t(key, arg)}
}

// Pager links a keyset-paged list: the first page and the next one.
type Pager struct {
	First string // empty on the first page
	Next  string // empty on the last page
}

// pager builds the links from the request's query, replacing its "after"
// cursor with next.
func pager(r *http.Request, next string) Pager {
	q := r.URL.Query()
	var p Pager
	if q.Get("after") != "" {
		q.Del("after")
		p.First = r.URL.Path + encodeQuery(q)
	}
	if next != "" {
		q.Set("after", next)
		p.Next = r.URL.Path + encodeQuery(q)
	}
	return p
}

func encodeQuery(q url.Values) string {
	if len(q) == 0 {
		return ""
	}
	return "?" + q.Encode()
}

// atoiDefault parses a form number, or returns def.
func atoiDefault(s string, def int) int {
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return def
	}
	return n
}
