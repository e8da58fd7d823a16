package token

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/miekg/pkcs11"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/softhsm"
)

// digestOf hashes data with h.
func digestOf(h crypto.Hash, data []byte) []byte {
	w := h.New()
	w.Write(data)
	return w.Sum(nil)
}

// TestSignVerify signs with every supported key and scheme on SoftHSM2
// and verifies each signature with crypto/rsa or crypto/ecdsa and with
// openssl.
func TestSignVerify(t *testing.T) {
	f := newFixture(t, specRSA, specP256, specP384)
	data := []byte("application 525/2019 no. 42")
	tests := []struct {
		name string
		key  softhsm.KeySpec
		opts crypto.SignerOpts
	}{
		{"RSA-2048 PKCS1v15 SHA-256", specRSA, crypto.SHA256},
		{"RSA-2048 PKCS1v15 SHA-512", specRSA, crypto.SHA512},
		{"RSA-2048 PSS SHA-256 salt auto", specRSA, &rsa.PSSOptions{Hash: crypto.SHA256}},
		{"RSA-2048 PSS SHA-384 salt=hash", specRSA, &rsa.PSSOptions{Hash: crypto.SHA384, SaltLength: rsa.PSSSaltLengthEqualsHash}},
		{"RSA-2048 PSS SHA-256 salt 20", specRSA, &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: 20}},
		{"ECDSA P-256 SHA-256", specP256, crypto.SHA256},
		{"ECDSA P-256 SHA-384", specP256, crypto.SHA384},
		{"ECDSA P-384 SHA-384", specP384, crypto.SHA384},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustOpen(t, f.uri(tt.key), pinOpts())
			h := tt.opts.HashFunc()
			digest := digestOf(h, data)
			sig, err := s.Sign(rand.Reader, digest, tt.opts)
			require.NoError(t, err)

			pss, _ := tt.opts.(*rsa.PSSOptions)
			switch pub := s.Certificate().PublicKey.(type) {
			case *rsa.PublicKey:
				if pss != nil {
					// Verify with the exact salt length, not "auto".
					want := pss.SaltLength
					if want <= 0 {
						want = h.Size()
					}
					require.NoError(t, rsa.VerifyPSS(pub, h, digest, sig, &rsa.PSSOptions{Hash: h, SaltLength: want}))
				} else {
					require.NoError(t, rsa.VerifyPKCS1v15(pub, h, digest, sig))
				}
			case *ecdsa.PublicKey:
				require.True(t, ecdsa.VerifyASN1(pub, digest, sig))
			}
			require.NoError(t, opensslVerify(t, s.Certificate(), data, sig, h, pss))
			// openssl is not a rubber stamp: other data fails.
			require.Error(t, opensslVerify(t, s.Certificate(), append(data, '!'), sig, h, pss))
		})
	}
}

func TestCertificateAndChain(t *testing.T) {
	f := newFixture(t, specRSA, specP256)
	for _, spec := range []softhsm.KeySpec{specRSA, specP256} {
		s := mustOpen(t, f.uri(spec), pinOpts())
		assert.True(t, s.Certificate().Equal(f.certs[spec.Label]), spec.Label)
		assert.True(t, publicKeyEqual(s.Public(), f.certs[spec.Label].PublicKey))
		chain := s.Chain()
		require.Len(t, chain, 1)
		assert.True(t, chain[0].Equal(f.ca.Cert))
		chain[0] = nil // the caller's copy
		assert.NotNil(t, s.Chain()[0])
	}
}

func TestSignRequestErrors(t *testing.T) {
	f := newFixture(t, specRSA, specP256)
	rsaKey := mustOpen(t, f.uri(specRSA), pinOpts())
	ecKey := mustOpen(t, f.uri(specP256), pinOpts())
	d256 := digestOf(crypto.SHA256, []byte("x"))
	tests := []struct {
		name   string
		s      Signer
		digest []byte
		opts   crypto.SignerOpts
		want   error
	}{
		{"digest too short", rsaKey, d256[:31], crypto.SHA256, ErrBadDigest},
		{"data instead of digest", ecKey, []byte("the whole document"), crypto.SHA256, ErrBadDigest},
		{"SHA-384 options, SHA-256 digest", ecKey, d256, crypto.SHA384, ErrBadDigest},
		{"no hash", rsaKey, d256, crypto.Hash(0), ErrUnsupported},
		{"SHA-1", rsaKey, d256[:20], crypto.SHA1, ErrUnsupported},
		{"nil options", rsaKey, d256, nil, ErrUnsupported},
		{"PSS options, EC key", ecKey, d256, &rsa.PSSOptions{Hash: crypto.SHA256}, ErrUnsupported},
		{"PSS salt too long", rsaKey, d256, &rsa.PSSOptions{Hash: crypto.SHA256, SaltLength: 256}, ErrUnsupported},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := tt.s.Sign(nil, tt.digest, tt.opts)
			require.ErrorIs(t, err, tt.want)
		})
	}
}

// TestWrongPIN proves that a wrong PIN costs exactly one try: the spy
// module logs exactly one C_Login, and the token then reports
// CKF_USER_PIN_COUNT_LOW (SoftHSM2 sets it after any failed login and
// never sets CKF_USER_PIN_FINAL_TRY or CKF_USER_PIN_LOCKED, as it has no
// retry limit). The right PIN works afterwards and clears the flag.
func TestWrongPIN(t *testing.T) {
	f := newFixture(t, specP256)
	spyMod := spyModule(t, f.hsm.Module)
	ref := strings.Replace(f.uri(specP256), "module-path="+f.hsm.Module, "module-path="+spyMod, 1)
	require.NotEqual(t, f.uri(specP256), ref)

	mark := spyMark(t)
	var asked atomic.Int32
	_, err := Open(context.Background(), ref+"&pin-source=file:"+writePINFile(t, "Wrong-9731"), &Options{
		Getenv: envOf(EnvPIN, testPIN), // must not be used: the pin-source comes first
		PIN: func(context.Context, string) ([]byte, error) {
			asked.Add(1)
			return []byte(testPIN), nil
		},
	})
	require.ErrorIs(t, err, ErrPINIncorrect)
	var pe *PKCS11Error
	require.ErrorAs(t, err, &pe)
	assert.Equal(t, "C_Login", pe.Func)
	assert.Equal(t, "CKR_PIN_INCORRECT", pe.Name())
	assert.Contains(t, err.Error(), "does not retry")
	assert.NotContains(t, err.Error(), "Wrong-9731")
	assert.Zero(t, asked.Load(), "the PIN callback must not be asked after a wrong PIN")

	logins := spyLogins(t, mark)
	require.Len(t, logins, 1, "exactly one C_Login")
	assert.Contains(t, logins[0].text, "CKU_USER")
	assert.Contains(t, logins[0].text, "CKR_PIN_INCORRECT")

	flags := tokenFlags(t, f.hsm.Module)
	assert.True(t, flags.PINCountLow, "SoftHSM2 sets CKF_USER_PIN_COUNT_LOW after a failed login")
	assert.False(t, flags.PINFinalTry)
	assert.False(t, flags.PINLocked)

	s := mustOpen(t, f.uri(specP256), pinOpts())
	_, err = s.Sign(nil, digestOf(crypto.SHA256, []byte("x")), crypto.SHA256)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	assert.False(t, tokenFlags(t, f.hsm.Module).PINCountLow, "a right PIN clears CKF_USER_PIN_COUNT_LOW")
}

// tokenFlags lists the test token without logging in.
func tokenFlags(t *testing.T, module string) *TokenInfo {
	t.Helper()
	slots, err := List(context.Background(), module, &Options{Getenv: envOf()})
	require.NoError(t, err)
	for _, s := range slots {
		if s.Token != nil && s.Token.Label == tokenName {
			return s.Token
		}
	}
	t.Fatalf("token %q not listed", tokenName)
	return nil
}

// TestOpenErrors runs the failure cases of Open with a distinctive PIN
// available and checks the typed error and that no message contains it.
func TestOpenErrors(t *testing.T) {
	f := newFixture(t, specP256, specDup1, specDup2)
	mod := f.hsm.Module
	tests := []struct {
		name string
		ref  string
		opts *Options
		want error
	}{
		{"missing token", "pkcs11:token=NoSuchToken;object=p256-key?module-path=" + mod, pinOpts(), ErrTokenNotPresent},
		{"missing serial", "pkcs11:token=Executor;serial=0000;object=p256-key?module-path=" + mod, pinOpts(), ErrTokenNotPresent},
		{"missing key", f.tok.URI("no-such-key", nil), pinOpts(), ErrKeyNotFound},
		{"missing id", f.tok.URI("p256-key", []byte{0x77}), pinOpts(), ErrKeyNotFound},
		{"two keys", f.tok.URI("dup", nil), pinOpts(), ErrAmbiguousKey},
		{"two keys, no object", "pkcs11:token=Executor?module-path=" + mod, pinOpts(), ErrAmbiguousKey},
		{"no PIN source", f.uri(specP256), &Options{Getenv: envOf()}, ErrPINRequired},
		{"PIN callback fails", f.uri(specP256), &Options{Getenv: envOf(), PIN: func(context.Context, string) ([]byte, error) {
			return nil, errors.New("no terminal")
		}}, ErrPINRequired},
		{"missing pin-source file", f.uri(specP256) + "&pin-source=file:/nonexistent/pin", pinOpts(), ErrPINRequired},
		{"wrong PIN", f.uri(specP256), &Options{Getenv: envOf(EnvPIN, testPIN+"x")}, ErrPINIncorrect},
		{"wrong PIN from callback", f.uri(specP256), &Options{Getenv: envOf(), PIN: func(context.Context, string) ([]byte, error) {
			return []byte("x" + testPIN), nil
		}}, ErrPINIncorrect},
		{"missing module", "pkcs11:token=Executor?module-path=/nonexistent/libpkcs11.so", pinOpts(), ErrModule},
		{"not a module", "pkcs11:token=Executor?module-path=/etc/passwd", pinOpts(), ErrModule},
		{"no module", "pkcs11:token=Executor;object=p256-key", pinOpts(), ErrModule},
		{"unknown module name", "pkcs11:token=Executor?module-name=no-such-module", pinOpts(), ErrModule},
		{"vendor attribute is ignored", f.uri(specP256) + "&x-vendor=1", pinOpts(), nil},
		{"type=cert", "pkcs11:token=Executor;object=p256-key;type=cert?module-path=" + mod, pinOpts(), ErrBadReference},
		{"pin-value", f.uri(specP256) + "&pin-value=" + testPIN, pinOpts(), ErrBadReference},
		{"bad scheme", "pkcs12:token=Executor", pinOpts(), ErrBadReference},
		{"library mismatch", "pkcs11:library-manufacturer=Nobody;token=Executor?module-path=" + mod, pinOpts(), ErrTokenNotPresent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(context.Background(), tt.ref, tt.opts)
			if tt.want == nil {
				require.NoError(t, err)
				require.NoError(t, s.Close())
				return
			}
			require.ErrorIs(t, err, tt.want)
			require.Nil(t, s)
			msg := err.Error()
			assert.NotContains(t, msg, testPIN)
			assert.NotContains(t, msg, "Zq7!")
			t.Log(msg)
		})
	}
	// The token is usable after all this, so nothing leaked a login or
	// a module reference that would keep a stale state.
	mustOpen(t, f.uri(specP256), pinOpts())
}

// TestAmbiguousKeyAdvice checks that the message tells how to narrow it.
func TestAmbiguousKeyAdvice(t *testing.T) {
	f := newFixture(t, specDup1, specDup2)
	_, err := Open(context.Background(), f.tok.URI("dup", nil), pinOpts())
	require.ErrorIs(t, err, ErrAmbiguousKey)
	assert.Contains(t, err.Error(), "id=%10")
	assert.Contains(t, err.Error(), "id=%11")
	s := mustOpen(t, f.tok.URI("dup", []byte{0x11}), pinOpts())
	assert.True(t, s.Certificate().Equal(f.certs["dup"]) || publicKeyEqual(s.Public(), s.Certificate().PublicKey))
}

// TestAlwaysAuthenticate: the key has CKA_ALWAYS_AUTHENTICATE, SoftHSM2
// refuses C_Sign without a context-specific login (checked with raw
// PKCS#11 calls), and Signer logs in with CKU_CONTEXT_SPECIFIC before every
// signature (checked in the spy log).
func TestAlwaysAuthenticate(t *testing.T) {
	f := newFixture(t, specQES)
	digest := digestOf(crypto.SHA256, []byte("qualified"))

	t.Run("SoftHSM2 requires the context-specific login", func(t *testing.T) {
		p := pkcs11.New(f.hsm.Module)
		require.NotNil(t, p)
		require.NoError(t, p.Initialize())
		defer p.Finalize()
		slots, err := p.GetSlotList(true)
		require.NoError(t, err)
		var slot uint
		for _, id := range slots {
			if ti, err := p.GetTokenInfo(id); err == nil && trimPad(ti.Label) == tokenName {
				slot = id
			}
		}
		sess, err := p.OpenSession(slot, pkcs11.CKF_SERIAL_SESSION)
		require.NoError(t, err)
		require.NoError(t, p.Login(sess, pkcs11.CKU_USER, testPIN))
		defer p.Logout(sess)
		hs, err := findObjects(p, sess, []*pkcs11.Attribute{
			pkcs11.NewAttribute(pkcs11.CKA_CLASS, pkcs11.CKO_PRIVATE_KEY),
			pkcs11.NewAttribute(pkcs11.CKA_ID, specQES.ID),
		}, 2)
		require.NoError(t, err)
		require.Len(t, hs, 1)
		always, _ := attrBool(p, sess, hs[0], pkcs11.CKA_ALWAYS_AUTHENTICATE)
		require.True(t, always)
		mech := []*pkcs11.Mechanism{pkcs11.NewMechanism(pkcs11.CKM_ECDSA, nil)}
		require.NoError(t, p.SignInit(sess, mech, hs[0]))
		_, err = p.Sign(sess, digest)
		require.True(t, isCode(err, pkcs11.CKR_USER_NOT_LOGGED_IN), "got %v", err)
		require.NoError(t, p.SignInit(sess, mech, hs[0]))
		require.NoError(t, p.Login(sess, pkcs11.CKU_CONTEXT_SPECIFIC, testPIN))
		_, err = p.Sign(sess, digest)
		require.NoError(t, err)
	})

	t.Run("Signer logs in before every signature", func(t *testing.T) {
		spyMod := spyModule(t, f.hsm.Module)
		ref := strings.Replace(f.uri(specQES), f.hsm.Module, spyMod, 1)
		mark := spyMark(t)
		s := mustOpen(t, ref, pinOpts())
		for range 3 {
			sig, err := s.Sign(nil, digest, crypto.SHA256)
			require.NoError(t, err)
			require.True(t, ecdsa.VerifyASN1(s.Public().(*ecdsa.PublicKey), digest, sig))
		}
		var user, ctxSpecific int
		for _, c := range spyLogins(t, mark) {
			require.Contains(t, c.text, "CKR_OK")
			switch {
			case strings.Contains(c.text, "CKU_CONTEXT_SPECIFIC"):
				ctxSpecific++
			case strings.Contains(c.text, "CKU_USER"):
				user++
			}
		}
		assert.Equal(t, 1, user)
		assert.Equal(t, 3, ctxSpecific)
		// Each context-specific login sits between C_SignInit and C_Sign.
		calls := spyCalls(t, mark)
		for i, c := range calls {
			if c.fn == "C_Login" && strings.Contains(c.text, "CKU_CONTEXT_SPECIFIC") {
				require.Equal(t, "C_SignInit", calls[i-1].fn)
				require.Equal(t, "C_Sign", calls[i+1].fn)
			}
		}
	})

	t.Run("PIN per signature", func(t *testing.T) {
		var prompts []string
		var mu sync.Mutex
		s := mustOpen(t, f.uri(specQES), &Options{Getenv: envOf(), PINPerSignature: true,
			PIN: func(_ context.Context, prompt string) ([]byte, error) {
				mu.Lock()
				defer mu.Unlock()
				prompts = append(prompts, prompt)
				return []byte(testPIN), nil
			}})
		for range 2 {
			_, err := s.Sign(nil, digest, crypto.SHA256)
			require.NoError(t, err)
		}
		require.Len(t, prompts, 3, "the login and each signature")
		assert.Contains(t, prompts[0], `PIN for token "Executor"`)
		assert.Contains(t, prompts[1], `Signature PIN for key object="qes-key"`)
	})

	t.Run("a wrong signature PIN is not retried", func(t *testing.T) {
		var calls atomic.Int32
		s := mustOpen(t, f.uri(specQES), &Options{Getenv: envOf(), PINPerSignature: true,
			PIN: func(context.Context, string) ([]byte, error) {
				if calls.Add(1) == 1 {
					return []byte(testPIN), nil // the login
				}
				return []byte("wrong-" + testPIN), nil
			}})
		_, err := s.Sign(nil, digest, crypto.SHA256)
		require.ErrorIs(t, err, ErrPINIncorrect)
		assert.NotContains(t, err.Error(), testPIN)
		_, err = s.Sign(nil, digest, crypto.SHA256)
		require.ErrorIs(t, err, ErrPINIncorrect)
		assert.Equal(t, int32(2), calls.Load(), "no PIN is asked, and none tried, after a wrong one")
	})
}

// TestPINSources checks the order pin-source, TAMGA_PIN, callback.
func TestPINSources(t *testing.T) {
	f := newFixture(t, specP256)
	ref := f.uri(specP256)
	right := writePINFile(t, testPIN)
	wrong := writePINFile(t, "nope-"+testPIN)
	cb := func(pin string) PINFunc {
		return func(context.Context, string) ([]byte, error) { return []byte(pin), nil }
	}
	tests := []struct {
		name string
		ref  string
		opts *Options
		want error
	}{
		{"pin-source file", ref + "&pin-source=file:" + right, &Options{Getenv: envOf()}, nil},
		{"pin-source file:///", ref + "&pin-source=file://" + right, &Options{Getenv: envOf()}, nil},
		{"pin-source before TAMGA_PIN", ref + "&pin-source=file:" + wrong, pinOpts(), ErrPINIncorrect},
		{"TAMGA_PIN", ref, &Options{Getenv: envOf(EnvPIN, testPIN)}, nil},
		{"TAMGA_PIN before callback", ref, &Options{Getenv: envOf(EnvPIN, "nope"), PIN: cb(testPIN)}, ErrPINIncorrect},
		{"callback", ref, &Options{Getenv: envOf(), PIN: cb(testPIN)}, nil},
		{"empty TAMGA_PIN is unset", ref, &Options{Getenv: envOf(EnvPIN, ""), PIN: cb(testPIN)}, nil},
		{"none", ref, &Options{Getenv: envOf()}, ErrPINRequired},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(context.Background(), tt.ref, tt.opts)
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
				assert.NotContains(t, err.Error(), testPIN)
				return
			}
			require.NoError(t, err)
			require.NoError(t, s.Close())
		})
	}
	t.Run("process environment", func(t *testing.T) {
		t.Setenv(EnvPIN, testPIN)
		s, err := Open(context.Background(), ref, nil)
		require.NoError(t, err)
		require.NoError(t, s.Close())
	})
}

// TestConcurrentSign signs from 16 goroutines through a pool of 4
// sessions; run with -race.
func TestConcurrentSign(t *testing.T) {
	f := newFixture(t, specRSA, specP256)
	for _, spec := range []softhsm.KeySpec{specRSA, specP256} {
		t.Run(spec.Label, func(t *testing.T) {
			opts := pinOpts()
			opts.MaxSessions = 4
			s := mustOpen(t, f.uri(spec), opts)
			var wg sync.WaitGroup
			errs := make(chan error, 16*8)
			for g := range 16 {
				wg.Go(func() {
					for i := range 8 {
						d := sha256.Sum256(fmt.Appendf(nil, "doc %d/%d", g, i))
						sig, err := s.SignContext(context.Background(), d[:], crypto.SHA256)
						if err == nil {
							err = verifySignature(s.Public(), sigSpec{hash: crypto.SHA256}, d[:], sig)
						}
						if err != nil {
							errs <- err
						}
					}
				})
			}
			wg.Wait()
			close(errs)
			for err := range errs {
				t.Error(err)
			}
		})
	}
}

func TestCloseThenSign(t *testing.T) {
	f := newFixture(t, specP256)
	s, err := Open(context.Background(), f.uri(specP256), pinOpts())
	require.NoError(t, err)
	d := digestOf(crypto.SHA256, []byte("x"))
	_, err = s.Sign(nil, d, crypto.SHA256)
	require.NoError(t, err)
	require.NoError(t, s.Close())
	require.NoError(t, s.Close(), "Close twice")
	_, err = s.Sign(nil, d, crypto.SHA256)
	require.ErrorIs(t, err, ErrClosed)
	// Everything is released: the module is finalised.
	requireModuleFinalised(t, f.hsm.Module)
}

// TestCloseWaitsForSignatures closes while signatures are in flight:
// each either completes or fails with ErrClosed, none with a PKCS#11 error.
func TestCloseWaitsForSignatures(t *testing.T) {
	f := newFixture(t, specRSA)
	s, err := Open(context.Background(), f.uri(specRSA), pinOpts())
	require.NoError(t, err)
	d := digestOf(crypto.SHA256, []byte("x"))
	var wg sync.WaitGroup
	var ok, closed atomic.Int32
	for range 8 {
		wg.Go(func() {
			for range 20 {
				_, err := s.Sign(nil, d, crypto.SHA256)
				switch {
				case err == nil:
					ok.Add(1)
				case errors.Is(err, ErrClosed):
					closed.Add(1)
				default:
					t.Error(err)
				}
			}
		})
	}
	for ok.Load() == 0 {
		runtime.Gosched()
	}
	require.NoError(t, s.Close())
	wg.Wait()
	assert.Positive(t, closed.Load())
	requireModuleFinalised(t, f.hsm.Module)
}

// TestSharedLogin opens two keys of one token: the login is shared and
// outlives the first Close.
func TestSharedLogin(t *testing.T) {
	f := newFixture(t, specRSA, specP256)
	a := mustOpen(t, f.uri(specRSA), pinOpts())
	// The token is logged in: no PIN source is needed for the second key.
	b := mustOpen(t, f.uri(specP256), &Options{Getenv: envOf()})
	require.NoError(t, a.Close())
	_, err := b.Sign(nil, digestOf(crypto.SHA384, []byte("x")), crypto.SHA384)
	require.NoError(t, err)
	require.NoError(t, b.Close())
	requireModuleFinalised(t, f.hsm.Module)
}

func TestCancelledContext(t *testing.T) {
	f := newFixture(t, specP256)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Open(ctx, f.uri(specP256), pinOpts())
	require.ErrorIs(t, err, context.Canceled)
	s := mustOpen(t, f.uri(specP256), pinOpts())
	_, err = s.SignContext(ctx, digestOf(crypto.SHA256, nil), crypto.SHA256)
	require.ErrorIs(t, err, context.Canceled)
}

// TestKeyMismatch stores a certificate of another key under the key's id:
// Open refuses it.
func TestKeyMismatch(t *testing.T) {
	h := softhsm.New(t)
	tok := h.InitToken(t, tokenName, testPIN)
	ca := softhsm.NewCA(t, "CA")
	tok.GenerateKey(t, softhsm.KeySpec{Type: "rsa:2048", Label: "a", ID: []byte{0xA}})
	other := tok.GenerateKey(t, softhsm.KeySpec{Type: "rsa:2048", Label: "b", ID: []byte{0xB}})
	tok.WriteCertificate(t, "a", []byte{0xA}, ca.Issue(t, other, "not a's"))
	_, err := Open(context.Background(), tok.URI("a", []byte{0xA}), pinOpts())
	require.ErrorIs(t, err, ErrKeyMismatch)
	// Key b has no certificate under its own id, but the certificate
	// stored under a's id carries b's public key, so it is b's.
	s := mustOpen(t, tok.URI("b", []byte{0xB}), pinOpts())
	assert.Equal(t, "not a's", s.Certificate().Subject.CommonName)

	tok.GenerateKey(t, softhsm.KeySpec{Type: "EC:prime256v1", Label: "c", ID: []byte{0xC}})
	require.NoError(t, s.Close())
	_, err = Open(context.Background(), tok.URI("c", nil), pinOpts())
	require.ErrorIs(t, err, ErrCertificateNotFound)
}

// TestSelectBySerialAndSlot opens keys by serial= and slot-id=, taken
// from List, with two tokens present.
func TestSelectBySerialAndSlot(t *testing.T) {
	f := newFixture(t, specP256)
	second := f.hsm.InitToken(t, "Second", testPIN)
	second.NewKey(t, specP256, f.ca, "Second signer")
	slots, err := List(context.Background(), f.hsm.Module, &Options{Getenv: envOf()})
	require.NoError(t, err)
	var found int
	for _, sl := range slots {
		if sl.Token == nil || !sl.Token.Initialized {
			continue
		}
		found++
		wantCN := "Signer p256-key"
		if sl.Token.Label == "Second" {
			wantCN = "Second signer"
		}
		for _, ref := range []string{
			fmt.Sprintf("pkcs11:serial=%s;id=%%02?module-path=%s", sl.Token.Serial, f.hsm.Module),
			fmt.Sprintf("pkcs11:slot-id=%d;object=p256-key?module-path=%s", sl.ID, f.hsm.Module),
		} {
			s := mustOpen(t, ref, pinOpts())
			assert.Equal(t, wantCN, s.Certificate().Subject.CommonName, ref)
			require.NoError(t, s.Close())
		}
	}
	require.Equal(t, 2, found)
	// Without a token attribute, the key is ambiguous between tokens.
	_, err = Open(context.Background(), "pkcs11:object=p256-key?module-path="+f.hsm.Module, pinOpts())
	require.ErrorIs(t, err, ErrAmbiguousKey)
	assert.Contains(t, err.Error(), "serial=")
}

// requireModuleFinalised checks that no reference to the module is left.
func requireModuleFinalised(t *testing.T, path string) {
	t.Helper()
	registry.Lock()
	defer registry.Unlock()
	for _, m := range registry.m {
		if m.path == path {
			m.mu.Lock()
			refs, logins := m.refs, len(m.logins)
			m.mu.Unlock()
			require.Zero(t, refs, "module references left")
			require.Zero(t, logins, "logins left")
		}
	}
}

// FuzzTokenAttributes feeds the decoders of what a token returns (EC
// parameters and points, raw ECDSA signatures, CK_ULONG values): no panics,
// and what they accept is consistent.
func FuzzTokenAttributes(f *testing.F) {
	f.Add([]byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01, 0x07}, []byte{0x04, 0x41, 0x04})
	f.Add([]byte{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x22}, make([]byte, 96))
	f.Add([]byte{0x06, 0x05, 0x2b, 0x81, 0x04, 0x00, 0x23}, []byte{})
	f.Fuzz(func(t *testing.T, params, value []byte) {
		curve, _, err := curveFromParams(params)
		if err != nil {
			if !errors.Is(err, ErrUnsupported) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if pub, ok := ecPoint(curve, value); ok && !validPoint(pub) {
			t.Fatal("accepted a point off the curve")
		}
		if der, err := ecdsaRawToASN1(value, curve); err == nil {
			n := (curve.Params().BitSize + 7) / 8
			if len(value) != 2*n || len(der) == 0 {
				t.Fatalf("converted a %d-byte signature for a %d-byte curve", len(value), n)
			}
		}
		_ = bitLen(value)
	})
}

func validPoint(pub *ecdsa.PublicKey) bool {
	_, err := pub.ECDH()
	return err == nil
}

// TestForeignInitialisation: another library in the process initialised
// the module and logged in. Open uses that (CKR_CRYPTOKI_ALREADY_INITIALIZED,
// no PIN asked), and Close neither logs it out nor finalises the module.
func TestForeignInitialisation(t *testing.T) {
	f := newFixture(t, specP256)
	p := pkcs11.New(f.hsm.Module)
	require.NotNil(t, p)
	require.NoError(t, p.Initialize())
	slots, err := p.GetSlotList(true)
	require.NoError(t, err)
	var sess pkcs11.SessionHandle
	for _, id := range slots {
		if ti, err := p.GetTokenInfo(id); err == nil && trimPad(ti.Label) == tokenName {
			sess, err = p.OpenSession(id, pkcs11.CKF_SERIAL_SESSION)
			require.NoError(t, err)
		}
	}
	require.NoError(t, p.Login(sess, pkcs11.CKU_USER, testPIN))

	s, err := Open(context.Background(), f.uri(specP256), &Options{Getenv: envOf()})
	require.NoError(t, err, "no PIN is needed: the token is logged in")
	_, err = s.Sign(nil, digestOf(crypto.SHA256, nil), crypto.SHA256)
	require.NoError(t, err)
	require.NoError(t, s.Close())

	info, err := p.GetSessionInfo(sess)
	require.NoError(t, err, "the module is still initialised")
	assert.Equal(t, uint(pkcs11.CKS_RO_USER_FUNCTIONS), info.State, "still logged in")
	require.NoError(t, p.Logout(sess))
	require.NoError(t, p.Finalize())
}
