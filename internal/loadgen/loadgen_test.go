package loadgen

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// Latency counts from when a request was due: a server that can answer 100
// requests a second, sent 200 a second for a second, leaves the last ones
// waiting about a second — where a closed-loop generator would report the
// 10 ms each answer takes once it starts.
func TestLatencyCountsFromWhenDue(t *testing.T) {
	var one sync.Mutex // the server does one request at a time, 10 ms each
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		one.Lock()
		time.Sleep(10 * time.Millisecond)
		one.Unlock()
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	r, err := Run(context.Background(), Config{Rate: 200, Duration: time.Second, Conns: 16,
		URL: func(int, *rand.Rand) string { return srv.URL }})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != 200 || r.OK != 200 {
		t.Fatalf("%v", r)
	}
	if r.P50 < 150 || r.P99 < 600 || r.Rate > 130 {
		t.Errorf("an overloaded server measured as %v; want a median over 150 ms, p99 over 600 ms, under 130 req/s", r)
	}
}

// Below capacity the latency is the server's own, and failures count.
func TestRunBelowCapacity(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("i") == "7" {
			http.Error(w, "no", http.StatusServiceUnavailable)
			return
		}
		time.Sleep(2 * time.Millisecond)
		_, _ = w.Write([]byte("ok"))
	}))
	defer srv.Close()
	r, err := Run(context.Background(), Config{Rate: 400, Duration: 500 * time.Millisecond, Conns: 32,
		URL: func(i int, _ *rand.Rand) string {
			if i == 7 {
				return srv.URL + "?i=7"
			}
			return srv.URL
		}})
	if err != nil {
		t.Fatal(err)
	}
	if r.Sent != 200 || r.OK != 199 || r.Failed != 1 || r.P50 < 2 || r.P50 > 50 {
		t.Errorf("%v", r)
	}
}
