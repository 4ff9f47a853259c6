// Package strictjson decodes request JSON strictly: unknown fields, wrong
// types, duplicate member names, invalid UTF-8 and trailing data are refused with field-level apperr problems —
// every wrong type and unknown field at once — so that nothing
// half-understood is acted on. The rules on values are the caller's, once
// the types are right.
package strictjson

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"strings"

	"yizhan/internal/apperr"
)

// Decode decodes data into v. It returns an apperr.Invalid error for a
// syntax error or data after the value, and one naming every offending
// field, with its path, for wrong types, unknown fields, member names given
// twice in one object, and strings that are not valid UTF-8 (lone
// surrogates included).
func Decode(data []byte, v any) error {
	if len(bytes.TrimSpace(data)) == 0 {
		return &apperr.Error{Code: apperr.Invalid, Message: "the request body is empty; a JSON value is required"}
	}
	if p := scanText(data); p.Len() > 0 {
		return p.Err()
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		if p := walkBody(data, v); p.Err() != nil {
			return p.Err() // every wrong type and unknown field, not only the first
		}
		return describe(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return &apperr.Error{Code: apperr.Invalid, Message: "the request body holds data after the JSON value"}
	}
	return nil
}

func describe(err error) error {
	var (
		syntax *json.SyntaxError
		typ    *json.UnmarshalTypeError
		p      apperr.Problems
	)
	switch {
	case errors.As(err, &syntax):
		return apperr.New(apperr.Invalid, "the request body is not valid JSON (at byte %d)", syntax.Offset)
	case errors.As(err, &typ):
		field := typ.Field
		if field == "" {
			return apperr.New(apperr.Invalid, "the request body must be a JSON %s", jsonKind(typ.Type.Kind().String()))
		}
		if kind, number, ok := strings.Cut(typ.Value, " "); ok && kind == "number" && isInteger(typ.Type.Kind()) {
			p.Add(field, "type", "must be a whole number in range, not %s", number)
			return p.Err()
		}
		p.Add(field, "type", "must be a JSON %s, not %s", jsonKind(typ.Type.Kind().String()), withArticle(typ.Value))
		return p.Err()
	case errors.Is(err, io.ErrUnexpectedEOF):
		return &apperr.Error{Code: apperr.Invalid, Message: "the request body is truncated JSON"}
	}
	// encoding/json reports unknown fields only as text: `json: unknown field "x"`.
	if name, ok := strings.CutPrefix(err.Error(), "json: unknown field "); ok {
		p.Add(strings.Trim(name, `"`), "unknown", "is not a known field")
		return p.Err()
	}
	var appErr *apperr.Error
	if errors.As(err, &appErr) {
		return appErr
	}
	return apperr.New(apperr.Invalid, "the request body could not be decoded: %v", err)
}

// withArticle turns encoding/json's name of a JSON value ("number",
// "number 1.5", "bool") into the walk's ("a number", "a boolean").
func withArticle(value string) apperr.Word {
	kind, _, _ := strings.Cut(value, " ")
	switch kind {
	case "bool":
		return "a boolean"
	case "array", "object":
		return apperr.Word("an " + kind)
	case "string", "number":
		return apperr.Word("a " + kind)
	}
	return apperr.Word(value)
}

func jsonKind(goKind string) apperr.Word {
	switch goKind {
	case "string":
		return "string"
	case "bool":
		return "boolean"
	case "slice", "array":
		return "array"
	case "map", "struct", "ptr":
		return "object"
	case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64":
		return "number"
	}
	return "value of another type"
}

// MergePatch applies a JSON merge patch (RFC 7396, section 2) to target, both
// decoded into any (maps, slices, strings, numbers, booleans and nil), and
// returns the result. target may be modified.
func MergePatch(target, patch any) any {
	pm, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	tm, ok := target.(map[string]any)
	if !ok {
		tm = map[string]any{}
	}
	for k, v := range pm {
		if v == nil {
			delete(tm, k)
			continue
		}
		tm[k] = MergePatch(tm[k], v)
	}
	return tm
}

// DecodePatch decodes the body of a JSON merge patch, which must be one JSON
// object, keeping numbers as json.Number so that merging never rounds them.
// what names the resource in the error ("a station").
func DecodePatch(patch []byte, what apperr.Word) (map[string]any, error) {
	if p := scanText(patch); p.Len() > 0 {
		return nil, p.Err()
	}
	var pm map[string]any
	dec := json.NewDecoder(bytes.NewReader(patch))
	dec.UseNumber()
	if err := dec.Decode(&pm); err != nil || pm == nil {
		return nil, apperr.New(apperr.Invalid, "a merge patch for %s must be a JSON object", what)
	}
	if dec.More() {
		return nil, apperr.New(apperr.Invalid, "the merge patch holds data after the JSON value")
	}
	return pm, nil
}

// ObjectOf returns v's JSON form as a generic object, the target a merge
// patch applies to. v must marshal to a JSON object.
func ObjectOf(v any) (map[string]any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return nil, err
	}
	return m, nil
}
