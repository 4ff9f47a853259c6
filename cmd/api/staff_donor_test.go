package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"yizhan/internal/pgtest"
)

// api staff create --role donor opens a caring unit's account, which takes
// no district codes.
func TestStaffCreateDonor(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	staff := func(stdin string, args ...string) (string, error) {
		var out bytes.Buffer
		err := run(context.Background(), append([]string{"staff"}, args...), getenv, strings.NewReader(stdin), &out, &out)
		return out.String(), err
	}
	if out, err := staff("a long enough password\n", "create", "--username", "aixin-unit", "--role", "donor"); err != nil || !strings.Contains(out, "created aixin-unit (donor)") {
		t.Fatalf("create donor: %q %v", out, err)
	}
	if _, err := staff("a long enough password\n", "create", "--username", "aixin-two", "--role", "donor", "--districts", "330726"); err == nil ||
		!strings.Contains(err.Error(), "no district") {
		t.Errorf("a donor with districts: %v", err)
	}
	if out, err := staff("", "list"); err != nil || !strings.Contains(out, "aixin-unit") || !strings.Contains(out, "donor") {
		t.Errorf("list: %q %v", out, err)
	}
}
