package activity

import (
	"crypto/rand"
	"slices"
	"strings"
	"time"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
)

// Check-in is possible from CheckInEarly before the start until
// CheckInLate after the end: people arrive early, and a clerk may enter a
// paper list the day after.
const (
	CheckInEarly = 2 * time.Hour
	CheckInLate  = 24 * time.Hour
)

// SignupWindow returns when sign-ups open and close: as staff set them, or
// from publication until the start. opens is zero for an activity never
// published without a window of its own.
func (a *Activity) SignupWindow() (opens, closes time.Time) {
	opens, closes = a.SignupOpensAt, a.SignupClosesAt
	if opens.IsZero() {
		opens = a.PublishedAt
	}
	if closes.IsZero() {
		closes = a.StartsAt
	}
	return opens, closes
}

// checkSignup refuses a sign-up at now on an activity that is not
// published or outside its sign-up window.
func (a *Activity) checkSignup(now time.Time) error {
	opens, closes := a.SignupWindow()
	switch {
	case a.Status != Published:
		return apperr.New(apperr.NotOpen, "this activity is %s", apperr.Word(a.Status))
	case now.Before(opens):
		return apperr.New(apperr.NotOpen, "sign-ups for this activity open at %s", apperr.Instant(opens.In(Shanghai)))
	case !now.Before(closes):
		return apperr.New(apperr.NotOpen, "sign-ups for this activity closed at %s", apperr.Instant(closes.In(Shanghai)))
	}
	return nil
}

// Eligible returns nil when the worker may sign up, or NotEligible saying
// why not.
func (e Eligibility) Eligible(w Participant) error {
	if e.MembersOnly && !w.Member {
		return apperr.New(apperr.NotEligible, "this activity is for union members only")
	}
	if len(e.Occupations) > 0 && !slices.Contains(e.Occupations, w.Occupation) {
		return apperr.New(apperr.NotEligible, "this activity is for other occupations; set yours in your profile if it is missing")
	}
	if len(e.DistrictCodes) > 0 && !e.CoversCounty(w.DistrictCode) {
		return apperr.New(apperr.NotEligible, "this activity is for workers of other districts; set your home county in your profile if it is missing")
	}
	return nil
}

// CoversCounty reports whether the county lies in the activity's districts
// (any county, when it names none).
func (e Eligibility) CoversCounty(county string) bool {
	if len(e.DistrictCodes) == 0 {
		return true
	}
	return slices.ContainsFunc(e.DistrictCodes, func(d string) bool { return auth.Covers(d, county) })
}

// checkCancel refuses a worker's cancellation at now: once the activity
// has started (or is over or cancelled) there is nothing left to give back.
func (a *Activity) checkCancel(s Signup, now time.Time) error {
	switch {
	case s.Status == SignupCheckedIn:
		return apperr.New(apperr.AlreadyCheckedIn, "you have already checked in at this activity")
	case a.Status != Published:
		return apperr.New(apperr.NotOpen, "this activity is %s", apperr.Word(a.Status))
	case !now.Before(a.StartsAt):
		return apperr.New(apperr.NotOpen, "this activity started at %s; a sign-up can be cancelled only before the start", apperr.Instant(a.StartsAt.In(Shanghai)))
	}
	return nil
}

// checkCheckIn refuses checking in sign-up s at now.
func (a *Activity) checkCheckIn(s Signup, now time.Time) error {
	switch {
	case a.Status != Published && a.Status != Finished:
		return apperr.New(apperr.NotOpen, "this activity is %s", apperr.Word(a.Status))
	case now.Before(a.StartsAt.Add(-CheckInEarly)):
		return apperr.New(apperr.NotOpen, "check-in opens two hours before the start, at %s", apperr.Instant(a.StartsAt.Add(-CheckInEarly).In(Shanghai)))
	case !now.Before(a.EndsAt.Add(CheckInLate)):
		return apperr.New(apperr.NotOpen, "check-in closed a day after the activity ended")
	}
	switch s.Status {
	case SignupCheckedIn:
		return apperr.New(apperr.AlreadyCheckedIn, "this sign-up was checked in at %s", apperr.Instant(s.CheckedInAt.In(Shanghai)))
	case SignupWaitlisted:
		return apperr.New(apperr.NotConfirmed, "this sign-up is still on the waiting list (number %d): it has no place", s.Position)
	case SignupCancelled:
		return apperr.New(apperr.NotConfirmed, "this sign-up was cancelled")
	}
	return nil
}

// NoShow reports whether a sign-up counts as a no-show at now: it held a
// place at an activity that took place and ended, and never checked in.
func NoShow(a *Activity, s Signup, now time.Time) bool {
	return s.Status == SignupConfirmed && (a.Status == Published || a.Status == Finished) && !now.Before(a.EndsAt)
}

// checkTransition refuses a change of status from a to to at now. A draft
// may be published or cancelled; a published activity cancelled, or marked
// finished once it has started; cancelled and finished are final.
func checkTransition(a *Activity, to Status, now time.Time) error {
	from := a.Status
	if from == to {
		return nil
	}
	ok := false
	switch from {
	case Draft:
		ok = to == Published || to == Cancelled
	case Published:
		ok = to == Cancelled || to == Finished
		if to == Finished && now.Before(a.StartsAt) {
			return apperr.New(apperr.Unprocessable, "an activity can be marked finished only once it has started")
		}
	}
	if !ok {
		return apperr.New(apperr.Unprocessable, "an activity that is %s cannot become %s", apperr.Word(from), apperr.Word(to))
	}
	return nil
}

// CodeAlphabet are the characters of sign-up codes: digits and capitals
// without 0/O and 1/I, which staff misread. 32 symbols, so each random byte
// maps to one without bias (256 = 8 × 32).
const CodeAlphabet = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"

// CodeLen is the length of a sign-up code: 40 random bits.
const CodeLen = 8

// qrPrefix begins a sign-up's QR payload.
const qrPrefix = "yizhan:activity:"

// QRPayload is what the worker's QR code holds: the code, for a scanner at
// the door.
func (s Signup) QRPayload() string { return qrPrefix + s.Code }

// NewCode returns a fresh sign-up code from crypto/rand.
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

// ParseCode reads a sign-up code as staff type it or a scanner reads it: in
// either case, the code alone or the whole qr_payload, with spaces around.
// It returns the code as issued (capitals), and whether s was one.
func ParseCode(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) > len(qrPrefix) && strings.EqualFold(s[:len(qrPrefix)], qrPrefix) {
		s = s[len(qrPrefix):]
	}
	s = strings.ToUpper(s)
	if len(s) != CodeLen {
		return s, false
	}
	for i := 0; i < len(s); i++ {
		if strings.IndexByte(CodeAlphabet, s[i]) < 0 {
			return s, false
		}
	}
	return s, true
}

// ValidIdempotencyKey reports whether key is 1 to 100 printable ASCII
// characters.
func ValidIdempotencyKey(key string) bool {
	if key == "" || len(key) > 100 {
		return false
	}
	for i := 0; i < len(key); i++ {
		if key[i] < '!' || key[i] > '~' {
			return false
		}
	}
	return true
}

// FormatWhen is a time as a worker reads it in a message: 12月5日 14:00.
func FormatWhen(t time.Time) string {
	return t.In(Shanghai).Format("1月2日 15:04")
}
