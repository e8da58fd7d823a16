package verify_test

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tamgasign/tamga/internal/pdf"
	"github.com/tamgasign/tamga/internal/pdftest"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/internal/testtool"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

// memPDF is an in-memory sign.PDFOutput.
type memPDF struct{ b []byte }

func (m *memPDF) Write(p []byte) (int, error) { m.b = append(m.b, p...); return len(p), nil }
func (m *memPDF) WriteAt(p []byte, off int64) (int, error) {
	copy(m.b[off:], p)
	return len(p), nil
}
func (m *memPDF) ReadAt(p []byte, off int64) (int, error) { return bytes.NewReader(m.b).ReadAt(p, off) }

func signPDFBytes(t *testing.T, id *testpki.Identity, in []byte, opts *sign.Options) []byte {
	t.Helper()
	out := &memPDF{}
	require.NoError(t, sign.PAdES(context.Background(), id.Signer(), bytes.NewReader(in), int64(len(in)), out, opts, nil))
	return out.b
}

func verifyPDF(t *testing.T, b []byte, p *verify.Policy) *verify.Report {
	t.Helper()
	r, err := verify.PDF(context.Background(), bytes.NewReader(b), int64(len(b)), p)
	require.NoError(t, err)
	return r
}

// update appends an incremental update made with internal/pdf that sets
// object ref to v: what an attacker does after the signature.
func update(t *testing.T, b []byte, edit func(f *pdf.File, u *pdf.Updater)) []byte {
	t.Helper()
	f, err := pdf.Open(bytes.NewReader(b), int64(len(b)), nil)
	require.NoError(t, err)
	u := f.Update()
	edit(f, u)
	var out bytes.Buffer
	_, err = u.Write(context.Background(), &out)
	require.NoError(t, err)
	return out.Bytes()
}

func TestPDFSignatures(t *testing.T) {
	srv := testpki.NewTestServer(t)
	tsaURL, err := srv.ServeTSA()
	require.NoError(t, err)
	p := srv.PKI
	policy := &verify.Policy{Roots: p.Roots(), Online: true}
	original := pdftest.OnePage("Certificate of residence No. 0001234567")
	one := signPDFBytes(t, p.Executor, original, &sign.Options{Level: sign.LevelBT, TSA: tsaURL})

	t.Run("one signature", func(t *testing.T) {
		r := verifyPDF(t, one, policy)
		require.Len(t, r.Signatures, 1)
		s := r.Signatures[0]
		require.Equal(t, verify.TotalPassed, r.Indication, "%v", s.Messages)
		require.True(t, s.CoversWholeDocument)
		require.Equal(t, verify.ChangesNone, s.ChangesAfterSigning)
		require.Equal(t, "PAdES-BASELINE-T", s.Level)
		require.NotNil(t, s.TimestampTime)
	})
	t.Run("counter-signature keeps the first valid", func(t *testing.T) {
		head, err := p.Issue(testpki.LeafSpec{Name: "head"})
		require.NoError(t, err)
		two := signPDFBytes(t, head, one, nil)
		r := verifyPDF(t, two, policy)
		require.Len(t, r.Signatures, 2)
		require.Equal(t, verify.TotalPassed, r.Indication, "%v / %v", r.Signatures[0].Messages, r.Signatures[1].Messages)
		require.False(t, r.Signatures[0].CoversWholeDocument)
		require.Equal(t, verify.ChangesAllowed, r.Signatures[0].ChangesAfterSigning)
		require.True(t, r.Signatures[1].CoversWholeDocument)
	})
	t.Run("byte changed in the signed range", func(t *testing.T) {
		bad := bytes.Clone(one)
		bad[bytes.Index(bad, []byte("0001234567"))] = '9'
		r := verifyPDF(t, bad, policy)
		require.Equal(t, verify.TotalFailed, r.Indication)
		require.Equal(t, verify.HashFailure, r.Signatures[0].SubIndication)
	})

	failed := func(t *testing.T, b []byte) *verify.SignatureReport {
		t.Helper()
		r, err := verify.PDF(context.Background(), bytes.NewReader(b), int64(len(b)), policy)
		if err != nil {
			require.ErrorIs(t, err, verify.ErrMalformed)
			return nil
		}
		require.NotEqual(t, verify.TotalPassed, r.Indication)
		require.NotEmpty(t, r.Signatures)
		require.Equal(t, verify.TotalFailed, r.Signatures[0].Indication, "%v", r.Signatures[0].Messages)
		return r.Signatures[0]
	}

	// Incremental saving attacks: content changed after the signature.
	t.Run("ISA: page content replaced", func(t *testing.T) {
		b := update(t, one, func(f *pdf.File, u *pdf.Updater) {
			require.NoError(t, u.Set(pdf.Ref{Num: 5}, pdf.NewStream(pdf.NewDict(), []byte("BT /F1 24 Tf 72 720 Td (FORGED 9999999999) Tj ET"))))
		})
		s := failed(t, b)
		require.Equal(t, verify.ChangesDisallowed, s.ChangesAfterSigning)
	})
	t.Run("ISA: content appended without an xref", func(t *testing.T) {
		b := append(bytes.Clone(one), []byte("5 0 obj\n<< /Length 10 >>\nstream\nBT ET 1234\nendstream\nendobj\n")...)
		failed(t, b)
	})
	t.Run("shadow: font replaced by object redefinition", func(t *testing.T) {
		b := update(t, one, func(f *pdf.File, u *pdf.Updater) {
			d := pdf.NewDict()
			d.Set("Type", pdf.Name("Font"))
			d.Set("Subtype", pdf.Name("Type1"))
			d.Set("BaseFont", pdf.Name("Symbol"))
			require.NoError(t, u.Set(pdf.Ref{Num: 4}, d))
		})
		failed(t, b)
	})
	t.Run("EAA: annotation added", func(t *testing.T) {
		b := update(t, one, func(f *pdf.File, u *pdf.Updater) {
			a := pdf.NewDict()
			a.Set("Type", pdf.Name("Annot"))
			a.Set("Subtype", pdf.Name("FreeText"))
			a.Set("Rect", pdf.Array{pdf.Int(72), pdf.Int(700), pdf.Int(500), pdf.Int(760)})
			ref := u.Add(a)
			pages, err := f.Pages(f.Latest())
			require.NoError(t, err)
			pd := pages[0].Dict.Clone()
			annots, _ := pd.Get("Annots").(pdf.Array)
			pd.Set("Annots", append(append(pdf.Array{}, annots...), ref))
			require.NoError(t, u.Set(pages[0].Ref, pd))
		})
		s := failed(t, b)
		require.Equal(t, verify.ChangesDisallowed, s.ChangesAfterSigning)
	})

	// Universal signature forgery and signature wrapping, in place.
	replaceSame := func(b []byte, old, new string) []byte {
		require.Equal(t, len(old), len(new))
		i := bytes.Index(b, []byte(old))
		require.Positive(t, i, "%q not found", old)
		out := bytes.Clone(b)
		copy(out[i:], new)
		return out
	}
	f, err := pdf.Open(bytes.NewReader(one), int64(len(one)), nil)
	require.NoError(t, err)
	sigs, _, err := f.Signatures()
	require.NoError(t, err)
	br := sigs[0].ByteRange
	brText := fmt.Sprintf("[%d %d %d %d", br[0], br[1], br[2], br[3])
	cs := sigs[0].ContentsSpan
	t.Run("USF: /Contents of zeros", func(t *testing.T) {
		b := bytes.Clone(one)
		copy(b[cs.Start+1:cs.End-1], bytes.Repeat([]byte("0"), int(cs.Len()-2)))
		failed(t, b)
	})
	t.Run("SWA: byte range moved", func(t *testing.T) {
		// The signer pads /ByteRange with spaces before "]", so the moved
		// range always fits in place; rewrite the whole array.
		i := bytes.Index(one, []byte(brText))
		require.Positive(t, i, "%q not found", brText)
		n := bytes.IndexByte(one[i:], ']') + 1
		moved := fmt.Sprintf("[%d %d %d %d]", br[0], br[1]-1, br[2], br[3]+1)
		require.LessOrEqual(t, len(moved), n, "the moved /ByteRange does not fit")
		moved = strings.Replace(moved, "]", strings.Repeat(" ", n-len(moved))+"]", 1)
		failed(t, replaceSame(one, string(one[i:i+n]), moved))
	})
	t.Run("USF: /ByteRange renamed away", func(t *testing.T) {
		failed(t, replaceSame(one, "/ByteRange", "/ByteRangX"))
	})
	t.Run("USF: /Contents renamed away", func(t *testing.T) {
		failed(t, replaceSame(one, "/Contents <", "/Contentz <"))
	})
}

// TestPDFAttackCorpus runs the published attacks and DoS files of the
// shared corpus: an attack must never pass (its signatures' roots are not
// ours, so the bar is: some signature TOTAL_FAILED, or the file refused),
// and a DoS file must end in a typed error or a report, quickly.
func TestPDFAttackCorpus(t *testing.T) {
	dir := testtool.Shared(t, "pdf-attacks")
	mf, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	require.NoError(t, err)
	defer mf.Close()
	sc := bufio.NewScanner(mf)
	sc.Buffer(nil, 1<<20)
	sc.Scan()
	policy := &verify.Policy{}
	for sc.Scan() {
		col := strings.Split(sc.Text(), "\t")
		if len(col) < 6 {
			continue
		}
		file, class := col[0], col[4]
		t.Run(file, func(t *testing.T) {
			path := filepath.Join(dir, file)
			if strings.HasSuffix(path, ".gz") {
				path = gunzip(t, path)
			}
			fh, err := os.Open(path)
			require.NoError(t, err)
			defer fh.Close()
			st, err := fh.Stat()
			require.NoError(t, err)
			r, err := verify.PDF(context.Background(), fh, st.Size(), policy)
			switch {
			case strings.HasPrefix(class, "dos"):
				if err != nil {
					require.ErrorIs(t, err, verify.ErrMalformed)
				}
			case class == "benign-signed":
				if err == nil {
					for _, s := range r.Signatures {
						if s.SubIndication == verify.HashFailure || s.SubIndication == verify.SigCryptoFailure {
							t.Errorf("benign file: signature %d: %s", s.Index, s.SubIndication)
						}
					}
				}
				if strings.HasPrefix(file, "certification/") {
					// Certified controls: the certification is read, and
					// what followed it (a signature in a pre-placed field)
					// is permitted.
					require.NoError(t, err)
					s := r.Signatures[0]
					require.NotNil(t, s.Certification, "%v", s.Messages)
					require.Contains(t, []verify.Changes{verify.ChangesNone, verify.ChangesAllowed}, s.ChangesAfterSigning, "%v", s.Messages)
					require.False(t, hasCode(s.Messages, "PDF_CERTIFICATION_INVALID"), "%v", s.Messages)
				}
			case class == "EAA" || class == "SSA":
				// Attacks on certified documents (the certification is
				// signature 0): the certification must be reported violated
				// (DISALLOWED) or overlaid (OVERLAY, with the addition named).
				require.NoError(t, err)
				s := r.Signatures[0]
				require.NotNil(t, s.Certification, "%v", s.Messages)
				require.NotEqual(t, verify.TotalPassed, s.Indication)
				require.Contains(t, []verify.Changes{verify.ChangesDisallowed, verify.ChangesOverlay}, s.ChangesAfterSigning, "%v", s.Messages)
				if strings.Contains(file, "eaa-p3") {
					require.Equal(t, verify.ChangesOverlay, s.ChangesAfterSigning, "%v", s.Messages)
					require.True(t, hasCode(s.Messages, "PDF_ANNOTATION_ADDED"), "%v", s.Messages)
				}
				if strings.Contains(file, "eaa-p2") {
					require.Equal(t, verify.ChangesDisallowed, s.ChangesAfterSigning, "%v", s.Messages)
				}
			default: // an attack
				if err != nil {
					require.ErrorIs(t, err, verify.ErrMalformed)
					return
				}
				anyFailed := false
				for _, s := range r.Signatures {
					anyFailed = anyFailed || s.Indication == verify.TotalFailed
				}
				require.True(t, anyFailed || len(r.Signatures) == 0, "attack %s passed unflagged: %+v", class, r.Signatures)
			}
		})
	}
	require.NoError(t, sc.Err())
}

func gunzip(t *testing.T, path string) string {
	t.Helper()
	in, err := os.Open(path)
	require.NoError(t, err)
	defer in.Close()
	zr, err := gzip.NewReader(in)
	require.NoError(t, err)
	out := filepath.Join(t.TempDir(), strings.TrimSuffix(filepath.Base(path), ".gz"))
	of, err := os.Create(out)
	require.NoError(t, err)
	defer of.Close()
	_, err = io.Copy(of, io.LimitReader(zr, 256<<20))
	require.NoError(t, err)
	return out
}

// TestPDFSignedByPoppler validates a PDF signed by another implementation,
// poppler's "pdfsig -add-signature" with a key in an NSS database made in
// the test: TOTAL_PASSED with the root trusted, TOTAL_FAILED once a signed
// byte changes. (poppler 22.12 writes broken signatures with ECDSA keys, so
// the PKI is RSA.)
func TestPDFSignedByPoppler(t *testing.T) {
	pdfsig, certutil, pk12util := testtool.Require(t, "pdfsig"), testtool.Require(t, "certutil"), testtool.Require(t, "pk12util")
	srv := testpki.NewTestServer(t, testpki.Config{KeyAlg: testpki.RSA2048})
	p := srv.PKI
	dir := t.TempDir()
	nss := "sql:" + filepath.Join(dir, "nss")
	require.NoError(t, os.Mkdir(filepath.Join(dir, "nss"), 0o700))
	p12, err := p.Executor.PKCS12("47114711")
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "key.p12"), p12, 0o600))
	run := func(name string, args ...string) string {
		t.Helper()
		out, err := exec.Command(name, args...).CombinedOutput()
		require.NoError(t, err, "%s %v: %s", name, args, out)
		return string(out)
	}
	run(certutil, "-N", "-d", nss, "--empty-password")
	run(pk12util, "-i", filepath.Join(dir, "key.p12"), "-d", nss, "-W", "47114711")
	var nick string
	for _, line := range strings.Split(run(certutil, "-L", "-d", nss), "\n") {
		if strings.HasSuffix(strings.TrimSpace(line), "u,u,u") {
			nick = strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(line), "u,u,u"))
		}
	}
	require.NotEmpty(t, nick, "the imported key's nickname")
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	require.NoError(t, os.WriteFile(in, pdftest.OnePage("Signed by poppler"), 0o644))
	run(pdfsig, "-nssdir", nss, "-nick", nick, "-add-signature", "-reason", "interop", in, out)

	b, err := os.ReadFile(out)
	require.NoError(t, err)
	policy := &verify.Policy{Roots: p.Roots(), Online: true}
	r := verifyPDF(t, b, policy)
	require.Len(t, r.Signatures, 1)
	require.Equal(t, verify.TotalPassed, r.Indication, "%v", r.Signatures[0].Messages)
	require.True(t, r.Signatures[0].CoversWholeDocument)

	bad := bytes.Clone(b)
	bad[bytes.Index(bad, []byte("Signed by poppler"))] = 'Z'
	r = verifyPDF(t, bad, policy)
	require.Equal(t, verify.TotalFailed, r.Indication)
	require.Equal(t, verify.HashFailure, r.Signatures[0].SubIndication)
}
