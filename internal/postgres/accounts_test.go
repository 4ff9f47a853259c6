package postgres_test

import (
	"context"
	"testing"
	"time"

	"yizhan/internal/apperr"
	"yizhan/internal/auth"
	"yizhan/internal/pgtest"
	"yizhan/internal/postgres"
	"yizhan/internal/station"
)

func newAccountsEnv(t *testing.T) (*auth.Service, *time.Time) {
	t.Helper()
	db, err := postgres.Open(context.Background(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(db.Close)
	now := time.Date(2026, 11, 30, 10, 0, 0, 0, time.UTC)
	cfg := auth.DefaultConfig
	cfg.Hash = auth.HashParams{Memory: 1024, Time: 1, Threads: 1}
	svc, err := auth.NewService(postgres.NewAuthStore(db), cfg, func() time.Time { return now })
	if err != nil {
		t.Fatal(err)
	}
	return svc, &now
}

func mustAddStaff(t *testing.T, svc *auth.Service, username string, role auth.Role, districts ...string) {
	t.Helper()
	if _, err := svc.AddStaff(context.Background(), auth.CommandLine, username, "a long enough password", role, districts, station.ValidDivisionCode); err != nil {
		t.Fatalf("add %s: %v", username, err)
	}
}

func wantCode(t *testing.T, what string, err error, want apperr.Code) {
	t.Helper()
	if got := apperr.CodeOf(err); err == nil || got != want {
		t.Errorf("%s: got %v, want %s", what, err, want)
	}
}

// A disabled account's tokens stop working at once, it cannot sign in, and
// enabling it again lets it sign in without reviving the old tokens.
func TestDisableStaff(t *testing.T) {
	t.Parallel()
	svc, _ := newAccountsEnv(t)
	ctx := context.Background()
	mustAddStaff(t, svc, "pujiang", auth.DistrictStaff, "330726")
	token, _, err := svc.Login(ctx, "pujiang", "a long enough password", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Authenticate(ctx, token); err != nil {
		t.Fatalf("fresh token refused: %v", err)
	}
	if err := svc.DisableStaff(ctx, auth.CommandLine, "Pujiang"); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Authenticate(ctx, token)
	wantCode(t, "token of a disabled account", err, apperr.Unauthorized)
	_, _, err = svc.Login(ctx, "pujiang", "a long enough password", "10.0.0.1")
	wantCode(t, "login to a disabled account", err, apperr.Unauthorized)
	if err := svc.DisableStaff(ctx, auth.CommandLine, "pujiang"); err != nil {
		t.Errorf("disabling twice: %v", err)
	}
	list, err := svc.ListStaff(ctx, auth.CommandLine)
	if err != nil || len(list) != 1 || !list[0].Disabled() {
		t.Fatalf("list after disable: %+v %v", list, err)
	}

	if err := svc.EnableStaff(ctx, auth.CommandLine, "pujiang"); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Authenticate(ctx, token)
	wantCode(t, "a token from before the disable, after enable", err, apperr.Unauthorized)
	token2, _, err := svc.Login(ctx, "pujiang", "a long enough password", "10.0.0.1")
	if err != nil {
		t.Fatalf("login after enable: %v", err)
	}
	if _, err := svc.Authenticate(ctx, token2); err != nil {
		t.Errorf("token after enable refused: %v", err)
	}
}

// Who may administer accounts, and what each refusal says.
func TestAccountRules(t *testing.T) {
	t.Parallel()
	svc, _ := newAccountsEnv(t)
	ctx := context.Background()
	mustAddStaff(t, svc, "root", auth.Admin)
	mustAddStaff(t, svc, "pujiang", auth.DistrictStaff, "330726")
	admin := &auth.Principal{Username: "root", Role: auth.Admin}
	district := &auth.Principal{Username: "pujiang", Role: auth.DistrictStaff, Districts: []string{"330726"}}

	wantCode(t, "district staff disables", svc.DisableStaff(ctx, district, "root"), apperr.Forbidden)
	_, err := svc.ListStaff(ctx, district)
	wantCode(t, "district staff lists", err, apperr.Forbidden)
	_, err = svc.AddStaff(ctx, district, "newbie", "a long enough password", auth.DistrictStaff, []string{"330726"}, station.ValidDivisionCode)
	wantCode(t, "district staff creates", err, apperr.Forbidden)
	wantCode(t, "district staff resets", svc.ResetPassword(ctx, district, "root", "another long password"), apperr.Forbidden)
	wantCode(t, "a worker unlocks", svc.UnlockStaff(ctx, &auth.Principal{}, "root"), apperr.Forbidden)
	wantCode(t, "admin disables self", svc.DisableStaff(ctx, admin, "root"), apperr.Conflict)
	for _, name := range []string{"nobody", "x", "名字", ""} {
		wantCode(t, "disable "+name, svc.DisableStaff(ctx, admin, name), apperr.NotFound)
		wantCode(t, "enable "+name, svc.EnableStaff(ctx, admin, name), apperr.NotFound)
		wantCode(t, "unlock "+name, svc.UnlockStaff(ctx, admin, name), apperr.NotFound)
		wantCode(t, "reset "+name, svc.ResetPassword(ctx, admin, name, "another long password"), apperr.NotFound)
	}
	wantCode(t, "short password", svc.ResetPassword(ctx, admin, "pujiang", "short"), apperr.Invalid)
	if err := svc.DisableStaff(ctx, admin, "pujiang"); err != nil {
		t.Errorf("admin disables district staff: %v", err)
	}
}

// Resetting a password signs the account out everywhere.
func TestResetPasswordRevokesSessions(t *testing.T) {
	t.Parallel()
	svc, _ := newAccountsEnv(t)
	ctx := context.Background()
	mustAddStaff(t, svc, "pujiang", auth.DistrictStaff, "330726")
	token, _, err := svc.Login(ctx, "pujiang", "a long enough password", "10.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	if err := svc.ResetPassword(ctx, auth.CommandLine, "pujiang", "a brand new password"); err != nil {
		t.Fatal(err)
	}
	_, err = svc.Authenticate(ctx, token)
	wantCode(t, "token after a reset", err, apperr.Unauthorized)
	_, _, err = svc.Login(ctx, "pujiang", "a long enough password", "10.0.0.1")
	wantCode(t, "old password", err, apperr.Unauthorized)
	if _, _, err := svc.Login(ctx, "pujiang", "a brand new password", "10.0.0.1"); err != nil {
		t.Errorf("new password: %v", err)
	}
}

// Failed logins lock a username; the list shows it, and unlocking lets its
// owner in at once, from the same address.
func TestUnlockStaff(t *testing.T) {
	t.Parallel()
	svc, _ := newAccountsEnv(t)
	ctx := context.Background()
	mustAddStaff(t, svc, "pujiang", auth.DistrictStaff, "330726")
	mustAddStaff(t, svc, "pujiang2", auth.DistrictStaff, "330726")
	for range auth.DefaultConfig.UserFailures {
		_, _, err := svc.Login(ctx, "pujiang", "wrong password!", "10.0.0.1")
		wantCode(t, "wrong password", err, apperr.Unauthorized)
	}
	// A neighbour whose name begins the same is not touched.
	_, _, _ = svc.Login(ctx, "pujiang2", "wrong password!", "10.0.0.1")
	_, _, err := svc.Login(ctx, "pujiang", "a long enough password", "10.0.0.1")
	wantCode(t, "the right password while locked", err, apperr.RateLimited)

	list, err := svc.ListStaff(ctx, auth.CommandLine)
	if err != nil {
		t.Fatal(err)
	}
	if got := list[0]; got.Username != "pujiang" || !got.Locked || got.Failures != 5 || got.FailuresFromOneAddr != 5 {
		t.Errorf("locked account listed as %+v", got)
	}
	if got := list[1]; got.Username != "pujiang2" || got.Locked || got.Failures != 1 {
		t.Errorf("neighbour listed as %+v", got)
	}
	if err := svc.UnlockStaff(ctx, auth.CommandLine, "pujiang"); err != nil {
		t.Fatal(err)
	}
	if _, _, err := svc.Login(ctx, "pujiang", "a long enough password", "10.0.0.1"); err != nil {
		t.Errorf("login after unlock: %v", err)
	}
	list, _ = svc.ListStaff(ctx, auth.CommandLine)
	if list[0].Locked || list[0].Failures != 0 || list[1].Failures != 1 {
		t.Errorf("after unlock: %+v", list)
	}
}
