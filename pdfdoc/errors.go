package pdfdoc

// This file holds the package's errors: sentinels for errors.Is and
// FieldError, which names the JSON field a template or data problem is in.

import (
	"errors"
	"strings"
)

// Sentinel errors. Every error the package returns wraps one of them.
var (
	// ErrTemplate: the template JSON is not valid; a *FieldError says where.
	ErrTemplate = errors.New("pdfdoc: invalid template")

	// ErrData: the data JSON is not valid or does not fit the template; a
	// *FieldError says where.
	ErrData = errors.New("pdfdoc: invalid data")

	// ErrUnknownField: the JSON has a member the format does not define
	// (usually a typo). Wrapped by *FieldError together with ErrTemplate or
	// ErrData.
	ErrUnknownField = errors.New("unknown field")

	// ErrMissingField: a required member is absent or empty.
	ErrMissingField = errors.New("missing required field")

	// ErrInvalidValue: a member is present but its value is not allowed.
	ErrInvalidValue = errors.New("invalid value")

	// ErrLayout: the document's content does not fit on one A4 page above
	// the barcodes. Shorten the text or move the barcodes down.
	ErrLayout = errors.New("pdfdoc: content does not fit on the page")

	// ErrPDF: an input PDF could not be parsed or has a structure this
	// package refuses to modify (for example a page without a media box).
	ErrPDF = errors.New("pdfdoc: unreadable or unsupported PDF")

	// ErrEncrypted: the input PDF is encrypted. Result documents must not
	// be (PDF/A forbids it); decrypt it first with the agency's tools.
	ErrEncrypted = errors.New("pdfdoc: PDF is encrypted")

	// ErrTooLarge: an input exceeds a size limit (MaxPDFSize,
	// MaxAttachmentSize, MaxTemplateSize or MaxDataSize).
	ErrTooLarge = errors.New("pdfdoc: input too large")

	// ErrNoAttachment: the PDF has no embedded file with the requested name.
	ErrNoAttachment = errors.New("pdfdoc: embedded file not found")

	// ErrAttachment: the embedded file exists but is damaged: its size or
	// MD5 checksum disagrees with its parameters, it uses a filter other
	// than FlateDecode, or its compressed data is corrupt.
	ErrAttachment = errors.New("pdfdoc: embedded file is damaged")

	// ErrSigned: the input PDF already carries a signature, which
	// rewriting it would break. Stamp before signing.
	ErrSigned = errors.New("pdfdoc: PDF is already signed; stamp it before signing")

	// ErrOptions: the options passed to Issue or Stamp are not valid; the
	// message names the option.
	ErrOptions = errors.New("pdfdoc: invalid options")
)

// FieldError reports a problem with one member of a template or data
// document. Field is the member's path in the JSON, such as
// "fields[2].label.ru" or "values.holder_name".
type FieldError struct {
	Doc    string // "template" or "data"
	Field  string // JSON path of the member, "" for the whole document
	Reason string // what is wrong and what to do
	Err    error  // ErrUnknownField, ErrMissingField or ErrInvalidValue
}

func (e *FieldError) Error() string {
	var b strings.Builder
	b.WriteString("pdfdoc: ")
	b.WriteString(e.Doc)
	if e.Field != "" {
		b.WriteString(" field ")
		b.WriteString(e.Field)
	}
	b.WriteString(": ")
	b.WriteString(e.Err.Error())
	if e.Reason != "" {
		b.WriteString(": ")
		b.WriteString(e.Reason)
	}
	return b.String()
}

// Unwrap lets errors.Is match both the kind of problem (ErrUnknownField,
// ErrMissingField, ErrInvalidValue) and the document (ErrTemplate, ErrData).
func (e *FieldError) Unwrap() []error {
	doc := ErrData
	if e.Doc == "template" {
		doc = ErrTemplate
	}
	return []error{e.Err, doc}
}

// pdfError wraps ErrPDF (or another sentinel) with detail from the parser.
type pdfError struct {
	sentinel error
	msg      string
	cause    error
}

func (e *pdfError) Error() string {
	s := e.sentinel.Error()
	if e.msg != "" {
		s += ": " + e.msg
	}
	if e.cause != nil {
		s += ": " + e.cause.Error()
	}
	return s
}

func (e *pdfError) Unwrap() []error {
	if e.cause != nil {
		return []error{e.sentinel, e.cause}
	}
	return []error{e.sentinel}
}

func errPDF(msg string, cause error) error { return &pdfError{ErrPDF, msg, cause} }

func errOpt(msg string) error { return &pdfError{ErrOptions, msg, nil} }
