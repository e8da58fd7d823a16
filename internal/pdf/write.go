// This file holds the serialiser: deterministic PDF syntax for objects,
// with the offsets of placeholders recorded as they are written.

package pdf

import (
	"bufio"
	"bytes"
	"fmt"
	"hash"
	"io"
	"math"
	"strconv"
	"strings"
)

// PlaceholderKind says what a Placeholder reserves.
type PlaceholderKind int

// The kinds of placeholder.
const (
	// PlaceholderHex reserves a hex string of Size bytes, written as "<"
	// followed by 2*Size zeros and ">": room for a CMS signature in a
	// signature dictionary's /Contents. Patch it with FormatHex.
	PlaceholderHex PlaceholderKind = iota + 1
	// PlaceholderByteRange reserves a /ByteRange array, written as
	// "[0 ********** ********** **********]" (36 bytes; offsets of up to
	// ten digits). Patch it with FormatByteRange. Left unpatched it is not
	// valid PDF, so a forgotten patch cannot pass for a signature.
	PlaceholderByteRange
)

// byteRangeTemplate is what PlaceholderByteRange writes.
const byteRangeTemplate = "[0 ********** ********** **********]"

// Placeholder is a value that the Updater writes as a fixed-width run of
// bytes and whose span in the output it reports in UpdateResult, so that a
// signer can fill it in after hashing the rest of the file.
type Placeholder struct {
	Name string // identifies it in UpdateResult.Placeholders; unique per update
	Kind PlaceholderKind
	Size int // PlaceholderHex: the number of bytes the string holds
}

func (Placeholder) isObject() {}

// FormatHex returns the bytes to write over a PlaceholderHex span: data in
// hex, padded with zeros to the span's width. It fails with ErrLimit
// (Limit "PlaceholderSize") when data does not fit.
func FormatHex(span Span, data []byte) ([]byte, error) {
	w := span.Len()
	if w < 2 || 2*int64(len(data))+2 > w {
		return nil, &Error{Err: ErrLimit, Offset: span.Start, Limit: "PlaceholderSize",
			Detail: fmt.Sprintf("%d bytes do not fit a placeholder of %d hex digits; reserve a larger Size", len(data), w-2)}
	}
	out := make([]byte, w)
	out[0] = '<'
	const digits = "0123456789abcdef"
	for i, c := range data {
		out[1+2*i] = digits[c>>4]
		out[2+2*i] = digits[c&15]
	}
	for i := 1 + 2*len(data); i < int(w)-1; i++ {
		out[i] = '0'
	}
	out[w-1] = '>'
	return out, nil
}

// FormatByteRange returns the bytes to write over a PlaceholderByteRange
// span: "[a b c d]" padded with spaces before "]" to the span's width.
func FormatByteRange(span Span, br [4]int64) ([]byte, error) {
	s := fmt.Sprintf("[%d %d %d %d", br[0], br[1], br[2], br[3])
	for _, v := range br {
		if v < 0 {
			return nil, &Error{Err: ErrMalformed, Offset: span.Start, Detail: "negative /ByteRange value"}
		}
	}
	w := int(span.Len())
	if len(s)+1 > w {
		return nil, &Error{Err: ErrLimit, Offset: span.Start, Limit: "PlaceholderSize", Detail: "the byte range does not fit the placeholder"}
	}
	out := make([]byte, w)
	copy(out, s)
	for i := len(s); i < w-1; i++ {
		out[i] = ' '
	}
	out[w-1] = ']'
	return out, nil
}

// serializer writes PDF syntax and counts the offset.
type serializer struct {
	w     *bufio.Writer
	off   int64
	err   error
	f     *File // source of the data of streams read from it
	h     hash.Hash
	marks map[string]Span
}

func (s *serializer) write(b []byte) {
	if s.err != nil {
		return
	}
	n, err := s.w.Write(b)
	s.off += int64(n)
	s.err = err
	if s.h != nil {
		s.h.Write(b)
	}
}

func (s *serializer) str(x string) { s.write([]byte(x)) }

func (s *serializer) fail(format string, args ...any) {
	if s.err == nil {
		s.err = &Error{Err: ErrMalformed, Offset: -1, Detail: "cannot write: " + fmt.Sprintf(format, args...)}
	}
}

// object writes o in its canonical form.
func (s *serializer) object(o Object, depth int) {
	if depth > maxEqualDepth {
		s.fail("objects nested deeper than %d", maxEqualDepth)
		return
	}
	switch v := o.(type) {
	case nil, Null:
		s.str("null")
	case Bool:
		if v {
			s.str("true")
		} else {
			s.str("false")
		}
	case Int:
		s.str(strconv.FormatInt(int64(v), 10))
	case Real:
		f := float64(v)
		if math.IsNaN(f) || math.IsInf(f, 0) {
			s.fail("real number %v", f)
			return
		}
		r := strconv.FormatFloat(f, 'f', -1, 64)
		if !strings.Contains(r, ".") {
			r += ".0" // so that it reads back as a real, not an integer
		}
		s.str(r)
	case Name:
		s.write(appendName(nil, v))
	case String:
		s.write(appendString(nil, v))
	case Ref:
		s.str(fmt.Sprintf("%d %d R", v.Num, v.Gen))
	case Array:
		s.str("[")
		for i, e := range v {
			if i > 0 {
				s.str(" ")
			}
			s.object(e, depth+1)
		}
		s.str("]")
	case *Dict:
		s.dict(v, nil, depth)
	case *Stream:
		s.fail("a stream must be an indirect object")
	case Placeholder:
		s.placeholder(v)
	default:
		s.fail("value of type %T", o)
	}
}

func (s *serializer) dict(d *Dict, override map[Name]Object, depth int) {
	s.str("<<")
	for _, e := range d.Entries() {
		if _, ok := override[e.Key]; ok {
			continue
		}
		s.str(" ")
		s.write(appendName(nil, e.Key))
		s.str(" ")
		s.object(e.Value, depth+1)
	}
	for _, k := range []Name{"Length"} {
		if v, ok := override[k]; ok {
			s.str(" ")
			s.write(appendName(nil, k))
			s.str(" ")
			s.object(v, depth+1)
		}
	}
	s.str(" >>")
}

func (s *serializer) placeholder(p Placeholder) {
	if p.Name == "" {
		s.fail("placeholder without a name")
		return
	}
	if _, dup := s.marks[p.Name]; dup {
		s.fail("two placeholders named %q", p.Name)
		return
	}
	start := s.off
	switch p.Kind {
	case PlaceholderHex:
		if p.Size <= 0 || p.Size > 1<<24 {
			s.fail("hex placeholder %q of %d bytes", p.Name, p.Size)
			return
		}
		s.str("<")
		s.write(bytes.Repeat([]byte("0"), 2*p.Size))
		s.str(">")
	case PlaceholderByteRange:
		s.str(byteRangeTemplate)
	default:
		s.fail("placeholder %q of unknown kind %d", p.Name, p.Kind)
		return
	}
	s.marks[p.Name] = Span{start, s.off}
}

// stream writes a stream object's dictionary (with its /Length) and data.
func (s *serializer) stream(st *Stream, depth int) {
	var n int64
	var data io.Reader
	switch {
	case st.made:
		n, data = int64(len(st.raw)), bytes.NewReader(st.raw)
	case s.f != nil && st.Data.Start >= 0 && st.Data.End <= s.f.size && st.Data.End >= st.Data.Start:
		n, data = st.Data.Len(), s.f.RawReader(st)
	default:
		s.fail("stream without data")
		return
	}
	s.dict(st.Dict, map[Name]Object{"Length": Int(n)}, depth)
	s.str("\nstream\n")
	if s.err != nil {
		return
	}
	buf := make([]byte, 32<<10)
	for {
		k, err := data.Read(buf)
		s.write(buf[:k])
		if err == io.EOF {
			break
		}
		if err != nil {
			if s.err == nil {
				s.err = err
			}
			return
		}
	}
	s.str("\nendstream")
}

// appendName appends /name with the characters outside the regular
// printable range escaped as #xx (§7.3.5).
func appendName(b []byte, n Name) []byte {
	b = append(b, '/')
	for i := 0; i < len(n); i++ {
		c := n[i]
		if c < 0x21 || c > 0x7e || c == '#' || isDelim(c) {
			b = append(b, '#', "0123456789ABCDEF"[c>>4], "0123456789ABCDEF"[c&15])
			continue
		}
		b = append(b, c)
	}
	return b
}

// appendString appends a literal string when v is printable ASCII and was
// not written in hex, otherwise a hex string.
func appendString(b []byte, v String) []byte {
	hex := v.Hex
	for _, c := range v.Value {
		if c < 0x20 || c > 0x7e {
			hex = true
			break
		}
	}
	if hex {
		b = append(b, '<')
		for _, c := range v.Value {
			b = append(b, "0123456789abcdef"[c>>4], "0123456789abcdef"[c&15])
		}
		return append(b, '>')
	}
	b = append(b, '(')
	for _, c := range v.Value {
		if c == '(' || c == ')' || c == '\\' {
			b = append(b, '\\')
		}
		b = append(b, c)
	}
	return append(b, ')')
}
