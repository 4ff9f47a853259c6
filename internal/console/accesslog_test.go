package console_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"yizhan/internal/auth"
	"yizhan/internal/console"
)

// lockedBuffer is a log sink the server's goroutines may share.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

func (l *lockedBuffer) lines() []map[string]any {
	l.mu.Lock()
	defer l.mu.Unlock()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.b.String()), "\n") {
		var m map[string]any
		if json.Unmarshal([]byte(line), &m) == nil {
			out = append(out, m)
		}
	}
	return out
}

// The console's request log shows what the API's does (issue 14): the
// client's network, never its address, and a signed-in staff member's id,
// never the username.
func TestConsoleRequestLog(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.staff(t, "pujiang", auth.DistrictStaff, "330726")
	var sink lockedBuffer
	c, err := console.New(console.Deps{Log: slog.New(slog.NewJSONHandler(&sink, nil)), Auth: e.Auth, Stations: e.Stations,
		Search: e.Search, Workers: e.Workers, Benefits: e.Benefits, Truth: e.Truth, Config: e.Config,
		ClientAddr: func(*http.Request) string { return "203.0.113.77" }})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)
	logged := &env{URL: srv.URL}
	client := logged.signedIn(t, "pujiang")
	res, err := client.Get(srv.URL + "/console/stations")
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusOK {
		t.Fatalf("stations page: %d", res.StatusCode)
	}

	id := e.staffID(t, "pujiang")
	// A request's line is written when its handler returns, which can be
	// after the client has read the answer: wait for it a little.
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if strings.Contains(sink.String(), `"route":"GET /console/stations"`) {
			break
		}
	}
	var sawStaff, sawLogin bool
	for _, l := range sink.lines() {
		if l["msg"] != "console request" {
			continue
		}
		if l["client"] != "203.0.113.0/24" {
			t.Errorf("client %v, want the /24: %v", l["client"], l)
		}
		raw, _ := json.Marshal(l)
		if strings.Contains(string(raw), "pujiang") || strings.Contains(string(raw), "203.0.113.77") {
			t.Errorf("a log line names the user or the full address: %s", raw)
		}
		switch l["route"] {
		case "GET /console/stations":
			sawStaff = l["staff_id"] == id
		case "POST /console/login":
			sawLogin = true
		}
	}
	if !sawStaff || !sawLogin {
		t.Errorf("log lines: staff id on the stations page %v, sign-in logged %v:\n%v", sawStaff, sawLogin, sink.lines())
	}
}
