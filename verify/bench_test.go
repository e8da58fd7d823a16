package verify_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/tamgasign/tamga/internal/pdftest"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

// BenchmarkCMSOffline validates a CAdES signature with embedded revocation
// data: parse, digest, signature, chain and revocation, and the report.
func BenchmarkCMSOffline(b *testing.B) {
	p := testpki.NewTest(b)
	ocsp, err := p.OCSPResponse(p.Executor.Cert, nil)
	if err != nil {
		b.Fatal(err)
	}
	crl, err := p.CRL(p.Root.Cert)
	if err != nil {
		b.Fatal(err)
	}
	sig := signBBWith(b, p.Executor, content, ocsp, crl)
	policy := &verify.Policy{Roots: p.Roots()}
	b.ReportAllocs()
	for b.Loop() {
		r, err := verify.CMS(context.Background(), sig, bytes.NewReader(content), policy)
		if err != nil || r.Indication != verify.TotalPassed {
			b.Fatal(err, r.Indication)
		}
	}
}

// BenchmarkPDFOffline validates a signed 1 MB PDF with embedded
// revocation data (B-LT), without the network.
func BenchmarkPDFOffline(b *testing.B) {
	srv := testpki.NewTestServer(b)
	tsaURL, err := srv.ServeTSA()
	if err != nil {
		b.Fatal(err)
	}
	p := srv.PKI
	// About 1 MB: one page whose content stream carries padding text.
	in := pdftest.OnePage(strings.Repeat("tamga ", 170_000))
	out := &memPDF{}
	if err := sign.PAdES(context.Background(), p.Executor.Signer(), bytes.NewReader(in), int64(len(in)), out,
		&sign.Options{Level: sign.LevelBLT, TSA: tsaURL, Roots: p.Roots()}, nil); err != nil {
		b.Fatal(err)
	}
	policy := &verify.Policy{Roots: p.Roots()}
	b.SetBytes(int64(len(out.b)))
	b.ReportAllocs()
	for b.Loop() {
		r, err := verify.PDF(context.Background(), bytes.NewReader(out.b), int64(len(out.b)), policy)
		if err != nil || r.Indication != verify.TotalPassed {
			b.Fatal(err, r.Indication)
		}
	}
}
