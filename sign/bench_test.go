package sign_test

import (
	"context"
	"crypto/sha256"
	"io"
	"testing"

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
	k := key{p.Executor}
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
	k := key{p.Executor}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := sign.CAdES(context.Background(), k, io.LimitReader(zeros{}, 4096), nil); err != nil {
			b.Fatal(err)
		}
	}
}
