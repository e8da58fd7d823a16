// This file holds helpers shared by the tests.

package testpki

import (
	"crypto/x509"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tamgasign/tamga/internal/testtool"
)

// algs are the key algorithms every algorithm-dependent test runs over.
var algs = []KeyAlg{ECDSAP256, RSA2048, RSA3072}

// fakeClock is a settable clock for Config.Now.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock(t time.Time) *fakeClock { return &fakeClock{t: t} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Add(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// writePEM writes certificates as PEM into dir/name and returns the path.
func writePEM(t testing.TB, dir, name string, certs ...*x509.Certificate) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, CertPEM(certs...), 0o644))
	return path
}

func writeFile(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	require.NoError(t, os.WriteFile(path, data, 0o600))
	return path
}

// openssl runs the openssl program and returns its combined output and
// whether it exited with status 0.
func openssl(t testing.TB, args ...string) (string, bool) {
	t.Helper()
	bin := testtool.Require(t, "openssl")
	out, err := exec.Command(bin, args...).CombinedOutput()
	if err != nil {
		if _, ok := err.(*exec.ExitError); !ok {
			t.Fatalf("running openssl %v: %v", args, err)
		}
	}
	return string(out), err == nil
}

// chainFiles writes root.pem and the chain of id (untrusted.pem) and the
// leaf into a temporary directory.
func chainFiles(t testing.TB, p *PKI, id *Identity) (dir, root, untrusted, leaf string) {
	t.Helper()
	dir = t.TempDir()
	root = writePEM(t, dir, "root.pem", p.Root.Cert)
	untrusted = writePEM(t, dir, "untrusted.pem", id.Chain...)
	if len(id.Chain) == 0 {
		// openssl refuses an empty -untrusted file; an extra root is harmless.
		untrusted = writePEM(t, dir, "untrusted.pem", p.Root.Cert)
	}
	leaf = writePEM(t, dir, id.Name+".pem", id.Cert)
	return dir, root, untrusted, leaf
}

// goVerify verifies id's certificate against p's root with crypto/x509 at
// time at, accepting any EKU.
func goVerify(p *PKI, id *Identity, at time.Time) error {
	inter := x509.NewCertPool()
	for _, c := range id.Chain {
		inter.AddCert(c)
	}
	_, err := id.Cert.Verify(x509.VerifyOptions{
		Roots: p.Roots(), Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	return err
}
