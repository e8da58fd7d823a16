// This file holds the comparison of two revisions.

package pdf

import (
	"crypto/sha256"
	"errors"
	"io"
	"sort"
)

// Diff is what changed between two revisions, object by object. It
// records facts only; which changes are permitted after a signature
// (DocMDP, FieldMDP, DSS) is the verifier's decision.
type Diff struct {
	From, To int
	// Added are objects defined in To but not in From; Removed the
	// reverse (freed, or given another generation).
	Added, Removed []Ref
	// Changed are objects whose value differs: parsed values compared
	// with Equal, streams by dictionary and decoded data (or raw data when
	// a filter cannot be decoded).
	Changed []Ref
	// XRefStreams are the cross-reference stream objects of the revisions
	// after From (structure, not content), left out of Added and Changed.
	XRefStreams []Ref
	// Unchanged are objects that a revision after From redefined (or
	// whose object stream it redefined) with an equal value.
	Unchanged []Ref
	// TrailerChanged lists the trailer keys whose values differ, ignoring
	// those that every update rewrites (/Prev, /Size, /ID, /XRefStm) and
	// those of an xref stream's dictionary (/Type, /W, /Index, /Length,
	// /Filter, /DecodeParms).
	TrailerChanged []Name
	// RootChanged is set when /Root names another object; CatalogChanged
	// when the catalog differs in any way (RootChanged, or the catalog
	// object is in Changed).
	RootChanged, CatalogChanged bool
}

var trailerIgnore = map[Name]bool{
	"Prev": true, "Size": true, "ID": true, "XRefStm": true,
	"Type": true, "W": true, "Index": true, "Length": true, "Filter": true, "DecodeParms": true,
}

// Diff compares revision from with the later revision to. The objects
// compared are those that any revision after from and up to to writes an
// xref entry for, and those stored in an object stream that such a
// revision redefined. An object that cannot be read in either revision
// makes Diff fail.
func (f *File) Diff(from, to int) (*Diff, error) {
	if from < 0 || to >= len(f.revs) || from > to {
		return nil, &Error{Err: ErrNotFound, Offset: -1, Detail: "Diff needs 0 <= from <= to < number of revisions"}
	}
	touched := map[uint32]bool{}
	for r := from + 1; r <= to; r++ {
		for _, e := range f.revs[r].Entries {
			touched[e.Num] = true
		}
	}
	d := &Diff{From: from, To: to}
	for _, s := range f.sections {
		if rv := f.revisionAt(s.offset); rv <= from || rv > to {
			continue
		}
		loc := s.offset
		if s.stmSpan.Valid() {
			loc = s.stmSpan.Start
		}
		for _, ref := range s.stmRefs {
			// Structure only while the number still denotes the xref
			// stream (or is not listed at all); if a later entry gives the
			// number to another object, that object is content.
			e, _, ok := f.entry(to, ref.Num)
			if ok && !(e.Type == EntryInUse && e.Gen == ref.Gen && e.Offset == loc) {
				continue
			}
			d.XRefStreams = append(d.XRefStreams, ref)
			delete(touched, ref.Num)
		}
	}
	// Objects whose object stream was redefined read differently even
	// though their own entry did not change.
	for r := 0; r <= to; r++ {
		for _, e := range f.revs[r].Entries {
			if e.Type != EntryCompressed || !touched[e.Stream] || touched[e.Num] {
				continue
			}
			if cur, _, ok := f.entry(to, e.Num); ok && cur == e {
				touched[e.Num] = true
			}
		}
	}
	nums := make([]uint32, 0, len(touched))
	for n := range touched {
		nums = append(nums, n)
	}
	sort.Slice(nums, func(i, j int) bool { return nums[i] < nums[j] })

	for _, n := range nums {
		a, aok, err := f.objectVersion(from, n)
		if err != nil {
			return nil, err
		}
		b, bok, err := f.objectVersion(to, n)
		if err != nil {
			return nil, err
		}
		switch {
		case !aok && !bok:
		case !aok:
			d.Added = append(d.Added, b.Ref)
		case !bok:
			d.Removed = append(d.Removed, a.Ref)
		case a.Ref != b.Ref:
			d.Removed = append(d.Removed, a.Ref)
			d.Added = append(d.Added, b.Ref)
		default:
			eq, err := f.sameValue(a.Value, b.Value)
			if err != nil {
				return nil, withObject(err, a.Ref)
			}
			if eq {
				d.Unchanged = append(d.Unchanged, a.Ref)
			} else {
				d.Changed = append(d.Changed, a.Ref)
			}
		}
	}
	ta, tb := f.revs[from].Trailer, f.revs[to].Trailer
	keys := map[Name]bool{}
	for _, e := range ta.Entries() {
		keys[e.Key] = true
	}
	for _, e := range tb.Entries() {
		keys[e.Key] = true
	}
	for k := range keys {
		if !trailerIgnore[k] && !Equal(ta.Get(k), tb.Get(k)) {
			d.TrailerChanged = append(d.TrailerChanged, k)
		}
	}
	sort.Slice(d.TrailerChanged, func(i, j int) bool { return d.TrailerChanged[i] < d.TrailerChanged[j] })
	d.RootChanged = !Equal(ta.Get("Root"), tb.Get("Root"))
	d.CatalogChanged = d.RootChanged
	if root, ok := tb.Get("Root").(Ref); ok {
		for _, c := range d.Changed {
			if c == root {
				d.CatalogChanged = true
			}
		}
	}
	return d, nil
}

// objectVersion returns object num as of rev, whatever its generation.
func (f *File) objectVersion(rev int, num uint32) (*Indirect, bool, error) {
	e, _, ok := f.entry(rev, num)
	if !ok || e.Type == EntryFree {
		return nil, false, nil
	}
	ind, err := f.get(rev, Ref{Num: num, Gen: e.Gen}, nil)
	if err != nil {
		return nil, false, err
	}
	return ind, true, nil
}

var streamCodingKeys = map[Name]bool{"Length": true, "Filter": true, "DecodeParms": true, "DL": true}

// sameValue compares two object values; streams by content.
func (f *File) sameValue(a, b Object) (bool, error) {
	sa, oka := a.(*Stream)
	sb, okb := b.(*Stream)
	if !oka || !okb {
		return !oka && !okb && Equal(a, b), nil
	}
	if !equalDict(sa.Dict, sb.Dict, streamCodingKeys, 0) {
		return false, nil
	}
	if sa.Data == sb.Data && !sa.made && !sb.made {
		return Equal(sa.Dict.Get("Filter"), sb.Dict.Get("Filter")) && Equal(sa.Dict.Get("DecodeParms"), sb.Dict.Get("DecodeParms")), nil
	}
	if Equal(sa.Dict.Get("Filter"), sb.Dict.Get("Filter")) && Equal(sa.Dict.Get("DecodeParms"), sb.Dict.Get("DecodeParms")) {
		ha, err := hashReader(f.RawReader(sa))
		if err != nil {
			return false, err
		}
		hb, err := hashReader(f.RawReader(sb))
		if err != nil {
			return false, err
		}
		if ha == hb {
			return true, nil
		}
	}
	// Different encodings may hold the same content.
	ra, err := f.StreamReader(sa)
	if errors.Is(err, ErrUnsupported) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	rb, err := f.StreamReader(sb)
	if errors.Is(err, ErrUnsupported) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	ha, err := hashReader(ra)
	if err != nil {
		return false, err
	}
	hb, err := hashReader(rb)
	if err != nil {
		return false, err
	}
	return ha == hb, nil
}

func hashReader(r io.Reader) ([32]byte, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		var e *Error
		if errors.As(err, &e) {
			return [32]byte{}, err
		}
		return [32]byte{}, &Error{Err: err, Offset: -1, Detail: "reading stream data"}
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out, nil
}
