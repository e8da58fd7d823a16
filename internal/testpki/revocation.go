// This file holds revocation: Revoke and the CRLs.

package testpki

import (
	"bytes"
	"crypto/rand"
	"crypto/x509"
	"fmt"
	"math/big"
	"sort"
	"time"
)

// Revoke records that cert, which this PKI issued, is revoked from the
// instant at (zero means now) for reason, an RFC 5280 CRLReason such as
// ocsp.KeyCompromise from golang.org/x/crypto/ocsp. CRLs and OCSP responses
// produced before at still show the certificate as good, so a test can
// revoke a certificate after a signature was made. Revoking again replaces
// the time and reason, as a CA does when certificateHold turns into
// keyCompromise.
//
// It returns ErrNotIssued for a certificate this PKI did not issue, and a
// *FieldError for a reason outside 0-6 and 9-10 (7 is unused and 8,
// removeFromCRL, belongs to delta CRLs only).
func (p *PKI) Revoke(cert *x509.Certificate, at time.Time, reason int) error {
	if reason < 0 || reason > 10 || reason == 7 || reason == 8 {
		return &FieldError{Field: "reason", Problem: fmt.Sprintf("%d is not a CRLReason a CA may use in a full CRL; use 0-6, 9 or 10 (RFC 5280, 5.3.1)", reason)}
	}
	if cert == nil || cert.SerialNumber == nil {
		return ErrNotIssued
	}
	if at.IsZero() {
		at = p.Now()
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, a := range p.cas {
		if c := a.issued[serialKey(cert.SerialNumber)]; c != nil && bytes.Equal(c.Raw, cert.Raw) {
			a.revoked[serialKey(cert.SerialNumber)] = revocation{
				serial: new(big.Int).Set(cert.SerialNumber),
				at:     at.UTC().Truncate(time.Second),
				reason: reason,
			}
			return nil
		}
	}
	return ErrNotIssued
}

// CRL returns a freshly signed DER CRL of the CA whose certificate is
// issuer: thisUpdate is now, nextUpdate now + Config.StatusValidity, the
// CRL number grows with every call, and it lists the certificates revoked
// at or before now. It returns ErrUnknownIssuer when issuer is not the
// certificate of one of this PKI's identities; the identity must have the
// cRLSign key usage, as every CA here has.
func (p *PKI) CRL(issuer *x509.Certificate) ([]byte, error) {
	if issuer == nil {
		return nil, ErrUnknownIssuer
	}
	now := p.Now()
	p.mu.Lock()
	var a *authority
	for _, c := range p.cas {
		if bytes.Equal(c.id.Cert.Raw, issuer.Raw) {
			a = c
			break
		}
	}
	if a == nil {
		p.mu.Unlock()
		return nil, ErrUnknownIssuer
	}
	a.crlNumber++
	number := big.NewInt(a.crlNumber)
	var entries []x509.RevocationListEntry
	for _, r := range a.revoked {
		if r.at.After(now) {
			continue
		}
		entries = append(entries, x509.RevocationListEntry{
			SerialNumber:   r.serial,
			RevocationTime: r.at,
			ReasonCode:     r.reason,
		})
	}
	id := a.id
	p.mu.Unlock()

	sort.Slice(entries, func(i, j int) bool { return entries[i].SerialNumber.Cmp(entries[j].SerialNumber) < 0 })
	der, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number:                    number,
		ThisUpdate:                now,
		NextUpdate:                now.Add(p.cfg.StatusValidity),
		RevokedCertificateEntries: entries,
	}, id.Cert, id.Key)
	if err != nil {
		return nil, fmt.Errorf("testpki: signing the CRL of %q: %w", id.Name, err)
	}
	return der, nil
}
