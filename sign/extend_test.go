package sign_test

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"

	"github.com/tamgasign/tamga/internal/pdf"
	"github.com/tamgasign/tamga/internal/pdftest"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/internal/testtool"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

// extendFile runs sign.ExtendPDF from the file in to the file out.
func extendFile(t *testing.T, in, out string, opts *sign.Options) error {
	t.Helper()
	src, err := os.Open(in)
	require.NoError(t, err)
	defer src.Close()
	st, err := src.Stat()
	require.NoError(t, err)
	dst, err := os.Create(out)
	require.NoError(t, err)
	defer dst.Close()
	return sign.ExtendPDF(context.Background(), src, st.Size(), dst, opts)
}

// verifyOffline validates the PDF at name without the network and checks
// that the server saw no request meanwhile.
func verifyOffline(t *testing.T, srv *testpki.Server, name string) *verify.Report {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	before := srv.Requests("/")
	r, err := verify.PDF(context.Background(), bytes.NewReader(b), int64(len(b)), &verify.Policy{Roots: srv.PKI.Roots()})
	require.NoError(t, err)
	require.Equal(t, before, srv.Requests("/"), "offline validation fetched something")
	for _, s := range r.Signatures {
		require.Equal(t, verify.TotalPassed, s.Indication, "signature %d (%s): %v", s.Index, s.Level, s.Messages)
	}
	require.Equal(t, verify.TotalPassed, r.Indication)
	return r
}

// dssItems returns the decoded streams of each DSS array of the PDF at
// name.
func dssItems(t *testing.T, name string) map[pdf.Name][][]byte {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	f, err := pdf.Open(bytes.NewReader(b), int64(len(b)), nil)
	require.NoError(t, err)
	cat, _, err := f.Catalog(f.Latest())
	require.NoError(t, err)
	items := map[pdf.Name][][]byte{}
	dss, err := f.Resolve(cat.Get("DSS"))
	require.NoError(t, err)
	d, ok := dss.(*pdf.Dict)
	if !ok {
		return items
	}
	for _, key := range []pdf.Name{"Certs", "OCSPs", "CRLs"} {
		arr, err := f.Resolve(d.Get(key))
		require.NoError(t, err)
		a, _ := arr.(pdf.Array)
		for _, e := range a {
			v, err := f.Resolve(e)
			require.NoError(t, err)
			data, err := f.Decode(v.(*pdf.Stream))
			require.NoError(t, err)
			items[key] = append(items[key], data)
		}
	}
	return items
}

// requireVRI checks that the DSS of name has a VRI entry for each of the
// signatures sigs (indexes in file order), keyed by the SHA-1 of its
// /Contents, and that each entry lists certificates that are in the DSS.
func requireVRI(t *testing.T, name string, sigs ...int) {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	f, err := pdf.Open(bytes.NewReader(b), int64(len(b)), nil)
	require.NoError(t, err)
	all, _, err := f.Signatures()
	require.NoError(t, err)
	cat, _, err := f.Catalog(f.Latest())
	require.NoError(t, err)
	v, err := f.Resolve(cat.Get("DSS"))
	require.NoError(t, err)
	dss := v.(*pdf.Dict)
	v, err = f.Resolve(dss.Get("VRI"))
	require.NoError(t, err)
	vri, ok := v.(*pdf.Dict)
	require.True(t, ok, "no /VRI in the DSS")
	inDSS := map[pdf.Object]bool{}
	for _, key := range []pdf.Name{"Certs", "OCSPs", "CRLs"} {
		if a, ok := dss.Get(key).(pdf.Array); ok {
			for _, e := range a {
				inDSS[e] = true
			}
		}
	}
	for _, i := range sigs {
		sum := sha1.Sum(all[i].Contents)
		v, err := f.Resolve(vri.Get(pdf.Name(strings.ToUpper(hex.EncodeToString(sum[:])))))
		require.NoError(t, err)
		entry, ok := v.(*pdf.Dict)
		require.True(t, ok, "no VRI entry for signature %d", i)
		certs, _ := entry.Get("Cert").(pdf.Array)
		require.NotEmpty(t, certs, "VRI entry of signature %d lists no certificate", i)
		for _, key := range []pdf.Name{"Cert", "OCSP", "CRL"} {
			a, _ := entry.Get(key).(pdf.Array)
			for _, e := range a {
				require.True(t, inDSS[e], "VRI %s of signature %d names %v, which the DSS does not hold", key, i, e)
			}
		}
	}
}

// requireDSSGrows checks that every item of before is in after and that
// after holds nothing twice.
func requireDSSGrows(t *testing.T, before, after map[pdf.Name][][]byte) {
	t.Helper()
	for key, list := range after {
		for i := range list {
			for j := i + 1; j < len(list); j++ {
				require.False(t, bytes.Equal(list[i], list[j]), "DSS /%s holds an item twice", key)
			}
		}
	}
	for key, list := range before {
		for _, it := range list {
			found := false
			for _, x := range after[key] {
				found = found || bytes.Equal(x, it)
			}
			require.True(t, found, "DSS /%s lost an item", key)
		}
	}
}

// checkTools runs qpdf --check and pdfsig on the PDF at name; pdfsig must
// find approvals valid approval signatures (poppler 22.12 does not check
// document time-stamps).
func checkTools(t *testing.T, name, nss string, approvals int) {
	t.Helper()
	qpdf, pdfsig := testtool.Require(t, "qpdf"), testtool.Require(t, "pdfsig")
	out, err := exec.Command(qpdf, "--check", name).CombinedOutput()
	require.NoError(t, err, "qpdf --check: %s", out)
	require.Contains(t, string(out), "No syntax or stream encoding errors")
	out, err = exec.Command(pdfsig, "-nssdir", nss, name).CombinedOutput()
	require.NoError(t, err, "pdfsig: %s", out)
	require.Equal(t, approvals, strings.Count(string(out), "Signature Validation: Signature is Valid."), "%s", out)
}

// TestExtendPDF signs at B-T, extends to B-LT, to B-LTA, and renews B-LTA:
// each result validates offline at the level asked for, keeps the earlier
// bytes and the earlier DSS, and passes qpdf and pdfsig.
func TestExtendPDF(t *testing.T) {
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, nil)
	p := srv.PKI
	nss := nssTrust(t, testpki.CertPEM(p.Root.Cert))
	dir := t.TempDir()
	orig := filepath.Join(dir, "in.pdf")
	require.NoError(t, os.WriteFile(orig, pdftest.OnePage("Extract No. 20261123000417"), 0o644))
	bt := filepath.Join(dir, "bt.pdf")
	signPDF(t, p.Executor, orig, bt, &sign.Options{Level: sign.LevelBT, TSA: tsaURL}, nil)
	opts := func(l sign.Level) *sign.Options { return &sign.Options{Level: l, TSA: tsaURL, Roots: p.Roots()} }

	steps := []struct {
		from, to    string
		level       sign.Level
		wantLevel   string
		docTS       int
		ocspFetched bool
		vri         []int // signatures with a VRI entry
	}{
		{"bt.pdf", "lt.pdf", sign.LevelBLT, "PAdES-BASELINE-LT", 0, true, []int{0}},
		{"lt.pdf", "lta.pdf", sign.LevelBLTA, "PAdES-BASELINE-LTA", 1, false, []int{0}},
		{"lta.pdf", "lta2.pdf", sign.LevelBLTA, "PAdES-BASELINE-LTA", 2, true, []int{0, 1}},
	}
	for _, st := range steps {
		t.Run(st.to, func(t *testing.T) {
			in, out := filepath.Join(dir, st.from), filepath.Join(dir, st.to)
			before := dssItems(t, in)
			require.NoError(t, extendFile(t, in, out, opts(st.level)))

			prev, err := os.ReadFile(in)
			require.NoError(t, err)
			got, err := os.ReadFile(out)
			require.NoError(t, err)
			require.True(t, bytes.HasPrefix(got, prev), "extending must only append")
			require.Greater(t, len(got), len(prev))
			after := dssItems(t, out)
			requireDSSGrows(t, before, after)
			if st.ocspFetched {
				require.Greater(t, len(after["OCSPs"]), len(before["OCSPs"]), "no new OCSP response in the DSS")
			}

			r := verifyOffline(t, srv, out)
			require.Len(t, r.Signatures, 1+st.docTS)
			require.Equal(t, st.wantLevel, r.Signatures[0].Level)
			for _, s := range r.Signatures[1:] {
				require.Equal(t, "PAdES-DOCUMENT-TIMESTAMP", s.Level)
			}
			checkTools(t, out, nss, 1)
			requireVRI(t, out, st.vri...)
		})
	}

	// Levels that cannot be reached by extending, and levels already
	// reached, are refused and nothing is written.
	refusals := []struct {
		in    string
		level sign.Level
		want  error
	}{
		{"bt.pdf", sign.LevelBT, sign.ErrNeedsSigningKey},
		{"bt.pdf", sign.LevelBB, sign.ErrNeedsSigningKey},
		{"lt.pdf", sign.LevelBLT, sign.ErrLevelNotHigher},
		{"lta.pdf", sign.LevelBLT, sign.ErrLevelNotHigher},
	}
	for _, rf := range refusals {
		t.Run("refuse "+rf.in+" "+string(rf.level), func(t *testing.T) {
			out := filepath.Join(dir, "refused.pdf")
			err := extendFile(t, filepath.Join(dir, rf.in), out, opts(rf.level))
			require.ErrorIs(t, err, rf.want)
			st, err := os.Stat(out)
			require.NoError(t, err)
			require.Zero(t, st.Size())
		})
	}
	require.ErrorIs(t, extendFile(t, bt, filepath.Join(dir, "x.pdf"), &sign.Options{Level: sign.LevelBLTA, Roots: p.Roots()}), sign.ErrTSARequired)
	require.ErrorIs(t, extendFile(t, bt, filepath.Join(dir, "x.pdf"), &sign.Options{Level: sign.LevelBLT}), sign.ErrValidationData)
}

// TestExtendPDFTwoSigners extends a PDF signed B-T by the executor and
// countersigned B-B by the head of office: both validate offline.
func TestExtendPDFTwoSigners(t *testing.T) {
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, nil)
	p := srv.PKI
	nss := nssTrust(t, testpki.CertPEM(p.Root.Cert))
	dir := t.TempDir()
	orig, one, two, lta := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "one.pdf"), filepath.Join(dir, "two.pdf"), filepath.Join(dir, "lta.pdf")
	require.NoError(t, os.WriteFile(orig, pdftest.OnePage("Certificate of residence No. 0001234567"), 0o644))
	signPDF(t, p.Executor, orig, one, &sign.Options{Level: sign.LevelBT, TSA: tsaURL}, nil)
	head, err := p.Issue(testpki.LeafSpec{Name: "head-of-office"})
	require.NoError(t, err)
	signPDF(t, head, one, two, nil, nil)

	require.NoError(t, extendFile(t, two, lta, &sign.Options{Level: sign.LevelBLTA, TSA: tsaURL, Roots: p.Roots()}))
	r := verifyOffline(t, srv, lta)
	require.Len(t, r.Signatures, 3)
	require.Equal(t, "PAdES-BASELINE-LTA", r.Signatures[0].Level)
	require.Equal(t, "PAdES-BASELINE-B", r.Signatures[1].Level, "a B-B signature has no time-stamp of its own")
	require.Equal(t, "PAdES-DOCUMENT-TIMESTAMP", r.Signatures[2].Level)
	checkTools(t, lta, nss, 2)
}

// TestExtendPDFRefusesInvalid: no signature, a changed byte, a revoked
// signer and an untrusted root are refused before anything is fetched
// for the DSS or time-stamped.
func TestExtendPDFRefusesInvalid(t *testing.T) {
	c := newClock()
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, c)
	p := srv.PKI
	dir := t.TempDir()
	orig := filepath.Join(dir, "in.pdf")
	require.NoError(t, os.WriteFile(orig, pdftest.OnePage("Extract No. 20261123000417"), 0o644))
	opts := &sign.Options{Level: sign.LevelBLTA, TSA: tsaURL, Roots: p.Roots(), Now: c.Now}

	t.Run("unsigned", func(t *testing.T) {
		require.ErrorIs(t, extendFile(t, orig, filepath.Join(dir, "x.pdf"), opts), sign.ErrNoSignature)
	})

	signed := filepath.Join(dir, "signed.pdf")
	signPDF(t, p.Executor, orig, signed, &sign.Options{Level: sign.LevelBT, TSA: tsaURL, Now: c.Now}, nil)

	t.Run("changed", func(t *testing.T) {
		b, err := os.ReadFile(signed)
		require.NoError(t, err)
		i := bytes.Index(b, []byte("20261123000417"))
		require.Positive(t, i)
		b[i] = '3'
		bad := filepath.Join(dir, "changed.pdf")
		require.NoError(t, os.WriteFile(bad, b, 0o644))
		tsBefore := srv.Requests("/tsa")
		err = extendFile(t, bad, filepath.Join(dir, "x.pdf"), opts)
		require.ErrorIs(t, err, sign.ErrNotValid)
		var nv *sign.NotValidError
		require.True(t, errors.As(err, &nv))
		require.Equal(t, verify.TotalFailed, nv.Indication)
		require.Equal(t, verify.HashFailure, nv.SubIndication)
		require.Equal(t, tsBefore, srv.Requests("/tsa"), "a time-stamp was asked for a broken signature")
	})

	t.Run("untrusted root", func(t *testing.T) {
		other := testpki.NewTest(t)
		o := *opts
		o.Roots = other.Roots()
		var nv *sign.NotValidError
		require.ErrorAs(t, extendFile(t, signed, filepath.Join(dir, "x.pdf"), &o), &nv)
		require.Equal(t, verify.Indeterminate, nv.Indication)
	})

	t.Run("revoked", func(t *testing.T) {
		// Revoked (key compromise) half an hour before the signature: the
		// signature time-stamp proves it was made after that.
		c.Add(time.Minute)
		require.NoError(t, p.Revoke(p.Executor.Cert, c.Now().Add(-30*time.Minute), ocsp.KeyCompromise))
		err := extendFile(t, signed, filepath.Join(dir, "x.pdf"), opts)
		var nv *sign.NotValidError
		require.ErrorAs(t, err, &nv)
		require.Equal(t, verify.TotalFailed, nv.Indication)
		require.Equal(t, verify.Revoked, nv.SubIndication)
		require.Contains(t, err.Error(), "cannot be raised")
	})
}

// FuzzExtendPDF feeds mutated signed PDFs to ExtendPDF with a PKI that
// names no network address: whatever the input, it must return (an error,
// almost always) without panicking, and never extend a PDF whose
// signatures do not validate.
func FuzzExtendPDF(f *testing.F) {
	p := testpki.NewTest(f)
	orig := pdftest.OnePage("Extract No. 20261123000417")
	var signed bytes.Buffer
	require.NoError(f, sign.PAdES(context.Background(), p.Executor.Signer(), bytes.NewReader(orig), int64(len(orig)), &memOutput{&signed}, nil, nil))
	b := signed.Bytes()
	f.Add(b)
	f.Add(pdftest.OnePage("x"))
	f.Add(b[:len(b)/2])
	opts := &sign.Options{Level: sign.LevelBLT, Roots: p.Roots(), HTTPClient: &http.Client{Timeout: time.Second}}
	f.Fuzz(func(t *testing.T, data []byte) {
		var out bytes.Buffer
		err := sign.ExtendPDF(context.Background(), bytes.NewReader(data), int64(len(data)), &memOutput{&out}, opts)
		if err == nil {
			// Only a PDF whose signatures validate may be extended, and
			// the offline PKI has no revocation data: B-B signatures
			// cannot validate here.
			t.Fatalf("extended a PDF that cannot validate (%d bytes)", out.Len())
		}
	})
}

// memOutput is a sign.PDFOutput in memory, for the fuzzer.
type memOutput struct{ b *bytes.Buffer }

func (m *memOutput) Write(p []byte) (int, error) { return m.b.Write(p) }
func (m *memOutput) WriteAt(p []byte, off int64) (int, error) {
	if off < 0 || off+int64(len(p)) > int64(m.b.Len()) {
		return 0, errors.New("memOutput: write outside the data")
	}
	return copy(m.b.Bytes()[off:], p), nil
}
func (m *memOutput) ReadAt(p []byte, off int64) (int, error) {
	return bytes.NewReader(m.b.Bytes()).ReadAt(p, off)
}
