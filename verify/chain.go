package verify

import (
	"context"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"slices"
	"strconv"
	"time"
)

// certResult is the outcome of validating one certificate for use at a
// given time.
type certResult struct {
	chain []*x509.Certificate // leaf first, trust anchor last
	ind   Indication          // TotalPassed, or the failure
	sub   SubIndication
	msgs  []Message
}

func (r *certResult) fail(ind Indication, sub SubIndication, m Message) {
	if rank(ind) > rank(r.ind) {
		r.ind, r.sub = ind, sub
	}
	r.msgs = append(r.msgs, m)
}

// validateCertificate builds the path from cert to a trust anchor and checks
// it at time at: validity periods, algorithms and revocation. poe says that
// at comes from a time-stamp (a proof of existence), which turns some
// INDETERMINATE outcomes into definite ones (ETSI EN 319 102-1 §5.2.6).
func (v *validation) validateCertificate(ctx context.Context, cert *x509.Certificate, extra []*x509.Certificate, at time.Time, poe bool) *certResult {
	res := &certResult{ind: TotalPassed}
	subject := displayName(cert)
	if v.policy.Roots == nil {
		res.fail(Indeterminate, NoCertificateChainFound, newMessage(LevelError, "CHAIN_NOT_FOUND", "subject", subject, "error", "no trusted roots are configured"))
		return res
	}
	candidates := append(slices.Clip(v.policy.Intermediates), extra...)
	inter := x509.NewCertPool()
	for _, c := range candidates {
		inter.AddCert(c)
	}
	opts := x509.VerifyOptions{
		Roots:         v.policy.Roots,
		Intermediates: inter,
		CurrentTime:   at,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	}
	chains, err := v.policy.cache().verifyChains(cert, candidates, opts)
	if err != nil {
		var invalid x509.CertificateInvalidError
		if !errors.As(err, &invalid) || (invalid.Reason != x509.Expired) {
			res.fail(Indeterminate, NoCertificateChainFound, newMessage(LevelError, "CHAIN_NOT_FOUND", "subject", subject, "error", err.Error()))
			return res
		}
		// The path may exist with some certificate not valid at time at.
		// Find it at a time inside the leaf's validity to say which.
		for _, t := range []time.Time{cert.NotAfter.Add(-time.Second), cert.NotBefore.Add(time.Second)} {
			opts.CurrentTime = t
			if chains, err = v.policy.cache().verifyChains(cert, candidates, opts); err == nil {
				break
			}
		}
		if err != nil {
			res.fail(Indeterminate, NoCertificateChainFound, newMessage(LevelError, "CHAIN_NOT_FOUND", "subject", subject, "error", err.Error()))
			return res
		}
	}
	res.chain = chains[0]
	root := res.chain[len(res.chain)-1]
	res.msgs = append(res.msgs, newMessage(LevelInfo, "CHAIN_VALID", "subject", subject, "root", root.Subject.String()))

	for _, c := range res.chain {
		name := displayName(c)
		switch {
		case at.After(c.NotAfter):
			m := newMessage(LevelError, "CERT_EXPIRED", "subject", name, "notAfter", stamp(c.NotAfter), "time", stamp(at))
			if poe {
				res.fail(TotalFailed, Expired, m)
			} else {
				res.fail(Indeterminate, OutOfBoundsNoPOE, m)
			}
		case at.Before(c.NotBefore):
			m := newMessage(LevelError, "CERT_NOT_YET_VALID", "subject", name, "notBefore", stamp(c.NotBefore), "time", stamp(at))
			if poe {
				res.fail(TotalFailed, NotYetValid, m)
			} else {
				res.fail(Indeterminate, OutOfBoundsNoPOE, m)
			}
		}
	}

	for _, c := range res.chain[:len(res.chain)-1] { // the anchor's own signature is not relied on
		v.checkCertificateAlgorithms(res, c)
	}

	for i := 0; i+1 < len(res.chain); i++ {
		c, issuer := res.chain[i], res.chain[i+1]
		if hasOCSPNoCheck(c) {
			continue // RFC 6960 §4.2.2.2.1: the responder's own status is not checked
		}
		v.checkRevocation(ctx, res, c, issuer, at, poe, i == 0)
	}
	return res
}

func (v *validation) checkCertificateAlgorithms(res *certResult, c *x509.Certificate) {
	if !v.policy.AllowSHA1 {
		switch c.SignatureAlgorithm {
		case x509.SHA1WithRSA, x509.ECDSAWithSHA1, x509.DSAWithSHA1, x509.MD5WithRSA, x509.MD2WithRSA:
			res.fail(Indeterminate, CryptoConstraintsFailure, newMessage(LevelError, "ALGORITHM_REJECTED",
				"what", "certificate signature", "alg", c.SignatureAlgorithm.String()+" ("+displayName(c)+")"))
		}
	}
	if pub, ok := c.PublicKey.(*rsa.PublicKey); ok && pub.N.BitLen() < v.policy.minRSABits() {
		res.fail(Indeterminate, CryptoConstraintsFailure, newMessage(LevelError, "KEY_TOO_SMALL",
			"bits", strconv.Itoa(pub.N.BitLen()), "subject", displayName(c), "min", strconv.Itoa(v.policy.minRSABits())))
	}
}

func (v *validation) checkRevocation(ctx context.Context, res *certResult, c, issuer *x509.Certificate, at time.Time, poe, leaf bool) {
	st := v.revocation.status(ctx, c, issuer, at)
	subject := displayName(c)
	switch st.state {
	case revGood:
		res.msgs = append(res.msgs, newMessage(LevelInfo, "REVOCATION_GOOD", "subject", subject, "source", st.source, "time", stamp(st.issued)))
	case revRevoked:
		args := []string{"subject", subject, "time", stamp(st.revokedAt), "reason", reasonText(st.reason)}
		switch {
		case poe && st.revokedAt.After(at):
			res.msgs = append(res.msgs, newMessage(LevelInfo, "REVOKED_AFTER_POE", args...))
		case poe:
			res.fail(TotalFailed, Revoked, newMessage(LevelError, "REVOKED", args...))
		case leaf:
			res.fail(Indeterminate, RevokedNoPOE, newMessage(LevelError, "REVOKED_NO_POE", args...))
		default:
			res.fail(Indeterminate, RevokedCANoPOE, newMessage(LevelError, "REVOKED_NO_POE", args...))
		}
	default:
		res.msgs = append(res.msgs, st.problems...)
		m := newMessage(LevelWarning, "REVOCATION_UNKNOWN", "subject", subject, "error", "no OCSP response or CRL covers the time "+stamp(at))
		if v.policy.Revocation == RevocationRequired {
			m.Level = LevelError
			res.fail(Indeterminate, TryLater, m)
		} else {
			res.msgs = append(res.msgs, m)
		}
	}
}

var oidOCSPNoCheck = []int{1, 3, 6, 1, 5, 5, 7, 48, 1, 5}

func hasOCSPNoCheck(c *x509.Certificate) bool {
	for _, e := range c.Extensions {
		if e.Id.Equal(oidOCSPNoCheck) {
			return true
		}
	}
	return false
}

// reasonText names a CRL reason code (RFC 5280 §5.3.1).
func reasonText(code int) string {
	names := []string{"unspecified", "keyCompromise", "cACompromise", "affiliationChanged", "superseded",
		"cessationOfOperation", "certificateHold", "", "removeFromCRL", "privilegeWithdrawn", "aACompromise"}
	if code >= 0 && code < len(names) && names[code] != "" {
		return names[code]
	}
	return "code " + strconv.Itoa(code)
}

func displayName(c *x509.Certificate) string {
	if c.Subject.CommonName != "" {
		return c.Subject.CommonName
	}
	return c.Subject.String()
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }
