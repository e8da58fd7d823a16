// This file holds benchmarks of the server and of token verification.

package tsp

import (
	"context"
	"crypto"
	"testing"
)

func BenchmarkRespond(b *testing.B) {
	p := testCA(b)
	for _, k := range []struct {
		name string
		key  crypto.Signer
	}{{"RSA-2048", p.rsaKey}, {"P-256", p.ecKey}} {
		b.Run(k.name, func(b *testing.B) {
			s, _, _ := newTestServer(b, k.key, nil)
			q, _ := NewQuery(crypto.SHA256, make([]byte, 32))
			qd, _ := q.Marshal()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				s.Respond(ctx, qd)
			}
		})
	}
}

func BenchmarkTokenParseVerify(b *testing.B) {
	p := testCA(b)
	for _, k := range []struct {
		name string
		key  crypto.Signer
	}{{"RSA-2048", p.rsaKey}, {"P-256", p.ecKey}} {
		b.Run(k.name, func(b *testing.B) {
			s, _, _ := newTestServer(b, k.key, nil)
			q, _ := NewQuery(crypto.SHA256, make([]byte, 32))
			qd, _ := q.Marshal()
			r, _ := ParseReply(s.Respond(context.Background(), qd))
			b.ReportAllocs()
			for b.Loop() {
				tok, err := ParseToken(r.Token)
				if err != nil {
					b.Fatal(err)
				}
				if _, err := tok.Verify(q.HashedMessage, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
