package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"yizhan/internal/auth"
	"yizhan/internal/pgtest"
)

// SIGTERM to the real binary while writers are busy loses no accepted write
// and leaves nothing half written: every station answered 201 is stored with
// its history entry, and no station exists without one.
func TestShutdownUnderLoadLosesNothing(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t)
	env := map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error", "API_ADDR": freeAddr(t), "RATE_LIMIT_TOKEN": "off", "RATE_LIMIT_PUBLIC": "off"}
	getenv := func(k string) string { return env[k] }
	var out bytes.Buffer
	if err := run(context.Background(), []string{"staff", "create", "--username", "admin1", "--role", "admin"}, getenv, strings.NewReader("a long enough password\n"), &out, &out); err != nil {
		t.Fatal(err)
	}
	// The real binary, stopped by a real SIGTERM.
	cmd := exec.Command(apiBinary(t), "serve")
	for k, v := range env {
		cmd.Env = append(cmd.Env, k+"="+v)
	}
	var logs syncBuffer
	cmd.Stdout, cmd.Stderr = &logs, &logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	base := "http://" + env["API_ADDR"]
	waitReady(t, base+"/readyz")
	res := postJSON(t, base+"/v1/auth/staff/login", "", `{"username":"admin1","password":"a long enough password"}`)
	var tok struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()

	var (
		mu       sync.Mutex
		accepted []string
		wg       sync.WaitGroup
	)
	client := &http.Client{Timeout: 15 * time.Second}
	for w := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; ; i++ {
				body := fmt.Sprintf(`{"name":"w%d-%d","address":"浦江","district_code":"330726","location":{"lat":29.45,"lng":119.89},"host":{"type":"shop"},"hours":{"always_open":true}}`, w, i)
				req, _ := http.NewRequest("POST", base+"/v1/stations?allow_duplicate=true", strings.NewReader(body)) // all on one point
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set("Authorization", "Bearer "+tok.Token)
				res, err := client.Do(req)
				if err != nil {
					return // the server has stopped accepting
				}
				var s struct{ ID string }
				_ = json.NewDecoder(res.Body).Decode(&s)
				res.Body.Close()
				if res.StatusCode == 201 {
					mu.Lock()
					accepted = append(accepted, s.ID)
					mu.Unlock()
				}
			}
		}()
	}
	// Stop it mid-load: once writes are flowing, however slow the machine.
	waitFor(t, 20*time.Second, "writes flowing", func() bool {
		mu.Lock()
		defer mu.Unlock()
		return len(accepted) >= 200
	})
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve exited with %v after SIGTERM:\n%s", err, logs.b.String())
		}
	case <-time.After(20 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatal("the server did not stop within 20 s of SIGTERM")
	}
	wg.Wait()
	if len(accepted) < 10 {
		t.Fatalf("only %d writes were accepted before the stop; the load was too light to test anything", len(accepted))
	}

	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var missing, orphans int
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM unnest($1::uuid[]) AS a(id)
		WHERE NOT EXISTS (SELECT 1 FROM stations s JOIN station_history h ON h.station_id = s.id AND h.version = 1 WHERE s.id = a.id)`, accepted).Scan(&missing); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRow(context.Background(), `SELECT count(*) FROM stations s
		WHERE NOT EXISTS (SELECT 1 FROM station_history h WHERE h.station_id = s.id)`).Scan(&orphans); err != nil {
		t.Fatal(err)
	}
	if missing != 0 || orphans != 0 {
		t.Errorf("%d of %d accepted writes are lost; %d stations have no history", missing, len(accepted), orphans)
	}
	t.Logf("%d writes accepted before and during the stop; all stored", len(accepted))
}

var (
	binOnce sync.Once
	binPath string
	binErr  error
	binDir  string
)

// apiBinary builds cmd/api once per test run, for tests that need a real
// process (signals, memory). TestMain removes it.
func apiBinary(t testing.TB) string {
	t.Helper()
	binOnce.Do(func() {
		binDir, binErr = os.MkdirTemp("", "yizhan-api-test-")
		if binErr != nil {
			return
		}
		binPath = filepath.Join(binDir, "api")
		out, err := exec.Command("go", "build", "-o", binPath, ".").CombinedOutput()
		if err != nil {
			binErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binErr != nil {
		t.Fatal(binErr)
	}
	return binPath
}

func TestMain(m *testing.M) {
	auth.RunHasherIfChild() // `serve` in these tests starts this binary as its password hasher
	if spec := os.Getenv("YIZHAN_LOADGEN"); spec != "" {
		os.Exit(loadgenMain(spec)) // started by BenchmarkHTTPNearestOpenLoop as its load generator
	}
	code := m.Run()
	if binDir != "" {
		os.RemoveAll(binDir)
	}
	os.Exit(code)
}
