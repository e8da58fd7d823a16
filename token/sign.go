// This file holds what every Signer shares when it signs: the checks of
// the digest and signer options, the RSA DigestInfo prefixes, the ECDSA
// signature conversion, and the check of each new signature against the
// certificate.

package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// minRSABits is the smallest RSA key accepted for signing: shorter keys
// are not acceptable for qualified signatures.
const minRSABits = 2048

// maxRSABits bounds the RSA modulus read from a token or file.
const maxRSABits = 16384

// sigSpec is a checked signing request.
type sigSpec struct {
	hash    crypto.Hash
	pss     bool
	saltLen int // PSS salt length in bytes, resolved
}

// digestInfoPrefix is the DER of DigestInfo up to the digest (RFC 8017,
// section 9.2, note 1), which CKM_RSA_PKCS expects in front of it.
var digestInfoPrefix = map[crypto.Hash][]byte{
	crypto.SHA224: {0x30, 0x2d, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x04, 0x05, 0x00, 0x04, 0x1c},
	crypto.SHA256: {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x01, 0x05, 0x00, 0x04, 0x20},
	crypto.SHA384: {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x02, 0x05, 0x00, 0x04, 0x30},
	crypto.SHA512: {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60, 0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02, 0x03, 0x05, 0x00, 0x04, 0x40},
}

// checkRequest validates a Sign call for the key pub and resolves the PSS
// salt length: rsa.PSSSaltLengthAuto and PSSSaltLengthEqualsHash both mean
// the hash length, which is what tokens support and CAdES/PAdES profiles
// expect (a verifier using "auto" accepts it).
func checkRequest(pub crypto.PublicKey, digest []byte, opts crypto.SignerOpts) (sigSpec, error) {
	if opts == nil {
		return sigSpec{}, fmt.Errorf("%w: no signer options; pass the hash used for the digest, e.g. crypto.SHA256", ErrUnsupported)
	}
	h := opts.HashFunc()
	if _, ok := digestInfoPrefix[h]; !ok {
		if h == 0 {
			return sigSpec{}, fmt.Errorf("%w: signing without a hash is not supported; hash the data and pass the hash in the options", ErrUnsupported)
		}
		return sigSpec{}, fmt.Errorf("%w: hash %v; use SHA-256, SHA-384 or SHA-512", ErrUnsupported, h)
	}
	if len(digest) != h.Size() {
		return sigSpec{}, fmt.Errorf("%w: the digest is %d bytes but %v digests are %d; pass the hash of the data, not the data", ErrBadDigest, len(digest), h, h.Size())
	}
	spec := sigSpec{hash: h}
	pssOpts, isPSS := opts.(*rsa.PSSOptions)
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if !isPSS {
			return spec, nil
		}
		spec.pss = true
		switch s := pssOpts.SaltLength; {
		case s == rsa.PSSSaltLengthAuto || s == rsa.PSSSaltLengthEqualsHash:
			spec.saltLen = h.Size()
		case s < 0:
			return sigSpec{}, fmt.Errorf("%w: PSS salt length %d", ErrUnsupported, s)
		default:
			spec.saltLen = s
		}
		emLen := (pub.N.BitLen() - 1 + 7) / 8
		if spec.saltLen > emLen-h.Size()-2 {
			return sigSpec{}, fmt.Errorf("%w: a PSS salt of %d bytes does not fit a %d-bit key with %v", ErrUnsupported, spec.saltLen, pub.N.BitLen(), h)
		}
	case *ecdsa.PublicKey:
		if isPSS {
			return sigSpec{}, fmt.Errorf("%w: RSA-PSS options given for an ECDSA key", ErrUnsupported)
		}
	default:
		return sigSpec{}, fmt.Errorf("%w: key type %T", ErrUnsupported, pub)
	}
	return spec, nil
}

// verifySignature checks a signature just made against the certificate's
// public key. It costs microseconds next to a token's milliseconds and
// catches a certificate that belongs to another key and faulty tokens
// before a signature that can never validate leaves this package.
func verifySignature(pub crypto.PublicKey, spec sigSpec, digest, sig []byte) error {
	var err error
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		if spec.pss {
			err = rsa.VerifyPSS(pub, spec.hash, digest, sig, &rsa.PSSOptions{SaltLength: spec.saltLen, Hash: spec.hash})
		} else {
			err = rsa.VerifyPKCS1v15(pub, spec.hash, digest, sig)
		}
	case *ecdsa.PublicKey:
		if !ecdsa.VerifyASN1(pub, digest, sig) {
			err = fmt.Errorf("ECDSA verification failed")
		}
	default:
		err = fmt.Errorf("key type %T", pub)
	}
	if err != nil {
		return fmt.Errorf("%w: a signature just made does not verify with the certificate's public key, so it was discarded; "+
			"the certificate may belong to another key, or the token is faulty", ErrKeyMismatch)
	}
	return nil
}

// checkPublicKey accepts the key types and sizes this package signs with.
func checkPublicKey(pub crypto.PublicKey) error {
	switch pub := pub.(type) {
	case *rsa.PublicKey:
		bits := pub.N.BitLen()
		if bits < minRSABits {
			return fmt.Errorf("%w: the RSA key has %d bits; qualified signatures need at least %d", ErrUnsupported, bits, minRSABits)
		}
		if bits > maxRSABits {
			return fmt.Errorf("%w: the RSA key has %d bits; at most %d are supported", ErrUnsupported, bits, maxRSABits)
		}
		return nil
	case *ecdsa.PublicKey:
		switch pub.Curve {
		case elliptic.P256(), elliptic.P384(), elliptic.P521():
			return nil
		}
		return fmt.Errorf("%w: elliptic curve %s; use P-256, P-384 or P-521", ErrUnsupported, pub.Curve.Params().Name)
	}
	return fmt.Errorf("%w: key type %T; use RSA or ECDSA", ErrUnsupported, pub)
}

// ecdsaRawToASN1 converts the r||s signature of CKM_ECDSA to the ASN.1
// Ecdsa-Sig-Value that crypto.Signer returns.
func ecdsaRawToASN1(raw []byte, curve elliptic.Curve) ([]byte, error) {
	n := (curve.Params().BitSize + 7) / 8
	if len(raw) != 2*n {
		return nil, fmt.Errorf("token: the token returned an ECDSA signature of %d bytes, want %d", len(raw), 2*n)
	}
	r := new(big.Int).SetBytes(raw[:n])
	s := new(big.Int).SetBytes(raw[n:])
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(r)
		b.AddASN1BigInt(s)
	})
	return b.Bytes()
}
