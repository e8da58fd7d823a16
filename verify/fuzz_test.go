package verify_test

import (
	"bytes"
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/verify"
)

// FuzzCMS feeds arbitrary bytes through the whole validation: parsing,
// digest and signature checks, chain building and report. It must never
// panic, and must never pass anything but a genuine signature over the
// content: the fuzzer cannot forge the test PKI's signature, so every
// TOTAL_PASSED must come from an input that still carries the seed's
// signature bytes unchanged.
func FuzzCMS(f *testing.F) {
	p := testpki.NewTest(f)
	ocsp, err := p.OCSPResponse(p.Executor.Cert, nil)
	if err != nil {
		f.Fatal(err)
	}
	rootCRL, err := p.CRL(p.Root.Cert)
	if err != nil {
		f.Fatal(err)
	}
	sig := signBBWith(f, p.Executor, content, ocsp, rootCRL)
	f.Add(sig)
	f.Add(sig[:len(sig)/2])
	f.Add([]byte{0x30, 0x80, 0x00, 0x00})
	f.Add([]byte{})
	policy := &verify.Policy{Roots: p.Roots(), Now: func() time.Time { return p.Now() }}

	f.Fuzz(func(t *testing.T, in []byte) {
		r, err := verify.CMS(context.Background(), in, bytes.NewReader(content), policy)
		if err != nil {
			if !errors.Is(err, verify.ErrMalformed) && !errors.Is(err, verify.ErrContentRequired) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if r.Indication == verify.TotalPassed {
			for _, s := range r.Signatures {
				if !s.Integrity {
					t.Fatalf("TOTAL_PASSED without integrity")
				}
			}
		}
	})
}
