// This file holds the errors the package returns.

package tsp

import (
	"errors"
	"fmt"
	"strings"

	"github.com/tamgasign/tamga/internal/cms"
)

// Errors shared with package cms are the same values, so errors.Is works
// with either name.
var (
	// ErrMalformed means a query, reply or token is not well-formed DER of
	// the RFC 3161 structures (or breaks a rule the package enforces).
	ErrMalformed = cms.ErrMalformed
	// ErrUnsupportedAlgorithm means a hash or signature algorithm the
	// package does not implement.
	ErrUnsupportedAlgorithm = cms.ErrUnsupportedAlgorithm
	// ErrDigestMismatch means the token's message imprint is not the
	// digest of the caller's data (or the TSA stamped other data than
	// asked).
	ErrDigestMismatch = cms.ErrDigestMismatch
	// ErrSignatureInvalid means the token's signature does not verify.
	ErrSignatureInvalid = cms.ErrSignatureInvalid
	// ErrSignerNotFound means the TSA certificate is neither in the token
	// nor among the certificates the caller supplied.
	ErrSignerNotFound = cms.ErrSignerNotFound
	// ErrSigningCertificateMismatch means the token's ESS
	// signing-certificate attribute names another certificate.
	ErrSigningCertificateMismatch = cms.ErrSigningCertificateMismatch

	// ErrNotTSACertificate means the signer's certificate is not a
	// time-stamping certificate: RFC 3161 §2.3 requires an extended key
	// usage extension, marked critical, with id-kp-timeStamping only.
	ErrNotTSACertificate = errors.New("tsp: signer certificate is not a time-stamping certificate (needs a critical extended key usage with id-kp-timeStamping only)")
	// ErrRejected means the TSA did not grant the request; the error is a
	// *StatusError with the status and failure information.
	ErrRejected = errors.New("tsp: time-stamp request rejected")
	// ErrReplyMismatch means the reply does not answer the query: the
	// nonce or the requested policy differs.
	ErrReplyMismatch = errors.New("tsp: reply does not match the request")
	// ErrBadResponse means the HTTP exchange failed: a status other than
	// 200, a wrong content type, or a reply larger than MaxReplySize.
	ErrBadResponse = errors.New("tsp: bad HTTP response from the time-stamp authority")
)

func malformed(field, format string, args ...any) error {
	return &cms.Error{Field: field, Err: cms.ErrMalformed, Detail: fmt.Sprintf(format, args...)}
}

// StatusError is returned when a TSA answers with a status other than
// granted or grantedWithMods. It wraps ErrRejected.
type StatusError struct {
	Status   Status
	FailInfo FailureInfo
	Text     []string // the statusString, as the TSA wrote it
}

// Error describes the rejection with the TSA's own text.
func (e *StatusError) Error() string {
	msg := fmt.Sprintf("tsp: time-stamp authority answered %v", e.Status)
	if e.FailInfo != 0 {
		msg += " (" + e.FailInfo.String() + ")"
	}
	if len(e.Text) > 0 {
		msg += ": " + strings.Join(e.Text, "; ")
	}
	return msg
}

// Unwrap returns ErrRejected.
func (e *StatusError) Unwrap() error { return ErrRejected }

// HTTPError describes an HTTP exchange that did not produce a reply. It
// wraps ErrBadResponse.
type HTTPError struct {
	URL         string // with any password redacted
	StatusCode  int
	ContentType string
	Detail      string
}

// Error describes the failed exchange.
func (e *HTTPError) Error() string {
	return fmt.Sprintf("tsp: %s: HTTP %d, content type %q: %s", e.URL, e.StatusCode, e.ContentType, e.Detail)
}

// Unwrap returns ErrBadResponse.
func (e *HTTPError) Unwrap() error { return ErrBadResponse }
