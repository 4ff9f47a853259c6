package httpapi_test

import (
	"bufio"
	"encoding/json"
	"log/slog"
	"strings"
	"testing"

	"yizhan/internal/auth"
	"yizhan/internal/httpapi"
)

// The access log shows enough to see a brute force and no more: the client's
// network, not its address, and on staff routes the staff member's id,
// never their username.
func TestAccessLogKeepsNetworksAndStaffIDs(t *testing.T) {
	t.Parallel()
	logs := &logBuffer{}
	e := newEnv(t, func(d *httpapi.Deps) {
		d.Log = slog.New(slog.NewJSONHandler(logs, nil))
		d.TrustedProxies = []string{"127.0.0.1/32"} // the test's client is a trusted proxy: X-Forwarded-For names the client
	})
	token := e.staff("pujiang-logs", auth.DistrictStaff, "330726")
	p, err := e.auth.Authenticate(t.Context(), token)
	if err != nil {
		t.Fatal(err)
	}
	e.do(req{Method: "GET", Path: "/v1/benefits", Token: token, Header: map[string]string{"X-Forwarded-For": "203.0.113.77", "X-Request-ID": "staff-1"}})
	e.do(req{Method: "GET", Path: "/v1/amenities", Header: map[string]string{"X-Forwarded-For": "2001:db8:abcd:12:34::7", "X-Request-ID": "public-1"}})
	e.do(req{Method: "GET", Path: "/v1/amenities", Header: map[string]string{"X-Forwarded-For": "::ffff:198.51.100.9", "X-Request-ID": "mapped-1"}})

	lines := map[string]map[string]any{}
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	for sc.Scan() {
		var l map[string]any
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("a log line is not JSON: %s", sc.Text())
		}
		if id, _ := l["request_id"].(string); l["msg"] == "request" {
			lines[id] = l
		}
	}
	for _, tc := range []struct {
		id, client, staff string
	}{
		{"staff-1", "203.0.113.0/24", p.StaffID.String()},
		{"public-1", "2001:db8:abcd::/48", ""},
		{"mapped-1", "198.51.100.0/24", ""},
	} {
		l, ok := lines[tc.id]
		if !ok {
			t.Errorf("no access log line for %s in:\n%s", tc.id, logs.String())
			continue
		}
		if l["client"] != tc.client {
			t.Errorf("%s: client = %v, want %s", tc.id, l["client"], tc.client)
		}
		if got, _ := l["staff_id"].(string); got != tc.staff {
			t.Errorf("%s: staff_id = %q, want %q", tc.id, got, tc.staff)
		}
	}
	for _, secret := range []string{"pujiang-logs", "203.0.113.77", "2001:db8:abcd:12", "198.51.100.9", token} {
		if strings.Contains(logs.String(), secret) {
			t.Errorf("the logs contain %q", secret)
		}
	}
}
