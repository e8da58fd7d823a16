package cades

import (
	"bytes"
	"context"
	"crypto"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/tamgasign/tamga/internal/cms"
	"github.com/tamgasign/tamga/internal/testpki"
)

func signedData(t testing.TB) *cms.SignedData {
	t.Helper()
	p := testpki.NewTest(t)
	d := sha256.Sum256([]byte("content"))
	crl, err := p.CRL(p.Root.Cert)
	if err != nil {
		t.Fatal(err)
	}
	sd, err := cms.Sign(context.Background(), p.Executor.Key, p.Executor.Cert, d[:], &cms.SignOptions{Certificates: p.Executor.Chain, CRLs: [][]byte{crl}})
	if err != nil {
		t.Fatal(err)
	}
	if err := sd.AddUnsignedAttribute(0, []int{1, 2, 3}, []byte{0x05, 0x00}); err != nil {
		t.Fatal(err)
	}
	der, err := sd.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	if sd, err = cms.Parse(der); err != nil {
		t.Fatal(err)
	}
	return sd
}

func TestIndexRoundTrip(t *testing.T) {
	sd := signedData(t)
	si := sd.SignerInfos[0]
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA384, crypto.SHA512} {
		der, err := BuildIndex(sd, si, h)
		if err != nil {
			t.Fatal(err)
		}
		ix, err := ParseIndex(der, false)
		if err != nil {
			t.Fatalf("%v: %v", h, err)
		}
		if ix.Hash != h || len(ix.Certificates) != len(sd.RawCertificates) || len(ix.CRLs) != 1 || len(ix.Attributes) != 1 {
			t.Fatalf("%v: index %+v", h, ix)
		}
		if err := ix.Check(sd, si); err != nil {
			t.Fatalf("%v: %v", h, err)
		}
		// An element the index lists that the signature no longer holds.
		ix.CRLs[0] = bytes.Repeat([]byte{1}, h.Size())
		if err := ix.Check(sd, si); !errors.Is(err, ErrIndexMismatch) {
			t.Fatalf("%v: changed element: %v", h, err)
		}
	}
}

func TestParseIndexMalformed(t *testing.T) {
	for _, in := range [][]byte{nil, {0x30}, {0x30, 0x00}, {0x30, 0x02, 0x30, 0x00}, {0x31, 0x00}, {0x30, 0x06, 0x30, 0x00, 0x30, 0x00, 0x30, 0x00, 0x00}} {
		if _, err := ParseIndex(in, false); !errors.Is(err, cms.ErrMalformed) {
			t.Errorf("%x: %v", in, err)
		}
	}
}

func FuzzParseIndex(f *testing.F) {
	sd := signedData(f)
	for _, h := range []crypto.Hash{crypto.SHA256, crypto.SHA512} {
		der, err := BuildIndex(sd, sd.SignerInfos[0], h)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		ix, err := ParseIndex(in, false)
		if err != nil {
			return
		}
		_ = ix.Check(sd, sd.SignerInfos[0])
	})
}
