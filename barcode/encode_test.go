package barcode

// Tests of the encoders: every symbol is read back by an independent reader
// (zbarimg for QR and Code 128, dmtxread for DataMatrix) and by Decode.

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"strings"
	"testing"

	bqr "github.com/boombuler/barcode/qr"
	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/qrcode"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sealURL is a realistic seal URL: upper case, base32, as package seal
// makes it.
const sealURL = "HTTPS://CHECK.TUNDUK.KG/S/AEAQCAIBAEBAGAYDAEBAGBIFAUDAMBQHA4EAQCIJBEFAWCYLBQGA2DINBYHQ6DQPB4IBAEAR"

func decodeOne(t *testing.T, img image.Image) Symbol {
	t.Helper()
	syms, err := Decode(context.Background(), img)
	require.NoError(t, err)
	require.Len(t, syms, 1)
	return syms[0]
}

func TestEncodeQR(t *testing.T) {
	tests := []struct {
		name, text string
		opts       *Options
	}{
		{"seal URL", sealURL, nil},
		{"digits", "0123456789012345", nil},
		{"lower-case URL", "https://check.tunduk.kg/s/abc", nil},
		{"Cyrillic UTF-8", "Асанова Айгүл Бакытбековна", &Options{Level: LevelM}},
		{"level H, module 2", "HELLO", &Options{Level: LevelH, ModuleSize: 2}},
		{"level L, module 7", sealURL, &Options{Level: LevelL, ModuleSize: 7, QuietZone: 6}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := EncodeQR(tc.text, tc.opts)
			require.NoError(t, err)
			mod, qz := tc.opts.moduleSize(), tc.opts.quietZone(4)
			// Integer module size and quiet zone: the image is exactly
			// (modules + 2*quiet) * moduleSize, and 17+4*version modules.
			require.Equal(t, 17+4*e.Version, e.Modules)
			require.Equal(t, (e.Modules+2*qz)*mod, e.Image.Bounds().Dx())
			require.Equal(t, e.Image.Bounds().Dx(), e.Image.Bounds().Dy())
			assertQuietZone(t, e.Image, qz*mod)

			var buf bytes.Buffer
			require.NoError(t, e.WritePNG(&buf))
			p := writePNG(t, "qr.png", e.Image)
			assert.Equal(t, tc.text+"\n", zbar(t, p))
			img, err := png.Decode(&buf)
			require.NoError(t, err)
			s := decodeOne(t, img)
			assert.Equal(t, QR, s.Format)
			assert.Equal(t, tc.text, s.Text)
		})
	}
}

// TestQRSealURLIsAlphanumeric checks that boombuler puts an upper-case URL
// in alphanumeric mode: gozxing reports byte-mode segments in the
// BYTE_SEGMENTS metadata and there are none, and the version is the one
// alphanumeric capacity predicts (byte mode would need a larger one).
func TestQRSealURLIsAlphanumeric(t *testing.T) {
	e, err := EncodeQR(sealURL, nil)
	require.NoError(t, err)
	bmp, err := gozxing.NewBinaryBitmapFromImage(e.Image)
	require.NoError(t, err)
	r, err := qrcode.NewQRCodeReader().Decode(bmp, nil)
	require.NoError(t, err)
	require.Equal(t, sealURL, r.GetText())
	_, hasBytes := r.GetResultMetadata()[gozxing.ResultMetadataType_BYTE_SEGMENTS]
	assert.False(t, hasBytes, "the URL was put in byte mode")
	assert.Equal(t, "Q", r.GetResultMetadata()[gozxing.ResultMetadataType_ERROR_CORRECTION_LEVEL])
	// 98 characters: alphanumeric at Q needs version 6 (v5-Q holds 87,
	// v6-Q 108); the same text forced into byte mode needs version 8.
	assert.Equal(t, 98, len(sealURL))
	assert.Equal(t, 6, e.Version)
	b, err := bqr.Encode(sealURL, bqr.Q, bqr.Unicode)
	require.NoError(t, err)
	assert.Equal(t, 8, (b.Bounds().Dx()-17)/4)
}

// Standard Code 128 start characters, as bar/space widths in modules
// (ISO/IEC 15417 table 1), written independently of boombuler's table.
var code128Starts = map[string]string{"211412": "A", "211214": "B", "211232": "C"}

// code128Widths reads the bar and space widths (in modules) along the
// middle row of a rendered Code 128 symbol.
func code128Widths(img *image.Paletted, mod, qz int) []int {
	y := img.Bounds().Dy() / 2
	row := img.Pix[y*img.Stride : y*img.Stride+img.Bounds().Dx()]
	var widths []int
	cur, n := row[qz*mod], 0
	for x := qz * mod; x < len(row)-qz*mod; x++ {
		if row[x] != cur {
			widths = append(widths, n/mod)
			cur, n = row[x], 0
		}
		n++
	}
	return append(widths, n/mod)
}

// TestEncodeCode128 reads every length of document number back with zbar and
// Decode, and checks code set C: a set-C symbol holds two digits, so an even
// number of n >= 4 digits takes 11*(1+n/2+1)+13 modules (start, data,
// check, stop), and the start character is Start C. Set B would need
// 11*(1+n+1)+13.
func TestEncodeCode128(t *testing.T) {
	for n := 1; n <= 20; n++ {
		digits := strings.Repeat("9081726354", 2)[:n]
		t.Run(digits, func(t *testing.T) {
			e, err := EncodeCode128(digits, nil)
			require.NoError(t, err)
			w := code128Widths(e.Image, 4, 10)
			start := ""
			for _, v := range w[:6] {
				start += string(rune('0' + v))
			}
			sum := 0
			for _, v := range w {
				sum += v
			}
			require.Equal(t, e.Modules, sum, "bar widths do not add up to the symbol width")
			if n%2 == 0 && n >= 4 {
				assert.Equal(t, "C", code128Starts[start], "start character")
				assert.Equal(t, 11*(n/2+2)+13, e.Modules, "not packed two digits per symbol")
			}
			if n%2 == 1 && n >= 5 {
				// Set C for the pairs, then Code B and one digit.
				assert.Equal(t, "C", code128Starts[start])
				assert.Equal(t, 11*((n-1)/2+4)+13, e.Modules)
			}
			p := writePNG(t, "c128.png", e.Image)
			assert.Equal(t, digits+"\n", zbar(t, p))
			s := decodeOne(t, e.Image)
			assert.Equal(t, Code128, s.Format)
			assert.Equal(t, digits, s.Text)
		})
	}
}

func TestEncodeDataMatrix(t *testing.T) {
	tests := []string{"0123456789012", "TAMGA", "https://check.tunduk.kg/s/abc", strings.Repeat("AB12", 60)}
	for _, text := range tests {
		t.Run(text[:min(len(text), 20)], func(t *testing.T) {
			e, err := EncodeDataMatrix(text, nil)
			require.NoError(t, err)
			assert.Equal(t, (e.Modules+4)*4, e.Image.Bounds().Dx())
			assertQuietZone(t, e.Image, 2*4)
			p := writePNG(t, "dm.png", e.Image)
			assert.Equal(t, text, dmtx(t, p))
			s := decodeOne(t, e.Image)
			assert.Equal(t, DataMatrix, s.Format)
			assert.Equal(t, text, s.Text)
		})
	}
}

func TestEncodeRejects(t *testing.T) {
	tests := []struct {
		name string
		f    func() (*Encoded, error)
	}{
		{"QR empty", func() (*Encoded, error) { return EncodeQR("", nil) }},
		{"QR too long", func() (*Encoded, error) { return EncodeQR(strings.Repeat("й", 2000), nil) }},
		{"QR huge", func() (*Encoded, error) { return EncodeQR(strings.Repeat("1", 100000), nil) }},
		{"QR bad level", func() (*Encoded, error) { return EncodeQR("A", &Options{Level: 'X'}) }},
		{"QR module size", func() (*Encoded, error) { return EncodeQR("A", &Options{ModuleSize: 1000}) }},
		{"QR negative quiet", func() (*Encoded, error) { return EncodeQR("A", &Options{QuietZone: -1}) }},
		{"C128 letters", func() (*Encoded, error) { return EncodeCode128("12A4", nil) }},
		{"C128 empty", func() (*Encoded, error) { return EncodeCode128("", nil) }},
		{"C128 long", func() (*Encoded, error) { return EncodeCode128(strings.Repeat("1", MaxCode128Digits+1), nil) }},
		{"C128 bar height", func() (*Encoded, error) { return EncodeCode128("1234", &Options{BarHeight: 1 << 20}) }},
		{"C128 Arabic-Indic digits", func() (*Encoded, error) { return EncodeCode128("١٢٣٤", nil) }},
		{"DM non-ASCII", func() (*Encoded, error) { return EncodeDataMatrix("Айгүл", nil) }},
		{"DM empty", func() (*Encoded, error) { return EncodeDataMatrix("", nil) }},
		{"DM too long", func() (*Encoded, error) { return EncodeDataMatrix(strings.Repeat("x", 3000), nil) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := tc.f()
			require.ErrorIs(t, err, ErrInvalidContent)
			assert.Nil(t, e)
			var ce *ContentError
			require.ErrorAs(t, err, &ce)
			assert.NotEmpty(t, ce.Reason)
		})
	}
}

// assertQuietZone checks that the outer n pixels on every side are white.
func assertQuietZone(t *testing.T, img *image.Paletted, n int) {
	t.Helper()
	b := img.Bounds()
	for y := 0; y < b.Dy(); y++ {
		for x := 0; x < b.Dx(); x++ {
			if x >= n && y >= n && x < b.Dx()-n && y < b.Dy()-n {
				continue
			}
			if img.Pix[y*img.Stride+x] != 0 {
				t.Fatalf("dark pixel at (%d,%d) inside the %d-pixel quiet zone", x, y, n)
			}
		}
	}
}
