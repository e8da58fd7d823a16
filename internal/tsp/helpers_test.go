// This file holds test helpers: a CA and TSA certificates generated at
// run time (nothing that expires is committed), a server, and openssl.

package tsp

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/testtool"
)

var testPolicy = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1, 1}

type testPKI struct {
	caKey  crypto.Signer
	ca     *x509.Certificate
	rsaKey crypto.Signer // TSA keys
	ecKey  crypto.Signer
}

var (
	pkiOnce sync.Once
	pki     *testPKI
	serial  int64 = 10
	mu      sync.Mutex
)

func testCA(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "tamga TSA test CA"},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
			IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, caKey.Public(), caKey)
		require.NoError(t, err)
		ca, err := x509.ParseCertificate(der)
		require.NoError(t, err)
		rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
		require.NoError(t, err)
		ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		require.NoError(t, err)
		pki = &testPKI{caKey: caKey, ca: ca, rsaKey: rsaKey, ecKey: ecKey}
	})
	return pki
}

var ekuTimeStamping = func() []byte {
	b, _ := asn1.Marshal([]asn1.ObjectIdentifier{{1, 3, 6, 1, 5, 5, 7, 3, 8}})
	return b
}()

// issue makes a certificate for pub. With tsa set it carries the critical
// id-kp-timeStamping extended key usage RFC 3161 requires; mod may change
// the template further.
func (p *testPKI) issue(t testing.TB, pub crypto.PublicKey, cn string, tsa bool, mod func(*x509.Certificate)) *x509.Certificate {
	t.Helper()
	mu.Lock()
	serial++
	sn := serial
	mu.Unlock()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(sn), Subject: pkix.Name{CommonName: cn, Organization: []string{"tamga"}},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if tsa {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping}
		tmpl.ExtraExtensions = []pkix.Extension{{Id: asn1.ObjectIdentifier{2, 5, 29, 37}, Critical: true, Value: ekuTimeStamping}}
	}
	if mod != nil {
		mod(tmpl)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, pub, p.caKey)
	require.NoError(t, err)
	c, err := x509.ParseCertificate(der)
	require.NoError(t, err)
	return c
}

var fixedTime = time.Date(2026, 5, 17, 10, 20, 30, 0, time.UTC)

// newTestServer returns a TSA and an httptest server running it.
func newTestServer(t testing.TB, key crypto.Signer, mod func(*ServerConfig)) (*Server, *httptest.Server, *x509.Certificate) {
	t.Helper()
	p := testCA(t)
	cert := p.issue(t, key.Public(), "tamga test TSA", true, nil)
	var n int64
	cfg := ServerConfig{
		Signer: key, Certificate: cert, Chain: []*x509.Certificate{p.ca}, Policy: testPolicy,
		Now:      func() time.Time { return fixedTime.Add(345 * time.Millisecond) },
		Serial:   func() (*big.Int, error) { mu.Lock(); defer mu.Unlock(); n++; return big.NewInt(1000 + n), nil },
		Accuracy: 1500 * time.Millisecond,
	}
	if mod != nil {
		mod(&cfg)
	}
	s, err := NewServer(cfg)
	require.NoError(t, err)
	hs := httptest.NewServer(s)
	t.Cleanup(hs.Close)
	return s, hs, cert
}

func certPEM(certs ...*x509.Certificate) []byte {
	var b bytes.Buffer
	for _, c := range certs {
		pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})
	}
	return b.Bytes()
}

func keyPEM(t testing.TB, k crypto.Signer) []byte {
	der, err := x509.MarshalPKCS8PrivateKey(k)
	require.NoError(t, err)
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	require.NoError(t, err)
	return b
}

func openssl(t testing.TB, args ...string) ([]byte, error) {
	t.Helper()
	bin := testtool.Require(t, "openssl")
	return exec.Command(bin, args...).CombinedOutput()
}
