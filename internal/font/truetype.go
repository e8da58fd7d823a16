package font

// This file holds Parse and the Font type: the table directory, the
// metrics a PDF font descriptor needs, and rune-to-glyph lookup.

import (
	"encoding/binary"
	"errors"
	"math"
	"sync"

	"golang.org/x/image/font/sfnt"
)

// Font is a parsed TrueType font. It is safe for concurrent use.
type Font struct {
	sf       *sfnt.Font
	tables   map[string][]byte // raw tables, slices of the parsed bytes
	glyphs   int               // maxp numGlyphs
	longLoca bool
	loca     []uint32 // glyphs+1 offsets into glyf
	advance  []uint16 // per glyph, font units
	lsb      []int16  // per glyph, font units
	hMetrics int      // hhea numberOfHMetrics
	metrics  Metrics
}

// Metrics are the font-wide values a PDF font descriptor needs, in font
// units (Metrics.UnitsPerEm to the em).
type Metrics struct {
	UnitsPerEm int
	// Ascent and Descent are the hhea ascender and descender (Descent is
	// negative): the extent lines are laid out with.
	Ascent, Descent int
	// CapHeight is the top of a flat capital (the height of "H").
	CapHeight int
	// BBox is the union of all glyph boxes: xMin, yMin, xMax, yMax.
	BBox [4]int
	// ItalicAngle is in degrees counter-clockwise from vertical.
	ItalicAngle float64
	// PostScriptName is the font's PostScript name ("DejaVuSans").
	PostScriptName string
}

// Parse reads a TrueType font (glyf outlines). The font keeps referring to
// b, which must not change afterwards.
func Parse(b []byte) (*Font, error) {
	if len(b) < 12 {
		return nil, malformed("%d bytes are too few for a font header", len(b))
	}
	switch v := binary.BigEndian.Uint32(b); v {
	case 0x00010000, 0x74727565: // 1.0, 'true'
	case 0x4f54544f, 0x74746366: // 'OTTO', 'ttcf'
		return nil, ErrUnsupported
	default:
		return nil, malformed("unknown sfnt version %#08x", v)
	}
	f := &Font{tables: map[string][]byte{}}
	n := int(binary.BigEndian.Uint16(b[4:]))
	if 12+16*n > len(b) {
		return nil, malformed("table directory of %d tables runs past the end", n)
	}
	for i := range n {
		rec := b[12+16*i:]
		tag := string(rec[:4])
		off, ln := uint64(binary.BigEndian.Uint32(rec[8:])), uint64(binary.BigEndian.Uint32(rec[12:]))
		if off+ln > uint64(len(b)) {
			return nil, malformed("table %q runs past the end of the font", tag)
		}
		if _, dup := f.tables[tag]; dup {
			return nil, malformed("table %q appears twice", tag)
		}
		f.tables[tag] = b[off : off+ln : off+ln]
	}
	for _, tag := range []string{"head", "hhea", "maxp", "hmtx", "loca", "glyf"} {
		if _, ok := f.tables[tag]; !ok {
			if tag == "glyf" || tag == "loca" {
				return nil, ErrUnsupported
			}
			return nil, malformed("no %q table", tag)
		}
	}

	head, hhea, maxp := f.tables["head"], f.tables["hhea"], f.tables["maxp"]
	if len(head) < 54 || len(hhea) < 36 || len(maxp) < 6 {
		return nil, malformed("head, hhea or maxp table too short")
	}
	m := &f.metrics
	m.UnitsPerEm = int(binary.BigEndian.Uint16(head[18:]))
	if m.UnitsPerEm < 16 || m.UnitsPerEm > 16384 {
		return nil, malformed("unitsPerEm %d outside 16..16384", m.UnitsPerEm)
	}
	for i := range m.BBox {
		m.BBox[i] = int(int16(binary.BigEndian.Uint16(head[36+2*i:])))
	}
	switch binary.BigEndian.Uint16(head[50:]) {
	case 0:
	case 1:
		f.longLoca = true
	default:
		return nil, malformed("unknown indexToLocFormat")
	}
	m.Ascent = int(int16(binary.BigEndian.Uint16(hhea[4:])))
	m.Descent = int(int16(binary.BigEndian.Uint16(hhea[6:])))
	f.hMetrics = int(binary.BigEndian.Uint16(hhea[34:]))
	f.glyphs = int(binary.BigEndian.Uint16(maxp[4:]))
	if f.glyphs == 0 || f.hMetrics == 0 || f.hMetrics > f.glyphs {
		return nil, malformed("%d glyphs with %d horizontal metrics", f.glyphs, f.hMetrics)
	}
	if post := f.tables["post"]; len(post) >= 8 {
		m.ItalicAngle = float64(int32(binary.BigEndian.Uint32(post[4:]))) / 65536
	}

	// Advance widths: numberOfHMetrics pairs, the last advance repeated
	// for the rest (monospaced tails), which have only a side bearing.
	hmtx := f.tables["hmtx"]
	if len(hmtx) < 4*f.hMetrics+2*(f.glyphs-f.hMetrics) {
		return nil, malformed("hmtx table too short for %d glyphs", f.glyphs)
	}
	f.advance = make([]uint16, f.glyphs)
	f.lsb = make([]int16, f.glyphs)
	for g := range f.glyphs {
		if g < f.hMetrics {
			f.advance[g] = binary.BigEndian.Uint16(hmtx[4*g:])
			f.lsb[g] = int16(binary.BigEndian.Uint16(hmtx[4*g+2:]))
		} else {
			f.advance[g] = f.advance[f.hMetrics-1]
			f.lsb[g] = int16(binary.BigEndian.Uint16(hmtx[4*f.hMetrics+2*(g-f.hMetrics):]))
		}
	}

	// Glyph locations: non-decreasing offsets inside glyf.
	loca, glyf := f.tables["loca"], f.tables["glyf"]
	f.loca = make([]uint32, f.glyphs+1)
	for i := range f.loca {
		var off uint32
		if f.longLoca {
			if 4*i+4 > len(loca) {
				return nil, malformed("loca table too short for %d glyphs", f.glyphs)
			}
			off = binary.BigEndian.Uint32(loca[4*i:])
		} else {
			if 2*i+2 > len(loca) {
				return nil, malformed("loca table too short for %d glyphs", f.glyphs)
			}
			off = 2 * uint32(binary.BigEndian.Uint16(loca[2*i:]))
		}
		if uint64(off) > uint64(len(glyf)) || (i > 0 && off < f.loca[i-1]) {
			return nil, malformed("glyph %d's location is out of order or outside glyf", i)
		}
		f.loca[i] = off
	}

	// sfnt does the cmap (and checks much else); we only borrow it.
	sf, err := sfnt.Parse(b)
	if err != nil {
		return nil, malformed("%v", err)
	}
	f.sf = sf
	var buf sfnt.Buffer
	if name, err := sf.Name(&buf, sfnt.NameIDPostScript); err == nil {
		m.PostScriptName = sanitizeName(name)
	}
	if m.PostScriptName == "" {
		m.PostScriptName = "Font"
	}
	// OS/2 carries sCapHeight only from version 2; DejaVu's is version 1,
	// so measure "H".
	m.CapHeight = m.Ascent
	if os2 := f.tables["OS/2"]; len(os2) >= 90 && binary.BigEndian.Uint16(os2) >= 2 {
		m.CapHeight = int(int16(binary.BigEndian.Uint16(os2[88:])))
	} else if g, err := f.GlyphIndex('H'); err == nil {
		if box, ok := f.glyphBox(g); ok {
			m.CapHeight = box[3]
		}
	}
	return f, nil
}

// sanitizeName keeps the characters allowed in a PDF font name without
// escapes (printable ASCII but delimiters and '#'), at most 63 of them.
func sanitizeName(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s) && len(out) < 63; i++ {
		c := s[i]
		if c > ' ' && c < 0x7f && !isDelimiter(c) {
			out = append(out, c)
		}
	}
	return string(out)
}

func isDelimiter(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%', '#':
		return true
	}
	return false
}

// Metrics returns the font-wide metrics.
func (f *Font) Metrics() Metrics { return f.metrics }

// NumGlyphs returns the number of glyphs in the font.
func (f *Font) NumGlyphs() int { return f.glyphs }

// buffers are sfnt's scratch space, reused: each is about 1 KB.
var buffers = sync.Pool{New: func() any { return new(sfnt.Buffer) }}

// GlyphIndex returns the glyph that draws r, or a *MissingGlyphError.
func (f *Font) GlyphIndex(r rune) (uint16, error) {
	buf := buffers.Get().(*sfnt.Buffer)
	g, err := f.sf.GlyphIndex(buf, r)
	buffers.Put(buf)
	if err != nil && !errors.Is(err, sfnt.ErrNotFound) {
		return 0, malformed("cmap: %v", err)
	}
	if g == 0 || int(g) >= f.glyphs {
		return 0, &MissingGlyphError{Rune: r}
	}
	return uint16(g), nil
}

// Advance returns the advance width of glyph g in font units; 0 for a
// glyph outside the font.
func (f *Font) Advance(g uint16) int {
	if int(g) >= f.glyphs {
		return 0
	}
	return int(f.advance[g])
}

// Width1000 returns the advance width of glyph g in thousandths of an em,
// rounded: the unit of a PDF font's /W array. Lay text out with these
// values so that the PDF and the layout agree.
func (f *Font) Width1000(g uint16) int {
	return int(math.Round(float64(f.Advance(g)) * 1000 / float64(f.metrics.UnitsPerEm)))
}

// glyph returns the glyf bytes of glyph g (empty for a blank glyph).
func (f *Font) glyph(g int) []byte {
	return f.tables["glyf"][f.loca[g]:f.loca[g+1]]
}

// glyphBox returns the bounding box in glyph g's header.
func (f *Font) glyphBox(g uint16) ([4]int, bool) {
	d := f.glyph(int(g))
	if len(d) < 10 {
		return [4]int{}, false
	}
	var box [4]int
	for i := range box {
		box[i] = int(int16(binary.BigEndian.Uint16(d[2+2*i:])))
	}
	return box, true
}
