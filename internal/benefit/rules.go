package benefit

import (
	"crypto/rand"
	"slices"
	"strings"
	"time"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
)

// OpenAt reports whether the window is open at t: within [StartsAt, EndsAt)
// and, when there is a weekly schedule, on one of its days between From and
// To, Shanghai time.
func (w Window) OpenAt(t time.Time) bool {
	if t.Before(w.StartsAt) || !t.Before(w.EndsAt) {
		return false
	}
	if w.Weekly == nil {
		return true
	}
	local := t.In(Shanghai)
	if !slices.Contains(w.Weekly.Days, local.Weekday()) {
		return false
	}
	m := local.Hour()*60 + local.Minute()
	return m >= w.Weekly.From && m < w.Weekly.To
}

// PeriodStart is when the limit period holding t began, Shanghai time: the
// zero time for Once, else midnight of the day, of the week's Monday, or of
// the month's first day.
func PeriodStart(p Period, t time.Time) time.Time {
	local := t.In(Shanghai)
	y, m, d := local.Date()
	switch p {
	case Day:
		return time.Date(y, m, d, 0, 0, 0, 0, Shanghai)
	case Week:
		back := (int(local.Weekday()) + 6) % 7 // days since Monday
		return time.Date(y, m, d-back, 0, 0, 0, 0, Shanghai)
	case Month:
		return time.Date(y, m, 1, 0, 0, 0, 0, Shanghai)
	}
	return time.Time{}
}

// Eligible returns nil when the worker may claim the offer, or NotEligible
// saying why not.
func (e Eligibility) Eligible(w Claimant) error {
	if e.MembersOnly && !w.Member {
		return apperr.New(apperr.NotEligible, "this benefit is for union members only")
	}
	if len(e.Occupations) > 0 && !slices.Contains(e.Occupations, w.Occupation) {
		return apperr.New(apperr.NotEligible, "this benefit is for other occupations; set yours in your profile if it is missing")
	}
	if len(e.DistrictCodes) > 0 && !e.CoversCounty(w.DistrictCode) {
		return apperr.New(apperr.NotEligible, "this benefit is for workers of other districts; set your home county in your profile if it is missing")
	}
	return nil
}

// CoversCounty reports whether the county lies in the offer's districts (any
// county, when the offer names none).
func (e Eligibility) CoversCounty(county string) bool {
	if len(e.DistrictCodes) == 0 {
		return true
	}
	return slices.ContainsFunc(e.DistrictCodes, func(d string) bool { return auth.Covers(d, county) })
}

// Allowance is how many more claims the worker may make in the current
// period, given the times of their unexpired claims on the offer.
func (o *Offer) Allowance(claimedAt []time.Time, now time.Time) int {
	since := PeriodStart(o.PerWorker.Period, now)
	used := 0
	for _, t := range claimedAt {
		if !t.Before(since) {
			used++
		}
	}
	return max(0, o.PerWorker.Count-used)
}

// checkClaimable refuses a claim on an offer that is not published or not
// open at now.
func (o *Offer) checkClaimable(now time.Time) error {
	switch {
	case o.Welcome:
		// It is granted by a membership approval, once; a worker who could
		// claim it by hand would take a new member's gift.
		return apperr.New(apperr.NotOpen, "the welcome benefit is granted when a membership is approved, not claimed")
	case o.Status != Published:
		return apperr.New(apperr.NotOpen, "this benefit is %s", apperr.Word(o.Status))
	case now.Before(o.Window.StartsAt):
		return apperr.New(apperr.NotOpen, "this benefit opens at %s", apperr.Instant(o.Window.StartsAt.In(Shanghai)))
	case !now.Before(o.Window.EndsAt):
		return apperr.New(apperr.NotOpen, "this benefit ended at %s", apperr.Instant(o.Window.EndsAt.In(Shanghai)))
	case !o.Window.OpenAt(now):
		return apperr.New(apperr.NotOpen, "this benefit can be claimed only in its weekly hours")
	}
	return nil
}

// CodeAlphabet are the characters of claim codes: digits and capitals
// without 0/O and 1/I, which staff misread. 32 symbols, so each random byte
// maps to one without bias (256 = 8 × 32).
const CodeAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// CodeLen is the length of a claim code: 40 random bits.
const CodeLen = 8

// NewCode returns a fresh claim code from crypto/rand.
func NewCode() (string, error) {
	b := make([]byte, CodeLen)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	for i := range b {
		b[i] = CodeAlphabet[b[i]%32]
	}
	return string(b), nil
}

// ParseCode reads a claim code as staff type it or a scanner reads it: in
// either case, and either the code alone or the claim's whole qr_payload
// ("yizhan:claim:CODE"), with spaces around. It returns the code as issued
// (capitals), and whether s was one.
func ParseCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > len(qrPrefix) && strings.EqualFold(s[:len(qrPrefix)], qrPrefix) {
		s = s[len(qrPrefix):]
	}
	s = strings.ToUpper(s)
	return s, ValidCode(s)
}

// ValidCode reports whether s has a claim code's shape, as issued.
func ValidCode(s string) bool {
	if len(s) != CodeLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if !containsByte(CodeAlphabet, s[i]) {
			return false
		}
	}
	return true
}

func containsByte(s string, c byte) bool {
	for i := 0; i < len(s); i++ {
		if s[i] == c {
			return true
		}
	}
	return false
}
