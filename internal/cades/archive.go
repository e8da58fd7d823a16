// Package cades holds the CAdES rules that both the signer and the
// verifier apply, so that the two cannot drift apart: today the
// archive-time-stamp-v3 of CAdES-B-LTA (ETSI EN 319 122-1 §5.5.2 and
// §5.5.3).
//
// An archive time-stamp covers the signed content, the SignerInfo up to
// its signature, and an index of hashes (ATSHashIndexV3) of every
// certificate, revocation value and unsigned attribute the signature held
// when it was time-stamped. The index, not the elements themselves, is
// time-stamped, so that later additions (a newer archive time-stamp, fresh
// revocation data) do not break earlier time-stamps, while changing or
// removing an indexed element does.
package cades

import (
	"bytes"
	"crypto"
	"encoding/asn1"
	"errors"
	"fmt"

	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"

	"github.com/tamgasign/tamga/internal/cms"
)

// OIDs of CAdES-B-LTA.
var (
	// OIDArchiveTimeStampV3 is id-aa-ets-archiveTimestampV3, the unsigned
	// attribute holding an archive time-stamp token.
	OIDArchiveTimeStampV3 = asn1.ObjectIdentifier{0, 4, 0, 1733, 2, 4}
	// OIDATSHashIndexV3 is id-aa-ATSHashIndex-v3, the unsigned attribute of
	// the archive time-stamp token's own SignerInfo holding the index.
	OIDATSHashIndexV3 = asn1.ObjectIdentifier{0, 4, 0, 19122, 1, 5}
	// OIDATSHashIndex is the index of ETSI TS 101 733 (before EN 319 122),
	// still found in archived signatures: it hashes each unsigned attribute
	// whole rather than each value. tamga reads it and writes v3.
	OIDATSHashIndex = asn1.ObjectIdentifier{0, 4, 0, 1733, 2, 5}
)

// ErrIndexMismatch means an ATSHashIndexV3 lists an element the signature
// no longer holds: something covered by the archive time-stamp was changed
// or removed.
var ErrIndexMismatch = errors.New("cades: the archive time-stamp's hash index lists an element the signature no longer holds")

// Index is a parsed ATSHashIndexV3 (or the older ATSHashIndex).
type Index struct {
	// V1 marks the TS 101 733 ATSHashIndex.
	V1           bool
	Hash         crypto.Hash
	Certificates [][]byte
	CRLs         [][]byte
	Attributes   [][]byte
}

// elements returns what an index covers in sd's signer si, hashed with h:
// each CertificateChoices and RevocationInfoChoice as encoded, and each
// unsigned attribute value as the hash of its type's and the value's
// encodings (v1: each whole attribute).
func elements(sd *cms.SignedData, si *cms.SignerInfo, h crypto.Hash, v1 bool) (certs, crls, attrs [][]byte, err error) {
	sum := func(parts ...[]byte) []byte {
		hh := h.New()
		for _, p := range parts {
			hh.Write(p)
		}
		return hh.Sum(nil)
	}
	for _, c := range sd.RawCertificates {
		certs = append(certs, sum(c))
	}
	for _, r := range sd.RawRevocationInfo {
		crls = append(crls, sum(r))
	}
	for _, a := range si.UnsignedAttrs {
		if v1 {
			attrs = append(attrs, sum(a.Raw))
			continue
		}
		typ, err := asn1.Marshal(a.Type)
		if err != nil {
			return nil, nil, nil, err
		}
		for _, v := range a.Values {
			attrs = append(attrs, sum(typ, v))
		}
	}
	return certs, crls, attrs, nil
}

// BuildIndex returns the DER ATSHashIndexV3 of signer si as the signature
// stands now, hashed with h (the hash of the archive time-stamp's imprint).
func BuildIndex(sd *cms.SignedData, si *cms.SignerInfo, h crypto.Hash) ([]byte, error) {
	certs, crls, attrs, err := elements(sd, si, h, false)
	if err != nil {
		return nil, err
	}
	var b cryptobyte.Builder
	b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
		if h != crypto.SHA256 { // DEFAULT id-sha256 is omitted, as DER requires
			oid, ok := cms.OIDForHash(h)
			if !ok {
				b.SetError(fmt.Errorf("cades: unsupported index hash %v", h))
				return
			}
			b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oid) })
		}
		for _, list := range [][][]byte{certs, crls, attrs} {
			b.AddASN1(casn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, d := range list {
					b.AddASN1OctetString(d)
				}
			})
		}
	})
	return b.Bytes()
}

// ParseIndex parses a DER ATSHashIndexV3, or with v1 an ATSHashIndex (the
// same syntax).
func ParseIndex(der []byte, v1 bool) (*Index, error) {
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, casn1.SEQUENCE) || !in.Empty() {
		return nil, fmt.Errorf("%w: ATSHashIndexV3 is not a SEQUENCE", cms.ErrMalformed)
	}
	ix := &Index{V1: v1, Hash: crypto.SHA256}
	// The first element is the hash algorithm when present (an
	// AlgorithmIdentifier, which starts with an OID), else the first list.
	probe := seq
	var first cryptobyte.String
	if probe.ReadASN1(&first, casn1.SEQUENCE) && first.PeekASN1Tag(casn1.OBJECT_IDENTIFIER) {
		var oid asn1.ObjectIdentifier
		if !first.ReadASN1ObjectIdentifier(&oid) {
			return nil, fmt.Errorf("%w: ATSHashIndexV3.hashIndAlgorithm", cms.ErrMalformed)
		}
		h, ok := cms.HashForOID(oid)
		if !ok || !h.Available() {
			return nil, fmt.Errorf("%w: ATSHashIndexV3 hash %v", cms.ErrUnsupportedAlgorithm, oid)
		}
		ix.Hash, seq = h, probe
	}
	for _, list := range []*[][]byte{&ix.Certificates, &ix.CRLs, &ix.Attributes} {
		var l cryptobyte.String
		if !seq.ReadASN1(&l, casn1.SEQUENCE) {
			return nil, fmt.Errorf("%w: ATSHashIndexV3 lacks a hash list", cms.ErrMalformed)
		}
		for !l.Empty() {
			var d []byte
			if !l.ReadASN1Bytes(&d, casn1.OCTET_STRING) || len(d) != ix.Hash.Size() {
				return nil, fmt.Errorf("%w: ATSHashIndexV3 holds a malformed hash", cms.ErrMalformed)
			}
			*list = append(*list, d)
		}
	}
	if !seq.Empty() {
		return nil, fmt.Errorf("%w: trailing data in ATSHashIndexV3", cms.ErrMalformed)
	}
	return ix, nil
}

// Check reports whether every element the index lists is still in the
// signature; elements added after the time-stamp are allowed.
func (ix *Index) Check(sd *cms.SignedData, si *cms.SignerInfo) error {
	certs, crls, attrs, err := elements(sd, si, ix.Hash, ix.V1)
	if err != nil {
		return err
	}
	for _, p := range []struct {
		name        string
		listed, now [][]byte
	}{{"certificate", ix.Certificates, certs}, {"revocation value", ix.CRLs, crls}, {"unsigned attribute", ix.Attributes, attrs}} {
		remaining := append([][]byte(nil), p.now...)
		for _, d := range p.listed {
			found := false
			for i, n := range remaining {
				if bytes.Equal(n, d) {
					remaining = append(remaining[:i], remaining[i+1:]...)
					found = true
					break
				}
			}
			if !found {
				return fmt.Errorf("%w (a %s)", ErrIndexMismatch, p.name)
			}
		}
	}
	return nil
}

// ImprintInput returns the data whose hash an archive-time-stamp-v3 of
// signer si stamps: the eContentType, the hash of the signed content (with
// the time-stamp's hash), the SignerInfo's fields from version to signature,
// and the index, each as encoded.
func ImprintInput(sd *cms.SignedData, si *cms.SignerInfo, contentDigest, index []byte) ([]byte, error) {
	ct, err := asn1.Marshal(sd.ContentType)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	buf.Write(ct)
	buf.Write(contentDigest)
	buf.Write(si.RawWithoutUnsignedAttrs())
	buf.Write(index)
	return buf.Bytes(), nil
}
