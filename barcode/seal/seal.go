package seal

// This file holds the seal's binary format: the fields, their encoding and
// the strict parser. SEAL.md has the byte layout as a table.

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"strconv"
	"time"
)

// Version is the seal format version this package writes and reads.
const Version = 1

// Algorithm is a seal signature algorithm.
type Algorithm byte

// Signature algorithms. Both give 64-byte signatures.
const (
	// ECDSAP256 is ECDSA on NIST P-256 with SHA-256, signature r||s with
	// each half 32 bytes big-endian, s in the lower half of the group order.
	ECDSAP256 Algorithm = 1
	// Ed25519 is pure Ed25519 (RFC 8032).
	Ed25519 Algorithm = 2
)

func (a Algorithm) String() string {
	switch a {
	case ECDSAP256:
		return "ES256"
	case Ed25519:
		return "Ed25519"
	}
	return "Algorithm(" + strconv.Itoa(int(a)) + ")"
}

// SignatureSize is the size of a seal signature for both algorithms.
const SignatureSize = 64

// KeyID names a seal key: the first 8 bytes of the SHA-256 of the public
// key's DER SubjectPublicKeyInfo (see KeyIDOf).
type KeyID [8]byte

func (k KeyID) String() string { return hex.EncodeToString(k[:]) }

// Limits on seal fields.
const (
	MaxIssuerIDLen = 16 // characters A-Z 0-9 '-'
	MaxNumberLen   = 32 // digits of the document number
	maxSealSize    = 512
)

// TLV tags of the message zone. Tags below 0x80 are critical: a verifier
// that does not know one rejects the seal. Tags 0x80 and above can be
// ignored by verifiers that do not know them (they are still signed).
const (
	tagNumber     = 0x01
	tagHolderName = 0x02
	tagExpiry     = 0x03
	tagDataDigest = 0x04
)

// epoch is day 0 of seal dates, as in France's 2D-Doc.
var epoch = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)

// Seal is a decoded seal. Parse fills it from bytes without checking the
// signature; Verify checks it.
type Seal struct {
	Version   int
	Algorithm Algorithm
	KeyID     KeyID
	IssuerID  string // the issuing agency's code
	DocType   uint16 // the document type's code, from the issuer's register

	Number     string    // the document number (digits)
	IssueDate  time.Time // UTC midnight of the issue date
	ExpiryDate time.Time // UTC midnight of the last valid day; zero if none
	HolderName string    // normalised (see NormalizeName); empty if none
	DataDigest [32]byte  // SHA-256 of the document data in JCS form

	Signature []byte

	// tbs is the signed part of the encoding: everything before the
	// signature.
	tbs []byte
}

// dayOf converts a date to days since the epoch.
func dayOf(t time.Time) (uint16, bool) {
	y, m, d := t.Date()
	days := time.Date(y, m, d, 0, 0, 0, 0, time.UTC).Sub(epoch).Hours() / 24
	if days < 0 || days > 0xffff {
		return 0, false
	}
	return uint16(days), true
}

func dateOf(days uint16) time.Time { return epoch.AddDate(0, 0, int(days)) }

// marshalTBS encodes everything but the signature.
func (s *Seal) marshalTBS() []byte {
	b := make([]byte, 0, 160)
	b = append(b, byte(s.Version), byte(s.Algorithm))
	b = append(b, s.KeyID[:]...)
	b = append(b, byte(len(s.IssuerID)))
	b = append(b, s.IssuerID...)
	b = binary.BigEndian.AppendUint16(b, s.DocType)
	issue, _ := dayOf(s.IssueDate)
	b = binary.BigEndian.AppendUint16(b, issue)
	tlv := func(tag byte, v []byte) {
		b = append(b, tag, byte(len(v)))
		b = append(b, v...)
	}
	tlv(tagNumber, packDigits(s.Number))
	if s.HolderName != "" {
		tlv(tagHolderName, encodeName(s.HolderName))
	}
	if !s.ExpiryDate.IsZero() {
		exp, _ := dayOf(s.ExpiryDate)
		tlv(tagExpiry, binary.BigEndian.AppendUint16(nil, exp))
	}
	tlv(tagDataDigest, s.DataDigest[:])
	return b
}

// packDigits writes two digits per byte, high nibble first; an odd count
// ends with the nibble 0xF.
func packDigits(d string) []byte {
	out := make([]byte, (len(d)+1)/2)
	for i := range out {
		hi := d[2*i] - '0'
		lo := byte(0xf)
		if 2*i+1 < len(d) {
			lo = d[2*i+1] - '0'
		}
		out[i] = hi<<4 | lo
	}
	return out
}

func unpackDigits(v []byte) (string, error) {
	if len(v) == 0 || len(v) > MaxNumberLen/2 {
		return "", malformed("document number", "length out of range")
	}
	out := make([]byte, 0, 2*len(v))
	for i, x := range v {
		hi, lo := x>>4, x&0xf
		if hi > 9 {
			return "", malformed("document number", "not a digit")
		}
		out = append(out, '0'+hi)
		if lo == 0xf && i == len(v)-1 {
			break
		}
		if lo > 9 {
			return "", malformed("document number", "not a digit")
		}
		out = append(out, '0'+lo)
	}
	return string(out), nil
}

// Parse decodes a seal without verifying its signature. It is strict: every
// field must be present once, in order, in range and in its one canonical
// encoding, with nothing after the signature.
func Parse(b []byte) (*Seal, error) {
	if len(b) == 0 {
		return nil, malformed("seal", "empty")
	}
	if b[0] != Version {
		return nil, ErrSealVersion
	}
	if len(b) > maxSealSize {
		return nil, malformed("seal", "longer than "+strconv.Itoa(maxSealSize)+" bytes")
	}
	if len(b) < 11+SignatureSize {
		return nil, malformed("seal", "truncated")
	}
	s := &Seal{Version: int(b[0]), Algorithm: Algorithm(b[1])}
	if s.Algorithm != ECDSAP256 && s.Algorithm != Ed25519 {
		return nil, malformed("algorithm", "unknown algorithm "+strconv.Itoa(int(b[1])))
	}
	copy(s.KeyID[:], b[2:10])
	tbs := b[:len(b)-SignatureSize]
	s.Signature = append([]byte(nil), b[len(b)-SignatureSize:]...)
	s.tbs = append([]byte(nil), tbs...)
	r := reader{b: tbs, off: 10}

	n, ok := r.byte()
	if !ok || n == 0 || n > MaxIssuerIDLen {
		return nil, malformed("issuer id", "length out of range")
	}
	id, ok := r.take(int(n))
	if !ok || !validIssuerID(string(id)) {
		return nil, malformed("issuer id", "must be 1-16 characters A-Z 0-9 -")
	}
	s.IssuerID = string(id)
	dt, ok1 := r.uint16()
	issue, ok2 := r.uint16()
	if !ok1 || !ok2 {
		return nil, malformed("seal", "truncated header")
	}
	s.DocType, s.IssueDate = dt, dateOf(issue)

	// Message zone: tag, length, value; tags strictly increasing.
	last := -1
	seen := map[byte]bool{}
	for r.off < len(r.b) {
		tag, _ := r.byte()
		l, ok := r.byte()
		if !ok {
			return nil, malformed("seal", "truncated field")
		}
		v, ok := r.take(int(l))
		if !ok {
			return nil, malformed("seal", "field longer than the seal")
		}
		if int(tag) <= last {
			return nil, malformed("seal", "fields out of order or repeated")
		}
		last = int(tag)
		seen[tag] = true
		var err error
		switch tag {
		case tagNumber:
			s.Number, err = unpackDigits(v)
		case tagHolderName:
			s.HolderName, err = decodeName(v)
		case tagExpiry:
			if len(v) != 2 {
				return nil, malformed("expiry date", "must be 2 bytes")
			}
			exp := binary.BigEndian.Uint16(v)
			if exp < issue {
				return nil, malformed("expiry date", "before the issue date")
			}
			s.ExpiryDate = dateOf(exp)
		case tagDataDigest:
			if len(v) != sha256.Size {
				return nil, malformed("data digest", "must be 32 bytes")
			}
			copy(s.DataDigest[:], v)
		default:
			if tag < 0x80 {
				return nil, malformed("seal", "unknown critical field 0x"+hex.EncodeToString([]byte{tag})+"; update the verifier")
			}
		}
		if err != nil {
			return nil, err
		}
	}
	if !seen[tagNumber] {
		return nil, malformed("document number", "missing")
	}
	if !seen[tagDataDigest] {
		return nil, malformed("data digest", "missing")
	}
	return s, nil
}

func validIssuerID(s string) bool {
	if s == "" || len(s) > MaxIssuerIDLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// reader reads big-endian fields and reports running out instead of
// panicking.
type reader struct {
	b   []byte
	off int
}

func (r *reader) take(n int) ([]byte, bool) {
	if n < 0 || len(r.b)-r.off < n {
		return nil, false
	}
	v := r.b[r.off : r.off+n]
	r.off += n
	return v, true
}

func (r *reader) byte() (byte, bool) {
	v, ok := r.take(1)
	if !ok {
		return 0, false
	}
	return v[0], true
}

func (r *reader) uint16() (uint16, bool) {
	v, ok := r.take(2)
	if !ok {
		return 0, false
	}
	return binary.BigEndian.Uint16(v), true
}
