// Package text is the one policy for text that people write and others
// read: station names and addresses, hosts' names, offers' titles and
// descriptions, workers' nicknames, employers and real names, the reasons
// staff give. Such text is shown in lists, on maps, in spreadsheets and in
// WeChat, so it must look like what it is:
//
//   - it is normalised to NFC (so "é" is one character however it was
//     typed, and two spellings of one name compare equal) and trimmed of
//     white space, full-width spaces included;
//   - it must be valid UTF-8;
//   - it may not hold control characters (a line break only where a field
//     is multi-line), nor the invisible "format" characters: bidirectional
//     embeddings, overrides, isolates and marks (which can make "浦江驿站"
//     display as something else), zero-width spaces and joiners, soft
//     hyphens, byte order marks and tag characters. The exceptions are the
//     zero-width joiner inside an emoji sequence (👩‍🔧), which WeChat
//     nicknames carry, and the Mongolian vowel separator between Mongolian
//     letters, which spelling needs;
//   - nor line or paragraph separators, nor Unicode noncharacters.
//
// Full-width punctuation, emoji, private-use characters (old fonts' rare
// surname characters) and any script are welcome.
package text

import (
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"yizhan/internal/apperr"
)

// Rule is what one field accepts.
type Rule struct {
	// Max is the most characters (code points, after normalisation).
	Max int
	// Required refuses empty text (after trimming).
	Required bool
	// Multiline allows line breaks; "\r\n" is stored as "\n".
	Multiline bool
}

// Field normalises s by the policy and checks it against r, recording at
// most one problem for field in p (codes "required", "format" or
// "too_long"). It returns the normalised text.
func Field(p *apperr.Problems, field, s string, r Rule) string {
	if !utf8.ValidString(s) {
		p.Add(field, "format", "must be valid UTF-8 text")
		return ""
	}
	if r.Multiline {
		s = strings.ReplaceAll(s, "\r\n", "\n")
	}
	out := strings.TrimSpace(norm.NFC.String(s))
	switch bad, refused := firstRefused(out, r.Multiline); {
	case out == "":
		if r.Required {
			p.Add(field, "required", "is required")
		}
	case refused:
		p.Add(field, "format", "must not contain control, formatting or invisible characters (found %s)", fmt.Sprintf("%U", bad))
	case r.Max > 0 && utf8.RuneCountInString(out) > r.Max:
		p.Add(field, "too_long", "must be at most %d characters", r.Max)
	}
	return out
}

// Check normalises s by the policy and checks it against r. code is empty
// when s is acceptable; otherwise it is "required", "format" or "too_long",
// and msg says why, in English.
func Check(s string, r Rule) (out, code, msg string) {
	var p apperr.Problems
	out = Field(&p, "", s, r)
	if l := p.List(); len(l) > 0 {
		return out, l[0].Code, l[0].Message
	}
	return out, "", ""
}

// firstRefused returns the first character the policy refuses in s, which
// is valid UTF-8.
func firstRefused(s string, multiline bool) (rune, bool) {
	var prev rune // the last character, variation selectors and skin tones skipped
	for i, r := range s {
		switch {
		case r == '\n' && multiline:
		case r == zwj:
			next, size := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
			if !emoji(prev) || size == 0 || !emoji(next) {
				return r, true
			}
		case r == mvs: // spelling, not hiding: some Mongolian words need it
			next, size := utf8.DecodeRuneInString(s[i+utf8.RuneLen(r):])
			if !mongolian(prev) || size == 0 || !mongolian(next) {
				return r, true
			}
		case unicode.Is(unicode.Cc, r), unicode.Is(unicode.Cf, r), r == '\u2028', r == '\u2029', nonCharacter(r):
			return r, true
		}
		if !emojiModifier(r) {
			prev = r
		}
	}
	return 0, false
}

const (
	zwj = '\u200d'
	mvs = '\u180e' // MONGOLIAN VOWEL SEPARATOR
)

// mongolian reports the letters of the traditional Mongolian script, which
// Inner Mongolia's place names are also written in.
func mongolian(r rune) bool { return r >= 0x1820 && r <= 0x18aa }

// emoji reports whether r can stand on either side of a zero-width joiner
// in an emoji sequence: the pictographs are all "other symbols".
func emoji(r rune) bool { return r > 0x7f && r != utf8.RuneError && unicode.Is(unicode.So, r) }

// emojiModifier reports the characters that change the emoji before them:
// variation selectors and skin tones.
func emojiModifier(r rune) bool {
	return r == '\ufe0f' || r == '\ufe0e' || r >= 0x1f3fb && r <= 0x1f3ff
}

// nonCharacter reports Unicode's noncharacters, never meant for interchange.
func nonCharacter(r rune) bool {
	return r >= 0xfdd0 && r <= 0xfdef || r&0xfffe == 0xfffe
}
