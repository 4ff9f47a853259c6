package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// privateServer starts a PostgreSQL server of this test's own, which the test
// may stop and start without disturbing the others. It needs the script that
// `make test` names in YIZHAN_PG_SCRIPT.
func privateServer(t *testing.T) (dbURL string, stop, start func()) {
	t.Helper()
	script := os.Getenv("YIZHAN_PG_SCRIPT")
	if script == "" {
		t.Skip("YIZHAN_PG_SCRIPT is not set: run with `make test`")
	}
	name := fmt.Sprintf("fault-%d", os.Getpid())
	port := strings.Split(freeAddr(t), ":")[1]
	pg := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(script, args...).Output()
		if err != nil {
			t.Fatalf("pg.sh %v: %v", args, err)
		}
		return strings.TrimSpace(string(out))
	}
	admin := pg("start", name, port)
	dir := pg("datadir", name)
	t.Cleanup(func() {
		_ = exec.Command(script, "stop", name).Run()
		if strings.Contains(filepath.Base(dir), name) {
			_ = os.RemoveAll(dir)
		}
	})
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, admin)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, `CREATE DATABASE yizhan`); err != nil {
		t.Fatal(err)
	}
	conn.Close(ctx)
	dbURL = strings.Replace(admin, "/postgres?", "/yizhan?", 1)
	return dbURL, func() { pg("stop", name) }, func() { pg("start", name, port) }
}

type answer struct {
	status int
	header http.Header
	body   string
}

func call(t *testing.T, method, url, token, body string) answer {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequest(method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return answer{res.StatusCode, res.Header, string(b)}
}

// With PostgreSQL stopped, couriers still find stations from the index,
// writes answer 503 and change nothing, /readyz says why; when it comes
// back, everything recovers without a restart.
func TestSurvivesDatabaseOutage(t *testing.T) {
	t.Parallel()
	dbURL, stopDB, startDB := privateServer(t)
	env := map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error", "SEARCH_RECONCILE_INTERVAL": "200ms", "RATE_LIMIT_PUBLIC": "off"}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"migrate"}, getenv, nil, &out, &out); err != nil {
		t.Fatal(err)
	}
	if err := run(context.Background(), []string{"staff", "create", "--username", "admin1", "--role", "admin"}, getenv, strings.NewReader("a long enough password\n"), &out, &out); err != nil {
		t.Fatal(err)
	}
	base := startServer(t, env)
	var tok struct{ Token string }
	login := call(t, "POST", base+"/v1/auth/staff/login", "", `{"username":"admin1","password":"a long enough password"}`)
	if err := json.Unmarshal([]byte(login.body), &tok); err != nil {
		t.Fatal(err)
	}
	station := func(name string) string {
		return fmt.Sprintf(`{"name":%q,"address":"浦江","district_code":"330726","location":{"lat":29.45,"lng":119.89},"host":{"type":"shop"},"hours":{"always_open":true}}`, name)
	}
	if a := call(t, "POST", base+"/v1/stations", tok.Token, station("before")); a.status != 201 {
		t.Fatalf("create: %d %s", a.status, a.body)
	}

	stopDB()
	nearest := base + "/v1/stations/nearest?lat=29.45&lng=119.89"
	a := call(t, "GET", nearest, "", "")
	if a.status != 200 || !strings.Contains(a.body, `"before"`) || a.header.Get("X-Index-Age") == "" {
		t.Errorf("nearest with the database down: %d age %q %s", a.status, a.header.Get("X-Index-Age"), a.body)
	}
	a = call(t, "POST", base+"/v1/stations", tok.Token, station("during"))
	if a.status != 503 || a.header.Get("Retry-After") == "" || !strings.Contains(a.body, `"code":"unavailable"`) {
		t.Errorf("a write with the database down: %d Retry-After %q %s", a.status, a.header.Get("Retry-After"), a.body)
	}
	if a := call(t, "GET", base+"/v1/stations", "", ""); a.status != 503 {
		t.Errorf("a database read with the database down: %d %s", a.status, a.body)
	}
	a = call(t, "GET", base+"/readyz", "", "")
	if a.status != 503 || !strings.Contains(a.body, "database") {
		t.Errorf("/readyz with the database down: %d %s", a.status, a.body)
	}
	time.Sleep(1100 * time.Millisecond)
	if a := call(t, "GET", nearest, "", ""); a.header.Get("X-Index-Age") == "0" {
		t.Errorf("the index claims to be fresh a second into the outage")
	}

	startDB()
	waitFor(t, 20*time.Second, "/readyz after the database returns", func() bool {
		return call(t, "GET", base+"/readyz", "", "").status == 200
	})
	// The pool reconnects on its own; the 503'd write left nothing behind.
	waitFor(t, 10*time.Second, "a write after the database returns", func() bool {
		// "after" stands where "before" does: a duplicate on purpose.
		a := call(t, "POST", base+"/v1/stations?allow_duplicate=true", tok.Token, station("after"))
		if a.status != 201 && a.status != 503 {
			t.Errorf("a write while the pool reconnects: %d %s", a.status, a.body)
		}
		return a.status == 201
	})
	list := call(t, "GET", base+"/v1/stations?limit=100", "", "")
	if strings.Contains(list.body, `"during"`) || !strings.Contains(list.body, `"after"`) {
		t.Errorf("after recovery the registry holds: %s", list.body)
	}
	waitFor(t, 3*time.Second, "the index catches up", func() bool {
		a := call(t, "GET", nearest, "", "")
		return strings.Contains(a.body, `"after"`) && a.header.Get("X-Index-Age") == "0"
	})
}
