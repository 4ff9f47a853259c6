package httpapi_test

import (
	"net/http"
	"strings"
	"testing"

	"yizhan/internal/auth"
)

// Problems are told in Chinese unless the client prefers another language
// to Chinese; the codes are the same in both.
func TestProblemsFollowAcceptLanguage(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	admin := e.staff("admin1", auth.Admin)
	for _, tc := range []struct {
		name string
		r    req
		code string
		en   []string // title, detail, then field messages
		zh   []string
	}{
		{"bad query", req{Method: "GET", Path: "/v1/stations/nearest?lat=29.4&lng=119.9&limit=0"}, "invalid",
			[]string{"Bad Request", "the request has invalid fields", "must be an integer from 1 to 50"},
			[]string{"请求有误", "请求中有字段不正确", "必须是 1 到 50 之间的整数"}},
		{"no token", req{Method: "POST", Path: "/v1/stations", Body: stationBody("x")}, "unauthorized",
			[]string{"Unauthorized", "this endpoint needs an Authorization: Bearer token"},
			[]string{"未登录或登录已失效", "此接口需要 Authorization: Bearer 令牌"}},
		{"no such station", req{Method: "GET", Path: "/v1/stations/01a2376b-31a9-721e-a710-bde04ce52205"}, "not_found",
			[]string{"Not Found", "station not found"},
			[]string{"未找到", "未找到驿站"}},
		{"no such path", req{Method: "GET", Path: "/v1/nowhere"}, "not_found",
			[]string{"Not Found", "Not Found"},
			[]string{"未找到", "未找到"}},
		{"wrong method", req{Method: "PUT", Path: "/v1/amenities"}, "method_not_allowed",
			[]string{"Method Not Allowed", "Method Not Allowed"},
			[]string{"不支持该请求方法", "不支持该请求方法"}},
		{"a wrong type, then a word", req{Method: "POST", Path: "/v1/stations", Token: admin, Body: `{"name": 3}`}, "invalid",
			[]string{"Bad Request", "the request has invalid fields", "must be a JSON string, not a number"},
			[]string{"请求有误", "请求中有字段不正确", "必须是 JSON 字符串，而不是数字"}},
		// Media types are data, told as they are; the words around them are
		// the reader's language.
		{"a photo as text", req{Method: "POST", Path: "/v1/stations/01a2376b-31a9-721e-a710-bde04ce52205/photos", Token: admin, Body: "hello", ContentType: "text/plain"}, "unsupported_media",
			[]string{"Unsupported Media Type", "send the photo as a JPEG or PNG body (Content-Type: image/jpeg or image/png) or as the file of a multipart/form-data form"},
			[]string{"不支持的内容类型", "请求体须为 JPEG 或 PNG 图片（Content-Type: image/jpeg 或 image/png），或以 multipart/form-data 表单的文件上传"}},
		{"a merge patch as text", req{Method: "PATCH", Path: "/v1/stations/01a2376b-31a9-721e-a710-bde04ce52205", Token: admin, Body: "hello", ContentType: "text/plain",
			Header: map[string]string{"If-Match": `"1"`}}, "unsupported_media",
			[]string{"Unsupported Media Type", "the body must be sent as application/merge-patch+json or application/json"},
			[]string{"不支持的内容类型", "请求体须以 application/merge-patch+json 或 application/json 格式发送"}},
		{"an import as text", req{Method: "POST", Path: "/v1/stations/import", Token: admin, Body: "hello", ContentType: "text/plain"}, "unsupported_media",
			[]string{"Unsupported Media Type", "the body must be sent as one of application/geo+json, application/json, text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
			[]string{"不支持的内容类型", "请求体须以下列格式之一发送：application/geo+json, application/json, text/csv, application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}},
	} {
		for _, lang := range []struct {
			header string
			want   []string
			name   string
		}{
			{"", tc.zh, "zh-CN"},
			{"zh-TW,en;q=0.9", tc.zh, "zh-CN"},
			{"en-US,en;q=0.9,zh-CN;q=0.8", tc.en, "en"},
			{"fr", tc.en, "en"},
		} {
			r := tc.r
			r.Header = map[string]string{}
			for k, v := range tc.r.Header {
				r.Header[k] = v
			}
			if lang.header != "" {
				r.Header["Accept-Language"] = lang.header
			}
			res := e.do(r)
			p := res.Problem(t)
			got := []string{p.Title, p.Detail}
			for _, f := range p.Errors {
				got = append(got, f.Message)
			}
			if string(p.Code) != tc.code || strings.Join(got, " | ") != strings.Join(lang.want, " | ") {
				t.Errorf("%s, Accept-Language %q: %s %q, want %s %q", tc.name, lang.header, p.Code, got, tc.code, lang.want)
			}
			if cl := res.Header.Get("Content-Language"); cl != lang.name {
				t.Errorf("%s, Accept-Language %q: Content-Language %q, want %q", tc.name, lang.header, cl, lang.name)
			}
			if !strings.Contains(strings.Join(res.Header.Values("Vary"), ","), "Accept-Language") {
				t.Errorf("%s: Vary %q lacks Accept-Language", tc.name, res.Header.Values("Vary"))
			}
		}
	}
	// A server-side failure too: a write that reaches a closed database.
	e.db.Close()
	res := e.do(req{Method: "POST", Path: "/v1/stations", Token: admin, Body: stationBody("x"), Expect5xx: true})
	if p := res.Problem(t); res.Status < http.StatusInternalServerError || !hasHan(p.Title) || !hasHan(p.Detail) {
		t.Errorf("with the database closed: %d %+v", res.Status, p)
	}
}
