package seal

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"image"
	"image/draw"
	"io"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/barcode"
	"github.com/tamgasign/tamga/internal/canon"
	"github.com/tamgasign/tamga/internal/testtool"
)

func signers(t *testing.T) map[string]crypto.Signer {
	return map[string]crypto.Signer{"ECDSA P-256": newECDSA(t), "Ed25519": newEd25519(t)}
}

func TestSignVerify(t *testing.T) {
	for name, key := range signers(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, key)
			res, err := Verify(context.Background(), f.seal, f.tl, now)
			require.NoError(t, err)
			assert.Equal(t, Valid, res.Verdict)
			s := res.Seal
			assert.Equal(t, "GRS", s.IssuerID)
			assert.Equal(t, uint16(101), s.DocType)
			assert.Equal(t, "20250417000123", s.Number)
			assert.Equal(t, time.Date(2025, 4, 17, 0, 0, 0, 0, time.UTC), s.IssueDate)
			assert.Equal(t, time.Date(2025, 7, 17, 0, 0, 0, 0, time.UTC), s.ExpiryDate)
			assert.Equal(t, "АСАНОВА АЙГҮЛ БАКЫТБЕКОВНА", s.HolderName)
			assert.Equal(t, "Мамлекеттик каттоо кызматы", res.Key.Names["ky"])
			kid, _ := KeyIDOf(key.Public())
			assert.Equal(t, kid, s.KeyID)
			require.NoError(t, s.CheckData([]byte(residenceData)))

			// The same through the URL.
			u, err := EncodeURL(checkHost, f.seal)
			require.NoError(t, err)
			res2, err := VerifyURL(context.Background(), u, f.tl, now)
			require.NoError(t, err)
			assert.Equal(t, s, res2.Seal)
		})
	}
}

// TestSealSize is the size budget of SEAL.md: the residence certificate's
// seal URL fits a QR version 12 at level Q, which zbar reads back.
func TestSealSize(t *testing.T) {
	for name, key := range signers(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, key)
			u, err := EncodeURL(checkHost, f.seal)
			require.NoError(t, err)
			q, err := barcode.EncodeQR(u, nil)
			require.NoError(t, err)
			t.Logf("seal %d bytes, URL %d characters, QR version %d-Q (%d modules)", len(f.seal), len(u), q.Version, q.Modules)
			assert.Equal(t, 152, len(f.seal))
			assert.Equal(t, 270, len(u))
			assert.LessOrEqual(t, q.Version, 12)

			var png bytes.Buffer
			require.NoError(t, q.WritePNG(&png))
			p := filepath.Join(t.TempDir(), "seal.png")
			require.NoError(t, os.WriteFile(p, png.Bytes(), 0o600))
			out, err := exec.Command(testtool.Require(t, "zbarimg"), "-q", "--raw", p).Output()
			require.NoError(t, err)
			assert.Equal(t, u+"\n", string(out))
			res, err := VerifyURL(context.Background(), strings.TrimSpace(string(out)), f.tl, now)
			require.NoError(t, err)
			assert.Equal(t, Valid, res.Verdict)
		})
	}
}

// TestTamperEveryBit flips every bit of a real seal, one at a time, and
// also truncates it at every length and appends bytes: nothing but the
// original verifies.
func TestTamperEveryBit(t *testing.T) {
	for name, key := range signers(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, key)
			check := func(what string, b []byte) {
				res, err := Verify(context.Background(), b, f.tl, now)
				if err == nil || res != nil {
					t.Fatalf("%s: verified (%v)", what, res)
				}
				if !errors.Is(err, ErrSignatureInvalid) && !errors.Is(err, ErrSealMalformed) &&
					!errors.Is(err, ErrSealVersion) && !errors.Is(err, ErrUnknownKey) {
					t.Fatalf("%s: unexpected error %v", what, err)
				}
			}
			for i := range f.seal {
				for bit := range 8 {
					b := bytes.Clone(f.seal)
					b[i] ^= 1 << bit
					check("byte "+itoa(i)+" bit "+itoa(bit), b)
				}
			}
			for n := range len(f.seal) {
				check("truncated to "+itoa(n), f.seal[:n])
			}
			check("one byte appended", append(bytes.Clone(f.seal), 0))
			check("signature appended twice", append(bytes.Clone(f.seal), f.seal[len(f.seal)-64:]...))
		})
	}
}

func itoa(n int) string { return big.NewInt(int64(n)).String() }

func TestVerifyFailures(t *testing.T) {
	key := newECDSA(t)
	f := newFixture(t, key)
	other := newECDSA(t)
	notYet := listed(t, "GRS", key.Public(), KeyActive)
	notYet.NotBefore = time.Date(2025, 4, 18, 0, 0, 0, 0, time.UTC)
	retired := listed(t, "GRS", key.Public(), KeyActive)
	retired.NotAfter = time.Date(2025, 4, 16, 23, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		tl   *TrustList
		now  time.Time
		want error
	}{
		{"key not listed", signedList(t, listed(t, "GRS", other.Public(), KeyActive)), now, ErrUnknownKey},
		{"key listed for another issuer", signedList(t, listed(t, "MVD", key.Public(), KeyActive)), now, ErrUnknownKey},
		{"empty list", signedList(t), now, ErrUnknownKey},
		{"key revoked", signedList(t, listed(t, "GRS", key.Public(), KeyRevoked)), now, ErrKeyRevoked},
		{"issued before the key's validity", signedList(t, notYet), now, ErrKeyNotValid},
		{"issued after the key retired", signedList(t, retired), now, ErrKeyNotValid},
		{"list out of date", f.tl, listUntil.Add(time.Second), ErrTrustListExpired},
		{"list not yet issued", f.tl, listFrom.Add(-25 * time.Hour), ErrTrustListExpired},
		{"no list", nil, now, ErrTrustListInvalid},
		{"issued in the future", signedList(t, listed(t, "GRS", key.Public(), KeyActive)), time.Date(2025, 4, 15, 0, 0, 0, 0, time.UTC), ErrTrustListExpired},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res, err := Verify(context.Background(), f.seal, tc.tl, tc.now)
			require.ErrorIs(t, err, tc.want)
			assert.Nil(t, res)
		})
	}

	// Issue date after now (with a list that is current then).
	tl := &TrustList{Issued: time.Date(2025, 4, 1, 0, 0, 0, 0, time.UTC), NextUpdate: listUntil,
		Keys: []TrustedKey{listed(t, "GRS", key.Public(), KeyActive)}}
	_, err := Verify(context.Background(), f.seal, tl, time.Date(2025, 4, 15, 0, 0, 0, 0, time.UTC))
	require.ErrorIs(t, err, ErrNotYetValid)
	// One day of clock skew is allowed.
	_, err = Verify(context.Background(), f.seal, tl, time.Date(2025, 4, 16, 1, 0, 0, 0, time.UTC))
	require.NoError(t, err)

	// Algorithm mismatch: the list says Ed25519 for the key id.
	bad := listed(t, "GRS", key.Public(), KeyActive)
	bad.Algorithm = Ed25519
	_, err = Verify(context.Background(), f.seal, &TrustList{Issued: listFrom, NextUpdate: listUntil, Keys: []TrustedKey{bad}}, now)
	require.ErrorIs(t, err, ErrSignatureInvalid)

	// Expired document: authentic, reported with the result.
	tl.NextUpdate = time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)
	res, err := Verify(context.Background(), f.seal, tl, time.Date(2025, 7, 18, 0, 0, 0, 0, time.UTC).Add(-time.Second))
	require.NoError(t, err, "the last valid day is still valid")
	assert.Equal(t, Valid, res.Verdict)
	res, err = Verify(context.Background(), f.seal, tl, time.Date(2025, 7, 18, 0, 0, 0, 0, time.UTC))
	require.ErrorIs(t, err, ErrDocumentExpired)
	require.NotNil(t, res)
	assert.Equal(t, Expired, res.Verdict)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Verify(ctx, f.seal, f.tl, now)
	require.ErrorIs(t, err, context.Canceled)
}

// resign replaces the signed part of a seal and signs it again with key:
// for testing what the parser does with content an issuer really signed.
func resign(t *testing.T, key crypto.Signer, tbs []byte) []byte {
	alg, err := algorithmOf(key.Public())
	require.NoError(t, err)
	sig, err := signRaw(context.Background(), key, alg, sealContext, tbs)
	require.NoError(t, err)
	return append(bytes.Clone(tbs), sig...)
}

func TestForwardCompatibility(t *testing.T) {
	key := newEd25519(t)
	f := newFixture(t, key)
	tbs := f.seal[:len(f.seal)-64]

	// A non-critical field (tag >= 0x80) from a future version is skipped.
	ext := append(bytes.Clone(tbs), 0x80, 3, 'n', 'e', 'w')
	res, err := Verify(context.Background(), resign(t, key, ext), f.tl, now)
	require.NoError(t, err)
	assert.Equal(t, "20250417000123", res.Seal.Number)

	// An unknown critical field is refused.
	crit := append(bytes.Clone(tbs), 0x10, 1, 0)
	// Tags must increase: put it after the digest (0x04) - valid order.
	_, err = Verify(context.Background(), resign(t, key, crit), f.tl, now)
	require.ErrorIs(t, err, ErrSealMalformed)
	assert.Contains(t, err.Error(), "update the verifier")

	// A newer format version is refused with its own error.
	v2 := bytes.Clone(tbs)
	v2[0] = 2
	_, err = Verify(context.Background(), resign(t, key, v2), f.tl, now)
	require.ErrorIs(t, err, ErrSealVersion)
}

// TestParseStrict feeds signed-but-malformed seals to the parser.
func TestParseStrict(t *testing.T) {
	key := newEd25519(t)
	good := newFixture(t, key).seal
	tbs := good[:len(good)-64]
	hdr := 10 + 1 + 3 + 4 // through issue date, issuer "GRS"
	msg := tbs[hdr:]
	with := func(m []byte) []byte { return append(bytes.Clone(tbs[:hdr]), m...) }
	// The message zone is: 01 07 <number> 02 14 <name> 03 02 <exp> 04 20 <digest>.
	number, rest := msg[:9], msg[9:]
	name, rest := rest[:2+int(rest[1])], rest[2+int(rest[1]):]
	exp, digest := rest[:4], rest[4:]
	cat := func(parts ...[]byte) []byte { return bytes.Join(parts, nil) }
	issuerLen := func(n byte) []byte { b := bytes.Clone(tbs); b[10] = n; return b }
	tests := []struct {
		name string
		tbs  []byte
	}{
		{"no number", with(cat(name, exp, digest))},
		{"no digest", with(cat(number, name, exp))},
		{"fields out of order", with(cat(name, number, exp, digest))},
		{"field repeated", with(cat(number, number, name, exp, digest))},
		{"number with letter nibble", with(cat([]byte{1, 2, 0x1a, 0x23}, name, exp, digest))},
		{"number pad not last", with(cat([]byte{1, 2, 0x1f, 0x23}, name, exp, digest))},
		{"empty number", with(cat([]byte{1, 0}, name, exp, digest))},
		{"short digest", with(cat(number, name, exp, []byte{4, 31}, digest[2:33]))},
		{"expiry before issue", with(cat(number, name, []byte{3, 2, 0, 1}, digest))},
		{"expiry 3 bytes", with(cat(number, name, []byte{3, 3, 0, 1, 2}, digest))},
		{"field overruns", with(cat(number, name, exp, []byte{4, 40}, digest[2:]))},
		{"lower-case issuer", bytes.Replace(bytes.Clone(tbs), []byte("GRS"), []byte("gRS"), 1)},
		{"issuer length 0", issuerLen(0)},
		{"issuer length 17", issuerLen(17)},
		{"issuer longer than seal", issuerLen(200)},
		{"unknown algorithm", func() []byte { b := bytes.Clone(tbs); b[1] = 3; return b }()},
		{"name lower case (UTF-8)", with(cat(number, []byte{2, 6, 0}, []byte("abcde"), exp, digest))},
		{"name with control char", with(cat(number, []byte{2, 4, 0, 'A', 0x07, 'B'}, exp, digest))},
		{"name with bidi override", with(cat(number, []byte{2, 8, 0, 'A', 0xe2, 0x80, 0xae, 'B', 'C', 'D'}, exp, digest))},
		{"name two spaces", with(cat(number, []byte{2, 5, 0, 'A', ' ', ' ', 'B'}, exp, digest))},
		{"name Cyrillic that fits UTF-8 instead", with(cat(number, []byte{2, 5, 0}, []byte("АЙ"), exp, digest))},
		{"packed name with extra pad byte", with(cat(number, []byte{2, name[1] + 1}, name[2:], []byte{0xff}, exp, digest))},
		{"packed name with zero padding", with(cat(number, []byte{2, name[1]}, name[2:len(name)-1], []byte{name[len(name)-1] &^ 0x03}, exp, digest))},
		{"packed name unassigned code", with(cat(number, []byte{2, 4, 1, 0xfb, 0xef, 0xbe}, exp, digest))},
		{"unknown name encoding", with(cat(number, []byte{2, 2, 9, 0}, exp, digest))},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := resign(t, key, tc.tbs)
			_, err := Parse(s)
			require.ErrorIs(t, err, ErrSealMalformed)
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			assert.NotEmpty(t, fe.Field)
		})
	}
	_, err := Parse(nil)
	require.ErrorIs(t, err, ErrSealMalformed)
	_, err = Parse(append(bytes.Clone(good), make([]byte, 512)...))
	require.ErrorIs(t, err, ErrSealMalformed)
}

// TestHighS: for ECDSA, (r, s) and (r, n-s) both satisfy the equation;
// only the low s is a valid seal, so a seal's bytes are unique.
func TestHighS(t *testing.T) {
	f := newFixture(t, newECDSA(t))
	b := bytes.Clone(f.seal)
	sig := b[len(b)-64:]
	s := new(big.Int).SetBytes(sig[32:])
	require.LessOrEqual(t, s.Cmp(p256HalfN), 0, "Sign must write a low s")
	new(big.Int).Sub(p256N, s).FillBytes(sig[32:])
	_, err := Verify(context.Background(), b, f.tl, now)
	require.ErrorIs(t, err, ErrSignatureInvalid)
}

// TestSignaturesWithOpenSSL checks the seal's signature and key id with
// OpenSSL: the message is the context string followed by the signed bytes.
func TestSignaturesWithOpenSSL(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	for name, key := range signers(t) {
		t.Run(name, func(t *testing.T) {
			f := newFixture(t, key)
			dir := t.TempDir()
			der, err := x509.MarshalPKIXPublicKey(key.Public())
			require.NoError(t, err)
			pub := filepath.Join(dir, "pub.pem")
			require.NoError(t, os.WriteFile(pub, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), 0o600))
			msg := filepath.Join(dir, "msg")
			require.NoError(t, os.WriteFile(msg, append([]byte(sealContext), f.seal[:len(f.seal)-64]...), 0o600))
			sigPath := filepath.Join(dir, "sig")
			raw := f.seal[len(f.seal)-64:]
			var args []string
			if _, ok := key.Public().(*ecdsa.PublicKey); ok {
				asn, ok := rawToASN1(raw)
				require.True(t, ok)
				require.NoError(t, os.WriteFile(sigPath, asn, 0o600))
				args = []string{"dgst", "-sha256", "-verify", pub, "-signature", sigPath, msg}
			} else {
				require.NoError(t, os.WriteFile(sigPath, raw, 0o600))
				args = []string{"pkeyutl", "-verify", "-pubin", "-inkey", pub, "-rawin", "-in", msg, "-sigfile", sigPath}
			}
			out, err := exec.Command(openssl, args...).CombinedOutput()
			require.NoError(t, err, "%s", out)
			assert.Contains(t, string(out), "Verified")

			// Key id: SHA-256 of the DER SubjectPublicKeyInfo openssl
			// writes for the key.
			spki, err := exec.Command(openssl, "pkey", "-pubin", "-in", pub, "-outform", "DER").Output()
			require.NoError(t, err)
			h := sha256.Sum256(spki)
			kid, _ := KeyIDOf(key.Public())
			assert.Equal(t, h[:8], kid[:])
		})
	}
}

// failingSigner signs with one key but claims another's public key, or
// returns garbage.
type failingSigner struct {
	crypto.Signer
	pub     crypto.PublicKey
	garbage []byte
}

func (s failingSigner) Public() crypto.PublicKey { return s.pub }
func (s failingSigner) Sign(r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	if s.garbage != nil {
		return s.garbage, nil
	}
	return s.Signer.Sign(r, d, o)
}

type ctxSigner struct{ crypto.Signer }

func (s ctxSigner) SignContext(ctx context.Context, r io.Reader, d []byte, o crypto.SignerOpts) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return s.Sign(r, d, o)
}

func TestSignRejects(t *testing.T) {
	key := newECDSA(t)
	doc := func(mod func(*Document)) *Document { d := residenceDoc(); mod(d); return d }
	tests := []struct {
		name string
		doc  *Document
		want error
	}{
		{"issuer lower case", doc(func(d *Document) { d.IssuerID = "grs" }), ErrInvalidDocument},
		{"issuer empty", doc(func(d *Document) { d.IssuerID = "" }), ErrInvalidDocument},
		{"issuer too long", doc(func(d *Document) { d.IssuerID = strings.Repeat("A", 17) }), ErrInvalidDocument},
		{"number with letters", doc(func(d *Document) { d.Number = "AB-123" }), ErrInvalidDocument},
		{"number empty", doc(func(d *Document) { d.Number = "" }), ErrInvalidDocument},
		{"number too long", doc(func(d *Document) { d.Number = strings.Repeat("1", 33) }), ErrInvalidDocument},
		{"issue before 2000", doc(func(d *Document) { d.IssueDate = time.Date(1999, 12, 31, 0, 0, 0, 0, time.UTC) }), ErrInvalidDocument},
		{"issue zero", doc(func(d *Document) { d.IssueDate = time.Time{} }), ErrInvalidDocument},
		{"expiry before issue", doc(func(d *Document) { d.ExpiryDate = issueDay.AddDate(0, 0, -1) }), ErrInvalidDocument},
		{"expiry after 2179", doc(func(d *Document) { d.ExpiryDate = time.Date(2180, 1, 1, 0, 0, 0, 0, time.UTC) }), ErrInvalidDocument},
		{"name with control", doc(func(d *Document) { d.HolderName = "A\x00B" }), ErrInvalidDocument},
		{"name too long", doc(func(d *Document) { d.HolderName = strings.Repeat("Ж", 61) }), ErrInvalidDocument},
		{"data not JSON", doc(func(d *Document) { d.Data = []byte("{") }), ErrInvalidDocument},
		{"data an array", doc(func(d *Document) { d.Data = []byte("[1]") }), ErrInvalidDocument},
		{"data duplicate key", doc(func(d *Document) { d.Data = []byte(`{"a":1,"a":2}`) }), ErrInvalidDocument},
		{"data too large", doc(func(d *Document) { d.Data = []byte(`{"a":"` + strings.Repeat("x", MaxDataSize) + `"}`) }), ErrInvalidDocument},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s, err := Sign(context.Background(), tc.doc, key)
			require.ErrorIs(t, err, tc.want)
			assert.Nil(t, s)
		})
	}
	rsaLike := failingSigner{Signer: key, pub: "not a key"}
	_, err := Sign(context.Background(), residenceDoc(), rsaLike)
	require.ErrorIs(t, err, ErrUnsupportedKey)

	wrongKey := failingSigner{Signer: key, pub: newECDSA(t).Public()}
	_, err = Sign(context.Background(), residenceDoc(), wrongKey)
	require.Error(t, err, "a signature by another key must not make a seal")

	garbage := failingSigner{Signer: key, pub: key.Public(), garbage: []byte{0x30, 0x03, 0x02, 0x01, 0x00}}
	_, err = Sign(context.Background(), residenceDoc(), garbage)
	require.Error(t, err)

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = Sign(ctx, residenceDoc(), key)
	require.ErrorIs(t, err, context.Canceled)
	_, err = Sign(ctx, residenceDoc(), ctxSigner{key})
	require.ErrorIs(t, err, context.Canceled)
	s, err := Sign(context.Background(), residenceDoc(), ctxSigner{key})
	require.NoError(t, err)
	_, err = Parse(s)
	require.NoError(t, err)
}

func TestOptionalFields(t *testing.T) {
	key := newEd25519(t)
	d := residenceDoc()
	d.ExpiryDate = time.Time{}
	d.HolderName = ""
	d.Number = "7"
	s, err := Sign(context.Background(), d, key)
	require.NoError(t, err)
	p, err := Parse(s)
	require.NoError(t, err)
	assert.True(t, p.ExpiryDate.IsZero())
	assert.Empty(t, p.HolderName)
	assert.Equal(t, "7", p.Number)
	tl := signedList(t, listed(t, "GRS", key.Public(), KeyActive))
	res, err := Verify(context.Background(), s, tl, now)
	require.NoError(t, err)
	assert.Equal(t, Valid, res.Verdict)
}

func TestCheckData(t *testing.T) {
	f := newFixture(t, newEd25519(t))
	s, err := Parse(f.seal)
	require.NoError(t, err)
	// The same data in another key order and spelling matches: the digest
	// is over the canonical form.
	c, err := canon.Transform([]byte(residenceData))
	require.NoError(t, err)
	require.NoError(t, s.CheckData(c))
	require.NoError(t, s.CheckData([]byte(strings.ReplaceAll(residenceData, "Асанова", `\u0410\u0441\u0430\u043d\u043e\u0432\u0430`))))
	require.ErrorIs(t, s.CheckData([]byte(strings.ReplaceAll(residenceData, "125", "126"))), ErrDataMismatch)
	require.ErrorIs(t, s.CheckData([]byte(`{}`)), ErrDataMismatch)
	require.ErrorIs(t, s.CheckData([]byte(`[]`)), ErrInvalidDocument)
	require.ErrorIs(t, s.CheckData([]byte(residenceData+`,`)), ErrInvalidDocument)
}

func TestNames(t *testing.T) {
	tests := []struct {
		in, norm string
		enc      byte
		size     int // encoded size without the encoding byte
	}{
		{"Асанова Айгүл Бакытбековна", "АСАНОВА АЙГҮЛ БАКЫТБЕКОВНА", nameCyrillic, 20},
		{"  асанова\tайгүл \n бакытбековна ", "АСАНОВА АЙГҮЛ БАКЫТБЕКОВНА", nameCyrillic, 20},
		// Decomposed input (И + combining breve) is composed to Й.
		{"Аи\u0306гүл", "АЙГҮЛ", nameCyrillic, 4},
		{"Ёлдошев Ўткир", "ЁЛДОШЕВ ЎТКИР", nameCyrillic, 10},
		{"Нұрсұлтан Әбішұлы", "НҰРСҰЛТАН ӘБІШҰЛЫ", nameCyrillic, 13},
		{"Aigul O'Neil-Smith", "AIGUL O'NEIL-SMITH", nameLatin, 14},
		{"Асанова Aigul", "АСАНОВА AIGUL", nameUTF8, 20},
		{"Şükrü Öztürk", "ŞÜKRÜ ÖZTÜRK", nameUTF8, 17},
		{"李小龍", "李小龍", nameUTF8, 9},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			n := NormalizeName(tc.in)
			assert.Equal(t, tc.norm, n)
			e := encodeName(n)
			assert.Equal(t, tc.enc, e[0])
			assert.Equal(t, tc.size, len(e)-1)
			back, err := decodeName(e)
			require.NoError(t, err)
			assert.Equal(t, n, back)
		})
	}
}

func TestURL(t *testing.T) {
	f := newFixture(t, newEd25519(t))
	u, err := EncodeURL(checkHost, f.seal)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(u, "HTTPS://CHECK.TUNDUK.KG/S/"))
	for _, c := range u {
		assert.Contains(t, "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:", string(c), "not QR alphanumeric")
	}
	host, b, err := ParseURL(strings.ToLower(u))
	require.NoError(t, err, "a browser's lower-case form")
	assert.Equal(t, "CHECK.TUNDUK.KG", host)
	assert.Equal(t, f.seal, b)
	u2, err := EncodeURL("localhost:8443", f.seal)
	require.NoError(t, err)
	_, b, err = ParseURL(u2)
	require.NoError(t, err)
	assert.Equal(t, f.seal, b)

	data := u[len("HTTPS://CHECK.TUNDUK.KG/S/"):]
	// The last character carries unused bits: 152 bytes = 1216 bits = 243
	// characters and 1 bit, so the 244th character has 4 unused bits.
	last := data[len(data)-1]
	alt := strings.IndexByte("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567", last) ^ 1
	nonCanonical := u[:len(u)-1] + string("ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"[alt])
	for name, bad := range map[string]string{
		"http":          "HTTP://CHECK.TUNDUK.KG/S/" + data,
		"no /S/":        "HTTPS://CHECK.TUNDUK.KG/" + data,
		"query":         u + "?X=1",
		"fragment":      u + "#A",
		"padding":       u + "====",
		"trailing /":    u + "/",
		"bad host":      "HTTPS://CHECK_TUNDUK.KG/S/" + data,
		"empty host":    "HTTPS:///S/" + data,
		"port 0":        "HTTPS://X.KG:0/S/" + data,
		"not base32":    "HTTPS://CHECK.TUNDUK.KG/S/" + data[:10] + "1" + data[11:],
		"empty seal":    "HTTPS://CHECK.TUNDUK.KG/S/",
		"non-canonical": nonCanonical,
		"huge":          u + strings.Repeat("A", 5000),
	} {
		t.Run(name, func(t *testing.T) {
			_, _, err := ParseURL(bad)
			require.ErrorIs(t, err, ErrSealMalformed)
			_, err = VerifyURL(context.Background(), bad, f.tl, now)
			require.Error(t, err)
		})
	}
	for _, h := range []string{"", "check tunduk", "-a.kg", "a.kg.", "a.kg:", "a.kg:123456", "ä.kg"} {
		_, err := EncodeURL(h, f.seal)
		require.ErrorIs(t, err, ErrInvalidDocument, h)
	}
}

// TestKeyID pins the key id rule on a fixed public key.
func TestKeyID(t *testing.T) {
	pub := ed25519.NewKeyFromSeed(make([]byte, 32)).Public()
	der, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	h := sha256.Sum256(der)
	kid, err := KeyIDOf(pub)
	require.NoError(t, err)
	assert.Equal(t, h[:8], kid[:])
	assert.Equal(t, 16, len(kid.String()))
	_, err = KeyIDOf(&ecdsa.PublicKey{})
	require.ErrorIs(t, err, ErrUnsupportedKey)
}

// TestPageEndToEnd is what the verifier does with a scanned result page:
// read both barcodes, verify the seal from the QR code, and check that the
// Code 128 number and the document data agree with it.
func TestPageEndToEnd(t *testing.T) {
	f := newFixture(t, newECDSA(t))
	u, err := EncodeURL(checkHost, f.seal)
	require.NoError(t, err)
	q, err := barcode.EncodeQR(u, &barcode.Options{ModuleSize: 3})
	require.NoError(t, err)
	c, err := barcode.EncodeCode128(residenceDoc().Number, &barcode.Options{ModuleSize: 2})
	require.NoError(t, err)
	page := image.NewGray(image.Rect(0, 0, 1240, 1754)) // A4 at 150 dpi
	draw.Draw(page, page.Bounds(), image.White, image.Point{}, draw.Src)
	draw.Draw(page, q.Image.Bounds().Add(image.Pt(140, 1420)), q.Image, image.Point{}, draw.Src)
	draw.Draw(page, c.Image.Bounds().Add(image.Pt(560, 1480)), c.Image, image.Point{}, draw.Src)

	syms, err := barcode.Decode(context.Background(), page)
	require.NoError(t, err)
	var qrText, number string
	for _, s := range syms {
		switch s.Format {
		case barcode.QR:
			qrText = s.Text
		case barcode.Code128:
			number = s.Text
		}
	}
	res, err := VerifyURL(context.Background(), qrText, f.tl, now)
	require.NoError(t, err)
	assert.Equal(t, Valid, res.Verdict)
	assert.Equal(t, res.Seal.Number, number)
	require.NoError(t, res.Seal.CheckData([]byte(residenceData)))
	assert.Equal(t, res.Seal.HolderName, NormalizeName("Асанова Айгүл Бакытбековна"))
}
