package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"yizhan/internal/pgtest"
)

// syncBuffer is a log sink safe for two servers writing at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// startServer runs `api serve` in the background until the test ends.
func startServer(t *testing.T, env map[string]string) string {
	t.Helper()
	env = mapsClone(env)
	env["API_ADDR"] = freeAddr(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	logs := &syncBuffer{}
	go func() { done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, nil, logs, logs) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("server stopped with %v", err)
		}
	})
	base := "http://" + env["API_ADDR"]
	waitReady(t, base+"/readyz")
	return base
}

func mapsClone(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// nearestIDs asks a server for the stations nearest to a point.
func nearestIDs(t *testing.T, base string, lat, lng float64) []string {
	t.Helper()
	res, err := http.Get(fmt.Sprintf("%s/v1/stations/nearest?lat=%v&lng=%v&limit=50&radius_m=1000", base, lat, lng))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var page struct{ Items []struct{ ID string } }
	if err := json.NewDecoder(res.Body).Decode(&page); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, it := range page.Items {
		ids = append(ids, it.ID)
	}
	return ids
}

// waitFor polls until cond holds, and returns how long that took.
func waitFor(t *testing.T, limit time.Duration, what string, cond func() bool) time.Duration {
	t.Helper()
	start := time.Now()
	for !cond() {
		if time.Since(start) > limit {
			t.Fatalf("%s: not after %v", what, limit)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return time.Since(start)
}

// Two API processes on one database: a write through one is found by the
// other's nearest search within a second, and still found after the other's
// change listener is killed.
func TestWritesReachOtherProcesses(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t)
	env := map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error", "SEARCH_RECONCILE_INTERVAL": "700ms", "RATE_LIMIT_PUBLIC": "off"}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"staff", "create", "--username", "admin1", "--role", "admin"}, func(k string) string { return env[k] }, strings.NewReader("a long enough password\n"), &out, &out); err != nil {
		t.Fatal(err)
	}
	a, b := startServer(t, env), startServer(t, env)
	res := postJSON(t, a+"/v1/auth/staff/login", "", `{"username":"admin1","password":"a long enough password"}`)
	var tok struct{ Token string }
	if err := json.NewDecoder(res.Body).Decode(&tok); err != nil {
		t.Fatal(err)
	}
	res.Body.Close()

	create := func(lat, lng float64) string {
		t.Helper()
		res := postJSON(t, a+"/v1/stations", tok.Token, fmt.Sprintf(`{"name":"驿站","address":"浦江","district_code":"330726","location":{"lat":%v,"lng":%v},"host":{"type":"shop"},"hours":{"always_open":true}}`, lat, lng))
		defer res.Body.Close()
		var s struct{ ID string }
		if err := json.NewDecoder(res.Body).Decode(&s); err != nil || res.StatusCode != 201 {
			t.Fatalf("create: %d %v", res.StatusCode, err)
		}
		return s.ID
	}
	has := func(base string, lat, lng float64, id string) func() bool {
		return func() bool {
			for _, x := range nearestIDs(t, base, lat, lng) {
				if x == id {
					return true
				}
			}
			return false
		}
	}

	id := create(29.45, 119.89)
	if !has(a, 29.45, 119.89, id)() {
		t.Fatal("the writing process does not find its own write when the write returns")
	}
	lag := waitFor(t, time.Second, "the other process finds the write", has(b, 29.45, 119.89, id))
	t.Logf("write-to-visible lag on the other process: %v", lag)

	// Kill every change listener (both processes'), then write.
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var killed int
	if err := conn.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN station_changes'`).Scan(&killed); err != nil {
		t.Fatal(err)
	}
	if killed != 2 {
		t.Fatalf("killed %d listeners, want 2", killed)
	}
	id2 := create(29.46, 119.90)
	lag = waitFor(t, 3*time.Second, "the other process converges after losing its listener", has(b, 29.46, 119.90, id2))
	t.Logf("after the listener was killed: visible after %v", lag)

	// And the listener is back: a later write arrives fast again.
	waitFor(t, 5*time.Second, "listeners reconnect", func() bool {
		var n int
		_ = conn.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND query = 'LISTEN station_changes'`).Scan(&n)
		return n == 2
	})
	id3 := create(29.47, 119.91)
	waitFor(t, time.Second, "the other process finds a write after reconnecting", has(b, 29.47, 119.91, id3))
}
