package httpapi_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"yizhan/internal/auth"
	"yizhan/internal/httpapi"
)

// withMetricsAndLog gives the server metrics and a log the test can read.
func withMetricsAndLog(log *logBuffer) func(*httpapi.Deps) {
	return func(d *httpapi.Deps) {
		d.Metrics = httpapi.NewMetrics(prometheus.NewRegistry())
		d.Log = slog.New(slog.NewJSONHandler(log, nil))
	}
}

// waitFor polls until ok reports true: the server records an abort after
// the client has gone, so there is no answer to wait on.
func waitFor(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(20 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if ok() {
			return
		}
	}
	t.Fatalf("gave up waiting for %s", what)
}

// metricsText is the server's /metrics page.
func (e *env) metricsText() string {
	e.t.Helper()
	res, err := http.Get(e.srv.URL + "/metrics")
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return string(b)
}

// importBody is a FeatureCollection of n good stations.
func importBody(n int) string {
	feats := make([]string, n)
	for i := range feats {
		feats[i] = fmt.Sprintf(`{"type":"Feature","geometry":{"type":"Point","coordinates":[%v,29.45]},"properties":{"name":"驿站 %d","address":"浦江","district_code":"330726","host":{"type":"shop"},"hours":{"always_open":true}}}`, 119.89+float64(i)*0.001, i)
	}
	return `{"type":"FeatureCollection","features":[` + strings.Join(feats, ",") + `]}`
}

func (e *env) stationCount() int {
	e.t.Helper()
	var n int
	if err := e.db.Pool.QueryRow(context.Background(), `SELECT count(*) FROM stations`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n
}

// checkRecorded499 waits until the route's abort is counted as 499 and
// logged so, and checks that nothing was counted or logged as a 5xx.
func (e *env) checkRecorded499(log *logBuffer, route string) {
	e.t.Helper()
	series := fmt.Sprintf(`yizhan_http_requests_total{method="%s",route="%s",status="499"} 1`, map[bool]string{true: "POST", false: "GET"}[strings.HasSuffix(route, "import")], route)
	waitFor(e.t, series, func() bool { return strings.Contains(e.metricsText(), series) })
	m := e.metricsText()
	for _, line := range strings.Split(m, "\n") {
		if strings.HasPrefix(line, "yizhan_http_requests_total") && strings.Contains(line, `status="5`) {
			e.t.Errorf("an abort counted as a server error: %s", line)
		}
	}
	// The line is logged just after the request is counted.
	waitFor(e.t, "the access log line with status 499", func() bool {
		return strings.Contains(log.String(), `"route":"`+route+`","status":499`)
	})
	if logs := log.String(); strings.Contains(logs, `"level":"ERROR"`) {
		e.t.Errorf("an abort logged as an error:\n%s", logs)
	}
}

// A client that hangs up in the middle of an import's upload is recorded as
// 499 client_closed, outside the server errors, and nothing is stored.
func TestImportAbortedMidUploadStoresNothing(t *testing.T) {
	t.Parallel()
	log := &logBuffer{}
	e := newEnv(t, withMetricsAndLog(log))
	admin := e.staff("admin1", auth.Admin)
	body := importBody(20)

	conn, err := net.Dial("tcp", strings.TrimPrefix(e.srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /v1/stations/import HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/geo+json\r\nContent-Length: %d\r\n\r\n%s",
		admin, len(body), body[:len(body)/2])
	conn.Close()

	e.checkRecorded499(log, "/v1/stations/import")
	if n := e.stationCount(); n != 0 {
		t.Errorf("%d stations stored by an aborted import", n)
	}
}

// lockStations holds an exclusive lock on the stations table until the
// returned function is called, so that a request touching it waits — as a
// slow database would make it — until the test has hung up.
func (e *env) lockStations() (release func()) {
	e.t.Helper()
	ctx := context.Background()
	tx, err := e.db.Pool.Begin(ctx)
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE stations IN ACCESS EXCLUSIVE MODE`); err != nil {
		e.t.Fatal(err)
	}
	return func() { _ = tx.Rollback(ctx) }
}

// waitingOnLock reports whether a query is waiting for the test's lock.
func (e *env) waitingOnLock() bool {
	var n int
	if err := e.db.Pool.QueryRow(context.Background(),
		`SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`).Scan(&n); err != nil {
		e.t.Fatal(err)
	}
	return n > 0
}

// A client that hangs up while its request waits on the database — an
// import being stored, a list being read — is recorded as 499, and the
// import stores nothing.
func TestRequestsAbortedWhileWorkingAre499(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name, method, path, route, body string
	}{
		{"import", "POST", "/v1/stations/import", "/v1/stations/import", importBody(20)},
		{"list", "GET", "/v1/stations?district_code=330726", "/v1/stations", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			log := &logBuffer{}
			e := newEnv(t, withMetricsAndLog(log))
			admin := e.staff("admin1", auth.Admin)
			release := e.lockStations()
			defer release()

			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var body io.Reader
			if tc.body != "" {
				body = strings.NewReader(tc.body)
			}
			hr, _ := http.NewRequestWithContext(ctx, tc.method, e.srv.URL+tc.path, body)
			hr.Header.Set("Authorization", "Bearer "+admin)
			hr.Header.Set("Content-Type", "application/geo+json")
			done := make(chan error, 1)
			go func() {
				res, err := http.DefaultClient.Do(hr)
				if err == nil {
					res.Body.Close()
				}
				done <- err
			}()
			waitFor(t, "the request to wait on the lock", e.waitingOnLock)
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Fatalf("the request was not aborted: %v", err)
			}
			e.checkRecorded499(log, tc.route)
			release()
			if n := e.stationCount(); n != 0 {
				t.Errorf("%d stations stored by an aborted import", n)
			}
		})
	}
}
