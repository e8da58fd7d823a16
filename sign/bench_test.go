package sign_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/sha256"
	"io"
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

// BenchmarkSignerRaw is the bound for PAdES signing: one signature by the
// key itself (P-256 file key).
func BenchmarkSignerRaw(b *testing.B) {
	p := testpki.NewTest(b)
	digest := sha256.Sum256([]byte("x"))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := p.Executor.Key.Sign(rand.Reader, digest[:], crypto.SHA256); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkPAdESOnePage signs a one-page PDF (B-B) with the same key:
// parsing, the incremental update, hashing and the CMS around the
// signature.
func BenchmarkPAdESOnePage(b *testing.B) {
	p := testpki.NewTest(b)
	in := pdftest.OnePage("Certificate No. 20261123000417")
	k := p.Executor.Signer()
	b.ReportAllocs()
	for b.Loop() {
		out := &memPDF{}
		if err := sign.PAdES(context.Background(), k, bytes.NewReader(in), int64(len(in)), out, nil, nil); err != nil {
			b.Fatal(err)
		}
	}
}

// memPDF is an in-memory sign.PDFOutput.
type memPDF struct{ b []byte }

func (m *memPDF) Write(p []byte) (int, error) { m.b = append(m.b, p...); return len(p), nil }
func (m *memPDF) WriteAt(p []byte, off int64) (int, error) {
	copy(m.b[off:], p)
	return len(p), nil
}
func (m *memPDF) ReadAt(p []byte, off int64) (int, error) { return bytes.NewReader(m.b).ReadAt(p, off) }
