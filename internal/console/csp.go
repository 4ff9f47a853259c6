package console

import (
	"net/url"
	"strings"
)

// contentSecurityPolicy allows the console's own scripts, styles and
// images, and images from the tile server: no inline script, no inline
// style, no framing, forms only to the console itself.
func contentSecurityPolicy(tileURL string) string {
	img := "'self' data:"
	if host := tileOrigin(tileURL); host != "" {
		img += " " + host
	}
	return strings.Join([]string{
		"default-src 'none'",
		"script-src 'self'",
		"style-src 'self'",
		"img-src " + img,
		"connect-src 'self'",
		"font-src 'self'",
		"form-action 'self'",
		"base-uri 'none'",
		"frame-ancestors 'none'",
	}, "; ")
}

// tileOrigin is the tile template's scheme and host, with a {s} subdomain
// widened to a wildcard: webrd0{s}.is.autonavi.com → *.is.autonavi.com.
func tileOrigin(tileURL string) string {
	if tileURL == "" {
		return ""
	}
	u, err := url.Parse(strings.NewReplacer("{s}", "s", "{x}", "0", "{y}", "0", "{z}", "0").Replace(tileURL))
	if err != nil || u.Host == "" || (u.Scheme != "https" && u.Scheme != "http") {
		return ""
	}
	host := u.Host
	if parts := strings.SplitN(tileURL, "/", 4); len(parts) > 2 && strings.Contains(parts[2], "{s}") {
		if _, rest, ok := strings.Cut(host, "."); ok {
			host = "*." + rest
		}
	}
	return u.Scheme + "://" + host
}
