// This file holds the errors the package returns.

package cms

import (
	"crypto/x509"
	"errors"
	"fmt"
)

// Sentinel errors. Every error the package returns wraps one of them, so
// callers classify failures with errors.Is; the message of the wrapping
// *Error names the field.
var (
	// ErrMalformed means the input is not a well-formed CMS SignedData (or
	// breaks an RFC 5652 rule the package enforces). Retrying will not help;
	// the signature file itself is damaged or hostile.
	ErrMalformed = errors.New("cms: malformed input")

	// ErrUnsupportedAlgorithm means a digest, signature or key algorithm
	// (or a parameter combination) that the package does not implement.
	ErrUnsupportedAlgorithm = errors.New("cms: unsupported algorithm")

	// ErrDigestMismatch means the message-digest signed attribute (or, for
	// a time-stamp, the message imprint) differs from the digest the caller
	// computed: the content is not the content that was signed.
	ErrDigestMismatch = errors.New("cms: content digest does not match the signed message-digest")

	// ErrSignatureInvalid means the signature value does not verify with
	// the certificate's public key.
	ErrSignatureInvalid = errors.New("cms: signature value does not verify")

	// ErrSignerNotFound means no certificate matches the SignerInfo's
	// signer identifier; pass the signer's certificate in the pool.
	ErrSignerNotFound = errors.New("cms: signer certificate not found; supply it in the certificate pool")

	// ErrAttributeNotFound means the requested attribute is absent.
	ErrAttributeNotFound = errors.New("cms: attribute not present")

	// ErrSigningCertificateMismatch means an ESS signing-certificate(-v2)
	// attribute does not identify the given certificate: the certificate
	// may have been substituted.
	ErrSigningCertificateMismatch = errors.New("cms: ESS signing-certificate attribute does not match the certificate")
)

// Error is the error type returned for problems in a particular field of
// the CMS structure. Field is a path such as
// "signerInfos[0].signedAttrs"; Err is one of the package's sentinel
// errors.
type Error struct {
	Field  string // where the problem is, e.g. "signerInfos[1].signatureAlgorithm"
	Err    error  // the sentinel error, for errors.Is
	Detail string // what is wrong, in words
}

// Error returns "cms: field: detail".
func (e *Error) Error() string {
	msg := "cms: "
	if e.Field != "" {
		msg += e.Field + ": "
	}
	if e.Detail != "" {
		return msg + e.Detail
	}
	return msg + trimPrefix(e.Err.Error())
}

// Unwrap returns the sentinel error.
func (e *Error) Unwrap() error { return e.Err }

func trimPrefix(s string) string {
	const p = "cms: "
	if len(s) > len(p) && s[:len(p)] == p {
		return s[len(p):]
	}
	return s
}

func errf(sentinel error, field, format string, args ...any) *Error {
	return &Error{Field: field, Err: sentinel, Detail: fmt.Sprintf(format, args...)}
}

func malformed(field, format string, args ...any) *Error {
	return errf(ErrMalformed, field, format, args...)
}

// CertificateError describes an entry of the certificates field that
// crypto/x509 could not parse. Parse does not fail because of it (see the
// package documentation); it is listed in SignedData.UnparsedCertificates.
type CertificateError struct {
	Index int    // position in the certificates field
	Raw   []byte // the certificate's encoding
	Err   error  // the error from x509.ParseCertificate

	// Partial, when not nil, holds what a lenient structural parse could
	// read: Raw, RawTBSCertificate, SerialNumber (negative allowed),
	// RawIssuer, RawSubject, RawSubjectPublicKeyInfo, PublicKey,
	// PublicKeyAlgorithm and SubjectKeyId. Nothing else is set: there are
	// no validity dates, key usages or constraints and the signature
	// algorithm is unknown. It lets a verifier check a signature value
	// made with a certificate crypto/x509 rejects (negative serial
	// numbers, inconsistent algorithm fields, as OpenSSL accepts), pass it
	// to FindCertificate and VerifySignature; it is not a certificate to
	// build a trust path with.
	Partial *x509.Certificate
}

// Error describes the certificate that did not parse.
func (e *CertificateError) Error() string {
	return fmt.Sprintf("cms: certificates[%d]: cannot parse X.509 certificate: %v", e.Index, e.Err)
}

// Unwrap returns the x509 error.
func (e *CertificateError) Unwrap() error { return e.Err }
