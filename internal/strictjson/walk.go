package strictjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"yizhan/internal/apperr"
)

// encoding/json stops at the first wrong type or unknown field. When it
// does, walk reads the body again as a generic value beside the Go type it
// was meant for, and reports every such mistake with its full path
// ("host.nick", "polyline[3][0]"), so that a client fixes them all at once.
// It runs only after a failed decode: a good body pays nothing for it.

var (
	unmarshalerType     = reflect.TypeFor[json.Unmarshaler]()
	textUnmarshalerType = reflect.TypeFor[encoding.TextUnmarshaler]()
)

// walkBody reports the wrong types and unknown fields of data against the
// type of v (a pointer). It reports nothing for what it cannot judge —
// types that decode themselves, and JSON it cannot parse.
func walkBody(data []byte, v any) apperr.Problems {
	var p apperr.Problems
	t := reflect.TypeOf(v)
	if t == nil || t.Kind() != reflect.Pointer || len(data) > maxWalk {
		return p
	}
	var tree any
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	if dec.Decode(&tree) != nil {
		return p
	}
	root := t.Elem()
	for root.Kind() == reflect.Pointer {
		root = root.Elem()
	}
	_, isObject := tree.(map[string]any)
	_, isArray := tree.([]any)
	switch root.Kind() {
	case reflect.Struct, reflect.Map:
		if !isObject {
			return p // a body of the wrong kind altogether: describe says so
		}
	case reflect.Slice, reflect.Array:
		if !isArray {
			return p
		}
	}
	w := walker{p: &p} // p lists the first apperr.MaxProblems and counts the rest
	w.walk("", tree, t.Elem())
	return p
}

// maxWalk is the largest body walked: an import of up to 20 MiB is left to
// encoding/json's first error rather than parsed a second time.
const maxWalk = 1 << 20

type walker struct{ p *apperr.Problems }

func (w *walker) add(field, code, format string, args ...any) { w.p.Add(field, code, format, args...) }

func (w *walker) walk(path string, val any, t reflect.Type) {
	if val == nil {
		return // null leaves any Go value as it is
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == numberType {
		switch v := val.(type) {
		case json.Number:
		case string: // encoding/json takes a number in a string, if it is one
			if v == "" || !json.Valid([]byte(v)) || !strings.ContainsRune("-0123456789", rune(v[0])) {
				w.add(field(path), "type", "must be a number, not %q", v)
			}
		default:
			w.wrongType(path, "number", val)
		}
		return
	}
	if selfDecoding(reflect.PointerTo(t)) {
		w.decodeItself(path, val, t)
		return
	}
	switch t.Kind() {
	case reflect.Interface:
		return
	case reflect.Struct:
		m, ok := val.(map[string]any)
		if !ok {
			w.wrongType(path, "object", val)
			return
		}
		fields := fieldsOf(t)
		for _, k := range sortedKeys(m) {
			f, ok := fields.lookup(k)
			if !ok {
				w.add(join(path, k), "unknown", "is not a known field")
				continue
			}
			if f.quoted {
				w.walkQuoted(join(path, k), m[k], f.typ)
				continue
			}
			w.walk(join(path, k), m[k], f.typ)
		}
	case reflect.Map:
		m, ok := val.(map[string]any)
		if !ok {
			w.wrongType(path, "object", val)
			return
		}
		for _, k := range sortedKeys(m) {
			w.walk(join(path, k), m[k], t.Elem())
		}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			if _, ok := val.(string); !ok {
				w.wrongType(path, "string", val) // []byte is base64 text
			}
			return
		}
		a, ok := val.([]any)
		if !ok {
			w.wrongType(path, "array", val)
			return
		}
		for i, e := range a {
			w.walk(fmt.Sprintf("%s[%d]", path, i), e, t.Elem())
		}
	case reflect.String:
		if _, ok := val.(string); !ok {
			w.wrongType(path, "string", val)
		}
	case reflect.Bool:
		if _, ok := val.(bool); !ok {
			w.wrongType(path, "boolean", val)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := val.(json.Number)
		if !ok {
			w.wrongType(path, "number", val)
			return
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			w.badInteger(path, n, err)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := val.(json.Number)
		if !ok {
			w.wrongType(path, "number", val)
			return
		}
		if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
			if _, ierr := strconv.ParseInt(string(n), 10, 64); ierr == nil || strings.HasPrefix(string(n), "-") && isRange(ierr) {
				w.add(field(path), "out_of_range", "%s is out of range", n) // a negative whole number
				return
			}
			w.badInteger(path, n, err)
		}
	case reflect.Float32, reflect.Float64:
		n, ok := val.(json.Number)
		if !ok {
			w.wrongType(path, "number", val)
			return
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			w.add(field(path), "out_of_range", "%s is out of range", n)
		}
	}
}

var numberType = reflect.TypeFor[json.Number]()

func selfDecoding(t reflect.Type) bool {
	return t.Implements(unmarshalerType) || t.Implements(textUnmarshalerType)
}

// decodeItself hands val to the decoder of its type (t, whose pointer
// decodes itself), as encoding/json would, and reports its refusal at path.
func (w *walker) decodeItself(path string, val any, t reflect.Type) {
	dst := reflect.New(t).Interface()
	var err error
	if u, ok := dst.(json.Unmarshaler); ok {
		raw, merr := json.Marshal(val)
		if merr != nil {
			return
		}
		err = u.UnmarshalJSON(raw)
	} else {
		str, ok := val.(string)
		if !ok {
			w.wrongType(path, "string", val)
			return
		}
		err = dst.(encoding.TextUnmarshaler).UnmarshalText([]byte(str))
	}
	if err == nil {
		return
	}
	var (
		e   *apperr.Error
		typ *json.UnmarshalTypeError
	)
	switch {
	case errors.As(err, &typ) && typ.Type != nil:
		if n, ok := val.(json.Number); ok && isInteger(typ.Type.Kind()) {
			_, perr := strconv.ParseInt(string(n), 10, 64)
			w.badInteger(path, n, perr) // a fraction, or too large
			return
		}
		w.add(field(path), "type", "must be a JSON %s, not %s", jsonKind(typ.Type.Kind().String()), kindOf(val))
	case errors.As(err, &e):
		w.p.AddAll(path, err)
	case t == timeType:
		w.add(field(path), "format", "must be an RFC 3339 time, such as \"2026-12-02T09:00:00+08:00\"")
	default:
		w.add(field(path), "format", "is not valid here: %v", err)
	}
}

var timeType = reflect.TypeFor[time.Time]()

func isInteger(k reflect.Kind) bool {
	switch k {
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return true
	}
	return false
}

// walkQuoted checks a `json:",string"` field (a number or boolean written
// inside a string) by asking encoding/json itself, through a one-field
// struct of the field's type and tag: the rules of what such a string may
// hold are its own, and only it knows them exactly.
func (w *walker) walkQuoted(path string, val any, t reflect.Type) {
	raw, err := json.Marshal(val)
	if err != nil {
		w.add(field(path), "type", "must be a number or boolean written inside a string")
		return
	}
	probe := reflect.New(reflect.StructOf([]reflect.StructField{{Name: "X", Type: t, Tag: `json:"x,string"`}}))
	if json.Unmarshal(append(append([]byte(`{"x":`), raw...), '}'), probe.Interface()) != nil {
		w.add(field(path), "type", "must be a number or boolean written inside a string")
	}
}

func (w *walker) wrongType(path string, want apperr.Word, val any) {
	w.add(field(path), "type", "must be a JSON %s, not %s", want, kindOf(val))
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func (w *walker) badInteger(path string, n json.Number, err error) {
	// A whole number too large for the field, whether written 10000000000
	// or 1e30, is out of range; 1.5, and 1e3 (encoding/json wants digits),
	// are not whole numbers.
	f, ferr := strconv.ParseFloat(string(n), 64)
	if isRange(err) || ferr == nil && f == math.Trunc(f) && math.Abs(f) >= 1<<53 {
		w.add(field(path), "out_of_range", "%s is out of range", n)
		return
	}
	w.add(field(path), "type", "must be a whole number, not %s", n)
}

// field names the body itself for a mistake at its root (a scalar where a
// scalar of another kind was meant).
func field(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

func kindOf(val any) apperr.Word {
	switch val.(type) {
	case string:
		return "a string"
	case json.Number:
		return "a number"
	case bool:
		return "a boolean"
	case []any:
		return "an array"
	case map[string]any:
		return "an object"
	}
	return "null"
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

func sortedKeys(m map[string]any) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// structFields are a struct's JSON members, as encoding/json sees them:
// named by tag or field name, embedded structs' members promoted, and
// matched exactly or else without regard to case.
type structFields struct {
	exact map[string]fieldInfo
	all   []fieldInfo
}

type fieldInfo struct {
	name   string
	typ    reflect.Type
	quoted bool
}

func (s structFields) lookup(key string) (fieldInfo, bool) {
	if f, ok := s.exact[key]; ok {
		return f, true
	}
	for _, f := range s.all {
		if strings.EqualFold(f.name, key) {
			return f, true
		}
	}
	return fieldInfo{}, false
}

var fieldCache sync.Map // reflect.Type → structFields

func fieldsOf(t reflect.Type) structFields {
	if f, ok := fieldCache.Load(t); ok {
		return f.(structFields)
	}
	s := structFields{exact: map[string]fieldInfo{}}
	seen := map[reflect.Type]bool{}
	var collect func(t reflect.Type)
	collect = func(t reflect.Type) {
		if seen[t] {
			return // a struct that embeds itself, through a pointer
		}
		seen[t] = true
		var embedded []reflect.Type
		for i := range t.NumField() {
			f := t.Field(i)
			tag := f.Tag.Get("json")
			if tag == "-" {
				continue
			}
			name, opts, _ := strings.Cut(tag, ",")
			ft := f.Type
			if f.Anonymous && name == "" {
				if ft.Kind() == reflect.Pointer {
					ft = ft.Elem()
				}
				if ft.Kind() == reflect.Struct {
					embedded = append(embedded, ft) // promoted, after this level's own
					continue
				}
			}
			if !f.IsExported() {
				continue
			}
			if name == "" {
				name = f.Name
			}
			if _, dup := s.exact[name]; dup {
				continue // the shallower field wins, as in encoding/json
			}
			fi := fieldInfo{name: name, typ: f.Type, quoted: slices.Contains(strings.Split(opts, ","), "string")}
			s.exact[name] = fi
			s.all = append(s.all, fi)
		}
		for _, e := range embedded {
			collect(e)
		}
	}
	collect(t)
	fieldCache.Store(t, s)
	return s
}
