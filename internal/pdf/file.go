// This file holds File: opening a PDF, its revisions, and reading objects
// as of a revision, from the file or from object streams.

package pdf

import (
	"bytes"
	"errors"
	"io"
	"sort"
	"sync"
	"sync/atomic"
)

// File is an open PDF. Its methods read the underlying io.ReaderAt on
// demand and cache what they parse; a File is safe for concurrent use.
//
// Values returned by a File (dictionaries, arrays) are shared with its
// cache: do not modify them; Clone a dictionary before changing it for an
// update.
type File struct {
	r        io.ReaderAt
	size     int64
	lim      Limits
	version  string
	revs     []Revision
	sections []*section // newest first, as read from the chain
	findings []Finding

	mu      sync.Mutex
	objs    map[int64]*cachedObj // by file offset
	stms    map[int64]*objStm    // by file offset of the object stream
	decoded atomic.Int64
}

// Revision is one revision of the file: the original document, or one
// incremental update. Revisions are numbered from 0, oldest first.
type Revision struct {
	Index int
	// Start and End delimit the bytes the revision added: End is just
	// after its "%%EOF" and the optional end-of-line after it, and Start is
	// the previous revision's End (0 for the first). Bytes [0, End) are the
	// whole document as of this revision; a signature covering them signs
	// this revision.
	Start, End int64
	// EOF is the offset just after the revision's "%%EOF" (End without the
	// end-of-line). A writer that appends to a file ending in "%%EOF"
	// adds the EOL, which then counts towards End: a signature over an
	// earlier revision may end at EOF or at End.
	EOF int64
	// XRefOffset is the startxref value that leads to this revision's
	// cross-reference section.
	XRefOffset int64
	// XRef is how the section is written; for a linearized revision, how
	// the first-page section is written.
	XRef XRefKind
	// Trailer is the trailer dictionary (the xref stream's dictionary for
	// XRefStream). For a linearized file, the first-page trailer.
	Trailer *Dict
	// Entries are the cross-reference entries this revision writes, sorted
	// by object number: the objects it defines, redefines or frees.
	Entries []XRefEntry
	// Linearized is true when the revision is a linearized file's
	// first-page and main cross-reference sections read as one.
	Linearized bool
}

// Indirect is an indirect object as seen by some revision.
type Indirect struct {
	Ref   Ref
	Value Object
	// Span runs from "Num Gen obj" to just after "endobj". It is zero for
	// objects in object streams, which have no bytes of their own.
	Span Span
	// Revision is the revision whose cross-reference entry located the
	// object, and Entry that entry.
	Revision int
	Entry    XRefEntry
}

type cachedObj struct {
	ind    *Indirect
	lenRef Ref   // the indirect /Length the stream was parsed with, if any
	lenVal int64 // its value
}

// objStm is a decoded object stream.
type objStm struct {
	data  []byte
	first int
	nums  []uint32
	offs  []int
}

// Open reads the structure of the PDF in r, which has size bytes: the
// header, every "%%EOF" marker, and the cross-reference chain from the last
// startxref back through /Prev. It does not read objects until asked, and
// never holds the whole file in memory. A nil limits means DefaultLimits.
//
// Open fails with ErrEncrypted for encrypted files and with ErrMalformed
// (in an *Error with the offset) when the chain cannot be followed
// exactly: nothing is repaired. Irregularities that do not stop reading,
// such as bytes after the last %%EOF, are reported by Findings.
func Open(r io.ReaderAt, size int64, limits *Limits) (*File, error) {
	f := &File{
		r:    r,
		size: size,
		lim:  limits.withDefaults(),
		objs: make(map[int64]*cachedObj),
		stms: make(map[int64]*objStm),
	}
	if size < 16 {
		return nil, malformed(0, "file of %d bytes is too short to be a PDF", size)
	}
	if err := f.readHeader(); err != nil {
		return nil, err
	}
	markers, xrefKeys, err := f.scan()
	if err != nil {
		return nil, err
	}
	if err := f.readChain(markers); err != nil {
		return nil, err
	}
	for _, rv := range f.revs {
		if !IsNull(rv.Trailer.Get("Encrypt")) {
			return nil, &Error{Err: ErrEncrypted, Offset: rv.XRefOffset, Detail: "the trailer has /Encrypt"}
		}
	}
	f.checkStructure(markers, xrefKeys)
	return f, nil
}

// Size returns the size of the file in bytes.
func (f *File) Size() int64 { return f.size }

// Version returns the version in the file header, such as "1.7".
func (f *File) Version() string { return f.version }

// Revisions returns the revisions, oldest first. The slice and the values
// in it must not be modified.
func (f *File) Revisions() []Revision { return f.revs }

// Latest returns the index of the newest revision.
func (f *File) Latest() int { return len(f.revs) - 1 }

// Findings returns the structural irregularities Open found.
func (f *File) Findings() []Finding { return f.findings }

func (f *File) readHeader() error {
	buf, _, err := f.window(0, 1024)
	if err != nil {
		return err
	}
	i := bytes.Index(buf, []byte("%PDF-"))
	if i < 0 {
		return malformed(0, "no %%PDF- header in the first 1024 bytes")
	}
	v := buf[i+5:]
	n := 0
	for n < len(v) && n < 8 && (isDigit(v[n]) || v[n] == '.') {
		n++
	}
	if n == 0 {
		return malformed(int64(i), "the %%PDF- header has no version")
	}
	f.version = string(v[:n])
	if i > 0 {
		f.findings = append(f.findings, Finding{Kind: FindingHeaderOffset, Revision: -1, Offset: int64(i),
			Detail: "the %PDF- header does not start the file; offsets are read as absolute"})
	}
	return nil
}

// window reads up to n bytes at off. more reports whether the file
// continues after them.
func (f *File) window(off, n int64) ([]byte, bool, error) {
	if off < 0 || off > f.size {
		return nil, false, malformed(off, "offset %d is outside the file of %d bytes", off, f.size)
	}
	if n > f.size-off {
		n = f.size - off
	}
	buf := make([]byte, n)
	m, err := f.r.ReadAt(buf, off)
	if m < int(n) {
		if err == nil || err == io.EOF {
			return nil, false, malformed(off+int64(m), "file is shorter than its stated size")
		}
		return nil, false, &Error{Err: err, Offset: off, Detail: "reading the file"}
	}
	return buf, off+n < f.size, nil
}

// parseAt parses the indirect object at file offset off. When want is not
// nil the object header must name it. An indirect /Length is resolved as
// of revision rev (rev < 0 forbids it, as for xref streams).
func (f *File) parseAt(off int64, want *Ref, rev int, path []Ref) (*Indirect, error) {
	if len(path) > f.lim.MaxRefChain {
		return nil, limitErr("MaxRefChain", off, "objects nested deeper than %d loads (a reference loop?)", f.lim.MaxRefChain)
	}
	f.mu.Lock()
	c := f.objs[off]
	f.mu.Unlock()
	if c != nil {
		if want != nil && c.ind.Ref != *want {
			return nil, malformed(off, "the xref entry for %d %d points to object %d %d", want.Num, want.Gen, c.ind.Ref.Num, c.ind.Ref.Gen)
		}
		if c.lenRef == (Ref{}) {
			return c.ind, nil
		}
		if l, err := f.streamLength(c.lenRef, rev, path, off); err == nil && l == c.lenVal {
			return c.ind, nil
		}
	}
	size := int64(4096)
	for {
		buf, more, err := f.window(off, size)
		if err != nil {
			return nil, err
		}
		ind, lenRef, lenVal, err := f.parseIndirect(buf, off, more, want, rev, path)
		if err == errNeedMore {
			if size >= f.lim.MaxObjectSize {
				return nil, limitErr("MaxObjectSize", off, "object text longer than %d bytes", f.lim.MaxObjectSize)
			}
			size = min(size*4, f.lim.MaxObjectSize)
			continue
		}
		if err != nil {
			return nil, err
		}
		f.mu.Lock()
		if len(f.objs) < f.lim.MaxObjects {
			f.objs[off] = &cachedObj{ind: ind, lenRef: lenRef, lenVal: lenVal}
		}
		f.mu.Unlock()
		return ind, nil
	}
}

func (f *File) parseIndirect(buf []byte, off int64, more bool, want *Ref, rev int, path []Ref) (*Indirect, Ref, int64, error) {
	p := &parser{buf: buf, base: off, inFile: true, more: more, lim: &f.lim}
	p.skipSpace()
	start := p.pos
	num, err := p.parseUint()
	if err != nil {
		return nil, Ref{}, 0, err
	}
	gen, err := p.parseUint()
	if err != nil {
		return nil, Ref{}, 0, err
	}
	if err := p.expect("obj"); err != nil {
		return nil, Ref{}, 0, err
	}
	if num >= int64(f.lim.MaxObjects) || gen > 65535 {
		return nil, Ref{}, 0, malformed(off, "object number %d %d out of range", num, gen)
	}
	ref := Ref{Num: uint32(num), Gen: uint16(gen)}
	if want != nil && ref != *want {
		return nil, Ref{}, 0, malformed(off, "the xref entry for %d %d points to object %d %d", want.Num, want.Gen, num, gen)
	}
	v, err := p.parseValue(0)
	if err != nil {
		return nil, Ref{}, 0, withObject(err, ref)
	}
	kwAt := p.off()
	kw, err := p.keyword()
	if err != nil {
		return nil, Ref{}, 0, withObject(err, ref)
	}
	ind := &Indirect{Ref: ref, Value: v}
	switch kw {
	case "endobj":
		ind.Span = p.span(start, p.pos)
		return ind, Ref{}, 0, nil
	case "stream":
	default:
		return nil, Ref{}, 0, &Error{Err: ErrMalformed, Offset: kwAt, Object: ref, Detail: "expected endobj, found " + clip(kw)}
	}
	d, ok := v.(*Dict)
	if !ok {
		return nil, Ref{}, 0, &Error{Err: ErrMalformed, Offset: kwAt, Object: ref, Detail: "stream keyword after a non-dictionary"}
	}
	// "stream" is followed by CRLF or LF (§7.3.8.1); a lone CR would make
	// the first data byte ambiguous.
	switch {
	case p.pos+1 < len(buf) && buf[p.pos] == '\r' && buf[p.pos+1] == '\n':
		p.pos += 2
	case p.pos < len(buf) && buf[p.pos] == '\n':
		p.pos++
	case p.pos+1 >= len(buf) && more:
		return nil, Ref{}, 0, errNeedMore
	default:
		return nil, Ref{}, 0, &Error{Err: ErrMalformed, Offset: p.off(), Object: ref, Detail: "\"stream\" is not followed by CRLF or LF"}
	}
	dataStart := p.off()
	var length int64
	var lenRef Ref
	switch l := d.Get("Length").(type) {
	case Int:
		length = int64(l)
	case Ref:
		if rev < 0 {
			return nil, Ref{}, 0, &Error{Err: ErrMalformed, Offset: off, Object: ref, Detail: "/Length must be direct here"}
		}
		lenRef = l
		if length, err = f.streamLength(l, rev, path, off); err != nil {
			return nil, Ref{}, 0, withObject(err, ref)
		}
	default:
		return nil, Ref{}, 0, &Error{Err: ErrMalformed, Offset: off, Object: ref, Detail: "stream /Length is missing or not an integer"}
	}
	if length < 0 || length > f.size-dataStart {
		return nil, Ref{}, 0, &Error{Err: ErrMalformed, Offset: dataStart, Object: ref, Detail: "stream /Length runs past the end of the file"}
	}
	dataEnd := dataStart + length
	tail, tmore, err := f.window(dataEnd, 256)
	if err != nil {
		return nil, Ref{}, 0, err
	}
	q := &parser{buf: tail, base: dataEnd, inFile: true, more: tmore, lim: &f.lim}
	q.skipSpace()
	if !bytes.HasPrefix(tail[q.pos:], []byte("endstream")) {
		return nil, Ref{}, 0, &Error{Err: ErrMalformed, Offset: dataEnd, Object: ref, Detail: "stream data does not end at \"endstream\" after /Length bytes (the /Length is wrong)"}
	}
	q.pos += len("endstream")
	if err := q.expect("endobj"); err != nil {
		if err == errNeedMore {
			err = malformed(q.off(), "expected endobj")
		}
		return nil, Ref{}, 0, withObject(err, ref)
	}
	ind.Value = &Stream{Dict: d, Data: Span{dataStart, dataEnd}}
	ind.Span = Span{off + int64(start), q.off()}
	return ind, lenRef, length, nil
}

// streamLength resolves an indirect /Length as of revision rev.
func (f *File) streamLength(ref Ref, rev int, path []Ref, at int64) (int64, error) {
	ind, err := f.get(rev, ref, path)
	if err != nil {
		return 0, err
	}
	l, ok := ind.Value.(Int)
	if !ok {
		return 0, malformed(at, "indirect stream /Length %d %d is a %T, not an integer", ref.Num, ref.Gen, ind.Value)
	}
	return int64(l), nil
}

// parseDictAt parses a dictionary (a trailer) at off and returns it with
// the offset just after it.
func (f *File) parseDictAt(off int64) (*Dict, int64, error) {
	size := int64(4096)
	for {
		buf, more, err := f.window(off, size)
		if err != nil {
			return nil, 0, err
		}
		p := &parser{buf: buf, base: off, inFile: true, more: more, lim: &f.lim}
		p.skipSpace()
		if p.pos+1 < len(buf) && !(buf[p.pos] == '<' && buf[p.pos+1] == '<') {
			return nil, 0, p.errf("expected a trailer dictionary")
		}
		v, err := p.parseValue(0)
		if err == errNeedMore {
			if size >= f.lim.MaxObjectSize {
				return nil, 0, limitErr("MaxObjectSize", off, "trailer longer than %d bytes", f.lim.MaxObjectSize)
			}
			size = min(size*4, f.lim.MaxObjectSize)
			continue
		}
		if err != nil {
			return nil, 0, err
		}
		d, ok := v.(*Dict)
		if !ok {
			return nil, 0, malformed(off, "trailer is not a dictionary")
		}
		return d, p.off(), nil
	}
}

// entry returns the cross-reference entry for object num as of revision
// rev, and the revision that wrote it.
func (f *File) entry(rev int, num uint32) (XRefEntry, int, bool) {
	for r := rev; r >= 0; r-- {
		es := f.revs[r].Entries
		i := sort.Search(len(es), func(i int) bool { return es[i].Num >= num })
		if i < len(es) && es[i].Num == num {
			return es[i], r, true
		}
	}
	return XRefEntry{}, -1, false
}

// Object returns the object ref as of the newest revision.
func (f *File) Object(ref Ref) (*Indirect, error) {
	return f.ObjectAt(f.Latest(), ref)
}

// ObjectAt returns the object ref as the document stood when revision rev
// was written. It fails with ErrNotFound when the object is free or was
// never defined, or when its generation differs.
func (f *File) ObjectAt(rev int, ref Ref) (*Indirect, error) {
	if rev < 0 || rev >= len(f.revs) {
		return nil, &Error{Err: ErrNotFound, Offset: -1, Detail: "no such revision"}
	}
	return f.get(rev, ref, nil)
}

func (f *File) get(rev int, ref Ref, path []Ref) (*Indirect, error) {
	for _, p := range path {
		if p == ref {
			return nil, &Error{Err: ErrMalformed, Offset: -1, Object: ref, Detail: "reference loop: reading the object needs the object itself (through /Length or an object stream)"}
		}
	}
	if len(path) > f.lim.MaxRefChain {
		return nil, &Error{Err: ErrLimit, Offset: -1, Object: ref, Limit: "MaxRefChain", Detail: "objects nested deeper than the limit (a reference loop?)"}
	}
	e, r, ok := f.entry(rev, ref.Num)
	if !ok || e.Type == EntryFree || e.Gen != ref.Gen {
		return nil, &Error{Err: ErrNotFound, Offset: -1, Object: ref, Detail: "not defined in this revision"}
	}
	var ind *Indirect
	var err error
	switch e.Type {
	case EntryInUse:
		ind, err = f.parseAt(e.Offset, &ref, rev, append(path[:len(path):len(path)], ref))
	case EntryCompressed:
		ind, err = f.compressed(rev, e, append(path[:len(path):len(path)], ref))
	}
	if err != nil {
		return nil, withObject(err, ref)
	}
	c := *ind
	c.Revision, c.Entry = r, e
	return &c, nil
}

// compressed reads object e.Num from its object stream, the stream itself
// as of revision rev.
func (f *File) compressed(rev int, e XRefEntry, path []Ref) (*Indirect, error) {
	sref := Ref{Num: e.Stream}
	se, _, ok := f.entry(rev, e.Stream)
	if !ok || se.Type == EntryFree {
		return nil, malformed(-1, "object %d is in object stream %d, which is not defined", e.Num, e.Stream)
	}
	if se.Type != EntryInUse {
		// §7.5.7: an object stream is a stream, and streams are never in
		// object streams. Following it would allow a loop (F1).
		return nil, malformed(-1, "object stream %d is itself in an object stream", e.Stream)
	}
	sind, err := f.get(rev, sref, path)
	if err != nil {
		return nil, err
	}
	stm, err := f.objStream(sind)
	if err != nil {
		return nil, err
	}
	if e.Index < 0 || e.Index >= len(stm.nums) {
		return nil, malformed(sind.Span.Start, "object %d is at index %d of object stream %d, which holds %d objects", e.Num, e.Index, e.Stream, len(stm.nums))
	}
	if stm.nums[e.Index] != e.Num {
		return nil, malformed(sind.Span.Start, "index %d of object stream %d holds object %d, not %d", e.Index, e.Stream, stm.nums[e.Index], e.Num)
	}
	start := stm.first + stm.offs[e.Index]
	end := len(stm.data)
	if e.Index+1 < len(stm.offs) {
		end = stm.first + stm.offs[e.Index+1]
	}
	p := &parser{buf: stm.data[start:end], base: sind.Span.Start, lim: &f.lim}
	v, err := p.parseValue(0)
	if err != nil {
		return nil, err
	}
	p.skipSpace()
	if p.pos != len(p.buf) {
		return nil, malformed(sind.Span.Start, "object %d in object stream %d is followed by other data", e.Num, e.Stream)
	}
	if _, ok := v.(*Stream); ok {
		return nil, malformed(sind.Span.Start, "object stream %d holds a stream", e.Stream)
	}
	return &Indirect{Ref: Ref{Num: e.Num}, Value: v}, nil
}

// objStream decodes and indexes an object stream, once per location.
func (f *File) objStream(ind *Indirect) (*objStm, error) {
	f.mu.Lock()
	s := f.stms[ind.Span.Start]
	f.mu.Unlock()
	if s != nil {
		return s, nil
	}
	at := ind.Span.Start
	st, ok := ind.Value.(*Stream)
	if !ok {
		return nil, malformed(at, "object stream %d is not a stream", ind.Ref.Num)
	}
	if t, _ := st.Dict.Get("Type").(Name); t != "ObjStm" {
		return nil, malformed(at, "object stream %d has /Type %v, not /ObjStm", ind.Ref.Num, st.Dict.Get("Type"))
	}
	n, ok1 := st.Dict.Get("N").(Int)
	first, ok2 := st.Dict.Get("First").(Int)
	if !ok1 || !ok2 || n < 0 || first < 0 {
		return nil, malformed(at, "object stream %d lacks direct non-negative /N and /First", ind.Ref.Num)
	}
	if int64(n) > int64(f.lim.MaxObjects) {
		return nil, limitErr("MaxObjects", at, "object stream of %d objects", n)
	}
	data, err := f.decodeLimited(st, f.lim.MaxStreamSize, ind.Ref)
	if err != nil {
		return nil, err
	}
	if int64(first) > int64(len(data)) {
		return nil, malformed(at, "object stream %d: /First %d is past its %d bytes", ind.Ref.Num, first, len(data))
	}
	p := &parser{buf: data[:first], base: at, lim: &f.lim}
	s = &objStm{data: data, first: int(first)}
	prev := -1
	for i := int64(0); i < int64(n); i++ {
		num, err := p.parseUint()
		if err != nil {
			return nil, err
		}
		o, err := p.parseUint()
		if err != nil {
			return nil, err
		}
		if num >= int64(f.lim.MaxObjects) || o < int64(prev) || o > int64(len(data)-int(first)) {
			return nil, malformed(at, "object stream %d: header pair %d %d is out of range or order", ind.Ref.Num, num, o)
		}
		prev = int(o)
		s.nums = append(s.nums, uint32(num))
		s.offs = append(s.offs, int(o))
	}
	f.mu.Lock()
	f.stms[ind.Span.Start] = s
	f.mu.Unlock()
	return s, nil
}

// Resolve follows references in o as of the newest revision; see
// ResolveAt.
func (f *File) Resolve(o Object) (Object, error) { return f.ResolveAt(f.Latest(), o) }

// ResolveAt follows o, if it is a reference (or a chain of them), to its
// value as of revision rev. A reference to an undefined or free object
// resolves to Null, as ISO 32000-1 §7.3.10 requires.
func (f *File) ResolveAt(rev int, o Object) (Object, error) {
	if rev < 0 || rev >= len(f.revs) {
		return nil, &Error{Err: ErrNotFound, Offset: -1, Detail: "no such revision"}
	}
	return f.resolve(rev, o)
}

func (f *File) resolve(rev int, o Object) (Object, error) {
	for i := 0; ; i++ {
		ref, ok := o.(Ref)
		if !ok {
			if o == nil {
				return Null{}, nil
			}
			return o, nil
		}
		if i >= f.lim.MaxRefChain {
			return nil, &Error{Err: ErrLimit, Offset: -1, Object: ref, Limit: "MaxRefChain", Detail: "chain of references to references"}
		}
		ind, err := f.get(rev, ref, nil)
		if errors.Is(err, ErrNotFound) {
			return Null{}, nil
		}
		if err != nil {
			return nil, err
		}
		o = ind.Value
	}
}

// direct returns o, which must not be a reference.
func direct(o Object) (Object, error) {
	if r, ok := o.(Ref); ok {
		return nil, &Error{Err: ErrUnsupported, Offset: -1, Object: r, Detail: "stream filter parameters must be direct objects"}
	}
	return o, nil
}

// StreamReader returns a reader of the decoded data of s, which must come
// from f. Reading fails with ErrLimit past Limits.MaxStreamSize (or when
// the file's decoded total passes Limits.MaxTotalDecoded), with
// ErrUnsupported for filters the package does not decode (such as
// DCTDecode, or /F external data), and with ErrMalformed for corrupt data.
func (f *File) StreamReader(s *Stream) (io.Reader, error) {
	return f.streamReader(s, f.lim.MaxStreamSize)
}

func (f *File) streamReader(s *Stream, max int64) (io.Reader, error) {
	if s.made {
		return bytes.NewReader(s.raw), nil
	}
	at := s.Data.Start
	if !IsNull(s.Dict.Get("F")) {
		return nil, unsupported(at, "stream data is in an external file (/F)")
	}
	names, parms, err := filterChain(s.Dict, direct, at)
	if err != nil {
		return nil, err
	}
	raw := io.NewSectionReader(f.r, s.Data.Start, s.Data.Len())
	r, err := decodeChain(raw, names, parms, at)
	if err != nil {
		return nil, err
	}
	return &limitReader{r: r, max: max, total: &f.decoded, totalMax: f.lim.MaxTotalDecoded, off: at}, nil
}

// RawReader returns a reader of the raw (encoded) data of s.
func (f *File) RawReader(s *Stream) io.Reader {
	if s.made {
		return bytes.NewReader(s.raw)
	}
	return io.NewSectionReader(f.r, s.Data.Start, s.Data.Len())
}

// Decode returns the decoded data of s; see StreamReader.
func (f *File) Decode(s *Stream) ([]byte, error) {
	return f.decodeLimited(s, f.lim.MaxStreamSize, Ref{})
}

func (f *File) decodeLimited(s *Stream, max int64, ref Ref) ([]byte, error) {
	if max > f.lim.MaxStreamSize {
		max = f.lim.MaxStreamSize
	}
	r, err := f.streamReader(s, max)
	if err != nil {
		return nil, withObject(err, ref)
	}
	var b bytes.Buffer
	if s.Data.Len() < 1<<20 {
		b.Grow(int(s.Data.Len()) * 2)
	}
	if _, err := b.ReadFrom(r); err != nil {
		return nil, withObject(err, ref)
	}
	return b.Bytes(), nil
}
