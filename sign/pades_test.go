package sign_test

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/internal/testtool"
	"github.com/tamgasign/tamga/sign"
)

// minimalPDF builds a one-page PDF with a classic cross-reference table,
// computing the offsets, so tests need no committed binary.
func minimalPDF(text string) []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	content := fmt.Sprintf("BT /F1 24 Tf 72 720 Td (%s) Tj ET", text)
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 4 0 R >> >> /Contents 5 0 R >>",
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(content)+1, content),
	}
	offsets := make([]int, len(objs))
	for i, o := range objs {
		offsets[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f \n", len(objs)+1)
	for _, off := range offsets {
		fmt.Fprintf(&b, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, xref)
	return b.Bytes()
}

// signPDF signs the PDF at in into out with id.
func signPDF(t *testing.T, id *testpki.Identity, in, out string, opts *sign.Options, popts *sign.PDFOptions) {
	t.Helper()
	src, err := os.Open(in)
	require.NoError(t, err)
	defer src.Close()
	st, err := src.Stat()
	require.NoError(t, err)
	dst, err := os.Create(out)
	require.NoError(t, err)
	defer dst.Close()
	require.NoError(t, sign.PAdES(context.Background(), key{id}, src, st.Size(), dst, opts, popts))
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
	original := minimalPDF("Certificate of residence No. 0001234567")
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
	require.NoError(t, os.WriteFile(in, minimalPDF("x"), 0o644))
	src, _ := os.Open(in)
	defer src.Close()
	dst, _ := os.Create(filepath.Join(dir, "out.pdf"))
	defer dst.Close()
	st, _ := src.Stat()
	err := sign.PAdES(context.Background(), key{p.Executor}, src, st.Size(), dst, nil, &sign.PDFOptions{Reserve: 64})
	require.ErrorIs(t, err, sign.ErrReserveTooSmall)
}
