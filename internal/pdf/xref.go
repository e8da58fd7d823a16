// This file holds the cross-reference sections: classic tables, xref
// streams and hybrid files (a table whose trailer names an /XRefStm).

package pdf

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"slices"
)

// XRefKind says how a revision's cross-reference section is written.
type XRefKind int

// The kinds of cross-reference section.
const (
	XRefTable  XRefKind = iota + 1 // a classic "xref" table and "trailer"
	XRefStream                     // a cross-reference stream (PDF 1.5)
	XRefHybrid                     // a table whose trailer has /XRefStm (PDF 1.5 hybrid-reference file)
)

// String returns "table", "stream" or "hybrid".
func (k XRefKind) String() string {
	switch k {
	case XRefTable:
		return "table"
	case XRefStream:
		return "stream"
	case XRefHybrid:
		return "hybrid"
	}
	return "unknown"
}

// EntryType is the type of a cross-reference entry.
type EntryType uint8

// The entry types of ISO 32000-1 Table 18.
const (
	EntryFree       EntryType = iota // the object number is free
	EntryInUse                       // the object is at Offset in the file
	EntryCompressed                  // the object is number Index in object stream Stream
)

// XRefEntry is one entry of a revision's cross-reference section.
type XRefEntry struct {
	Num    uint32
	Gen    uint16 // for compressed objects always 0
	Type   EntryType
	Offset int64  // EntryInUse: byte offset of "Num Gen obj"
	Stream uint32 // EntryCompressed: object number of the object stream
	Index  int    // EntryCompressed: index of the object in that stream
}

// section is one cross-reference section as read.
type section struct {
	offset  int64 // where the section starts: the startxref or /Prev value that led to it
	kwAt    int64 // for tables, the offset of the "xref" keyword (after any white-space)
	end     int64 // just after the trailer dictionary, or after "endobj"
	kind    XRefKind
	trailer *Dict
	entries []XRefEntry // sorted by Num, first definition kept
	prev    int64       // /Prev, or -1
	stmSpan Span        // for hybrid files: the /XRefStm stream object
	stmRefs []Ref       // the xref stream objects of the section (its own, or the /XRefStm one)
	dups    []uint32    // numbers defined twice in the section
	clash   []uint32    // hybrid: numbers the table and the stream define differently
}

// readSection reads the cross-reference section at off.
func (f *File) readSection(off int64, budget *int) (*section, error) {
	buf, _, err := f.window(off, 64)
	if err != nil {
		return nil, err
	}
	i := 0
	for i < len(buf) && isWhite(buf[i]) {
		i++
	}
	switch {
	case bytes.HasPrefix(buf[i:], []byte("xref")):
		s, err := f.readTable(off+int64(i), budget)
		if err != nil {
			return nil, err
		}
		s.offset = off
		return s, nil
	case i < len(buf) && isDigit(buf[i]):
		s, err := f.readXRefStream(off, budget)
		if err != nil {
			return nil, err
		}
		return s, nil
	}
	return nil, malformed(off, "offset %d holds neither an xref table nor an xref stream", off)
}

// byteReader reads a file sequentially and counts the offset.
type byteReader struct {
	r   *bufio.Reader
	off int64
}

// token skips white-space and comments and appends the next run of
// regular characters (or a single delimiter) to dst[:0], returning it and
// its offset. Callers pass a buffer on their stack: a table of a few
// hundred entries then costs no allocation per token.
func (b *byteReader) token(dst []byte) ([]byte, int64, error) {
	var c byte
	var err error
	for {
		if c, err = b.r.ReadByte(); err != nil {
			return nil, b.off, malformed(b.off, "xref table ends early")
		}
		b.off++
		if c == '%' {
			for c != '\n' && c != '\r' {
				if c, err = b.r.ReadByte(); err != nil {
					return nil, b.off, malformed(b.off, "xref table ends early")
				}
				b.off++
			}
			continue
		}
		if !isWhite(c) {
			break
		}
	}
	at := b.off - 1
	tok := append(dst[:0], c)
	if isDelim(c) {
		_ = b.r.UnreadByte()
		b.off--
		return tok, at, nil
	}
	for {
		c, err = b.r.ReadByte()
		if err != nil {
			break
		}
		if !isRegular(c) {
			_ = b.r.UnreadByte()
			break
		}
		b.off++
		tok = append(tok, c)
		if len(tok) > 64 {
			return nil, at, malformed(at, "overlong token in xref table")
		}
	}
	return tok, at, nil
}

// decimal parses t as strconv.ParseUint(t, 10, bits) would (digits only,
// no sign), without making a string of it.
func decimal(t []byte, bits uint) (uint64, bool) {
	if len(t) == 0 {
		return 0, false
	}
	var v uint64
	lim := uint64(1)<<bits - 1
	for _, c := range t {
		if c < '0' || c > '9' {
			return 0, false
		}
		d := uint64(c - '0')
		if v > (lim-d)/10 {
			return 0, false
		}
		v = v*10 + d
	}
	return v, true
}

func (f *File) readTable(off int64, budget *int) (*section, error) {
	br := &byteReader{r: bufio.NewReaderSize(io.NewSectionReader(f.r, off, f.size-off), int(min(64<<10, max(16, f.size-off)))), off: off}
	s := &section{offset: off, kwAt: off, kind: XRefTable, prev: -1}
	var tb, cb, ob, gb, kb [65]byte // token buffers, see token
	tok, _, err := br.token(tb[:0])
	if err != nil || string(tok) != "xref" {
		return nil, malformed(off, "expected \"xref\"")
	}
	for {
		tok, at, err := br.token(tb[:0])
		if err != nil {
			return nil, err
		}
		if string(tok) == "trailer" {
			break
		}
		start, ok1 := decimal(tok, 32)
		ctok, cat, err2 := br.token(cb[:0])
		count, ok3 := decimal(ctok, 32)
		if !ok1 || err2 != nil || !ok3 {
			if err2 != nil {
				return nil, err2
			}
			return nil, malformed(at, "xref subsection header %q %q is not two integers", clip(string(tok)), clip(string(ctok)))
		}
		if start+count > uint64(f.lim.MaxObjects) {
			return nil, limitErr("MaxObjects", cat, "xref subsection %d %d", start, count)
		}
		if int(count) > *budget {
			return nil, limitErr("MaxXRefEntries", cat, "xref subsection of %d entries", count)
		}
		*budget -= int(count)
		if cap(s.entries) == 0 {
			// Entries are 20 bytes: no more than the file can hold.
			s.entries = make([]XRefEntry, 0, min(count, uint64(f.size-off)/20+1))
		}
		for k := uint64(0); k < count; k++ {
			o, oat, err := br.token(ob[:0])
			if err != nil {
				return nil, err
			}
			g, _, err := br.token(gb[:0])
			if err != nil {
				return nil, err
			}
			t, _, err := br.token(kb[:0])
			if err != nil {
				return nil, err
			}
			ov, ok1 := decimal(o, 63)
			gv, ok2 := decimal(g, 32)
			inUse, free := string(t) == "n", string(t) == "f"
			if !ok1 || !ok2 || len(o) > 10 || len(g) > 5 || gv > 65535 || (!inUse && !free) {
				return nil, malformed(oat, "xref entry %q %q %q is not \"offset generation n|f\"", clip(string(o)), clip(string(g)), clip(string(t)))
			}
			e := XRefEntry{Num: uint32(start + k), Gen: uint16(gv)}
			if inUse {
				e.Type = EntryInUse
				e.Offset = int64(ov)
			}
			s.entries = append(s.entries, e)
		}
	}
	// The trailer dictionary.
	tr, end, err := f.parseDictAt(br.off)
	if err != nil {
		return nil, err
	}
	s.trailer, s.end = tr, end
	if s.prev, err = offsetKey(tr, "Prev", br.off, f.size); err != nil {
		return nil, err
	}
	s.entries, s.dups = sortEntries(s.entries)
	stm, err := offsetKey(tr, "XRefStm", br.off, f.size)
	if err != nil {
		return nil, err
	}
	if stm >= 0 {
		hs, err := f.readXRefStream(stm, budget)
		if err != nil {
			return nil, err
		}
		s.kind = XRefHybrid
		s.stmSpan = Span{hs.offset, hs.end}
		s.stmRefs = hs.stmRefs
		s.entries, s.clash = mergeHybrid(s.entries, hs.entries)
		s.dups = append(s.dups, hs.dups...)
	}
	return s, nil
}

// offsetKey returns the direct non-negative integer trailer[k] below size,
// or -1 when absent.
func offsetKey(tr *Dict, k Name, at, size int64) (int64, error) {
	switch v := tr.Get(k).(type) {
	case nil, Null:
		return -1, nil
	case Int:
		if v < 0 || int64(v) >= size {
			return 0, malformed(at, "trailer /%s %d is outside the file", k, v)
		}
		return int64(v), nil
	default:
		return 0, malformed(at, "trailer /%s is a %T, not a direct integer", k, v)
	}
}

// sortEntries sorts by number and keeps the first definition of a number
// (as most readers do), returning the numbers defined more than once.
func sortEntries(es []XRefEntry) ([]XRefEntry, []uint32) {
	slices.SortStableFunc(es, func(a, b XRefEntry) int {
		switch {
		case a.Num < b.Num:
			return -1
		case a.Num > b.Num:
			return 1
		}
		return 0
	})
	var dups []uint32
	out := es[:0]
	for i, e := range es {
		if i > 0 && e.Num == es[i-1].Num {
			if len(dups) == 0 || dups[len(dups)-1] != e.Num {
				dups = append(dups, e.Num)
			}
			continue
		}
		out = append(out, e)
	}
	return out, dups
}

// mergeHybrid merges the entries of a hybrid file's table and /XRefStm
// stream. The table wins, except that the stream supplies the objects the
// table lists as free (ISO 32000-1 §7.5.8.4: readers that know xref streams
// look in the stream for objects the table does not give them). Numbers
// defined by both as different in-use objects are reported.
func mergeHybrid(table, stm []XRefEntry) ([]XRefEntry, []uint32) {
	var clash []uint32
	out := make([]XRefEntry, 0, len(table)+len(stm))
	i, j := 0, 0
	for i < len(table) || j < len(stm) {
		switch {
		case j >= len(stm) || (i < len(table) && table[i].Num < stm[j].Num):
			out = append(out, table[i])
			i++
		case i >= len(table) || stm[j].Num < table[i].Num:
			out = append(out, stm[j])
			j++
		default:
			t, s := table[i], stm[j]
			switch {
			case t.Type == EntryFree && s.Type != EntryFree:
				out = append(out, s)
			case t.Type != EntryFree && s.Type != EntryFree && t != s:
				clash = append(clash, t.Num)
				out = append(out, t)
			default:
				out = append(out, t)
			}
			i++
			j++
		}
	}
	return out, clash
}

// readXRefStream reads the cross-reference stream object at off.
func (f *File) readXRefStream(off int64, budget *int) (*section, error) {
	obj, err := f.parseAt(off, nil, -1, nil)
	if err != nil {
		return nil, err
	}
	st, ok := obj.Value.(*Stream)
	if !ok {
		return nil, malformed(off, "xref stream object %d %d is a %T, not a stream", obj.Ref.Num, obj.Ref.Gen, obj.Value)
	}
	d := st.Dict
	if t, _ := d.Get("Type").(Name); t != "XRef" {
		return nil, malformed(off, "xref stream has /Type %v, not /XRef", d.Get("Type"))
	}
	size, ok := d.Get("Size").(Int)
	if !ok || size < 0 || int64(size) > int64(f.lim.MaxObjects) {
		if ok && size >= 0 {
			return nil, limitErr("MaxObjects", off, "xref stream /Size %d", size)
		}
		return nil, malformed(off, "xref stream /Size is missing or not a direct non-negative integer")
	}
	wa, ok := d.Get("W").(Array)
	if !ok || len(wa) != 3 {
		return nil, malformed(off, "xref stream /W is not a direct array of 3 integers")
	}
	var w [3]int
	for i, v := range wa {
		n, ok := v.(Int)
		if !ok || n < 0 || n > 8 {
			return nil, malformed(off, "xref stream /W[%d] is not an integer 0-8", i)
		}
		w[i] = int(n)
	}
	if w[1] == 0 {
		return nil, malformed(off, "xref stream /W[1] is 0")
	}
	index := Array{Int(0), size}
	if v := d.Get("Index"); !IsNull(v) {
		if index, ok = v.(Array); !ok || len(index)%2 != 0 {
			return nil, malformed(off, "xref stream /Index is not a direct array of pairs")
		}
	}
	type subsec struct{ start, count int64 }
	var subs []subsec
	total := int64(0)
	for i := 0; i < len(index); i += 2 {
		a, ok1 := index[i].(Int)
		b, ok2 := index[i+1].(Int)
		if !ok1 || !ok2 || a < 0 || b < 0 {
			return nil, malformed(off, "xref stream /Index holds a non-integer or negative value")
		}
		if int64(a)+int64(b) > int64(f.lim.MaxObjects) {
			return nil, limitErr("MaxObjects", off, "xref stream subsection %d %d", a, b)
		}
		total += int64(b)
		if total > int64(*budget) {
			return nil, limitErr("MaxXRefEntries", off, "xref stream of more than %d entries", *budget)
		}
		subs = append(subs, subsec{int64(a), int64(b)})
	}
	*budget -= int(total)
	rowLen := int64(w[0] + w[1] + w[2])
	need := total * rowLen
	// The decoded size is known in advance: decode no more than that, so an
	// xref stream that is a deflate bomb fails after a few bytes.
	data, err := f.decodeLimited(st, need+rowLen, obj.Ref)
	var e *Error
	if errors.As(err, &e) && e.Limit == "MaxStreamSize" && need+rowLen < f.lim.MaxStreamSize {
		return nil, &Error{Err: ErrMalformed, Offset: off, Object: obj.Ref,
			Detail: fmt.Sprintf("xref stream decodes to more than the %d bytes its /W and /Index describe", need)}
	}
	if err != nil {
		return nil, err
	}
	if int64(len(data)) < need {
		return nil, malformed(off, "xref stream holds %d bytes, /W and /Index need %d", len(data), need)
	}
	s := &section{offset: off, end: obj.Span.End, kind: XRefStream, trailer: d, prev: -1, stmRefs: []Ref{obj.Ref}}
	if s.prev, err = offsetKey(d, "Prev", off, f.size); err != nil {
		return nil, err
	}
	field := func(row []byte, i int, def uint64) uint64 {
		if w[i] == 0 {
			return def
		}
		start := 0
		for k := 0; k < i; k++ {
			start += w[k]
		}
		var v uint64
		for _, c := range row[start : start+w[i]] {
			v = v<<8 | uint64(c)
		}
		return v
	}
	s.entries = make([]XRefEntry, 0, total)
	p := int64(0)
	for _, sub := range subs {
		for k := int64(0); k < sub.count; k++ {
			row := data[p : p+rowLen]
			p += rowLen
			num := uint32(sub.start + k)
			f2, f3 := field(row, 1, 0), field(row, 2, 0)
			switch field(row, 0, 1) {
			case 0:
				s.entries = append(s.entries, XRefEntry{Num: num, Gen: uint16(min(f3, 65535)), Type: EntryFree})
			case 1:
				if f2 >= uint64(f.size) || f3 > 65535 {
					return nil, malformed(off, "xref stream entry for object %d: offset %d, generation %d out of range", num, f2, f3)
				}
				s.entries = append(s.entries, XRefEntry{Num: num, Gen: uint16(f3), Type: EntryInUse, Offset: int64(f2)})
			case 2:
				if f2 >= uint64(f.lim.MaxObjects) || f3 > uint64(f.lim.MaxObjects) {
					return nil, malformed(off, "xref stream entry for object %d: object stream %d index %d out of range", num, f2, f3)
				}
				s.entries = append(s.entries, XRefEntry{Num: num, Type: EntryCompressed, Stream: uint32(f2), Index: int(f3)})
			default:
				// Other types are reserved and read as the null object
				// (§7.5.8.3): no entry.
			}
		}
	}
	s.entries, s.dups = sortEntries(s.entries)
	return s, nil
}
