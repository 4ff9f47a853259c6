package worker

import (
	"context"
	"time"

	"github.com/google/uuid"

	"yizhan/internal/apperr"
)

// Store keeps workers and their applications. Each method is one
// transaction. "Live" workers are those not erased; an erased worker is
// NotFound everywhere.
type Store interface {
	// SignIn returns the live worker with w.OpenID, or stores w when there
	// is none (created is then true). A non-empty w.UnionID replaces the
	// stored one; an empty one keeps it.
	SignIn(ctx context.Context, w Worker) (_ Worker, created bool, _ error)
	// Get returns a live worker, or NotFound.
	Get(ctx context.Context, id uuid.UUID) (Worker, error)
	// UpdateProfile locks the live worker, calls change and stores what it
	// left of the profile (never the membership). Returns NotFound, change's
	// error, or TooSoon when the database refuses a home county changed too
	// soon after the last change.
	UpdateProfile(ctx context.Context, id uuid.UUID, change func(*Worker) error) (Worker, error)
	// Erase removes the worker's personal data, and that of their
	// applications, withdraws a pending application (audited as decided by
	// decidedBy at now) and revokes every session of the worker, keeping an
	// anonymous row. Returns NotFound when there is no such live worker.
	Erase(ctx context.Context, id uuid.UUID, now time.Time, decidedBy string) error
	// CreateApplication locks the live worker, calls check with it, and
	// stores a. Returns NotFound, check's error, or Conflict when the worker
	// already has a pending application (the database refuses a second).
	CreateApplication(ctx context.Context, a Application, check func(Worker) error) error
	// LatestApplication returns the worker's newest application, or
	// NotFound.
	LatestApplication(ctx context.Context, workerID uuid.UUID) (Application, error)
	// ListApplications returns live workers' applications in id order.
	ListApplications(ctx context.Context, f ApplicationFilter) ([]Application, error)
	// DecideApplication locks the application and its worker and calls
	// decide, then stores the decision decide wrote into the application.
	// When decide approved it, the worker becomes a member, with the next
	// membership number, since the decision, of the application's county
	// (MemberDistrictCode); approved is then called with
	// the application and the member inside the same transaction, and an
	// error from it undoes the whole decision. Returns NotFound, or the
	// error of decide or approved.
	DecideApplication(ctx context.Context, id uuid.UUID, decide func(a *Application, w Worker) error,
		approved func(ctx context.Context, a Application, member Worker) error) (Application, error)
	// RecordLoginAttempt records an attempt for subject at now unless limit
	// attempts were recorded after since, and reports whether it did.
	// Attempts before since are forgotten.
	RecordLoginAttempt(ctx context.Context, subject string, now, since time.Time, limit int) (bool, error)
}

// WeChat exchanges a mini-program's wx.login code for the worker's
// identity (auth.code2Session).
type WeChat interface {
	// Code2Session returns the identity behind code. Returns Unauthorized
	// for a bad or used code, RateLimited, Forbidden for a user WeChat
	// deems high-risk, or Unavailable (with RetryAfter) when WeChat is busy,
	// failing or too slow.
	Code2Session(ctx context.Context, code string) (Identity, error)
}

// Tokens opens workers' sessions; *auth.Service is one.
type Tokens interface {
	// IssueWorkerToken returns a new bearer token for the worker and when it
	// expires. Returns NotFound when the worker is not live.
	IssueWorkerToken(ctx context.Context, workerID uuid.UUID) (string, time.Time, error)
}

// Staff is a union staff member handling applications; *auth.Principal is
// one.
type Staff interface {
	// ActorName names the staff member in audit records.
	ActorName() string
	// CanManageDistrict reports whether they may act in the county.
	CanManageDistrict(code string) bool
	// DistrictScope returns the division codes they act in, or all=true
	// when they act everywhere.
	DistrictScope() (codes []string, all bool)
}

// Config tunes the Service.
type Config struct {
	// At most LoginsPerAddr mini-program logins from one client address
	// within LoginWindow.
	LoginsPerAddr int
	LoginWindow   time.Duration
}

// DefaultConfig is the production configuration. The limit is generous
// because many couriers share a carrier's NAT address, and each signs in
// about once a month.
var DefaultConfig = Config{LoginsPerAddr: 60, LoginWindow: 10 * time.Minute}

// Service applies the rules for workers: signing in, profiles, erasure and
// membership applications.
type Service struct {
	store  Store
	wechat WeChat
	tokens Tokens
	cfg    Config
	now    func() time.Time
	// OnApproved, when set, is called for every approved application inside
	// the approval's transaction, after the worker has become a member; an
	// error undoes the approval. The benefits module grants the welcome
	// benefit here.
	OnApproved func(ctx context.Context, a Application, member Worker) error
}

// NewService returns a Service. wechat may be nil when mini-program login is
// not configured (Login then answers Unavailable); now may be nil.
func NewService(store Store, wechat WeChat, tokens Tokens, cfg Config, now func() time.Time) *Service {
	if now == nil {
		now = time.Now
	}
	return &Service{store: store, wechat: wechat, tokens: tokens, cfg: cfg, now: now}
}

func (s *Service) clock() time.Time { return s.now().UTC().Truncate(time.Microsecond) }

// SignedIn is the result of a login.
type SignedIn struct {
	Worker    Worker
	IsNew     bool // the worker was created by this login
	Token     string
	ExpiresAt time.Time
}

// maxCode bounds a wx.login code; real ones are 32 characters.
const maxCode = 128

// Login exchanges a wx.login code with WeChat, creates the worker on their
// first login, and opens a session. Returns Invalid for a missing or
// malformed code, RateLimited when the client address has made too many
// logins, or the errors of WeChat.Code2Session.
func (s *Service) Login(ctx context.Context, code, clientAddr string) (SignedIn, error) {
	var p apperr.Problems
	switch {
	case code == "":
		p.Add("code", "required", "is required: the code wx.login gave the mini-program")
	case len(code) > maxCode || !printableASCII(code):
		p.Add("code", "format", "must be the code wx.login gave the mini-program")
	}
	if err := p.Err(); err != nil {
		return SignedIn{}, err
	}
	now := s.clock()
	ok, err := s.store.RecordLoginAttempt(ctx, "addr:"+clientAddr, now, now.Add(-s.cfg.LoginWindow), s.cfg.LoginsPerAddr)
	if err != nil {
		return SignedIn{}, err
	}
	if !ok {
		return SignedIn{}, &apperr.Error{Code: apperr.RateLimited, Message: "too many logins from this address; wait and try again", RetryAfter: s.cfg.LoginWindow}
	}
	if s.wechat == nil {
		return SignedIn{}, &apperr.Error{Code: apperr.Unavailable, Message: "WeChat login is not configured on this server", RetryAfter: time.Hour}
	}
	id, err := s.wechat.Code2Session(ctx, code)
	if err != nil {
		return SignedIn{}, err
	}
	return s.signIn(ctx, id)
}

func printableASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// SignInAs opens a session for the worker with the openid, creating the
// worker when needed, without asking WeChat. It is for the operator's
// command line (a local demo); no HTTP route reaches it. Returns Invalid for
// an empty or overlong openid.
func (s *Service) SignInAs(ctx context.Context, openid string) (SignedIn, error) {
	if openid == "" || len(openid) > maxCode || !printableASCII(openid) {
		return SignedIn{}, apperr.New(apperr.Invalid, "the openid must be 1 to %d printable ASCII characters", maxCode)
	}
	return s.signIn(ctx, Identity{OpenID: openid})
}

func (s *Service) signIn(ctx context.Context, id Identity) (SignedIn, error) {
	if id.OpenID == "" || len(id.OpenID) > maxCode || len(id.UnionID) > maxCode {
		return SignedIn{}, &apperr.Error{Code: apperr.Unavailable, Message: "WeChat answered without a usable openid"}
	}
	wid, err := uuid.NewV7()
	if err != nil {
		return SignedIn{}, err
	}
	now := s.clock()
	w, created, err := s.store.SignIn(ctx, Worker{ID: wid, OpenID: id.OpenID, UnionID: id.UnionID, CreatedAt: now, UpdatedAt: now})
	if err != nil {
		return SignedIn{}, err
	}
	token, exp, err := s.tokens.IssueWorkerToken(ctx, w.ID)
	if err != nil {
		return SignedIn{}, err
	}
	return SignedIn{Worker: w, IsNew: created, Token: token, ExpiresAt: exp}, nil
}

// Get returns the live worker, or NotFound.
func (s *Service) Get(ctx context.Context, id uuid.UUID) (Worker, error) {
	return s.store.Get(ctx, id)
}

// UpdateProfile applies the patch to the worker's profile. Returns Invalid
// with every offending field, NotFound, or TooSoon when a non-member's home
// county changed less than CountyChangeInterval ago.
func (s *Service) UpdateProfile(ctx context.Context, id uuid.UUID, patch ProfilePatch) (Worker, error) {
	// Validate before taking any lock, so a bad patch costs no transaction.
	if err := patch.apply(&Worker{}, time.Time{}); err != nil {
		return Worker{}, err
	}
	return s.store.UpdateProfile(ctx, id, func(w *Worker) error {
		now := s.clock()
		if err := patch.apply(w, now); err != nil {
			return err
		}
		w.UpdatedAt = now
		return nil
	})
}

// Erase exercises the worker's right to deletion (PIPL art. 47): their
// personal data and those of their applications are erased, a pending
// application is withdrawn, and every token of theirs is revoked. An
// anonymous row remains for counts. Returns NotFound.
func (s *Service) Erase(ctx context.Context, id uuid.UUID) error {
	return s.store.Erase(ctx, id, s.clock(), "worker:"+id.String())
}

// Apply files the worker's membership application. Returns Invalid with
// every offending field, NotFound, or Conflict when the worker is already a
// member or already has a pending application.
func (s *Service) Apply(ctx context.Context, workerID uuid.UUID, in ApplicationInput) (Application, error) {
	a, err := in.validate()
	if err != nil {
		return Application{}, err
	}
	if a.ID, err = uuid.NewV7(); err != nil {
		return Application{}, err
	}
	now := s.clock()
	a.WorkerID, a.Status, a.ConsentedAt, a.CreatedAt = workerID, Pending, now, now
	err = s.store.CreateApplication(ctx, a, func(w Worker) error {
		if w.IsMember() {
			return apperr.New(apperr.Conflict, "you are already a union member (membership number %s)", w.MembershipNo)
		}
		return nil
	})
	if err != nil {
		return Application{}, err
	}
	return a, nil
}

// MyApplication returns the worker's newest application, or NotFound.
func (s *Service) MyApplication(ctx context.Context, workerID uuid.UUID) (Application, error) {
	return s.store.LatestApplication(ctx, workerID)
}

// ListApplications returns the applications in the staff member's
// districts that match f; f.Districts is set from the staff member.
func (s *Service) ListApplications(ctx context.Context, staff Staff, f ApplicationFilter) ([]Application, error) {
	codes, all := staff.DistrictScope()
	f.Districts = nil
	if !all {
		f.Districts = append([]string{}, codes...) // empty, not nil: no district at all
	}
	return s.store.ListApplications(ctx, f)
}

// Approve makes the applicant a union member, with a membership number and
// member_since, and runs OnApproved, all in one transaction. Returns
// NotFound, Forbidden when the application's district is outside the
// staff member's, or Conflict when it is not pending.
func (s *Service) Approve(ctx context.Context, staff Staff, id uuid.UUID) (Application, error) {
	return s.store.DecideApplication(ctx, id, s.decide(staff, Approved, ""), func(ctx context.Context, a Application, member Worker) error {
		if s.OnApproved == nil {
			return nil
		}
		return s.OnApproved(ctx, a, member)
	})
}

// Reject refuses the application, recording why. The worker may apply
// again. Returns Invalid (a missing or overlong reason), NotFound,
// Forbidden or Conflict, as Approve.
func (s *Service) Reject(ctx context.Context, staff Staff, id uuid.UUID, reason string) (Application, error) {
	reason, err := validReason(reason)
	if err != nil {
		return Application{}, err
	}
	return s.store.DecideApplication(ctx, id, s.decide(staff, Rejected, reason), nil)
}

func (s *Service) decide(staff Staff, to Status, reason string) func(*Application, Worker) error {
	return func(a *Application, w Worker) error {
		if !staff.CanManageDistrict(a.DistrictCode) {
			return apperr.New(apperr.Forbidden, "you may not decide applications of district %s", a.DistrictCode)
		}
		if a.Status != Pending {
			return apperr.New(apperr.Conflict, "the application is already %s", apperr.Word(a.Status))
		}
		if to == Approved && w.IsMember() {
			return apperr.New(apperr.Conflict, "the applicant is already a member")
		}
		a.Status, a.DecidedBy, a.DecidedAt, a.Reason = to, staff.ActorName(), s.clock(), reason
		return nil
	}
}
