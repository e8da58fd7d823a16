package seal

// Fuzz targets for the three parsers of untrusted input: seal bytes, seal
// URLs and trust lists.

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func FuzzParse(f *testing.F) {
	ec := newECDSA(f)
	ed := newEd25519(f)
	d := residenceDoc()
	s1, _ := Sign(context.Background(), d, ec)
	d.HolderName, d.ExpiryDate = "Aigul O'Neil", time.Time{}
	s2, _ := Sign(context.Background(), d, ed)
	d.HolderName = "Şükrü"
	s3, _ := Sign(context.Background(), d, ed)
	for _, s := range [][]byte{s1, s2, s3, {1}, {2}} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		s, err := Parse(b)
		if err != nil {
			if !errors.Is(err, ErrSealMalformed) && !errors.Is(err, ErrSealVersion) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// Round trip: a seal that parses re-encodes to exactly its bytes,
		// unless it carries non-critical fields (which are skipped).
		re := append(s.marshalTBS(), s.Signature...)
		if !bytes.Equal(re, b) && !hasExtension(b) {
			t.Fatalf("re-encoding differs:\n%x\n%x", b, re)
		}
	})
}

// hasExtension reports whether the message zone could hold a tag >= 0x80.
func hasExtension(b []byte) bool {
	for _, c := range b[:len(b)-SignatureSize] {
		if c >= 0x80 {
			return true
		}
	}
	return false
}

func FuzzParseURL(f *testing.F) {
	s, _ := Sign(context.Background(), residenceDoc(), newEd25519(f))
	u, _ := EncodeURL(checkHost, s)
	f.Add(u)
	f.Add(strings.ToLower(u))
	f.Add("HTTPS://X:1/S/AE")
	f.Add("https://a/s/====")
	f.Fuzz(func(t *testing.T, u string) {
		host, seal, err := ParseURL(u)
		if err != nil {
			if !errors.Is(err, ErrSealMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		again, err := EncodeURL(host, seal)
		if err != nil {
			t.Fatalf("parsed URL does not re-encode: %v", err)
		}
		if again != strings.ToUpper(u) {
			t.Fatalf("round trip: %q -> %q", u, again)
		}
	})
}

// FuzzTrustListPayload fuzzes the list parser behind the signature check
// (a fuzzer cannot forge the signature, so it would never get past it).
func FuzzTrustListPayload(f *testing.F) {
	op := newEd25519(f)
	payload, _, err := SignTrustList(context.Background(), &TrustList{Sequence: 3, Issued: listFrom, NextUpdate: listUntil,
		Keys: []TrustedKey{listed(f, "GRS", newECDSA(f).Public(), KeyActive), listed(f, "MVD", newEd25519(f).Public(), KeyRevoked)}}, op)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(payload)
	f.Add([]byte(`{"format":"tamga-seal-trust-list/1","issued":"2025-01-01T00:00:00Z","keys":[],"nextUpdate":"2025-02-01T00:00:00Z","sequence":0}`))
	f.Fuzz(func(t *testing.T, p []byte) {
		tl, err := parseTrustListPayload(p)
		if err != nil {
			if !errors.Is(err, ErrTrustListInvalid) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		// What parses can be signed and parsed again to the same list.
		payload2, sig, err := SignTrustList(context.Background(), tl, op)
		if err != nil {
			t.Fatalf("a parsed list does not re-sign: %v", err)
		}
		if !bytes.Equal(payload2, p) {
			t.Fatalf("round trip changed the payload:\n%s\n%s", p, payload2)
		}
		if _, err := ParseTrustList(payload2, sig, op.Public()); err != nil {
			t.Fatal(err)
		}
	})
}
