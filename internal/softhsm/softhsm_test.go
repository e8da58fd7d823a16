package softhsm

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"os/exec"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// TestNewKey checks the helper end to end with pkcs11-tool, an
// implementation independent of tamga: the token holds the key pair, the
// certificate under the key's id and the CA certificate.
func TestNewKey(t *testing.T) {
	h := New(t)
	tk := h.InitToken(t, "Helper Test", "1234")
	ca := NewCA(t, "Helper CA")
	rsaCert := tk.NewKey(t, KeySpec{Type: "rsa:2048", Label: "r", ID: []byte{0xA1}}, ca, "RSA signer")
	ecCert := tk.NewKey(t, KeySpec{Type: "EC:secp384r1", Label: "e", ID: []byte{0xA2}, AlwaysAuthenticate: true}, ca, "EC signer")

	require.IsType(t, &rsa.PublicKey{}, rsaCert.PublicKey)
	require.Equal(t, 2048, rsaCert.PublicKey.(*rsa.PublicKey).N.BitLen())
	require.Equal(t, "P-384", ecCert.PublicKey.(*ecdsa.PublicKey).Curve.Params().Name)
	require.NoError(t, rsaCert.CheckSignatureFrom(ca.Cert))

	out, err := exec.Command(h.tool, "--module", h.Module, "--token-label", tk.Label, "--login", "--pin", tk.PIN, "--list-objects").CombinedOutput()
	require.NoError(t, err, "%s", out)
	list := string(out)
	for _, want := range []string{"Private Key Object; RSA", "Private Key Object; EC", "always authenticate", "subject:    DN: O=tamga test, CN=RSA signer", "label:      CA"} {
		require.Contains(t, list, want)
	}
	// One CA certificate, however many keys it certified.
	require.Equal(t, 1, strings.Count(list, "label:      CA"))

	require.Equal(t, "pkcs11:token=Helper%20Test;object=r;id=%A1?module-path="+h.Module, tk.URI("r", []byte{0xA1}))
}
