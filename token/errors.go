// This file holds the errors of package token: the sentinels callers test
// with errors.Is, the typed errors that name what is at fault, and the
// mapping from PKCS#11 return values to them.

package token

import (
	"errors"
	"fmt"
	"strings"

	"github.com/miekg/pkcs11"
)

// Sentinel errors. Errors returned by this package wrap one of these (test
// with errors.Is); their messages say what to do next. No error returned by
// this package contains a PIN or password.
var (
	// ErrPINIncorrect: the token rejected the PIN (CKR_PIN_INCORRECT), or a
	// PKCS#12 file's password is wrong. It is never retried automatically:
	// tokens count failed tries and lock the PIN after a few.
	ErrPINIncorrect = errors.New("token: the PIN is incorrect")

	// ErrPINLocked: the token's user PIN is locked or expired; it must be
	// unlocked or changed with the token vendor's tool (usually with the PUK
	// or the SO PIN) before the key can be used.
	ErrPINLocked = errors.New("token: the PIN is locked")

	// ErrPINRequired: a PIN is needed but no source gave one: set pin-source
	// in the key URI, set TAMGA_PIN, or run where a terminal can ask for it.
	ErrPINRequired = errors.New("token: a PIN is required")

	// ErrTokenNotPresent: no slot holds a token that matches the URI, or the
	// token was removed (CKR_TOKEN_NOT_PRESENT, CKR_DEVICE_REMOVED).
	ErrTokenNotPresent = errors.New("token: the token is not present")

	// ErrKeyNotFound: the token holds no private key that matches the URI.
	ErrKeyNotFound = errors.New("token: no matching private key")

	// ErrAmbiguousKey: more than one key (or token) matches the URI; the
	// message says which attribute (id=, serial=) narrows it.
	ErrAmbiguousKey = errors.New("token: the reference matches more than one key")

	// ErrCertificateNotFound: the key was found but no certificate for it
	// was found next to it (on the token, in the PKCS#12 file or the PEM
	// files).
	ErrCertificateNotFound = errors.New("token: no certificate for the key")

	// ErrKeyMismatch: the certificate does not belong to the key: its public
	// key differs, or a signature just made does not verify with it.
	ErrKeyMismatch = errors.New("token: the certificate does not match the key")

	// ErrModule: the PKCS#11 module cannot be found, loaded or initialised.
	ErrModule = errors.New("token: cannot use the PKCS#11 module")

	// ErrBadReference: a key reference (PKCS#11 URI or file: reference) is
	// malformed; a *ReferenceError names the attribute.
	ErrBadReference = errors.New("token: bad key reference")

	// ErrBadKeyFile: a PKCS#12 or PEM key file (or its certificate file)
	// is malformed, holds no key or several, or asks for unreasonable work.
	ErrBadKeyFile = errors.New("token: bad key file")

	// ErrUnsupported: the key type, curve, hash or signature scheme is not
	// supported by this package or by the token.
	ErrUnsupported = errors.New("token: unsupported key or algorithm")

	// ErrBadDigest: the digest passed to Sign does not have the length of
	// the hash named in the signer options.
	ErrBadDigest = errors.New("token: the digest length does not match the hash")

	// ErrClosed: the Signer has been closed.
	ErrClosed = errors.New("token: the signer is closed")
)

// A ReferenceError reports a key reference that cannot be used. It never
// holds the reference itself, which may carry secrets; Attr names the part
// at fault.
type ReferenceError struct {
	Attr   string // the URI attribute or part at fault, e.g. "slot-id", "scheme"
	Reason string // what is wrong and how to fix it
}

func (e *ReferenceError) Error() string {
	if e.Attr == "" {
		return "token: bad key reference: " + e.Reason
	}
	return "token: bad key reference: " + e.Attr + ": " + e.Reason
}

// Is makes errors.Is(err, ErrBadReference) true.
func (e *ReferenceError) Is(target error) bool { return target == ErrBadReference }

func refErr(attr, format string, args ...any) error {
	return &ReferenceError{Attr: attr, Reason: fmt.Sprintf(format, args...)}
}

// A PKCS11Error is a failed PKCS#11 call. It unwraps to the sentinel that
// the return value maps to (ErrPINIncorrect for CKR_PIN_INCORRECT, ...), if
// any, and to the pkcs11.Error.
type PKCS11Error struct {
	Func string // the PKCS#11 function, e.g. "C_Login"
	Code uint   // the CK_RV, e.g. pkcs11.CKR_PIN_INCORRECT
	// sentinel is the package error the code maps to, or nil.
	sentinel error
	// advice tells the user what to do; it depends on the call and the code.
	advice string
}

// Name returns the CKR_ name of the return value.
func (e *PKCS11Error) Name() string { return ckrName(e.Code) }

func (e *PKCS11Error) Error() string {
	var b strings.Builder
	if e.sentinel != nil {
		b.WriteString(e.sentinel.Error())
		b.WriteString(" (")
		b.WriteString(e.Func)
		b.WriteString(": ")
		b.WriteString(e.Name())
		b.WriteString(")")
	} else {
		b.WriteString("token: ")
		b.WriteString(e.Func)
		b.WriteString(" failed: ")
		b.WriteString(e.Name())
	}
	if e.advice != "" {
		b.WriteString(": ")
		b.WriteString(e.advice)
	}
	return b.String()
}

// Unwrap returns the mapped sentinel (if any) and the pkcs11.Error.
func (e *PKCS11Error) Unwrap() []error {
	if e.sentinel != nil {
		return []error{e.sentinel, pkcs11.Error(e.Code)}
	}
	return []error{pkcs11.Error(e.Code)}
}

// ckrName returns the symbolic name of a CK_RV ("CKR_PIN_INCORRECT").
func ckrName(code uint) string {
	// pkcs11.Error formats as "pkcs11: 0xA0: CKR_PIN_INCORRECT"; its table
	// is not exported.
	s := pkcs11.Error(code).Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && strings.HasPrefix(s[i+2:], "CKR_") {
		return s[i+2:]
	}
	return fmt.Sprintf("CK_RV 0x%X", code)
}

// p11err wraps the error of the PKCS#11 function fn. It maps return values
// that callers act on to the package's sentinels and adds advice.
func p11err(fn string, err error) error {
	if err == nil {
		return nil
	}
	var pe pkcs11.Error
	if !errors.As(err, &pe) {
		return fmt.Errorf("token: %s: %w", fn, err)
	}
	e := &PKCS11Error{Func: fn, Code: uint(pe)}
	switch uint(pe) {
	case pkcs11.CKR_PIN_INCORRECT, pkcs11.CKR_PIN_INVALID, pkcs11.CKR_PIN_LEN_RANGE:
		e.sentinel = ErrPINIncorrect
		e.advice = "check the PIN before trying again; the token counts failed tries and locks the PIN after a few, so tamga does not retry"
	case pkcs11.CKR_PIN_LOCKED:
		e.sentinel = ErrPINLocked
		e.advice = "unlock it with the token vendor's tool (PUK or SO PIN)"
	case pkcs11.CKR_PIN_EXPIRED:
		e.sentinel = ErrPINLocked
		e.advice = "the PIN has expired; change it with the token vendor's tool"
	case pkcs11.CKR_TOKEN_NOT_PRESENT, pkcs11.CKR_DEVICE_REMOVED, pkcs11.CKR_TOKEN_NOT_RECOGNIZED,
		pkcs11.CKR_SLOT_ID_INVALID:
		e.sentinel = ErrTokenNotPresent
		e.advice = "insert the token and try again"
	case pkcs11.CKR_USER_PIN_NOT_INITIALIZED:
		e.sentinel = ErrPINLocked
		e.advice = "the token has no user PIN yet; set one with the token vendor's tool"
	case pkcs11.CKR_MECHANISM_INVALID, pkcs11.CKR_MECHANISM_PARAM_INVALID, pkcs11.CKR_KEY_TYPE_INCONSISTENT,
		pkcs11.CKR_KEY_FUNCTION_NOT_PERMITTED:
		e.sentinel = ErrUnsupported
		e.advice = "the token cannot make this kind of signature with this key"
	case pkcs11.CKR_USER_NOT_LOGGED_IN:
		e.advice = "the token wants a login (or, for this key, a PIN for each signature) first"
	}
	return e
}

// isCode reports whether err is the PKCS#11 return value code.
func isCode(err error, code uint) bool {
	var pe pkcs11.Error
	return errors.As(err, &pe) && uint(pe) == code
}
