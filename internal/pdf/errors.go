// This file holds the errors the package returns.

package pdf

import (
	"errors"
	"fmt"
)

// Sentinel errors. Every error the package returns wraps one of them (most
// through an *Error that adds the byte offset), so callers classify failures
// with errors.Is.
var (
	// ErrMalformed means the file breaks the PDF syntax or structure rules
	// the package enforces. The package does not repair files: a reader that
	// guesses what a damaged file meant is exactly what signature attacks
	// exploit, so treat the document as unverifiable.
	ErrMalformed = errors.New("pdf: malformed file")

	// ErrLimit means the file needs more resources than the Limits allow
	// (decompressed bytes, nesting depth, objects, ...). *Error.Limit names
	// the Limits field; raise it only for files from a trusted source.
	ErrLimit = errors.New("pdf: resource limit exceeded")

	// ErrUnsupported means a valid PDF feature the package does not
	// implement, such as a stream filter it cannot decode.
	ErrUnsupported = errors.New("pdf: unsupported feature")

	// ErrEncrypted means the file is encrypted (its trailer has /Encrypt);
	// the package reads only unencrypted files.
	ErrEncrypted = errors.New("pdf: encrypted files are not supported")

	// ErrNotFound means the requested object is not defined (or is free) in
	// the revision asked about. PDF treats a reference to such an object as
	// null; Resolve does so, ObjectAt reports it.
	ErrNotFound = errors.New("pdf: object not found")
)

// Error describes a failure at a place in the file. Err is one of the
// sentinel errors, for errors.Is.
type Error struct {
	Err    error  // ErrMalformed, ErrLimit, ErrUnsupported, ErrEncrypted or ErrNotFound
	Offset int64  // byte offset in the file, or -1 when the problem has no single place
	Object Ref    // the indirect object being read, if any (zero Ref otherwise)
	Limit  string // for ErrLimit: the name of the Limits field, e.g. "MaxStreamSize"
	Detail string // what is wrong, in words
}

// Error returns a message such as
// "pdf: malformed file at offset 1234 (object 5 0): detail".
func (e *Error) Error() string {
	msg := e.Err.Error()
	if e.Limit != "" {
		msg += " (Limits." + e.Limit + ")"
	}
	if e.Offset >= 0 {
		msg += fmt.Sprintf(" at offset %d", e.Offset)
	}
	if e.Object != (Ref{}) {
		msg += fmt.Sprintf(" (object %d %d)", e.Object.Num, e.Object.Gen)
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Limit != "" {
		msg += "; raise Limits." + e.Limit + " only if the file comes from a trusted source"
	}
	return msg
}

// Unwrap returns the sentinel error.
func (e *Error) Unwrap() error { return e.Err }

func malformed(off int64, format string, args ...any) *Error {
	return &Error{Err: ErrMalformed, Offset: off, Detail: fmt.Sprintf(format, args...)}
}

func limitErr(limit string, off int64, format string, args ...any) *Error {
	return &Error{Err: ErrLimit, Offset: off, Limit: limit, Detail: fmt.Sprintf(format, args...)}
}

func unsupported(off int64, format string, args ...any) *Error {
	return &Error{Err: ErrUnsupported, Offset: off, Detail: fmt.Sprintf(format, args...)}
}

// withObject returns err with the object set when err is an *Error without
// one; other errors are returned as they are.
func withObject(err error, ref Ref) error {
	var e *Error
	if errors.As(err, &e) && e.Object == (Ref{}) {
		c := *e
		c.Object = ref
		return &c
	}
	return err
}
