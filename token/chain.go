// This file holds how the certificate of a key and its chain are picked
// from the certificates stored with it (token objects, PKCS#12 bags, PEM
// blocks).

package token

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/x509"
	"fmt"
	"time"
)

// maxChain bounds the length of a built chain.
const maxChain = 10

// certObject is a certificate and the CKA_ID it is stored under (nil for
// files).
type certObject struct {
	cert *x509.Certificate
	id   []byte
}

func certObjectsCerts(cs []certObject) []*x509.Certificate {
	out := make([]*x509.Certificate, len(cs))
	for i, c := range cs {
		out[i] = c.cert
	}
	return out
}

// publicKeyEqual compares public keys of the types this package supports.
func publicKeyEqual(a, b crypto.PublicKey) bool {
	ka, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && ka.Equal(b)
}

// pickLeaf chooses the key's certificate among certs. When the key's public
// key pub is known, the certificate must carry it; otherwise (an EC key on
// a token without a public key object) the certificate must have the key's
// CKA_ID and curve, and the first signature checks the match. Among several
// (a renewed certificate for the same key) it prefers the key's CKA_ID,
// then one valid now, then the newest.
func pickLeaf(pub crypto.PublicKey, id []byte, curve elliptic.Curve, certs []certObject) (*x509.Certificate, error) {
	var cands []certObject
	sameID := func(c certObject) bool { return len(id) > 0 && bytes.Equal(c.id, id) }
	for _, c := range certs {
		switch {
		case pub != nil:
			if publicKeyEqual(pub, c.cert.PublicKey) {
				cands = append(cands, c)
			}
		case sameID(c):
			if ep, ok := c.cert.PublicKey.(*ecdsa.PublicKey); ok && curve != nil && ep.Curve == curve {
				cands = append(cands, c)
			}
		}
	}
	if len(cands) == 0 {
		for _, c := range certs {
			if sameID(c) {
				return nil, fmt.Errorf("%w: the certificate stored with the key's id holds a different public key", ErrKeyMismatch)
			}
		}
		return nil, fmt.Errorf("%w: store the key's certificate with it (same id on a token, in the same PKCS#12 or PEM file)", ErrCertificateNotFound)
	}
	now := time.Now()
	better := func(a, b certObject) bool {
		if sa, sb := sameID(a), sameID(b); sa != sb {
			return sa
		}
		va := !now.Before(a.cert.NotBefore) && !now.After(a.cert.NotAfter)
		vb := !now.Before(b.cert.NotBefore) && !now.After(b.cert.NotAfter)
		if va != vb {
			return va
		}
		return a.cert.NotBefore.After(b.cert.NotBefore)
	}
	best := cands[0]
	for _, c := range cands[1:] {
		if better(c, best) {
			best = c
		}
	}
	return best.cert, nil
}

// buildChain follows issuers from leaf through pool, each certificate
// checked to have signed the previous one, and stops at a self-signed
// certificate (which is included), at a missing issuer or after maxChain.
func buildChain(leaf *x509.Certificate, pool []*x509.Certificate) []*x509.Certificate {
	var chain []*x509.Certificate
	used := map[*x509.Certificate]bool{leaf: true}
	cur := leaf
	for len(chain) < maxChain && !selfSigned(cur) {
		var next *x509.Certificate
		for _, c := range pool {
			if used[c] || c.Equal(cur) || !bytes.Equal(c.RawSubject, cur.RawIssuer) {
				continue
			}
			if cur.CheckSignatureFrom(c) == nil {
				next = c
				break
			}
		}
		if next == nil {
			break
		}
		used[next] = true
		chain = append(chain, next)
		cur = next
	}
	return chain
}

func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawSubject, c.RawIssuer) && c.CheckSignatureFrom(c) == nil
}
