package main

import (
	"context"
	"io"
	"net/http"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"yizhan/internal/coverage"
	"yizhan/internal/pgtest"
)

// The demand counted since the last flush is written when the server
// stops, after the last request: nothing counted is lost to a restart.
func TestDemandIsFlushedAtShutdown(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.NewDatabase(t)
	env := map[string]string{"DATABASE_URL": dbURL, "LOG_LEVEL": "error", "API_ADDR": freeAddr(t), "RATE_LIMIT_PUBLIC": "off",
		"DEMAND_FLUSH_INTERVAL": "1h"}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, []string{"serve"}, func(k string) string { return env[k] }, nil, io.Discard, io.Discard)
	}()
	base := "http://" + env["API_ADDR"]
	waitReady(t, base+"/readyz")
	for range 7 {
		res, err := http.Get(base + "/v1/stations/nearest?lat=29.449&lng=119.8969")
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("nearest: %d", res.StatusCode)
		}
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("the server did not stop")
	}
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	var cell, n int64
	if err := conn.QueryRow(context.Background(), `SELECT min(cell), coalesce(sum(count), 0) FROM demand_searches`).Scan(&cell, &n); err != nil {
		t.Fatal(err)
	}
	if want := coverage.CellOf([2]float64{119.8969, 29.449}); n != 7 || coverage.CellID(cell) != want {
		t.Errorf("stored %d searches in cell %x, want 7 in %x", n, cell, uint64(want))
	}
}

func TestDemandConfiguration(t *testing.T) {
	t.Parallel()
	base := map[string]string{"DATABASE_URL": "postgres://x"}
	get := func(extra map[string]string) func(string) string {
		return func(k string) string {
			if v, ok := extra[k]; ok {
				return v
			}
			return base[k]
		}
	}
	c, err := loadConfig(get(nil))
	if err != nil || !c.DemandCounting || c.Demand != coverage.DefaultConfig {
		t.Fatalf("defaults: %+v %v", c.Demand, err)
	}
	c, err = loadConfig(get(map[string]string{"DEMAND_COUNTING": "off", "DEMAND_FLUSH_INTERVAL": "30s", "DEMAND_MIN_COUNT": "10", "DEMAND_RETENTION": "2400h"}))
	if err != nil || c.DemandCounting || c.Demand.FlushInterval != 30*time.Second || c.Demand.MinCount != 10 || c.Demand.Retention != 2400*time.Hour {
		t.Fatalf("set: %+v %v %v", c.Demand, c.DemandCounting, err)
	}
	for k, v := range map[string]string{"DEMAND_COUNTING": "yes", "DEMAND_FLUSH_INTERVAL": "0s", "DEMAND_MIN_COUNT": "0", "DEMAND_RETENTION": "400d"} {
		if _, err := loadConfig(get(map[string]string{k: v})); err == nil {
			t.Errorf("%s=%s accepted", k, v)
		}
	}
}
