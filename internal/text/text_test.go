package text

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"yizhan/internal/apperr"
)

func TestCheck(t *testing.T) {
	line := Rule{Max: 10, Required: true}
	block := Rule{Max: 100, Multiline: true}
	for _, tc := range []struct {
		name, in string
		r        Rule
		want     string
		code     string
	}{
		{"plain Chinese", "浦江驿站", line, "浦江驿站", ""},
		{"trimmed, full-width space too", "\u3000 浦江驿站\t ", line, "浦江驿站", ""},
		{"NFC", "Cafe\u0301", line, "Café", ""},
		{"empty", "  ", line, "", "required"},
		{"empty, optional", "", block, "", ""},
		{"too long", strings.Repeat("驿", 11), line, strings.Repeat("驿", 11), "too_long"},
		{"ten characters after NFC", strings.Repeat("e\u0301", 10), line, strings.Repeat("é", 10), ""},
		{"emoji", "小王🚴", line, "小王🚴", ""},
		{"ZWJ in an emoji sequence", "小王👩\u200d🔧", line, "小王👩\u200d🔧", ""},
		{"ZWJ after a skin tone", "👩🏽\u200d🚒", line, "👩🏽\u200d🚒", ""},
		{"ZWJ after a variation selector", "🏳\ufe0f\u200d🌈", line, "🏳\ufe0f\u200d🌈", ""},
		{"ZWJ between letters", "浦\u200d江", line, "", "format"},
		{"ZWJ at the end of an emoji", "👩\u200d", line, "", "format"},
		{"ZWJ before an emoji", "a\u200d👩", line, "", "format"},
		{"zero-width space", "浦\u200b江", line, "", "format"},
		{"zero-width non-joiner", "浦\u200c江", line, "", "format"},
		{"word joiner", "浦\u2060江", line, "", "format"},
		{"byte order mark", "\ufeff浦江", line, "", "format"},
		{"right-to-left override", "ab\u202ec", line, "", "format"},
		{"left-to-right embedding", "ab\u202ac", line, "", "format"},
		{"first-strong isolate", "ab\u2068c", line, "", "format"},
		{"right-to-left mark", "ab\u200fc", line, "", "format"},
		{"tag character", "🏴\U000e0067\U000e0062\U000e007f", line, "", "format"},
		{"NUL", "a\x00b", line, "", "format"},
		{"bell", "a\u0007b", line, "", "format"},
		{"C1 control", "a\u0085b", line, "", "format"},
		{"line break in a line", "a\nb", line, "", "format"},
		{"line break in a block", "第一行\r\n第二行", block, "第一行\n第二行", ""},
		{"carriage return alone", "a\rb", block, "", "format"},
		{"tab inside", "a\tb", block, "", "format"},
		{"line separator", "a\u2028b", block, "", "format"},
		{"noncharacter", "a\uffffb", line, "", "format"},
		{"invalid UTF-8", "a\xffb", line, "", "format"},
		{"private use", "王\ue000", line, "王\ue000", ""},
		{"Mongolian vowel separator in a word", "\u182d\u1820\u180e\u1820", line, "\u182d\u1820\u180e\u1820", ""},
		{"Mongolian vowel separator after Chinese", "浦\u180e江", line, "", "format"},
		{"full-width punctuation", "（浦江）！", line, "（浦江）！", ""},
	} {
		got, code, msg := Check(tc.in, tc.r)
		if code != tc.code || (tc.want != "" && got != tc.want) {
			t.Errorf("%s: Check(%q) = %q, %q (%s); want %q, %q", tc.name, tc.in, got, code, msg, tc.want, tc.code)
		}
	}
}

func TestFieldRecordsOneProblem(t *testing.T) {
	var p apperr.Problems
	got := Field(&p, "name", " a\u202eb ", Rule{Max: 5, Required: true})
	if l := p.List(); len(l) != 1 || l[0].Field != "name" || l[0].Code != "format" || !strings.Contains(l[0].Message, "U+202E") {
		t.Errorf("problems %+v", l)
	}
	if got != "a\u202eb" {
		t.Errorf("Field = %q", got)
	}
}

// Whatever the input, Check never panics, and what it accepts is NFC,
// trimmed, valid UTF-8 within its length, free of controls (but line breaks
// where allowed) and of format characters other than ZWJs between emoji;
// and checking it again changes nothing.
func FuzzCheck(f *testing.F) {
	for _, s := range []string{"浦江驿站", " Cafe\u0301 ", "👩\u200d🔧", "a\u202eb", "x\r\ny", "\xff", "\u3000", "🏳\ufe0f\u200d🌈"} {
		f.Add(s, true, uint8(20))
	}
	f.Fuzz(func(t *testing.T, s string, multiline bool, max uint8) {
		r := Rule{Max: int(max), Multiline: multiline}
		out, code, _ := Check(s, r)
		if code != "" {
			return
		}
		if !utf8.ValidString(out) || !norm.NFC.IsNormalString(out) || strings.TrimSpace(out) != out {
			t.Fatalf("Check(%q) accepted %q: not valid, NFC and trimmed", s, out)
		}
		if r.Max > 0 && utf8.RuneCountInString(out) > r.Max {
			t.Fatalf("Check(%q) accepted %q, longer than %d", s, out, r.Max)
		}
		for i, c := range out {
			if c < 0x20 && !(c == '\n' && multiline) || c == 0x7f || c >= 0x80 && c < 0xa0 || c >= 0x202a && c <= 0x202e || c >= 0x2066 && c <= 0x2069 || c == 0x200b || c == 0xfeff || c >= 0xe0000 && c <= 0xe007f {
				t.Fatalf("Check(%q) accepted %q with %U at %d", s, out, c, i)
			}
		}
		again, code2, _ := Check(out, r)
		if code2 != "" || again != out {
			t.Fatalf("Check is not idempotent on %q: %q, %q", out, again, code2)
		}
	})
}
