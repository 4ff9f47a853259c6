package httpapi_test

import (
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3filter"

	"yizhan"
)

// The contract, the reference's page and its scripts are text, checked as
// such against the contract.
func init() {
	for _, ct := range []string{"application/yaml", "text/html", "text/javascript", "text/css"} {
		openapi3filter.RegisterBodyDecoder(ct, openapi3filter.PlainBodyDecoder)
	}
}

// The contract and its rendered reference are served as openapi.yaml
// describes them.
func TestDocs(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	r := e.do(req{Method: "GET", Path: "/openapi.yaml"})
	if r.Status != 200 || string(r.Body) != string(yizhan.OpenAPI) {
		t.Fatalf("GET /openapi.yaml: %d, %d bytes", r.Status, len(r.Body))
	}
	if r := e.do(req{Method: "GET", Path: "/openapi.yaml", Header: map[string]string{"If-None-Match": r.Header.Get("ETag")}}); r.Status != 304 {
		t.Errorf("revalidating /openapi.yaml: %d", r.Status)
	}
	r = e.do(req{Method: "GET", Path: "/docs"})
	if csp := r.Header.Get("Content-Security-Policy"); r.Status != 200 || !strings.HasPrefix(csp, "default-src 'none'; script-src 'self';") {
		t.Errorf("GET /docs: %d, CSP %q", r.Status, csp)
	}
	if r.Header.Get("X-Frame-Options") != "DENY" || r.Header.Get("Cache-Control") != "no-cache" {
		t.Errorf("GET /docs headers: %v", r.Header)
	}
	for _, f := range []string{"redoc.standalone.js", "init.js", "docs.css", "VENDOR.txt"} {
		if r := e.do(req{Method: "GET", Path: "/docs/" + f}); r.Status != 200 || len(r.Body) == 0 {
			t.Errorf("GET /docs/%s: %d", f, r.Status)
		}
	}
	if r := e.do(req{Method: "GET", Path: "/docs/missing.js"}); r.Status != 404 {
		t.Errorf("GET /docs/missing.js: %d", r.Status)
	}
}
