// This file holds the benchmarks: signing a precomputed digest, and
// parsing plus verifying, for RSA-2048 and P-256.

package cms

import (
	"context"
	"crypto"
	"testing"
	"time"
)

var benchKeys = []struct{ name, key string }{{"RSA-2048", "rsa2048"}, {"P-256", "p256"}}

func BenchmarkSign(b *testing.B) {
	for _, k := range benchKeys {
		b.Run(k.name, func(b *testing.B) {
			p := testCA(b)
			key := testKey(b, k.key)
			cert := p.issue(b, key.Public(), "bench", nil)
			digest := sum(crypto.SHA256, []byte("document"))
			opts := &SignOptions{SigningTime: time.Now(), Certificates: nil}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				sd, err := Sign(ctx, key, cert, digest, opts)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := sd.Marshal(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkParseVerify(b *testing.B) {
	for _, k := range benchKeys {
		b.Run(k.name, func(b *testing.B) {
			p := testCA(b)
			key := testKey(b, k.key)
			cert := p.issue(b, key.Public(), "bench", nil)
			digest := sum(crypto.SHA256, []byte("document"))
			sd, err := Sign(context.Background(), key, cert, digest, &SignOptions{SigningTime: time.Now(), Certificates: []*x509Cert{p.ca}})
			if err != nil {
				b.Fatal(err)
			}
			der, _ := sd.Marshal()
			b.SetBytes(int64(len(der)))
			b.ReportAllocs()
			for b.Loop() {
				sd, err := Parse(der)
				if err != nil {
					b.Fatal(err)
				}
				si := sd.SignerInfos[0]
				c, err := si.FindCertificate(sd.Certificates)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := si.Verify(c, digest); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkParseBER measures the normaliser on an attached 1 MiB
// signature rewritten with indefinite lengths, as openssl -stream writes.
func BenchmarkParseBER(b *testing.B) {
	content := make([]byte, 1<<20)
	sd, _ := signForTest(b, signCase{name: "ber", key: "p256", hash: crypto.SHA256, attached: true}, content, nil)
	der, _ := sd.Marshal()
	ber := toIndefinite(b, der)
	b.SetBytes(int64(len(ber)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(ber); err != nil {
			b.Fatal(err)
		}
	}
}
