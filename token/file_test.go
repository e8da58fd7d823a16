package token

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"encoding/pem"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/softhsm"
	"github.com/tamgasign/tamga/internal/testtool"
	"software.sslmate.com/src/go-pkcs12"
)

const p12Password = "Pfx-Zq7!pass"

// fileKeys are keys and certificates written by openssl for one test.
type fileKeys struct {
	dir     string
	ca      *softhsm.CA
	caPEM   string // the CA certificate, PEM
	rsaKey  string // PKCS#8 RSA-2048 key, PEM (openssl genpkey)
	rsaCert string // its certificate, PEM
	ecKey   string // PKCS#8 P-256 key, PEM
	ecCert  string
}

func runOpenSSL(t testing.TB, args ...string) string {
	t.Helper()
	out, err := exec.Command(testtool.Require(t, "openssl"), args...).CombinedOutput()
	require.NoError(t, err, "openssl %s: %s", strings.Join(args, " "), out)
	return string(out)
}

func writePEM(t testing.TB, path, typ string, der ...[]byte) string {
	t.Helper()
	var b []byte
	for _, d := range der {
		b = append(b, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: d})...)
	}
	require.NoError(t, os.WriteFile(path, b, 0o600))
	return path
}

// readPublic has openssl print a key's public key and parses it.
func readPublic(t testing.TB, keyFile string) crypto.PublicKey {
	t.Helper()
	out := runOpenSSL(t, "pkey", "-in", keyFile, "-pubout")
	b, _ := pem.Decode([]byte(out))
	require.NotNil(t, b)
	pub, err := x509.ParsePKIXPublicKey(b.Bytes)
	require.NoError(t, err)
	return pub
}

func newFileKeys(t testing.TB) *fileKeys {
	t.Helper()
	k := &fileKeys{dir: t.TempDir(), ca: softhsm.NewCA(t, "File CA")}
	k.caPEM = writePEM(t, filepath.Join(k.dir, "ca.pem"), "CERTIFICATE", k.ca.Cert.Raw)
	k.rsaKey = filepath.Join(k.dir, "rsa.key")
	runOpenSSL(t, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", k.rsaKey)
	k.rsaCert = writePEM(t, filepath.Join(k.dir, "rsa-cert.pem"), "CERTIFICATE", k.ca.Issue(t, readPublic(t, k.rsaKey), "RSA file signer").Raw)
	k.ecKey = filepath.Join(k.dir, "ec.key")
	runOpenSSL(t, "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", k.ecKey)
	k.ecCert = writePEM(t, filepath.Join(k.dir, "ec-cert.pem"), "CERTIFICATE", k.ca.Issue(t, readPublic(t, k.ecKey), "EC file signer").Raw)
	return k
}

// p12 has openssl make a PKCS#12 file; extra selects the algorithms.
func (k *fileKeys) p12(t testing.TB, name, key, cert, password string, extra ...string) string {
	t.Helper()
	out := filepath.Join(k.dir, name)
	args := append([]string{"pkcs12", "-export", "-inkey", key, "-in", cert, "-certfile", k.caPEM, "-passout", "pass:" + password, "-out", out}, extra...)
	runOpenSSL(t, args...)
	return out
}

// signAndCheck signs with s and verifies with openssl.
func signAndCheck(t *testing.T, s Signer, opts crypto.SignerOpts) {
	t.Helper()
	data := []byte("result document 7")
	h := opts.HashFunc()
	sig, err := s.Sign(rand.Reader, digestOf(h, data), opts)
	require.NoError(t, err)
	pss, _ := opts.(*rsa.PSSOptions)
	require.NoError(t, opensslVerify(t, s.Certificate(), data, sig, h, pss))
}

func TestPKCS12(t *testing.T) {
	k := newFileKeys(t)
	modern := k.p12(t, "modern.p12", k.rsaKey, k.rsaCert, p12Password)
	legacy := k.p12(t, "legacy.pfx", k.ecKey, k.ecCert, p12Password, "-certpbe", "PBE-SHA1-3DES", "-keypbe", "PBE-SHA1-3DES", "-macalg", "sha1")
	empty := k.p12(t, "empty.p12", k.ecKey, k.ecCert, "")
	passFile := writePINFile(t, p12Password)

	t.Run("modern, password from TAMGA_PIN", func(t *testing.T) {
		s := mustOpen(t, "file:"+modern, &Options{Getenv: envOf(EnvPIN, p12Password)})
		assert.Equal(t, "RSA file signer", s.Certificate().Subject.CommonName)
		require.Len(t, s.Chain(), 1)
		assert.True(t, s.Chain()[0].Equal(k.ca.Cert))
		signAndCheck(t, s, crypto.SHA256)
		signAndCheck(t, s, &rsa.PSSOptions{Hash: crypto.SHA384})
	})
	t.Run("legacy 3DES, password from pin-source", func(t *testing.T) {
		s := mustOpen(t, "file://"+legacy+"?pin-source=file:"+passFile, &Options{Getenv: envOf()})
		assert.Equal(t, "EC file signer", s.Certificate().Subject.CommonName)
		signAndCheck(t, s, crypto.SHA256)
	})
	t.Run("relative paths", func(t *testing.T) {
		t.Chdir(k.dir)
		require.NoError(t, os.WriteFile("pin.txt", []byte(p12Password+"\n"), 0o600))
		s := mustOpen(t, "file:"+filepath.Base(legacy)+"?pin-source=file:pin.txt", &Options{Getenv: envOf()})
		signAndCheck(t, s, crypto.SHA256)
	})
	t.Run("empty password needs no PIN source", func(t *testing.T) {
		s := mustOpen(t, "file:"+empty, &Options{Getenv: envOf()})
		signAndCheck(t, s, crypto.SHA384)
	})
	t.Run("password from the callback after the empty one failed", func(t *testing.T) {
		var prompts []string
		s := mustOpen(t, "file:"+modern, &Options{Getenv: envOf(), PIN: func(_ context.Context, p string) ([]byte, error) {
			prompts = append(prompts, p)
			return []byte(p12Password), nil
		}})
		require.NotNil(t, s)
		assert.Equal(t, []string{"Password for modern.p12: "}, prompts)
	})
	t.Run("wrong password", func(t *testing.T) {
		for _, opts := range []*Options{
			{Getenv: envOf(EnvPIN, "x"+p12Password)},
			{Getenv: envOf(), PIN: func(context.Context, string) ([]byte, error) { return []byte(p12Password + "x"), nil }},
		} {
			_, err := Open(context.Background(), "file:"+modern, opts)
			require.ErrorIs(t, err, ErrPINIncorrect)
			assert.NotContains(t, err.Error(), p12Password)
		}
	})
	t.Run("no password source", func(t *testing.T) {
		_, err := Open(context.Background(), "file:"+modern, &Options{Getenv: envOf()})
		require.ErrorIs(t, err, ErrPINRequired)
	})
	t.Run("ECDSA P-384 from go-pkcs12", func(t *testing.T) {
		key, err := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
		require.NoError(t, err)
		cert := k.ca.Issue(t, key.Public(), "P-384 signer")
		der, err := pkcs12.Modern2023.Encode(key, cert, []*x509.Certificate{k.ca.Cert}, p12Password)
		require.NoError(t, err)
		p := filepath.Join(k.dir, "p384.pfx")
		require.NoError(t, os.WriteFile(p, der, 0o600))
		s := mustOpen(t, "file:"+p, &Options{Getenv: envOf(EnvPIN, p12Password)})
		signAndCheck(t, s, crypto.SHA384)
		// openssl reads it too.
		runOpenSSL(t, "pkcs12", "-in", p, "-passin", "pass:"+p12Password, "-nokeys", "-out", filepath.Join(k.dir, "p384-certs.pem"))
	})
}

// TestPKCS12TooMuchWork: a file that asks for 2^30 PBKDF iterations is
// refused at once instead of keeping the signer busy for an hour.
func TestPKCS12TooMuchWork(t *testing.T) {
	k := newFileKeys(t)
	der, err := os.ReadFile(k.p12(t, "ok.p12", k.ecKey, k.ecCert, p12Password))
	require.NoError(t, err)
	require.NoError(t, checkPFXWork(der))

	var pfx pfxPDU
	_, err = asn1.Unmarshal(der, &pfx)
	require.NoError(t, err)
	pfx.MacData.Iterations = 1 << 30
	hostile, err := asn1.Marshal(pfx)
	require.NoError(t, err)
	p := filepath.Join(k.dir, "hostile.p12")
	require.NoError(t, os.WriteFile(p, hostile, 0o600))

	start := time.Now()
	_, err = Open(context.Background(), "file:"+p, &Options{Getenv: envOf(EnvPIN, p12Password)})
	require.ErrorIs(t, err, ErrBadKeyFile)
	assert.Contains(t, err.Error(), "1073741824 iterations")
	assert.Less(t, time.Since(start), 5*time.Second)

	for _, bad := range [][]byte{nil, []byte("not a pfx"), der[:len(der)/2], append(der, 0)} {
		require.Error(t, checkPFXWork(bad))
	}
}

func TestPEM(t *testing.T) {
	k := newFileKeys(t)
	read := func(p string) []byte {
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		return b
	}
	both := filepath.Join(k.dir, "both.pem")
	require.NoError(t, os.WriteFile(both, append(append(read(k.ecKey), read(k.ecCert)...), read(k.caPEM)...), 0o600))

	// A SEC 1 ("EC PRIVATE KEY") key with its certificate in KEY.crt.
	sec1 := filepath.Join(k.dir, "sec1.key")
	runOpenSSL(t, "pkey", "-in", k.ecKey, "-traditional", "-out", sec1)
	require.Contains(t, string(read(sec1)), "BEGIN EC PRIVATE KEY")
	require.NoError(t, os.WriteFile(filepath.Join(k.dir, "sec1.crt"), append(read(k.ecCert), read(k.caPEM)...), 0o600))

	// A PKCS#1 ("RSA PRIVATE KEY") key with a DER certificate in cert=.
	pkcs1 := filepath.Join(k.dir, "pkcs1.pem")
	runOpenSSL(t, "pkey", "-in", k.rsaKey, "-traditional", "-out", pkcs1)
	require.Contains(t, string(read(pkcs1)), "BEGIN RSA PRIVATE KEY")
	certDER := filepath.Join(k.dir, "rsa.der")
	runOpenSSL(t, "x509", "-in", k.rsaCert, "-outform", "DER", "-out", certDER)

	tests := []struct {
		name      string
		ref       string
		cn        string
		wantChain int
		opts      crypto.SignerOpts
	}{
		{"key and chain in one file", "file:" + both, "EC file signer", 1, crypto.SHA256},
		{"certificate in KEY.crt", "file:" + sec1, "EC file signer", 1, crypto.SHA512},
		{"certificate in cert=", "file:" + pkcs1 + "?cert=" + certDER, "RSA file signer", 0, &rsa.PSSOptions{Hash: crypto.SHA256}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustOpen(t, tt.ref, &Options{Getenv: envOf()})
			assert.Equal(t, tt.cn, s.Certificate().Subject.CommonName)
			assert.Len(t, s.Chain(), tt.wantChain)
			signAndCheck(t, s, tt.opts)
		})
	}

	encrypted := filepath.Join(k.dir, "enc.pem")
	runOpenSSL(t, "pkey", "-in", k.ecKey, "-aes256", "-passout", "pass:"+p12Password, "-out", encrypted)
	twoKeys := filepath.Join(k.dir, "two.pem")
	require.NoError(t, os.WriteFile(twoKeys, append(read(k.ecKey), read(k.rsaKey)...), 0o600))
	small := filepath.Join(k.dir, "small.key")
	runOpenSSL(t, "genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024", "-out", small)
	big := filepath.Join(k.dir, "big.pem")
	require.NoError(t, os.WriteFile(big, make([]byte, maxKeyFile+1), 0o600))

	errTests := []struct {
		name string
		ref  string
		want error
	}{
		{"encrypted PEM", "file:" + encrypted, ErrUnsupported},
		{"certificate of another key", "file:" + k.ecKey + "?cert=" + k.rsaCert, ErrCertificateNotFound},
		{"no certificate", "file:" + k.ecKey, fs.ErrNotExist},
		{"two keys", "file:" + twoKeys + "?cert=" + k.ecCert, ErrBadKeyFile},
		{"RSA-1024", "file:" + small + "?cert=" + k.rsaCert, ErrUnsupported},
		{"too large", "file:" + big, ErrBadKeyFile},
		{"missing file", "file:/nonexistent/key.p12", fs.ErrNotExist},
		{"cert= for PKCS#12", "file:" + filepath.Join(k.dir, "x.p12") + "?cert=a.pem", ErrBadReference},
		{"unknown parameter", "file:" + both + "?certificate=a.pem", ErrBadReference},
		{"pin-value", "file:" + both + "?pin-value=" + p12Password, ErrBadReference},
		{"empty", "file:", ErrBadReference},
		{"remote host", "file://example.org/key.p12", ErrBadReference},
		{"bad escape", "file:/a%zz.p12", ErrBadReference},
	}
	for _, tt := range errTests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(context.Background(), tt.ref, &Options{Getenv: envOf(EnvPIN, p12Password)})
			require.ErrorIs(t, err, tt.want)
			require.Nil(t, s)
			assert.NotContains(t, err.Error(), p12Password)
			t.Log(err)
		})
	}
}

func TestFileSignerClose(t *testing.T) {
	k := newFileKeys(t)
	s := mustOpen(t, "file:"+k.ecKey+"?cert="+k.ecCert, nil)
	// A file key offers internal/cms its Go key (cms.SoftwareSigner)
	// until it is closed.
	sk, ok := s.(interface{ SoftwareKey() crypto.Signer })
	require.True(t, ok)
	require.IsType(t, &ecdsa.PrivateKey{}, sk.SoftwareKey())
	require.NoError(t, s.Close())
	require.Nil(t, sk.SoftwareKey())
	_, err := s.Sign(nil, digestOf(crypto.SHA256, nil), crypto.SHA256)
	require.ErrorIs(t, err, ErrClosed)
}

// FuzzCheckPFX feeds the PKCS#12 pre-check and, when it passes, the
// decoder: neither may panic, and what the check passes decodes in
// bounded time.
func FuzzCheckPFX(f *testing.F) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	ca := softhsm.NewCA(f, "Fuzz CA")
	cert := ca.Issue(f, key.Public(), "fuzz")
	for _, enc := range []*pkcs12.Encoder{pkcs12.Modern2023.WithIterations(1), pkcs12.LegacyDES.WithIterations(1), pkcs12.Passwordless} {
		der, err := enc.Encode(key, cert, []*x509.Certificate{ca.Cert}, "")
		if err != nil && enc == pkcs12.Passwordless {
			continue
		}
		if err != nil {
			f.Fatal(err)
		}
		f.Add(der)
	}
	f.Add([]byte{0x30, 0x03, 0x02, 0x01, 0x03})
	f.Fuzz(func(t *testing.T, der []byte) {
		checkPFXWork(der) // the real limits: must not panic
		// Lower limits keep each run fast enough to fuzz the decoder.
		if err := checkPFXWorkLimits(der, 10_000, 20_000); err != nil {
			return
		}
		pkcs12.DecodeChain(der, "")
	})
}

// FuzzParseFileRef: file references parse or fail with ErrBadReference.
func FuzzParseFileRef(f *testing.F) {
	for _, s := range []string{"file:/a/b.p12", "file:key.pem?cert=c.pem", "file:///x?pin-source=file:/p", "file://localhost/x%20y.pfx", "file:?a=b&a=c", "file:%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := parseFileRef("file:" + strings.TrimPrefix(s, "file:"))
		if err != nil {
			var re *ReferenceError
			if !errors.As(err, &re) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if r.path == "" {
			t.Fatal("empty path accepted")
		}
	})
}
