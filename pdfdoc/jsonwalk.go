package pdfdoc

// This file holds the strict JSON reader behind ParseTemplate and ParseData:
// it walks a decoded document member by member so that every error names
// the exact path ("fields[2].label.ru"), which encoding/json's
// DisallowUnknownFields cannot do (it reports only the member's name).

import (
	"bytes"
	"encoding/json"
	"errors"
	"slices"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/tamgasign/tamga/internal/canon"
)

// decodeStrict parses a template or data document. The bytes first go
// through the JCS canonicalizer, which rejects duplicate member names,
// invalid UTF-8 and lone surrogates (encoding/json would silently keep the
// last duplicate or replace bad bytes with U+FFFD, so two readers could see
// different documents).
func decodeStrict(doc string, b []byte, limit int) (*jobj, []byte, error) {
	if len(b) > limit {
		return nil, nil, &FieldError{Doc: doc, Err: ErrInvalidValue,
			Reason: "document is " + strconv.Itoa(len(b)) + " bytes, the limit is " + strconv.Itoa(limit)}
	}
	canonical, err := canon.Transform(b)
	if err != nil {
		return nil, nil, &FieldError{Doc: doc, Err: ErrInvalidValue, Reason: "not valid JSON (" + err.Error() + ")"}
	}
	dec := json.NewDecoder(bytes.NewReader(canonical))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, nil, &FieldError{Doc: doc, Err: ErrInvalidValue, Reason: "not valid JSON"}
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, nil, &FieldError{Doc: doc, Err: ErrInvalidValue, Reason: "the document must be a JSON object"}
	}
	return &jobj{doc: doc, m: m, seen: map[string]bool{}}, canonical, nil
}

// jobj is one JSON object being read; it remembers which members were read
// so that done can report the ones nobody asked for.
type jobj struct {
	doc  string
	path string
	m    map[string]any
	seen map[string]bool
}

func (o *jobj) field(key string) string {
	if o.path == "" {
		return key
	}
	return o.path + "." + key
}

func (o *jobj) fail(key string, kind error, reason string) error {
	return &FieldError{Doc: o.doc, Field: o.field(key), Err: kind, Reason: reason}
}

// get returns the member, or nil when it is absent or JSON null.
func (o *jobj) get(key string) any {
	o.seen[key] = true
	return o.m[key]
}

// str reads a string member of at most maxRunes characters. Control
// characters (including newlines and tabs) are refused: every string ends
// up on one line of a printed document, and a hidden character could make
// two different values look the same on paper.
func (o *jobj) str(key string, required bool, maxRunes int) (string, error) {
	v := o.get(key)
	if v == nil {
		if required {
			return "", o.fail(key, ErrMissingField, "")
		}
		return "", nil
	}
	s, ok := v.(string)
	if !ok {
		return "", o.fail(key, ErrInvalidValue, "must be a string")
	}
	if err := checkText(s, maxRunes); err != nil {
		return "", o.fail(key, ErrInvalidValue, err.Error())
	}
	if required && strings.TrimSpace(s) == "" {
		return "", o.fail(key, ErrMissingField, "must not be empty")
	}
	return s, nil
}

func checkText(s string, maxRunes int) error {
	if n := utf8.RuneCountInString(s); n > maxRunes {
		return errors.New("longer than " + strconv.Itoa(maxRunes) + " characters")
	}
	for _, r := range s {
		if unicode.IsControl(r) || r == '\u2028' || r == '\u2029' || unicode.Is(unicode.Cf, r) {
			return errors.New("contains the control or format character " + strconv.QuoteRune(r) + "; remove it")
		}
		if !fontHas(r) {
			return errors.New("contains " + strconv.QuoteRune(r) + ", which the embedded DejaVu Sans font cannot draw")
		}
	}
	return nil
}

func (o *jobj) num(key string, required bool, lo, hi float64) (float64, bool, error) {
	v := o.get(key)
	if v == nil {
		if required {
			return 0, false, o.fail(key, ErrMissingField, "")
		}
		return 0, false, nil
	}
	n, ok := v.(json.Number)
	if !ok {
		return 0, false, o.fail(key, ErrInvalidValue, "must be a number")
	}
	f, err := n.Float64()
	if err != nil || f < lo || f > hi {
		return 0, false, o.fail(key, ErrInvalidValue,
			"must be between "+strconv.FormatFloat(lo, 'f', -1, 64)+" and "+strconv.FormatFloat(hi, 'f', -1, 64))
	}
	return f, true, nil
}

func (o *jobj) boolean(key string) (bool, error) {
	v := o.get(key)
	if v == nil {
		return false, nil
	}
	b, ok := v.(bool)
	if !ok {
		return false, o.fail(key, ErrInvalidValue, "must be true or false")
	}
	return b, nil
}

func (o *jobj) object(key string, required bool) (*jobj, error) {
	v := o.get(key)
	if v == nil {
		if required {
			return nil, o.fail(key, ErrMissingField, "")
		}
		return nil, nil
	}
	m, ok := v.(map[string]any)
	if !ok {
		return nil, o.fail(key, ErrInvalidValue, "must be an object")
	}
	return &jobj{doc: o.doc, path: o.field(key), m: m, seen: map[string]bool{}}, nil
}

func (o *jobj) array(key string, required bool, maxLen int) ([]any, error) {
	v := o.get(key)
	if v == nil {
		if required {
			return nil, o.fail(key, ErrMissingField, "")
		}
		return nil, nil
	}
	a, ok := v.([]any)
	if !ok {
		return nil, o.fail(key, ErrInvalidValue, "must be an array")
	}
	if len(a) > maxLen {
		return nil, o.fail(key, ErrInvalidValue, "has more than "+strconv.Itoa(maxLen)+" elements")
	}
	if required && len(a) == 0 {
		return nil, o.fail(key, ErrMissingField, "must not be empty")
	}
	return a, nil
}

// elem wraps the i-th element of an array member as an object.
func (o *jobj) elem(key string, i int, v any) (*jobj, error) {
	p := o.field(key) + "[" + strconv.Itoa(i) + "]"
	m, ok := v.(map[string]any)
	if !ok {
		return nil, &FieldError{Doc: o.doc, Field: p, Err: ErrInvalidValue, Reason: "must be an object"}
	}
	return &jobj{doc: o.doc, path: p, m: m, seen: map[string]bool{}}, nil
}

// done reports the first (in sorted order, so errors are stable) member
// that was never read.
func (o *jobj) done() error {
	var unknown []string
	for k := range o.m {
		if !o.seen[k] {
			unknown = append(unknown, k)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	slices.Sort(unknown)
	return o.fail(unknown[0], ErrUnknownField, "remove it or check its spelling")
}

// keys returns the object's member names in sorted order, marking them read.
func (o *jobj) keys() []string {
	ks := make([]string, 0, len(o.m))
	for k := range o.m {
		o.seen[k] = true
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// validKey reports whether s can name a data value: a lower-case ASCII
// identifier, so that placeholders are unambiguous in any script.
func validKey(s string) bool {
	if len(s) == 0 || len(s) > 64 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
