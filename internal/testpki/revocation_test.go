package testpki

import (
	"crypto/x509"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"
)

func TestCRL(t *testing.T) {
	clock := newFakeClock(time.Date(2032, 6, 1, 8, 0, 0, 0, time.UTC))
	p := NewTest(t, Config{Now: clock.Now, StatusValidity: 6 * time.Hour})
	later, err := p.Issue(LeafSpec{Name: "later"})
	require.NoError(t, err)

	require.NoError(t, p.Revoke(p.Applicant.Cert, time.Time{}, ocsp.KeyCompromise))
	require.NoError(t, p.Revoke(p.Executor.Cert, clock.Now().Add(-time.Hour), ocsp.Unspecified))
	// Revoked from tomorrow: not on today's CRL.
	require.NoError(t, p.Revoke(later.Cert, clock.Now().Add(24*time.Hour), ocsp.Superseded))

	parse := func() *x509.RevocationList {
		der, err := p.CRL(p.Intermediate.Cert)
		require.NoError(t, err)
		crl, err := x509.ParseRevocationList(der)
		require.NoError(t, err)
		require.NoError(t, crl.CheckSignatureFrom(p.Intermediate.Cert))
		return crl
	}
	crl := parse()
	assert.True(t, crl.ThisUpdate.Equal(clock.Now()))
	assert.True(t, crl.NextUpdate.Equal(clock.Now().Add(6*time.Hour)))
	assert.Equal(t, p.Intermediate.Cert.SubjectKeyId, crl.AuthorityKeyId)
	assert.Equal(t, p.Intermediate.Cert.RawSubject, crl.RawIssuer)
	first := crl.Number
	got := map[string]x509.RevocationListEntry{}
	for _, e := range crl.RevokedCertificateEntries {
		got[e.SerialNumber.String()] = e
	}
	require.Len(t, got, 2)
	a := got[p.Applicant.Cert.SerialNumber.String()]
	assert.Equal(t, ocsp.KeyCompromise, a.ReasonCode)
	assert.True(t, a.RevocationTime.Equal(clock.Now()))
	e := got[p.Executor.Cert.SerialNumber.String()]
	assert.Equal(t, ocsp.Unspecified, e.ReasonCode)
	assert.True(t, e.RevocationTime.Equal(clock.Now().Add(-time.Hour)))

	clock.Add(25 * time.Hour)
	crl = parse()
	assert.Len(t, crl.RevokedCertificateEntries, 3)
	assert.Equal(t, 1, crl.Number.Cmp(first), "CRL number grows")

	// Revoking again replaces the reason (certificateHold -> keyCompromise).
	require.NoError(t, p.Revoke(later.Cert, clock.Now(), ocsp.CertificateHold))
	require.NoError(t, p.Revoke(later.Cert, clock.Now(), ocsp.KeyCompromise))
	for _, e := range parse().RevokedCertificateEntries {
		if e.SerialNumber.Cmp(later.Cert.SerialNumber) == 0 {
			assert.Equal(t, ocsp.KeyCompromise, e.ReasonCode)
		}
	}

	// The root's CRL lists what the root revoked, not the intermediate's.
	rootDER, err := p.CRL(p.Root.Cert)
	require.NoError(t, err)
	rootCRL, err := x509.ParseRevocationList(rootDER)
	require.NoError(t, err)
	require.NoError(t, rootCRL.CheckSignatureFrom(p.Root.Cert))
	assert.Empty(t, rootCRL.RevokedCertificateEntries)
}

func TestRevokeErrors(t *testing.T) {
	p := NewTest(t)
	other := NewTest(t)
	forged := *p.Executor.Cert
	forged.Raw = append([]byte(nil), forged.Raw...)
	forged.Raw[len(forged.Raw)-1] ^= 1 // same serial, different certificate

	for _, reason := range []int{-1, 7, 8, 11, 1 << 20} {
		var fe *FieldError
		require.ErrorAs(t, p.Revoke(p.Executor.Cert, time.Time{}, reason), &fe, "reason %d", reason)
		assert.Equal(t, "reason", fe.Field)
	}
	for _, c := range []*x509.Certificate{nil, {}, other.Executor.Cert, p.Root.Cert, &forged, {SerialNumber: big.NewInt(1)}} {
		require.ErrorIs(t, p.Revoke(c, time.Time{}, 0), ErrNotIssued)
	}
	for _, c := range []*x509.Certificate{nil, other.Intermediate.Cert, {}} {
		_, err := p.CRL(c)
		require.ErrorIs(t, err, ErrUnknownIssuer)
	}
	// An end entity has no cRLSign; crypto/x509 refuses to sign its CRL.
	_, err := p.CRL(p.Executor.Cert)
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrUnknownIssuer)
}
