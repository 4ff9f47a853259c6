package apperr

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestPreferredLang(t *testing.T) {
	for _, tc := range []struct {
		header string
		want   Lang
	}{
		{"", ZhCN},
		{"zh-CN,zh;q=0.9,en;q=0.8", ZhCN},
		{"zh-TW", ZhCN},
		{"zh-Hant-HK, en", ZhCN},
		{"en-US,en;q=0.9", En},
		{"en", En},
		{"fr", En}, // prefers a language we lack to Chinese: English is nearer than Chinese
		{"en;q=0.5, zh;q=0.8", ZhCN},
		{"en, zh", En}, // equal weight: the first listed
		{"en;q=0.8, zh-CN;q=0.9", ZhCN},
		{"*", ZhCN},
		{"*, en;q=0.5", En},
		{"en;q=0", ZhCN},
		{"not a header;;;", ZhCN},
	} {
		if got := PreferredLang(tc.header); got != tc.want {
			t.Errorf("PreferredLang(%q) = %s, want %s", tc.header, got, tc.want)
		}
	}
}

func TestLocalize(t *testing.T) {
	var p Problems
	p.Add("limit", "out_of_range", "must be an integer from 1 to %d", 100)
	p.Add("name", "odd", "a message the catalogue lacks: %d", 7)
	var nested Problems
	nested.Add("lat", "required", "is required")
	p.AddAll("location", nested.Err())
	err := error(p.Err())

	zh := Localize(err, ZhCN)
	if zh.Code != Invalid || zh.Message != "请求中有字段不正确" {
		t.Errorf("zh: %s %q", zh.Code, zh.Message)
	}
	wantZh := []string{"必须是 1 到 100 之间的整数", "a message the catalogue lacks: 7", "为必填项"}
	for i, f := range zh.Fields {
		if f.Message != wantZh[i] {
			t.Errorf("zh field %d = %q, want %q", i, f.Message, wantZh[i])
		}
	}
	if zh.Fields[2].Field != "location.lat" {
		t.Errorf("nested field = %q", zh.Fields[2].Field)
	}
	en := Localize(err, En)
	if en.Message != "the request has invalid fields" || en.Fields[0].Message != "must be an integer from 1 to 100" {
		t.Errorf("en: %+v", en)
	}
	// The original is left as it was.
	var e *Error
	errors.As(err, &e)
	if e.Fields[0].Message != "must be an integer from 1 to 100" {
		t.Errorf("Localize changed its argument: %q", e.Fields[0].Message)
	}

	// Words are translated with their message; literals are keys.
	if got := Localize(New(NotFound, "%s not found", Word("station")), ZhCN).Message; got != "未找到驿站" {
		t.Errorf("word: %q", got)
	}
	// A translation may put the arguments in another order.
	if got := Localize(New(LimitReached, "you have claimed this benefit %d time(s) %s, the most allowed", 2, Word("this week")), ZhCN).Message; got != "您本周已领取该福利 2 次，已达上限" {
		t.Errorf("reordered: %q", got)
	}
	// An Instant is written as a Chinese reader writes one; English keeps
	// RFC 3339; a string a client sent is quoted as it came, even one that
	// reads as an instant.
	at := time.Date(2026, 12, 15, 9, 0, 0, 0, time.FixedZone("CST", 8*3600))
	opens := New(NotOpen, "sign-ups for this activity open at %s", Instant(at))
	if got := Localize(opens, ZhCN).Message; got != "该活动于 2026-12-15 09:00 开始报名" {
		t.Errorf("instant in zh: %q", got)
	}
	if got := Localize(opens, En).Message; got != "sign-ups for this activity open at 2026-12-15T09:00:00+08:00" {
		t.Errorf("instant in en: %q", got)
	}
	if got := Instant(at.Add(30*time.Second + time.Millisecond)).readable(); got != "2026-12-15 09:00:30" {
		t.Errorf("seconds: %q", got)
	}
	var p2 Problems
	p2.Add("amenity", "unknown", "%q is not a known amenity", "2026-12-15T01:00:00Z")
	if zh := Localize(p2.Err(), ZhCN); len(zh.Fields) != 1 || !strings.Contains(zh.Fields[0].Message, `"2026-12-15T01:00:00Z"`) {
		t.Errorf("a client's string was rewritten: %+v", zh.Fields)
	}
	if got := Localize(&Error{Code: Stale, Message: "the database was busy; try again"}, ZhCN).Message; got != "数据库繁忙，请重试" {
		t.Errorf("literal: %q", got)
	}
	if got := Localize(errors.New("boom"), En); got.Code != Internal || got.Message != internalMessage {
		t.Errorf("internal: %+v", got)
	}
}
