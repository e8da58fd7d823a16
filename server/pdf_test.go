package server

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"testing"

	"codeberg.org/go-pdf/fpdf"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

// signedPDF makes a one-page PDF with fpdf and signs it with sign.PAdES.
func signedPDF(t *testing.T, f *fixture) []byte {
	t.Helper()
	doc := fpdf.New("P", "mm", "A4", "")
	doc.SetCompression(false)
	doc.AddPage()
	doc.SetFont("Helvetica", "", 14)
	doc.Cell(40, 10, "Certificate of residence 20250417000123")
	var in bytes.Buffer
	require.NoError(t, doc.Output(&in))
	out, err := os.Create(filepath.Join(t.TempDir(), "signed.pdf"))
	require.NoError(t, err)
	defer out.Close()
	require.NoError(t, sign.PAdES(context.Background(), f.pki.PKI.Executor.Signer(), bytes.NewReader(in.Bytes()), int64(in.Len()), out, nil, nil))
	signed, err := os.ReadFile(out.Name())
	require.NoError(t, err)
	return signed
}

func TestVerifyPDF(t *testing.T) {
	f := newFixture(t)
	pdf := signedPDF(t, f)
	r := decodeReport(t, f.do(upload(t, "/api/v1/verify", [2]string{"file", string(pdf)})))
	assert.Equal(t, verify.FormatPDF, r.Format)
	assert.Equal(t, verify.TotalPassed, r.Indication, "%+v", r)

	// Change one byte of the page text, inside the signed range.
	i := bytes.Index(pdf, []byte("residence"))
	require.Positive(t, i)
	changed := bytes.Clone(pdf)
	changed[i+1] = 'X'
	rec := f.do(upload(t, "/api/v1/verify", [2]string{"file", string(changed)}))
	r = decodeReport(t, rec)
	assert.Equal(t, verify.TotalFailed, r.Indication)
	assert.Equal(t, verify.HashFailure, r.SubIndication)
}
