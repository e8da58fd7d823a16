// This file holds the RFC 3161 structures shared by queries, replies and
// tokens: MessageImprint, Status, FailureInfo, and DER helpers.

package tsp

import (
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"strings"

	"github.com/tamgasign/tamga/internal/cms"
	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// readMessageImprint reads a MessageImprint. An unknown hash algorithm is
// reported with hash 0; the length check against the hash is the
// caller's.
func readMessageImprint(s *cryptobyte.String, field string) (pkix.AlgorithmIdentifier, crypto.Hash, []byte, error) {
	var seq, alg, digest cryptobyte.String
	var ai pkix.AlgorithmIdentifier
	if !s.ReadASN1(&seq, casn1.SEQUENCE) || !seq.ReadASN1(&alg, casn1.SEQUENCE) ||
		!alg.ReadASN1ObjectIdentifier(&ai.Algorithm) {
		return ai, 0, nil, malformed(field, "not a MessageImprint")
	}
	if !alg.Empty() {
		var params cryptobyte.String
		if !alg.ReadAnyASN1Element(&params, nil) || !alg.Empty() {
			return ai, 0, nil, malformed(field, "bad hashAlgorithm parameters")
		}
		ai.Parameters = asn1.RawValue{FullBytes: params}
	}
	if !seq.ReadASN1(&digest, casn1.OCTET_STRING) || !seq.Empty() {
		return ai, 0, nil, malformed(field, "bad hashedMessage")
	}
	h, _ := cms.HashForOID(ai.Algorithm)
	// Only plain digest OIDs belong here, not signature OIDs.
	if oid, ok := cms.OIDForHash(h); !ok || !oid.Equal(ai.Algorithm) {
		h = 0
	}
	return ai, h, digest, nil
}

// Status is a PKIStatus (RFC 3161 §2.4.2).
type Status int

// The PKIStatus values.
const (
	Granted                Status = 0
	GrantedWithMods        Status = 1
	Rejection              Status = 2
	Waiting                Status = 3
	RevocationWarning      Status = 4
	RevocationNotification Status = 5
)

// String returns the RFC 3161 name of the status.
func (s Status) String() string {
	switch s {
	case Granted:
		return "granted"
	case GrantedWithMods:
		return "grantedWithMods"
	case Rejection:
		return "rejection"
	case Waiting:
		return "waiting"
	case RevocationWarning:
		return "revocationWarning"
	case RevocationNotification:
		return "revocationNotification"
	}
	return fmt.Sprintf("status %d", int(s))
}

// FailureInfo is a PKIFailureInfo bit set: bit n of the BIT STRING is
// 1<<n here.
type FailureInfo uint32

// The PKIFailureInfo bits RFC 3161 defines.
const (
	FailBadAlg              FailureInfo = 1 << 0  // unrecognized or unsupported algorithm
	FailBadRequest          FailureInfo = 1 << 2  // transaction not permitted or supported
	FailBadDataFormat       FailureInfo = 1 << 5  // the data submitted has the wrong format
	FailTimeNotAvailable    FailureInfo = 1 << 14 // the TSA's time source is not available
	FailUnacceptedPolicy    FailureInfo = 1 << 15 // the requested policy is not supported
	FailUnacceptedExtension FailureInfo = 1 << 16 // the requested extension is not supported
	FailAddInfoNotAvailable FailureInfo = 1 << 17 // the additional information requested is not available
	FailSystemFailure       FailureInfo = 1 << 25 // the request cannot be handled due to system failure
)

var failNames = []struct {
	bit  FailureInfo
	name string
}{
	{FailBadAlg, "badAlg"}, {FailBadRequest, "badRequest"}, {FailBadDataFormat, "badDataFormat"},
	{FailTimeNotAvailable, "timeNotAvailable"}, {FailUnacceptedPolicy, "unacceptedPolicy"},
	{FailUnacceptedExtension, "unacceptedExtension"}, {FailAddInfoNotAvailable, "addInfoNotAvailable"},
	{FailSystemFailure, "systemFailure"},
}

// String lists the RFC 3161 names of the bits set.
func (f FailureInfo) String() string {
	var names []string
	for _, n := range failNames {
		if f&n.bit != 0 {
			names = append(names, n.name)
			f &^= n.bit
		}
	}
	if f != 0 {
		names = append(names, fmt.Sprintf("0x%x", uint32(f)))
	}
	return strings.Join(names, ",")
}

// bitString encodes f as a DER named BIT STRING (trailing zero bits
// removed, X.690 §11.2.2).
func (f FailureInfo) bitString() []byte {
	if f == 0 {
		return []byte{3, 1, 0}
	}
	n := 32
	for f&(1<<(n-1)) == 0 {
		n--
	}
	nbytes := (n + 7) / 8
	content := make([]byte, 1+nbytes)
	content[0] = byte(nbytes*8 - n)
	for i := 0; i < n; i++ {
		if f&(1<<i) != 0 {
			content[1+i/8] |= 0x80 >> (i % 8)
		}
	}
	return tlv(0x03, content)
}

func parseFailureInfo(bs asn1.BitString) FailureInfo {
	var f FailureInfo
	for i := 0; i < bs.BitLength && i < 32; i++ {
		if bs.At(i) == 1 {
			f |= 1 << i
		}
	}
	return f
}

// tlv encodes a DER element whose contents are the concatenated parts.
func tlv(tag byte, parts ...[]byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(casn1.Tag(tag), func(c *cryptobyte.Builder) {
		for _, p := range parts {
			c.AddBytes(p)
		}
	})
	return b.BytesOrPanic()
}

func encodeOID(oid asn1.ObjectIdentifier) ([]byte, error) {
	b, err := asn1.Marshal(oid)
	if err != nil {
		return nil, fmt.Errorf("tsp: bad object identifier %v: %w", oid, err)
	}
	return b, nil
}

func encodeInt(n *big.Int) []byte {
	var b cryptobyte.Builder
	b.AddASN1BigInt(n)
	return b.BytesOrPanic()
}

// encodeMessageImprint encodes a MessageImprint with the hash algorithm's
// parameters absent (RFC 5754).
func encodeMessageImprint(h crypto.Hash, digest []byte) ([]byte, error) {
	oid, ok := cms.OIDForHash(h)
	if !ok {
		return nil, &cms.Error{Field: "messageImprint", Err: cms.ErrUnsupportedAlgorithm, Detail: fmt.Sprintf("no identifier for %v", h)}
	}
	o, _ := encodeOID(oid)
	return tlv(0x30, tlv(0x30, o), tlv(0x04, digest)), nil
}
