// This file holds test helpers: a throw-away PKI generated at run time
// (nothing that expires is committed) and an openssl runner.

package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/pem"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tamgasign/tamga/internal/testtool"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var (
	keyMu    sync.Mutex
	keyCache = map[string]crypto.Signer{}
)

// testKey returns a key of the named kind, generated once per test binary
// (RSA-3072 generation is slow enough to matter on CI).
func testKey(t testing.TB, kind string) crypto.Signer {
	t.Helper()
	keyMu.Lock()
	defer keyMu.Unlock()
	if k, ok := keyCache[kind]; ok {
		return k
	}
	var k crypto.Signer
	var err error
	switch kind {
	case "rsa2048":
		k, err = rsa.GenerateKey(rand.Reader, 2048)
	case "rsa3072":
		k, err = rsa.GenerateKey(rand.Reader, 3072)
	case "p256", "ca":
		k, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "p384":
		k, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "ed25519":
		_, k, err = ed25519.GenerateKey(rand.Reader)
	default:
		t.Fatalf("unknown key kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	keyCache[kind] = k
	return k
}

type testPKI struct {
	caKey crypto.Signer
	ca    *x509.Certificate
}

var (
	pkiOnce sync.Once
	pki     *testPKI
)

// testCA returns a CA made at run time, valid from an hour ago for a day.
func testCA(t testing.TB) *testPKI {
	t.Helper()
	pkiOnce.Do(func() {
		key := testKey(t, "ca")
		tmpl := &x509.Certificate{
			SerialNumber:          big.NewInt(1),
			Subject:               pkix.Name{CommonName: "tamga test CA", Organization: []string{"tamga"}},
			NotBefore:             time.Now().Add(-time.Hour),
			NotAfter:              time.Now().Add(24 * time.Hour),
			IsCA:                  true,
			BasicConstraintsValid: true,
			KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
		if err != nil {
			t.Fatal(err)
		}
		ca, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		pki = &testPKI{caKey: key, ca: ca}
	})
	return pki
}

var serialCounter int64 = 100

// issue makes an end-entity certificate for pub; mod may adjust the
// template.
func (p *testPKI) issue(t testing.TB, pub crypto.PublicKey, cn string, mod func(*x509.Certificate)) *x509.Certificate {
	t.Helper()
	keyMu.Lock()
	serialCounter++
	serial := serialCounter
	keyMu.Unlock()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"tamga"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	if mod != nil {
		mod(tmpl)
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, pub, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
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
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

// openssl runs the openssl program and returns its combined output.
func openssl(t testing.TB, args ...string) ([]byte, error) {
	t.Helper()
	bin := testtool.Require(t, "openssl")
	return exec.Command(bin, args...).CombinedOutput()
}

func sum(h crypto.Hash, data []byte) []byte {
	x := h.New()
	x.Write(data)
	return x.Sum(nil)
}

func readFile(t testing.TB, p string) []byte {
	t.Helper()
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func asnUnmarshal(b []byte, v any) ([]byte, error) { return asn1.Unmarshal(b, v) }

// asnMarshalUTF8 re-encodes a name with UTF8String values where Go's
// x509 wrote PrintableString.
func asnMarshalUTF8(rdn pkix.RDNSequence) ([]byte, error) {
	type atv struct {
		Type  asn1.ObjectIdentifier
		Value string `asn1:"utf8"`
	}
	type atvSET []atv
	var seq []atvSET
	for _, set := range rdn {
		var s atvSET
		for _, a := range set {
			s = append(s, atv{a.Type, a.Value.(string)})
		}
		seq = append(seq, s)
	}
	return asn1.Marshal(seq)
}

type (
	x509Cert      = x509.Certificate
	x509Template  = x509.Certificate
	cryptobyteTag = casn1.Tag
)
