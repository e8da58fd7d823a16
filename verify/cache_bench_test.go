package verify_test

import (
	"bytes"
	"context"
	"runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/tamgasign/tamga/internal/pdftest"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

// BenchmarkPDFCache validates a ~100 KB PAdES-B-LT PDF offline without
// and with a warm Cache: what the cache saves per document of an
// executor and time-stamp authority already seen.
func BenchmarkPDFCache(b *testing.B) {
	srv := testpki.NewTestServer(b)
	tsaURL, err := srv.ServeTSA()
	if err != nil {
		b.Fatal(err)
	}
	p := srv.PKI
	in := pdftest.OnePage(strings.Repeat("tamga ", 10_000))
	out := &memPDF{}
	if err := sign.PAdES(context.Background(), p.Executor.Signer(), bytes.NewReader(in), int64(len(in)), out,
		&sign.Options{Level: sign.LevelBLT, TSA: tsaURL, Roots: p.Roots()}, nil); err != nil {
		b.Fatal(err)
	}
	// Each document a signer makes embeds OCSP responses fetched when it
	// was signed; a document the verifier has not seen before finds only
	// the paths and the responder's certificate in the cache. firstSeen
	// signs b.N documents first, then validates each once.
	for _, cached := range []bool{false, true} {
		b.Run("firstSeen/cached="+strconv.FormatBool(cached), func(b *testing.B) {
			policy := &verify.Policy{Roots: p.Roots()}
			if cached {
				policy.Cache = verify.NewCache(1 << 16)
				if _, err := verify.PDF(context.Background(), bytes.NewReader(out.b), int64(len(out.b)), policy); err != nil {
					b.Fatal(err)
				}
			}
			opts := &sign.Options{Level: sign.LevelBLT, TSA: tsaURL, Roots: p.Roots()}
			docs := make([][]byte, b.N)
			for i := range docs {
				doc := &memPDF{}
				in := pdftest.OnePage(strings.Repeat("tamga ", 10_000) + strconv.Itoa(i))
				if err := sign.PAdES(context.Background(), p.Executor.Signer(), bytes.NewReader(in), int64(len(in)), doc, opts, nil); err != nil {
					b.Fatal(err)
				}
				docs[i] = doc.b
			}
			b.SetBytes(int64(len(out.b)))
			runtime.GC()
			b.ResetTimer()
			for _, doc := range docs {
				r, err := verify.PDF(context.Background(), bytes.NewReader(doc), int64(len(doc)), policy)
				if err != nil || r.Indication != verify.TotalPassed {
					b.Fatal(err, r.Indication)
				}
			}
		})
	}
	for _, bc := range []struct {
		name  string
		cache *verify.Cache
	}{{"uncached", nil}, {"cached", verify.NewCache(1000)}} {
		b.Run(bc.name, func(b *testing.B) {
			policy := &verify.Policy{Roots: p.Roots(), Cache: bc.cache}
			b.SetBytes(int64(len(out.b)))
			b.ReportAllocs()
			for b.Loop() {
				r, err := verify.PDF(context.Background(), bytes.NewReader(out.b), int64(len(out.b)), policy)
				if err != nil || r.Indication != verify.TotalPassed {
					b.Fatal(err, r.Indication)
				}
			}
		})
	}
}
