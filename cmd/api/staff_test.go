package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"yizhan/internal/pgtest"
)

// The staff subcommands, driven through run as an operator would, with
// their refusals in plain sentences.
func TestStaffCommands(t *testing.T) {
	t.Parallel()
	env := map[string]string{"DATABASE_URL": pgtest.NewDatabase(t), "LOG_LEVEL": "error"}
	getenv := func(k string) string { return env[k] }
	ctx := context.Background()
	staff := func(stdin string, args ...string) (string, error) {
		t.Helper()
		var out bytes.Buffer
		err := run(ctx, append([]string{"staff"}, args...), getenv, strings.NewReader(stdin), &out, &out)
		return out.String(), err
	}
	mustStaff := func(stdin string, args ...string) string {
		t.Helper()
		out, err := staff(stdin, args...)
		if err != nil {
			t.Fatalf("staff %v: %v", args, err)
		}
		return out
	}
	mustStaff("a long enough password\n", "create", "--username", "pujiang", "--role", "district_staff", "--districts", "330726")
	mustStaff("another long password\n", "create", "--username", "root", "--role", "admin")

	out := mustStaff("", "list")
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		rows = append(rows, strings.Join(strings.Fields(line)[:5], " "))
	}
	want := []string{"USERNAME ROLE DISTRICTS STATUS LOGIN", "pujiang district_staff 330726 active ok", "root admin - active ok"}
	if strings.Join(rows, "\n") != strings.Join(want, "\n") {
		t.Errorf("list:\n%s\nwant rows starting\n%s", out, strings.Join(want, "\n"))
	}

	mustStaff("", "disable", "--username", "pujiang")
	if out := mustStaff("", "list"); !strings.Contains(out, "disabled since") {
		t.Errorf("list does not show the disabled account:\n%s", out)
	}
	mustStaff("", "enable", "--username", "pujiang")
	mustStaff("a new long password\n", "passwd", "--username", "pujiang")
	mustStaff("", "unlock", "--username", "pujiang")

	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"disable", "--username", "nobody"}, `there is no staff account with the username "nobody"`},
		{"", []string{"unlock", "--username", "nobody"}, `there is no staff account with the username "nobody"`},
		{"x\n", []string{"passwd", "--username", "nobody"}, `the password must be 10 to 200 characters`},
		{"long enough password\n", []string{"passwd", "--username", "nobody"}, `there is no staff account with the username "nobody"`},
		{"another long password\n", []string{"create", "--username", "pujiang", "--role", "admin"}, "already exists"},
		{"short\n", []string{"create", "--username", "x", "--role", "boss"}, "username: must be 3–40 characters"},
		{"", []string{"disable"}, "needs --username"},
		{"", []string{"list", "--username", "root"}, "takes no --username"},
		{"", []string{"enable", "--username", "root", "--role", "admin"}, "takes no --role"},
		{"", []string{"frobnicate", "--username", "root"}, `unknown staff command "frobnicate"`},
		{"", nil, "usage:"},
	} {
		_, err := staff(c.stdin, c.args...)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("staff %v: got %v, want %q", c.args, err, c.want)
			continue
		}
		for _, sql := range []string{"ERROR", "SQLSTATE", "constraint", "duplicate key", "conflict:", "not_found:"} {
			if strings.Contains(err.Error(), sql) {
				t.Errorf("staff %v: the error shows %q: %v", c.args, sql, err)
			}
		}
	}
}
