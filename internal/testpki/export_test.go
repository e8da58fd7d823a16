package testpki

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"software.sslmate.com/src/go-pkcs12"
)

func TestWriteDemo(t *testing.T) {
	p := NewTest(t, Config{BaseURL: "http://127.0.0.1:8700"})
	dir := filepath.Join(t.TempDir(), "new", "demo")
	pin, err := p.WriteDemo(dir, "")
	require.NoError(t, err)
	require.Regexp(t, regexp.MustCompile(`^[0-9]{8}$`), pin)

	st, err := os.Stat(dir)
	require.NoError(t, err)
	assert.Equal(t, fs.FileMode(0o700), st.Mode().Perm())
	entries, err := os.ReadDir(dir)
	require.NoError(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	assert.ElementsMatch(t, demoFiles, names)
	for _, name := range demoFiles {
		st, err := os.Stat(filepath.Join(dir, name))
		require.NoError(t, err)
		want := fs.FileMode(0o644)
		if name == "pin.txt" || strings.HasSuffix(name, ".p12") {
			want = 0o600
		}
		assert.Equal(t, want, st.Mode().Perm(), name)
	}
	pinFile, err := os.ReadFile(filepath.Join(dir, "pin.txt"))
	require.NoError(t, err)
	assert.Equal(t, pin+"\n", string(pinFile))

	readme, err := os.ReadFile(filepath.Join(dir, "README.txt"))
	require.NoError(t, err)
	assert.Contains(t, string(readme), "FOR TESTING ONLY")
	assert.Contains(t, string(readme), "NEVER USE THESE KEYS FOR REAL DOCUMENTS")
	assert.Contains(t, string(readme), "http://127.0.0.1:8700")
	for _, name := range demoFiles[1:] { // all but README.txt itself
		assert.Contains(t, string(readme), strings.TrimSuffix(strings.TrimSuffix(name, ".p12"), ".pem"), name)
	}
	assert.NotContains(t, string(readme), pin, "the PIN is only in pin.txt")

	for _, id := range []*Identity{p.Executor, p.Applicant, p.TSA, p.OCSPResponder} {
		data, err := os.ReadFile(filepath.Join(dir, id.Name+".p12"))
		require.NoError(t, err)
		key, cert, chain, err := pkcs12.DecodeChain(data, pin)
		require.NoError(t, err, id.Name)
		assert.Equal(t, id.Cert.Raw, cert.Raw)
		assert.Equal(t, id.Chain, chain)
		assert.True(t, key.(crypto.Signer).Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(id.Cert.PublicKey))
		pemData, err := os.ReadFile(filepath.Join(dir, id.Name+".pem"))
		require.NoError(t, err)
		assert.Equal(t, CertPEM(id.Cert), pemData)
	}
	crlPEM, err := os.ReadFile(filepath.Join(dir, "intermediate.crl"))
	require.NoError(t, err)
	block, _ := pem.Decode(crlPEM)
	require.NotNil(t, block)
	crl, err := x509.ParseRevocationList(block.Bytes)
	require.NoError(t, err)
	require.NoError(t, crl.CheckSignatureFrom(p.Intermediate.Cert))

	// The commands the README gives work.
	out, ok := openssl(t, "pkcs12", "-in", filepath.Join(dir, "executor.p12"), "-passin", "file:"+filepath.Join(dir, "pin.txt"), "-nokeys")
	require.True(t, ok, out)
	assert.Contains(t, out, "BEGIN CERTIFICATE")
	out, ok = openssl(t, "pkcs12", "-in", filepath.Join(dir, "applicant.p12"), "-passin", "pass:"+pin, "-nokeys")
	require.True(t, ok, out)
	out, ok = openssl(t, "verify", "-crl_check_all", "-CRLfile", filepath.Join(dir, "intermediate.crl"), "-CRLfile", filepath.Join(dir, "root.crl"),
		"-CAfile", filepath.Join(dir, "root.pem"), "-untrusted", filepath.Join(dir, "intermediate.pem"),
		filepath.Join(dir, "executor.pem"), filepath.Join(dir, "applicant.pem"), filepath.Join(dir, "tsa.pem"), filepath.Join(dir, "ocsp.pem"))
	require.True(t, ok, out)
	assert.Equal(t, 4, strings.Count(out, ": OK"), out)

	// It never overwrites, and writes nothing when a file exists.
	_, err = p.WriteDemo(dir, "99999999")
	require.ErrorIs(t, err, fs.ErrExist)
	again, err := os.ReadFile(filepath.Join(dir, "pin.txt"))
	require.NoError(t, err)
	assert.Equal(t, pinFile, again)
	partial := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(partial, "tsa.pem"), []byte("mine"), 0o644))
	_, err = p.WriteDemo(partial, "")
	require.ErrorIs(t, err, fs.ErrExist)
	left, err := os.ReadDir(partial)
	require.NoError(t, err)
	assert.Len(t, left, 1)
}

func TestWriteDemoPIN(t *testing.T) {
	p := NewTest(t)
	pin, err := p.WriteDemo(t.TempDir(), "4321")
	require.NoError(t, err)
	assert.Equal(t, "4321", pin)
	other, err := p.WriteDemo(t.TempDir(), "")
	require.NoError(t, err)
	third, err := p.WriteDemo(t.TempDir(), "")
	require.NoError(t, err)
	assert.NotEqual(t, other, third, "random PINs (1 in 10^8 to fail)")

	for _, bad := range []string{"123", "12 34", "пин-код1", "1234\n", strings.Repeat("7", 65)} {
		_, err := p.WriteDemo(t.TempDir(), bad)
		var fe *FieldError
		require.ErrorAs(t, err, &fe, "%q", bad)
		assert.Equal(t, "pin", fe.Field)
		assert.NotContains(t, err.Error(), bad)
	}
}

func TestPEMAndPKCS12(t *testing.T) {
	p := NewTest(t)
	certs := CertPEM(p.Executor.Cert, p.Intermediate.Cert)
	b1, rest := pem.Decode(certs)
	b2, rest := pem.Decode(rest)
	require.Empty(t, rest)
	assert.Equal(t, p.Executor.Cert.Raw, b1.Bytes)
	assert.Equal(t, p.Intermediate.Cert.Raw, b2.Bytes)
	assert.Empty(t, CertPEM())

	keyPEM, err := p.Executor.KeyPEM()
	require.NoError(t, err)
	kb, _ := pem.Decode(keyPEM)
	require.Equal(t, "PRIVATE KEY", kb.Type)
	key, err := x509.ParsePKCS8PrivateKey(kb.Bytes)
	require.NoError(t, err)
	assert.True(t, key.(crypto.Signer).Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(p.Executor.Cert.PublicKey))

	_, err = p.Executor.PKCS12("")
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	der, err := p.Root.PKCS12("pw")
	require.NoError(t, err)
	_, cert, chain, err := pkcs12.DecodeChain(der, "pw")
	require.NoError(t, err)
	assert.Equal(t, p.Root.Cert.Raw, cert.Raw)
	assert.Empty(t, chain)
	_, _, _, err = pkcs12.DecodeChain(der, "wrong")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "pw")
}
