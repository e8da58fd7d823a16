// Package font holds the fonts tamga draws text with (DejaVu Sans, which
// has every Kyrgyz, Russian and Kazakh letter) and what a PDF writer needs
// to embed one: glyph lookup, advance widths and vertical metrics, and a
// TrueType subsetter.
//
// A whole DejaVu Sans is about 750 KB; a signature stamp uses a few dozen
// glyphs. Subset keeps only the glyphs of the runes asked for (and the
// components of composite glyphs) and KEEPS THEIR GLYPH IDS, so a PDF can
// use the glyph id as the CID (CIDToGIDMap /Identity) and the font's own
// advance widths in /W. The glyphs not kept become empty (zero-length in
// loca), the glyph table is cut after the highest glyph kept, and only the
// tables a PDF renderer reads for a CIDFontType2 are written (ISO 32000-1
// §9.9: head, hhea, maxp, hmtx, loca, glyf, cvt, fpgm, prep), plus OS/2, a
// post table without glyph names, a cmap of just those runes (FreeType and
// sfnt want one) and the name table with the font's copyright and licence
// notice. For a stamp's text the result is about 75 KB, 13 KB deflated.
//
// Why our own subsetter: golang.org/x/image/font/sfnt (used here for
// parsing and cmap lookup) reads fonts but does not write them, and the
// one Go subsetter at hand, codeberg.org/go-pdf/fpdf's UTF8CutFont,
// renumbers the glyphs, does not check the bounds of what it reads (a
// damaged font panics) and gives no error. Keeping glyph ids makes
// subsetting a copy of byte ranges named by loca, about 200 lines with
// every read bounds-checked; FuzzParseSubset runs it on damaged fonts.
//
// Text is mapped to glyphs one rune at a time, without shaping: right for
// Latin and Cyrillic, which DejaVu Sans draws with precomposed glyphs
// (callers should normalise text to NFC first). A rune the font lacks is a
// *MissingGlyphError naming it, never a .notdef box.
package font
