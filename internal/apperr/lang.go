package apperr

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"golang.org/x/text/language"
)

// Lang is a language problems are told in.
type Lang string

// The languages of the catalogue. Chinese comes first: it is what users
// get unless they ask for something else.
const (
	ZhCN Lang = "zh-CN"
	En   Lang = "en"
)

// PreferredLang picks the language for an Accept-Language header: Chinese,
// unless the client prefers some other language to every Chinese one (then
// English, the only other). An empty or unreadable header gets Chinese.
// Among languages of equal weight the first listed wins.
func PreferredLang(acceptLanguage string) Lang {
	if acceptLanguage == "" {
		return ZhCN
	}
	tags, _, err := language.ParseAcceptLanguage(acceptLanguage)
	if err != nil {
		return ZhCN
	}
	for _, t := range tags {
		base, conf := t.Base()
		if conf == language.No || base == mul {
			continue // "*" (parsed as "mul"), which any language satisfies
		}
		if base == zh {
			return ZhCN
		}
		return En
	}
	return ZhCN
}

var (
	zh  = language.MustParseBase("zh")
	mul = language.MustParseBase("mul")
)

// Word marks an English word passed as an argument of a message, such as a
// resource's name in "%s not found", so that it is translated with the
// message. Data (names, codes, numbers) are passed as they are.
type Word string

// Message renders an English format and its arguments in lang.
func Message(lang Lang, format string, args ...any) string {
	return render(lang, format, args, "")
}

// render formats format with args in lang. english, when not empty, is the
// message already rendered in English. A format without a translation is
// told in English, as is a literal message (format == "") missing from the
// catalogue.
func render(lang Lang, format string, args []any, english string) string {
	if format == "" {
		if lang == ZhCN {
			if zh, ok := zhCN[english]; ok {
				return zh
			}
		}
		return english
	}
	if lang == ZhCN {
		zh, ok := zhCN[format]
		if ok {
			return fmt.Sprintf(zh, translateWords(args)...)
		}
	}
	if english != "" {
		return english
	}
	return fmt.Sprintf(format, args...)
}

// translateWords translates the Words among args, and writes each Instant
// the way a Chinese reader writes one: 2026-12-15 09:00.
func translateWords(args []any) []any {
	var out []any
	for i, a := range args {
		var zh string
		switch v := a.(type) {
		case Word:
			t, ok := zhCN[string(v)]
			if !ok {
				continue
			}
			zh = t
		case Instant:
			zh = v.readable()
		default:
			continue
		}
		if out == nil {
			out = append([]any(nil), args...)
		}
		out[i] = zh
	}
	if out == nil {
		return args
	}
	return out
}

// Translated reports whether the catalogue holds a Chinese text for an
// English format, literal message or Word.
func Translated(format string) bool {
	_, ok := zhCN[format]
	return ok || isOnlyVerbs(format)
}

// isOnlyVerbs reports whether format has nothing to translate, such as
// "%s" passing on a message.
func isOnlyVerbs(format string) bool {
	rest := format
	for rest != "" {
		i := strings.IndexByte(rest, '%')
		if i != 0 || len(rest) < 2 {
			return false
		}
		rest = rest[2:]
	}
	return format != ""
}

// internalMessage is the detail of every 500: what went wrong is logged,
// never told.
const internalMessage = "an internal error occurred; quote the request id when reporting it"

// Localize returns err as a client sees it in lang: an *Error whose Message
// and field messages are rendered in lang, with the same code. An error
// without a code becomes an opaque Internal error. The result is a copy;
// err is not changed.
func Localize(err error, lang Lang) *Error {
	var e *Error
	if !errors.As(err, &e) {
		return &Error{Code: Internal, Message: render(lang, internalMessage, nil, internalMessage), Err: err}
	}
	out := *e
	out.Message = render(lang, e.Format, e.Args, e.Message)
	if len(e.Fields) > 0 {
		out.Fields = make([]FieldError, len(e.Fields))
		for i, f := range e.Fields {
			f.Message = render(lang, f.Format, f.Args, f.Message)
			out.Fields[i] = f
		}
	}
	return &out
}

// Title is the short title of a code in lang, and whether the code has one.
func Title(code Code, lang Lang) (string, bool) {
	t, ok := titles[code]
	if !ok {
		return "", false
	}
	if lang == ZhCN {
		return t.zh, true
	}
	return t.en, true
}

// Instant is a moment a message names: RFC 3339 in English, for
// developers, and 2026-12-15 09:00 in Chinese, in its own offset. Only the
// server's own instants are Instants: a string a client sent is quoted
// as it came.
type Instant time.Time

// String writes the instant as RFC 3339.
func (i Instant) String() string { return time.Time(i).Format(time.RFC3339) }

func (i Instant) readable() string {
	t := time.Time(i)
	if t.Second() != 0 || t.Nanosecond() != 0 {
		return t.Format("2006-01-02 15:04:05")
	}
	return t.Format("2006-01-02 15:04")
}
