package sign_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tamgasign/tamga/internal/cms"
	"github.com/tamgasign/tamga/internal/pdftest"
	"github.com/tamgasign/tamga/internal/softhsm"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/internal/testtool"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/token"
	"github.com/tamgasign/tamga/verify"
)

// A token Signer can be cancelled mid-signature by cms.Sign.
var _ cms.ContextSigner = token.Signer(nil)

// tokenKey puts a key issued by the test PKI on a fresh SoftHSM2 token,
// with its certificate and the issuing CA's, as a national CA would
// deliver it, and opens it through PKCS#11.
func tokenKey(t *testing.T, p *testpki.PKI, label string) token.Signer {
	t.Helper()
	hsm := softhsm.New(t)
	tk := hsm.InitToken(t, label, "4815162342")
	id, err := p.Issue(testpki.LeafSpec{Name: "token-" + strings.ToLower(label)})
	require.NoError(t, err)
	keyPEM, err := id.KeyPEM()
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	require.NoError(t, os.WriteFile(keyFile, keyPEM, 0o600))
	out, err := exec.Command(testtool.Require(t, "softhsm2-util"), "--import", keyFile,
		"--token", label, "--label", "sign-key", "--id", "01", "--pin", tk.PIN).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.NoError(t, os.Remove(keyFile))
	tk.WriteCertificate(t, "sign-key", []byte{1}, id.Cert)
	tk.WriteCertificate(t, "CA", []byte{2}, p.Intermediate.Cert)
	key, err := token.Open(context.Background(), tk.URI("sign-key", nil), &token.Options{
		Getenv: func(k string) string {
			if k == token.EnvPIN {
				return tk.PIN
			}
			return ""
		},
	})
	require.NoError(t, err)
	return key
}

// TestPAdESTwoSignersLTA is the acceptance case of PAdES: a one-page PDF
// signed B-LTA by two signers, one with a key on a SoftHSM2 token and one
// with a key file, validates TOTAL_PASSED offline, and pdfsig finds both
// signatures valid and trusted.
func TestPAdESTwoSignersLTA(t *testing.T) {
	pdfsig := testtool.Require(t, "pdfsig")
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, nil)
	p := srv.PKI
	hsmKey := tokenKey(t, p, "Executor")
	defer hsmKey.Close()
	dir := t.TempDir()
	in, one, two := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "one.pdf"), filepath.Join(dir, "two.pdf")
	require.NoError(t, os.WriteFile(in, pdftest.OnePage("Licence No. 20261123000417"), 0o644))
	opts := &sign.Options{Level: sign.LevelBLTA, TSA: tsaURL, Roots: p.Roots()}
	signPDFWith(t, hsmKey, in, one, opts)
	signPDFWith(t, p.Executor.Signer(), one, two, opts)

	b, err := os.ReadFile(two)
	require.NoError(t, err)
	r, err := verify.PDF(context.Background(), bytes.NewReader(b), int64(len(b)), &verify.Policy{Roots: p.Roots()})
	require.NoError(t, err)
	require.Len(t, r.Signatures, 4, "two signatures and two document time-stamps")
	for _, s := range r.Signatures {
		require.Equal(t, verify.TotalPassed, s.Indication, "%s: %v", s.Level, s.Messages)
	}
	require.Equal(t, verify.TotalPassed, r.Indication)
	require.Equal(t, "PAdES-BASELINE-LTA", r.Signatures[0].Level)
	requireVRI(t, two, 0, 2) // the two CAdES signatures (1 and 3 are document time-stamps)

	out, err := exec.Command(pdfsig, "-nssdir", nssTrust(t, testpki.CertPEM(p.Root.Cert)), two).CombinedOutput()
	// pdfsig 22.12 cannot validate document time-stamps and exits non-zero
	// for them; the two CAdES signatures must be valid and trusted.
	report := string(out)
	require.Equal(t, 2, strings.Count(report, "Signature Validation: Signature is Valid."), "%v\n%s", err, report)
	require.Equal(t, 2, strings.Count(report, "Certificate Validation: Certificate is Trusted."), report)
}

// TestCAdESLargeFileWithSoftHSM is the acceptance case of CAdES signing:
// a detached CAdES-B-T over a 1 GiB file, made with a key on a real
// PKCS#11 token, validates as TOTAL_PASSED with tamga and with OpenSSL, and
// one changed byte of the content makes it TOTAL_FAILED/HASH_FAILURE.
func TestCAdESLargeFileWithSoftHSM(t *testing.T) {
	if testing.Short() {
		t.Skip("streams 1 GiB several times; not in -short")
	}
	ctx := context.Background()
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, nil)
	p := srv.PKI

	key := tokenKey(t, p, "Applicant")
	defer key.Close()
	require.Len(t, key.Chain(), 1, "the chain is read from the token")

	// 1 GiB, sparse: the disk holds nothing, the reader still streams it all.
	big := filepath.Join(t.TempDir(), "big.bin")
	f, err := os.Create(big)
	require.NoError(t, err)
	require.NoError(t, f.Truncate(1<<30))
	_, err = f.WriteAt([]byte("Арыз / Application"), 1<<29)
	require.NoError(t, err)
	require.NoError(t, f.Close())

	in, err := os.Open(big)
	require.NoError(t, err)
	sig, err := sign.CAdES(ctx, key, in, &sign.Options{Level: sign.LevelBT, TSA: tsaURL})
	in.Close()
	require.NoError(t, err)
	sigFile := big + ".p7s"
	require.NoError(t, os.WriteFile(sigFile, sig, 0o644))

	check := func() *verify.Report {
		in, err := os.Open(big)
		require.NoError(t, err)
		defer in.Close()
		r, err := verify.CMS(ctx, sig, in, &verify.Policy{Roots: p.Roots(), Online: true})
		require.NoError(t, err)
		return r
	}
	r := check()
	require.Equal(t, verify.TotalPassed, r.Indication, "%v", r.Signatures[0].Messages)
	require.Equal(t, "CAdES-BASELINE-T", r.Signatures[0].Level)

	rootPEM := filepath.Join(t.TempDir(), "root.pem")
	require.NoError(t, os.WriteFile(rootPEM, testpki.CertPEM(p.Root.Cert), 0o644))
	out, err := exec.Command(testtool.Require(t, "openssl"), "cms", "-verify", "-binary", "-inform", "DER",
		"-in", sigFile, "-content", big, "-CAfile", rootPEM, "-purpose", "any", "-out", os.DevNull).CombinedOutput()
	require.NoError(t, err, "openssl cms -verify: %s", out)
	require.True(t, bytes.Contains(out, []byte("Verification successful")), "%s", out)

	f, err = os.OpenFile(big, os.O_WRONLY, 0)
	require.NoError(t, err)
	_, err = f.WriteAt([]byte{1}, 3<<28)
	require.NoError(t, err)
	require.NoError(t, f.Close())
	r = check()
	require.Equal(t, verify.TotalFailed, r.Indication)
	require.Equal(t, verify.HashFailure, r.Signatures[0].SubIndication)
}
