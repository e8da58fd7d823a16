package sign

// This file holds the visible signature: the stamp's text, its layout in
// the rectangle, the Form XObject that draws it and the embedded subset
// of DejaVu Sans (Type0 / CIDFontType2, Identity-H, ToUnicode).
//
// The appearance is written by hand rather than with fpdf (which pdfdoc
// uses for whole pages): fpdf makes pages, not a standalone Form XObject
// in somebody else's PDF, and its subset fonts carry no subset tag. What
// a stamp needs is a few text lines, so the layout here is a line-by-line
// fit: shrink the size to fit the widest line and all the lines, down to
// minStampSize, then cut too-long lines with an ellipsis.

import (
	"bytes"
	"compress/zlib"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/tamgasign/tamga/internal/font"
	"github.com/tamgasign/tamga/internal/pdf"
)

// Appearance is the visible stamp of a signature: a framed box on a page
// showing the signer's name (the certificate subject's CN), organisation
// (O), the signing time (the time in /M) and, when PDFOptions has them,
// the reason and location, under optional label lines. Text is drawn in
// an embedded subset of DejaVu Sans, which has every Kyrgyz, Russian and
// Kazakh letter.
type Appearance struct {
	// Page is the page the stamp goes on, numbered from 1.
	Page int
	// Rect is the stamp's rectangle in the page's user space, in points:
	// lower-left x, y, upper-right x, y. It must lie inside the page's
	// MediaBox and CropBox. Leave Page and Rect zero when
	// PDFOptions.FieldName names an empty signature field placed earlier
	// (PDFOptions.AddFields): the stamp then fills that field's box.
	Rect [4]float64
	// TimeZone is the zone the signing time is shown in, with its UTC
	// offset ("2026-11-23 14:05 +06"); nil means Asia/Bishkek.
	TimeZone *time.Location
	// Labels are lines drawn above the name, such as
	// "Кол койгон / Подписал / Signed by".
	Labels []string
}

// ErrAppearance means the visible signature cannot be drawn as asked; the
// error is an *AppearanceError saying which setting or text is at fault.
var ErrAppearance = errors.New("sign: the visible signature cannot be drawn")

// AppearanceError is a visible signature that cannot be drawn: a page or
// rectangle that does not fit the document, or a character the embedded
// font cannot draw (Rune is then that character).
type AppearanceError struct {
	// Field is what is at fault: the Appearance field "Page", "Rect" or
	// "Labels[i]"; the text "signer name", "organisation", "Reason" or
	// "Location"; or "FieldName" when it names a field placed earlier,
	// whose box cannot take a new appearance.
	Field  string
	Rune   rune // the character the font lacks, or 0
	Reason string
}

func (e *AppearanceError) Error() string {
	if e.Rune != 0 {
		return fmt.Sprintf("sign: visible signature: %s: the embedded font has no glyph for %q (U+%04X); remove or replace that character",
			e.Field, e.Rune, e.Rune)
	}
	return "sign: visible signature: " + e.Field + ": " + e.Reason
}

// Unwrap makes errors.Is(err, ErrAppearance) true.
func (e *AppearanceError) Unwrap() error { return ErrAppearance }

// Stamp layout, in points.
const (
	maxStampSize = 10.0 // font size when everything fits
	minStampSize = 5.0  // smallest legible printed size; below it lines are cut
	stampPad     = 3.0  // between the frame and the text
	stampLine    = 0.75 // frame line width
	maxLineRunes = 256  // text beyond this is cut before measuring
	maxLabels    = 8
)

var stampFont = sync.OnceValues(func() (*font.Font, error) { return font.Parse(font.DejaVuSans()) })

// stamp is a visible signature ready to be placed: its text lines checked
// against the font.
type stamp struct {
	ap    *Appearance
	font  *font.Font
	lines [][]rune
}

// newStamp gathers the stamp's lines: labels, the signer's name and
// organisation from cert, the time t, reason and location. Text is
// normalised to NFC (DejaVu has precomposed glyphs, not mark positioning)
// and control characters become spaces, so a certificate cannot break
// the layout.
func newStamp(a *Appearance, cert *x509.Certificate, t time.Time, reason, location string) (*stamp, error) {
	r := a.Rect
	inField := a.Page == 0 && r == [4]float64{} // the box of a field placed earlier; checked by place
	if a.Page < 1 && !inField {
		return nil, &AppearanceError{Field: "Page", Reason: "pages are numbered from 1"}
	}
	for _, v := range r {
		if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 14400 {
			return nil, &AppearanceError{Field: "Rect", Reason: "coordinates must be finite numbers of points within ±14400"}
		}
	}
	if !(r[2] > r[0] && r[3] > r[1]) && !inField {
		return nil, &AppearanceError{Field: "Rect", Reason: "give lower-left x1,y1 and upper-right x2,y2 with x1 < x2 and y1 < y2"}
	}
	if len(a.Labels) > maxLabels {
		return nil, &AppearanceError{Field: "Labels", Reason: fmt.Sprintf("at most %d label lines", maxLabels)}
	}
	f, err := stampFont()
	if err != nil {
		return nil, fmt.Errorf("sign: the embedded font: %w", err)
	}
	s := &stamp{ap: a, font: f}
	add := func(field, text string) error {
		line := cleanLine(text)
		for _, c := range line {
			if _, err := f.GlyphIndex(c); err != nil {
				return &AppearanceError{Field: field, Rune: c}
			}
		}
		if len(line) > 0 {
			s.lines = append(s.lines, line)
		}
		return nil
	}
	for i, l := range a.Labels {
		if err := add(fmt.Sprintf("Labels[%d]", i), l); err != nil {
			return nil, err
		}
	}
	name := cert.Subject.CommonName
	if strings.TrimSpace(name) == "" {
		name = cert.Subject.String()
	}
	if err := add("signer name", name); err != nil {
		return nil, err
	}
	if len(cert.Subject.Organization) > 0 {
		if err := add("organisation", cert.Subject.Organization[0]); err != nil {
			return nil, err
		}
	}
	if err := add("signing time", stampTime(t, a.TimeZone)); err != nil {
		return nil, err
	}
	if err := add("Reason", reason); err != nil {
		return nil, err
	}
	if err := add("Location", location); err != nil {
		return nil, err
	}
	return s, nil
}

// cleanLine makes text one line of at most maxLineRunes runes.
func cleanLine(text string) []rune {
	var out []rune
	for _, c := range norm.NFC.String(text) {
		if unicode.IsControl(c) || c == '\u2028' || c == '\u2029' {
			c = ' '
		}
		if len(out) == maxLineRunes {
			break
		}
		out = append(out, c)
	}
	return []rune(strings.TrimSpace(string(out)))
}

// stampTime shows t in zone (Asia/Bishkek by default) to the minute, with
// the zone's UTC offset: "2026-11-23 14:05 +06", or "+05:30" for zones
// off the hour.
func stampTime(t time.Time, zone *time.Location) string {
	if zone == nil {
		zone = bishkek()
	}
	t = t.In(zone)
	if _, off := t.Zone(); off%3600 != 0 {
		return t.Format("2006-01-02 15:04 -07:00")
	}
	return t.Format("2006-01-02 15:04 -07")
}

// bishkek is Asia/Bishkek from the system's zone database, or its fixed
// offset (UTC+6 without summer time since 2005) where there is none.
var bishkek = sync.OnceValue(func() *time.Location {
	if loc, err := time.LoadLocation("Asia/Bishkek"); err == nil {
		return loc
	}
	return time.FixedZone("+06", 6*60*60)
})

// place checks the stamp's page and rectangle against the document and
// adds the appearance (a Form XObject with its font) to u. It returns the
// page, the widget's /Rect and its /AP dictionary.
func (s *stamp) place(f *pdf.File, u *pdf.Updater, pages []pdf.Page) (pdf.Page, pdf.Array, *pdf.Dict, error) {
	if s.ap.Page < 1 {
		return pdf.Page{}, nil, nil, &AppearanceError{Field: "Page",
			Reason: "give the page and rectangle, or name an empty signature field placed earlier in FieldName"}
	}
	if s.ap.Page > len(pages) {
		return pdf.Page{}, nil, nil, &AppearanceError{Field: "Page",
			Reason: fmt.Sprintf("page %d does not exist: the document has %d", s.ap.Page, len(pages))}
	}
	page := pages[s.ap.Page-1]
	r := s.ap.Rect
	for _, b := range []struct {
		name string
		box  pdf.Object
	}{{"MediaBox", page.MediaBox}, {"CropBox", page.CropBox}} {
		if b.box == nil && b.name == "CropBox" {
			continue // defaults to the MediaBox
		}
		box, err := pageBox(f, b.box)
		if err != nil {
			return pdf.Page{}, nil, nil, fmt.Errorf("sign: page %d's %s: %w", s.ap.Page, b.name, err)
		}
		if r[0] < box[0] || r[1] < box[1] || r[2] > box[2] || r[3] > box[3] {
			return pdf.Page{}, nil, nil, &AppearanceError{Field: "Rect", Reason: fmt.Sprintf(
				"[%s %s %s %s] is not inside page %d's %s [%s %s %s %s]; choose a rectangle inside it",
				pt(r[0]), pt(r[1]), pt(r[2]), pt(r[3]), s.ap.Page, b.name, pt(box[0]), pt(box[1]), pt(box[2]), pt(box[3]))}
		}
	}
	rotate := 0
	if page.Rotate != nil {
		v, err := f.Resolve(page.Rotate)
		if err != nil {
			return pdf.Page{}, nil, nil, fmt.Errorf("sign: page %d's /Rotate: %w", s.ap.Page, err)
		}
		if n, ok := v.(pdf.Int); ok && n%90 == 0 {
			rotate = int((n%360 + 360) % 360)
		}
	}

	// A page shown rotated gets a form drawn rotated back, so the text
	// reads upright (ISO 32000-1 §12.5.5: the form's /Matrix maps its
	// /BBox, and the result is fitted to /Rect).
	w, h := r[2]-r[0], r[3]-r[1]
	var matrix pdf.Array
	switch rotate {
	case 90:
		w, h = h, w
		matrix = pdf.Array{pdf.Int(0), pdf.Int(1), pdf.Int(-1), pdf.Int(0), pdf.Int(0), pdf.Int(0)}
	case 180:
		matrix = pdf.Array{pdf.Int(-1), pdf.Int(0), pdf.Int(0), pdf.Int(-1), pdf.Int(0), pdf.Int(0)}
	case 270:
		w, h = h, w
		matrix = pdf.Array{pdf.Int(0), pdf.Int(-1), pdf.Int(1), pdf.Int(0), pdf.Int(0), pdf.Int(0)}
	}
	content, runes, err := s.layout(w, h)
	if err != nil {
		return pdf.Page{}, nil, nil, err
	}
	fontRef, err := s.addFont(u, runes)
	if err != nil {
		return pdf.Page{}, nil, nil, err
	}
	fonts := pdf.NewDict()
	fonts.Set("F1", fontRef)
	res := pdf.NewDict()
	res.Set("Font", fonts)
	form := pdf.NewDict()
	form.Set("Type", pdf.Name("XObject"))
	form.Set("Subtype", pdf.Name("Form"))
	form.Set("BBox", pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Real(w), pdf.Real(h)})
	if matrix != nil {
		form.Set("Matrix", matrix)
	}
	form.Set("Resources", res)
	apN := pdf.NewDict()
	apN.Set("N", u.Add(flateStream(form, content)))
	rect := pdf.Array{pdf.Real(r[0]), pdf.Real(r[1]), pdf.Real(r[2]), pdf.Real(r[3])}
	return page, rect, apN, nil
}

// pageBox reads a page boundary box, normalised so that x1 < x2, y1 < y2.
func pageBox(f *pdf.File, o pdf.Object) ([4]float64, error) {
	var box [4]float64
	v, err := f.Resolve(o)
	if err != nil {
		return box, err
	}
	a, ok := v.(pdf.Array)
	if !ok || len(a) != 4 {
		return box, errors.New("not an array of four numbers")
	}
	for i, e := range a {
		e, err := f.Resolve(e)
		if err != nil {
			return box, err
		}
		switch n := e.(type) {
		case pdf.Int:
			box[i] = float64(n)
		case pdf.Real:
			box[i] = float64(n)
		default:
			return box, errors.New("not an array of four numbers")
		}
	}
	if box[0] > box[2] {
		box[0], box[2] = box[2], box[0]
	}
	if box[1] > box[3] {
		box[1], box[3] = box[3], box[1]
	}
	return box, nil
}

// layout fits the lines into a w × h box and returns the content stream
// (frame and text) and the runes it draws. All lines share one size: the
// largest up to maxStampSize at which every line fits across and all fit
// down; if that is below minStampSize, the size is minStampSize and lines
// too wide end in "…". Too many lines for the height even at the minimum
// is an error: dropping the date or the name silently would be worse.
func (s *stamp) layout(w, h float64) ([]byte, []rune, error) {
	m := s.font.Metrics()
	em := float64(m.UnitsPerEm)
	asc, lead := float64(m.Ascent)/em, float64(m.Ascent-m.Descent)/em
	innerW, innerH := w-2*(stampLine+stampPad), h-2*(stampLine+stampPad)
	n := float64(len(s.lines))
	if innerW <= 0 || innerH < n*lead*minStampSize {
		return nil, nil, &AppearanceError{Field: "Rect", Reason: fmt.Sprintf(
			"%s × %s points is too small for %d lines at %s pt; make it at least %s points high and wider than %s",
			pt(w), pt(h), len(s.lines), pt(minStampSize), pt(math.Ceil(n*lead*minStampSize+2*(stampLine+stampPad))), pt(2*(stampLine+stampPad)))}
	}
	width := func(line []rune) float64 { // at size 1
		sum := 0
		for _, c := range line {
			g, _ := s.font.GlyphIndex(c)
			sum += s.font.Width1000(g)
		}
		return float64(sum) / 1000
	}
	size := min(maxStampSize, innerH/(n*lead))
	for _, l := range s.lines {
		if lw := width(l); lw > 0 {
			size = min(size, innerW/lw)
		}
	}
	size = max(math.Floor(size*100)/100, minStampSize)

	lines := make([][]rune, len(s.lines))
	for i, l := range s.lines {
		lines[i] = l
		if width(l)*size <= innerW {
			continue
		}
		cut := slices.Clone(l)
		for len(cut) > 0 && width(append(cut, '…'))*size > innerW {
			cut = cut[:len(cut)-1]
		}
		lines[i] = append([]rune(strings.TrimRightFunc(string(cut), unicode.IsSpace)), '…')
		if width(lines[i])*size > innerW {
			lines[i] = nil // not even "…" fits: nothing rather than outside the box
		}
	}

	var b bytes.Buffer
	fmt.Fprintf(&b, "q 0.1 0.2 0.5 RG %s w %s %s %s %s re S Q\n",
		pt(stampLine), pt(stampLine/2), pt(stampLine/2), pt(w-stampLine), pt(h-stampLine))
	fmt.Fprintf(&b, "BT 0 g /F1 %s Tf\n", pt(size))
	var used []rune
	y := h - stampLine - stampPad - asc*size
	for _, l := range lines {
		if len(l) > 0 {
			fmt.Fprintf(&b, "1 0 0 1 %s %s Tm <", pt(stampLine+stampPad), pt(math.Round(y*100)/100))
			for _, c := range l {
				g, _ := s.font.GlyphIndex(c)
				fmt.Fprintf(&b, "%04X", g)
			}
			b.WriteString("> Tj\n")
			used = append(used, l...)
		}
		y -= lead * size
	}
	b.WriteString("ET\n")
	return b.Bytes(), used, nil
}

// addFont adds a Type0 font (Identity-H) over a CIDFontType2 holding the
// subset of DejaVu Sans for runes, with /W widths and a ToUnicode map, and
// returns its reference. CIDs are glyph ids (CIDToGIDMap /Identity), which
// the subset keeps. The subset tag is derived from the subset's bytes.
func (s *stamp) addFont(u *pdf.Updater, runes []rune) (pdf.Ref, error) {
	sub, err := s.font.Subset(runes)
	if err != nil {
		return pdf.Ref{}, fmt.Errorf("sign: subsetting the stamp's font: %w", err)
	}
	sum := sha256.Sum256(sub)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	m := s.font.Metrics()
	name := pdf.Name(string(tag) + "+" + m.PostScriptName)
	k := func(v int) pdf.Int { return pdf.Int(int(math.Round(float64(v) * 1000 / float64(m.UnitsPerEm)))) }

	ff := pdf.NewDict()
	ff.Set("Length1", pdf.Int(len(sub)))
	desc := pdf.NewDict()
	desc.Set("Type", pdf.Name("FontDescriptor"))
	desc.Set("FontName", name)
	desc.Set("Flags", pdf.Int(32)) // nonsymbolic
	desc.Set("FontBBox", pdf.Array{k(m.BBox[0]), k(m.BBox[1]), k(m.BBox[2]), k(m.BBox[3])})
	desc.Set("ItalicAngle", pdf.Real(m.ItalicAngle))
	desc.Set("Ascent", k(m.Ascent))
	desc.Set("Descent", k(m.Descent))
	desc.Set("CapHeight", k(m.CapHeight))
	desc.Set("StemV", pdf.Int(80)) // required; DejaVu Sans's regular stem, approximately
	desc.Set("FontFile2", u.Add(flateStream(ff, sub)))

	// Glyph ids and their runes, in glyph order, for /W and ToUnicode.
	toRune := map[uint16]rune{}
	for _, c := range runes {
		g, _ := s.font.GlyphIndex(c)
		if _, ok := toRune[g]; !ok {
			toRune[g] = c
		}
	}
	gids := make([]uint16, 0, len(toRune))
	for g := range toRune {
		gids = append(gids, g)
	}
	slices.Sort(gids)
	var widths pdf.Array
	for i := 0; i < len(gids); {
		j := i
		var run pdf.Array
		for ; j < len(gids) && gids[j] == gids[i]+uint16(j-i); j++ {
			run = append(run, pdf.Int(s.font.Width1000(gids[j])))
		}
		widths = append(widths, pdf.Int(gids[i]), run)
		i = j
	}

	cid := pdf.NewDict()
	cid.Set("Type", pdf.Name("Font"))
	cid.Set("Subtype", pdf.Name("CIDFontType2"))
	cid.Set("BaseFont", name)
	sysInfo := pdf.NewDict()
	sysInfo.Set("Registry", pdf.String{Value: []byte("Adobe")})
	sysInfo.Set("Ordering", pdf.String{Value: []byte("Identity")})
	sysInfo.Set("Supplement", pdf.Int(0))
	cid.Set("CIDSystemInfo", sysInfo)
	cid.Set("FontDescriptor", u.Add(desc))
	cid.Set("W", widths)
	cid.Set("CIDToGIDMap", pdf.Name("Identity"))

	t0 := pdf.NewDict()
	t0.Set("Type", pdf.Name("Font"))
	t0.Set("Subtype", pdf.Name("Type0"))
	t0.Set("BaseFont", name)
	t0.Set("Encoding", pdf.Name("Identity-H"))
	t0.Set("DescendantFonts", pdf.Array{u.Add(cid)})
	t0.Set("ToUnicode", u.Add(flateStream(pdf.NewDict(), toUnicode(gids, toRune))))
	return u.Add(t0), nil
}

// toUnicode writes the ToUnicode CMap mapping each 2-byte glyph id to its
// rune in UTF-16BE (ISO 32000-1 §9.10.3), in blocks of at most 100.
func toUnicode(gids []uint16, toRune map[uint16]rune) []byte {
	var b bytes.Buffer
	b.WriteString("/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n" +
		"/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n" +
		"/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n" +
		"1 begincodespacerange\n<0000> <FFFF>\nendcodespacerange\n")
	for i := 0; i < len(gids); i += 100 {
		block := gids[i:min(i+100, len(gids))]
		fmt.Fprintf(&b, "%d beginbfchar\n", len(block))
		for _, g := range block {
			fmt.Fprintf(&b, "<%04X> <", g)
			for _, u := range utf16Units(toRune[g]) {
				fmt.Fprintf(&b, "%04X", u)
			}
			b.WriteString(">\n")
		}
		b.WriteString("endbfchar\n")
	}
	b.WriteString("endcmap\nCMapName currentdict /CMap defineresource pop\nend\nend\n")
	return b.Bytes()
}

// utf16Units encodes r in UTF-16.
func utf16Units(r rune) []uint16 {
	if r >= 0x10000 {
		r -= 0x10000
		return []uint16{uint16(0xd800 + r>>10), uint16(0xdc00 + r&0x3ff)}
	}
	return []uint16{uint16(r)}
}

// zlibWriters are reused: a new zlib.Writer allocates about 1 MB, more
// than a stamp's streams together.
var zlibWriters = sync.Pool{New: func() any { return zlib.NewWriter(nil) }}

// flateStream makes a stream of data compressed with FlateDecode (the
// default level: BestCompression saves 0.3% on the font and costs more
// time than the rest of the stamp).
func flateStream(d *pdf.Dict, data []byte) *pdf.Stream {
	var z bytes.Buffer
	zw := zlibWriters.Get().(*zlib.Writer)
	zw.Reset(&z)
	zw.Write(data) // a bytes.Buffer does not fail
	zw.Close()
	zlibWriters.Put(zw)
	d.Set("Filter", pdf.Name("FlateDecode"))
	return pdf.NewStream(d, z.Bytes())
}

// pt formats a length in points for a content stream or a message: at
// most three decimals, no exponent.
func pt(x float64) string {
	return strconv.FormatFloat(math.Round(x*1000)/1000, 'f', -1, 64)
}
