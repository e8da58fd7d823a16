// Tests of the incremental-update writer: every output is checked by qpdf
// --check and poppler's pdfinfo, keeps the original bytes as its prefix,
// and reads back with one more revision.

package pdf

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/testtool"
)

// hybridPDF returns a two-revision file whose second revision is a
// hybrid-reference section.
func hybridPDF() []byte {
	hdr := "6 0 "
	b := minimal().table(5, "/Root 1 0 R /Info 7 0 R /ID [<0102> <0304>]")
	b.stream(5, fmt.Sprintf("/Type /ObjStm /N 1 /First %d", len(hdr)), []byte(hdr+"(in a stream)"))
	b.obj(1, "<< /Type /Catalog /Pages 2 0 R /Extra 6 0 R >>")
	b.obj(7, "<< /Producer (test) >>")
	stmOff := b.buf.Len()
	row := []byte{2, 0, 0, 0, 5, 0}
	fmt.Fprintf(&b.buf, "8 0 obj\n<< /Type /XRef /Size 9 /W [1 4 1] /Index [6 1] /Length %d >>\nstream\n", len(row))
	b.buf.Write(row)
	b.buf.WriteString("\nendstream\nendobj\n")
	x := b.buf.Len()
	fmt.Fprintf(&b.buf, "xref\n1 1\n%010d 00000 n\r\n5 1\n%010d 00000 n\r\n7 1\n%010d 00000 n\r\n", b.offs[1], b.offs[5], b.offs[7])
	fmt.Fprintf(&b.buf, "trailer\n<< /Size 9 /Root 1 0 R /Info 7 0 R /ID [<0102> <0506>] /Prev %d /XRefStm %d >>\nstartxref\n%d\n%%%%EOF\n", b.lastXRef, stmOff, x)
	return b.bytes()
}

// signLikeUpdate adds what a PAdES signer adds: a signature dictionary
// with placeholders, a signature field with a widget on page 1, and the
// catalog's /AcroForm. It returns the patched output.
func signLikeUpdate(t *testing.T, f *File, orig []byte) ([]byte, *UpdateResult) {
	return signWith(t, f, orig, 64, func([]byte) []byte { return []byte{0x30, 0x82, 0xde, 0xad} })
}

// signWith is signLikeUpdate with a /Contents of size bytes filled by
// sign, which gets the bytes the /ByteRange covers.
func signWith(t *testing.T, f *File, orig []byte, size int, sign func(signed []byte) []byte) ([]byte, *UpdateResult) {
	t.Helper()
	cat, root, err := f.Catalog(f.Latest())
	require.NoError(t, err)
	pages, err := f.Pages(f.Latest())
	require.NoError(t, err)
	u := f.Update()
	sig := NewDict()
	sig.Set("Type", Name("Sig"))
	sig.Set("Filter", Name("Adobe.PPKLite"))
	sig.Set("SubFilter", Name("ETSI.CAdES.detached"))
	sig.Set("ByteRange", Placeholder{Name: "byterange", Kind: PlaceholderByteRange})
	sig.Set("Contents", Placeholder{Name: "contents", Kind: PlaceholderHex, Size: size})
	sig.Set("M", String{Value: []byte("D:20240101000000Z")})
	sig.Set("Name", String{Value: []byte("Tést (ü) \\ name")})
	sigRef := u.Add(sig)
	field := NewDict()
	field.Set("FT", Name("Sig"))
	field.Set("T", String{Value: []byte("Signature 1")})
	field.Set("V", sigRef)
	field.Set("Type", Name("Annot"))
	field.Set("Subtype", Name("Widget"))
	field.Set("Rect", Array{Int(0), Int(0), Int(0), Int(0)})
	field.Set("F", Int(132))
	field.Set("P", pages[0].Ref)
	field.Set("Odd name", Name("a b#c/d"))
	fieldRef := u.Add(field)
	page := pages[0].Dict.Clone()
	page.Set("Annots", Array{fieldRef})
	require.NoError(t, u.Set(pages[0].Ref, page))
	cat = cat.Clone()
	af := NewDict()
	af.Set("Fields", Array{fieldRef})
	af.Set("SigFlags", Int(3))
	cat.Set("AcroForm", af)
	require.NoError(t, u.Set(root, cat))

	var out bytes.Buffer
	res, err := u.Write(context.Background(), &out)
	require.NoError(t, err)
	data := out.Bytes()
	require.Equal(t, res.Size, int64(len(data)))
	require.True(t, bytes.HasPrefix(data, orig), "the original bytes are a prefix of the output")

	// Patch the placeholders as a signer does.
	cs, bs := res.Placeholders["contents"], res.Placeholders["byterange"]
	require.Equal(t, "<"+strings.Repeat("0", 2*size)+">", string(data[cs.Start:cs.End]))
	require.Equal(t, byteRangeTemplate, string(data[bs.Start:bs.End]))
	br := [4]int64{0, cs.Start, cs.End, int64(len(data)) - cs.End}
	patch, err := FormatByteRange(bs, br)
	require.NoError(t, err)
	copy(data[bs.Start:], patch)
	signed := append(bytes.Clone(data[:cs.Start]), data[cs.End:]...)
	patch, err = FormatHex(cs, sign(signed))
	require.NoError(t, err)
	copy(data[cs.Start:], patch)
	return data, res
}

func TestUpdate(t *testing.T) {
	base := minimalPDF()
	sources := []struct {
		name string
		data func(t *testing.T) []byte
		kind XRefKind // of the update section
	}{
		{"hand-written table", func(*testing.T) []byte { return base }, XRefTable},
		{"hybrid", func(*testing.T) []byte { return hybridPDF() }, XRefTable},
		{"hand-written xref stream", func(t *testing.T) []byte { return objStmPDF(t) }, XRefStream},
		{"qpdf", func(t *testing.T) []byte { return qpdfConvert(t, base) }, XRefTable},
		{"qpdf object streams", func(t *testing.T) []byte { return qpdfConvert(t, base, "--object-streams=generate") }, XRefStream},
		{"qpdf qdf", func(t *testing.T) []byte { return qpdfConvert(t, base, "--qdf") }, XRefTable},
		{"qpdf linearized", func(t *testing.T) []byte { return qpdfConvert(t, base, "--linearize") }, XRefTable},
		{"qpdf linearized object streams", func(t *testing.T) []byte {
			return qpdfConvert(t, base, "--linearize", "--object-streams=generate")
		}, XRefStream},
		{"no final EOL", func(*testing.T) []byte { return bytes.TrimSuffix(base, []byte("\n")) }, XRefTable},
	}
	for _, src := range sources {
		t.Run(src.name, func(t *testing.T) {
			orig := src.data(t)
			f := openBytes(t, orig)
			n := len(f.Revisions())
			data, res := signLikeUpdate(t, f, orig)

			path := writeTemp(t, "updated.pdf", data)
			qpdfCheck(t, path)
			assert.Regexp(t, `Pages:\s+1\n`, pdfinfo(t, path))

			g := openBytes(t, data)
			revs := g.Revisions()
			require.Len(t, revs, n+1)
			assert.Empty(t, g.Findings())
			for i, rv := range f.Revisions() {
				assert.Equal(t, rv.EOF, revs[i].EOF, "earlier revisions unchanged")
				if i < n-1 || bytes.HasSuffix(orig, []byte("\n")) {
					assert.Equal(t, rv.End, revs[i].End)
				}
			}
			last := revs[n]
			assert.Equal(t, src.kind, last.XRef)
			assert.Equal(t, res.XRefOffset, last.XRefOffset)
			assert.Equal(t, int64(len(data)), last.End)

			sigs, unreadable, err := g.Signatures()
			require.NoError(t, err)
			assert.Empty(t, unreadable)
			require.Len(t, sigs, 1)
			s := sigs[0]
			assert.Equal(t, n, s.Revision)
			assert.Equal(t, res.Placeholders["contents"], s.ContentsSpan, "/Contents is exactly the hole")
			assert.Equal(t, []int64{0, s.ContentsSpan.Start, s.ContentsSpan.End, int64(len(data)) - s.ContentsSpan.End}, s.ByteRange)
			assert.Equal(t, append([]byte{0x30, 0x82, 0xde, 0xad}, make([]byte, 60)...), s.Contents)
			assert.Equal(t, "Tést (ü) \\ name", string(s.Dict.Get("Name").(String).Value))
			assert.Equal(t, res.Objects[s.Ref], s.Span)

			fields, err := g.Fields(n)
			require.NoError(t, err)
			require.Len(t, fields, 1)
			assert.Equal(t, "Signature 1", fields[0].Name)
			assert.Equal(t, Name("a b#c/d"), fields[0].Dict.Get("Odd name"))

			d, err := g.Diff(n-1, n)
			require.NoError(t, err)
			assert.Len(t, d.Added, 2)
			if src.kind == XRefStream {
				assert.Len(t, d.XRefStreams, 1, "the update's xref stream, apart")
			}
			assert.Len(t, d.Changed, 2, "catalog and page")
			assert.True(t, d.CatalogChanged)
			assert.False(t, d.RootChanged)
			assert.Empty(t, d.Removed)
			assert.Empty(t, d.TrailerChanged)

			// /ID: first element kept, second new.
			oldID, _ := f.Revisions()[n-1].Trailer.Get("ID").(Array)
			newID := last.Trailer.Get("ID").(Array)
			require.Len(t, newID, 2)
			if len(oldID) == 2 {
				assert.True(t, Equal(oldID[0], newID[0]))
				assert.False(t, Equal(oldID[1], newID[1]))
			}
			assert.True(t, Equal(f.Revisions()[n-1].Trailer.Get("Info"), last.Trailer.Get("Info")))
		})
	}
}

// The output depends only on the input and the objects.
func TestUpdateDeterministic(t *testing.T) {
	orig := minimalPDF()
	write := func() []byte {
		f := openBytes(t, orig)
		u := f.Update()
		u.Add(String{Value: []byte{0, 1, 2}})
		u.Add(Real(0.1))
		var b bytes.Buffer
		_, err := u.Write(context.Background(), &b)
		require.NoError(t, err)
		return b.Bytes()
	}
	first := write()
	assert.Equal(t, first, write())
	qpdfCheck(t, writeTemp(t, "deterministic.pdf", first))
}

// Updating an update: three revisions, each checked by qpdf; streams are
// copied from the file and made in code.
func TestUpdateChain(t *testing.T) {
	data := minimalPDF()
	for i := 0; i < 3; i++ {
		f := openBytes(t, data)
		u := f.Update()
		ind, err := f.Object(Ref{4, 0})
		require.NoError(t, err)
		st := ind.Value.(*Stream)
		nd := st.Dict.Clone()
		nd.Set("Round", Int(i))
		require.NoError(t, u.Set(Ref{4, 0}, &Stream{Dict: nd, Data: st.Data}))
		sd := NewDict()
		sd.Set("Filter", Name("FlateDecode"))
		u.Add(NewStream(sd, zlibBytes([]byte(fmt.Sprintf("round %d", i)))))
		var b bytes.Buffer
		_, err = u.Write(context.Background(), &b)
		require.NoError(t, err)
		require.True(t, bytes.HasPrefix(b.Bytes(), data))
		data = b.Bytes()
		qpdfCheck(t, writeTemp(t, "chain.pdf", data))
	}
	f := openBytes(t, data)
	require.Len(t, f.Revisions(), 4)
	ind, err := f.Object(Ref{4, 0})
	require.NoError(t, err)
	got, err := f.Decode(ind.Value.(*Stream))
	require.NoError(t, err)
	assert.Equal(t, "0 0 m 100 100 l S", string(got), "stream data copied")
	d, err := f.Diff(1, 2)
	require.NoError(t, err)
	assert.Equal(t, []Ref{{4, 0}}, d.Changed)
	d, err = f.Diff(0, 3)
	require.NoError(t, err)
	assert.Len(t, d.Added, 3)
	// pdfinfo agrees.
	assert.Regexp(t, `Pages:\s+1\n`, pdfinfo(t, writeTemp(t, "chain.pdf", data)))
}

func TestUpdateErrors(t *testing.T) {
	f := openBytes(t, minimalPDF())
	u := f.Update()
	assert.ErrorIs(t, u.Set(Ref{99, 0}, Null{}), ErrNotFound)
	assert.ErrorIs(t, u.Set(Ref{1, 1}, Null{}), ErrNotFound)

	u.Add(Array{Placeholder{Name: "x", Kind: PlaceholderHex, Size: 4}, Placeholder{Name: "x", Kind: PlaceholderHex, Size: 4}})
	_, err := u.Write(context.Background(), &bytes.Buffer{})
	assert.ErrorIs(t, err, ErrMalformed, "two placeholders with one name")

	for _, bad := range []Object{Real(0), Placeholder{Name: "", Kind: PlaceholderHex, Size: 1}, Placeholder{Name: "p", Kind: PlaceholderHex}, Array{NewStream(nil, nil)}} {
		u := f.Update()
		if r, ok := bad.(Real); ok {
			bad = Real(float64(r) / float64(r)) // NaN
		}
		u.Add(bad)
		_, err := u.Write(context.Background(), &bytes.Buffer{})
		assert.ErrorIs(t, err, ErrMalformed, "%#v", bad)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = f.Update().Write(ctx, &bytes.Buffer{})
	assert.ErrorIs(t, err, context.Canceled)

	_, err = FormatHex(Span{0, 6}, []byte{1, 2, 3})
	var e *Error
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "PlaceholderSize", e.Limit)
	_, err = FormatByteRange(Span{0, 10}, [4]int64{0, 1000, 2000, 3000})
	assert.ErrorIs(t, err, ErrLimit)
	_, err = FormatByteRange(Span{0, 36}, [4]int64{0, -1, 2, 3})
	assert.ErrorIs(t, err, ErrMalformed)
	b, err := FormatByteRange(Span{100, 136}, [4]int64{0, 1, 2, 3})
	require.NoError(t, err)
	assert.Equal(t, "[0 1 2 3"+strings.Repeat(" ", 27)+"]", string(b))
}

// A real CMS signature from openssl in the reserved /Contents: poppler's
// pdfsig verifies it over the /ByteRange, which proves the placeholder
// offsets exact.
func TestUpdatePdfsig(t *testing.T) {
	pdfsig := testtool.Require(t, "pdfsig")
	openssl := testtool.Require(t, "openssl")
	dir := t.TempDir()
	key, cert := dir+"/key.pem", dir+"/cert.pem"
	out, err := exec.Command(openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256",
		"-nodes", "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=tamga pdf test").CombinedOutput()
	require.NoError(t, err, "%s", out)
	for _, src := range []struct {
		name string
		data []byte
	}{{"table", minimalPDF()}, {"xref stream", qpdfConvert(t, minimalPDF(), "--object-streams=generate")}} {
		t.Run(src.name, func(t *testing.T) {
			f := openBytes(t, src.data)
			data, _ := signWith(t, f, src.data, 4096, func(signed []byte) []byte {
				in := writeTemp(t, "signed-bytes", signed)
				der := in + ".p7s"
				out, err := exec.Command(openssl, "cms", "-sign", "-binary", "-in", in, "-signer", cert, "-inkey", key,
					"-md", "sha256", "-outform", "DER", "-out", der).CombinedOutput()
				require.NoError(t, err, "%s", out)
				sig, err := os.ReadFile(der)
				require.NoError(t, err)
				return sig
			})
			path := writeTemp(t, "sig.pdf", data)
			qpdfCheck(t, path)
			out, _ := exec.Command(pdfsig, path).CombinedOutput()
			assert.Contains(t, string(out), "Signature Validation: Signature is Valid.", "%s", out)
			assert.Contains(t, string(out), "Total document signed", "%s", out)
			assert.Contains(t, string(out), "Signature Field Name: Signature 1", "%s", out)
		})
	}
}

// TestUpdateIDHashesUpdateBytes recomputes the second /ID element from
// the output: SHA-256 of the update's objects in order, with each hex
// placeholder's zeros counted as "placeholder <size>". The serializer
// hashes its buffer in batches and large values directly, so this holds
// the batching to the byte order (a large stream forces the direct path,
// a placeholder of more than one run of zeros the switching).
func TestUpdateIDHashesUpdateBytes(t *testing.T) {
	orig := minimalPDF()
	f, err := Open(bytes.NewReader(orig), int64(len(orig)), nil)
	require.NoError(t, err)
	u := f.Update()
	d := NewDict()
	d.Set("Type", Name("Sig"))
	d.Set("Contents", Placeholder{Name: "c", Kind: PlaceholderHex, Size: 700})
	d.Set("M", String{Value: []byte("D:20260101000000Z")})
	u.Add(d)
	big := bytes.Repeat([]byte("0123456789abcdef"), 6<<10) // 96 KiB, above flushAt
	u.Add(NewStream(nil, big))
	u.Add(Array{Int(1), Real(2.5), Name("N a#me"), String{Value: []byte("(x)")}})
	var out bytes.Buffer
	res, err := u.Write(context.Background(), &out)
	require.NoError(t, err)
	b := out.Bytes()

	start := int64(len(b))
	for _, sp := range res.Objects {
		start = min(start, sp.Start)
	}
	ph := res.Placeholders["c"]
	h := sha256.New()
	h.Write(b[start : ph.Start+1])
	h.Write([]byte("placeholder 700"))
	h.Write(b[ph.End-1 : res.XRefOffset])
	want := h.Sum(nil)[:16]

	g, err := Open(bytes.NewReader(b), int64(len(b)), nil)
	require.NoError(t, err)
	id, ok := g.Revisions()[g.Latest()].Trailer.Get("ID").(Array)
	require.True(t, ok)
	require.Len(t, id, 2)
	require.Equal(t, want, id[1].(String).Value)
}

// TestAppendHex checks that AppendHex appends what FormatHex returns and
// refuses what does not fit, leaving dst alone.
func TestAppendHex(t *testing.T) {
	span := Span{100, 112}
	want, err := FormatHex(span, []byte{0xde, 0xad})
	require.NoError(t, err)
	require.Equal(t, "<dead000000>", string(want))
	got, err := AppendHex([]byte("x"), span, []byte{0xde, 0xad})
	require.NoError(t, err)
	require.Equal(t, "x"+string(want), string(got))
	_, err = AppendHex(nil, span, make([]byte, 6))
	require.ErrorIs(t, err, ErrLimit)
}
