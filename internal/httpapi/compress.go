package httpapi

import (
	"bytes"
	"strconv"
	"strings"
	"sync"

	"github.com/klauspost/compress/gzip"
	"github.com/labstack/echo/v4"
)

// gzipMin is the smallest JSON answer worth compressing: below it, the
// gzip header and the CPU cost more than the bytes saved.
const gzipMin = 1 << 10

// Answers are compressed with klauspost/compress, a well-kept drop-in for
// compress/gzip that is several times faster at the same ratio; at its
// fastest level a page of ten stations costs tens of microseconds and
// shrinks to a fifth or less, which a courier on a weak mobile network
// feels more than the server does.
var gzipWriters = sync.Pool{New: func() any {
	w, _ := gzip.NewWriterLevel(nil, gzip.BestSpeed)
	return w
}}

var varyAcceptEncoding = []string{"Accept-Encoding"}

var gzipBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// maybeGzip returns b gzip-compressed, with Content-Encoding set, when b
// is JSON over gzipMin bytes and the client accepts gzip; otherwise b. Every
// JSON answer that may be compressed says Vary: Accept-Encoding. release,
// when not nil, returns the compressed copy's buffer once it is written.
func maybeGzip(c echo.Context, contentType string, b []byte) (out []byte, release func()) {
	if len(b) <= gzipMin || !strings.Contains(contentType, "json") {
		return b, nil
	}
	h := c.Response().Header()
	if v, ok := h["Vary"]; ok {
		h["Vary"] = append(v, "Accept-Encoding")
	} else {
		h["Vary"] = varyAcceptEncoding // shared: an append copies it
	}
	if !acceptsGzip(c.Request().Header.Get("Accept-Encoding")) {
		return b, nil
	}
	buf := gzipBuffers.Get().(*bytes.Buffer)
	buf.Reset()
	zw := gzipWriters.Get().(*gzip.Writer)
	zw.Reset(buf)
	_, err := zw.Write(b)
	if err == nil {
		err = zw.Close()
	}
	gzipWriters.Put(zw)
	if err != nil { // a bytes.Buffer does not fail; send the answer as it is
		gzipBuffers.Put(buf)
		return b, nil
	}
	h["Content-Encoding"] = []string{"gzip"}
	return buf.Bytes(), func() {
		if buf.Cap() <= 256<<10 {
			gzipBuffers.Put(buf)
		}
	}
}

// acceptsGzip reports whether an Accept-Encoding header allows gzip: named
// with a weight above zero, or left to "*" with a weight above zero.
func acceptsGzip(header string) bool {
	if header == "" {
		return false
	}
	star := false
	for part := range strings.SplitSeq(header, ",") {
		name, params, _ := strings.Cut(part, ";")
		name = strings.TrimSpace(name)
		q := 1.0
		for p := range strings.SplitSeq(params, ";") {
			k, v, ok := strings.Cut(strings.TrimSpace(p), "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "q") {
				f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
				if err != nil {
					f = 0
				}
				q = f
			}
		}
		switch {
		case strings.EqualFold(name, "gzip"), strings.EqualFold(name, "x-gzip"):
			return q > 0
		case name == "*":
			star = q > 0
		}
	}
	return star
}
