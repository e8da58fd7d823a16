package seal

// Test fixtures: keys made at run time, a realistic Kyrgyz document, and a
// trust list listing the keys.

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// Fixed dates, so results do not depend on the day the tests run. The keys
// are generated for each run: nothing that expires is committed.
var (
	issueDay  = time.Date(2025, 4, 17, 15, 4, 5, 0, time.FixedZone("KGT", 6*3600))
	expiryDay = time.Date(2025, 7, 17, 0, 0, 0, 0, time.UTC)
	now       = time.Date(2025, 5, 2, 9, 0, 0, 0, time.UTC)
	listFrom  = time.Date(2025, 5, 1, 0, 0, 0, 0, time.UTC)
	listUntil = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC)
	keyFrom   = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)
	keyUntil  = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
)

// checkHost is the check page's host in the tests.
const checkHost = "check.tunduk.kg"

// residenceData is a certificate of residence's data as the portal would
// hold it.
const residenceData = `{
  "type": "certificate-of-residence",
  "number": "20250417000123",
  "issued": "2025-04-17",
  "validUntil": "2025-07-17",
  "holder": {"surname": "Асанова", "name": "Айгүл", "patronymic": "Бакытбековна",
             "pin": "21507199000123", "birthDate": "1990-07-15"},
  "address": "Бишкек ш., Свердлов р-ну, Токтогул к., 125, 17-бөлмө",
  "issuer": {"code": "GRS", "name": "Мамлекеттик каттоо кызматы"},
  "purpose": "Банкка көрсөтүү үчүн"
}`

func residenceDoc() *Document {
	return &Document{
		IssuerID:   "GRS",
		DocType:    101,
		Number:     "20250417000123",
		IssueDate:  issueDay,
		ExpiryDate: expiryDay,
		HolderName: "Асанова  Айгүл Бакытбековна",
		Data:       []byte(residenceData),
	}
}

func newECDSA(t testing.TB) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	return k
}

func newEd25519(t testing.TB) ed25519.PrivateKey {
	_, k, err := ed25519.GenerateKey(rand.Reader)
	require.NoError(t, err)
	return k
}

func listed(t testing.TB, issuer string, pub crypto.PublicKey, status KeyStatus) TrustedKey {
	kid, err := KeyIDOf(pub)
	require.NoError(t, err)
	alg, err := algorithmOf(pub)
	require.NoError(t, err)
	return TrustedKey{KeyID: kid, IssuerID: issuer, Algorithm: alg, PublicKey: pub,
		NotBefore: keyFrom, NotAfter: keyUntil, Status: status,
		Names: map[string]string{"ky": "Мамлекеттик каттоо кызматы", "ru": "Государственная регистрационная служба", "en": "State Registration Service"}}
}

// signedList signs a list of keys with a fresh operator key and parses it
// back, as a verifier would receive it.
func signedList(t testing.TB, keys ...TrustedKey) *TrustList {
	op := newEd25519(t)
	payload, sig, err := SignTrustList(context.Background(),
		&TrustList{Sequence: 7, Issued: listFrom, NextUpdate: listUntil, Keys: keys}, op)
	require.NoError(t, err)
	tl, err := ParseTrustList(payload, sig, op.Public())
	require.NoError(t, err)
	return tl
}

// fixture is a sealed residence certificate and a trust list that accepts
// its key.
type fixture struct {
	key  crypto.Signer
	seal []byte
	tl   *TrustList
}

func newFixture(t testing.TB, key crypto.Signer) fixture {
	seal, err := Sign(context.Background(), residenceDoc(), key)
	require.NoError(t, err)
	return fixture{key: key, seal: seal, tl: signedList(t, listed(t, "GRS", key.Public(), KeyActive))}
}
