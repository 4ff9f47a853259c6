package apidocs

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
)

// The vendored bundle is the one scripts/vendor-redoc.sh recorded.
func TestVendoredRedocMatchesItsRecord(t *testing.T) {
	t.Parallel()
	record, err := static.ReadFile("static/VENDOR.txt")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`(?m)^sha256:\s+([0-9a-f]{64})\b`).FindSubmatch(record)
	if m == nil {
		t.Fatalf("VENDOR.txt has no sha256 line:\n%s", record)
	}
	body, err := static.ReadFile("static/redoc.standalone.js")
	if err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(body)
	if got, want := hex.EncodeToString(sum[:]), string(m[1]); got != want {
		t.Errorf("redoc.standalone.js has sha256 %s; VENDOR.txt records %s", got, want)
	}
	for _, f := range []string{"static/LICENSE.redoc.txt", "static/redoc.standalone.js.LICENSE.txt"} {
		if _, err := static.ReadFile(f); err != nil {
			t.Errorf("the licence %s is missing: %v", f, err)
		}
	}
}

func get(t *testing.T, h http.Handler, method, path string, header ...string) *httptest.ResponseRecorder {
	t.Helper()
	r := httptest.NewRequest(method, path, nil)
	for i := 0; i+1 < len(header); i += 2 {
		r.Header.Set(header[i], header[i+1])
	}
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	return w
}

func TestServe(t *testing.T) {
	t.Parallel()
	spec := []byte("openapi: 3.0.3\ninfo:\n  title: 驿站\n" + strings.Repeat("# padding\n", 200))
	h := New(spec)

	w := get(t, h, "GET", "/openapi.yaml")
	if w.Code != 200 || !bytes.Equal(w.Body.Bytes(), spec) || w.Header().Get("Content-Type") != "application/yaml; charset=utf-8" {
		t.Fatalf("GET /openapi.yaml: %d %q %q", w.Code, w.Header().Get("Content-Type"), w.Body.String()[:20])
	}
	etag := w.Header().Get("ETag")
	if w := get(t, h, "GET", "/openapi.yaml", "If-None-Match", etag); w.Code != http.StatusNotModified || w.Body.Len() != 0 {
		t.Errorf("revalidation: %d with %d bytes", w.Code, w.Body.Len())
	}

	w = get(t, h, "GET", "/openapi.yaml", "Accept-Encoding", "br, gzip")
	if w.Header().Get("Content-Encoding") != "gzip" {
		t.Fatalf("no gzip for Accept-Encoding: br, gzip")
	}
	zr, err := gzip.NewReader(w.Body)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := io.ReadAll(zr); !bytes.Equal(got, spec) {
		t.Errorf("the gzip copy is not the spec")
	}
	if w := get(t, h, "GET", "/openapi.yaml", "Accept-Encoding", "gzip;q=0"); w.Header().Get("Content-Encoding") != "" {
		t.Errorf("gzip sent to a client that refuses it")
	}

	w = get(t, h, "GET", "/docs")
	if ct := w.Header().Get("Content-Type"); ct != "text/html; charset=utf-8" {
		t.Errorf("GET /docs: Content-Type %q", ct)
	}
	csp := w.Header().Get("Content-Security-Policy")
	if w.Code != 200 || !strings.Contains(w.Body.String(), `data-spec-url="/openapi.yaml"`) || !strings.Contains(csp, "script-src 'self';") {
		t.Errorf("GET /docs: %d, CSP %q", w.Code, csp)
	}
	if strings.Contains(csp, "unsafe-eval") || regexp.MustCompile(`script-src[^;]*unsafe-inline`).MatchString(csp) {
		t.Errorf("the CSP allows inline script or eval: %q", csp)
	}
	// No inline script on the page: every <script> has a src and no body.
	for _, m := range regexp.MustCompile(`<script([^>]*)>([^<]*)</script>`).FindAllStringSubmatch(w.Body.String(), -1) {
		if !strings.Contains(m[1], "src=") || strings.TrimSpace(m[2]) != "" {
			t.Errorf("inline script on /docs: %s", m[0])
		}
	}
	for path, typ := range map[string]string{"/docs/redoc.standalone.js": "text/javascript; charset=utf-8", "/docs/init.js": "text/javascript; charset=utf-8", "/docs/docs.css": "text/css; charset=utf-8"} {
		if w := get(t, h, "GET", path); w.Code != 200 || w.Header().Get("Content-Type") != typ {
			t.Errorf("GET %s: %d %q", path, w.Code, w.Header().Get("Content-Type"))
		}
	}
	if w := get(t, h, "HEAD", "/docs/init.js"); w.Code != 200 {
		t.Errorf("HEAD /docs/init.js: %d", w.Code)
	}
	for _, path := range []string{"/docs/nope.js", "/docs/", "/docs/../openapi.yaml", "/docs/index.html"} {
		if w := get(t, h, "GET", path); w.Code != 404 {
			t.Errorf("GET %s: %d, want 404", path, w.Code)
		}
	}
	if w := get(t, h, "POST", "/docs"); w.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST /docs: %d", w.Code)
	}
}
