package seal

import (
	"errors"
	"fmt"
)

// Errors returned by this package. Test them with errors.Is; a *FieldError
// wraps ErrSealMalformed, ErrInvalidDocument or ErrTrustListInvalid and
// names the field.
var (
	// ErrSealMalformed: the seal's bytes or URL do not follow the format
	// (truncated, trailing bytes, a field too long or out of range, an
	// unknown critical field, a field not in canonical form). The barcode
	// was damaged or forged.
	ErrSealMalformed = errors.New("seal: malformed seal")

	// ErrSealVersion: the seal has a format version this verifier does not
	// know. Update the verifier.
	ErrSealVersion = errors.New("seal: unsupported seal format version")

	// ErrUnknownKey: the trust list has no key with the seal's key id and
	// issuer. Refresh the trust list; if it is current, the seal is not
	// from a known issuer.
	ErrUnknownKey = errors.New("seal: seal key not in the trust list")

	// ErrSignatureInvalid: the signature does not verify. The seal was
	// altered or forged.
	ErrSignatureInvalid = errors.New("seal: signature invalid")

	// ErrKeyRevoked: the trust list marks the seal key revoked; every seal
	// it made is void.
	ErrKeyRevoked = errors.New("seal: seal key revoked")

	// ErrKeyNotValid: the seal's issue date lies outside the validity
	// window the trust list gives for its key.
	ErrKeyNotValid = errors.New("seal: issue date outside the seal key's validity")

	// ErrNotYetValid: the seal's issue date is after the verification date.
	// Check the verifier's clock.
	ErrNotYetValid = errors.New("seal: issue date in the future")

	// ErrDocumentExpired: the seal is authentic but the document's expiry
	// date has passed. Verify returns the Result along with this error.
	ErrDocumentExpired = errors.New("seal: document expired")

	// ErrDataMismatch: the document data does not have the digest the seal
	// carries; the data shown is not the data that was sealed.
	ErrDataMismatch = errors.New("seal: document data does not match the seal")

	// ErrTrustListInvalid: the trust list's signature does not verify with
	// the operator key, or its content breaks the format. Fetch it again
	// from the publisher.
	ErrTrustListInvalid = errors.New("seal: trust list invalid")

	// ErrTrustListExpired: the verification time is past the trust list's
	// next-update time (or before its issue time). Fetch a current list.
	ErrTrustListExpired = errors.New("seal: trust list out of date")

	// ErrInvalidDocument: Sign was given document fields it cannot seal.
	ErrInvalidDocument = errors.New("seal: invalid document for sealing")

	// ErrUnsupportedKey: the key is neither ECDSA P-256 nor Ed25519.
	ErrUnsupportedKey = errors.New("seal: unsupported key type (use ECDSA P-256 or Ed25519)")
)

// FieldError says which field of a seal, document or trust list is wrong.
type FieldError struct {
	Field  string // the field's name, as in SEAL.md
	Reason string
	Err    error // the sentinel it belongs to
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("%v: %s: %s", e.Err, e.Field, e.Reason)
}

func (e *FieldError) Unwrap() error { return e.Err }

func malformed(field, reason string) error {
	return &FieldError{Field: field, Reason: reason, Err: ErrSealMalformed}
}

func invalidDoc(field, reason string) error {
	return &FieldError{Field: field, Reason: reason, Err: ErrInvalidDocument}
}

func invalidList(field, reason string) error {
	return &FieldError{Field: field, Reason: reason, Err: ErrTrustListInvalid}
}
