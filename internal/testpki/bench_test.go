package testpki

import (
	"crypto"
	"testing"
	"time"

	"golang.org/x/crypto/ocsp"
)

// BenchmarkNew measures building a whole PKI (six keys, six certificates),
// with fresh keys and with keys from the pool (ReuseKeys, as NewTest does).
func BenchmarkNew(b *testing.B) {
	for _, alg := range algs {
		for _, reuse := range []bool{false, true} {
			name := alg.String() + "/fresh"
			if reuse {
				name = alg.String() + "/reuse"
			}
			b.Run(name, func(b *testing.B) {
				if reuse {
					if _, err := New(Config{KeyAlg: alg, ReuseKeys: true}); err != nil { // fill the pool
						b.Fatal(err)
					}
				}
				b.ReportAllocs()
				for b.Loop() {
					if _, err := New(Config{KeyAlg: alg, ReuseKeys: reuse}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// BenchmarkOCSPResponse measures one signed response, as embedded in B-LT
// signatures, and the HTTP path's parse-look-up-sign.
func BenchmarkOCSPResponse(b *testing.B) {
	for _, alg := range algs {
		p := NewTest(b, Config{KeyAlg: alg})
		b.Run(alg.String()+"/direct", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.OCSPResponse(p.Executor.Cert, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
		req := buildRequest([][]byte{certIDFor(b, crypto.SHA1, p.Intermediate.Cert, p.Executor.Cert.SerialNumber)}, [][]byte{nonceExt([]byte("0123456789abcdef"))}, false)
		b.Run(alg.String()+"/request", func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if len(p.answer(req)) < 100 {
					b.Fatal("error response")
				}
			}
		})
	}
}

// BenchmarkCRL measures signing a CRL with 1000 revoked certificates.
func BenchmarkCRL(b *testing.B) {
	p := NewTest(b)
	for range 1000 {
		id, err := p.Issue(LeafSpec{})
		if err != nil {
			b.Fatal(err)
		}
		if err := p.Revoke(id.Cert, time.Time{}, ocsp.KeyCompromise); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.CRL(p.Intermediate.Cert); err != nil {
			b.Fatal(err)
		}
	}
}
