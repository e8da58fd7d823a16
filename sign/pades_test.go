package sign_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tamgasign/tamga/internal/pdftest"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/internal/testtool"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

// signPDF signs the PDF at in into out with id.
func signPDF(t *testing.T, id *testpki.Identity, in, out string, opts *sign.Options, popts *sign.PDFOptions) {
	t.Helper()
	signPDFWithOpts(t, id.Signer(), in, out, opts, popts)
}

func signPDFWith(t *testing.T, k sign.Signer, in, out string, opts *sign.Options) {
	t.Helper()
	signPDFWithOpts(t, k, in, out, opts, nil)
}

func signPDFWithOpts(t *testing.T, k sign.Signer, in, out string, opts *sign.Options, popts *sign.PDFOptions) {
	t.Helper()
	src, err := os.Open(in)
	require.NoError(t, err)
	defer src.Close()
	st, err := src.Stat()
	require.NoError(t, err)
	dst, err := os.Create(out)
	require.NoError(t, err)
	defer dst.Close()
	require.NoError(t, sign.PAdES(context.Background(), k, src, st.Size(), dst, opts, popts))
}

// nssTrust makes an NSS database that trusts root, for pdfsig.
func nssTrust(t *testing.T, root []byte) string {
	t.Helper()
	certutil := testtool.Require(t, "certutil")
	dir := t.TempDir()
	rootFile := filepath.Join(dir, "root.pem")
	require.NoError(t, os.WriteFile(rootFile, root, 0o644))
	for _, args := range [][]string{
		{"-N", "-d", "sql:" + dir, "--empty-password"},
		{"-A", "-d", "sql:" + dir, "-n", "tamga-test-root", "-t", "CT,C,C", "-i", rootFile},
	} {
		out, err := exec.Command(certutil, args...).CombinedOutput()
		require.NoError(t, err, "certutil %v: %s", args, out)
	}
	return "sql:" + dir
}

func TestPAdESWithPopplerAndQPDF(t *testing.T) {
	pdfsig := testtool.Require(t, "pdfsig")
	qpdf := testtool.Require(t, "qpdf")
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, nil)
	p := srv.PKI
	nss := nssTrust(t, testpki.CertPEM(p.Root.Cert))
	dir := t.TempDir()
	orig := filepath.Join(dir, "result.pdf")
	original := pdftest.OnePage("Certificate of residence No. 0001234567")
	require.NoError(t, os.WriteFile(orig, original, 0o644))

	// The executor signs at B-T; the head of office countersigns at B-B.
	one, two := filepath.Join(dir, "signed1.pdf"), filepath.Join(dir, "signed2.pdf")
	signPDF(t, p.Executor, orig, one, &sign.Options{Level: sign.LevelBT, TSA: tsaURL},
		&sign.PDFOptions{Reason: "Жашаган жери тууралуу маалымкат", Location: "Бишкек"})
	head, err := p.Issue(testpki.LeafSpec{Name: "head-of-office"})
	require.NoError(t, err)
	signPDF(t, head, one, two, nil, nil)

	signed, err := os.ReadFile(two)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(signed, original), "the original revision must stay byte for byte")
	first, err := os.ReadFile(one)
	require.NoError(t, err)
	require.True(t, bytes.HasPrefix(signed, first), "the first signature's revision must stay byte for byte")

	for _, f := range []string{one, two} {
		out, err := exec.Command(qpdf, "--check", f).CombinedOutput()
		require.NoError(t, err, "qpdf --check %s: %s", f, out)
		require.Contains(t, string(out), "No syntax or stream encoding errors")
	}

	out, err := exec.Command(pdfsig, "-nssdir", nss, two).CombinedOutput()
	require.NoError(t, err, "pdfsig: %s", out)
	report := string(out)
	require.Equal(t, 2, strings.Count(report, "Signature Validation: Signature is Valid."), report)
	require.Equal(t, 2, strings.Count(report, "Certificate Validation: Certificate is Trusted."), report)
	require.Contains(t, report, "ETSI.CAdES.detached")
	require.Contains(t, report, "Signature Type: ETSI.CAdES.detached")

	// A changed byte inside the signed range: pdfsig says the signature is
	// invalid.
	bad := bytes.Clone(signed)
	i := bytes.Index(bad, []byte("0001234567"))
	bad[i] = '9'
	badFile := filepath.Join(dir, "bad.pdf")
	require.NoError(t, os.WriteFile(badFile, bad, 0o644))
	out, _ = exec.Command(pdfsig, "-nssdir", nss, badFile).CombinedOutput()
	require.NotContains(t, strings.SplitN(string(out), "Signature #2", 2)[0], "Signature is Valid.", string(out))
}

func TestPAdESReserveTooSmall(t *testing.T) {
	p := testpki.NewTest(t)
	dir := t.TempDir()
	in := filepath.Join(dir, "in.pdf")
	require.NoError(t, os.WriteFile(in, pdftest.OnePage("x"), 0o644))
	src, _ := os.Open(in)
	defer src.Close()
	dst, _ := os.Create(filepath.Join(dir, "out.pdf"))
	defer dst.Close()
	st, _ := src.Stat()
	err := sign.PAdES(context.Background(), p.Executor.Signer(), src, st.Size(), dst, nil, &sign.PDFOptions{Reserve: 64})
	require.ErrorIs(t, err, sign.ErrReserveTooSmall)
}

// TestPAdESLongTerm signs at B-LT and B-LTA: the DSS makes the signature
// validate offline, the document time-stamp validates too, and qpdf and
// pdfsig accept the files.
func TestPAdESLongTerm(t *testing.T) {
	pdfsig, qpdf := testtool.Require(t, "pdfsig"), testtool.Require(t, "qpdf")
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, nil)
	p := srv.PKI
	nss := nssTrust(t, testpki.CertPEM(p.Root.Cert))
	dir := t.TempDir()
	orig := filepath.Join(dir, "in.pdf")
	require.NoError(t, os.WriteFile(orig, pdftest.OnePage("Extract No. 20261123000417"), 0o644))
	for _, level := range []sign.Level{sign.LevelBLT, sign.LevelBLTA} {
		t.Run(string(level), func(t *testing.T) {
			out := filepath.Join(dir, string(level)+".pdf")
			signPDF(t, p.Executor, orig, out, &sign.Options{Level: level, TSA: tsaURL, Roots: p.Roots()}, nil)
			b, err := os.ReadFile(out)
			require.NoError(t, err)

			before := srv.Requests("/")
			r, err := verify.PDF(context.Background(), bytes.NewReader(b), int64(len(b)), &verify.Policy{Roots: p.Roots()})
			require.NoError(t, err)
			require.Equal(t, before, srv.Requests("/"), "offline validation fetched something")
			for _, s := range r.Signatures {
				require.Equal(t, verify.TotalPassed, s.Indication, "%s: %v", s.Level, s.Messages)
			}
			require.Equal(t, verify.TotalPassed, r.Indication)
			require.Equal(t, "PAdES-BASELINE-"+strings.TrimPrefix(string(level), "B-"), r.Signatures[0].Level)
			requireVRI(t, out, 0)
			if level == sign.LevelBLTA {
				require.Len(t, r.Signatures, 2)
				require.Equal(t, "PAdES-DOCUMENT-TIMESTAMP", r.Signatures[1].Level)
				require.Equal(t, verify.ChangesAllowed, r.Signatures[0].ChangesAfterSigning)
			}

			outQ, err := exec.Command(qpdf, "--check", out).CombinedOutput()
			require.NoError(t, err, "%s", outQ)
			outS, err := exec.Command(pdfsig, "-nssdir", nss, out).CombinedOutput()
			require.NoError(t, err, "%s", outS)
			require.Contains(t, string(outS), "Signature is Valid.")
		})
	}
}
