// This file tests Sign's check of what the signer returned: per signature
// for opaque signers, once per key for Go software keys, and never
// skipping a private key that does not belong to the certificate.

package cms

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"io"
	"math/big"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// softKey exposes a Go key the way a file-key signer would.
type softKey struct {
	crypto.Signer
	key   crypto.Signer
	calls int // Sign calls through the wrapper
}

func (s *softKey) SoftwareKey() crypto.Signer { return s.key }
func (s *softKey) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	s.calls++
	return s.Signer.Sign(r, d, o)
}

// mismatchedECDSA returns a P-256 key whose public point is pub's but
// whose private scalar belongs to another key: Public() matches the
// certificate, the signatures do not.
func mismatchedECDSA(t *testing.T, pub *ecdsa.PublicKey) *ecdsa.PrivateKey {
	other, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	// Only the deprecated field can build such a broken key; that is the point.
	//lint:ignore SA1019 a key whose halves do not match cannot be made otherwise
	return &ecdsa.PrivateKey{PublicKey: *pub, D: new(big.Int).Set(other.D)}
}

func TestSignSelfCheck(t *testing.T) {
	p := testCA(t)
	ctx := context.Background()
	d := sum(crypto.SHA256, []byte("document"))
	ec := testKey(t, "p256").(*ecdsa.PrivateKey)
	ecCert := p.issue(t, ec.Public(), "ec", nil)
	rk := testKey(t, "rsa2048").(*rsa.PrivateKey)
	rsaCert := p.issue(t, rk.Public(), "rsa", nil)

	cases := []struct {
		name   string
		signer crypto.Signer
		cert   *x509Cert
		opts   *SignOptions
		bad    bool // must fail with ErrSignatureInvalid
	}{
		{"ECDSA key", ec, ecCert, nil, false},
		{"ECDSA software signer", &softKey{Signer: ec, key: ec}, ecCert, nil, false},
		{"RSA key", rk, rsaCert, nil, false},
		{"RSA-PSS software signer", &softKey{Signer: rk, key: rk}, rsaCert, &SignOptions{PSS: true}, false},
		{"closed software signer (nil key) signs through the wrapper", &softKey{Signer: ec}, ecCert, nil, false},
		{"ECDSA private scalar of another key", mismatchedECDSA(t, &ec.PublicKey), ecCert, nil, true},
		{"software signer with a mismatched key", &softKey{Signer: ec, key: mismatchedECDSA(t, &ec.PublicKey)}, ecCert, nil, true},
		{"opaque faulty signer", badSigner{ec}, ecCert, nil, true},
		{"opaque faulty RSA signer", badSigner{rk}, rsaCert, nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for range 2 { // the second signature takes the cached path
				sd, err := Sign(ctx, c.signer, c.cert, d, c.opts)
				if c.bad {
					require.ErrorIs(t, err, ErrSignatureInvalid)
					assert.Nil(t, sd)
					continue
				}
				require.NoError(t, err)
				der, err := sd.Marshal()
				require.NoError(t, err)
				assert.Equal(t, sd.raw.marshal(), der, "the cached encoding is what the parts make")
				n, err := toDER(der)
				require.NoError(t, err)
				assert.Equal(t, der, n.der, "Sign's output is DER, as parseWithCertificates assumes")
				back, err := Parse(der)
				require.NoError(t, err)
				_, err = back.SignerInfos[0].Verify(c.cert, d)
				require.NoError(t, err)
			}
		})
	}
}

// TestSignSoftwareKeyBypassesWrapper shows that a software signer's
// signatures come from the Go key (checked once), and that the pairwise
// check is remembered per key and certificate.
func TestSignSoftwareKeyBypassesWrapper(t *testing.T) {
	p := testCA(t)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	cert := p.issue(t, key.Public(), "soft", nil)
	s := &softKey{Signer: key, key: key}
	d := sum(crypto.SHA256, nil)
	for range 3 {
		_, err := Sign(context.Background(), s, cert, d, nil)
		require.NoError(t, err)
	}
	assert.Zero(t, s.calls, "the wrapper's Sign is not used")
	_, ok := checkedKeys.Load(checkedKey{ec: weakKey(key)})
	assert.True(t, ok, "the key's check is cached")

	// The same key under another certificate of the same key is checked
	// again (the fingerprint covers the certificate's key), and a key
	// changed after its check is caught.
	//lint:ignore SA1019 changing the key in place is what is tested
	key.D = mismatchedECDSA(t, &key.PublicKey).D
	_, err = Sign(context.Background(), s, cert, d, nil)
	require.ErrorIs(t, err, ErrSignatureInvalid)
}
