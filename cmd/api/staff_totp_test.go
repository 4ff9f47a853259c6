package main

import (
	"bytes"
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"

	"yizhan/internal/pgtest"
)

// TestStaffTOTPCommand enrols a second factor from the command line, without
// prompts: print, confirm with a code, remove.
func TestStaffTOTPCommand(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t)
	env := map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "warn"}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	var out, logs bytes.Buffer
	cli := func(stdin string, args ...string) error {
		out.Reset()
		return run(ctx, args, getenv, strings.NewReader(stdin), &out, &logs)
	}
	if err := cli("", "migrate"); err != nil {
		t.Fatalf("migrate: %v\n%s", err, logs.String())
	}
	if err := cli("a long enough password\n", "staff", "create", "--username", "chief", "--role", "admin"); err != nil {
		t.Fatal(err)
	}
	if err := cli("", "staff", "totp", "--username", "chief"); err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^secret: ([A-Z2-7]+)\nuri: +(otpauth://totp/\S+)$`).FindStringSubmatch(out.String())
	if m == nil {
		t.Fatalf("enrolment printed %q", out.String())
	}
	secret := m[1]
	if err := cli("", "staff", "totp", "--username", "chief", "--code", "000000"); err == nil {
		t.Error("a wrong code confirmed the enrolment")
	}
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := cli("", "staff", "totp", "--username", "chief", "--code", code); err != nil {
		t.Fatalf("confirm: %v", err)
	}
	if err := cli("", "staff", "totp", "--username", "nobody"); err == nil {
		t.Error("enrolled an account that does not exist")
	}
	if err := cli("", "staff", "totp", "--username", "chief", "--disable"); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(logs.String(), secret) {
		t.Errorf("the secret reached the log: %s", logs.String())
	}
}
