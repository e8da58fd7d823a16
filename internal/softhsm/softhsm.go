// Package softhsm sets up throw-away SoftHSM2 tokens for tests: a token
// directory and softhsm2.conf in the test's temporary directory, tokens,
// key pairs generated on them, and certificates issued at run time by a CA
// made in the test and stored next to the keys.
//
// Keys and objects are made with the real tools, softhsm2-util and
// OpenSC's pkcs11-tool, in separate processes. That keeps the test process
// free of its own PKCS#11 initialisation, which is process-wide and would
// otherwise collide with the package under test, and it checks that what
// tamga reads was written by an independent implementation.
//
// SoftHSM2 reads SOFTHSM2_CONF when the module is initialised (C_Initialize).
// New sets it with t.Setenv, so tests that use it cannot run in parallel,
// and a test must close everything it opened from the token (so that the
// module is finalised) before the next test starts with a new directory.
// Tokens are created before the module is first opened in the test.
package softhsm

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/hex"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tamgasign/tamga/internal/testtool"
)

// ModuleCandidates are the paths where Debian and Ubuntu install the
// SoftHSM2 PKCS#11 module.
var ModuleCandidates = []string{
	"/usr/lib/softhsm/libsofthsm2.so",
	"/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so",
	"/usr/local/lib/softhsm/libsofthsm2.so",
}

// SOPIN is the security officer PIN of every token made here.
const SOPIN = "12345678"

// HSM is a SoftHSM2 instance private to one test.
type HSM struct {
	Module string // path of libsofthsm2.so
	Conf   string // path of the softhsm2.conf in use
	Dir    string // the token directory

	util string // softhsm2-util
	tool string // pkcs11-tool
}

// New makes a SoftHSM2 configuration in t.TempDir() and points
// SOFTHSM2_CONF at it for the rest of the test. It skips the test when
// SoftHSM2 or OpenSC's pkcs11-tool is missing, and fails it in CI.
func New(t testing.TB) *HSM {
	t.Helper()
	h := &HSM{
		Module: testtool.RequireFile(t, "libsofthsm2.so", ModuleCandidates...),
		util:   testtool.Require(t, "softhsm2-util"),
		tool:   testtool.Require(t, "pkcs11-tool"),
	}
	dir := t.TempDir()
	h.Dir = filepath.Join(dir, "tokens")
	if err := os.Mkdir(h.Dir, 0o700); err != nil {
		t.Fatal(err)
	}
	h.Conf = filepath.Join(dir, "softhsm2.conf")
	conf := fmt.Sprintf("directories.tokendir = %s\nobjectstore.backend = file\nlog.level = ERROR\nslots.removable = false\n", h.Dir)
	if err := os.WriteFile(h.Conf, []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SOFTHSM2_CONF", h.Conf)
	return h
}

// run runs a tool with this HSM's configuration and returns its output.
func (h *HSM) run(t testing.TB, name string, args ...string) string {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = append(os.Environ(), "SOFTHSM2_CONF="+h.Conf)
	var out bytes.Buffer
	cmd.Stdout = &out
	cmd.Stderr = &out
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s", filepath.Base(name), strings.Join(args, " "), err, out.String())
	}
	return out.String()
}

// Token is an initialised token.
type Token struct {
	HSM   *HSM
	Label string
	PIN   string // the user PIN

	cas []*CA // CA certificates stored by NewKey
}

func (tk *Token) hasCA(ca *CA) bool {
	for _, c := range tk.cas {
		if c == ca {
			return true
		}
	}
	return false
}

// InitToken initialises a new token in the first free slot with the given
// label and user PIN (the SO PIN is SOPIN).
func (h *HSM) InitToken(t testing.TB, label, pin string) *Token {
	t.Helper()
	h.run(t, h.util, "--init-token", "--free", "--label", label, "--so-pin", SOPIN, "--pin", pin)
	return &Token{HSM: h, Label: label, PIN: pin}
}

// A KeySpec says what key pair GenerateKey makes.
type KeySpec struct {
	// Type is a pkcs11-tool key type: "rsa:2048", "EC:prime256v1",
	// "EC:secp384r1".
	Type  string
	Label string
	ID    []byte
	// AlwaysAuthenticate sets CKA_ALWAYS_AUTHENTICATE on the private key,
	// so that every signature needs a context-specific login.
	AlwaysAuthenticate bool
}

func (tk *Token) tool(t testing.TB, args ...string) string {
	t.Helper()
	base := []string{"--module", tk.HSM.Module, "--token-label", tk.Label, "--login", "--pin", tk.PIN}
	return tk.HSM.run(t, tk.HSM.tool, append(base, args...)...)
}

// GenerateKey generates a key pair on the token (C_GenerateKeyPair, by
// pkcs11-tool) and returns its public key.
func (tk *Token) GenerateKey(t testing.TB, spec KeySpec) crypto.PublicKey {
	t.Helper()
	args := []string{"--keypairgen", "--key-type", spec.Type, "--label", spec.Label, "--usage-sign"}
	if len(spec.ID) > 0 {
		args = append(args, "--id", hex.EncodeToString(spec.ID))
	}
	if spec.AlwaysAuthenticate {
		args = append(args, "--always-auth")
	}
	tk.tool(t, args...)
	if len(spec.ID) == 0 {
		return nil
	}
	if !strings.HasPrefix(strings.ToLower(spec.Type), "ec:") {
		out := filepath.Join(t.TempDir(), "pub.der")
		tk.tool(t, "--read-object", "--type", "pubkey", "--id", hex.EncodeToString(spec.ID), "--output-file", out)
		der, err := os.ReadFile(out)
		if err != nil {
			t.Fatal(err)
		}
		pub, err := x509.ParsePKIXPublicKey(der)
		if err != nil {
			t.Fatalf("public key of %q read back from the token: %v", spec.Label, err)
		}
		return pub
	}
	// pkcs11-tool cannot export every curve's public key ("cannot create
	// EVP_PKEY" for P-384), but it lists the EC_POINT and EC_PARAMS.
	return ecPublicFromListing(t, tk.tool(t, "--list-objects", "--type", "pubkey"), spec.ID)
}

// ecPublicFromListing finds the EC public key with the given id in the
// output of "pkcs11-tool --list-objects".
func ecPublicFromListing(t testing.TB, listing string, id []byte) *ecdsa.PublicKey {
	t.Helper()
	var point, params, objID string
	flush := func() *ecdsa.PublicKey {
		if objID != hex.EncodeToString(id) || point == "" || params == "" {
			return nil
		}
		p, err1 := hex.DecodeString(point)
		c, err2 := hex.DecodeString(params)
		if err1 != nil || err2 != nil {
			t.Fatalf("pkcs11-tool listed a malformed EC key: %q, %q", point, params)
		}
		var oid asn1.ObjectIdentifier
		if _, err := asn1.Unmarshal(c, &oid); err != nil {
			t.Fatalf("EC_PARAMS %x: %v", c, err)
		}
		curves := map[string]elliptic.Curve{"1.2.840.10045.3.1.7": elliptic.P256(), "1.3.132.0.34": elliptic.P384(), "1.3.132.0.35": elliptic.P521()}
		curve := curves[oid.String()]
		if curve == nil {
			t.Fatalf("curve %s is not supported by the helper", oid)
		}
		var raw []byte
		if _, err := asn1.Unmarshal(p, &raw); err != nil {
			t.Fatalf("EC_POINT %x: %v", p, err)
		}
		pub, err := ecdsa.ParseUncompressedPublicKey(curve, raw)
		if err != nil {
			t.Fatalf("EC_POINT %x: %v", raw, err)
		}
		return pub
	}
	for _, line := range strings.Split(listing, "\n") {
		f := strings.Fields(line)
		switch {
		case strings.HasPrefix(line, "Public Key Object"):
			if pub := flush(); pub != nil {
				return pub
			}
			point, params, objID = "", "", ""
		case len(f) == 2 && f[0] == "EC_POINT:":
			point = f[1]
		case len(f) == 2 && f[0] == "EC_PARAMS:":
			params = f[1]
		case len(f) == 2 && f[0] == "ID:":
			objID = strings.ToLower(f[1])
		}
	}
	if pub := flush(); pub != nil {
		return pub
	}
	t.Fatalf("pkcs11-tool did not list an EC public key with id %x:\n%s", id, listing)
	return nil
}

// WriteCertificate stores cert on the token as a certificate object with
// the given label and id.
func (tk *Token) WriteCertificate(t testing.TB, label string, id []byte, cert *x509.Certificate) {
	t.Helper()
	f := filepath.Join(t.TempDir(), "cert.der")
	if err := os.WriteFile(f, cert.Raw, 0o600); err != nil {
		t.Fatal(err)
	}
	args := []string{"--write-object", f, "--type", "cert", "--label", label}
	if len(id) > 0 {
		args = append(args, "--id", hex.EncodeToString(id))
	}
	tk.tool(t, args...)
}

// NewKey generates a key pair, has ca issue a certificate for it with
// common name cn, and stores the certificate under the key's label and id;
// the CA certificate is stored too (label "CA"), as the chain. It returns
// the key's certificate.
func (tk *Token) NewKey(t testing.TB, spec KeySpec, ca *CA, cn string) *x509.Certificate {
	t.Helper()
	if len(spec.ID) == 0 {
		t.Fatal("softhsm: NewKey needs a KeySpec.ID")
	}
	pub := tk.GenerateKey(t, spec)
	cert := ca.Issue(t, pub, cn)
	tk.WriteCertificate(t, spec.Label, spec.ID, cert)
	if !tk.hasCA(ca) {
		tk.WriteCertificate(t, "CA", nil, ca.Cert)
		tk.cas = append(tk.cas, ca)
	}
	return cert
}

// URI returns a PKCS#11 URI for the key with the given label and id (either
// may be empty) on this token, with the module path.
func (tk *Token) URI(label string, id []byte) string {
	var b strings.Builder
	b.WriteString("pkcs11:token=")
	b.WriteString(escape(tk.Label))
	if label != "" {
		b.WriteString(";object=")
		b.WriteString(escape(label))
	}
	if len(id) > 0 {
		b.WriteString(";id=")
		for _, c := range id {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	b.WriteString("?module-path=")
	b.WriteString(tk.HSM.Module)
	return b.String()
}

// escape percent-encodes what RFC 7512 does not allow in a path value.
func escape(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		c := s[i]
		if 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("-._~:[]@!$'()*+,=&", c) >= 0 {
			b.WriteByte(c)
		} else {
			fmt.Fprintf(&b, "%%%02X", c)
		}
	}
	return b.String()
}

// CA is a certification authority made at test run time.
type CA struct {
	Cert *x509.Certificate
	Key  crypto.Signer
}

// NewCA makes a self-signed P-256 CA valid from an hour ago for a year.
func NewCA(t testing.TB, cn string) *CA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: cn, Organization: []string{"tamga test"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(365 * 24 * time.Hour),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &CA{Cert: cert, Key: key}
}

// Issue issues a signing certificate (digital signature, non-repudiation)
// for pub, valid from an hour ago for 30 days.
func (ca *CA) Issue(t testing.TB, pub crypto.PublicKey, cn string) *x509.Certificate {
	t.Helper()
	tmpl := &x509.Certificate{
		SerialNumber: serial(t),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"tamga test"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(30 * 24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, pub, ca.Key)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return cert
}

func serial(t testing.TB) *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		t.Fatal(err)
	}
	return n.Add(n, big.NewInt(1))
}
