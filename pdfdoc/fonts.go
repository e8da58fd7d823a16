package pdfdoc

// This file holds the embedded fonts and the ICC profile, and the check
// that a text can be drawn with them.

import (
	_ "embed"
	"sync"

	"golang.org/x/image/font/sfnt"

	"github.com/tamgasign/tamga/internal/font"
)

// DejaVu Sans (internal/font, shared with the visible PAdES signature; the
// licence is there). It covers Cyrillic with every Kyrgyz and Kazakh letter
// (ң ө ү ә ғ қ ұ һ і) and Latin, so one family serves all four languages.
var (
	fontRegular = font.DejaVuSans()
	fontBold    = font.DejaVuSansBold()
)

// sRGB IEC61966-2.1 profile (ICC v2, 6922 bytes) from Debian
// icc-profiles-free, zlib licence: see icc/LICENSE. It is the PDF/A output
// intent.
//
//go:embed icc/sRGB.icc
var iccSRGB []byte

var (
	parseFonts sync.Once
	sfntFonts  []*sfnt.Font
)

// fontHas reports whether both embedded fonts have a glyph for r. Text
// with a missing glyph would print as an empty box (.notdef), which PDF/A
// forbids and a civil servant would not accept.
func fontHas(r rune) bool {
	parseFonts.Do(func() {
		for _, b := range [][]byte{fontRegular, fontBold} {
			f, err := sfnt.Parse(b)
			if err != nil {
				panic("pdfdoc: embedded font is damaged: " + err.Error())
			}
			sfntFonts = append(sfntFonts, f)
		}
	})
	if r == ' ' {
		return true
	}
	var buf sfnt.Buffer
	for _, f := range sfntFonts {
		gi, err := f.GlyphIndex(&buf, r)
		if err != nil || gi == 0 {
			return false
		}
	}
	return true
}
