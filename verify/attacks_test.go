// This file holds the attack tests of the PDF verifier (issue #4): one
// table-driven test per published attack class (USF, ISA, SWA, shadow),
// each variant built by byte surgery or an incremental update against a
// PDF we signed ourselves, next to benign controls (a counter-signature,
// validation data, a document time-stamp) so that the rules are seen to
// tell the two apart rather than fail everything.

package verify_test

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tamgasign/tamga/internal/pdf"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

// outcome is what the verifier must say about a variant.
type outcome struct {
	// malformed: verify.PDF refuses the file with an error wrapping
	// verify.ErrMalformed.
	malformed bool
	// pass: a benign control; every signature TOTAL_PASSED, and the first
	// one's changes ALLOWED (NONE when it covers the whole file).
	pass bool
	// Otherwise the report is not TOTAL_PASSED and signature sig is
	// TOTAL_FAILED with sub (and changes, when set).
	sig     int
	sub     verify.SubIndication
	changes verify.Changes
}

var (
	// disallowed: the signature is failed because what came after it
	// changes the document.
	disallowed = outcome{sub: verify.FormatFailure, changes: verify.ChangesDisallowed}
	// formatFailed: the signature's own structure is refused.
	formatFailed = outcome{sub: verify.FormatFailure}
	malformed    = outcome{malformed: true}
	passed       = outcome{pass: true}
)

// attackCase is one variant of an attack class.
type attackCase struct {
	name  string
	build func(t *testing.T) []byte
	want  outcome
}

// runAttacks verifies each variant and checks its outcome.
func runAttacks(t *testing.T, policy *verify.Policy, cases []attackCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := tc.build(t)
			r, err := verify.PDF(context.Background(), bytes.NewReader(b), int64(len(b)), policy)
			t.Logf("verdict: %s (error: %v)", summary(r), err)
			if tc.want.malformed {
				require.ErrorIs(t, err, verify.ErrMalformed, "report: %s", summary(r))
				return
			}
			require.NoError(t, err)
			require.NotEmpty(t, r.Signatures)
			if tc.want.pass {
				for _, s := range r.Signatures {
					require.Equal(t, verify.TotalPassed, s.Indication, "signature %d: %v", s.Index, s.Messages)
				}
				require.Equal(t, verify.TotalPassed, r.Indication)
				want := verify.ChangesAllowed
				if r.Signatures[0].CoversWholeDocument {
					want = verify.ChangesNone
				}
				require.Equal(t, want, r.Signatures[0].ChangesAfterSigning, "%v", r.Signatures[0].Messages)
				return
			}
			require.NotEqual(t, verify.TotalPassed, r.Indication, "%s", summary(r))
			require.Greater(t, len(r.Signatures), tc.want.sig, "%s", summary(r))
			s := r.Signatures[tc.want.sig]
			require.Equal(t, verify.TotalFailed, s.Indication, "%s", summary(r))
			require.Equal(t, tc.want.sub, s.SubIndication, "%s", summary(r))
			if tc.want.changes != "" {
				require.Equal(t, tc.want.changes, s.ChangesAfterSigning, "%s", summary(r))
			}
		})
	}
}

// summary is a report in one line, for failure messages.
func summary(r *verify.Report) string {
	if r == nil {
		return "no report"
	}
	var sb strings.Builder
	fmt.Fprintf(&sb, "%s/%s:", r.Indication, r.SubIndication)
	for _, s := range r.Signatures {
		fmt.Fprintf(&sb, " [sig %d %s/%s changes=%s", s.Index, s.Indication, s.SubIndication, s.ChangesAfterSigning)
		for _, m := range s.Messages {
			if m.Level == verify.LevelError {
				fmt.Fprintf(&sb, " %s%v", m.Code, m.Args)
			}
		}
		sb.WriteString("]")
	}
	return sb.String()
}

// attackPKI is the PKI, trust policy and time-stamp authority of one
// attack test.
type attackPKI struct {
	srv    *testpki.Server
	policy *verify.Policy
	tsa    string
	head   *testpki.Identity
}

func newAttackPKI(t *testing.T) *attackPKI {
	t.Helper()
	srv := testpki.NewTestServer(t)
	tsa, err := srv.ServeTSA()
	require.NoError(t, err)
	head, err := srv.PKI.Issue(testpki.LeafSpec{Name: "head"})
	require.NoError(t, err)
	return &attackPKI{srv: srv, policy: &verify.Policy{Roots: srv.PKI.Roots(), Online: true}, tsa: tsa, head: head}
}

// signed is a signed PDF and where its first signature's parts are.
type signed struct {
	b        []byte
	sig      pdf.Signature
	brSpan   [2]int // the /ByteRange array, "[" to after "]"
	xref     int64  // startxref of the signed revision
	size     int64  // its trailer /Size
	catalog  pdf.Ref
	sigField pdf.Field
}

func inspect(t *testing.T, b []byte) *signed {
	t.Helper()
	f, err := pdf.Open(bytes.NewReader(b), int64(len(b)), nil)
	require.NoError(t, err)
	sigs, _, err := f.Signatures()
	require.NoError(t, err)
	require.NotEmpty(t, sigs)
	s := &signed{b: b, sig: sigs[0]}
	rv := f.Revisions()[f.Latest()]
	s.xref = rv.XRefOffset
	size, _ := rv.Trailer.Get("Size").(pdf.Int)
	s.size = int64(size)
	_, s.catalog, err = f.Catalog(f.Latest())
	require.NoError(t, err)
	fields, err := f.Fields(f.Latest())
	require.NoError(t, err)
	for _, fd := range fields {
		if fd.Type == "Sig" && pdf.Equal(fd.Value, s.sig.Ref) {
			s.sigField = fd
		}
	}
	require.NotZero(t, s.sigField.Ref, "the signature's field")
	sp := s.sig.Span
	dict := b[sp.Start:sp.End]
	i := bytes.Index(dict, []byte("/ByteRange"))
	require.Positive(t, i)
	open := bytes.IndexByte(dict[i:], '[')
	cl := bytes.IndexByte(dict[i:], ']')
	s.brSpan = [2]int{int(sp.Start) + i + open, int(sp.Start) + i + cl + 1}
	return s
}

// padTo returns v followed by spaces up to n bytes.
func padTo(t *testing.T, v string, n int) []byte {
	t.Helper()
	require.LessOrEqual(t, len(v), n, "%q does not fit in %d bytes", v, n)
	return []byte(v + strings.Repeat(" ", n-len(v)))
}

// splice returns b with [from, to) replaced by repl of the same length:
// offsets stay valid, so the file still opens.
func splice(t *testing.T, b []byte, from, to int, repl []byte) []byte {
	t.Helper()
	require.Equal(t, to-from, len(repl))
	out := bytes.Clone(b)
	copy(out[from:to], repl)
	return out
}

// withByteRange rewrites the first signature's /ByteRange in place.
func (s *signed) withByteRange(t *testing.T, v string) []byte {
	return splice(t, s.b, s.brSpan[0], s.brSpan[1], padTo(t, v, s.brSpan[1]-s.brSpan[0]))
}

// withContents rewrites the first signature's /Contents token in place.
func (s *signed) withContents(t *testing.T, v string) []byte {
	cs := s.sig.ContentsSpan
	return splice(t, s.b, int(cs.Start), int(cs.End), padTo(t, v, int(cs.Len())))
}

// redefineSig appends an update that redefines the signature dictionary
// with edit applied: USF by incremental update.
func (s *signed) redefineSig(t *testing.T, edit func(d *pdf.Dict)) []byte {
	return update(t, s.b, func(f *pdf.File, u *pdf.Updater) {
		d := s.sig.Dict.Clone()
		edit(d)
		require.NoError(t, u.Set(s.sig.Ref, d))
	})
}

// rawObj is an object for a hand-written section: number and body (what
// goes between "N 0 obj" and "endobj").
type rawObj struct {
	num  uint32
	body string
}

// rawUpdate is an incremental update written by hand, for what
// pdf.Updater refuses to write: arbitrary /Prev, xref entries pointing
// at existing bytes, a trailer-only section, an xref stream.
type rawUpdate struct {
	objs    []rawObj
	remap   map[uint32]int64 // extra xref entries: number -> an existing offset
	trailer string           // trailer entries besides /Size and /Prev, e.g. "/Root 1 0 R"
	prev    func(self int64) string
	stream  bool // a cross-reference stream instead of a table
}

// appendRaw appends u to base (whose newest xref section is at prevXRef and
// whose /Size is size) and returns the file and the new section's offset.
func appendRaw(base []byte, prevXRef, size int64, u rawUpdate) ([]byte, int64) {
	var b bytes.Buffer
	b.Write(base)
	if !bytes.HasSuffix(base, []byte("\n")) {
		b.WriteByte('\n')
	}
	entries := map[uint32]int64{}
	for n, off := range u.remap {
		entries[n] = off
	}
	for _, o := range u.objs {
		entries[o.num] = int64(b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", o.num, o.body)
		size = max(size, int64(o.num)+1)
	}
	self := int64(b.Len())
	prev := fmt.Sprintf("/Prev %d", prevXRef)
	if u.prev != nil {
		prev = u.prev(self)
	}
	nums := make([]uint32, 0, len(entries))
	for n := range entries {
		nums = append(nums, n)
	}
	slices.Sort(nums)
	if !u.stream {
		b.WriteString("xref\n")
		for _, n := range nums {
			fmt.Fprintf(&b, "%d 1\n%010d 00000 n \n", n, entries[n])
		}
		fmt.Fprintf(&b, "trailer\n<< /Size %d %s %s >>\nstartxref\n%d\n%%%%EOF\n", size, u.trailer, prev, self)
		return b.Bytes(), self
	}
	// An uncompressed xref stream, /W [1 4 2], listing itself too.
	own := uint32(size)
	entries[own] = self
	nums = append(nums, own)
	var data []byte
	var index []string
	for _, n := range nums {
		data = append(data, 1)
		data = binary.BigEndian.AppendUint32(data, uint32(entries[n]))
		data = append(data, 0, 0)
		index = append(index, fmt.Sprintf("%d 1", n))
	}
	fmt.Fprintf(&b, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [%s] %s %s /Length %d >>\nstream\n",
		own, own+1, strings.Join(index, " "), u.trailer, prev, len(data))
	b.Write(data)
	fmt.Fprintf(&b, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", self)
	return b.Bytes(), self
}

// raw appends u to the signed file.
func (s *signed) raw(u rawUpdate) []byte {
	if u.trailer == "" {
		u.trailer = fmt.Sprintf("/Root %d %d R", s.catalog.Num, s.catalog.Gen)
	}
	b, _ := appendRaw(s.b, s.xref, s.size, u)
	return b
}

// addSigFieldWith appends an invisible signature field whose /V is value.
func addSigFieldWith(t *testing.T, b []byte, value func(f *pdf.File, u *pdf.Updater) pdf.Object) []byte {
	return update(t, b, func(f *pdf.File, u *pdf.Updater) {
		pages, err := f.Pages(f.Latest())
		require.NoError(t, err)
		w := pdf.NewDict()
		w.Set("Type", pdf.Name("Annot"))
		w.Set("Subtype", pdf.Name("Widget"))
		w.Set("FT", pdf.Name("Sig"))
		w.Set("T", pdf.String{Value: []byte("Copy")})
		w.Set("Rect", pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Int(0), pdf.Int(0)})
		w.Set("F", pdf.Int(132))
		w.Set("P", pages[0].Ref)
		w.Set("V", value(f, u))
		addWidget(t, f, u, pages[0], u.Add(w))
	})
}

// extend raises a signed PDF to level with sign.ExtendPDF: the benign
// updates a long-term signature gets.
func (k *attackPKI) extend(t *testing.T, b []byte, level sign.Level) []byte {
	t.Helper()
	out := &memPDF{}
	require.NoError(t, sign.ExtendPDF(context.Background(), bytes.NewReader(b), int64(len(b)), out,
		&sign.Options{Level: level, TSA: k.tsa, Roots: k.srv.PKI.Roots()}))
	return out.b
}

// signOnePage is the executor's B-T signature on a one-page certificate.
func (k *attackPKI) signOnePage(t *testing.T) *signed {
	t.Helper()
	return inspect(t, signPDFBytes(t, k.srv.PKI.Executor, onePage(), &sign.Options{Level: sign.LevelBT, TSA: k.tsa}))
}

func onePage() []byte {
	return buildPDF([]rawObj{
		{1, "<< /Type /Catalog /Pages 2 0 R >>"},
		{2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"},
		{4, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"},
		{5, streamBody("BT /F1 24 Tf 72 720 Td (Certificate of residence No. 0001234567) Tj ET")},
	}, nil).b
}

func streamBody(data string) string {
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(data), data)
}

// built is a hand-made PDF and the offsets of its objects, shadow bodies
// included.
type built struct {
	b       []byte
	offsets map[string]int64 // "5" for object 5, "shadow 5" for a shadow body of 5
}

// buildPDF writes a one-revision PDF with a classic xref table, like
// internal/pdftest, plus shadow bodies: objects written in the file with
// the number of a real object but that no xref entry points to (written
// before the real ones), as the NDSS 2021 hide-and-replace attack prepares
// them.
func buildPDF(objs, shadows []rawObj) *built {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	bt := &built{offsets: map[string]int64{}}
	for _, o := range shadows {
		bt.offsets[fmt.Sprintf("shadow %d", o.num)] = int64(b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", o.num, o.body)
	}
	maxNum := uint32(0)
	offs := map[uint32]int64{}
	for _, o := range objs {
		offs[o.num] = int64(b.Len())
		bt.offsets[fmt.Sprint(o.num)] = int64(b.Len())
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", o.num, o.body)
		maxNum = max(maxNum, o.num)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", maxNum+1)
	for n := uint32(1); n <= maxNum; n++ {
		if off, ok := offs[n]; ok {
			fmt.Fprintf(&b, "%010d 00000 n \n", off)
		} else {
			b.WriteString("0000000000 00000 f \n")
		}
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", maxNum+1, xref)
	bt.b = b.Bytes()
	return bt
}

// TestAttackUSF: universal signature forgery, a signature dictionary whose
// /Contents or /ByteRange is missing, empty, null or nonsensical, made in
// place (same length, so the file stays well formed) and by a later
// update that redefines the signature dictionary.
func TestAttackUSF(t *testing.T) {
	k := newAttackPKI(t)
	s := k.signOnePage(t)
	br := s.sig.ByteRange
	end := int64(len(s.b))
	inPlace := []struct {
		name   string
		br, cs string // replacement /ByteRange or /Contents value; "" keeps it
	}{
		{"/Contents <>", "", "<>"},
		{"/Contents null", "", "null"},
		{"/Contents of zeros", "", "<" + strings.Repeat("0", int(s.sig.ContentsSpan.Len())-2) + ">"},
		{"/Contents a literal string", "", "()"},
		{"/ByteRange null", "null", ""},
		{"/ByteRange []", "[]", ""},
		{"/ByteRange [0 0 0 0]", "[0 0 0 0]", ""},
		{"/ByteRange with 2 numbers", fmt.Sprintf("[0 %d]", br[1]), ""},
		{"/ByteRange with 6 numbers", fmt.Sprintf("[0 %d %d %d 0 0]", br[1], br[2], br[3]), ""},
		{"/ByteRange with a negative length", fmt.Sprintf("[0 %d %d -%d]", br[1], br[2], br[3]), ""},
		{"/ByteRange with a negative offset", fmt.Sprintf("[-1 %d %d %d]", br[1]+1, br[2], br[3]), ""},
		{"/ByteRange past EOF", fmt.Sprintf("[0 %d %d %d]", br[1], br[2], end-br[2]+100), ""},
		{"/ByteRange of indirect numbers", fmt.Sprintf("[0 %d %d 9 0 R]", br[1], br[2]), ""},
		{"/ByteRange renamed away", "", ""},
	}
	var cases []attackCase
	for _, v := range inPlace {
		cases = append(cases, attackCase{"in place: " + v.name, func(t *testing.T) []byte {
			switch {
			case v.br != "":
				return s.withByteRange(t, v.br)
			case v.cs != "":
				return s.withContents(t, v.cs)
			}
			i := bytes.Index(s.b[s.sig.Span.Start:], []byte("/ByteRange")) + int(s.sig.Span.Start)
			return splice(t, s.b, i, i+10, []byte("/ByteRangX"))
		}, formatFailed})
	}

	// The same, as a later revision that redefines the dictionary: the
	// original signature is failed for the change, the redefined one for
	// its structure.
	later := []struct {
		name string
		edit func(d *pdf.Dict)
	}{
		{"/Contents <>", func(d *pdf.Dict) { d.Set("Contents", pdf.String{Hex: true}) }},
		{"/Contents null", func(d *pdf.Dict) { d.Set("Contents", pdf.Null{}) }},
		{"/Contents removed", func(d *pdf.Dict) { d.Delete("Contents") }},
		{"/ByteRange null", func(d *pdf.Dict) { d.Set("ByteRange", pdf.Null{}) }},
		{"/ByteRange []", func(d *pdf.Dict) { d.Set("ByteRange", pdf.Array{}) }},
		{"/ByteRange with 2 numbers", func(d *pdf.Dict) { d.Set("ByteRange", pdf.Array{pdf.Int(0), pdf.Int(br[1])}) }},
		{"/ByteRange with 6 numbers", func(d *pdf.Dict) {
			d.Set("ByteRange", pdf.Array{pdf.Int(0), pdf.Int(br[1]), pdf.Int(br[2]), pdf.Int(br[3]), pdf.Int(0), pdf.Int(0)})
		}},
		{"/ByteRange negative", func(d *pdf.Dict) {
			d.Set("ByteRange", pdf.Array{pdf.Int(0), pdf.Int(br[1]), pdf.Int(br[2]), pdf.Int(-br[3])})
		}},
		{"/ByteRange past EOF", func(d *pdf.Dict) {
			d.Set("ByteRange", pdf.Array{pdf.Int(0), pdf.Int(br[1]), pdf.Int(br[2]), pdf.Int(end)})
		}},
		{"/ByteRange removed", func(d *pdf.Dict) { d.Delete("ByteRange") }},
	}
	for _, v := range later {
		cases = append(cases, attackCase{"redefined by an update: " + v.name, func(t *testing.T) []byte { return s.redefineSig(t, v.edit) }, disallowed})
		o := formatFailed
		o.sig = 1
		cases = append(cases, attackCase{"redefined by an update, the new version: " + v.name, func(t *testing.T) []byte { return s.redefineSig(t, v.edit) }, o})
	}
	cases = append(cases, attackCase{"control: unchanged", func(*testing.T) []byte { return s.b }, passed})
	runAttacks(t, k.policy, cases)
}

// TestAttackISA: incremental saving attacks, content added after the
// signature, with every way of (mis)chaining the new section.
func TestAttackISA(t *testing.T) {
	k := newAttackPKI(t)
	s := k.signOnePage(t)
	forged := rawObj{5, streamBody("BT /F1 24 Tf 72 720 Td (Certificate of residence No. 9999999999) Tj ET")}
	cases := []attackCase{
		{"new content, new xref table and trailer", func(t *testing.T) []byte {
			return s.raw(rawUpdate{objs: []rawObj{forged}})
		}, disallowed},
		{"new content by pdf.Updater", func(t *testing.T) []byte {
			return update(t, s.b, func(f *pdf.File, u *pdf.Updater) {
				require.NoError(t, u.Set(pdf.Ref{Num: 5}, pdf.NewStream(pdf.NewDict(), []byte("BT /F1 24 Tf 72 720 Td (FORGED) Tj ET"))))
			})
		}, disallowed},
		{"new content without an xref", func(t *testing.T) []byte {
			return append(bytes.Clone(s.b), fmt.Sprintf("%d 0 obj\n%s\nendobj\n", forged.num, forged.body)...)
		}, disallowed},
		{"new content and a startxref to the signed xref", func(t *testing.T) []byte {
			return append(bytes.Clone(s.b), fmt.Sprintf("%d 0 obj\n%s\nendobj\nstartxref\n%d\n%%%%EOF\n", forged.num, forged.body, s.xref)...)
		}, disallowed},
		{"a second %%EOF and garbage", func(t *testing.T) []byte {
			return append(bytes.Clone(s.b), "garbage garbage\n%%EOF\n\x00\x01garbage"...)
		}, disallowed},
		{"new content, then a second %%EOF and garbage", func(t *testing.T) []byte {
			b := s.raw(rawUpdate{objs: []rawObj{forged}})
			return append(b, "%%EOF\ntrailer << /Root 1 0 R >>\n%%EOF\n"...)
		}, disallowed},
		{"/Prev points at the wrong offset", func(t *testing.T) []byte {
			return s.raw(rawUpdate{objs: []rawObj{forged}, prev: func(int64) string { return fmt.Sprintf("/Prev %d", s.xref+3) }})
		}, malformed},
		{"/Prev points at the start of the file", func(t *testing.T) []byte {
			return s.raw(rawUpdate{objs: []rawObj{forged}, prev: func(int64) string { return "/Prev 0" }})
		}, malformed},
		{"/Prev points at itself", func(t *testing.T) []byte {
			return s.raw(rawUpdate{objs: []rawObj{forged}, prev: func(self int64) string { return fmt.Sprintf("/Prev %d", self) }})
		}, malformed},
		{"/Prev points past the end", func(t *testing.T) []byte {
			return s.raw(rawUpdate{objs: []rawObj{forged}, prev: func(self int64) string { return fmt.Sprintf("/Prev %d", self+100000) }})
		}, malformed},
		{"/Prev is indirect", func(t *testing.T) []byte {
			return s.raw(rawUpdate{objs: []rawObj{forged}, prev: func(int64) string { return "/Prev 5 0 R" }})
		}, malformed},
		{"/Prev chain forms a loop of two sections", func(t *testing.T) []byte {
			// Section A (first update) names section B (second) as its
			// /Prev, and B names A: "/Prev" is padded so that A's
			// offset is known before B is written.
			first, a := appendRaw(s.b, s.xref, s.size, rawUpdate{objs: []rawObj{forged},
				trailer: "/Root 1 0 R", prev: func(int64) string { return "/Prev 0000000000" }})
			second, bOff := appendRaw(first, a, s.size, rawUpdate{objs: []rawObj{{6, "<< >>"}}, trailer: "/Root 1 0 R"})
			i := bytes.LastIndex(second[:bOff], []byte("/Prev 0000000000"))
			require.Positive(t, i)
			return splice(t, second, i, i+16, []byte(fmt.Sprintf("/Prev %010d", bOff)))
		}, malformed},
		{"/Prev removed: a full xref that hides the signed revision", func(t *testing.T) []byte {
			f, err := pdf.Open(bytes.NewReader(s.b), int64(len(s.b)), nil)
			require.NoError(t, err)
			remap := map[uint32]int64{}
			for _, e := range f.Revisions()[f.Latest()].Entries {
				remap[e.Num] = e.Offset
			}
			for _, e := range f.Revisions()[0].Entries {
				if _, ok := remap[e.Num]; !ok && e.Type == pdf.EntryInUse {
					remap[e.Num] = e.Offset
				}
			}
			delete(remap, 0)
			delete(remap, 5)
			return s.raw(rawUpdate{objs: []rawObj{forged}, remap: remap, prev: func(int64) string { return "" }})
		}, formatFailed},
		{"new content with an xref stream", func(t *testing.T) []byte {
			return s.raw(rawUpdate{objs: []rawObj{forged}, stream: true})
		}, disallowed},
		{"new catalog with /OpenAction, /Root changed", func(t *testing.T) []byte {
			cat := fmt.Sprintf("<< /Type /Catalog /Pages 2 0 R /AcroForm %s /OpenAction << /S /URI /URI (https://evil.example/) >> >>", afRef(t, s))
			return s.raw(rawUpdate{objs: []rawObj{{uint32(s.size), cat}}, trailer: fmt.Sprintf("/Root %d 0 R", s.size)})
		}, disallowed},
		{"trailer-only update: /Root to a catalog prepared before signing", func(t *testing.T) []byte {
			return shadowCatalog(t, k)
		}, disallowed},
		{"trailer-only update: /Info changed", func(t *testing.T) []byte {
			return s.raw(rawUpdate{trailer: "/Root 1 0 R /Info 5 0 R"})
		}, disallowed},
		{"after a document time-stamp: content without an xref (the time-stamp fails too)", func(t *testing.T) []byte {
			return append(k.extend(t, s.b, sign.LevelBLTA), fmt.Sprintf("%d 0 obj\n%s\nendobj\n", forged.num, forged.body)...)
		}, outcome{sig: 1, sub: verify.FormatFailure, changes: verify.ChangesDisallowed}},
		{"control: counter-signature", func(t *testing.T) []byte {
			return signPDFBytes(t, k.head, s.b, nil)
		}, passed},
		{"control: validation data (DSS, B-LT)", func(t *testing.T) []byte { return k.extend(t, s.b, sign.LevelBLT) }, passed},
		{"control: document time-stamp (B-LTA)", func(t *testing.T) []byte { return k.extend(t, s.b, sign.LevelBLTA) }, passed},
		{"control: empty xref section (no objects, same trailer)", func(t *testing.T) []byte {
			return s.raw(rawUpdate{})
		}, passed},
	}
	runAttacks(t, k.policy, cases)
}

// afRef is the signed file's /AcroForm reference, as PDF text.
func afRef(t *testing.T, s *signed) string {
	t.Helper()
	f, err := pdf.Open(bytes.NewReader(s.b), int64(len(s.b)), nil)
	require.NoError(t, err)
	cat, _, err := f.Catalog(f.Latest())
	require.NoError(t, err)
	r, ok := cat.Get("AcroForm").(pdf.Ref)
	require.True(t, ok)
	return fmt.Sprintf("%d %d R", r.Num, r.Gen)
}

// shadowCatalog signs a document that holds an unused second catalog
// (object 6, whose page shows other text), then appends a section with no
// objects whose trailer names it as /Root.
func shadowCatalog(t *testing.T, k *attackPKI) []byte {
	doc := buildPDF([]rawObj{
		{1, "<< /Type /Catalog /Pages 2 0 R >>"},
		{2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>"},
		{4, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"},
		{5, streamBody("BT /F1 24 Tf 72 720 Td (Amount: 100 KGS) Tj ET")},
		{6, "<< /Type /Catalog /Pages 7 0 R >>"},
		{7, "<< /Type /Pages /Kids [8 0 R] /Count 1 >>"},
		{8, "<< /Type /Page /Parent 7 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 9 0 R >>"},
		{9, streamBody("BT /F1 24 Tf 72 720 Td (Amount: 9999 KGS) Tj ET")},
	}, nil)
	s := inspect(t, signPDFBytes(t, k.srv.PKI.Executor, doc.b, nil))
	return s.raw(rawUpdate{trailer: "/Root 6 0 R"})
}

// TestAttackSWA: signature wrapping, the signed bytes kept but the
// signature dictionary, its /Contents or its /ByteRange moved.
func TestAttackSWA(t *testing.T) {
	k := newAttackPKI(t)
	s := k.signOnePage(t)
	br := s.sig.ByteRange
	cs := s.sig.ContentsSpan
	hexCMS := strings.TrimRight(string(s.b[cs.Start+1:cs.End-1]), "0")
	if len(hexCMS)%2 == 1 {
		hexCMS += "0"
	}
	cases := []attackCase{
		{"byte range moved: hole one byte earlier", func(t *testing.T) []byte {
			return s.withByteRange(t, fmt.Sprintf("[0 %d %d %d]", br[1]-1, br[2]-1, br[3]+1))
		}, formatFailed},
		{"byte range moved: hole shrunk", func(t *testing.T) []byte {
			return s.withByteRange(t, fmt.Sprintf("[0 %d %d %d]", br[1]+1, br[2]-1, br[3]+1))
		}, formatFailed},
		{"byte range moved: second range cut short", func(t *testing.T) []byte {
			return s.withByteRange(t, fmt.Sprintf("[0 %d %d %d]", br[1], br[2], br[3]-10))
		}, formatFailed},
		{"/Contents shifted inside the hole (hash still matches)", func(t *testing.T) []byte {
			// The hole is unsigned: moving the hex string 8 bytes right
			// keeps every signed byte, but the hole is no longer exactly
			// /Contents.
			gap := "        <" + hexCMS
			gap += strings.Repeat("0", int(cs.Len())-len(gap)-1) + ">"
			return splice(t, s.b, int(cs.Start), int(cs.End), []byte(gap))
		}, formatFailed},
		{"/Contents shifted and a new signature dictionary in the hole", func(t *testing.T) []byte {
			// The hole now ends the original dictionary early and starts
			// a new object, a signature dictionary whose tail is the
			// original's; a later update points the field at it.
			num := s.size + 10
			head := fmt.Sprintf("<> >>\nendobj\n%d 0 obj\n<< /Type /Sig /Filter /Adobe.PPKLite /SubFilter /ETSI.CAdES.detached /ByteRange [0 %d %d %d] /Contents <", num, br[1], br[2], br[3])
			gap := head + hexCMS
			require.Less(t, len(gap)+1, int(cs.Len()))
			gap += strings.Repeat("0", int(cs.Len())-len(gap)-1) + ">"
			b := splice(t, s.b, int(cs.Start), int(cs.End), []byte(gap))
			objOff := cs.Start + int64(strings.Index(gap, fmt.Sprintf("%d 0 obj", num)))
			fd := fieldText(t, s, fmt.Sprintf("%d 0 R", num))
			return (&signed{b: b, xref: s.xref, size: s.size, catalog: s.catalog}).raw(rawUpdate{
				objs:  []rawObj{{s.sigField.Ref.Num, fd}},
				remap: map[uint32]int64{uint32(num): objOff},
			})
		}, formatFailed},
		{"second signature dictionary copying /ByteRange and /Contents, in a new field", func(t *testing.T) []byte {
			return addSigFieldWith(t, s.b, func(f *pdf.File, u *pdf.Updater) pdf.Object { return u.Add(s.sig.Dict.Clone()) })
		}, outcome{sig: 1, sub: verify.FormatFailure}},
		{"second signature dictionary copying the first, in no field", func(t *testing.T) []byte {
			return update(t, s.b, func(f *pdf.File, u *pdf.Updater) { u.Add(s.sig.Dict.Clone()) })
		}, disallowed},
		{"signature dictionary outside the signed bytes, named by the field", func(t *testing.T) []byte {
			return update(t, s.b, func(f *pdf.File, u *pdf.Updater) {
				ref := u.Add(s.sig.Dict.Clone())
				d := s.sigField.Dict.Clone()
				d.Set("V", ref)
				require.NoError(t, u.Set(s.sigField.Ref, d))
			})
		}, disallowed},
		{"signature dictionary outside the signed bytes, the new version", func(t *testing.T) []byte {
			return update(t, s.b, func(f *pdf.File, u *pdf.Updater) {
				ref := u.Add(s.sig.Dict.Clone())
				d := s.sigField.Dict.Clone()
				d.Set("V", ref)
				require.NoError(t, u.Set(s.sigField.Ref, d))
			})
		}, outcome{sig: 1, sub: verify.FormatFailure}},
		{"control: counter-signature", func(t *testing.T) []byte { return signPDFBytes(t, k.head, s.b, nil) }, passed},
	}
	runAttacks(t, k.policy, cases)
}

// fieldText is the signature field's dictionary with /V set to v, as PDF
// text.
func fieldText(t *testing.T, s *signed, v string) string {
	t.Helper()
	d := s.sigField.Dict
	var parts []string
	for _, e := range d.Entries() {
		if e.Key == "V" {
			continue
		}
		parts = append(parts, "/"+string(e.Key)+" "+pdfText(t, e.Value))
	}
	return "<< " + strings.Join(parts, " ") + " /V " + v + " >>"
}

// pdfText writes the simple values a signature field holds.
func pdfText(t *testing.T, o pdf.Object) string {
	t.Helper()
	switch v := o.(type) {
	case pdf.Name:
		return "/" + string(v)
	case pdf.Int:
		return fmt.Sprint(int64(v))
	case pdf.Ref:
		return fmt.Sprintf("%d %d R", v.Num, v.Gen)
	case pdf.String:
		return fmt.Sprintf("<%x>", v.Value)
	case pdf.Array:
		var parts []string
		for _, e := range v {
			parts = append(parts, pdfText(t, e))
		}
		return "[" + strings.Join(parts, " ") + "]"
	}
	t.Fatalf("pdfText: %T", o)
	return ""
}

// shadowDoc is the document the victim signs in the shadow attacks (NDSS
// 2021): it shows "Amount: 100 KGS" but already holds, unused or hidden,
// what the attacker will switch on after the signature:
//
//	 6 a benign form XObject drawn as /X1 (draws nothing)
//	 7 an overlay form XObject that nothing uses ("Amount: 9999 KGS")
//	 8 a content stream that nothing uses (the same forged text)
//	 9 an optional content group, OFF in /OCProperties
//	10 a second font (Courier) that nothing uses
//	11 the page's resources (indirect), 15 its font dictionary (indirect)
//	12 /OCProperties (indirect), 13 the page's /Contents array (indirect)
//	14 an overlay form XObject drawn as /X2 inside the OFF group
//
// plus shadow bodies of objects 5 (forged page content) and 4 (a font
// with another encoding) that no xref entry points to.
func shadowDoc() *built {
	const forged = "1 g 60 700 480 60 re f 0 g BT /F1 24 Tf 72 720 Td (Amount: 9999 KGS) Tj ET"
	form := func(data string) string {
		return fmt.Sprintf("<< /Type /XObject /Subtype /Form /BBox [0 0 595 842] /Resources 11 0 R /Length %d >>\nstream\n%s\nendstream", len(data), data)
	}
	return buildPDF([]rawObj{
		{1, "<< /Type /Catalog /Pages 2 0 R /OCProperties 12 0 R >>"},
		{2, "<< /Type /Pages /Kids [3 0 R] /Count 1 >>"},
		{3, "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources 11 0 R /Contents 13 0 R >>"},
		{4, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"},
		{5, streamBody("BT /F1 24 Tf 72 720 Td (Amount: 100 KGS) Tj ET q /X1 Do Q /OC /oc1 BDC q /X2 Do Q EMC")},
		{6, form("% nothing")},
		{7, form(forged)},
		{8, streamBody(forged)},
		{9, "<< /Type /OCG /Name (layer) >>"},
		{10, "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"},
		{11, "<< /Font 15 0 R /XObject << /X1 6 0 R /X2 14 0 R >> /Properties << /oc1 9 0 R >> >>"},
		{12, "<< /OCGs [9 0 R] /D << /Order [9 0 R] /ON [] /OFF [9 0 R] >> >>"},
		{13, "[5 0 R]"},
		{14, form(forged)},
		{15, "<< /F1 4 0 R >>"},
	}, []rawObj{
		{5, streamBody(forged)},
		{4, "<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding << /Differences [49 /nine /nine /nine /nine] >> >>"},
	})
}

// TestAttackShadow: shadow hide, replace and hide-and-replace. The victim
// signs shadowDoc; a later update switches the prepared content on by
// re-pointing xref entries only, or by redefining the objects that
// decide what is shown. Each must be DISALLOWED.
func TestAttackShadow(t *testing.T) {
	k := newAttackPKI(t)
	doc := shadowDoc()
	s := inspect(t, signPDFBytes(t, k.srv.PKI.Executor, doc.b, nil))
	// The text field of the form-overlay variant, on an uncertified
	// signed PDF.
	form := inspect(t, signPDFBytes(t, k.srv.PKI.Executor, withTextField(t, doc.b), nil))
	set := func(num uint32, body string) func(t *testing.T) []byte {
		return func(t *testing.T) []byte { return s.raw(rawUpdate{objs: []rawObj{{num, body}}}) }
	}
	// page redefines the page object (3) by pdf.Updater, keeping what the
	// signer added to it (/Annots).
	page := func(edit func(d *pdf.Dict)) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			return update(t, s.b, func(f *pdf.File, u *pdf.Updater) {
				pages, err := f.Pages(f.Latest())
				require.NoError(t, err)
				d := pages[0].Dict.Clone()
				edit(d)
				require.NoError(t, u.Set(pages[0].Ref, d))
			})
		}
	}
	remap := func(num uint32, key string) func(t *testing.T) []byte {
		return func(t *testing.T) []byte {
			off, ok := doc.offsets[key]
			require.True(t, ok, key)
			return s.raw(rawUpdate{remap: map[uint32]int64{num: off}})
		}
	}
	cases := []attackCase{
		// (a) xref-only updates: no new object, an existing number now
		// maps to bytes the victim signed but never saw.
		{"xref only: content 5 -> its shadow body (hide-and-replace)", remap(5, "shadow 5"), disallowed},
		{"xref only: font 4 -> its shadow body (font replaced)", remap(4, "shadow 4"), disallowed},
		{"xref only: content 5 -> the unused content stream 8", remap(5, "8"), disallowed},
		{"xref only: benign form 6 -> the overlay form 7", remap(6, "7"), disallowed},
		{"xref only, as an xref stream: content 5 -> its shadow body", func(t *testing.T) []byte {
			return s.raw(rawUpdate{remap: map[uint32]int64{5: doc.offsets["shadow 5"]}, stream: true})
		}, disallowed},
		// Ambiguous xref-only updates: which definition a reader takes
		// is its choice. The verifier reads the first (or the table's);
		// others read the shadow. Found passing as "no changes": fixed
		// in verify/pdf.go (structureDisallowed).
		{"xref only: 5 listed twice, the signed body first, the shadow body second", func(t *testing.T) []byte {
			return s.rawTable(fmt.Sprintf("5 1\n%010d 00000 n \n5 1\n%010d 00000 n \n", doc.offsets["5"], doc.offsets["shadow 5"]), "")
		}, disallowed},
		{"xref only: 5 listed twice, the shadow body first", func(t *testing.T) []byte {
			return s.rawTable(fmt.Sprintf("5 1\n%010d 00000 n \n5 1\n%010d 00000 n \n", doc.offsets["shadow 5"], doc.offsets["5"]), "")
		}, disallowed},
		{"xref only, hybrid: the table keeps 5, its /XRefStm stream maps it to the shadow body", func(t *testing.T) []byte {
			return s.rawTable(fmt.Sprintf("5 1\n%010d 00000 n \n", doc.offsets["5"]), "shadow 5")
		}, disallowed},
		// (b) the page's /Contents includes the overlay.
		{"page /Contents array (indirect) gains the unused stream 8", set(13, "[5 0 R 8 0 R]"), disallowed},
		{"page /Contents replaced by the unused stream 8", page(func(d *pdf.Dict) { d.Set("Contents", pdf.Ref{Num: 8}) }), disallowed},
		{"page /Contents made a direct array with the unused stream 8", page(func(d *pdf.Dict) {
			d.Set("Contents", pdf.Array{pdf.Ref{Num: 5}, pdf.Ref{Num: 8}})
		}), disallowed},
		// (c) the Do operator's target changed through the resources.
		{"resources (indirect): /X1 -> the overlay form 7", set(11,
			"<< /Font 15 0 R /XObject << /X1 7 0 R /X2 14 0 R >> /Properties << /oc1 9 0 R >> >>"), disallowed},
		{"page /Resources replaced by a direct dictionary with /X1 -> 7", page(func(d *pdf.Dict) {
			xo := pdf.NewDict()
			xo.Set("X1", pdf.Ref{Num: 7})
			res := pdf.NewDict()
			res.Set("Font", pdf.Ref{Num: 15})
			res.Set("XObject", xo)
			d.Set("Resources", res)
		}), disallowed},
		// (d) the optional content group switched on.
		{"/OCProperties (indirect): the group OFF -> ON", set(12,
			"<< /OCGs [9 0 R] /D << /Order [9 0 R] /ON [9 0 R] /OFF [] >> >>"), disallowed},
		{"/OCProperties: /BaseState /ON, /OFF dropped", set(12,
			"<< /OCGs [9 0 R] /D << /Order [9 0 R] /BaseState /ON >> >>"), disallowed},
		{"catalog: /OCProperties removed (every group shown)", func(t *testing.T) []byte {
			return update(t, s.b, func(f *pdf.File, u *pdf.Updater) {
				cat, ref, err := f.Catalog(f.Latest())
				require.NoError(t, err)
				cat = cat.Clone()
				cat.Delete("OCProperties")
				require.NoError(t, u.Set(ref, cat))
			})
		}, disallowed},
		{"optional content: the /oc1 property names a new group", set(11,
			"<< /Font 15 0 R /XObject << /X1 6 0 R /X2 14 0 R >> /Properties << /oc1 10 0 R >> >>"), disallowed},
		// (e) form overlay: a text field's value changed without a
		// certification that permits form filling.
		{"text field /V and appearance changed (uncertified)", func(t *testing.T) []byte { return fill(t, form.b, "Name", "Bakyt") }, disallowed},
		{"text field /V changed, appearance kept (uncertified)", func(t *testing.T) []byte {
			return update(t, form.b, func(f *pdf.File, u *pdf.Updater) {
				fd := fieldRef(t, f, "Name")
				d := fd.Dict.Clone()
				d.Set("V", pdf.String{Value: []byte("Bakyt")})
				require.NoError(t, u.Set(fd.Ref, d))
			})
		}, disallowed},
		// (f) the font swapped.
		{"font 4 redefined as Courier", set(4, "<< /Type /Font /Subtype /Type1 /BaseFont /Courier >>"), disallowed},
		{"font resources (indirect): /F1 -> the unused font 10", set(15, "<< /F1 10 0 R >>"), disallowed},
		// Controls: what the attacker may touch without effect, and a
		// genuine later signature.
		{"control: the unused overlay 7 redefined (nothing shows it)", set(7,
			"<< /Type /XObject /Subtype /Form /BBox [0 0 1 1] /Length 0 >>\nstream\n\nendstream"), passed},
		{"control: counter-signature", func(t *testing.T) []byte { return signPDFBytes(t, k.head, s.b, nil) }, passed},
		{"control: counter-signature on the form", func(t *testing.T) []byte { return signPDFBytes(t, k.head, form.b, nil) }, passed},
		{"control: unchanged", func(*testing.T) []byte { return s.b }, passed},
	}
	runAttacks(t, k.policy, cases)

	// A signature made over a revision whose xref lists an object twice
	// signed those bytes as they are: it is not failed for the ambiguity,
	// but warned about it; the earlier signature, which the ambiguous
	// update came after, is failed.
	t.Run("ambiguous xref inside the signed revision warns", func(t *testing.T) {
		dup := s.rawTable(fmt.Sprintf("5 1\n%010d 00000 n \n5 1\n%010d 00000 n \n", doc.offsets["5"], doc.offsets["shadow 5"]), "")
		r := verifyPDF(t, signPDFBytes(t, k.head, dup, nil), k.policy)
		require.Len(t, r.Signatures, 2)
		require.Equal(t, verify.ChangesDisallowed, r.Signatures[0].ChangesAfterSigning)
		last := r.Signatures[1]
		require.Equal(t, verify.TotalPassed, last.Indication, "%v", last.Messages)
		warned := false
		for _, m := range last.Messages {
			warned = warned || m.Code == "PDF_XREF_AMBIGUOUS" && m.Level == verify.LevelWarning
		}
		require.True(t, warned, "no PDF_XREF_AMBIGUOUS warning: %v", last.Messages)
	})
}

// rawTable appends a section whose xref table is written as given
// (subsections), for entries pdf.Updater never writes (an object listed
// twice). With stmShadow set, the section is hybrid: its trailer's
// /XRefStm names an xref stream, written before the table, that maps
// object 5 to the body at offsets[stmShadow] of shadowDoc.
func (s *signed) rawTable(subsections, stmShadow string) []byte {
	b := bytes.Clone(s.b)
	extra := ""
	size := s.size
	if stmShadow != "" {
		num := s.size
		size++
		data := append([]byte{1}, binary.BigEndian.AppendUint32(nil, uint32(shadowDoc().offsets[stmShadow]))...)
		data = append(data, 0, 0)
		extra = fmt.Sprintf("/XRefStm %d", len(b))
		b = append(b, fmt.Sprintf("%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 2] /Index [5 1] /Length %d >>\nstream\n", num, size, len(data))...)
		b = append(b, data...)
		b = append(b, "\nendstream\nendobj\n"...)
	}
	self := len(b)
	b = append(b, fmt.Sprintf("xref\n%strailer\n<< /Size %d /Root %d %d R /Prev %d %s >>\nstartxref\n%d\n%%%%EOF\n",
		subsections, size, s.catalog.Num, s.catalog.Gen, s.xref, extra, self)...)
	return b
}
