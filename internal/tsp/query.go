// This file holds the time-stamp request (TimeStampReq, RFC 3161 §2.4.1).

package tsp

import (
	"crypto"
	"crypto/rand"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"

	"github.com/tamgasign/tamga/internal/cms"
	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Query is a TimeStampReq.
type Query struct {
	HashAlgorithm crypto.Hash // SHA-256, SHA-384 or SHA-512
	HashedMessage []byte
	// Policy is the requested TSA policy, or nil for the TSA's default.
	Policy asn1.ObjectIdentifier
	// Nonce, when not nil, must come back in the token (replay
	// protection). NewQuery sets a random 128-bit one.
	Nonce   *big.Int
	CertReq bool // ask the TSA to include its certificate
	// Extensions are the request extensions as parsed; Marshal does not
	// write any.
	Extensions []pkix.Extension
}

// NewQuery returns a query for digest under hash with a random 128-bit
// nonce and certReq set.
func NewQuery(hash crypto.Hash, digest []byte) (*Query, error) {
	if err := checkHash(hash, digest, "messageImprint"); err != nil {
		return nil, err
	}
	nonce, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("tsp: nonce: %w", err)
	}
	return &Query{HashAlgorithm: hash, HashedMessage: append([]byte(nil), digest...), Nonce: nonce, CertReq: true}, nil
}

// checkHash accepts the hashes the package uses for imprints.
func checkHash(h crypto.Hash, digest []byte, field string) error {
	if h != crypto.SHA256 && h != crypto.SHA384 && h != crypto.SHA512 {
		return &cms.Error{Field: field, Err: cms.ErrUnsupportedAlgorithm, Detail: fmt.Sprintf("hash %v is not accepted; use SHA-256, SHA-384 or SHA-512", h)}
	}
	if len(digest) != h.Size() {
		return malformed(field, "%v digest has %d bytes, want %d", h, len(digest), h.Size())
	}
	return nil
}

// Marshal returns the DER encoding of the query.
func (q *Query) Marshal() ([]byte, error) {
	mi, err := encodeMessageImprint(q.HashAlgorithm, q.HashedMessage)
	if err != nil {
		return nil, err
	}
	parts := [][]byte{{2, 1, 1}, mi}
	if q.Policy != nil {
		p, err := encodeOID(q.Policy)
		if err != nil {
			return nil, err
		}
		parts = append(parts, p)
	}
	if q.Nonce != nil {
		parts = append(parts, encodeInt(q.Nonce))
	}
	if q.CertReq {
		parts = append(parts, []byte{1, 1, 0xff})
	}
	return tlv(0x30, parts...), nil
}

// ParseQuery parses a DER TimeStampReq. A hash algorithm other than
// SHA-256, SHA-384 and SHA-512 is ErrUnsupportedAlgorithm (a TSA answers
// badAlg); anything else wrong is ErrMalformed (badDataFormat).
func ParseQuery(der []byte) (*Query, error) {
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	var version int64
	if !s.ReadASN1(&seq, casn1.SEQUENCE) || !s.Empty() {
		return nil, malformed("timeStampReq", "not a DER SEQUENCE")
	}
	if !seq.ReadASN1Integer(&version) || version != 1 {
		return nil, malformed("timeStampReq.version", "not version 1")
	}
	ai, h, digest, err := readMessageImprint(&seq, "timeStampReq.messageImprint")
	if err != nil {
		return nil, err
	}
	if h == 0 {
		return nil, &cms.Error{Field: "timeStampReq.messageImprint", Err: cms.ErrUnsupportedAlgorithm, Detail: fmt.Sprintf("hash algorithm %s is not supported", ai.Algorithm)}
	}
	if err := checkHash(h, digest, "timeStampReq.messageImprint"); err != nil {
		return nil, err
	}
	q := &Query{HashAlgorithm: h, HashedMessage: digest}
	if seq.PeekASN1Tag(casn1.OBJECT_IDENTIFIER) {
		q.Policy = asn1.ObjectIdentifier{}
		if !seq.ReadASN1ObjectIdentifier(&q.Policy) {
			return nil, malformed("timeStampReq.reqPolicy", "bad OBJECT IDENTIFIER")
		}
	}
	if seq.PeekASN1Tag(casn1.INTEGER) {
		q.Nonce = new(big.Int)
		if !seq.ReadASN1Integer(q.Nonce) {
			return nil, malformed("timeStampReq.nonce", "bad INTEGER")
		}
	}
	if seq.PeekASN1Tag(casn1.BOOLEAN) {
		// DER omits a DEFAULT FALSE, but requesters write it; accept both.
		if !seq.ReadASN1Boolean(&q.CertReq) {
			return nil, malformed("timeStampReq.certReq", "bad BOOLEAN")
		}
	}
	if seq.PeekASN1Tag(casn1.Tag(0xa0)) {
		exts, err := readExtensions(&seq, casn1.Tag(0xa0), "timeStampReq.extensions")
		if err != nil {
			return nil, err
		}
		q.Extensions = exts
	}
	if !seq.Empty() {
		return nil, malformed("timeStampReq", "unexpected data after the last field")
	}
	return q, nil
}

// readExtensions reads an [n] IMPLICIT Extensions field.
func readExtensions(s *cryptobyte.String, tag casn1.Tag, field string) ([]pkix.Extension, error) {
	var exts cryptobyte.String
	if !s.ReadASN1(&exts, tag) {
		return nil, malformed(field, "bad encoding")
	}
	var out []pkix.Extension
	for !exts.Empty() {
		var ext, value cryptobyte.String
		var e pkix.Extension
		if !exts.ReadASN1(&ext, casn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&e.Id) ||
			!ext.ReadOptionalASN1Boolean(&e.Critical, casn1.BOOLEAN, false) ||
			!ext.ReadASN1(&value, casn1.OCTET_STRING) || !ext.Empty() {
			return nil, malformed(field, "bad Extension")
		}
		e.Value = value
		out = append(out, e)
	}
	if len(out) == 0 {
		return nil, malformed(field, "present but empty")
	}
	return out, nil
}
