package seal

// Benchmarks: sealing a document (sign + URL) and verifying a seal.

import (
	"context"
	"testing"
)

func BenchmarkSignEncode(b *testing.B) {
	keys := []struct {
		name string
		f    func(testing.TB) fixture
	}{
		{"ECDSA-P256", func(t testing.TB) fixture { return newFixture(t, newECDSA(t)) }},
		{"Ed25519", func(t testing.TB) fixture { return newFixture(t, newEd25519(t)) }},
	}
	for _, k := range keys {
		f := k.f(b)
		b.Run(k.name, func(b *testing.B) {
			b.ReportAllocs()
			doc := residenceDoc()
			for b.Loop() {
				s, err := Sign(context.Background(), doc, f.key)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := EncodeURL(checkHost, s); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, k := range []struct {
		name string
		f    func(testing.TB) fixture
	}{
		{"ECDSA-P256", func(t testing.TB) fixture { return newFixture(t, newECDSA(t)) }},
		{"Ed25519", func(t testing.TB) fixture { return newFixture(t, newEd25519(t)) }},
	} {
		f := k.f(b)
		u, _ := EncodeURL(checkHost, f.seal)
		b.Run(k.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := VerifyURL(context.Background(), u, f.tl, now); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
