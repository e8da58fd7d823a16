// Tests of Open: the revision chain in its forms (tables, streams, hybrid,
// linearized, qpdf's outputs), the structural findings, and the errors.

package pdf

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenMinimal(t *testing.T) {
	data := minimalPDF()
	f := openBytes(t, data)
	require.Len(t, f.Revisions(), 1)
	rv := f.Revisions()[0]
	assert.Equal(t, int64(0), rv.Start)
	assert.Equal(t, int64(len(data)), rv.End)
	assert.Equal(t, XRefTable, rv.XRef)
	assert.Len(t, rv.Entries, 5)
	assert.Equal(t, EntryFree, rv.Entries[0].Type)
	assert.Equal(t, "1.7", f.Version())
	assert.Empty(t, f.Findings())
	ind, err := f.Object(Ref{1, 0})
	require.NoError(t, err)
	assert.Equal(t, Name("Catalog"), ind.Value.(*Dict).Get("Type"))
	assert.Equal(t, "1 0 obj", string(data[ind.Span.Start:ind.Span.Start+7]))
	assert.Equal(t, "endobj", string(data[ind.Span.End-6:ind.Span.End]))
	st, err := f.Object(Ref{4, 0})
	require.NoError(t, err)
	got, err := f.Decode(st.Value.(*Stream))
	require.NoError(t, err)
	assert.Equal(t, "0 0 m 100 100 l S", string(got))
	_, err = f.Object(Ref{9, 0})
	assert.ErrorIs(t, err, ErrNotFound)
	_, err = f.Object(Ref{1, 1})
	assert.ErrorIs(t, err, ErrNotFound, "another generation")
}

// twoRevisions returns a document whose second revision changes the
// catalog and adds object 5, with tables or xref streams.
func twoRevisions(stream bool) []byte {
	b := minimal()
	if stream {
		b.xrefStream(5, 6, "/Root 1 0 R", nil)
	} else {
		b.table(5, "/Root 1 0 R")
	}
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R /Extra 6 0 R >>").obj(6, "(added)")
	if stream {
		b.xrefStream(7, 8, "/Root 1 0 R", nil)
	} else {
		b.table(7, "/Root 1 0 R")
	}
	return b.bytes()
}

func TestOpenRevisions(t *testing.T) {
	for _, stream := range []bool{false, true} {
		t.Run(fmt.Sprint("stream=", stream), func(t *testing.T) {
			data := twoRevisions(stream)
			f := openBytes(t, data)
			revs := f.Revisions()
			require.Len(t, revs, 2)
			assert.Empty(t, f.Findings())
			assert.Equal(t, revs[0].End, revs[1].Start)
			assert.Equal(t, int64(len(data)), revs[1].End)
			assert.True(t, bytes.HasSuffix(data[:revs[0].End], []byte("%%EOF\n")))
			want := XRefTable
			if stream {
				want = XRefStream
			}
			assert.Equal(t, want, revs[1].XRef)
			var nums []uint32
			for _, e := range revs[1].Entries {
				nums = append(nums, e.Num)
			}
			if stream {
				assert.Equal(t, []uint32{1, 6, 7}, nums, "the update's own xref stream is listed")
			} else {
				assert.Equal(t, []uint32{1, 6}, nums)
			}
			old, err := f.ObjectAt(0, Ref{1, 0})
			require.NoError(t, err)
			cur, err := f.ObjectAt(1, Ref{1, 0})
			require.NoError(t, err)
			assert.True(t, IsNull(old.Value.(*Dict).Get("Extra")))
			assert.Equal(t, Ref{6, 0}, cur.Value.(*Dict).Get("Extra"))
			assert.Equal(t, 0, old.Revision)
			assert.Equal(t, 1, cur.Revision)
			_, err = f.ObjectAt(0, Ref{6, 0})
			assert.ErrorIs(t, err, ErrNotFound)
			v, err := f.ResolveAt(1, Ref{6, 0})
			require.NoError(t, err)
			assert.Equal(t, "added", string(v.(String).Value))
			v, err = f.ResolveAt(0, Ref{6, 0})
			require.NoError(t, err)
			assert.Equal(t, Null{}, v, "an undefined object resolves to null")
		})
	}
}

// objStmPDF returns a file whose objects 1 and 2 are in object stream 5,
// found through an xref stream.
func objStmPDF(t *testing.T) []byte {
	hdr := "1 0 2 40 "
	body := "<< /Type /Catalog /Pages 2 0 R >>      " + " " + "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"
	require.Equal(t, 40, len("<< /Type /Catalog /Pages 2 0 R >>      ")+1)
	return newBuilder().
		obj(3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 10 10] >>").
		stream(5, fmt.Sprintf("/Type /ObjStm /N 2 /First %d /Filter /FlateDecode", len(hdr)), zlibBytes([]byte(hdr+body))).
		xrefStream(6, 7, "/Root 1 0 R", map[int][2]int{1: {5, 0}, 2: {5, 1}}).bytes()
}

func TestOpenObjectStream(t *testing.T) {
	f := openBytes(t, objStmPDF(t))
	cat, root, err := f.Catalog(0)
	require.NoError(t, err)
	assert.Equal(t, Ref{1, 0}, root)
	assert.Equal(t, Name("Catalog"), cat.Get("Type"))
	ind, err := f.Object(Ref{2, 0})
	require.NoError(t, err)
	assert.Equal(t, EntryCompressed, ind.Entry.Type)
	assert.False(t, ind.Span.Valid(), "no file span for compressed objects")
	pages, err := f.Pages(0)
	require.NoError(t, err)
	require.Len(t, pages, 1)
	assert.Equal(t, Ref{3, 0}, pages[0].Ref)
}

// A hybrid-reference file: a table whose trailer names an /XRefStm
// stream that gives the compressed objects.
func TestOpenHybrid(t *testing.T) {
	hdr := "6 0 "
	b := minimal().table(5, "/Root 1 0 R")
	b.stream(5, fmt.Sprintf("/Type /ObjStm /N 1 /First %d", len(hdr)), []byte(hdr+"(in a stream)"))
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R /Extra 6 0 R >>")
	// The hidden xref stream: object 6 in stream 5.
	stmOff := b.buf.Len()
	row := []byte{2, 0, 0, 0, 5, 0}
	fmt.Fprintf(&b.buf, "7 0 obj\n<< /Type /XRef /Size 8 /W [1 4 1] /Index [6 1] /Length %d >>\nstream\n", len(row))
	b.buf.Write(row)
	b.buf.WriteString("\nendstream\nendobj\n")
	x := b.buf.Len()
	fmt.Fprintf(&b.buf, "xref\n1 1\n%010d 00000 n\r\n5 1\n%010d 00000 n\r\n6 1\n0000000000 00000 f\r\n", b.offs[1], b.offs[5])
	fmt.Fprintf(&b.buf, "trailer\n<< /Size 8 /Root 1 0 R /Prev %d /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n", b.lastXRef, stmOff, x)
	data := b.bytes()
	f := openBytes(t, data)
	require.Len(t, f.Revisions(), 2)
	assert.Equal(t, XRefHybrid, f.Revisions()[1].XRef)
	assert.Empty(t, f.Findings(), "the hidden stream is inside no revision boundary")
	v, err := f.Resolve(Ref{6, 0})
	require.NoError(t, err)
	assert.Equal(t, "in a stream", string(v.(String).Value))
}

// Files written by qpdf in each of its layouts open without findings, and
// agree with qpdf about pages.
func TestOpenQpdfLayouts(t *testing.T) {
	base := minimalPDF()
	for _, tc := range []struct {
		name string
		args []string
		kind XRefKind
		lin  bool
	}{
		{"plain", nil, XRefTable, false},
		{"object-streams", []string{"--object-streams=generate"}, XRefStream, false},
		{"linearized", []string{"--linearize"}, XRefTable, true},
		{"linearized-object-streams", []string{"--linearize", "--object-streams=generate"}, XRefStream, true},
		{"qdf", []string{"--qdf"}, XRefTable, false},
		{"compressed", []string{"--compress-streams=y", "--recompress-flate", "--compression-level=9"}, XRefTable, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := qpdfConvert(t, base, tc.args...)
			f := openBytes(t, data)
			require.Len(t, f.Revisions(), 1)
			rv := f.Revisions()[0]
			assert.Equal(t, tc.kind, rv.XRef)
			assert.Equal(t, tc.lin, rv.Linearized)
			assert.Equal(t, int64(len(data)), rv.End)
			assert.Empty(t, f.Findings())
			pages, err := f.Pages(0)
			require.NoError(t, err)
			require.Len(t, pages, 1)
			assert.True(t, Equal(Array{Int(0), Int(0), Int(200), Int(200)}, mustResolve(t, f, pages[0].MediaBox)), "inherited MediaBox")
			c, err := f.Resolve(pages[0].Dict.Get("Contents"))
			require.NoError(t, err)
			got, err := f.Decode(c.(*Stream))
			require.NoError(t, err)
			assert.Contains(t, string(got), "100 100 l")
		})
	}
}

func mustResolve(t *testing.T, f *File, o Object) Object {
	t.Helper()
	v, err := f.Resolve(o)
	require.NoError(t, err)
	return v
}

func kinds(fs []Finding) []FindingKind {
	var ks []FindingKind
	for _, f := range fs {
		ks = append(ks, f.Kind)
	}
	return ks
}

func TestOpenFindings(t *testing.T) {
	base := minimalPDF()
	// A second revision appended by hand, with a hook to insert bytes.
	update := func(body, beforeStartxref string, prev int64) []byte {
		b := &builder{offs: map[int]int64{}, lastXRef: prev}
		b.buf.Write(base)
		b.buf.WriteString(body)
		b.obj(1, "<< /Type /Catalog /Pages 2 0 R /Mark true >>")
		x := b.buf.Len()
		fmt.Fprintf(&b.buf, "xref\n1 1\n%010d 00000 n\r\ntrailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\n%sstartxref\n%d\n%%%%EOF\n", b.offs[1], prev, beforeStartxref, x)
		return b.bytes()
	}
	prev := int64(bytes.LastIndex(base, []byte("xref\n0 1")))
	tests := []struct {
		name string
		data []byte
		want []FindingKind
	}{
		{"clean update", update("", "", prev), nil},
		{"trailing bytes", append(minimalPDF(), "1 0 obj\n<< /Type /Catalog >>\nendobj\n"...), []FindingKind{FindingTrailingBytes}},
		{"trailing whitespace", append(minimalPDF(), "\n\n  "...), []FindingKind{FindingTrailingWhitespace}},
		{"hidden revision", update("9 0 obj\n(hidden)\nendobj\nstartxref\n0\n%%EOF\n", "", prev), []FindingKind{FindingUnchainedEOF}},
		{"orphan xref", update("xref\n0 1\n0000000000 65535 f\r\ntrailer\n<< >>\n", "", prev), []FindingKind{FindingOrphanXRef}},
		{"content after xref", update("", "9 0 obj\n(x)\nendobj\n", prev), []FindingKind{FindingContentAfterXRef}},
		{"comment after xref", update("", "% just a comment\n", prev), nil},
		{"header offset", junkFirst(), []FindingKind{FindingHeaderOffset}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Open(bytes.NewReader(tt.data), int64(len(tt.data)), nil)
			require.NoError(t, err)
			assert.Equal(t, tt.want, kinds(f.Findings()), "%v", f.Findings())
		})
	}

	t.Run("startxref mismatch", func(t *testing.T) {
		data := update("", "", prev)
		// Break the first revision's startxref value, same length.
		i := bytes.Index(data, []byte(fmt.Sprintf("startxref\n%d\n", prev)))
		require.Positive(t, i)
		copy(data[i+10:], fmt.Sprintf("%0*d", len(fmt.Sprint(prev)), 1))
		f := openBytes(t, data)
		assert.Equal(t, []FindingKind{FindingStartxrefMismatch}, kinds(f.Findings()))
	})
	t.Run("entry beyond its revision", func(t *testing.T) {
		data := minimalPDF()
		i := bytes.Index(data, []byte("1 1\n"))
		copy(data[i+4:], fmt.Sprintf("%010d", len(data)+100))
		f := openBytes(t, data)
		assert.Equal(t, []FindingKind{FindingEntryOutOfRange}, kinds(f.Findings()))
	})
	t.Run("duplicate entry", func(t *testing.T) {
		data := minimalPDF()
		i := bytes.Index(data, []byte("2 1\n"))
		data[i] = '1'
		f := openBytes(t, data)
		assert.Equal(t, []FindingKind{FindingDuplicateEntry}, kinds(f.Findings()))
	})
	t.Run("markers inside objects", func(t *testing.T) {
		data := newBuilder().
			obj(1, "<< /Type /Catalog /Pages 2 0 R >>").
			obj(2, "<< /Type /Pages /Kids [] /Count 0 >>").
			stream(3, "", []byte("embedded\nxref\n0 1\nstartxref\n9\n%%EOF\n")).
			obj(4, "(a string with %%EOF in it)").
			table(5, "/Root 1 0 R").bytes()
		f := openBytes(t, data)
		assert.Empty(t, f.Findings())
	})
}

// junkFirst returns a file with bytes before "%PDF-" and offsets counted
// from the start of the file.
func junkFirst() []byte {
	b := &builder{offs: map[int]int64{}, lastXRef: -1}
	b.buf.WriteString("junk\n%PDF-1.7\n")
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R >>").obj(2, "<< /Type /Pages /Kids [] /Count 0 >>")
	return b.table(3, "/Root 1 0 R").bytes()
}

func TestOpenErrors(t *testing.T) {
	base := minimalPDF()
	xref := bytes.LastIndex(base, []byte("xref\n0 1"))
	withTrailer := func(tr string) []byte {
		d := bytes.Clone(base)
		return bytes.Replace(d, []byte("<< /Size 5 /Root 1 0 R >>"), []byte(tr), 1)
	}
	selfLoop := func() []byte {
		b := &builder{offs: map[int]int64{}, lastXRef: int64(xref)}
		b.buf.Write(base)
		x := b.buf.Len()
		fmt.Fprintf(&b.buf, "xref\n0 0\ntrailer\n<< /Size 5 /Root 1 0 R /Prev %d >>\nstartxref\n%d\n%%%%EOF\n", x, x)
		return b.bytes()
	}
	tests := []struct {
		name string
		data []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"not a PDF", []byte(strings.Repeat("hello world\n", 10)), ErrMalformed},
		{"no startxref", bytes.ReplaceAll(bytes.Clone(base), []byte("startxref"), []byte("startxreF")), ErrMalformed},
		{"startxref outside", bytes.Replace(bytes.Clone(base), []byte(fmt.Sprintf("startxref\n%d", xref)), []byte("startxref\n99999999"), 1), ErrMalformed},
		{"startxref to an object", bytes.Replace(bytes.Clone(base), []byte(fmt.Sprintf("startxref\n%d", xref)), []byte(fmt.Sprintf("startxref\n%d", bytes.Index(base, []byte("2 0 obj")))), 1), ErrMalformed},
		{"prev loop", selfLoop(), ErrMalformed},
		{"header offset, offsets from the header", append([]byte("junk"), minimalPDF()...), ErrMalformed},
		{"prev not integer", withTrailer("<< /Size 5 /Root 1 0 R /Prev (x) >>"), ErrMalformed},
		{"prev forward", withTrailer(fmt.Sprintf("<< /Size 5 /Root 1 0 R /Prev %d >>", xref+1)), ErrMalformed},
		{"encrypted", withTrailer("<< /Size 5 /Root 1 0 R /Encrypt 3 0 R >>"), ErrEncrypted},
		{"bad entry", bytes.Replace(bytes.Clone(base), []byte(" 00000 n\r\n"), []byte(" 0000x n\r\n"), 1), ErrMalformed},
		{"bad subsection", bytes.Replace(bytes.Clone(base), []byte("xref\n0 1"), []byte("xref\n0 x"), 1), ErrMalformed},
		{"truncated table", append(bytes.Clone(base[:xref+30]), "\nstartxref\n"+fmt.Sprint(xref)+"\n%%EOF\n"...), ErrMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Open(bytes.NewReader(tt.data), int64(len(tt.data)), nil)
			require.Error(t, err)
			assert.ErrorIs(t, err, tt.want)
			var e *Error
			assert.True(t, errors.As(err, &e), "typed error, got %T %v", err, err)
		})
	}
}

func TestOpenLimits(t *testing.T) {
	data := twoRevisions(false)
	_, err := Open(bytes.NewReader(data), int64(len(data)), &Limits{MaxRevisions: 1})
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "MaxRevisions", e.Limit)
	_, err = Open(bytes.NewReader(data), int64(len(data)), &Limits{MaxXRefEntries: 4})
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "MaxXRefEntries", e.Limit)
	_, err = Open(bytes.NewReader(data), int64(len(data)), &Limits{MaxObjects: 3})
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "MaxObjects", e.Limit)
}

// Objects that do not match their xref entry, or whose /Length is wrong,
// are errors: the reader does not search for what the writer meant.
func TestObjectErrors(t *testing.T) {
	lenWrong := newBuilder().
		obj(1, "<< /Type /Catalog /Pages 2 0 R >>").
		obj(2, "<< /Type /Pages /Kids [] /Count 0 >>")
	lenWrong.offs[3] = int64(lenWrong.buf.Len())
	lenWrong.buf.WriteString("3 0 obj\n<< /Length 3 >>\nstream\nabcdef\nendstream\nendobj\n")
	lenWrong.obj(4, "<< /Length 5 0 R >>\nstream\nabcdef\nendstream")
	lenWrong.obj(5, "6")
	lenWrong.obj(6, "<< /Length 6 0 R >>\nstream\nabcdef\nendstream")
	lenWrong.obj(7, "(no endobj)\n8 0 obj")
	lenWrong.stream(8, "/Type /ObjStm /N 1 /First 4", []byte("9 0 (nine)"))
	data := lenWrong.table(10, "/Root 1 0 R").bytes()
	data = bytes.Replace(data, []byte("(no endobj)\n8 0 obj\nendobj"), []byte("(no endobj)\n8 0 obj\nxxxxxx"), 1)
	f := openBytes(t, data)

	_, err := f.Object(Ref{3, 0})
	assert.ErrorIs(t, err, ErrMalformed, "direct /Length too short")
	ind, err := f.Object(Ref{4, 0})
	require.NoError(t, err, "indirect /Length")
	assert.Equal(t, int64(6), ind.Value.(*Stream).Data.Len())
	_, err = f.Object(Ref{6, 0})
	var e *Error
	require.True(t, errors.As(err, &e), "self-referencing /Length: %v", err)
	assert.ErrorIs(t, err, ErrMalformed, "a stream as its own /Length")
	_, err = f.Object(Ref{7, 0})
	assert.ErrorIs(t, err, ErrMalformed, "missing endobj")
	ind, err = f.Object(Ref{8, 0})
	require.NoError(t, err)
	assert.Equal(t, Name("ObjStm"), ind.Value.(*Stream).Dict.Get("Type"))
}

// An object stream listed as being inside another object stream is
// refused (F1 /Extends loops rely on following such chains).
func TestObjStmInObjStm(t *testing.T) {
	data := newBuilder().
		obj(1, "<< /Type /Catalog /Pages 2 0 R >>").
		obj(2, "<< /Type /Pages /Kids [] /Count 0 >>").
		xrefStream(6, 7, "/Root 1 0 R", map[int][2]int{3: {4, 0}, 4: {3, 0}}).bytes()
	f := openBytes(t, data)
	_, err := f.Object(Ref{3, 0})
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = f.Object(Ref{4, 0})
	assert.ErrorIs(t, err, ErrMalformed)
}

// An xref stream that inflates past what its /W and /Index describe (a
// deflate bomb in the xref) fails after a few bytes.
func TestXRefStreamBomb(t *testing.T) {
	b := newBuilder().obj(1, "<< /Type /Catalog /Pages 2 0 R >>").obj(2, "<< /Type /Pages /Kids [] /Count 0 >>")
	x := b.buf.Len()
	var zb bytes.Buffer
	zw := zlib.NewWriter(&zb)
	zero := make([]byte, 64<<10)
	for i := 0; i < 1024; i++ { // 64 MiB of zeros
		zw.Write(zero)
	}
	zw.Close()
	bomb := zb.Bytes()
	fmt.Fprintf(&b.buf, "3 0 obj\n<< /Type /XRef /Size 4 /W [1 4 1] /Root 1 0 R /Filter /FlateDecode /Length %d >>\nstream\n", len(bomb))
	b.buf.Write(bomb)
	fmt.Fprintf(&b.buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", x)
	data := b.bytes()
	var f *File
	var err error
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	peak := peakHeap(func() { f, err = Open(bytes.NewReader(data), int64(len(data)), nil) })
	assert.Nil(t, f)
	assert.ErrorIs(t, err, ErrMalformed)
	assert.Contains(t, err.Error(), "/W and /Index")
	assert.Less(t, peak-min(peak, ms.HeapInuse), uint64(16<<20))
}
