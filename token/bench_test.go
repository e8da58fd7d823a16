package token

import (
	"context"
	"crypto"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/softhsm"
)

// BenchmarkSign measures signatures per second on SoftHSM2, one goroutine
// at a time and from GOMAXPROCS goroutines through the session pool. Each
// signature includes the check against the certificate.
func BenchmarkSign(b *testing.B) {
	f := newFixture(b, specRSA, specP256)
	digest := digestOf(crypto.SHA256, []byte("benchmark"))
	for _, spec := range []softhsm.KeySpec{specRSA, specP256} {
		name := map[string]string{specRSA.Label: "RSA-2048", specP256.Label: "P-256"}[spec.Label]
		s, err := Open(context.Background(), f.uri(spec), pinOpts())
		require.NoError(b, err)
		b.Run(name+"/sequential", func(b *testing.B) {
			for b.Loop() {
				if _, err := s.Sign(nil, digest, crypto.SHA256); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(name+"/parallel", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := s.Sign(nil, digest, crypto.SHA256); err != nil {
						b.Error(err)
						return
					}
				}
			})
		})
		require.NoError(b, s.Close())
	}
}

// BenchmarkVerifyAfterSign measures what the check of each signature
// against the certificate adds.
func BenchmarkVerifyAfterSign(b *testing.B) {
	f := newFixture(b, specRSA, specP256)
	digest := digestOf(crypto.SHA256, []byte("benchmark"))
	for _, spec := range []softhsm.KeySpec{specRSA, specP256} {
		s, err := Open(context.Background(), f.uri(spec), pinOpts())
		require.NoError(b, err)
		sig, err := s.Sign(nil, digest, crypto.SHA256)
		require.NoError(b, err)
		b.Run(spec.Label, func(b *testing.B) {
			for b.Loop() {
				if err := verifySignature(s.Public(), sigSpec{hash: crypto.SHA256}, digest, sig); err != nil {
					b.Fatal(err)
				}
			}
		})
		require.NoError(b, s.Close())
	}
}
