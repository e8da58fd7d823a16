package font

// This file holds the errors of the package.

import (
	"errors"
	"fmt"
)

var (
	// ErrMalformed means the bytes are not a TrueType font this package
	// can read: a table is missing, short or points outside the file.
	ErrMalformed = errors.New("font: malformed TrueType font")
	// ErrUnsupported means a well-formed font of a kind the package does
	// not subset, such as CFF outlines (OpenType 'OTTO') or a collection.
	ErrUnsupported = errors.New("font: unsupported font format; use a TrueType (glyf) font")
)

// MissingGlyphError means the font has no glyph for a character, which
// would print as an empty box.
type MissingGlyphError struct {
	Rune rune
}

func (e *MissingGlyphError) Error() string {
	return fmt.Sprintf("font: the font has no glyph for %q (U+%04X); remove or replace that character", e.Rune, e.Rune)
}

// malformed wraps ErrMalformed with what was wrong.
func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrMalformed, fmt.Sprintf(format, args...))
}
