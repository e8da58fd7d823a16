package verify

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"time"
)

// ValidationData is what a later validator needs to check certificates
// without the network: the certificates of the path and the revocation
// data that showed them unrevoked. CAdES-B-LT and PAdES-B-LT (the DSS
// dictionary) embed it.
type ValidationData struct {
	Certificates  []*x509.Certificate // the path, leaf first, and the issuers of revocation data
	OCSPResponses [][]byte            // DER OCSPResponse
	CRLs          [][]byte            // DER CertificateList
}

// ErrCertificateNotValid is returned by CollectValidationData when the
// certificate does not validate; the wrapped text says why.
var ErrCertificateNotValid = errors.New("verify: the certificate does not validate")

// CollectValidationData validates cert at time at, as the signer's
// certificate of a signature made then, and returns the path and the
// revocation data used. extra are certificates that may help build the
// path. It fails with ErrCertificateNotValid when the certificate does not
// validate, so that nobody raises a signature made with a revoked or
// untrusted certificate to a long-term level.
func CollectValidationData(ctx context.Context, cert *x509.Certificate, extra []*x509.Certificate, at time.Time, p *Policy) (*ValidationData, error) {
	v := &validation{policy: p, revocation: newRevocationChecker(p, nil, nil)}
	res := v.validateCertificate(ctx, cert, extra, at, true)
	if res.ind != TotalPassed {
		why := string(res.sub)
		for _, m := range res.msgs {
			if m.Level == LevelError {
				why = m.Text
				break
			}
		}
		return nil, fmt.Errorf("%w: %s", ErrCertificateNotValid, why)
	}
	vd := &ValidationData{
		Certificates:  append([]*x509.Certificate{}, res.chain...),
		OCSPResponses: v.revocation.usedOCSP,
		CRLs:          v.revocation.usedCRLs,
	}
	return vd, nil
}
