package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/softhsm"
	"github.com/tamgasign/tamga/token"
)

const tokenTestPIN = "Cli-Zq7!4711"

// TestTokenList runs "tamga token list" in process against a SoftHSM2
// token holding an RSA key, its certificate and the CA certificate.
func TestTokenList(t *testing.T) {
	h := softhsm.New(t)
	tok := h.InitToken(t, "Executor", tokenTestPIN)
	ca := softhsm.NewCA(t, "CLI Test CA")
	cert := tok.NewKey(t, softhsm.KeySpec{Type: "rsa:2048", Label: "sign-key", ID: []byte{0x42}}, ca, "Executor of Agency 7")
	tok.NewKey(t, softhsm.KeySpec{Type: "EC:prime256v1", Label: "qes", ID: []byte{0x43}, AlwaysAuthenticate: true}, ca, "Applicant")
	validity := fmt.Sprintf("Valid:   %s to %s", cert.NotBefore.UTC().Format("2006-01-02"), cert.NotAfter.UTC().Format("2006-01-02"))

	t.Run("public objects", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, map[string]string{"TAMGA_PIN": tokenTestPIN}, "token", "list", "--module", h.Module)
		require.Equal(t, exitOK, code, stderr)
		for _, want := range []string{
			"Module: " + h.Module + " (--module)",
			`Token "Executor": SoftHSM project SoftHSM v2, serial `,
			"Flags: login required, user PIN set",
			"use --login to list private keys",
			`Certificate   label "sign-key"  id 42`,
			"Subject: CN=Executor of Agency 7,O=tamga test",
			"Issuer:  CN=CLI Test CA,O=tamga test",
			"Serial:  " + fmt.Sprintf("%x", cert.SerialNumber.Bytes()),
			validity,
			`Public key    RSA 2048  label "sign-key"  id 42`,
			`Public key    EC P-256  label "qes"  id 43`,
			"token not initialised",
		} {
			assert.Contains(t, stdout, want)
		}
		assert.NotContains(t, stdout, "Private key")
	})

	t.Run("with login", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, map[string]string{"TAMGA_PIN": tokenTestPIN, "TAMGA_PKCS11_MODULE": h.Module}, "token", "list", "--login")
		require.Equal(t, exitOK, code, stderr)
		assert.Contains(t, stdout, "Module: "+h.Module+" (TAMGA_PKCS11_MODULE)")
		assert.Contains(t, stdout, "Logged in: all objects listed")
		assert.Contains(t, stdout, `Private key   RSA 2048  label "sign-key"  id 42`)
		assert.Contains(t, stdout, `Private key   EC P-256  label "qes"  id 43  PIN for every signature`)
		assert.Contains(t, stdout, "URI:     pkcs11:token=Executor;serial=")
		assert.Contains(t, stdout, ";object=sign-key;id=%42;type=private?module-path="+h.Module)
		assert.NotContains(t, stdout+stderr, tokenTestPIN)
	})

	t.Run("json", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, map[string]string{"TAMGA_PIN": tokenTestPIN}, "token", "list", "--module", h.Module, "--login", "--json")
		require.Equal(t, exitOK, code, stderr)
		var out tokenListOutput
		require.NoError(t, json.Unmarshal([]byte(stdout), &out), stdout)
		assert.Equal(t, h.Module, out.Module)
		var found bool
		for _, s := range out.Slots {
			if s.Token == nil || s.Token.Label != "Executor" {
				continue
			}
			assert.True(t, s.Token.LoggedIn)
			for _, o := range s.Token.Objects {
				if o.Class == "certificate" && o.Label == "sign-key" {
					found = true
					assert.Equal(t, "42", o.ID)
					require.NotNil(t, o.Certificate)
					assert.Equal(t, cert.Subject.String(), o.Certificate.Subject)
					assert.True(t, cert.NotAfter.Equal(o.Certificate.NotAfter))
				}
				if o.Class == "private-key" && o.Label == "sign-key" {
					// The listed URI opens the key.
					s, err := token.Open(t.Context(), o.URI, &token.Options{Getenv: func(k string) string {
						return map[string]string{"TAMGA_PIN": tokenTestPIN}[k]
					}})
					require.NoError(t, err)
					assert.True(t, s.Certificate().Equal(cert))
					require.NoError(t, s.Close())
				}
			}
		}
		assert.True(t, found, stdout)
	})

	t.Run("wrong PIN", func(t *testing.T) {
		code, stdout, stderr := runCLI(t, map[string]string{"TAMGA_PIN": "bad-" + tokenTestPIN}, "token", "list", "--module", h.Module, "--login")
		assert.Equal(t, exitNoPerm, code)
		assert.Contains(t, stderr, "PIN is incorrect")
		assert.NotContains(t, stdout+stderr, tokenTestPIN)
	})
}

func TestTokenListErrors(t *testing.T) {
	tests := []struct {
		name   string
		env    map[string]string
		args   []string
		code   int
		stderr string
	}{
		{"missing module", nil, []string{"token", "list", "--module", "/nonexistent/pkcs11.so"}, exitUnavailable, "/nonexistent/pkcs11.so"},
		{"relative module", nil, []string{"token", "list", "--module", "lib.so"}, exitUnavailable, "not absolute"},
		{"not a module", map[string]string{"TAMGA_PKCS11_MODULE": "/etc/passwd"}, []string{"token", "list"}, exitUnavailable, "cannot be loaded"},
		{"stray argument", nil, []string{"token", "list", "extra"}, exitUsage, "takes no arguments"},
		{"no sub-verb", nil, []string{"token"}, exitUsage, "token list"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, tt.env, tt.args...)
			assert.Equal(t, tt.code, code, stderr)
			assert.Contains(t, stderr, tt.stderr)
		})
	}
	code, stdout, _ := runCLI(t, nil, "token", "list", "--help")
	assert.Equal(t, exitOK, code)
	assert.Contains(t, stdout, "Examples:")
	assert.Contains(t, stdout, "--login")
}

func TestClassifyTokenError(t *testing.T) {
	tests := []struct {
		err  error
		code int
	}{
		{token.ErrPINIncorrect, exitNoPerm},
		{token.ErrPINLocked, exitNoPerm},
		{fmt.Errorf("open: %w", token.ErrPINRequired), exitNoPerm},
		{token.ErrTokenNotPresent, exitUnavailable},
		{token.ErrModule, exitUnavailable},
		{&token.ReferenceError{Attr: "slot-id", Reason: "x"}, exitUsage},
		{token.ErrKeyNotFound, exitDataErr},
		{token.ErrAmbiguousKey, exitDataErr},
		{token.ErrCertificateNotFound, exitDataErr},
		{token.ErrBadKeyFile, exitDataErr},
		{&token.PKCS11Error{Func: "C_Sign", Code: 0x30}, exitUnavailable},
		{errors.New("something else"), exitSoftware},
	}
	for _, tt := range tests {
		t.Run(tt.err.Error(), func(t *testing.T) {
			assert.Equal(t, tt.code, exitCode(tt.err))
		})
	}
}
