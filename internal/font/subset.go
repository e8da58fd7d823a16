package font

// This file holds the TrueType subsetter: glyph ids are kept, the glyphs
// not asked for are emptied, and the font is cut after the last one kept.

import (
	"encoding/binary"
	"slices"
)

// Composite glyph component flags (OpenType "glyf" table).
const (
	argsAreWords   = 0x0001
	haveScale      = 0x0008
	moreComponents = 0x0020
	haveXYScale    = 0x0040
	have2x2        = 0x0080
)

// Subset returns a TrueType font program that draws runes exactly as f
// does, with the same glyph ids, and nothing else: glyph 0 (.notdef) and
// the components of composite glyphs are kept too, every other glyph is
// empty with a zero advance, and the cmap maps only runes. A rune the font
// lacks is a *MissingGlyphError.
//
// The tables written are what a PDF renderer reads for a CIDFontType2
// (ISO 32000-1 §9.9: head, hhea, maxp, hmtx, loca, glyf and the hinting
// programs cvt, fpgm, prep), OS/2, a post table without glyph names, a
// cmap (a PDF maps CIDs to glyphs itself, but font parsers such as
// FreeType's and sfnt's want one), and the name table, which carries the
// font's copyright and licence notice that its licence asks copies to keep.
func (f *Font) Subset(runes []rune) ([]byte, error) {
	keep := make([]bool, f.glyphs)
	keep[0] = true
	work := []int{0}
	cmap := make(map[rune]uint16, len(runes))
	for _, r := range runes {
		g, err := f.GlyphIndex(r)
		if err != nil {
			return nil, err
		}
		cmap[r] = g
		if !keep[g] {
			keep[g] = true
			work = append(work, int(g))
		}
	}
	// Composite glyphs name their components; each glyph is visited once,
	// so a cycle of components ends too.
	last := 0
	for len(work) > 0 {
		g := work[len(work)-1]
		work = work[:len(work)-1]
		last = max(last, g)
		comps, err := f.components(g)
		if err != nil {
			return nil, err
		}
		for _, c := range comps {
			if !keep[c] {
				keep[c] = true
				work = append(work, c)
			}
		}
	}
	n := last + 1

	glyf := make([]byte, 0, 4096)
	loca := make([]byte, 0, 4*(n+1))
	hmtx := make([]byte, 4*n)
	for g := range n {
		loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))
		if !keep[g] {
			continue
		}
		glyf = append(glyf, f.glyph(g)...)
		for len(glyf)%4 != 0 {
			glyf = append(glyf, 0)
		}
		binary.BigEndian.PutUint16(hmtx[4*g:], f.advance[g])
		binary.BigEndian.PutUint16(hmtx[4*g+2:], uint16(f.lsb[g]))
	}
	loca = binary.BigEndian.AppendUint32(loca, uint32(len(glyf)))

	out := map[string][]byte{"glyf": glyf, "loca": loca, "hmtx": hmtx}
	head := slices.Clone(f.tables["head"])
	binary.BigEndian.PutUint32(head[8:], 0)  // checkSumAdjustment, set below
	binary.BigEndian.PutUint16(head[50:], 1) // long loca offsets
	out["head"] = head
	hhea := slices.Clone(f.tables["hhea"])
	binary.BigEndian.PutUint16(hhea[34:], uint16(n)) // numberOfHMetrics
	out["hhea"] = hhea
	maxp := slices.Clone(f.tables["maxp"])
	binary.BigEndian.PutUint16(maxp[4:], uint16(n)) // numGlyphs
	out["maxp"] = maxp
	if post := f.tables["post"]; len(post) >= 32 {
		p := slices.Clone(post[:32])
		binary.BigEndian.PutUint32(p, 0x00030000) // version 3: no glyph names
		out["post"] = p
	}
	out["cmap"] = cmapTable(cmap)
	for _, tag := range []string{"OS/2", "cvt ", "fpgm", "prep", "name"} {
		if t, ok := f.tables[tag]; ok {
			out[tag] = t
		}
	}
	return writeSFNT(out), nil
}

// cmapTable writes a cmap with one subtable, Windows Unicode full
// repertoire (3, 10) in format 12: one group per run of consecutive runes
// on consecutive glyphs.
func cmapTable(m map[rune]uint16) []byte {
	runes := make([]rune, 0, len(m))
	for r := range m {
		runes = append(runes, r)
	}
	slices.Sort(runes)
	var groups []byte
	n := 0
	for i := 0; i < len(runes); {
		j := i
		for j+1 < len(runes) && runes[j+1] == runes[j]+1 && int(m[runes[j+1]]) == int(m[runes[j]])+1 {
			j++
		}
		groups = binary.BigEndian.AppendUint32(groups, uint32(runes[i]))
		groups = binary.BigEndian.AppendUint32(groups, uint32(runes[j]))
		groups = binary.BigEndian.AppendUint32(groups, uint32(m[runes[i]]))
		n++
		i = j + 1
	}
	b := []byte{0, 0, 0, 1, 0, 3, 0, 10, 0, 0, 0, 12} // version, 1 subtable (3, 10) at 12
	b = binary.BigEndian.AppendUint16(b, 12)          // format
	b = binary.BigEndian.AppendUint16(b, 0)
	b = binary.BigEndian.AppendUint32(b, uint32(16+len(groups)))
	b = binary.BigEndian.AppendUint32(b, 0) // language
	b = binary.BigEndian.AppendUint32(b, uint32(n))
	return append(b, groups...)
}

// components returns the glyphs composite glyph g is made of (none for a
// simple or empty glyph), checking that each record lies inside the glyph.
func (f *Font) components(g int) ([]int, error) {
	d := f.glyph(g)
	if len(d) == 0 {
		return nil, nil
	}
	if len(d) < 10 {
		return nil, malformed("glyph %d is %d bytes, shorter than its header", g, len(d))
	}
	if int16(binary.BigEndian.Uint16(d)) >= 0 {
		return nil, nil
	}
	var comps []int
	for p := 10; ; {
		if p+4 > len(d) {
			return nil, malformed("composite glyph %d is cut short", g)
		}
		flags := binary.BigEndian.Uint16(d[p:])
		c := int(binary.BigEndian.Uint16(d[p+2:]))
		if c >= f.glyphs {
			return nil, malformed("composite glyph %d names glyph %d, the font has %d", g, c, f.glyphs)
		}
		comps = append(comps, c)
		p += 4
		if flags&argsAreWords != 0 {
			p += 4
		} else {
			p += 2
		}
		switch {
		case flags&haveScale != 0:
			p += 2
		case flags&haveXYScale != 0:
			p += 4
		case flags&have2x2 != 0:
			p += 8
		}
		if p > len(d) {
			return nil, malformed("composite glyph %d is cut short", g)
		}
		if flags&moreComponents == 0 {
			return comps, nil
		}
	}
}

// writeSFNT lays tables out as a TrueType file: the directory sorted by
// tag, each table 4-byte aligned with its checksum, and head's
// checkSumAdjustment making the whole file sum to 0xB1B0AFBA.
func writeSFNT(tables map[string][]byte) []byte {
	tags := make([]string, 0, len(tables))
	for t := range tables {
		tags = append(tags, t)
	}
	slices.Sort(tags)
	n := len(tags)
	pow, sel := 1, 0
	for pow*2 <= n {
		pow, sel = pow*2, sel+1
	}
	size := 12 + 16*n
	for _, t := range tags {
		size += (len(tables[t]) + 3) &^ 3
	}
	b := make([]byte, 12+16*n, size)
	binary.BigEndian.PutUint32(b, 0x00010000)
	binary.BigEndian.PutUint16(b[4:], uint16(n))
	binary.BigEndian.PutUint16(b[6:], uint16(16*pow))
	binary.BigEndian.PutUint16(b[8:], uint16(sel))
	binary.BigEndian.PutUint16(b[10:], uint16(16*(n-pow)))
	headAt := -1
	for i, t := range tags {
		data := tables[t]
		rec := b[12+16*i:]
		copy(rec, t)
		binary.BigEndian.PutUint32(rec[4:], checksum(data))
		binary.BigEndian.PutUint32(rec[8:], uint32(len(b)))
		binary.BigEndian.PutUint32(rec[12:], uint32(len(data)))
		if t == "head" {
			headAt = len(b)
		}
		b = append(b, data...)
		for len(b)%4 != 0 {
			b = append(b, 0)
		}
	}
	if headAt >= 0 {
		binary.BigEndian.PutUint32(b[headAt+8:], 0xB1B0AFBA-checksum(b))
	}
	return b
}

// checksum is the TrueType table checksum: the sum of big-endian uint32
// words, the last one padded with zeros.
func checksum(b []byte) uint32 {
	var sum uint32
	for len(b) >= 4 {
		sum += binary.BigEndian.Uint32(b)
		b = b[4:]
	}
	var last [4]byte
	copy(last[:], b)
	return sum + binary.BigEndian.Uint32(last[:])
}
