package font_test

import (
	"bytes"
	"compress/zlib"
	"encoding/binary"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	xfont "golang.org/x/image/font"
	"golang.org/x/image/font/sfnt"
	"golang.org/x/image/math/fixed"

	"github.com/tamgasign/tamga/internal/font"
	"github.com/tamgasign/tamga/internal/testtool"
)

// kyrgyz has every letter the portal's languages add to Russian, in both
// cases, with Latin, digits and the punctuation a stamp uses.
const kyrgyz = "Кол койгон / Подписал / Signed by: Айгүл Жеңишбекова Өмүрзакова; ңөүәғқұһі ҢӨҮӘҒҚҰҺІ ёЁ Résumé 2026-11-23 14:05 +06 …"

func TestParseDejaVu(t *testing.T) {
	for _, tt := range []struct {
		name string
		ttf  []byte
		ps   string
	}{
		{"regular", font.DejaVuSans(), "DejaVuSans"},
		{"bold", font.DejaVuSansBold(), "DejaVuSans-Bold"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, err := font.Parse(tt.ttf)
			require.NoError(t, err)
			m := f.Metrics()
			assert.Equal(t, tt.ps, m.PostScriptName)
			assert.Equal(t, 2048, m.UnitsPerEm)
			assert.Greater(t, m.Ascent, m.CapHeight)
			assert.Less(t, m.Descent, 0)
			assert.Greater(t, m.CapHeight, 1400)
			for _, r := range kyrgyz {
				g, err := f.GlyphIndex(r)
				require.NoError(t, err, "%q", r)
				assert.Positive(t, f.Advance(g), "%q", r)
				assert.Equal(t, (f.Advance(g)*1000+1024)/2048, f.Width1000(g))
			}
		})
	}
}

func TestMissingGlyph(t *testing.T) {
	f, err := font.Parse(font.DejaVuSans())
	require.NoError(t, err)
	for _, r := range []rune{'中', '가', 0xE000, 0x10FFFF} {
		_, err := f.GlyphIndex(r)
		var mg *font.MissingGlyphError
		require.ErrorAs(t, err, &mg)
		assert.Equal(t, r, mg.Rune)
		_, err = f.Subset([]rune{'a', r})
		require.ErrorAs(t, err, &mg)
	}
}

// TestSubsetOutlines checks the subset against the whole font through an
// independent parser (sfnt): each glyph kept has the same id, advance and
// outline; composite glyphs (é, й, Ё in DejaVu) still draw, so their
// components came along; a glyph not asked for is empty.
func TestSubsetOutlines(t *testing.T) {
	full, err := font.Parse(font.DejaVuSans())
	require.NoError(t, err)
	sub, err := full.Subset([]rune(kyrgyz))
	require.NoError(t, err)
	var z bytes.Buffer
	zw := zlib.NewWriter(&z)
	_, err = zw.Write(sub)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	require.Less(t, z.Len(), 24<<10, "compressed, the subset should be a small fraction of the 750 KB font (%d bytes raw)", len(sub))

	a, err := sfnt.Parse(font.DejaVuSans())
	require.NoError(t, err)
	b, err := sfnt.Parse(sub)
	require.NoError(t, err)
	ppem := fixed.I(2048)
	var ba, bb sfnt.Buffer
	composites := 0
	for _, r := range kyrgyz {
		ga, err := a.GlyphIndex(&ba, r)
		require.NoError(t, err)
		gb, err := b.GlyphIndex(&bb, r)
		require.NoError(t, err)
		require.Equal(t, ga, gb, "%q keeps its glyph id", r)
		sa, err := a.LoadGlyph(&ba, ga, ppem, nil)
		require.NoError(t, err)
		sb, err := b.LoadGlyph(&bb, gb, ppem, nil)
		require.NoError(t, err)
		require.Equal(t, sa, sb, "%q outline", r)
		adva, err := a.GlyphAdvance(&ba, ga, ppem, xfont.HintingNone)
		require.NoError(t, err)
		advb, err := b.GlyphAdvance(&bb, gb, ppem, xfont.HintingNone)
		require.NoError(t, err)
		require.Equal(t, adva, advb, "%q advance", r)
		if isComposite(t, full, r) {
			composites++
		}
	}
	require.Positive(t, composites, "the text should exercise composite glyphs")

	// Not asked for: present in the whole font, empty in the subset.
	ga, err := a.GlyphIndex(&ba, 'Z')
	require.NoError(t, err)
	sa, err := a.LoadGlyph(&ba, ga, ppem, nil)
	require.NoError(t, err)
	require.NotEmpty(t, sa)
	if int(ga) < b.NumGlyphs() {
		sb, err := b.LoadGlyph(&bb, ga, ppem, nil)
		require.NoError(t, err)
		require.Empty(t, sb)
	}
	gb, err := b.GlyphIndex(&bb, 'Z')
	require.NoError(t, err)
	require.Zero(t, gb, "the subset's cmap maps only the runes asked for")

	// Deterministic: the same text gives the same bytes.
	again, err := full.Subset([]rune(kyrgyz))
	require.NoError(t, err)
	require.Equal(t, sub, again)
}

// isComposite reports whether r's glyph is a composite, reading the
// subset through Parse's own view: a composite's numberOfContours is -1.
func isComposite(t *testing.T, f *font.Font, r rune) bool {
	t.Helper()
	g, err := f.GlyphIndex(r)
	require.NoError(t, err)
	one, err := f.Subset([]rune{r})
	require.NoError(t, err)
	// The subset of one rune keeps 0, r's glyph and its components; more
	// than two non-empty glyphs means components.
	return nonEmptyGlyphs(t, one) > 2 && g > 0
}

// nonEmptyGlyphs counts the glyphs with outline data in a font's loca.
func nonEmptyGlyphs(t *testing.T, ttf []byte) int {
	t.Helper()
	tables := map[string][]byte{}
	n := int(binary.BigEndian.Uint16(ttf[4:]))
	for i := range n {
		rec := ttf[12+16*i:]
		off, ln := binary.BigEndian.Uint32(rec[8:]), binary.BigEndian.Uint32(rec[12:])
		tables[string(rec[:4])] = ttf[off : off+ln]
	}
	loca := tables["loca"]
	count := 0
	for i := 0; i+8 <= len(loca); i += 4 {
		if binary.BigEndian.Uint32(loca[i+4:]) > binary.BigEndian.Uint32(loca[i:]) {
			count++
		}
	}
	return count
}

// TestSubsetFreeType has FreeType (through fontconfig's fc-scan) read the
// subset: it must see a scalable TrueType DejaVu Sans whose charset is the
// runes asked for.
func TestSubsetFreeType(t *testing.T) {
	fcScan := testtool.Require(t, "fc-scan")
	f, err := font.Parse(font.DejaVuSans())
	require.NoError(t, err)
	sub, err := f.Subset([]rune("Өмүр"))
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "sub.ttf")
	require.NoError(t, os.WriteFile(path, sub, 0o644))
	out, err := exec.Command(fcScan, "--format", "%{family}|%{fontformat}|%{scalable}|%{postscriptname}|%{charset}", path).CombinedOutput()
	require.NoError(t, err, "%s", out)
	fields := strings.Split(string(out), "|")
	require.Len(t, fields, 5, "%s", out)
	assert.Equal(t, []string{"DejaVu Sans", "TrueType", "True", "DejaVuSans"}, fields[:4])
	// fontconfig's charset: "4ae-4af 4e8-4e9 43c 440" in some order and
	// grouping; check the code points are all there and nothing else.
	assert.ElementsMatch(t, []rune("Өмүр"), parseCharset(t, fields[4]))
}

// parseCharset expands fontconfig's charset format ("41-43 4e") into runes.
func parseCharset(t *testing.T, s string) []rune {
	t.Helper()
	var out []rune
	for _, part := range strings.Fields(s) {
		lo, hi, _ := strings.Cut(part, "-")
		if hi == "" {
			hi = lo
		}
		var a, b rune
		_, err := fmtSscanHex(lo, &a)
		require.NoError(t, err)
		_, err = fmtSscanHex(hi, &b)
		require.NoError(t, err)
		for r := a; r <= b; r++ {
			out = append(out, r)
		}
	}
	return out
}

func TestParseMalformed(t *testing.T) {
	good := font.DejaVuSans()
	dir := binary.BigEndian.Uint16(good[4:])
	tableAt := func(tag string) (off, ln uint32, rec int) {
		for i := range int(dir) {
			r := 12 + 16*i
			if string(good[r:r+4]) == tag {
				return binary.BigEndian.Uint32(good[r+8:]), binary.BigEndian.Uint32(good[r+12:]), r
			}
		}
		t.Fatalf("no %s", tag)
		return
	}
	edit := func(fn func(b []byte)) []byte {
		b := bytes.Clone(good)
		fn(b)
		return b
	}
	headOff, _, _ := tableAt("head")
	locaOff, _, _ := tableAt("loca")
	_, _, glyfRec := tableAt("glyf")
	for _, tt := range []struct {
		name string
		b    []byte
		want error
	}{
		{"empty", nil, font.ErrMalformed},
		{"truncated directory", good[:40], font.ErrMalformed},
		{"truncated file", good[:len(good)/2], font.ErrMalformed},
		{"CFF", append([]byte("OTTO"), good[4:]...), font.ErrUnsupported},
		{"collection", append([]byte("ttcf"), good[4:]...), font.ErrUnsupported},
		{"unknown version", append([]byte("abcd"), good[4:]...), font.ErrMalformed},
		{"unitsPerEm 0", edit(func(b []byte) { binary.BigEndian.PutUint16(b[headOff+18:], 0) }), font.ErrMalformed},
		{"loca format 7", edit(func(b []byte) { binary.BigEndian.PutUint16(b[headOff+50:], 7) }), font.ErrMalformed},
		{"loca out of order", edit(func(b []byte) { binary.BigEndian.PutUint32(b[locaOff+40:], 0xffffff) }), font.ErrMalformed},
		{"glyf outside", edit(func(b []byte) { binary.BigEndian.PutUint32(b[glyfRec+12:], 0x7fffffff) }), font.ErrMalformed},
		{"no glyf", edit(func(b []byte) { copy(b[glyfRec:], "glyX") }), font.ErrUnsupported},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := font.Parse(tt.b)
			require.Error(t, err)
			require.True(t, errors.Is(err, tt.want), "%v", err)
		})
	}
}

// TestSubsetBadComposite points a composite glyph's component past the
// end of the font: Subset says so instead of reading out of bounds.
func TestSubsetBadComposite(t *testing.T) {
	full, err := font.Parse(font.DejaVuSans())
	require.NoError(t, err)
	g, err := full.GlyphIndex('й')
	require.NoError(t, err)
	b := bytes.Clone(font.DejaVuSans())
	// Find glyph g's bytes through loca and overwrite its first component.
	var glyfOff, locaOff uint32
	for i := range int(binary.BigEndian.Uint16(b[4:])) {
		r := b[12+16*i:]
		switch string(r[:4]) {
		case "glyf":
			glyfOff = binary.BigEndian.Uint32(r[8:])
		case "loca":
			locaOff = binary.BigEndian.Uint32(r[8:])
		}
	}
	start := glyfOff + binary.BigEndian.Uint32(b[locaOff+4*uint32(g):]) // DejaVu has long loca offsets
	require.Equal(t, int16(-1), int16(binary.BigEndian.Uint16(b[start:])), "й should be a composite in DejaVu Sans")
	binary.BigEndian.PutUint16(b[start+12:], 0xfff0)
	f, err := font.Parse(b)
	require.NoError(t, err)
	_, err = f.Subset([]rune("й"))
	require.ErrorIs(t, err, font.ErrMalformed)
}
