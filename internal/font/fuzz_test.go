package font_test

import (
	"errors"
	"testing"

	"github.com/tamgasign/tamga/internal/font"
)

// FuzzParseSubset feeds damaged fonts to Parse, GlyphIndex and Subset:
// each returns a typed error or a result, never panics; and the subset of
// a font that parses parses too, with the same glyph for each rune.
func FuzzParseSubset(f *testing.F) {
	full, err := font.Parse(font.DejaVuSans())
	if err != nil {
		f.Fatal(err)
	}
	// Small seeds so the fuzzer mutates structure, not 750 KB of outlines.
	for _, text := range []string{"A", "Өмүр", "éй…", "ңөүәғқұһі"} {
		sub, err := full.Subset([]rune(text))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(sub, text)
	}
	f.Fuzz(func(t *testing.T, b []byte, text string) {
		fnt, err := font.Parse(b)
		if err != nil {
			if !errors.Is(err, font.ErrMalformed) && !errors.Is(err, font.ErrUnsupported) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		var runes []rune
		for _, r := range text {
			if _, err := fnt.GlyphIndex(r); err == nil {
				runes = append(runes, r)
			}
			fnt.Advance(uint16(r))
			fnt.Width1000(uint16(r))
		}
		sub, err := fnt.Subset(runes)
		if err != nil {
			if !errors.Is(err, font.ErrMalformed) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		again, err := font.Parse(sub)
		if err != nil {
			t.Fatalf("the subset of a font that parses does not parse: %v", err)
		}
		for _, r := range runes {
			g1, _ := fnt.GlyphIndex(r)
			g2, err := again.GlyphIndex(r)
			if err != nil || g1 != g2 {
				t.Fatalf("%q: glyph %d in the font, %d (%v) in the subset", r, g1, g2, err)
			}
		}
	})
}
