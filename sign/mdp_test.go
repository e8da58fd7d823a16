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

// TestCertifiedWithPopplerAndQPDF: certified documents we write, with a
// lock and a pre-placed field, and the head of office's signature in that
// field, pass qpdf --check, and pdfsig calls every signature valid; tamga
// reads the certification back and passes them.
func TestCertifiedWithPopplerAndQPDF(t *testing.T) {
	pdfsig, qpdf := testtool.Require(t, "pdfsig"), testtool.Require(t, "qpdf")
	srv, _ := startPKI(t, testpki.ECDSAP256, nil)
	p := srv.PKI
	nss := nssTrust(t, testpki.CertPEM(p.Root.Cert))
	head, err := p.Issue(testpki.LeafSpec{Name: "head-of-office"})
	require.NoError(t, err)
	dir := t.TempDir()
	orig := filepath.Join(dir, "result.pdf")
	require.NoError(t, os.WriteFile(orig, pdftest.OnePage("Certificate of residence No. 0001234567"), 0o644))

	tests := []struct {
		name  string
		level sign.Certification
		lock  *sign.FieldLock
		sigs  int
		// visible: the head of office's stamp is drawn into the field
		// placed by the first signer.
		visible bool
	}{
		{"P1", sign.CertifyNoChanges, nil, 1, false},
		{"P2-countersigned", sign.CertifyFormFilling, &sign.FieldLock{All: true}, 2, false},
		{"P2-countersigned-visible", sign.CertifyFormFilling, nil, 2, true},
		{"P3-countersigned", sign.CertifyAnnotations, &sign.FieldLock{Fields: []string{"Head"}}, 2, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := filepath.Join(dir, tt.name+"-1.pdf")
			popts := &sign.PDFOptions{Certify: tt.level, Lock: tt.lock, Reason: "Күбөлөндүрүү"}
			if tt.sigs == 2 {
				popts.AddFields = []sign.SignatureField{{Name: "Head", Page: 1, Rect: [4]float64{350, 100, 550, 160}}}
			}
			signPDF(t, p.Executor, orig, out, nil, popts)
			if tt.sigs == 2 {
				two := filepath.Join(dir, tt.name+"-2.pdf")
				second := &sign.PDFOptions{FieldName: "Head"}
				if tt.visible {
					second.Appearance = &sign.Appearance{} // the field's own box
				}
				signPDF(t, head, out, two, nil, second)
				out = two
			}
			b, err := os.ReadFile(out)
			require.NoError(t, err)
			r, err := verify.PDF(context.Background(), bytes.NewReader(b), int64(len(b)), &verify.Policy{Roots: p.Roots(), Online: true})
			require.NoError(t, err)
			require.Len(t, r.Signatures, tt.sigs)
			require.Equal(t, verify.TotalPassed, r.Indication, "%v", r.Signatures[0].Messages)
			require.Equal(t, &verify.Certification{Permissions: int(tt.level)}, r.Signatures[0].Certification)

			outQ, err := exec.Command(qpdf, "--check", out).CombinedOutput()
			require.NoError(t, err, "qpdf --check: %s", outQ)
			require.Contains(t, string(outQ), "No syntax or stream encoding errors")
			outS, err := exec.Command(pdfsig, "-nssdir", nss, out).CombinedOutput()
			require.NoError(t, err, "pdfsig: %s", outS)
			require.Equal(t, tt.sigs, strings.Count(string(outS), "Signature Validation: Signature is Valid."), "%s", outS)
			if tt.visible {
				// The stamp is inside the Head box (page 842 pt high).
				text, err := exec.Command(testtool.Require(t, "pdftotext"), "-x", "350", "-y", "682", "-W", "200", "-H", "60", out, "-").CombinedOutput()
				require.NoError(t, err, "pdftotext: %s", text)
				require.Contains(t, string(text), head.Cert.Subject.CommonName)
			}
		})
	}
}
