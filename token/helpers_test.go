package token

import (
	"context"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/softhsm"
	"github.com/tamgasign/tamga/internal/testtool"
)

// testPIN is distinctive, so that a test can look for it in error texts.
const testPIN = "Zq7!pin-4711"

// Key pairs the tests make on their tokens.
var (
	specRSA   = softhsm.KeySpec{Type: "rsa:2048", Label: "rsa-key", ID: []byte{0x01}}
	specP256  = softhsm.KeySpec{Type: "EC:prime256v1", Label: "p256-key", ID: []byte{0x02}}
	specP384  = softhsm.KeySpec{Type: "EC:secp384r1", Label: "p384-key", ID: []byte{0x03}}
	specQES   = softhsm.KeySpec{Type: "EC:prime256v1", Label: "qes-key", ID: []byte{0x04}, AlwaysAuthenticate: true}
	specDup1  = softhsm.KeySpec{Type: "EC:prime256v1", Label: "dup", ID: []byte{0x10}}
	specDup2  = softhsm.KeySpec{Type: "EC:prime256v1", Label: "dup", ID: []byte{0x11}}
	tokenName = "Executor"
)

// fixture is a SoftHSM2 token with keys and certificates made for one test.
type fixture struct {
	hsm   *softhsm.HSM
	tok   *softhsm.Token
	ca    *softhsm.CA
	certs map[string]*x509.Certificate // by key label
}

func newFixture(t testing.TB, specs ...softhsm.KeySpec) *fixture {
	t.Helper()
	h := softhsm.New(t)
	f := &fixture{hsm: h, tok: h.InitToken(t, tokenName, testPIN), ca: softhsm.NewCA(t, "Test Root CA"), certs: map[string]*x509.Certificate{}}
	for _, s := range specs {
		f.certs[s.Label] = f.tok.NewKey(t, s, f.ca, "Signer "+s.Label)
	}
	return f
}

// uri is the key's URI with the module path and nothing about the PIN.
func (f *fixture) uri(s softhsm.KeySpec) string { return f.tok.URI(s.Label, s.ID) }

// envOf returns a Getenv that sees only vars; tests must not see the
// developer's TAMGA_PIN.
func envOf(vars ...string) func(string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(vars); i += 2 {
		m[vars[i]] = vars[i+1]
	}
	return func(k string) string { return m[k] }
}

// pinOpts gives the right PIN through TAMGA_PIN.
func pinOpts() *Options { return &Options{Getenv: envOf(EnvPIN, testPIN)} }

// mustOpen opens ref and closes it at the end of the test.
func mustOpen(t testing.TB, ref string, opts *Options) Signer {
	t.Helper()
	s, err := Open(context.Background(), ref, opts)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// writePINFile writes pin with a trailing newline, as "echo" would.
func writePINFile(t testing.TB, pin string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "pin")
	require.NoError(t, os.WriteFile(p, []byte(pin+"\n"), 0o600))
	return p
}

// opensslVerify checks sig over data with openssl, using the public key
// that openssl itself extracts from cert.
func opensslVerify(t testing.TB, cert *x509.Certificate, data, sig []byte, h crypto.Hash, pss *rsa.PSSOptions) error {
	t.Helper()
	openssl := testtool.Require(t, "openssl")
	dir := t.TempDir()
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	certFile := write("cert.pem", pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw}))
	pub, err := exec.Command(openssl, "x509", "-in", certFile, "-pubkey", "-noout").Output()
	require.NoError(t, err)
	pubFile := write("pub.pem", pub)
	md := map[crypto.Hash]string{crypto.SHA224: "sha224", crypto.SHA256: "sha256", crypto.SHA384: "sha384", crypto.SHA512: "sha512"}[h]
	args := []string{"dgst", "-" + md, "-verify", pubFile, "-signature", write("sig.bin", sig)}
	if pss != nil {
		salt := pss.SaltLength
		if salt == rsa.PSSSaltLengthEqualsHash || salt == rsa.PSSSaltLengthAuto {
			salt = h.Size()
		}
		args = append(args, "-sigopt", "rsa_padding_mode:pss", "-sigopt", fmt.Sprintf("rsa_pss_saltlen:%d", salt), "-sigopt", "rsa_mgf1_md:"+md)
	}
	args = append(args, write("data.bin", data))
	out, err := exec.Command(openssl, args...).CombinedOutput()
	if err != nil || !strings.Contains(string(out), "Verified OK") {
		return fmt.Errorf("openssl %s: %v: %s", strings.Join(args, " "), err, out)
	}
	return nil
}

// The PKCS#11 spy of OpenSC logs every call that goes through it to a file.
// It reads its configuration once per process, so one log serves all tests.
var spy struct {
	once   sync.Once
	module string
	log    string
	err    error
}

// spyModule returns the spy module path, wrapping SoftHSM2 at module.
func spyModule(t testing.TB, module string) string {
	t.Helper()
	path := testtool.RequireFile(t, "pkcs11-spy.so (package opensc)",
		"/usr/lib/x86_64-linux-gnu/pkcs11-spy.so", "/usr/lib/x86_64-linux-gnu/pkcs11/pkcs11-spy.so",
		"/usr/lib/aarch64-linux-gnu/pkcs11-spy.so", "/usr/lib/pkcs11/pkcs11-spy.so")
	spy.once.Do(func() {
		dir, err := os.MkdirTemp("", "tamga-spy")
		if err != nil {
			spy.err = err
			return
		}
		spyDir = dir
		spy.log = filepath.Join(dir, "spy.log")
		spy.module = path
		os.Setenv("PKCS11SPY", module)
		os.Setenv("PKCS11SPY_OUTPUT", spy.log)
	})
	require.NoError(t, spy.err)
	return spy.module
}

// spyMark returns the current length of the spy log.
func spyMark(t testing.TB) int64 {
	st, err := os.Stat(spy.log)
	if os.IsNotExist(err) {
		return 0
	}
	require.NoError(t, err)
	return st.Size()
}

// spyCall is one call in the spy log: the function and the logged text,
// from its name to its return value.
type spyCall struct {
	fn   string
	text string
}

var spyHeader = regexp.MustCompile(`(?m)^[0-9]+: (C_[A-Za-z]+)\r?$`)

// spyCalls returns the calls logged since mark.
func spyCalls(t testing.TB, mark int64) []spyCall {
	b, err := os.ReadFile(spy.log)
	require.NoError(t, err)
	log := string(b[mark:])
	idx := spyHeader.FindAllStringSubmatchIndex(log, -1)
	var calls []spyCall
	for i, m := range idx {
		end := len(log)
		if i+1 < len(idx) {
			end = idx[i+1][0]
		}
		calls = append(calls, spyCall{fn: log[m[2]:m[3]], text: log[m[0]:end]})
	}
	return calls
}

// spyLogins returns the logged C_Login calls since mark.
func spyLogins(t testing.TB, mark int64) []spyCall {
	var logins []spyCall
	for _, c := range spyCalls(t, mark) {
		if c.fn == "C_Login" {
			logins = append(logins, c)
		}
	}
	return logins
}

var spyDir string

func TestMain(m *testing.M) {
	if os.Getenv(terminalPINChild) == "1" {
		terminalPINChildMain()
	}
	code := m.Run()
	if spyDir != "" {
		os.RemoveAll(spyDir)
	}
	os.Exit(code)
}
