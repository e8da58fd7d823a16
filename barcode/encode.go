package barcode

// This file holds the encoders: QR, Code 128 and DataMatrix, rendered to a
// sharp two-colour image with the quiet zone included.

import (
	"image"
	"image/color"
	"image/png"
	"io"
	"strconv"

	bb "github.com/boombuler/barcode"
	"github.com/boombuler/barcode/code128"
	"github.com/boombuler/barcode/datamatrix"
	"github.com/boombuler/barcode/qr"
)

// Format names a barcode symbology.
type Format int

// The symbologies this package reads and writes.
const (
	QR Format = iota + 1
	DataMatrix
	Code128
)

func (f Format) String() string {
	switch f {
	case QR:
		return "QR"
	case DataMatrix:
		return "DataMatrix"
	case Code128:
		return "Code 128"
	}
	return "Format(" + strconv.Itoa(int(f)) + ")"
}

// ECLevel is a QR error correction level: 'L', 'M', 'Q' or 'H'. The zero
// value means 'Q' (25% of the codewords can be restored), which survives a
// fold, a stamp or a scratch on a printed page; EU DCC uses Q for the same
// reason.
type ECLevel byte

// QR error correction levels.
const (
	LevelL ECLevel = 'L'
	LevelM ECLevel = 'M'
	LevelQ ECLevel = 'Q'
	LevelH ECLevel = 'H'
)

// Options control how a symbol is rendered. The zero value gives the
// defaults.
type Options struct {
	// ModuleSize is the width of one module (QR/DataMatrix cell or the
	// narrowest Code 128 bar) in pixels. Zero means 4, which at 300 dpi is
	// 0.34 mm, the minimum recommended for office printers.
	ModuleSize int

	// QuietZone is the blank margin in modules. Zero means the symbology's
	// minimum: 4 for QR, 10 for Code 128, 2 for DataMatrix.
	QuietZone int

	// Level is the QR error correction level. Zero means LevelQ.
	Level ECLevel

	// BarHeight is the height of Code 128 bars in pixels. Zero means 15% of
	// the symbol's width, at least 40 modules' worth.
	BarHeight int
}

// Rendering limits; larger values are refused rather than allocating
// unbounded images.
const (
	maxModuleSize = 64
	maxQuietZone  = 40
	maxBarHeight  = 4096

	// MaxCode128Digits is the longest document number EncodeCode128 accepts.
	MaxCode128Digits = 48
)

// Encoded is a rendered barcode.
type Encoded struct {
	Format Format
	Text   string // the encoded text

	// Image is the symbol with its quiet zone: index 0 of the palette is
	// white, index 1 black. Every module is exactly ModuleSize pixels wide.
	Image *image.Paletted

	// Modules is the symbol's width in modules, without the quiet zone.
	Modules int

	// Version is the QR version (1-40), or 0 for other formats.
	Version int
}

// WritePNG writes the symbol as a 1-bit PNG.
func (e *Encoded) WritePNG(w io.Writer) error {
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	return enc.Encode(w, e.Image)
}

var palette = color.Palette{color.Gray{Y: 0xff}, color.Gray{Y: 0}}

func (o *Options) moduleSize() int {
	if o == nil || o.ModuleSize == 0 {
		return 4
	}
	return o.ModuleSize
}

func (o *Options) quietZone(def int) int {
	if o == nil || o.QuietZone == 0 {
		return def
	}
	return o.QuietZone
}

func (o *Options) check(f Format) error {
	if o == nil {
		return nil
	}
	if o.ModuleSize < 0 || o.ModuleSize > maxModuleSize {
		return &ContentError{f, "module size must be 1-" + strconv.Itoa(maxModuleSize) + " pixels"}
	}
	if o.QuietZone < 0 || o.QuietZone > maxQuietZone {
		return &ContentError{f, "quiet zone must be 1-" + strconv.Itoa(maxQuietZone) + " modules"}
	}
	if o.BarHeight < 0 || o.BarHeight > maxBarHeight {
		return &ContentError{f, "bar height must be 1-" + strconv.Itoa(maxBarHeight) + " pixels"}
	}
	return nil
}

// EncodeQR encodes text as a QR code. The encoder picks the most compact
// single mode: numeric for digits, alphanumeric for text made only of
// 0-9 A-Z space $ % * + - . / : (such as an upper-case seal URL), byte mode
// (UTF-8) otherwise.
func EncodeQR(text string, opts *Options) (*Encoded, error) {
	if err := opts.check(QR); err != nil {
		return nil, err
	}
	if text == "" {
		return nil, &ContentError{QR, "empty text"}
	}
	var lvl qr.ErrorCorrectionLevel
	level := LevelQ
	if opts != nil && opts.Level != 0 {
		level = opts.Level
	}
	switch level {
	case LevelL:
		lvl = qr.L
	case LevelM:
		lvl = qr.M
	case LevelQ:
		lvl = qr.Q
	case LevelH:
		lvl = qr.H
	default:
		return nil, &ContentError{QR, "error correction level must be L, M, Q or H"}
	}
	// Byte mode carries at most 2953 bytes (version 40-L); refusing longer
	// text up front avoids running the library's per-version search on it.
	if len(text) > 7089 {
		return nil, &ContentError{QR, "text longer than any QR version holds"}
	}
	sym, err := qr.Encode(text, lvl, qr.Auto)
	if err != nil {
		return nil, &ContentError{QR, "too long for a QR code at level " + string(level)}
	}
	n := sym.Bounds().Dx()
	e := render2D(sym, opts.moduleSize(), opts.quietZone(4))
	return &Encoded{Format: QR, Text: text, Image: e, Modules: n, Version: (n - 17) / 4}, nil
}

// EncodeDataMatrix encodes ASCII text as a square ECC 200 DataMatrix.
// Non-ASCII text is refused: the library would write each UTF-8 byte with
// an upper shift, which readers show as Latin-1.
func EncodeDataMatrix(text string, opts *Options) (*Encoded, error) {
	if err := opts.check(DataMatrix); err != nil {
		return nil, err
	}
	if text == "" {
		return nil, &ContentError{DataMatrix, "empty text"}
	}
	for i := 0; i < len(text); i++ {
		if text[i] >= 0x80 {
			return nil, &ContentError{DataMatrix, "only ASCII text is supported"}
		}
	}
	if len(text) > 3116 { // 144x144 holds 3116 digits, fewer letters
		return nil, &ContentError{DataMatrix, "text too long for a DataMatrix symbol"}
	}
	sym, err := datamatrix.Encode(text)
	if err != nil {
		return nil, &ContentError{DataMatrix, "text too long for a DataMatrix symbol"}
	}
	img := render2D(sym, opts.moduleSize(), opts.quietZone(2))
	return &Encoded{Format: DataMatrix, Text: text, Image: img, Modules: sym.Bounds().Dx()}, nil
}

// EncodeCode128 encodes a document number (ASCII digits only, 1 to
// MaxCode128Digits of them) as Code 128. Digits are packed two per symbol
// character in code set C; for an even number of at least four digits the
// whole symbol is in set C, an odd count ends with one set B digit.
func EncodeCode128(digits string, opts *Options) (*Encoded, error) {
	if err := opts.check(Code128); err != nil {
		return nil, err
	}
	if len(digits) == 0 || len(digits) > MaxCode128Digits {
		return nil, &ContentError{Code128, "document number must have 1-" + strconv.Itoa(MaxCode128Digits) + " digits"}
	}
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return nil, &ContentError{Code128, "document number must contain only digits 0-9"}
		}
	}
	sym, err := code128.Encode(digits)
	if err != nil {
		return nil, &ContentError{Code128, err.Error()}
	}
	mod := opts.moduleSize()
	qz := opts.quietZone(10)
	n := sym.Bounds().Dx()
	h := 0
	if opts != nil {
		h = opts.BarHeight
	}
	if h == 0 {
		h = max(n*mod*15/100, 40*mod)
	}
	// Above and below the bars half the quiet zone is enough: readers
	// scan along the bars, not across them.
	w := (n + 2*qz) * mod
	top := qz * mod / 2
	img := image.NewPaletted(image.Rect(0, 0, w, h+2*top), palette)
	for x := 0; x < n; x++ {
		if !isDark(sym, x, 0) {
			continue
		}
		x0 := (qz + x) * mod
		for y := top; y < top+h; y++ {
			row := img.Pix[y*img.Stride:]
			for i := x0; i < x0+mod; i++ {
				row[i] = 1
			}
		}
	}
	return &Encoded{Format: Code128, Text: digits, Image: img, Modules: n}, nil
}

// render2D draws a square or rectangular module grid at mod pixels per
// module with qz modules of margin on every side.
func render2D(sym bb.Barcode, mod, qz int) *image.Paletted {
	b := sym.Bounds()
	w, h := b.Dx(), b.Dy()
	img := image.NewPaletted(image.Rect(0, 0, (w+2*qz)*mod, (h+2*qz)*mod), palette)
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			if !isDark(sym, b.Min.X+x, b.Min.Y+y) {
				continue
			}
			x0, y0 := (qz+x)*mod, (qz+y)*mod
			for yy := y0; yy < y0+mod; yy++ {
				row := img.Pix[yy*img.Stride:]
				for xx := x0; xx < x0+mod; xx++ {
					row[xx] = 1
				}
			}
		}
	}
	return img
}

func isDark(img image.Image, x, y int) bool {
	r, g, b, _ := img.At(x, y).RGBA()
	return r+g+b < 3*0x8000
}
