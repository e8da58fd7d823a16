// This file holds the structure checks of Open: finding the %%EOF markers,
// following the /Prev chain into revisions, and the findings about bytes
// that do not fit the chain.

package pdf

import (
	"bytes"
	"fmt"
	"io"
	"sort"
	"strconv"
)

// FindingKind classifies a structural irregularity.
type FindingKind int

// The kinds of finding.
const (
	// FindingHeaderOffset: "%PDF-" is not at offset 0.
	FindingHeaderOffset FindingKind = iota + 1
	// FindingTrailingBytes: bytes that are not white-space follow the
	// last revision's %%EOF: content appended without a cross-reference
	// section, or a revision cut short (incremental saving attack).
	FindingTrailingBytes
	// FindingTrailingWhitespace: only white-space follows the last %%EOF
	// (beyond the one end-of-line that belongs to it).
	FindingTrailingWhitespace
	// FindingUnchainedEOF: a %%EOF marker outside every object that ends
	// no revision on the /Prev chain: a revision that readers following
	// the chain do not see.
	FindingUnchainedEOF
	// FindingOrphanXRef: an "xref" table outside every object that is not
	// on the /Prev chain (as in signature wrapping).
	FindingOrphanXRef
	// FindingStartxrefMismatch: the startxref before a revision's %%EOF is
	// missing or does not point to the revision's xref section.
	FindingStartxrefMismatch
	// FindingContentAfterXRef: bytes other than white-space and comments
	// between a revision's xref section and its startxref.
	FindingContentAfterXRef
	// FindingMissingEOF: a revision on the chain has no %%EOF of its own.
	FindingMissingEOF
	// FindingEntryOutOfRange: an xref entry points past the end of its
	// revision (into bytes written later) or past the end of the file.
	FindingEntryOutOfRange
	// FindingDuplicateEntry: an xref section defines an object twice; the
	// first definition is used.
	FindingDuplicateEntry
	// FindingHybridConflict: a hybrid file's table and /XRefStm stream
	// define an object differently; the table is used.
	FindingHybridConflict
	// FindingXRefBeforeStart: a revision's xref section lies inside an
	// earlier revision's bytes.
	FindingXRefBeforeStart
)

var findingNames = map[FindingKind]string{
	FindingHeaderOffset:       "header-offset",
	FindingTrailingBytes:      "trailing-bytes",
	FindingTrailingWhitespace: "trailing-whitespace",
	FindingUnchainedEOF:       "unchained-eof",
	FindingOrphanXRef:         "orphan-xref",
	FindingStartxrefMismatch:  "startxref-mismatch",
	FindingContentAfterXRef:   "content-after-xref",
	FindingMissingEOF:         "missing-eof",
	FindingEntryOutOfRange:    "entry-out-of-range",
	FindingDuplicateEntry:     "duplicate-entry",
	FindingHybridConflict:     "hybrid-conflict",
	FindingXRefBeforeStart:    "xref-before-start",
}

// String returns a short name such as "trailing-bytes".
func (k FindingKind) String() string {
	if s, ok := findingNames[k]; ok {
		return s
	}
	return "finding-" + strconv.Itoa(int(k))
}

// Finding is a structural irregularity that did not stop Open. A verifier
// decides what each means for a signature; none is repaired.
type Finding struct {
	Kind     FindingKind
	Revision int   // the revision concerned, or -1
	Offset   int64 // where in the file
	Length   int64 // how many bytes, where that applies
	Detail   string
}

// String describes the finding.
func (fd Finding) String() string {
	return fmt.Sprintf("%s at offset %d: %s", fd.Kind, fd.Offset, fd.Detail)
}

// marker is a %%EOF in the file.
type marker struct {
	at        int64 // offset of "%%EOF"
	end       int64 // after "%%EOF" and one optional EOL (CR, LF or CRLF)
	kwAt      int64 // offset of the "startxref" before it, or -1
	startxref int64 // its value, or -1
	used      bool
}

// scan reads the file once, in chunks, for "%%EOF" markers and "xref"
// keywords; it never holds more than one chunk.
func (f *File) scan() ([]*marker, []int64, error) {
	const chunk = 1 << 20
	const overlap = 8
	var markers []*marker
	var xrefs []int64
	maxMarkers := 2*f.lim.MaxRevisions + 16
	buf := make([]byte, min(chunk, f.size)+2*overlap)
	for base := int64(0); base < f.size; base += chunk {
		// Read a little before and after the chunk, so that a keyword
		// across a boundary is seen, with the byte before it; count only
		// matches that start inside the chunk.
		from := max(0, base-overlap)
		to := min(f.size, base+chunk+overlap)
		b := buf[:to-from]
		if m, err := f.r.ReadAt(b, from); m < len(b) {
			if err == nil || err == io.EOF {
				return nil, nil, malformed(from+int64(m), "file is shorter than its stated size")
			}
			return nil, nil, &Error{Err: err, Offset: from, Detail: "reading the file"}
		}
		lo, hi := int(base-from), int(min(base+chunk, f.size)-from)
		for i := lo; ; {
			j := bytes.Index(b[i:], []byte("%%EOF"))
			if j < 0 || i+j >= hi {
				break
			}
			at := from + int64(i+j)
			markers = append(markers, &marker{at: at})
			if len(markers) > maxMarkers {
				return nil, nil, limitErr("MaxRevisions", at, "more than %d %%%%EOF markers", maxMarkers)
			}
			i += j + 5
		}
		for i := lo; ; {
			j := bytes.Index(b[i:], []byte("xref"))
			if j < 0 || i+j >= hi {
				break
			}
			k := i + j
			i = k + 4
			before := from+int64(k) == 0 || (k > 0 && isWhite(b[k-1]))
			after := k+4 < len(b) && isWhite(b[k+4])
			if before && after {
				xrefs = append(xrefs, from+int64(k))
				if len(xrefs) > maxMarkers {
					return nil, nil, limitErr("MaxRevisions", from+int64(k), "more than %d xref keywords", maxMarkers)
				}
			}
		}
	}
	for _, m := range markers {
		if err := f.readMarker(m); err != nil {
			return nil, nil, err
		}
	}
	return markers, xrefs, nil
}

// readMarker fills in the end of m and the startxref before it.
func (f *File) readMarker(m *marker) error {
	m.end = m.at + 5
	tail, _, err := f.window(m.end, 2)
	if err != nil {
		return err
	}
	switch {
	case len(tail) >= 2 && tail[0] == '\r' && tail[1] == '\n':
		m.end += 2
	case len(tail) >= 1 && (tail[0] == '\r' || tail[0] == '\n'):
		m.end++
	}
	m.kwAt, m.startxref = -1, -1
	from := max(0, m.at-64)
	b, _, err := f.window(from, m.at-from)
	if err != nil {
		return err
	}
	k := bytes.LastIndex(b, []byte("startxref"))
	if k < 0 {
		return nil
	}
	rest := bytes.TrimSpace(b[k+len("startxref"):])
	if len(rest) == 0 || len(rest) > 20 || !allDigits(rest) || (k+9 < len(b) && !isWhite(b[k+9])) {
		return nil
	}
	v, err := strconv.ParseInt(string(rest), 10, 64)
	if err != nil {
		return nil
	}
	m.kwAt, m.startxref = from+int64(k), v
	return nil
}

// readChain follows the cross-reference chain from the startxref of the
// last marker that has one, and builds the revisions.
func (f *File) readChain(markers []*marker) error {
	var last *marker
	for i := len(markers) - 1; i >= 0; i-- {
		if markers[i].startxref >= 0 {
			last = markers[i]
			break
		}
	}
	if last == nil {
		return malformed(f.size, "no \"startxref N %%%%EOF\" in the file")
	}
	if last.startxref >= f.size {
		return malformed(last.kwAt, "startxref %d is outside the file", last.startxref)
	}
	budget := f.lim.MaxXRefEntries
	seen := map[int64]bool{}
	for off := last.startxref; off >= 0; {
		if seen[off] {
			return malformed(off, "the /Prev chain of xref sections loops back to offset %d", off)
		}
		seen[off] = true
		if len(f.sections) >= f.lim.MaxRevisions {
			return limitErr("MaxRevisions", off, "more than %d xref sections", f.lim.MaxRevisions)
		}
		s, err := f.readSection(off, &budget)
		if err != nil {
			return err
		}
		f.sections = append(f.sections, s)
		off = s.prev
	}
	return f.buildRevisions(markers)
}

// buildRevisions groups the sections (newest first) into revisions, oldest
// first, and finds where each ends.
func (f *File) buildRevisions(markers []*marker) error {
	ss := f.sections
	type group struct {
		secs []*section // the section startxref points to first
	}
	var groups []group
	for i := len(ss) - 1; i >= 0; i-- {
		s := ss[i]
		if s.prev > s.offset {
			// Only a linearized file's first-page section points forward,
			// to the main section, which ends the chain.
			if i != len(ss)-2 || !f.linearized() {
				return malformed(s.offset, "xref /Prev %d points forward and the file is not a linearized file's first-page section", s.prev)
			}
			groups[len(groups)-1].secs = []*section{s, ss[i+1]}
			continue
		}
		groups = append(groups, group{secs: []*section{s}})
	}
	start := int64(0)
	for gi, g := range groups {
		head := g.secs[0]
		rv := Revision{
			Index:      gi,
			Start:      start,
			XRefOffset: head.offset,
			XRef:       head.kind,
			Trailer:    head.trailer,
			Linearized: len(g.secs) == 2,
		}
		var secEnd int64
		for _, s := range g.secs {
			secEnd = max(secEnd, s.end)
			rv.Entries = mergeEntries(rv.Entries, s.entries)
			for _, n := range s.dups {
				f.findings = append(f.findings, Finding{Kind: FindingDuplicateEntry, Revision: gi, Offset: s.offset,
					Detail: fmt.Sprintf("object %d is defined twice in the xref section; the first entry is used", n)})
			}
			for _, n := range s.clash {
				f.findings = append(f.findings, Finding{Kind: FindingHybridConflict, Revision: gi, Offset: s.offset,
					Detail: fmt.Sprintf("object %d: the xref table and its /XRefStm stream disagree; the table is used", n)})
			}
			if s.offset < start {
				f.findings = append(f.findings, Finding{Kind: FindingXRefBeforeStart, Revision: gi, Offset: s.offset,
					Detail: fmt.Sprintf("the xref section lies inside the bytes of an earlier revision (which end at %d)", start)})
			}
		}
		if rv.Linearized {
			// The first-page section is followed by its own startxref and
			// %%EOF, which belong to this revision.
			if m := firstMarkerAfter(markers, g.secs[0].end); m != nil && m.at < g.secs[1].offset {
				m.used = true
			}
		}
		m := firstMarkerAfter(markers, secEnd)
		switch {
		case m == nil || m.used:
			if gi == len(groups)-1 {
				return malformed(secEnd, "no %%%%EOF after the last xref section")
			}
			f.findings = append(f.findings, Finding{Kind: FindingMissingEOF, Revision: gi, Offset: secEnd,
				Detail: "the revision's xref section is not followed by its own startxref and %%EOF"})
			rv.End, rv.EOF = secEnd, secEnd
		default:
			m.used = true
			rv.End, rv.EOF = m.end, m.at+5
			if m.startxref != rv.XRefOffset {
				f.findings = append(f.findings, Finding{Kind: FindingStartxrefMismatch, Revision: gi, Offset: m.at,
					Detail: fmt.Sprintf("the startxref before this %%%%EOF is %d, but the revision's xref section is at %d", m.startxref, rv.XRefOffset)})
			}
			gapEnd := m.at
			if m.kwAt >= secEnd {
				gapEnd = m.kwAt
			}
			if gap := gapEnd - secEnd; gap > 0 {
				if !f.onlySpace(secEnd, gap) {
					f.findings = append(f.findings, Finding{Kind: FindingContentAfterXRef, Revision: gi, Offset: secEnd, Length: gap,
						Detail: "bytes other than white-space and comments between the xref section and startxref"})
				}
			}
		}
		start = rv.End
		f.revs = append(f.revs, rv)
	}
	return nil
}

// mergeEntries merges b into a (both sorted), a winning: used for a
// linearized file, whose first-page section overrides the main one.
func mergeEntries(a, b []XRefEntry) []XRefEntry {
	if len(a) == 0 {
		return b
	}
	out := make([]XRefEntry, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) || j < len(b) {
		switch {
		case j >= len(b) || (i < len(a) && a[i].Num < b[j].Num):
			out = append(out, a[i])
			i++
		case i >= len(a) || b[j].Num < a[i].Num:
			out = append(out, b[j])
			j++
		default:
			out = append(out, a[i])
			i++
			j++
		}
	}
	return out
}

func firstMarkerAfter(ms []*marker, off int64) *marker {
	i := sort.Search(len(ms), func(i int) bool { return ms[i].at >= off })
	if i < len(ms) {
		return ms[i]
	}
	return nil
}

// linearized reports whether the first object in the file is a
// linearization parameter dictionary.
func (f *File) linearized() bool {
	buf, _, err := f.window(0, 1024)
	if err != nil {
		return false
	}
	i := bytes.Index(buf, []byte("%PDF-"))
	p := &parser{buf: buf, pos: i + 5, lim: &f.lim}
	// Skip the rest of the header line and the binary comment.
	for p.pos < len(buf) && buf[p.pos] != '\n' && buf[p.pos] != '\r' {
		p.pos++
	}
	p.skipSpace()
	ind, err := f.parseAt(int64(p.pos), nil, -1, nil)
	if err != nil {
		return false
	}
	d, ok := ind.Value.(*Dict)
	return ok && !IsNull(d.Get("Linearized"))
}

// onlySpace reports whether [off, off+n) holds only white-space and
// comments.
func (f *File) onlySpace(off, n int64) bool {
	if n > 1<<16 {
		return false
	}
	b, _, err := f.window(off, n)
	if err != nil {
		return false
	}
	p := &parser{buf: b}
	p.skipSpace()
	return p.pos == len(b)
}

// checkStructure reports the markers and xref keywords that are not on the
// chain, bytes after the last revision, and entries out of range.
func (f *File) checkStructure(markers []*marker, xrefs []int64) {
	last := f.revs[len(f.revs)-1]
	if last.End < f.size {
		kind, detail := FindingTrailingBytes, "bytes after the last revision's %%EOF (content without a cross-reference section)"
		if f.onlySpace(last.End, f.size-last.End) {
			kind, detail = FindingTrailingWhitespace, "only white-space or comments after the last %%EOF"
		}
		f.findings = append(f.findings, Finding{Kind: kind, Revision: -1, Offset: last.End, Length: f.size - last.End, Detail: detail})
	}
	tables := map[int64]bool{}
	for _, s := range f.sections {
		if s.kind != XRefStream {
			tables[s.kwAt] = true
		}
	}
	var offs []int64 // sorted in-use offsets of every revision, for inside()
	for _, m := range markers {
		if m.used || m.at >= last.End {
			continue // after the last revision: reported as trailing bytes
		}
		if offs == nil {
			offs = f.inUseOffsets()
		}
		if f.inside(m.at, offs) {
			continue
		}
		f.findings = append(f.findings, Finding{Kind: FindingUnchainedEOF, Revision: f.revisionAt(m.at), Offset: m.at,
			Detail: "a %%EOF that ends no revision on the xref chain (a hidden or cut-off revision)"})
	}
	for _, x := range xrefs {
		if tables[x] || x >= last.End {
			continue
		}
		if offs == nil {
			offs = f.inUseOffsets()
		}
		if f.inside(x, offs) {
			continue
		}
		f.findings = append(f.findings, Finding{Kind: FindingOrphanXRef, Revision: f.revisionAt(x), Offset: x,
			Detail: "an xref table that is not on the /Prev chain"})
	}
	for _, rv := range f.revs {
		for _, e := range rv.Entries {
			if e.Type == EntryInUse && e.Offset >= rv.End {
				f.findings = append(f.findings, Finding{Kind: FindingEntryOutOfRange, Revision: rv.Index, Offset: e.Offset,
					Detail: fmt.Sprintf("the entry for object %d %d points past the end of its revision (%d)", e.Num, e.Gen, rv.End)})
			}
		}
	}
}

// revisionAt returns the revision whose bytes contain off.
func (f *File) revisionAt(off int64) int {
	for _, rv := range f.revs {
		if off >= rv.Start && off < rv.End {
			return rv.Index
		}
	}
	return -1
}

func (f *File) inUseOffsets() []int64 {
	seen := map[int64]bool{}
	var offs []int64
	for _, rv := range f.revs {
		for _, e := range rv.Entries {
			if e.Type == EntryInUse && !seen[e.Offset] {
				seen[e.Offset] = true
				offs = append(offs, e.Offset)
			}
		}
	}
	sort.Slice(offs, func(i, j int) bool { return offs[i] < offs[j] })
	return offs
}

// inside reports whether off lies within an xref stream or within the
// indirect object that starts nearest before it (a %%EOF inside an
// embedded file's data is not a revision boundary).
func (f *File) inside(off int64, offs []int64) bool {
	for _, s := range f.sections {
		if off >= s.offset && off < s.end {
			return true
		}
		if s.stmSpan.Valid() && off >= s.stmSpan.Start && off < s.stmSpan.End {
			return true
		}
	}
	i := sort.Search(len(offs), func(i int) bool { return offs[i] > off })
	if i == 0 {
		return false
	}
	start := offs[i-1]
	rev := f.revisionAt(start)
	if rev < 0 {
		rev = len(f.revs) - 1
	}
	ind, err := f.parseAt(start, nil, rev, nil)
	return err == nil && off < ind.Span.End
}
