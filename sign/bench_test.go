package sign_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"io"
	"strings"
	"testing"

	"github.com/tamgasign/tamga/internal/pdftest"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/sign"
)

// benchSize is the content streamed per operation: large enough that the
// signature itself is noise next to the hashing.
const benchSize = 1 << 30

// BenchmarkSHA256Stream is the bound for detached signing: reading and
// hashing the content once.
func BenchmarkSHA256Stream(b *testing.B) {
	b.SetBytes(benchSize)
	b.ReportAllocs()
	for b.Loop() {
		h := sha256.New()
		if _, err := io.Copy(h, io.LimitReader(zeros{}, benchSize)); err != nil {
			b.Fatal(err)
		}
		h.Sum(nil)
	}
}

// BenchmarkCAdESDetachedStream signs the same bytes: its MB/s should be
// within a few percent of BenchmarkSHA256Stream, and its B/op constant
// (the content is never held in memory).
func BenchmarkCAdESDetachedStream(b *testing.B) {
	p := testpki.NewTest(b)
	k := p.Executor.Signer()
	b.SetBytes(benchSize)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sign.CAdES(context.Background(), k, io.LimitReader(zeros{}, benchSize), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCAdESSmall is the per-signature cost with a file key (P-256).
func BenchmarkCAdESSmall(b *testing.B) {
	p := testpki.NewTest(b)
	k := p.Executor.Signer()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sign.CAdES(context.Background(), k, io.LimitReader(zeros{}, 4096), nil); err != nil {
			b.Fatal(err)
		}
	}
}

// benchKeys are the file keys the PAdES benchmarks compare against their
// raw signature rate.
var benchKeys = []struct {
	name string
	alg  testpki.KeyAlg
}{{"P-256", testpki.ECDSAP256}, {"RSA-2048", testpki.RSA2048}}

// benchIdentity issues a signing certificate for a fresh key of alg.
func benchIdentity(b *testing.B, alg testpki.KeyAlg) *testpki.Identity {
	p := testpki.NewTest(b)
	if alg == testpki.ECDSAP256 {
		return p.Executor
	}
	id, err := p.Issue(testpki.LeafSpec{Name: "bench-" + strings.ToLower(alg.String()), KeyAlg: alg})
	if err != nil {
		b.Fatal(err)
	}
	return id
}

// BenchmarkSignerRaw is the bound for PAdES signing: one signature by the
// key itself.
func BenchmarkSignerRaw(b *testing.B) {
	for _, k := range benchKeys {
		b.Run(k.name, func(b *testing.B) {
			id := benchIdentity(b, k.alg)
			digest := sha256.Sum256([]byte("x"))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := id.Key.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkPAdESOnePage signs a one-page PDF (B-B) with the same key:
// parsing, the incremental update, hashing and the CMS around the
// signature. "file" is a key held in memory as a file key is (the signer
// exposes it as a cms.SoftwareSigner, so its check against the
// certificate is made once); "opaque" hides the key as a token does, so
// every signature is verified before it is written.
func BenchmarkPAdESOnePage(b *testing.B) {
	in := pdftest.OnePage("Certificate No. 20261123000417")
	for _, k := range benchKeys {
		id := benchIdentity(b, k.alg)
		for _, kind := range []string{"file", "opaque"} {
			var s sign.Signer = id.Signer() // a cms.SoftwareSigner
			if kind == "opaque" {
				s = opaqueKey{id.Signer()}
			}
			b.Run(k.name+"/"+kind, func(b *testing.B) {
				out := &memPDF{}
				b.ReportAllocs()
				for b.Loop() {
					out.b = out.b[:0]
					if err := sign.PAdES(context.Background(), s, bytes.NewReader(in), int64(len(in)), out, nil, nil); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// opaqueKey is a test identity seen as a token key: it does not show its
// Go key, so internal/cms verifies every signature.
type opaqueKey struct{ k *testpki.KeySigner }

func (o opaqueKey) Public() crypto.PublicKey { return o.k.Public() }
func (o opaqueKey) Sign(r io.Reader, d []byte, opts crypto.SignerOpts) ([]byte, error) {
	return o.k.Sign(r, d, opts)
}
func (o opaqueKey) Certificate() *x509.Certificate { return o.k.Certificate() }
func (o opaqueKey) Chain() []*x509.Certificate     { return o.k.Chain() }

// memPDF is an in-memory sign.PDFOutput.
type memPDF struct{ b []byte }

func (m *memPDF) Write(p []byte) (int, error) { m.b = append(m.b, p...); return len(p), nil }
func (m *memPDF) WriteAt(p []byte, off int64) (int, error) {
	copy(m.b[off:], p)
	return len(p), nil
}
func (m *memPDF) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 || off > int64(len(m.b)) {
		return 0, io.EOF
	}
	n := copy(p, m.b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
