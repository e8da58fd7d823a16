// This file holds the PDF object model: the value types, dictionaries with
// the byte spans of their values, and semantic equality.

package pdf

import (
	"bytes"
	"fmt"
	"math"
)

// Object is a PDF value: Null, Bool, Int, Real, String, Name, Array, *Dict,
// *Stream or Ref (and, only when writing, Placeholder). A nil Object is
// read as null.
type Object interface {
	isObject()
}

// Null is the PDF null object.
type Null struct{}

// Bool is a PDF boolean.
type Bool bool

// Int is a PDF integer.
type Int int64

// Real is a PDF real number.
type Real float64

// Name is a PDF name, without the leading slash and with #xx escapes decoded.
type Name string

// String is a PDF string. Value holds the decoded bytes; Hex and Raw record
// how the string was written, so a verifier can see the exact token.
type String struct {
	Value []byte // the bytes after decoding escapes or hex digits
	Hex   bool   // written as <hex>, not as a (literal)
	Raw   []byte // the token as it appeared, delimiters included; nil for strings made in code
}

// Array is a PDF array.
type Array []Object

// Ref is an indirect reference "Num Gen R".
type Ref struct {
	Num uint32
	Gen uint16
}

// String returns "Num Gen R".
func (r Ref) String() string { return fmt.Sprintf("%d %d R", r.Num, r.Gen) }

// Span is a range of byte offsets [Start, End) in the file. Values read from
// object streams have no place in the file and a zero Span.
type Span struct {
	Start, End int64
}

// Valid reports whether the span locates bytes in the file.
func (s Span) Valid() bool { return s.End > s.Start }

// Len returns the number of bytes in the span.
func (s Span) Len() int64 { return s.End - s.Start }

// DictEntry is one key of a dictionary with its value and, for dictionaries
// read from the file outside object streams, the file span of the value
// token (for a hex string: from '<' to just after '>').
type DictEntry struct {
	Key   Name
	Value Object
	Span  Span
}

// Dict is a PDF dictionary. It keeps the keys in the order they were read
// or set (the writer emits them in that order) and rejects duplicate keys
// when parsing, since readers disagree about which duplicate wins.
type Dict struct {
	entries []DictEntry
}

// NewDict returns an empty dictionary.
func NewDict() *Dict { return &Dict{} }

// NewDictSize returns an empty dictionary with room for n entries, for a
// writer that knows how many it will set: growing one entry at a time
// costs an allocation and a copy per doubling.
func NewDictSize(n int) *Dict { return &Dict{entries: make([]DictEntry, 0, max(n, 0))} }

// Len returns the number of entries.
func (d *Dict) Len() int {
	if d == nil {
		return 0
	}
	return len(d.entries)
}

// Entries returns the entries in order. The slice must not be modified.
func (d *Dict) Entries() []DictEntry {
	if d == nil {
		return nil
	}
	return d.entries
}

func (d *Dict) index(k Name) int {
	if d == nil {
		return -1
	}
	for i := range d.entries {
		if d.entries[i].Key == k {
			return i
		}
	}
	return -1
}

// Get returns the value of key k, or nil when it is absent. References are
// not resolved; use (*File).Resolve.
func (d *Dict) Get(k Name) Object {
	if i := d.index(k); i >= 0 {
		return d.entries[i].Value
	}
	return nil
}

// Entry returns the entry for key k.
func (d *Dict) Entry(k Name) (DictEntry, bool) {
	if i := d.index(k); i >= 0 {
		return d.entries[i], true
	}
	return DictEntry{}, false
}

// Set sets key k to v, keeping the position of an existing key. Setting a
// nil value stores null; use Delete to remove a key.
func (d *Dict) Set(k Name, v Object) {
	if v == nil {
		v = Null{}
	}
	if i := d.index(k); i >= 0 {
		d.entries[i] = DictEntry{Key: k, Value: v}
		return
	}
	d.entries = append(d.entries, DictEntry{Key: k, Value: v})
}

// Delete removes key k.
func (d *Dict) Delete(k Name) {
	if i := d.index(k); i >= 0 {
		d.entries = append(d.entries[:i:i], d.entries[i+1:]...)
	}
}

// Clone returns a shallow copy: the entries are copied, the values shared.
// The copy has room for two more entries, since a clone is usually made
// to set one or two (a page's /Annots, a catalog's /AcroForm).
func (d *Dict) Clone() *Dict {
	if d == nil {
		return NewDict()
	}
	return &Dict{entries: append(make([]DictEntry, 0, len(d.entries)+2), d.entries...)}
}

// Stream is a PDF stream: a dictionary and data. Streams read from a file
// locate their raw (still encoded) data by offset; decode them with
// (*File).Decode or (*File).StreamReader. Streams made with NewStream hold
// their data.
type Stream struct {
	Dict *Dict
	// Data is the span of the raw data in the file (between the EOL after
	// "stream" and the /Length bytes that follow); zero for NewStream.
	Data Span
	raw  []byte // data of a stream made in code
	made bool   // made by NewStream
}

// NewStream returns a stream that holds raw, already encoded data; the
// writer sets /Length. Set /Filter in dict if data is encoded.
func NewStream(dict *Dict, raw []byte) *Stream {
	if dict == nil {
		dict = NewDict()
	}
	return &Stream{Dict: dict, raw: raw, made: true}
}

func (Null) isObject()    {}
func (Bool) isObject()    {}
func (Int) isObject()     {}
func (Real) isObject()    {}
func (Name) isObject()    {}
func (String) isObject()  {}
func (Array) isObject()   {}
func (*Dict) isObject()   {}
func (*Stream) isObject() {}
func (Ref) isObject()     {}

// IsNull reports whether o is null (nil or Null).
func IsNull(o Object) bool {
	switch o.(type) {
	case nil, Null:
		return true
	}
	return false
}

// Equal reports whether a and b are the same PDF value: references compare
// by number and generation (they are not followed), strings by decoded
// bytes (hex or literal alike), numbers by value (1 equals 1.0), dictionaries
// regardless of key order with a null value equal to an absent key. Streams
// compare their dictionaries and the location or bytes of their data; use
// (*File).Diff to compare stream content.
func Equal(a, b Object) bool {
	return equalDepth(a, b, 0)
}

// maxEqualDepth bounds recursion; parsed values are already bounded by
// Limits.MaxDepth, values built in code are not.
const maxEqualDepth = 256

func equalDepth(a, b Object, depth int) bool {
	if depth > maxEqualDepth {
		return false
	}
	if IsNull(a) || IsNull(b) {
		return IsNull(a) && IsNull(b)
	}
	if x, ok := a.(Int); ok {
		if y, ok := b.(Int); ok {
			return x == y
		}
	}
	if x, ok := number(a); ok {
		y, ok := number(b)
		return ok && x == y
	}
	switch x := a.(type) {
	case Bool:
		y, ok := b.(Bool)
		return ok && x == y
	case Name:
		y, ok := b.(Name)
		return ok && x == y
	case String:
		y, ok := b.(String)
		return ok && bytes.Equal(x.Value, y.Value)
	case Ref:
		y, ok := b.(Ref)
		return ok && x == y
	case Array:
		y, ok := b.(Array)
		if !ok || len(x) != len(y) {
			return false
		}
		for i := range x {
			if !equalDepth(x[i], y[i], depth+1) {
				return false
			}
		}
		return true
	case *Dict:
		y, ok := b.(*Dict)
		return ok && equalDict(x, y, nil, depth)
	case *Stream:
		y, ok := b.(*Stream)
		if !ok || !equalDict(x.Dict, y.Dict, nil, depth) {
			return false
		}
		if x.made || y.made {
			return x.made && y.made && bytes.Equal(x.raw, y.raw)
		}
		return x.Data == y.Data
	case Placeholder:
		y, ok := b.(Placeholder)
		return ok && x == y
	}
	return false
}

// equalDict compares dictionaries, skipping the keys in ignore.
func equalDict(x, y *Dict, ignore map[Name]bool, depth int) bool {
	n := 0
	for _, e := range x.Entries() {
		if ignore[e.Key] || IsNull(e.Value) {
			continue
		}
		n++
		if !equalDepth(e.Value, y.Get(e.Key), depth+1) {
			return false
		}
	}
	m := 0
	for _, e := range y.Entries() {
		if !ignore[e.Key] && !IsNull(e.Value) {
			m++
		}
	}
	return n == m
}

// number returns the value of an Int or Real.
func number(o Object) (float64, bool) {
	switch v := o.(type) {
	case Int:
		return float64(v), true
	case Real:
		if math.IsNaN(float64(v)) {
			return 0, false
		}
		return float64(v), true
	}
	return 0, false
}
