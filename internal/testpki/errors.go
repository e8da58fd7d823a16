package testpki

import "errors"

// ErrNotIssued is returned when a certificate passed to [PKI.Revoke] was not
// issued by this PKI.
var ErrNotIssued = errors.New("testpki: certificate was not issued by this PKI; pass a certificate from one of its identities")

// ErrUnknownIssuer is returned when an issuer (a certificate or identity) is
// not one of this PKI's identities, or when no CA of this PKI issued a
// certificate whose OCSP response is asked for.
var ErrUnknownIssuer = errors.New("testpki: issuer is not an identity of this PKI; use its Root, Intermediate, Stranger or an identity from Issue")

// FieldError reports an invalid field of a [Config] or [LeafSpec], or an
// invalid argument, named in Field.
type FieldError struct {
	Field   string // for example "Config.BaseURL", "LeafSpec.Name", "reason"
	Problem string // what is wrong and what is accepted
}

func (e *FieldError) Error() string {
	return "testpki: invalid " + e.Field + ": " + e.Problem
}
