package seal

// This file holds sealing: checking a document's fields, building the seal
// and signing it with a crypto.Signer, and the raw r||s form of ECDSA
// signatures.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"math/big"
	"time"

	"golang.org/x/crypto/cryptobyte"
	"golang.org/x/crypto/cryptobyte/asn1"

	"github.com/tamgasign/tamga/internal/canon"
)

// sealContext and listContext are prepended to the signed bytes (they are
// not transmitted): a signature made for a seal can never pass as one over
// a trust list, or over anything else the same key signs.
const (
	sealContext = "tamga seal\x00"
	listContext = "tamga seal trust list\x00"
)

// MaxDataSize is the largest document data (JSON) DataDigest accepts.
const MaxDataSize = 1 << 20

// Document is what an executor seals: the fields printed on the result
// document and its full data.
type Document struct {
	IssuerID   string    // agency code: 1-16 of A-Z 0-9 '-'
	DocType    uint16    // document type code from the issuer's register
	Number     string    // document number: 1-32 digits
	IssueDate  time.Time // its calendar date (in its own location) is sealed
	ExpiryDate time.Time // last valid day; zero if the document does not expire
	HolderName string    // as printed; Sign normalises it (see NormalizeName)
	Data       []byte    // the document's data, a JSON object
}

// DataDigest returns the SHA-256 of the RFC 8785 canonical form of data,
// which must be a JSON object of at most MaxDataSize bytes. The error
// wraps ErrInvalidDocument.
func DataDigest(data []byte) ([32]byte, error) {
	if len(data) > MaxDataSize {
		return [32]byte{}, invalidDoc("data", fmt.Sprintf("larger than %d bytes", MaxDataSize))
	}
	c, err := canon.Transform(data)
	if err != nil {
		return [32]byte{}, invalidDoc("data", err.Error())
	}
	if len(c) == 0 || c[0] != '{' {
		return [32]byte{}, invalidDoc("data", "must be a JSON object")
	}
	return sha256.Sum256(c), nil
}

// KeyIDOf returns the key id of a public key (*ecdsa.PublicKey on P-256 or
// ed25519.PublicKey): the first 8 bytes of the SHA-256 of its DER
// SubjectPublicKeyInfo. The key, not a certificate, is hashed so the id
// stays the same when the key's certificate is renewed and works for keys
// that have none; the trust list binds the key to its issuer.
func KeyIDOf(pub crypto.PublicKey) (KeyID, error) {
	if _, err := algorithmOf(pub); err != nil {
		return KeyID{}, err
	}
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return KeyID{}, fmt.Errorf("%w: %v", ErrUnsupportedKey, err)
	}
	h := sha256.Sum256(der)
	var id KeyID
	copy(id[:], h[:8])
	return id, nil
}

func algorithmOf(pub crypto.PublicKey) (Algorithm, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve != elliptic.P256() {
			return 0, ErrUnsupportedKey
		}
		return ECDSAP256, nil
	case ed25519.PublicKey:
		if len(k) != ed25519.PublicKeySize {
			return 0, ErrUnsupportedKey
		}
		return Ed25519, nil
	}
	return 0, ErrUnsupportedKey
}

// contextSigner is a signer that can be interrupted, such as a key on a
// PKCS#11 token (token.Signer). Sign and SignTrustList use SignContext when
// the signer has it; otherwise ctx is only checked before signing.
type contextSigner interface {
	SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

// Sign seals doc with signer (an ECDSA P-256 or Ed25519 key) and returns
// the seal's bytes. Put them in a QR code with EncodeURL.
func Sign(ctx context.Context, doc *Document, signer crypto.Signer) ([]byte, error) {
	s, err := newSeal(doc, signer.Public())
	if err != nil {
		return nil, err
	}
	tbs := s.marshalTBS()
	sig, err := signRaw(ctx, signer, s.Algorithm, sealContext, tbs)
	if err != nil {
		return nil, err
	}
	return append(tbs, sig...), nil
}

// newSeal checks the document's fields and fills a Seal without signature.
func newSeal(doc *Document, pub crypto.PublicKey) (*Seal, error) {
	alg, err := algorithmOf(pub)
	if err != nil {
		return nil, err
	}
	kid, err := KeyIDOf(pub)
	if err != nil {
		return nil, err
	}
	if !validIssuerID(doc.IssuerID) {
		return nil, invalidDoc("issuer id", "must be 1-16 characters A-Z 0-9 -")
	}
	if len(doc.Number) == 0 || len(doc.Number) > MaxNumberLen {
		return nil, invalidDoc("document number", fmt.Sprintf("must have 1-%d digits", MaxNumberLen))
	}
	for i := 0; i < len(doc.Number); i++ {
		if doc.Number[i] < '0' || doc.Number[i] > '9' {
			return nil, invalidDoc("document number", "must contain only digits 0-9")
		}
	}
	issue, ok := dayOf(doc.IssueDate)
	if !ok {
		return nil, invalidDoc("issue date", "must be between 2000-01-01 and 2179-06-06")
	}
	s := &Seal{
		Version:   Version,
		Algorithm: alg,
		KeyID:     kid,
		IssuerID:  doc.IssuerID,
		DocType:   doc.DocType,
		Number:    doc.Number,
		IssueDate: dateOf(issue),
	}
	if !doc.ExpiryDate.IsZero() {
		exp, ok := dayOf(doc.ExpiryDate)
		if !ok || exp < issue {
			return nil, invalidDoc("expiry date", "must be on or after the issue date and before 2179-06-07")
		}
		s.ExpiryDate = dateOf(exp)
	}
	if doc.HolderName != "" {
		s.HolderName = NormalizeName(doc.HolderName)
		if !validName(s.HolderName) {
			return nil, invalidDoc("holder name", fmt.Sprintf("must be printable text of at most %d bytes", MaxNameBytes))
		}
	}
	if s.DataDigest, err = DataDigest(doc.Data); err != nil {
		return nil, err
	}
	return s, nil
}

// signRaw signs context||msg and returns the 64-byte raw signature.
func signRaw(ctx context.Context, signer crypto.Signer, alg Algorithm, context string, msg []byte) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m := append([]byte(context), msg...)
	var in []byte
	var opts crypto.SignerOpts
	switch alg {
	case ECDSAP256:
		h := sha256.Sum256(m)
		in, opts = h[:], crypto.SHA256
	case Ed25519:
		in, opts = m, crypto.Hash(0)
	default:
		return nil, ErrUnsupportedKey
	}
	var sig []byte
	var err error
	if cs, ok := signer.(contextSigner); ok {
		sig, err = cs.SignContext(ctx, in, opts)
	} else {
		sig, err = signer.Sign(rand.Reader, in, opts)
	}
	if err != nil {
		return nil, fmt.Errorf("seal: signing failed: %w", err)
	}
	if alg == Ed25519 {
		if len(sig) != SignatureSize {
			return nil, fmt.Errorf("seal: signer returned a %d-byte Ed25519 signature", len(sig))
		}
		return sig, nil
	}
	raw, err := asn1ToRaw(sig)
	if err != nil {
		return nil, err
	}
	// Check before it is printed on paper: a token that signs with the
	// wrong key or returns garbage must not produce a seal.
	if !verifyRaw(signer.Public(), alg, context, msg, raw) {
		return nil, fmt.Errorf("seal: the signer's signature does not verify with its public key")
	}
	return raw, nil
}

// p256N is the order of the P-256 group.
var p256N = elliptic.P256().Params().N

var p256HalfN = new(big.Int).Rsh(p256N, 1)

// asn1ToRaw converts an ASN.1 ECDSA-Sig-Value to r||s (32 bytes each),
// with s replaced by n-s when it is in the upper half: (r, s) and (r, n-s)
// both verify, and allowing only one makes the seal's bytes unique.
func asn1ToRaw(der []byte) ([]byte, error) {
	var r, s big.Int
	in := cryptobyte.String(der)
	var seq cryptobyte.String
	if !in.ReadASN1(&seq, asn1.SEQUENCE) || !in.Empty() ||
		!seq.ReadASN1Integer(&r) || !seq.ReadASN1Integer(&s) || !seq.Empty() {
		return nil, fmt.Errorf("seal: the signer returned a malformed ECDSA signature")
	}
	if r.Sign() <= 0 || s.Sign() <= 0 || r.Cmp(p256N) >= 0 || s.Cmp(p256N) >= 0 {
		return nil, fmt.Errorf("seal: the signer returned an out-of-range ECDSA signature")
	}
	if s.Cmp(p256HalfN) > 0 {
		s.Sub(p256N, &s)
	}
	raw := make([]byte, 64)
	r.FillBytes(raw[:32])
	s.FillBytes(raw[32:])
	return raw, nil
}

// rawToASN1 converts r||s back to ASN.1 for crypto/ecdsa. It rejects
// out-of-range values and a high s.
func rawToASN1(raw []byte) ([]byte, bool) {
	if len(raw) != 64 {
		return nil, false
	}
	r := new(big.Int).SetBytes(raw[:32])
	s := new(big.Int).SetBytes(raw[32:])
	if r.Sign() == 0 || s.Sign() == 0 || r.Cmp(p256N) >= 0 || s.Cmp(p256HalfN) > 0 {
		return nil, false
	}
	var b cryptobyte.Builder
	b.AddASN1(asn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r)
		b.AddASN1BigInt(s)
	})
	der, err := b.Bytes()
	return der, err == nil
}

// verifyRaw checks a raw signature over context||msg.
func verifyRaw(pub crypto.PublicKey, alg Algorithm, context string, msg, sig []byte) bool {
	m := append([]byte(context), msg...)
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if alg != ECDSAP256 || k.Curve != elliptic.P256() {
			return false
		}
		der, ok := rawToASN1(sig)
		if !ok {
			return false
		}
		h := sha256.Sum256(m)
		return ecdsa.VerifyASN1(k, h[:], der)
	case ed25519.PublicKey:
		if alg != Ed25519 || len(k) != ed25519.PublicKeySize || len(sig) != ed25519.SignatureSize {
			return false
		}
		return ed25519.Verify(k, m, sig)
	}
	return false
}
