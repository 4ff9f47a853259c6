package console

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"path"
	"strings"
	"time"

	"yizhan/internal/auth"
)

//go:embed templates static
var files embed.FS

// views are the parsed templates and the embedded assets, built once.
type views struct {
	pages  map[string]*template.Template
	assets *assets
}

// parseViews parses each page with the layout and the shared partials.
func parseViews() (*views, error) {
	a, err := loadAssets()
	if err != nil {
		return nil, err
	}
	funcs := template.FuncMap{
		"t":     t,
		"asset": a.url,
		"add":   func(a, b int) int { return a + b },
		"date":  func(t time.Time) string { return t.In(shanghai).Format("2006-01-02 15:04") },
		"dict":  dict,
	}
	pages, err := fs.Glob(files, "templates/*.html")
	if err != nil {
		return nil, err
	}
	v := &views{pages: map[string]*template.Template{}, assets: a}
	for _, p := range pages {
		name := path.Base(p)
		if name == "layout.html" {
			continue
		}
		tmpl, err := template.New(name).Funcs(funcs).ParseFS(files, "templates/layout.html", "templates/partials/*.html", p)
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", name, err)
		}
		v.pages[name] = tmpl
	}
	return v, nil
}

// dict makes a map of key, value pairs, for passing several values to a
// partial template.
func dict(kv ...any) (map[string]any, error) {
	if len(kv)%2 != 0 {
		return nil, fmt.Errorf("dict: odd number of arguments")
	}
	m := make(map[string]any, len(kv)/2)
	for i := 0; i < len(kv); i += 2 {
		k, ok := kv[i].(string)
		if !ok {
			return nil, fmt.Errorf("dict: key %v is not a string", kv[i])
		}
		m[k] = kv[i+1]
	}
	return m, nil
}

// shanghai is the time zone every date on the console is shown in.
var shanghai = time.FixedZone("CST", 8*60*60)

// view is what every template gets: the page's own Data and the layout's
// fields.
type view struct {
	Nav   string // the nav section to highlight
	Staff *auth.Principal
	CSRF  string
	Flash *flash
	Data  any
}

// IsAdmin reports whether the signed-in staff member is an admin.
func (v view) IsAdmin() bool { return v.Staff != nil && v.Staff.Role == auth.Admin }

// render writes the page with status 200.
func (h *handler) render(w http.ResponseWriter, r *http.Request, page, nav string, data any) {
	h.renderStatus(w, r, http.StatusOK, page, nav, data)
}

// renderStatus executes the page into a buffer first, so that a template
// error becomes a 500 rather than half a page.
func (h *handler) renderStatus(w http.ResponseWriter, r *http.Request, status int, page, nav string, data any) {
	tmpl, ok := h.views.pages[page]
	if !ok {
		panic("console: no template " + page)
	}
	v := view{Nav: nav, Staff: principal(r), CSRF: h.csrfFor(w, r), Flash: h.takeFlash(w, r), Data: data}
	var buf bytes.Buffer
	if err := tmpl.ExecuteTemplate(&buf, "layout", v); err != nil {
		h.log.ErrorContext(r.Context(), "console template", "page", page, "err", err)
		http.Error(w, t("error.internal"), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// assets are the embedded files under static/, each with a short content
// hash for its URL and, when worth it, a gzipped copy.
type assets struct {
	files map[string]*asset // by path under static/
}

type asset struct {
	body, gz    []byte
	hash        string
	contentType string
}

func loadAssets() (*assets, error) {
	a := &assets{files: map[string]*asset{}}
	err := fs.WalkDir(files, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		body, err := files.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(body)
		f := &asset{body: body, hash: hex.EncodeToString(sum[:6]), contentType: contentType(p)}
		if strings.HasSuffix(p, ".js") || strings.HasSuffix(p, ".css") || strings.HasSuffix(p, ".svg") {
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
			_, _ = zw.Write(body)
			_ = zw.Close()
			f.gz = buf.Bytes()
		}
		a.files[strings.TrimPrefix(p, "static/")] = f
		return nil
	})
	return a, err
}

func contentType(p string) string {
	switch path.Ext(p) {
	case ".css":
		return "text/css; charset=utf-8"
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	case ".png":
		return "image/png"
	case ".ico":
		return "image/x-icon"
	}
	return "application/octet-stream"
}

// url is the asset's address with its hash, so that browsers may keep it
// for a year and still see a new version at once. An unknown asset panics
// at template execution, which the page tests catch.
func (a *assets) url(name string) (string, error) {
	f, ok := a.files[name]
	if !ok {
		return "", fmt.Errorf("no asset %q", name)
	}
	return Prefix + "static/" + name + "?v=" + f.hash, nil
}

func (a *assets) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	f, ok := a.files[strings.TrimPrefix(r.URL.Path, Prefix+"static/")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	hd := w.Header()
	hd.Set("Content-Type", f.contentType)
	hd.Set("Vary", "Accept-Encoding")
	if r.URL.Query().Get("v") == f.hash {
		hd.Set("Cache-Control", "public, max-age=31536000, immutable")
	} else {
		hd.Set("Cache-Control", "no-cache")
	}
	hd.Set("ETag", `"`+f.hash+`"`)
	if r.Header.Get("If-None-Match") == `"`+f.hash+`"` {
		w.WriteHeader(http.StatusNotModified)
		return
	}
	body := f.body
	if f.gz != nil && acceptsGzip(r) {
		hd.Set("Content-Encoding", "gzip")
		body = f.gz
	}
	hd.Set("Content-Length", fmt.Sprint(len(body)))
	if r.Method == http.MethodHead {
		return
	}
	_, _ = w.Write(body)
}

func acceptsGzip(r *http.Request) bool {
	for _, part := range strings.Split(r.Header.Get("Accept-Encoding"), ",") {
		enc, q, _ := strings.Cut(strings.TrimSpace(part), ";")
		if strings.TrimSpace(enc) == "gzip" && strings.ReplaceAll(q, " ", "") != "q=0" {
			return true
		}
	}
	return false
}
