package barcode

import (
	"errors"
	"fmt"
)

// Errors returned by this package. Callers test them with errors.Is.
var (
	// ErrNotFound means no barcode could be read from the image. Rescan at a
	// higher resolution, or with the barcode flatter and better lit.
	ErrNotFound = errors.New("barcode: no barcode found in the image")

	// ErrImageTooLarge means the image's declared dimensions exceed the pixel
	// limit, so it was refused before its pixels were decoded.
	ErrImageTooLarge = errors.New("barcode: image too large")

	// ErrImageFormat means the input is not a PNG or JPEG image this package
	// can read, or the image data is corrupt.
	ErrImageFormat = errors.New("barcode: not a readable PNG or JPEG image")

	// ErrInvalidContent means the text cannot be put into the requested
	// symbology (wrong characters or too long). A *ContentError carries the
	// details and matches this with errors.Is.
	ErrInvalidContent = errors.New("barcode: content cannot be encoded")
)

// ContentError explains why a text cannot be encoded in a symbology.
type ContentError struct {
	Format Format // the symbology asked for
	Reason string // what is wrong, in words
}

func (e *ContentError) Error() string {
	return fmt.Sprintf("barcode: cannot encode %s: %s", e.Format, e.Reason)
}

// Is makes errors.Is(err, ErrInvalidContent) true for a *ContentError.
func (e *ContentError) Is(target error) bool { return target == ErrInvalidContent }
