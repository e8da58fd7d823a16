// This file holds the Updater, which appends an incremental update to the
// original bytes without touching them.

package pdf

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"slices"
	"strconv"
	"sync"
)

// Updater collects new and changed objects and writes them as one
// incremental update (ISO 32000-1 §7.5.6) after the unchanged original.
// Make one with (*File).Update.
type Updater struct {
	f    *File
	next uint32
	objs map[Ref]Object
}

// UpdateResult says where the update put things in the output.
type UpdateResult struct {
	// Size is the number of bytes written: the size of the new file.
	Size int64
	// XRefOffset is the offset of the new cross-reference section.
	XRefOffset int64
	// Objects gives the span of each object written ("N G obj" to
	// "endobj").
	Objects map[Ref]Span
	// Placeholders gives the span of each Placeholder by name: from its
	// "<" or "[" to just after its ">" or "]".
	Placeholders map[string]Span
}

// Update starts an incremental update of the newest revision.
func (f *File) Update() *Updater {
	next := uint32(1)
	if n, ok := f.revs[f.Latest()].Trailer.Get("Size").(Int); ok && n > 0 && int64(n) < int64(f.lim.MaxObjects) {
		next = uint32(n)
	}
	for _, rv := range f.revs {
		if len(rv.Entries) > 0 {
			next = max(next, rv.Entries[len(rv.Entries)-1].Num+1)
		}
	}
	return &Updater{f: f, next: next, objs: map[Ref]Object{}}
}

// Add adds a new object and returns its reference, numbered after every
// object number the file has used.
func (u *Updater) Add(o Object) Ref {
	r := Ref{Num: u.next}
	u.next++
	u.objs[r] = o
	return r
}

// Set replaces object ref, which must exist in the newest revision (or have
// been added to this update). Set a value built from a Clone, never a
// dictionary the File returned.
func (u *Updater) Set(ref Ref, o Object) error {
	if _, ok := u.objs[ref]; !ok {
		e, _, found := u.f.entry(u.f.Latest(), ref.Num)
		if !found || e.Type == EntryFree || e.Gen != ref.Gen {
			return &Error{Err: ErrNotFound, Offset: -1, Object: ref, Detail: "only objects of the newest revision can be replaced; use Add for new ones"}
		}
	}
	u.objs[ref] = o
	return nil
}

// Pending returns the object this update will write for ref (added or
// set), so that several steps of one update can build on each other.
func (u *Updater) Pending(ref Ref) (Object, bool) {
	o, ok := u.objs[ref]
	return o, ok
}

// Refs returns the objects this update holds, in order of number.
func (u *Updater) Refs() []Ref {
	refs := make([]Ref, 0, len(u.objs))
	for r := range u.objs {
		refs = append(refs, r)
	}
	slices.SortFunc(refs, func(a, b Ref) int {
		if a.Num != b.Num {
			return int(int64(a.Num) - int64(b.Num))
		}
		return int(a.Gen) - int(b.Gen)
	})
	return refs
}

// Write writes the original file followed by the update to w: the objects
// in order of number, then a cross-reference table if the newest revision
// has a table (or is hybrid), or a cross-reference stream if it has one;
// the trailer carries /Root, /Info and the first /ID element over, with
// /Prev and /Size; then startxref and %%EOF. The original bytes are
// copied from the io.ReaderAt as they are. The output is deterministic.
func (u *Updater) Write(ctx context.Context, w io.Writer) (*UpdateResult, error) {
	f := u.f
	last := f.revs[f.Latest()]
	s := &serializer{w: w, f: f, marks: map[string]Span{}}

	// The original, unchanged, read in chunks of at most 1 MiB into the
	// serializer's buffer, which is sized for a small file and its update
	// at once.
	chunk := min(1<<20, f.size)
	s.buf = getBuffer(int(max(chunk, min(u.estimate(), flushAt))))
	defer func() { putBuffer(s.buf) }()
	for off := int64(0); off < f.size; {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		n := min(chunk, f.size-off)
		s.flush()
		if s.err != nil {
			return nil, s.err
		}
		if int64(cap(s.buf)) < n {
			s.buf = make([]byte, 0, n)
		}
		m, err := f.r.ReadAt(s.buf[:n], off)
		if m < int(n) {
			if err == nil || errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return nil, &Error{Err: err, Offset: off + int64(m), Detail: "reading the original file"}
		}
		s.buf = s.buf[:n]
		s.off += n
		off += n
	}
	lastByte := byte('\n')
	if len(s.buf) > 0 {
		lastByte = s.buf[len(s.buf)-1]
	}
	if lastByte != '\n' && lastByte != '\r' {
		s.str("\n")
	}

	// The objects; their bytes feed the new /ID.
	s.setHash(sha256.New())
	res := &UpdateResult{Objects: map[Ref]Span{}, Placeholders: s.marks}
	refs := u.Refs()
	type ent struct {
		num uint32
		gen uint16
		off int64
	}
	var ents []ent
	for _, r := range refs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		start := s.off
		s.int(int64(r.Num))
		s.str(" ")
		s.int(int64(r.Gen))
		s.str(" obj\n")
		if st, ok := u.objs[r].(*Stream); ok {
			s.stream(st, 0)
		} else {
			s.object(u.objs[r], 0)
		}
		s.str("\nendobj\n")
		if s.err != nil {
			return nil, withObject(s.err, r)
		}
		res.Objects[r] = Span{start, s.off - 1}
		ents = append(ents, ent{r.Num, r.Gen, start})
	}

	// The trailer values.
	size := int64(u.next)
	if n, ok := last.Trailer.Get("Size").(Int); ok && int64(n) > size {
		size = int64(n)
	}
	// Room for the keys set below: an xref stream's eight, /Length and
	// /Filter; a trailer's five.
	tr := NewDictSize(5)
	if last.XRef == XRefStream {
		tr = NewDictSize(10)
	}
	s.syncHash()
	id := newID(last.Trailer.Get("ID"), s.h.Sum(nil))
	s.setHash(nil)
	xrefOff := s.off
	res.XRefOffset = xrefOff
	if last.XRef == XRefStream {
		// The stream is an object too, and lists itself.
		num := u.next
		size = max(size, int64(num)+1)
		ents = append(ents, ent{num, 0, xrefOff})
		maxOff := xrefOff
		w2 := 1
		for maxOff >= 1<<(8*w2) {
			w2++
		}
		var data []byte
		var index Array
		for i := 0; i < len(ents); {
			j := i
			for j+1 < len(ents) && ents[j+1].num == ents[j].num+1 {
				j++
			}
			index = append(index, Int(ents[i].num), Int(j-i+1))
			for k := i; k <= j; k++ {
				data = append(data, 1)
				for b := w2 - 1; b >= 0; b-- {
					data = append(data, byte(ents[k].off>>(8*b)))
				}
				data = append(data, byte(ents[k].gen>>8), byte(ents[k].gen))
			}
			i = j + 1
		}
		tr.Set("Type", Name("XRef"))
		tr.Set("Size", Int(size))
		tr.Set("Index", index)
		tr.Set("W", Array{Int(1), Int(w2), Int(2)})
		u.trailer(tr, last, id)
		s.int(int64(num))
		s.str(" 0 obj\n")
		s.stream(NewStream(tr, data), 0)
		s.str("\nendobj\n")
	} else {
		s.str("xref\n")
		for i := 0; i < len(ents); {
			j := i
			for j+1 < len(ents) && ents[j+1].num == ents[j].num+1 {
				j++
			}
			s.int(int64(ents[i].num))
			s.str(" ")
			s.int(int64(j - i + 1))
			s.str("\n")
			for k := i; k <= j; k++ {
				s.xrefEntry(ents[k].off, ents[k].gen)
			}
			i = j + 1
		}
		tr.Set("Size", Int(size))
		u.trailer(tr, last, id)
		s.str("trailer\n")
		s.dict(tr, nil, 0)
		s.str("\n")
	}
	s.str("startxref\n" + strconv.FormatInt(xrefOff, 10) + "\n%%EOF\n")
	s.flush()
	if s.err != nil {
		return nil, s.err
	}
	res.Size = s.off
	return res, nil
}

// bufPool keeps the serializer buffers of small files: a signature's
// update is written in one buffer of some tens of kilobytes, and
// allocating and zeroing it on every signature was a tenth of the
// writer's time. An io.Writer may not retain what it is given, so a
// buffer is free again when Write returns. Larger buffers (files of more
// than poolMax bytes) are left to the collector.
var bufPool sync.Pool

const poolMax = 256 << 10

func getBuffer(n int) []byte {
	if n <= poolMax {
		if b, ok := bufPool.Get().(*[]byte); ok && cap(*b) >= n {
			return (*b)[:0]
		}
	}
	return make([]byte, 0, n)
}

func putBuffer(b []byte) {
	if cap(b) <= poolMax {
		bufPool.Put(&b)
	}
}

// estimate guesses the size of the update, so that the buffer that
// carried the original can take it without growing: hex placeholders
// (most of a signature's update), new stream data, and room for the
// rest.
func (u *Updater) estimate() int64 {
	n := int64(4 << 10)
	for _, o := range u.objs {
		d, ok := o.(*Dict)
		if st, isStream := o.(*Stream); isStream {
			d, ok = st.Dict, true
			if st.made {
				n += int64(len(st.raw))
			}
		}
		if !ok {
			continue
		}
		for _, e := range d.Entries() {
			if p, ok := e.Value.(Placeholder); ok && p.Kind == PlaceholderHex && p.Size > 0 {
				n += 2*int64(p.Size) + 2
			}
		}
		n += 512
	}
	return n
}

// trailer sets the keys carried over from the newest revision's trailer.
func (u *Updater) trailer(tr *Dict, last Revision, id Array) {
	for _, k := range []Name{"Root", "Info"} {
		if v := last.Trailer.Get(k); !IsNull(v) {
			tr.Set(k, v)
		}
	}
	tr.Set("ID", id)
	tr.Set("Prev", Int(last.XRefOffset))
}

// newID keeps the first /ID element (the document's permanent identifier)
// and derives the second, which identifies this version, from the update's
// bytes (a placeholder's run of zeros counts by its size only); a file
// without /ID gets one derived the same way.
func newID(old Object, sum []byte) Array {
	second := String{Value: sum[:16], Hex: true}
	if a, ok := old.(Array); ok && len(a) == 2 {
		if first, ok := a[0].(String); ok {
			return Array{String{Value: first.Value, Hex: true}, second}
		}
	}
	return Array{second, second}
}
