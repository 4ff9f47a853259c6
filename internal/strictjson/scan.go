package strictjson

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"yizhan/internal/apperr"
)

// encoding/json takes the last of two members with the same name (in any
// case: it matches a struct's fields without regard to case), and
// turns invalid UTF-8 and lone surrogates (\ud800) into U+FFFD without a
// word. Either way the server would act on something other than what the
// client meant, or store text no one wrote, so scanText reads the body once
// before it is decoded and reports both, with their paths. It stops quietly
// at a syntax error, which encoding/json then reports.

// maxDepth is encoding/json's own limit on nesting.
const maxDepth = 10000

type scanner struct {
	data []byte
	i    int
	p    apperr.Problems
	bad  bool // a syntax error: encoding/json says what it is
	// path is the current value's path ("hosts[1].name"), one buffer
	// appended to on the way down and cut on the way back: a string per
	// level would cost the square of the depth (150 MB for a 20 KB body
	// of 10,000 nested arrays). It is made a string only for a problem.
	path []byte
}

// at is the current value's path, as a problem names it.
func (s *scanner) at() string { return field(string(s.path)) }

// enter appends a member name or an index to the path and returns the
// length to cut it back to.
func (s *scanner) enter(name string, index int) int {
	mark := len(s.path)
	if name == "" && index >= 0 {
		s.path = append(s.path, '[')
		s.path = strconv.AppendInt(s.path, int64(index), 10)
		s.path = append(s.path, ']')
		return mark
	}
	if mark > 0 {
		s.path = append(s.path, '.')
	}
	s.path = append(s.path, name...)
	return mark
}

// scanText reports the duplicate member names, invalid UTF-8 and lone
// surrogates of the first JSON value in data.
func scanText(data []byte) apperr.Problems {
	s := scanner{data: data}
	s.value(0)
	if s.bad {
		return apperr.Problems{}
	}
	return s.p
}

func (s *scanner) ws() {
	for s.i < len(s.data) {
		switch s.data[s.i] {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return
		}
	}
}

func (s *scanner) value(depth int) {
	s.ws()
	if s.bad || s.i >= len(s.data) || depth > maxDepth {
		s.bad = true
		return
	}
	switch s.data[s.i] {
	case '{':
		s.object(depth)
	case '[':
		s.array(depth)
	case '"':
		if _, escaped, ok := s.str(); !ok {
			s.badText(s.at(), escaped)
		}
	default: // a number, true, false or null: encoding/json checks them
		for s.i < len(s.data) && !strings.ContainsRune(",]} \t\n\r", rune(s.data[s.i])) {
			s.i++
		}
	}
}

func (s *scanner) object(depth int) {
	s.i++ // {
	s.ws()
	if s.i < len(s.data) && s.data[s.i] == '}' {
		s.i++
		return
	}
	var (
		names []string // the names seen (foldName), searched linearly while few
		set   map[string]bool
	)
	for !s.bad {
		s.ws()
		if s.i >= len(s.data) || s.data[s.i] != '"' {
			s.bad = true
			return
		}
		raw, escaped, ok := s.str()
		if s.bad {
			return
		}
		name := string(raw)
		if escaped {
			if json.Unmarshal(append([]byte{'"'}, append(raw, '"')...), &name) != nil {
				s.bad = true
				return
			}
		}
		mark := s.enter(strings.ToValidUTF8(name, "\uFFFD"), -1)
		name = foldName(name)
		switch {
		case !ok:
			s.badText(s.at(), escaped)
		case set != nil && set[name], set == nil && slices.Contains(names, name):
			s.p.Add(s.at(), "duplicate", "is given more than once in the same object")
		case set != nil:
			set[name] = true
		case len(names) < 16:
			names = append(names, name)
		default:
			set = make(map[string]bool, 2*len(names))
			for _, n := range names {
				set[n] = true
			}
			set[name] = true
		}
		s.ws()
		if s.i >= len(s.data) || s.data[s.i] != ':' {
			s.bad = true
			return
		}
		s.i++
		s.value(depth + 1)
		s.path = s.path[:mark]
		s.ws()
		if s.i >= len(s.data) {
			s.bad = true
			return
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case '}':
			s.i++
			return
		default:
			s.bad = true
			return
		}
	}
}

// foldName is name with each character replaced by one chosen member of
// its simple case-folding orbit: two names are the same member to
// encoding/json, which matches a struct's fields without regard to case
// (bytes.EqualFold), exactly when their foldNames are equal. So "name" and
// "NAME" in one object are one member given twice, of which encoding/json
// would keep only the last.
func foldName(name string) string {
	for i := 0; i < len(name); i++ {
		if c := name[i]; c >= utf8.RuneSelf || 'A' <= c && c <= 'Z' {
			return strings.Map(foldRune, name)
		}
	}
	return name // the usual case: lower-case ASCII is its own fold
}

// foldRune is the least rune of r's orbit, in lower case when that is an
// ASCII letter: "K", "k" and the Kelvin sign all fold to "k", "S", "s"
// and "ſ" to "s", and lower-case ASCII to itself.
func foldRune(r rune) rune {
	least := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		least = min(least, f)
	}
	if 'A' <= least && least <= 'Z' {
		least += 'a' - 'A'
	}
	return least
}

func (s *scanner) array(depth int) {
	s.i++ // [
	s.ws()
	if s.i < len(s.data) && s.data[s.i] == ']' {
		s.i++
		return
	}
	for n := 0; !s.bad; n++ {
		mark := s.enter("", n)
		s.value(depth + 1)
		s.path = s.path[:mark]
		s.ws()
		if s.i >= len(s.data) {
			s.bad = true
			return
		}
		switch s.data[s.i] {
		case ',':
			s.i++
		case ']':
			s.i++
			return
		default:
			s.bad = true
			return
		}
	}
}

func (s *scanner) badText(at string, escaped bool) {
	if escaped {
		s.p.Add(at, "format", `must be valid UTF-8 text: a lone surrogate such as \ud800 or invalid bytes encode no character`)
		return
	}
	s.p.Add(at, "format", "must be valid UTF-8 text")
}

// str reads the string at s.i (at its opening quote) and returns its raw
// contents, whether it holds an escape, and whether it is valid text: UTF-8,
// with every \u surrogate paired.
func (s *scanner) str() (raw []byte, escaped, ok bool) {
	s.i++ // "
	start := s.i
	ok = true
	for s.i < len(s.data) {
		c := s.data[s.i]
		switch {
		case c == '"':
			raw = s.data[start:s.i]
			s.i++
			return raw, escaped, ok
		case c == '\\':
			escaped = true
			if s.i+1 >= len(s.data) {
				s.bad = true
				return nil, escaped, ok
			}
			if s.data[s.i+1] != 'u' {
				s.i += 2
				continue
			}
			r, good := s.hex4(s.i + 2)
			if !good {
				s.bad = true
				return nil, escaped, ok
			}
			s.i += 6
			switch {
			case r >= 0xdc00 && r <= 0xdfff: // a low surrogate with no high one before it
				ok = false
			case r >= 0xd800 && r <= 0xdbff:
				if s.i+1 < len(s.data) && s.data[s.i] == '\\' && s.data[s.i+1] == 'u' {
					if lo, good := s.hex4(s.i + 2); good && lo >= 0xdc00 && lo <= 0xdfff {
						s.i += 6
						continue
					}
				}
				ok = false
			}
		case c < 0x20:
			s.bad = true
			return nil, escaped, ok
		case c < utf8.RuneSelf:
			s.i++
		default:
			r, size := utf8.DecodeRune(s.data[s.i:])
			if r == utf8.RuneError && size == 1 {
				ok = false
			}
			s.i += size
		}
	}
	s.bad = true
	return nil, escaped, ok
}

// hex4 reads four hex digits at i.
func (s *scanner) hex4(i int) (rune, bool) {
	if i+4 > len(s.data) {
		return 0, false
	}
	var r rune
	for _, c := range s.data[i : i+4] {
		switch {
		case c >= '0' && c <= '9':
			r = r<<4 | rune(c-'0')
		case c >= 'a' && c <= 'f':
			r = r<<4 | rune(c-'a'+10)
		case c >= 'A' && c <= 'F':
			r = r<<4 | rune(c-'A'+10)
		default:
			return 0, false
		}
	}
	return r, true
}
