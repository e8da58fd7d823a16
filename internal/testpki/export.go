// This file holds the export formats: PEM, PKCS #12 and the demo directory
// that "tamga pki demo" writes.

package testpki

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"software.sslmate.com/src/go-pkcs12"
)

// CertPEM returns the certificates PEM-encoded, one "CERTIFICATE" block
// each, in order.
func CertPEM(certs ...*x509.Certificate) []byte {
	var out []byte
	for _, c := range certs {
		out = append(out, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw})...)
	}
	return out
}

// KeyPEM returns the identity's private key as an unencrypted PKCS #8
// "PRIVATE KEY" PEM block, for handing to tools such as openssl in tests.
func (id *Identity) KeyPEM() ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(id.Key)
	if err != nil {
		return nil, fmt.Errorf("testpki: encoding the key of %q: %w", id.Name, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// PKCS12 returns the identity's key, certificate and chain as a PKCS #12
// file protected by password, encoded with go-pkcs12's Modern encoder
// (PBES2, PBKDF2-HMAC-SHA-256, AES-256-CBC; readable by OpenSSL 1.1.1 and
// later and by Windows Server 2019 and later). An empty password is
// refused.
func (id *Identity) PKCS12(password string) ([]byte, error) {
	if password == "" {
		return nil, &FieldError{Field: "password", Problem: "must not be empty"}
	}
	der, err := pkcs12.Modern.Encode(id.Key, id.Cert, id.Chain, password)
	if err != nil {
		// The password is not part of err: go-pkcs12 never puts it there.
		return nil, fmt.Errorf("testpki: encoding %q as PKCS #12: %w", id.Name, err)
	}
	return der, nil
}

// demoFiles are the files WriteDemo writes, for its up-front existence
// check.
var demoFiles = []string{
	"README.txt", "pin.txt", "root.pem", "intermediate.pem", "root.crl", "intermediate.crl",
	"executor.p12", "executor.pem", "applicant.p12", "applicant.pem",
	"tsa.p12", "tsa.pem", "ocsp.p12", "ocsp.pem",
}

// WriteDemo writes the PKI into dir, creating it (mode 0700) if needed, for
// "tamga pki demo --out DIR": the CA certificates and CRLs, each built-in
// identity as a PKCS #12 file protected by pin and as a PEM certificate,
// pin.txt (mode 0600) and a README.txt that says these are for testing only.
// An empty pin means a random 8-digit one. It returns the PIN it used.
//
// It refuses to overwrite: if any of its files already exists it writes
// nothing and returns an error that matches fs.ErrExist. A pin must be 4 to
// 64 printable ASCII characters without spaces.
func (p *PKI) WriteDemo(dir, pin string) (string, error) {
	if pin == "" {
		var err error
		if pin, err = randomPIN(); err != nil {
			return "", err
		}
	} else if !validPIN(pin) {
		return "", &FieldError{Field: "pin", Problem: "must be 4 to 64 printable ASCII characters without spaces"}
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("testpki: creating the demo directory: %w", err)
	}
	for _, name := range demoFiles {
		if _, err := os.Lstat(filepath.Join(dir, name)); err == nil {
			return "", fmt.Errorf("testpki: %s already exists; choose an empty directory or remove the old demo files: %w",
				filepath.Join(dir, name), os.ErrExist)
		}
	}

	type file struct {
		name string
		data []byte
		mode os.FileMode
	}
	files := []file{
		{"README.txt", []byte(p.demoReadme()), 0o644},
		{"pin.txt", []byte(pin + "\n"), 0o600},
		{"root.pem", CertPEM(p.Root.Cert), 0o644},
		{"intermediate.pem", CertPEM(p.Intermediate.Cert), 0o644},
	}
	for _, ca := range []*Identity{p.Root, p.Intermediate} {
		crl, err := p.CRL(ca.Cert)
		if err != nil {
			return "", err
		}
		files = append(files, file{ca.Name + ".crl", pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: crl}), 0o644})
	}
	for _, id := range []*Identity{p.Executor, p.Applicant, p.TSA, p.OCSPResponder} {
		p12, err := id.PKCS12(pin)
		if err != nil {
			return "", err
		}
		files = append(files, file{id.Name + ".p12", p12, 0o600}, file{id.Name + ".pem", CertPEM(id.Cert), 0o644})
	}
	for _, f := range files {
		if err := writeNew(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return "", err
		}
	}
	return pin, nil
}

// writeNew writes a file that must not exist yet.
func writeNew(path string, data []byte, mode os.FileMode) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, mode)
	if err != nil {
		return fmt.Errorf("testpki: writing the demo: %w", err)
	}
	_, err = f.Write(data)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("testpki: writing %s: %w", path, err)
	}
	return nil
}

func validPIN(pin string) bool {
	if len(pin) < 4 || len(pin) > 64 {
		return false
	}
	for i := 0; i < len(pin); i++ {
		if pin[i] <= ' ' || pin[i] > '~' {
			return false
		}
	}
	return true
}

func randomPIN() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(100_000_000))
	if err != nil {
		return "", errors.New("testpki: drawing a random PIN failed; pass one instead")
	}
	return fmt.Sprintf("%08d", n.Int64()), nil
}

func (p *PKI) demoReadme() string {
	var b strings.Builder
	b.WriteString(`TEST PKI - FOR TESTING ONLY. NEVER USE THESE KEYS FOR REAL DOCUMENTS.
ТЕСТОВАЯ PKI - ТОЛЬКО ДЛЯ ПРОВЕРКИ. НЕ ИСПОЛЬЗУЙТЕ ЭТИ КЛЮЧИ ДЛЯ НАСТОЯЩИХ ДОКУМЕНТОВ.

This directory was written by tamga (package internal/testpki). Anyone who
reads it has the private keys: signatures made with them prove nothing.
No real verifier trusts root.pem, and none should be made to.

Files:
  root.pem           root CA certificate (the trust anchor of this test PKI)
  intermediate.pem   intermediate CA certificate, issued by the root
  root.crl           CRL of the root CA (PEM)
  intermediate.crl   CRL of the intermediate CA (PEM)
  executor.p12/.pem  civil servant who signs result documents (key + certificate / certificate)
  applicant.p12/.pem citizen who signs applications
  tsa.p12/.pem       RFC 3161 time-stamp authority
  ocsp.p12/.pem      OCSP responder for certificates of the intermediate CA
  pin.txt            the PIN (password) of every .p12 file in this directory

Check a certificate with OpenSSL:
  openssl verify -CAfile root.pem -untrusted intermediate.pem executor.pem
Read a PKCS #12 file:
  openssl pkcs12 -in executor.p12 -passin file:pin.txt -nokeys

`)
	fmt.Fprintf(&b, "Made at %s. CA certificates are valid until %s, the others until %s.\n",
		p.Now().Format(time.RFC3339), p.Root.Cert.NotAfter.Format(time.RFC3339), p.Executor.Cert.NotAfter.Format(time.RFC3339))
	if p.base != "" {
		fmt.Fprintf(&b, "The certificates point at %s for OCSP (/ocsp), CRLs (/crl/) and CA certificates (/ca/);\n"+
			"those URLs answer only while the tamga process that made this directory runs.\n", p.base)
	} else {
		b.WriteString("The certificates carry no OCSP, CRL or CA-issuer URLs.\n")
	}
	return b.String()
}

// Signer returns the identity as a signing key with its certificate and
// chain: the shape of sign.Signer (and of token.Signer without Close), so
// tests can sign with it where a token key would be used.
func (id *Identity) Signer() *KeySigner { return &KeySigner{id: id} }

// KeySigner is an Identity seen as a signing key; see Identity.Signer.
type KeySigner struct{ id *Identity }

// Public returns the public key.
func (k *KeySigner) Public() crypto.PublicKey { return k.id.Key.Public() }

// Sign signs digest with the identity's key.
func (k *KeySigner) Sign(rand io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	return k.id.Key.Sign(rand, digest, opts)
}

// SoftwareKey returns the identity's key, so that internal/cms signs with
// it directly, as it does for key files (cms.SoftwareSigner).
func (k *KeySigner) SoftwareKey() crypto.Signer { return k.id.Key }

// Certificate returns the identity's certificate.
func (k *KeySigner) Certificate() *x509.Certificate { return k.id.Cert }

// Chain returns the certificates from the issuer up to, not including, the
// root.
func (k *KeySigner) Chain() []*x509.Certificate { return k.id.Chain }
