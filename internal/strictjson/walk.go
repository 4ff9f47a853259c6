package strictjson

import (
	"bytes"
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"

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
	if t == nil || t.Kind() != reflect.Pointer {
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
	walk(&p, "", tree, t.Elem())
	return p
}

func walk(p *apperr.Problems, path string, val any, t reflect.Type) {
	if val == nil {
		return // null leaves any Go value as it is
	}
	for t.Kind() == reflect.Pointer {
		if selfDecoding(t) {
			return
		}
		t = t.Elem()
	}
	if selfDecoding(t) || selfDecoding(reflect.PointerTo(t)) {
		return
	}
	switch t.Kind() {
	case reflect.Interface:
		return
	case reflect.Struct:
		m, ok := val.(map[string]any)
		if !ok {
			wrongType(p, path, "object", val)
			return
		}
		fields := fieldsOf(t)
		for _, k := range sortedKeys(m) {
			f, ok := fields.lookup(k)
			if !ok {
				p.Add(join(path, k), "unknown", "is not a known field")
				continue
			}
			if f.quoted {
				continue // `json:",string"`: a number or boolean inside a string
			}
			walk(p, join(path, k), m[k], f.typ)
		}
	case reflect.Map:
		m, ok := val.(map[string]any)
		if !ok {
			wrongType(p, path, "object", val)
			return
		}
		for _, k := range sortedKeys(m) {
			walk(p, join(path, k), m[k], t.Elem())
		}
	case reflect.Slice, reflect.Array:
		if t.Elem().Kind() == reflect.Uint8 && t.Kind() == reflect.Slice {
			if _, ok := val.(string); !ok {
				wrongType(p, path, "string", val) // []byte is base64 text
			}
			return
		}
		a, ok := val.([]any)
		if !ok {
			wrongType(p, path, "array", val)
			return
		}
		for i, e := range a {
			walk(p, fmt.Sprintf("%s[%d]", path, i), e, t.Elem())
		}
	case reflect.String:
		if _, ok := val.(string); !ok {
			wrongType(p, path, "string", val)
		}
	case reflect.Bool:
		if _, ok := val.(bool); !ok {
			wrongType(p, path, "boolean", val)
		}
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		n, ok := val.(json.Number)
		if !ok {
			wrongType(p, path, "number", val)
			return
		}
		if _, err := strconv.ParseInt(string(n), 10, t.Bits()); err != nil {
			badInteger(p, path, n, err)
		}
	case reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		n, ok := val.(json.Number)
		if !ok {
			wrongType(p, path, "number", val)
			return
		}
		if _, err := strconv.ParseUint(string(n), 10, t.Bits()); err != nil {
			if _, ierr := strconv.ParseInt(string(n), 10, 64); ierr == nil || strings.HasPrefix(string(n), "-") && isRange(ierr) {
				p.Add(field(path), "out_of_range", "%s is out of range", n) // a negative whole number
				return
			}
			badInteger(p, path, n, err)
		}
	case reflect.Float32, reflect.Float64:
		n, ok := val.(json.Number)
		if !ok {
			wrongType(p, path, "number", val)
			return
		}
		if _, err := strconv.ParseFloat(string(n), t.Bits()); err != nil {
			p.Add(field(path), "out_of_range", "%s is out of range", n)
		}
	}
}

func selfDecoding(t reflect.Type) bool {
	return t.Implements(unmarshalerType) || t.Implements(textUnmarshalerType)
}

func wrongType(p *apperr.Problems, path, want string, val any) {
	p.Add(field(path), "type", "must be a JSON %s, not %s", want, kindOf(val))
}

func isRange(err error) bool {
	ne, ok := err.(*strconv.NumError)
	return ok && ne.Err == strconv.ErrRange
}

func badInteger(p *apperr.Problems, path string, n json.Number, err error) {
	if isRange(err) {
		p.Add(field(path), "out_of_range", "%s is out of range", n)
		return
	}
	p.Add(field(path), "type", "must be a whole number, not %s", n)
}

// field names the body itself for a mistake at its root (a scalar where a
// scalar of another kind was meant).
func field(path string) string {
	if path == "" {
		return "body"
	}
	return path
}

func kindOf(val any) string {
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
	var collect func(t reflect.Type)
	collect = func(t reflect.Type) {
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
