// This file holds the serialiser: deterministic PDF syntax for objects,
// with the offsets of placeholders recorded as they are written.

package pdf

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"hash"
	"io"
	"math"
	"slices"
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

// zeros fills hex placeholders.
const zeros = "0000000000000000000000000000000000000000000000000000000000000000" +
	"0000000000000000000000000000000000000000000000000000000000000000" +
	"0000000000000000000000000000000000000000000000000000000000000000" +
	"0000000000000000000000000000000000000000000000000000000000000000"

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
	return AppendHex(nil, span, data)
}

// AppendHex is FormatHex appending to dst, so that a signer can reuse a
// buffer it already has (the one it hashed the file with).
func AppendHex(dst []byte, span Span, data []byte) ([]byte, error) {
	w := span.Len()
	if w < 2 || 2*int64(len(data))+2 > w {
		return nil, &Error{Err: ErrLimit, Offset: span.Start, Limit: "PlaceholderSize",
			Detail: fmt.Sprintf("%d bytes do not fit a placeholder of %d hex digits; reserve a larger Size", len(data), w-2)}
	}
	dst = slices.Grow(dst, int(w))
	n := len(dst)
	out := dst[n : n+int(w)]
	out[0] = '<'
	hex.Encode(out[1:], data)
	for rest := out[1+2*len(data) : w-1]; len(rest) > 0; {
		rest = rest[copy(rest, zeros):]
	}
	out[w-1] = '>'
	return dst[:n+int(w)], nil
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

// serializer writes PDF syntax and counts the offset. It keeps its own
// buffer rather than a bufio.Writer so that an update of a few kilobytes
// costs one buffer sized to it, and so that what is appended can be
// hashed from the buffer without another copy.
type serializer struct {
	w     io.Writer
	buf   []byte // written, not yet passed to w
	off   int64
	err   error
	f     *File // source of the data of streams read from it
	h     hash.Hash
	hpos  int // buf[:hpos] is hashed (or was written with h nil)
	marks map[string]Span
}

// The bytes appended to the buffer are hashed in one Write when the
// buffer is flushed or the hash changes, not value by value: an update is
// some hundred small values, and a Write call per value cost more than
// the hashing.

// syncHash hashes what was appended since the last call.
func (s *serializer) syncHash() {
	if s.h != nil && s.hpos < len(s.buf) {
		s.h.Write(s.buf[s.hpos:])
	}
	s.hpos = len(s.buf)
}

// setHash makes h (nil: none) the hash of what is written from now on.
func (s *serializer) setHash(h hash.Hash) {
	s.syncHash()
	s.h = h
}

// flushAt is the buffered size above which the serializer passes its
// buffer to w; larger single writes go to w directly.
const flushAt = 64 << 10

// reserve makes room for n more bytes, flushing first when the buffer
// would pass flushAt. It reports false when n bytes should go to w
// directly.
func (s *serializer) reserve(n int) bool {
	if len(s.buf)+n > flushAt {
		s.flush()
		if n > flushAt {
			return false
		}
	}
	return true
}

// flush passes the buffered bytes to w.
func (s *serializer) flush() {
	s.syncHash()
	if s.err == nil && len(s.buf) > 0 {
		_, s.err = s.w.Write(s.buf)
	}
	s.buf = s.buf[:0]
	s.hpos = 0
}

func (s *serializer) write(b []byte) {
	if s.err != nil {
		return
	}
	s.off += int64(len(b))
	if !s.reserve(len(b)) {
		// reserve flushed (and hashed) the buffer: b comes next.
		if s.h != nil {
			s.h.Write(b)
		}
		_, s.err = s.w.Write(b)
		return
	}
	s.buf = append(s.buf, b...)
}

// str writes x without converting it to a new byte slice.
func (s *serializer) str(x string) {
	if s.err != nil {
		return
	}
	if !s.reserve(len(x)) {
		s.write([]byte(x))
		return
	}
	s.buf = append(s.buf, x...)
	s.off += int64(len(x))
}

// Formatted values (numbers, names, strings) are appended to the buffer
// in place: begin makes room and returns the start, end counts and
// hashes what was appended. A value too large for the buffer is
// formatted on its own and written directly.

func (s *serializer) begin(max int) (int, bool) {
	if s.err != nil || !s.reserve(max) {
		return 0, false
	}
	return len(s.buf), true
}

func (s *serializer) end(n int) {
	s.off += int64(len(s.buf) - n)
}

// int writes a decimal integer.
func (s *serializer) int(v int64) {
	if n, ok := s.begin(20); ok {
		s.buf = strconv.AppendInt(s.buf, v, 10)
		s.end(n)
	}
}

// xrefEntry writes an in-use cross-reference table entry: 20 bytes,
// "oooooooooo ggggg n\r\n" (§7.5.4).
func (s *serializer) xrefEntry(off int64, gen uint16) {
	if n, ok := s.begin(20); ok {
		s.buf = appendPadded(s.buf, off, 10)
		s.buf = append(s.buf, ' ')
		s.buf = appendPadded(s.buf, int64(gen), 5)
		s.buf = append(s.buf, " n\r\n"...)
		s.end(n)
	}
}

// appendPadded appends v in decimal, zero-padded to width digits.
func appendPadded(b []byte, v int64, width int) []byte {
	var d [20]byte
	t := strconv.AppendInt(d[:0], v, 10)
	for i := len(t); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, t...)
}

func (s *serializer) name(v Name) {
	if n, ok := s.begin(3*len(v) + 1); ok {
		s.buf = appendName(s.buf, v)
		s.end(n)
	} else {
		s.write(appendName(nil, v))
	}
}

func (s *serializer) string(v String) {
	if n, ok := s.begin(2*len(v.Value) + 2); ok {
		s.buf = appendString(s.buf, v)
		s.end(n)
	} else {
		s.write(appendString(nil, v))
	}
}

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
		s.int(int64(v))
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
		s.name(v)
	case String:
		s.string(v)
	case Ref:
		s.int(int64(v.Num))
		s.str(" ")
		s.int(int64(v.Gen))
		s.str(" R")
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
		s.name(e.Key)
		s.str(" ")
		s.object(e.Value, depth+1)
	}
	for _, k := range []Name{"Length"} {
		if v, ok := override[k]; ok {
			s.str(" ")
			s.name(k)
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
		// The zeros are not hashed into the update's /ID: they are
		// the same for every placeholder of this size, and a large
		// reserve would cost as much hashing as the rest of the update.
		h := s.h
		s.setHash(nil)
		for n := 2 * p.Size; n > 0; n -= len(zeros) {
			s.str(zeros[:min(n, len(zeros))])
		}
		s.setHash(h)
		if s.h != nil {
			s.h.Write(strconv.AppendInt([]byte("placeholder "), int64(p.Size), 10))
		}
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
	buf := make([]byte, min(max(n, 512), 32<<10))
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
