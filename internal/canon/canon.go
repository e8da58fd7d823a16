// Package canon implements the JSON Canonicalization Scheme (JCS, RFC 8785):
// one byte sequence for every JSON value, so that a digest or signature over
// JSON does not depend on key order, whitespace, escaping or number
// spelling.
//
// tamga hashes a result document's data this way (the seal's data digest)
// and signs its seal trust lists in this form. The package parses the input
// itself instead of going through encoding/json because JCS needs what
// encoding/json hides or gets wrong for this purpose: duplicate keys must
// be rejected (encoding/json keeps the last one silently, so two parsers
// could see different data under one digest), lone surrogates and invalid
// UTF-8 must be rejected rather than replaced with U+FFFD, and numbers must
// be handled as IEEE 754 doubles and printed the ECMAScript way.
//
// Input is I-JSON (RFC 7493): UTF-8 without a byte order mark, no duplicate
// member names, numbers within double range, strings of Unicode scalar
// values. Nesting is limited to MaxDepth. Time and memory are linear in the
// input size.
package canon

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"unicode/utf16"
	"unicode/utf8"
)

// MaxDepth is the deepest nesting of arrays and objects Transform accepts.
const MaxDepth = 64

// Sentinel errors; every error from Transform is an *Error wrapping one.
var (
	// ErrSyntax: the input is not JSON (or not I-JSON: invalid UTF-8, a
	// lone surrogate, a byte order mark).
	ErrSyntax = errors.New("canon: invalid JSON")
	// ErrDuplicateKey: an object has two members with the same name.
	ErrDuplicateKey = errors.New("canon: duplicate object member name")
	// ErrNumberRange: a number is outside the range of an IEEE 754 double.
	ErrNumberRange = errors.New("canon: number out of range")
	// ErrTooDeep: arrays and objects are nested deeper than MaxDepth.
	ErrTooDeep = errors.New("canon: JSON nested too deeply")
)

// Error locates a problem in the input.
type Error struct {
	Offset int   // byte offset in the input
	Err    error // one of the sentinel errors
	Detail string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%v at byte %d: %s", e.Err, e.Offset, e.Detail)
}

func (e *Error) Unwrap() error { return e.Err }

// Transform returns the canonical form of the JSON text in data.
func Transform(data []byte) ([]byte, error) {
	p := &parser{in: data}
	out := make([]byte, 0, len(data))
	p.ws()
	out, err := p.value(out, 0)
	if err != nil {
		return nil, err
	}
	p.ws()
	if p.pos != len(p.in) {
		return nil, p.fail(ErrSyntax, "data after the JSON value")
	}
	return out, nil
}

type parser struct {
	in  []byte
	pos int
}

func (p *parser) fail(err error, detail string) error {
	return &Error{Offset: p.pos, Err: err, Detail: detail}
}

func (p *parser) ws() {
	for p.pos < len(p.in) {
		switch p.in[p.pos] {
		case ' ', '\t', '\n', '\r':
			p.pos++
		default:
			return
		}
	}
}

// value parses one value and appends its canonical form to out.
func (p *parser) value(out []byte, depth int) ([]byte, error) {
	if p.pos >= len(p.in) {
		return nil, p.fail(ErrSyntax, "unexpected end of input")
	}
	switch c := p.in[p.pos]; {
	case c == '{':
		return p.object(out, depth+1)
	case c == '[':
		return p.array(out, depth+1)
	case c == '"':
		s, err := p.str()
		if err != nil {
			return nil, err
		}
		return appendString(out, s), nil
	case c == '-' || (c >= '0' && c <= '9'):
		return p.number(out)
	default:
		for _, lit := range []string{"true", "false", "null"} {
			if bytes.HasPrefix(p.in[p.pos:], []byte(lit)) {
				p.pos += len(lit)
				return append(out, lit...), nil
			}
		}
		return nil, p.fail(ErrSyntax, "expected a JSON value")
	}
}

type member struct {
	key   string
	key16 []uint16 // the name in UTF-16 code units, the JCS sort key
	val   []byte
}

func (p *parser) object(out []byte, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return nil, p.fail(ErrTooDeep, "more than "+strconv.Itoa(MaxDepth)+" levels")
	}
	p.pos++ // '{'
	p.ws()
	var ms []member
	if p.pos < len(p.in) && p.in[p.pos] == '}' {
		p.pos++
		return append(out, "{}"...), nil
	}
	for {
		p.ws()
		if p.pos >= len(p.in) || p.in[p.pos] != '"' {
			return nil, p.fail(ErrSyntax, "expected a member name")
		}
		k, err := p.str()
		if err != nil {
			return nil, err
		}
		p.ws()
		if p.pos >= len(p.in) || p.in[p.pos] != ':' {
			return nil, p.fail(ErrSyntax, "expected ':'")
		}
		p.pos++
		p.ws()
		v, err := p.value(nil, depth)
		if err != nil {
			return nil, err
		}
		ms = append(ms, member{key: k, key16: utf16.Encode([]rune(k)), val: v})
		p.ws()
		if p.pos >= len(p.in) {
			return nil, p.fail(ErrSyntax, "unterminated object")
		}
		if p.in[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.in[p.pos] != '}' {
			return nil, p.fail(ErrSyntax, "expected ',' or '}'")
		}
		p.pos++
		break
	}
	slices.SortFunc(ms, func(a, b member) int { return slices.Compare(a.key16, b.key16) })
	out = append(out, '{')
	for i, m := range ms {
		if i > 0 {
			if m.key == ms[i-1].key {
				return nil, &Error{Offset: p.pos, Err: ErrDuplicateKey, Detail: strconv.Quote(m.key)}
			}
			out = append(out, ',')
		}
		out = appendString(out, m.key)
		out = append(out, ':')
		out = append(out, m.val...)
	}
	return append(out, '}'), nil
}

func (p *parser) array(out []byte, depth int) ([]byte, error) {
	if depth > MaxDepth {
		return nil, p.fail(ErrTooDeep, "more than "+strconv.Itoa(MaxDepth)+" levels")
	}
	p.pos++ // '['
	p.ws()
	out = append(out, '[')
	if p.pos < len(p.in) && p.in[p.pos] == ']' {
		p.pos++
		return append(out, ']'), nil
	}
	for first := true; ; first = false {
		if !first {
			out = append(out, ',')
		}
		p.ws()
		var err error
		if out, err = p.value(out, depth); err != nil {
			return nil, err
		}
		p.ws()
		if p.pos >= len(p.in) {
			return nil, p.fail(ErrSyntax, "unterminated array")
		}
		if p.in[p.pos] == ',' {
			p.pos++
			continue
		}
		if p.in[p.pos] != ']' {
			return nil, p.fail(ErrSyntax, "expected ',' or ']'")
		}
		p.pos++
		return append(out, ']'), nil
	}
}

// str parses a string literal and returns its value.
func (p *parser) str() (string, error) {
	p.pos++ // opening quote
	var b []byte
	for {
		if p.pos >= len(p.in) {
			return "", p.fail(ErrSyntax, "unterminated string")
		}
		c := p.in[p.pos]
		switch {
		case c == '"':
			p.pos++
			return string(b), nil
		case c < 0x20:
			return "", p.fail(ErrSyntax, "control character in string")
		case c == '\\':
			r, err := p.escape()
			if err != nil {
				return "", err
			}
			b = utf8.AppendRune(b, r)
		case c < utf8.RuneSelf:
			b = append(b, c)
			p.pos++
		default:
			r, n := utf8.DecodeRune(p.in[p.pos:])
			if r == utf8.RuneError && n <= 1 {
				return "", p.fail(ErrSyntax, "invalid UTF-8")
			}
			b = append(b, p.in[p.pos:p.pos+n]...)
			p.pos += n
		}
	}
}

// escape parses a backslash escape, including a \u surrogate pair.
func (p *parser) escape() (rune, error) {
	if p.pos+1 >= len(p.in) {
		return 0, p.fail(ErrSyntax, "unterminated escape")
	}
	c := p.in[p.pos+1]
	p.pos += 2
	switch c {
	case '"', '\\', '/':
		return rune(c), nil
	case 'b':
		return '\b', nil
	case 'f':
		return '\f', nil
	case 'n':
		return '\n', nil
	case 'r':
		return '\r', nil
	case 't':
		return '\t', nil
	case 'u':
		r, err := p.hex4()
		if err != nil {
			return 0, err
		}
		if !utf16.IsSurrogate(r) {
			return r, nil
		}
		if r >= 0xdc00 || p.pos+1 >= len(p.in) || p.in[p.pos] != '\\' || p.in[p.pos+1] != 'u' {
			return 0, p.fail(ErrSyntax, "lone surrogate in \\u escape")
		}
		p.pos += 2
		lo, err := p.hex4()
		if err != nil {
			return 0, err
		}
		r = utf16.DecodeRune(r, lo)
		if r == utf8.RuneError {
			return 0, p.fail(ErrSyntax, "lone surrogate in \\u escape")
		}
		return r, nil
	}
	return 0, p.fail(ErrSyntax, "invalid escape")
}

func (p *parser) hex4() (rune, error) {
	if p.pos+4 > len(p.in) {
		return 0, p.fail(ErrSyntax, "short \\u escape")
	}
	var r rune
	for _, c := range p.in[p.pos : p.pos+4] {
		r <<= 4
		switch {
		case c >= '0' && c <= '9':
			r |= rune(c - '0')
		case c >= 'a' && c <= 'f':
			r |= rune(c - 'a' + 10)
		case c >= 'A' && c <= 'F':
			r |= rune(c - 'A' + 10)
		default:
			return 0, p.fail(ErrSyntax, "invalid \\u escape")
		}
	}
	p.pos += 4
	return r, nil
}

// number parses a number (RFC 8259 grammar) and appends its ECMAScript
// form.
func (p *parser) number(out []byte) ([]byte, error) {
	start := p.pos
	digits := func() int {
		n := 0
		for p.pos < len(p.in) && p.in[p.pos] >= '0' && p.in[p.pos] <= '9' {
			p.pos++
			n++
		}
		return n
	}
	if p.in[p.pos] == '-' {
		p.pos++
	}
	switch {
	case p.pos < len(p.in) && p.in[p.pos] == '0':
		p.pos++
	case digits() == 0:
		return nil, p.fail(ErrSyntax, "invalid number")
	}
	if p.pos < len(p.in) && p.in[p.pos] == '.' {
		p.pos++
		if digits() == 0 {
			return nil, p.fail(ErrSyntax, "invalid number: no digits after '.'")
		}
	}
	if p.pos < len(p.in) && (p.in[p.pos] == 'e' || p.in[p.pos] == 'E') {
		p.pos++
		if p.pos < len(p.in) && (p.in[p.pos] == '+' || p.in[p.pos] == '-') {
			p.pos++
		}
		if digits() == 0 {
			return nil, p.fail(ErrSyntax, "invalid number: no exponent digits")
		}
	}
	f, err := strconv.ParseFloat(string(p.in[start:p.pos]), 64)
	if err != nil || math.IsInf(f, 0) {
		// ParseFloat rounds underflow to zero without error; only
		// overflow reaches here.
		return nil, &Error{Offset: start, Err: ErrNumberRange, Detail: string(p.in[start:p.pos])}
	}
	return AppendNumber(out, f), nil
}

// AppendNumber appends the ECMAScript (Number.prototype.toString) form of
// f, which JCS uses for every number: the shortest decimal that reads back
// as f, plain between 1e-6 and 1e21, exponential outside. f must be
// finite.
func AppendNumber(out []byte, f float64) []byte {
	if f == 0 {
		return append(out, '0') // also -0
	}
	if f < 0 {
		out = append(out, '-')
		f = -f
	}
	// Shortest round-trip digits d1.d2d3...e±x from strconv, which
	// chooses the same digits as ECMAScript.
	e := strconv.AppendFloat(nil, f, 'e', -1, 64)
	mant, exp, _ := bytes.Cut(e, []byte{'e'})
	ds := make([]byte, 0, len(mant))
	for _, c := range mant {
		if c != '.' {
			ds = append(ds, c)
		}
	}
	x, _ := strconv.Atoi(string(exp))
	k, n := len(ds), x+1 // value = 0.ds * 10^n
	switch {
	case k <= n && n <= 21:
		out = append(out, ds...)
		for range n - k {
			out = append(out, '0')
		}
	case 0 < n && n <= 21:
		out = append(out, ds[:n]...)
		out = append(out, '.')
		out = append(out, ds[n:]...)
	case -6 < n && n <= 0:
		out = append(out, "0."...)
		for range -n {
			out = append(out, '0')
		}
		out = append(out, ds...)
	default:
		out = append(out, ds[0])
		if k > 1 {
			out = append(out, '.')
			out = append(out, ds[1:]...)
		}
		out = append(out, 'e')
		if n-1 >= 0 {
			out = append(out, '+')
		}
		out = strconv.AppendInt(out, int64(n-1), 10)
	}
	return out
}

// appendString appends s as a JSON string literal the JCS way: only '"',
// '\\' and control characters are escaped, with the short forms where JSON
// has them and \u00xx (lower case) otherwise.
func appendString(out []byte, s string) []byte {
	const hex = "0123456789abcdef"
	out = append(out, '"')
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '"' || c == '\\':
			out = append(out, '\\', c)
		case c == '\b':
			out = append(out, '\\', 'b')
		case c == '\f':
			out = append(out, '\\', 'f')
		case c == '\n':
			out = append(out, '\\', 'n')
		case c == '\r':
			out = append(out, '\\', 'r')
		case c == '\t':
			out = append(out, '\\', 't')
		case c < 0x20:
			out = append(out, '\\', 'u', '0', '0', hex[c>>4], hex[c&0xf])
		default:
			out = append(out, c)
		}
	}
	return append(out, '"')
}
