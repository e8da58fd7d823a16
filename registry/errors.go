package registry

// This file holds the errors the registry returns.

import (
	"errors"
	"fmt"
)

// Errors returned by the registry. Test them with errors.Is.
var (
	// ErrNotFound: no document has this number, or the check code is
	// wrong. The two are deliberately not told apart.
	ErrNotFound = errors.New("registry: no such document (check the number and the code)")
	// ErrExists: a document with this number is registered already.
	ErrExists = errors.New("registry: a document with this number is already registered")
	// ErrAlreadyAnnulled: the document was annulled before; an annulment
	// cannot be repeated or undone.
	ErrAlreadyAnnulled = errors.New("registry: the document is already annulled")
	// ErrInvalid: a field of a Document, Check or argument is invalid; the
	// wrapped *FieldError names it.
	ErrInvalid = errors.New("registry: invalid input")
	// ErrDSN: the data source name is neither sqlite:PATH nor a
	// postgres:// URL.
	ErrDSN = errors.New("registry: unsupported database name; use sqlite:PATH or postgres://user@host/db")
	// ErrSchemaTooNew: the database was migrated by a newer tamga than
	// this one; upgrade tamga.
	ErrSchemaTooNew = errors.New("registry: the database schema is newer than this program; upgrade tamga")
)

// FieldError says which input field is invalid.
type FieldError struct {
	Field  string
	Reason string
}

func (e *FieldError) Error() string {
	return fmt.Sprintf("registry: %s: %s", e.Field, e.Reason)
}

// Unwrap makes a FieldError match ErrInvalid.
func (e *FieldError) Unwrap() error { return ErrInvalid }

func invalid(field, reason string) error { return &FieldError{Field: field, Reason: reason} }
