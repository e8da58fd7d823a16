// This file holds Sign's check of the signature it is about to return:
// when it verifies every signature, and when a check once per key is
// enough (see "Checking what the signer returned" in the package doc).

package cms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"runtime"
	"sync"
	"weak"

	"golang.org/x/crypto/cryptobyte"
)

// SoftwareSigner is implemented by a signer (such as a key read from a
// file, wrapped with its certificate) that signs with a Go standard
// library key held in memory. Sign then signs with that key directly and,
// instead of verifying every signature, checks the key against the
// certificate once (see the package documentation).
type SoftwareSigner interface {
	crypto.Signer
	// SoftwareKey returns the key that makes the signer's signatures: an
	// *ecdsa.PrivateKey or an *rsa.PrivateKey. Any other value, or nil (a
	// closed signer), makes Sign use the signer's own Sign method and
	// verify each signature.
	SoftwareKey() crypto.Signer
}

// softwareKey returns the Go key behind signer when Sign may rely on the
// once-per-key check for it, or nil.
func softwareKey(signer crypto.Signer) crypto.Signer {
	k := signer
	if s, ok := signer.(SoftwareSigner); ok {
		k = s.SoftwareKey()
	}
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		if k != nil {
			if b, err := k.Bytes(); err == nil && len(b) > 0 {
				return k
			}
		}
	case *rsa.PrivateKey:
		if k != nil && k.D != nil {
			return k
		}
	}
	return nil
}

// checkedKeys remembers the software keys whose pairwise check passed:
// weak pointer to the key -> fingerprint of the private value and of the
// certificate's public key it was checked against. Entries go when the key
// is collected, so a closed file signer's key is not kept alive here.
var checkedKeys sync.Map

type checkedKey struct {
	ec  weak.Pointer[ecdsa.PrivateKey]
	rsa weak.Pointer[rsa.PrivateKey]
}

// keyFingerprint binds a check to the private value and to the
// certificate's key, so that a key changed after its check, or used with
// another certificate of the same key, is checked again.
func keyFingerprint(key crypto.Signer, cert *x509.Certificate) [32]byte {
	h := sha256.New()
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		b, _ := k.Bytes() // checked by softwareKey
		h.Write(b)
	case *rsa.PrivateKey:
		h.Write(k.D.Bytes())
	}
	h.Write(cert.RawSubjectPublicKeyInfo)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// checkKeyOnce makes and verifies one signature with key under cert's
// public key the first time the pair is seen: the pairwise consistency
// test that proves the private key belongs to the certificate.
func checkKeyOnce(key crypto.Signer, cert *x509.Certificate, opts crypto.SignerOpts, alg []byte) error {
	var id checkedKey
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		id.ec = weak.Make(k)
	case *rsa.PrivateKey:
		id.rsa = weak.Make(k)
	}
	fp := keyFingerprint(key, cert)
	if v, ok := checkedKeys.Load(id); ok && v.([32]byte) == fp {
		return nil
	}
	h := opts.HashFunc()
	d := h.New()
	d.Write([]byte("tamga pairwise consistency test"))
	digest := d.Sum(nil)
	sig, err := key.Sign(rand.Reader, digest, opts)
	if err != nil {
		return fmt.Errorf("the key cannot sign (%w)", err)
	}
	if err := verifyOwn(cert, alg, h, digest, sig); err != nil {
		return err
	}
	if _, loaded := checkedKeys.Swap(id, fp); !loaded {
		switch k := key.(type) {
		case *ecdsa.PrivateKey:
			runtime.AddCleanup(k, func(id checkedKey) { checkedKeys.Delete(id) }, id)
		case *rsa.PrivateKey:
			runtime.AddCleanup(k, func(id checkedKey) { checkedKeys.Delete(id) }, id)
		}
	}
	return nil
}

// verifyOwn verifies sig, made under the DER signatureAlgorithm alg with
// hash, over digest (for Ed25519: over the message itself, passed as
// digest) with cert's public key. Errors wrap ErrSignatureInvalid when
// the signature does not verify.
func verifyOwn(cert *x509.Certificate, alg []byte, hash crypto.Hash, digest, sig []byte) error {
	var ai pkix.AlgorithmIdentifier
	s := cryptobyte.String(alg)
	if !readAlgorithm(&s, &ai) || !s.Empty() {
		return malformed("signatureAlgorithm", "not an AlgorithmIdentifier")
	}
	sa, err := parseSignatureAlgorithm(ai)
	if err != nil {
		return err
	}
	k, err := publicKey(cert, sa)
	if err != nil {
		return err
	}
	if sa.scheme == PureEd25519 {
		return k.verify(sa, 0, nil, digest, sig)
	}
	if sa.scheme == RSAPSS {
		hash = sa.hash
	}
	return k.verify(sa, hash, digest, nil, sig)
}

// weakKey is the cache identity of an ECDSA key (for tests).
func weakKey(k *ecdsa.PrivateKey) weak.Pointer[ecdsa.PrivateKey] { return weak.Make(k) }
