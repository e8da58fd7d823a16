// This file holds the document-level helpers the PAdES code needs: the
// catalog, the page tree, AcroForm fields, signature dictionaries, and a
// loop-safe walk over reachable objects.

package pdf

import (
	"errors"
	"fmt"
	"sort"
)

// Catalog returns the document catalog (the trailer's /Root) as of
// revision rev, and its reference.
func (f *File) Catalog(rev int) (*Dict, Ref, error) {
	if rev < 0 || rev >= len(f.revs) {
		return nil, Ref{}, &Error{Err: ErrNotFound, Offset: -1, Detail: "no such revision"}
	}
	root, ok := f.revs[rev].Trailer.Get("Root").(Ref)
	if !ok {
		return nil, Ref{}, malformed(f.revs[rev].XRefOffset, "revision %d: the trailer has no /Root reference", rev)
	}
	ind, err := f.get(rev, root, nil)
	if err != nil {
		return nil, root, err
	}
	d, ok := ind.Value.(*Dict)
	if !ok {
		return nil, root, &Error{Err: ErrMalformed, Offset: ind.Span.Start, Object: root, Detail: "the catalog is not a dictionary"}
	}
	return d, root, nil
}

// dictAt resolves o to a dictionary (nil for null) as of rev.
func (f *File) dictAt(rev int, o Object, what string) (*Dict, error) {
	v, err := f.resolve(rev, o)
	if err != nil {
		return nil, err
	}
	switch d := v.(type) {
	case Null:
		return nil, nil
	case *Dict:
		return d, nil
	case *Stream:
		return d.Dict, nil
	}
	return nil, malformed(-1, "%s is a %T, not a dictionary", what, v)
}

// lastRef follows a chain of references and returns the last reference
// (the object that holds the value; zero for a direct o) and the value.
func (f *File) lastRef(rev int, o Object) (Ref, Object, error) {
	var last Ref
	for i := 0; ; i++ {
		r, ok := o.(Ref)
		if !ok {
			return last, o, nil
		}
		if i >= f.lim.MaxRefChain {
			return Ref{}, nil, &Error{Err: ErrLimit, Offset: -1, Object: r, Limit: "MaxRefChain", Detail: "chain of references to references"}
		}
		ind, err := f.get(rev, r, nil)
		if errors.Is(err, ErrNotFound) {
			return r, Null{}, nil
		}
		if err != nil {
			return Ref{}, nil, err
		}
		last, o = r, ind.Value
	}
}

// Page is a leaf of the page tree.
type Page struct {
	Ref  Ref
	Dict *Dict // the page object as written
	// Resources, MediaBox, CropBox and Rotate with inheritance from the
	// ancestors applied (ISO 32000-1 §7.7.3.4); nil when absent everywhere.
	Resources, MediaBox, CropBox, Rotate Object
}

var inheritable = [4]Name{"Resources", "MediaBox", "CropBox", "Rotate"} // the order of Pages' inherited

// Pages returns the pages of revision rev in order. A page tree in which a
// node is reached twice (a loop, or a page listed twice) fails with
// ErrMalformed; one deeper than Limits.MaxDepth or with more than
// Limits.MaxObjects nodes with ErrLimit.
func (f *File) Pages(rev int) ([]Page, error) {
	cat, _, err := f.Catalog(rev)
	if err != nil {
		return nil, err
	}
	root, ok := cat.Get("Pages").(Ref)
	if !ok {
		return nil, malformed(-1, "the catalog's /Pages is not an indirect reference")
	}
	var pages []Page
	seen := map[Ref]bool{}
	// The inherited attributes, in the order of inheritable; an array
	// rather than a map per node, which cost a map for every page.
	type inherited [4]Object
	var walk func(ref Ref, inh inherited, depth int) error
	walk = func(ref Ref, inh inherited, depth int) error {
		if depth > f.lim.MaxDepth {
			return &Error{Err: ErrLimit, Offset: -1, Object: ref, Limit: "MaxDepth", Detail: "page tree deeper than the limit"}
		}
		if seen[ref] {
			return &Error{Err: ErrMalformed, Offset: -1, Object: ref, Detail: "page tree node reached twice (a loop or a shared node)"}
		}
		seen[ref] = true
		if len(seen) > f.lim.MaxObjects {
			return &Error{Err: ErrLimit, Offset: -1, Object: ref, Limit: "MaxObjects", Detail: "page tree has too many nodes"}
		}
		ind, err := f.get(rev, ref, nil)
		if err != nil {
			return err
		}
		d, ok := ind.Value.(*Dict)
		if !ok {
			return &Error{Err: ErrMalformed, Offset: ind.Span.Start, Object: ref, Detail: "page tree node is not a dictionary"}
		}
		own := inh
		for i, k := range inheritable {
			if v := d.Get(k); !IsNull(v) {
				own[i] = v
			}
		}
		typ, _ := d.Get("Type").(Name)
		kids := d.Get("Kids")
		if typ == "Page" || (typ == "" && IsNull(kids)) {
			pages = append(pages, Page{Ref: ref, Dict: d, Resources: own[0], MediaBox: own[1], CropBox: own[2], Rotate: own[3]})
			return nil
		}
		kv, err := f.resolve(rev, kids)
		if err != nil {
			return err
		}
		arr, ok := kv.(Array)
		if !ok {
			return &Error{Err: ErrMalformed, Offset: ind.Span.Start, Object: ref, Detail: "page tree node has no /Kids array"}
		}
		for _, k := range arr {
			kr, ok := k.(Ref)
			if !ok {
				return &Error{Err: ErrMalformed, Offset: ind.Span.Start, Object: ref, Detail: "/Kids holds a direct object"}
			}
			if err := walk(kr, own, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	if err := walk(root, inherited{}, 0); err != nil {
		return nil, err
	}
	return pages, nil
}

// Field is a terminal AcroForm field.
type Field struct {
	Ref  Ref
	Name string // the fully qualified name: the /T of the field and its ancestors joined by "."
	Type Name   // /FT, inherited: "Sig", "Tx", "Btn", "Ch", or "" if none
	// Value is /V, inherited, as written (often a reference; for a
	// signature field, to the signature dictionary).
	Value   Object
	Dict    *Dict
	Widgets []Ref // kids that are widget annotations without /T
}

// Fields returns the terminal fields of the AcroForm of revision rev, in
// tree order. A loop in /Fields or /Kids fails with ErrMalformed.
func (f *File) Fields(rev int) ([]Field, error) {
	cat, _, err := f.Catalog(rev)
	if err != nil {
		return nil, err
	}
	af, err := f.dictAt(rev, cat.Get("AcroForm"), "/AcroForm")
	if err != nil || af == nil {
		return nil, err
	}
	fv, err := f.resolve(rev, af.Get("Fields"))
	if err != nil {
		return nil, err
	}
	top, _ := fv.(Array)
	var fields []Field
	seen := map[Ref]bool{}
	var walk func(o Object, parent string, ft Name, v Object, depth int) error
	walk = func(o Object, parent string, ft Name, v Object, depth int) error {
		if depth > f.lim.MaxDepth {
			return limitErr("MaxDepth", -1, "field tree deeper than %d", f.lim.MaxDepth)
		}
		ref, o, err := f.lastRef(rev, o)
		if err != nil {
			return err
		}
		if ref != (Ref{}) {
			if seen[ref] {
				return &Error{Err: ErrMalformed, Offset: -1, Object: ref, Detail: "field reached twice in /Fields and /Kids (a loop or a shared field)"}
			}
			seen[ref] = true
			if len(seen) > f.lim.MaxObjects {
				return limitErr("MaxObjects", -1, "field tree has too many nodes")
			}
		}
		d, err := f.dictAt(rev, o, "a field")
		if err != nil || d == nil {
			return err
		}
		name := parent
		if t, ok := d.Get("T").(String); ok {
			if name != "" {
				name += "."
			}
			name += textString(t.Value)
		}
		if t, ok := d.Get("FT").(Name); ok {
			ft = t
		}
		if val := d.Get("V"); !IsNull(val) {
			v = val
		}
		kv, err := f.resolve(rev, d.Get("Kids"))
		if err != nil {
			return err
		}
		kids, _ := kv.(Array)
		var widgets []Ref
		var sub []Object
		for _, k := range kids {
			kd, err := f.dictAt(rev, k, "a field kid")
			if err != nil {
				return err
			}
			if kd == nil {
				continue
			}
			if IsNull(kd.Get("T")) {
				if kr, ok := k.(Ref); ok {
					widgets = append(widgets, kr)
				}
				continue
			}
			sub = append(sub, k)
		}
		if len(sub) == 0 {
			fields = append(fields, Field{Ref: ref, Name: name, Type: ft, Value: v, Dict: d, Widgets: widgets})
			return nil
		}
		for _, k := range sub {
			if err := walk(k, name, ft, v, depth+1); err != nil {
				return err
			}
		}
		return nil
	}
	for _, o := range top {
		if err := walk(o, "", "", nil, 0); err != nil {
			return nil, err
		}
	}
	return fields, nil
}

// textString decodes a PDF text string: UTF-16BE with a BOM, UTF-8 with a
// BOM (PDF 2.0), or PDFDocEncoding (read as Latin-1, which agrees with it
// on letters and digits).
func textString(b []byte) string {
	if len(b) >= 2 && b[0] == 0xfe && b[1] == 0xff {
		var rs []rune
		for i := 2; i+1 < len(b); i += 2 {
			u := rune(b[i])<<8 | rune(b[i+1])
			if u >= 0xd800 && u < 0xdc00 && i+3 < len(b) {
				l := rune(b[i+2])<<8 | rune(b[i+3])
				if l >= 0xdc00 && l < 0xe000 {
					rs = append(rs, 0x10000+(u-0xd800)<<10+(l-0xdc00))
					i += 2
					continue
				}
			}
			rs = append(rs, u)
		}
		return string(rs)
	}
	if len(b) >= 3 && b[0] == 0xef && b[1] == 0xbb && b[2] == 0xbf {
		return string(b[3:])
	}
	rs := make([]rune, len(b))
	for i, c := range b {
		rs[i] = rune(c)
	}
	return string(rs)
}

// Signature is a signature dictionary found in the file.
type Signature struct {
	// Ref is the signature dictionary's object, or the field's object
	// when the dictionary is a direct /V value.
	Ref Ref
	// Revision is the revision whose xref entry defines this version of
	// the object. A later revision that redefines the object gives another
	// Signature with the same Ref.
	Revision int
	Dict     *Dict
	// ByteRange is /ByteRange when it is a direct array of non-negative
	// integers (of any even length; PAdES needs 4), else nil.
	ByteRange []int64
	// Contents is the decoded /Contents when it is a direct string, else
	// nil; ContentsHex says it was a hex string.
	Contents    []byte
	ContentsHex bool
	// ContentsSpan locates the /Contents token in the file, from "<" to
	// just after ">"; zero when the dictionary is in an object stream or
	// /Contents is not a direct string.
	ContentsSpan Span
	// Span locates the signature dictionary's object ("N G obj" to
	// "endobj"); zero when it is in an object stream or direct.
	Span Span
}

// Signatures returns every signature dictionary in the file: each version,
// in each revision, of an object that is a dictionary with /Type /Sig or
// /DocTimeStamp, or with /ByteRange, and each dictionary that a signature
// field's /V names in any revision. They are ordered by revision, then
// object number. Objects that cannot be read are skipped and returned in
// unreadable (each an error with the object and offset); the error result
// is for failures that stop the scan (ErrLimit).
func (f *File) Signatures() (sigs []Signature, unreadable []error, err error) {
	type key struct {
		loc int64 // offset, or -(stream offset*2^20+index)-1 for compressed objects
		ref Ref
	}
	done := map[key]bool{}
	add := func(ind *Indirect, d *Dict, rev int) {
		s := Signature{Ref: ind.Ref, Revision: rev, Dict: d, Span: ind.Span}
		if a, ok := d.Get("ByteRange").(Array); ok {
			br := make([]int64, 0, len(a))
			for _, v := range a {
				n, ok := v.(Int)
				if !ok || n < 0 {
					br = nil
					break
				}
				br = append(br, int64(n))
			}
			if br != nil && len(br)%2 == 0 && len(br) > 0 {
				s.ByteRange = br
			}
		}
		if e, ok := d.Entry("Contents"); ok {
			if str, ok := e.Value.(String); ok {
				s.Contents, s.ContentsHex = str.Value, str.Hex
				if str.Hex && ind.Span.Valid() {
					s.ContentsSpan = e.Span
				}
			}
		}
		sigs = append(sigs, s)
	}
	isSig := func(d *Dict) bool {
		t, _ := d.Get("Type").(Name)
		return t == "Sig" || t == "DocTimeStamp" || !IsNull(d.Get("ByteRange"))
	}
	for _, rv := range f.revs {
		for _, e := range rv.Entries {
			if e.Type == EntryFree {
				continue
			}
			ref := Ref{Num: e.Num, Gen: e.Gen}
			ind, err := f.get(rv.Index, ref, nil)
			if err != nil {
				if errors.Is(err, ErrLimit) {
					return nil, nil, err
				}
				unreadable = append(unreadable, err)
				continue
			}
			k := key{loc: locKey(ind), ref: ref}
			if done[k] {
				continue
			}
			if d, ok := ind.Value.(*Dict); ok && isSig(d) {
				done[k] = true
				add(ind, d, ind.Revision)
			}
		}
		// Dictionaries named by signature fields, whatever they look like
		// (USF attacks strip /Type and /ByteRange).
		fields, err := f.Fields(rv.Index)
		if err != nil {
			if errors.Is(err, ErrLimit) {
				return nil, nil, err
			}
			unreadable = append(unreadable, fmt.Errorf("revision %d: AcroForm fields: %w", rv.Index, err))
			continue
		}
		for _, fd := range fields {
			if fd.Type != "Sig" || IsNull(fd.Value) {
				continue
			}
			switch v := fd.Value.(type) {
			case Ref:
				ind, err := f.get(rv.Index, v, nil)
				if err != nil {
					if !errors.Is(err, ErrNotFound) {
						unreadable = append(unreadable, err)
					}
					continue
				}
				k := key{loc: locKey(ind), ref: v}
				if d, ok := ind.Value.(*Dict); ok && !done[k] {
					done[k] = true
					add(ind, d, ind.Revision)
				}
			case *Dict:
				fi, err := f.get(rv.Index, fd.Ref, nil)
				if err != nil {
					continue
				}
				k := key{loc: locKey(fi), ref: fd.Ref}
				if !done[k] {
					done[k] = true
					add(&Indirect{Ref: fd.Ref, Span: fi.Span}, v, fi.Revision)
					// The value's spans are those of the field's object.
				}
			}
		}
	}
	sort.SliceStable(sigs, func(i, j int) bool {
		if sigs[i].Revision != sigs[j].Revision {
			return sigs[i].Revision < sigs[j].Revision
		}
		return sigs[i].Ref.Num < sigs[j].Ref.Num
	})
	return sigs, unreadable, nil
}

// locKey identifies where an object version is stored.
func locKey(ind *Indirect) int64 {
	if ind.Entry.Type == EntryCompressed {
		return -(int64(ind.Entry.Stream)<<24 | int64(ind.Entry.Index)) - 1
	}
	return ind.Entry.Offset
}

// Walk calls fn once for each indirect object reachable from root as of
// revision rev (root itself, if it is a reference, first), breadth first.
// Loops in the object graph are harmless: each object is visited once.
// References to undefined objects are skipped. Walk stops with ErrLimit
// after Limits.MaxObjects objects, and with fn's error if it returns one.
func (f *File) Walk(rev int, root Object, fn func(ref Ref, v Object) error) error {
	if rev < 0 || rev >= len(f.revs) {
		return &Error{Err: ErrNotFound, Offset: -1, Detail: "no such revision"}
	}
	seen := map[Ref]bool{}
	var queue []Ref
	var collect func(o Object, depth int)
	collect = func(o Object, depth int) {
		if depth > maxEqualDepth {
			return
		}
		switch v := o.(type) {
		case Ref:
			if !seen[v] {
				seen[v] = true
				queue = append(queue, v)
			}
		case Array:
			for _, e := range v {
				collect(e, depth+1)
			}
		case *Dict:
			for _, e := range v.Entries() {
				collect(e.Value, depth+1)
			}
		case *Stream:
			collect(v.Dict, depth+1)
		}
	}
	collect(root, 0)
	for n := 0; len(queue) > 0; n++ {
		if n >= f.lim.MaxObjects {
			return limitErr("MaxObjects", -1, "walk reached more than %d objects", f.lim.MaxObjects)
		}
		ref := queue[0]
		queue = queue[1:]
		ind, err := f.get(rev, ref, nil)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if err := fn(ref, ind.Value); err != nil {
			return err
		}
		collect(ind.Value, 0)
	}
	return nil
}
