package sign_test

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tamgasign/tamga/internal/cms"
	"github.com/tamgasign/tamga/internal/softhsm"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/internal/testtool"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/token"
	"github.com/tamgasign/tamga/verify"
)

// A token Signer can be cancelled mid-signature by cms.Sign.
var _ cms.ContextSigner = token.Signer(nil)

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

	// The applicant's key goes onto a SoftHSM2 token with its certificate
	// and the issuing CA's, as a national CA would deliver it.
	hsm := softhsm.New(t)
	tk := hsm.InitToken(t, "Applicant", "4815162342")
	id, err := p.Issue(testpki.LeafSpec{Name: "token-holder"})
	require.NoError(t, err)
	keyPEM, err := id.KeyPEM()
	require.NoError(t, err)
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	require.NoError(t, os.WriteFile(keyFile, keyPEM, 0o600))
	out, err := exec.Command(testtool.Require(t, "softhsm2-util"), "--import", keyFile,
		"--token", "Applicant", "--label", "sign-key", "--id", "01", "--pin", tk.PIN).CombinedOutput()
	require.NoError(t, err, "%s", out)
	require.NoError(t, os.Remove(keyFile))
	tk.WriteCertificate(t, "sign-key", []byte{1}, id.Cert)
	tk.WriteCertificate(t, "CA", []byte{2}, p.Intermediate.Cert)

	key, err := token.Open(ctx, tk.URI("sign-key", nil), &token.Options{
		Getenv: func(k string) string {
			if k == token.EnvPIN {
				return tk.PIN
			}
			return ""
		},
	})
	require.NoError(t, err)
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
	out, err = exec.Command(testtool.Require(t, "openssl"), "cms", "-verify", "-binary", "-inform", "DER",
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
