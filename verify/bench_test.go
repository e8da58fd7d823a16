package verify_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/tamgasign/tamga/internal/testpki"
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
