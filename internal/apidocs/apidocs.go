// Package apidocs serves the API's contract and its reference for the
// mini-program's developers: GET /openapi.yaml (the contract as it is) and
// GET /docs (the contract rendered by Redoc, vendored under static/ by
// scripts/vendor-redoc.sh, so that the page works offline). The page loads
// its spec by URL from an external script, so that its
// Content-Security-Policy forbids inline script.
package apidocs

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"net/http"
	"path"
	"strconv"
	"strings"
	"sync"
)

//go:embed static
var static embed.FS

// CSP is the docs page's Content-Security-Policy: scripts from this server
// only, never inline. Redoc writes its styles into <style> elements
// (styled-components), so styles may be inline; it draws icons from data:
// URLs, and its search runs in a worker it makes from a blob: URL.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
	"font-src 'self' data:; connect-src 'self'; worker-src blob:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"

// asset is one file as served: its bytes, a gzip copy when that is worth
// having, its type and its ETag.
type asset struct {
	body, gz    []byte
	contentType string
	etag        string
}

// Handler serves /openapi.yaml, /docs and /docs/<asset>.
type Handler struct {
	spec   []byte
	once   sync.Once
	assets map[string]*asset // by URL path
}

// New returns the handler of the contract spec (openapi.yaml's bytes).
func New(spec []byte) *Handler { return &Handler{spec: spec} }

var types = map[string]string{
	".html": "text/html; charset=utf-8",
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".yaml": "application/yaml; charset=utf-8",
	".txt":  "text/plain; charset=utf-8",
}

// load reads and compresses the assets once, on the first request: Redoc's
// 1 MB bundle travels as about 300 KB.
func (h *Handler) load() {
	h.assets = map[string]*asset{}
	add := func(urlPath, name string, body []byte) {
		sum := sha256.Sum256(body)
		a := &asset{body: body, contentType: types[path.Ext(name)], etag: `"` + hex.EncodeToString(sum[:8]) + `"`}
		if len(body) > 1024 {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			zw.Write(body)
			zw.Close()
			a.gz = buf.Bytes()
		}
		h.assets[urlPath] = a
	}
	add("/openapi.yaml", "openapi.yaml", h.spec)
	entries, _ := static.ReadDir("static")
	for _, e := range entries {
		body, _ := static.ReadFile("static/" + e.Name())
		if e.Name() == "index.html" {
			add("/docs", e.Name(), body)
			continue
		}
		add("/docs/"+e.Name(), e.Name(), body)
	}
}

// ServeHTTP answers GET and HEAD of the contract, the page and its assets;
// anything else under /docs/ is 404.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	h.once.Do(h.load)
	a, ok := h.assets[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", a.contentType)
	hd.Set("Content-Security-Policy", CSP)
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("X-Frame-Options", "DENY")
	hd.Set("Referrer-Policy", "no-referrer")
	// Revalidated each time: the contract and the page change with the
	// binary, and a 304 costs nothing.
	hd.Set("Cache-Control", "no-cache")
	hd.Set("ETag", a.etag)
	hd.Add("Vary", "Accept-Encoding")
	if match := r.Header.Get("If-None-Match"); match != "" && strings.Contains(match, a.etag) {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := a.body
	if a.gz != nil && acceptsGzip(r.Header.Get("Accept-Encoding")) {
		hd.Set("Content-Encoding", "gzip")
		body = a.gz
	}
	hd.Set("Content-Length", strconv.Itoa(len(body)))
	w.Write(body)
}

func acceptsGzip(header string) bool {
	for _, part := range strings.Split(header, ",") {
		name, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.EqualFold(strings.TrimSpace(name), "gzip") && strings.ReplaceAll(strings.TrimSpace(q), " ", "") != "q=0" {
			return true
		}
	}
	return false
}
