package token

import (
	"context"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// executor returns the test token from List's result.
func executor(t *testing.T, slots []Slot) *TokenInfo {
	t.Helper()
	for _, s := range slots {
		if s.Token != nil && s.Token.Label == tokenName {
			require.True(t, s.TokenPresent)
			return s.Token
		}
	}
	t.Fatalf("token %q not listed in %+v", tokenName, slots)
	return nil
}

func TestList(t *testing.T) {
	f := newFixture(t, specRSA, specP384, specQES)

	t.Run("public objects only", func(t *testing.T) {
		slots, err := List(context.Background(), f.hsm.Module, &Options{Getenv: envOf(EnvPIN, testPIN)})
		require.NoError(t, err)
		tok := executor(t, slots)
		assert.False(t, tok.LoggedIn)
		assert.True(t, tok.Initialized)
		assert.True(t, tok.LoginRequired)
		assert.True(t, tok.UserPINInitialized)
		assert.Equal(t, "SoftHSM project", tok.Manufacturer)
		assert.NotEmpty(t, tok.Serial)
		var certs, pubs int
		for _, o := range tok.Objects {
			assert.NotEqual(t, ClassPrivateKey, o.Class, "private keys are private objects")
			switch o.Class {
			case ClassCertificate:
				certs++
				require.NotNil(t, o.Certificate, o.Label)
			case ClassPublicKey:
				pubs++
			}
		}
		assert.Equal(t, 4, certs, "three keys' certificates and the CA")
		assert.Equal(t, 3, pubs)
		// A free slot is listed too, with an uninitialised token.
		var free bool
		for _, s := range slots {
			free = free || (s.Token != nil && !s.Token.Initialized)
		}
		assert.True(t, free)
	})

	t.Run("with login", func(t *testing.T) {
		slots, err := List(context.Background(), "", &Options{Login: true, Getenv: envOf(EnvPIN, testPIN, EnvModule, f.hsm.Module)})
		require.NoError(t, err)
		tok := executor(t, slots)
		assert.True(t, tok.LoggedIn)
		byLabel := map[string]Object{}
		for _, o := range tok.Objects {
			if o.Class == ClassPrivateKey {
				byLabel[o.Label] = o
			}
		}
		require.Len(t, byLabel, 3)
		assert.Equal(t, Object{Class: ClassPrivateKey, Label: "rsa-key", ID: []byte{1}, KeyType: "RSA", Bits: 2048,
			URI: "pkcs11:token=Executor;serial=" + tok.Serial + ";object=rsa-key;id=%01;type=private?module-path=" + f.hsm.Module},
			byLabel["rsa-key"])
		assert.Equal(t, "P-384", byLabel["p384-key"].Curve)
		assert.Equal(t, 384, byLabel["p384-key"].Bits)
		assert.True(t, byLabel["qes-key"].AlwaysAuthenticate)
		assert.Equal(t, ClassPrivateKey, tok.Objects[0].Class, "private keys come first")

		// Every listed URI opens its key, with the right certificate.
		for label, o := range byLabel {
			s := mustOpen(t, o.URI, pinOpts())
			assert.True(t, s.Certificate().Equal(f.certs[label]), label)
			require.NoError(t, s.Close())
		}
		requireModuleFinalised(t, f.hsm.Module)
	})

	t.Run("wrong PIN", func(t *testing.T) {
		_, err := List(context.Background(), f.hsm.Module, &Options{Login: true, Getenv: envOf(EnvPIN, "bad"+testPIN)})
		require.ErrorIs(t, err, ErrPINIncorrect)
		assert.NotContains(t, err.Error(), testPIN)
		requireModuleFinalised(t, f.hsm.Module)
	})

	t.Run("no module", func(t *testing.T) {
		_, err := List(context.Background(), "", &Options{Getenv: envOf()})
		require.ErrorIs(t, err, ErrModule)
	})
}

func TestFindModule(t *testing.T) {
	p, err := FindModule(envOf(EnvModule, "/opt/vendor/pkcs11.so"))
	require.NoError(t, err)
	assert.Equal(t, "/opt/vendor/pkcs11.so", p)
	old := commonModules
	t.Cleanup(func() { commonModules = old })
	commonModules = []string{"/nonexistent/a.so"}
	_, err = FindModule(envOf())
	require.ErrorIs(t, err, ErrModule)
}
