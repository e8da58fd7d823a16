// This file holds key algorithms, key generation and the per-process pool of
// RSA keys that Config.ReuseKeys draws from.

package testpki

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"fmt"
	"sync"
)

// KeyAlg names a key type and size.
type KeyAlg int

// The key algorithms a PKI can use. The zero KeyAlg means "the default":
// ECDSAP256 in a [Config], the PKI's algorithm in a [LeafSpec].
const (
	ECDSAP256 KeyAlg = iota + 1 // ECDSA on NIST P-256
	ECDSAP384                   // ECDSA on NIST P-384
	RSA2048                     // RSA, 2048-bit modulus
	RSA3072                     // RSA, 3072-bit modulus
	RSA1024                     // RSA, 1024-bit modulus: too weak, for policy tests only
)

// String returns the algorithm's name, such as "RSA-2048".
func (a KeyAlg) String() string {
	switch a {
	case ECDSAP256:
		return "ECDSA-P256"
	case ECDSAP384:
		return "ECDSA-P384"
	case RSA2048:
		return "RSA-2048"
	case RSA3072:
		return "RSA-3072"
	case RSA1024:
		return "RSA-1024"
	}
	return fmt.Sprintf("KeyAlg(%d)", int(a))
}

func (a KeyAlg) valid() bool { return a >= ECDSAP256 && a <= RSA1024 }

func (a KeyAlg) rsaBits() int {
	switch a {
	case RSA1024:
		return 1024
	case RSA2048:
		return 2048
	case RSA3072:
		return 3072
	}
	return 0
}

// generateKey makes a fresh key.
func generateKey(a KeyAlg) (crypto.Signer, error) {
	switch a {
	case ECDSAP256:
		return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case ECDSAP384:
		return ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	}
	if bits := a.rsaBits(); bits != 0 {
		return rsa.GenerateKey(rand.Reader, bits)
	}
	return nil, &FieldError{Field: "KeyAlg", Problem: fmt.Sprintf("%v is not a known algorithm; use one of the KeyAlg constants", a)}
}

// keyPool holds RSA keys shared by every PKI built with ReuseKeys. Slot i of
// an algorithm is generated once, by whichever PKI first needs it; a slot's
// sync.Once lets PKIs built in parallel wait for a slot without holding the
// pool lock, so different slots are generated concurrently.
var keyPool struct {
	mu    sync.Mutex
	slots map[KeyAlg][]*keySlot
}

type keySlot struct {
	once sync.Once
	key  crypto.Signer
	err  error
}

func pooledKey(a KeyAlg, i int) (crypto.Signer, error) {
	keyPool.mu.Lock()
	if keyPool.slots == nil {
		keyPool.slots = make(map[KeyAlg][]*keySlot)
	}
	for len(keyPool.slots[a]) <= i {
		keyPool.slots[a] = append(keyPool.slots[a], new(keySlot))
	}
	s := keyPool.slots[a][i]
	keyPool.mu.Unlock()
	s.once.Do(func() { s.key, s.err = generateKey(a) })
	if s.err != nil {
		// Keep a failed generation from poisoning the slot for later PKIs.
		keyPool.mu.Lock()
		if keyPool.slots[a][i] == s {
			keyPool.slots[a][i] = new(keySlot)
		}
		keyPool.mu.Unlock()
	}
	return s.key, s.err
}
