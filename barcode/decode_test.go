package barcode

// Tests of Decode and ReadImage: whole pages as a scanner or phone sees
// them, several symbols at once, and hostile image files.

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"image"
	"image/color"
	"image/gif"
	"image/png"
	"runtime"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// a4at150 is an A4 page at 150 dpi.
var a4at150 = image.Pt(1240, 1754)

// resultPage lays out a result document's barcodes on an A4 page at 150
// dpi: the seal QR at the bottom left (3 px = 0.51 mm modules) and the
// document number in Code 128 beside it (2 px = 0.34 mm narrow bars).
func resultPage(t testing.TB) (*image.Gray, *Encoded, *Encoded) {
	t.Helper()
	q, err := EncodeQR(sealURL, &Options{ModuleSize: 3})
	require.NoError(t, err)
	c, err := EncodeCode128("20250417000123", &Options{ModuleSize: 2, BarHeight: 90})
	require.NoError(t, err)
	page := newPage(a4at150.X, a4at150.Y)
	// Some "text" lines above, so the page is not empty paper.
	for y := 150; y < 1300; y += 40 {
		for x := 150; x < 1090; x++ {
			if (x/7)%5 != 0 {
				for dy := 0; dy < 9; dy++ {
					page.Pix[(y+dy)*page.Stride+x] = 0x30
				}
			}
		}
	}
	paste(page, q.Image, 140, 1420)
	paste(page, c.Image, 560, 1480)
	return page, q, c
}

func sortedTexts(syms []Symbol) []string {
	var s []string
	for _, x := range syms {
		s = append(s, x.Format.String()+":"+x.Text)
	}
	sort.Strings(s)
	return s
}

// TestDecodePage reads both symbols from a page that was scanned slightly
// askew and at a different scale, with JPEG compression, and in colour.
func TestDecodePage(t *testing.T) {
	page, q, c := resultPage(t)
	want := []string{"Code 128:" + c.Text, "QR:" + q.Text}
	tests := []struct {
		name     string
		deg, s   float64
		jpegQ    int
		rgba     bool
		zbarToo  bool
		shortRun bool
		quarter  bool // turned 90 degrees first (the page is not square)
	}{
		{name: "straight", s: 1, zbarToo: true, shortRun: true},
		{name: "rotated 2deg", deg: 2, s: 1, zbarToo: true},
		{name: "rotated -3deg scaled 0.93", deg: -3, s: 0.93, shortRun: true},
		{name: "rotated 4deg scaled 1.1 JPEG 75", deg: 4, s: 1.1, jpegQ: 75},
		{name: "rotated 1.5deg JPEG 60 RGBA", deg: 1.5, s: 0.97, jpegQ: 60, rgba: true},
		{name: "upside down", deg: 180, s: 1},
		{name: "sideways", quarter: true, s: 1},
		{name: "sideways and askew", quarter: true, deg: 2.5, s: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if testing.Short() && !tc.shortRun {
				t.Skip("short mode")
			}
			var img image.Image = page
			if tc.quarter {
				img = rotate90(img)
			}
			if tc.deg != 0 || tc.s != 1 {
				img = transform(img, tc.deg, tc.s)
			}
			if tc.jpegQ != 0 {
				img = jpegRoundTrip(t, img, tc.jpegQ)
			}
			if tc.rgba {
				img = toRGBA(img)
			}
			syms, err := Decode(context.Background(), img)
			require.NoError(t, err)
			assert.Equal(t, want, sortedTexts(syms))
			for _, s := range syms {
				assert.True(t, s.Bounds.In(img.Bounds()) || s.Bounds.Overlaps(img.Bounds()), "bounds %v outside the image", s.Bounds)
			}
			if tc.zbarToo {
				// The page is a fair test: zbar reads it too.
				out := strings.Split(strings.TrimSpace(zbar(t, writePNG(t, "page.png", img))), "\n")
				sort.Strings(out)
				assert.Equal(t, []string{c.Text, q.Text}, out)
			}
		})
	}
}

// TestDecodeBounds checks the reported location against where the symbols
// were pasted.
func TestDecodeBounds(t *testing.T) {
	page, q, _ := resultPage(t)
	syms, err := Decode(context.Background(), page)
	require.NoError(t, err)
	placed := q.Image.Bounds().Add(image.Pt(140, 1420))
	for _, s := range syms {
		if s.Format == QR {
			assert.True(t, s.Bounds.In(placed), "QR bounds %v not within %v", s.Bounds, placed)
			assert.Greater(t, s.Bounds.Dx(), placed.Dx()/2)
		}
	}
	// An image whose bounds do not start at the origin: results are in its
	// coordinates.
	sub := page.SubImage(image.Rect(100, 1400, 1200, 1700))
	syms, err = Decode(context.Background(), sub)
	require.NoError(t, err)
	for _, s := range syms {
		if s.Format == QR {
			assert.True(t, s.Bounds.In(placed), "QR bounds %v not within %v", s.Bounds, placed)
		}
	}
}

// TestDecodeSeveral puts three QR codes, two DataMatrix and two Code 128 on
// one page.
func TestDecodeSeveral(t *testing.T) {
	page := newPage(1400, 1000)
	var want []string
	for i, text := range []string{"FIRST", "SECOND", "HTTPS://X.KG/S/THIRD"} {
		e, err := EncodeQR(text, &Options{ModuleSize: 4})
		require.NoError(t, err)
		paste(page, e.Image, 50+i*400, 40)
		want = append(want, "QR:"+text)
	}
	for i, text := range []string{"DM-ONE", "DM-TWO"} {
		e, err := EncodeDataMatrix(text, &Options{ModuleSize: 5})
		require.NoError(t, err)
		paste(page, e.Image, 100+i*500, 420)
		want = append(want, "DataMatrix:"+text)
	}
	for i, text := range []string{"123456", "98765432"} {
		e, err := EncodeCode128(text, &Options{ModuleSize: 3, BarHeight: 80})
		require.NoError(t, err)
		paste(page, e.Image, 80+i*650, 760)
		want = append(want, "Code 128:"+text)
	}
	syms, err := Decode(context.Background(), page)
	require.NoError(t, err)
	sort.Strings(want)
	assert.Equal(t, want, sortedTexts(syms))
}

func TestDecodeNothing(t *testing.T) {
	tests := map[string]image.Image{
		"blank page":  newPage(800, 600),
		"one pixel":   image.NewGray(image.Rect(0, 0, 1, 1)),
		"empty":       image.NewGray(image.Rectangle{}),
		"black page":  image.NewGray(image.Rect(0, 0, 300, 300)),
		"noise":       noise(640, 480),
		"thin strip":  newPage(5000, 3),
		"transparent": image.NewNRGBA(image.Rect(0, 0, 200, 200)),
	}
	for name, img := range tests {
		t.Run(name, func(t *testing.T) {
			syms, err := Decode(context.Background(), img)
			require.ErrorIs(t, err, ErrNotFound)
			assert.Empty(t, syms)
		})
	}
}

func noise(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	x := uint32(2463534242)
	for i := range g.Pix {
		x ^= x << 13
		x ^= x >> 17
		x ^= x << 5
		g.Pix[i] = byte(x)
	}
	return g
}

// TestDecodeHugeImage: an in-memory image above the pixel budget is
// downsampled, and still read.
func TestDecodeHugeImage(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	// A4 at 400 dpi (15.5 Mpixel): factor 2.
	page := newPage(3307, 4677)
	e, err := EncodeQR(sealURL, &Options{ModuleSize: 8})
	require.NoError(t, err)
	paste(page, e.Image, 400, 3800)
	syms, err := Decode(context.Background(), page)
	require.NoError(t, err)
	require.Len(t, syms, 1)
	assert.Equal(t, sealURL, syms[0].Text)
	assert.True(t, syms[0].Bounds.Overlaps(e.Image.Bounds().Add(image.Pt(400, 3800))), "%v", syms[0].Bounds)
}

func TestDecodeCancelled(t *testing.T) {
	page, _, _ := resultPage(t)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Decode(ctx, page)
	require.ErrorIs(t, err, context.Canceled)
}

// pngWithSize is a PNG whose header claims w x h pixels, followed by a tiny
// IDAT: the shape of a decompression bomb.
func pngWithSize(w, h uint32) []byte {
	var b bytes.Buffer
	b.WriteString("\x89PNG\r\n\x1a\n")
	chunk := func(typ string, data []byte) {
		binary.Write(&b, binary.BigEndian, uint32(len(data)))
		c := crc32.NewIEEE()
		c.Write([]byte(typ))
		c.Write(data)
		b.WriteString(typ)
		b.Write(data)
		binary.Write(&b, binary.BigEndian, c.Sum32())
	}
	ihdr := make([]byte, 13)
	binary.BigEndian.PutUint32(ihdr[0:], w)
	binary.BigEndian.PutUint32(ihdr[4:], h)
	ihdr[8], ihdr[9] = 8, 6 // 8-bit RGBA: 4 bytes per pixel
	chunk("IHDR", ihdr)
	chunk("IDAT", []byte{0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01})
	chunk("IEND", nil)
	return b.Bytes()
}

// jpegWithSize is a baseline JPEG header claiming w x h pixels.
func jpegWithSize(w, h uint16) []byte {
	var src bytes.Buffer
	img := image.NewGray(image.Rect(0, 0, 8, 8))
	if err := jpegEncode(&src, img); err != nil {
		panic(err)
	}
	b := src.Bytes()
	// Patch the SOF0 frame size.
	for i := 2; i+9 < len(b); i++ {
		if b[i] == 0xff && b[i+1] == 0xc0 {
			binary.BigEndian.PutUint16(b[i+5:], h)
			binary.BigEndian.PutUint16(b[i+7:], w)
			break
		}
	}
	return b
}

func TestReadImageLimits(t *testing.T) {
	okPNG := func() []byte {
		var b bytes.Buffer
		require.NoError(t, png.Encode(&b, newPage(50, 40)))
		return b.Bytes()
	}()
	var gifData bytes.Buffer
	require.NoError(t, gif.Encode(&gifData, newPage(10, 10), nil))
	tests := []struct {
		name      string
		data      []byte
		maxPixels int
		want      error
	}{
		{"PNG bomb 100000x100000", pngWithSize(100000, 100000), 0, ErrImageTooLarge},
		{"PNG bomb 60000x60000", pngWithSize(60000, 60000), 0, ErrImageTooLarge},
		{"PNG over caller limit", pngWithSize(2000, 2000), 1_000_000, ErrImageTooLarge},
		{"PNG 1x70000", pngWithSize(1, 70000), 0, ErrImageTooLarge},
		{"JPEG bomb 65000x65000", jpegWithSize(65000, 65000), 0, ErrImageTooLarge},
		{"PNG zero size", pngWithSize(0, 10), 0, ErrImageFormat},
		{"PNG truncated", okPNG[:len(okPNG)/2], 0, ErrImageFormat},
		{"PNG bad IDAT", pngWithSize(100, 100), 0, ErrImageFormat},
		{"GIF", gifData.Bytes(), 0, ErrImageFormat},
		{"text", []byte("HTTPS://CHECK.TUNDUK.KG/S/AAAA"), 0, ErrImageFormat},
		{"empty", nil, 0, ErrImageFormat},
		{"JPEG header only", []byte{0xff, 0xd8, 0xff}, 0, ErrImageFormat},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before, after runtime.MemStats
			runtime.ReadMemStats(&before)
			img, err := ReadImage(bytes.NewReader(tc.data), tc.maxPixels)
			runtime.ReadMemStats(&after)
			require.ErrorIs(t, err, tc.want)
			assert.Nil(t, img)
			assert.Less(t, after.TotalAlloc-before.TotalAlloc, uint64(8<<20), "refusing the image allocated too much")
		})
	}
	img, err := ReadImage(bytes.NewReader(okPNG), 0)
	require.NoError(t, err)
	assert.Equal(t, image.Pt(50, 40), img.Bounds().Size())
}

func TestReadImageTooManyBytes(t *testing.T) {
	r := &zeroReader{n: MaxImageBytes + 10}
	_, err := ReadImage(r, 0)
	require.ErrorIs(t, err, ErrImageTooLarge)
	assert.LessOrEqual(t, r.read, MaxImageBytes+1+64<<10, "read past the limit")
}

type zeroReader struct{ n, read int }

func (z *zeroReader) Read(p []byte) (int, error) {
	if z.read >= z.n {
		return 0, nil
	}
	n := min(len(p), z.n-z.read)
	clear(p[:n])
	if z.read == 0 && n >= 8 {
		copy(p, "\x89PNG\r\n\x1a\n")
	}
	z.read += n
	return n, nil
}

// TestGrayConversion checks the colour paths against each other: the same
// picture as Gray, RGBA, NRGBA, YCbCr and Paletted gives the same
// luminance, and transparency counts as white paper.
func TestGrayConversion(t *testing.T) {
	src := noise(37, 23)
	rgba := toRGBA(src)
	nrgba := image.NewNRGBA(src.Bounds())
	ycc := image.NewYCbCr(src.Bounds(), image.YCbCrSubsampleRatio420)
	pal := image.NewPaletted(src.Bounds(), nil)
	for i := 0; i < 256; i++ {
		pal.Palette = append(pal.Palette, color.Gray{Y: uint8(i)})
	}
	for y := 0; y < 23; y++ {
		for x := 0; x < 37; x++ {
			v := src.GrayAt(x, y).Y
			nrgba.SetNRGBA(x, y, color.NRGBA{v, v, v, 0xff})
			ycc.Y[ycc.YOffset(x, y)] = v
			pal.SetColorIndex(x, y, v)
		}
	}
	want := toGray(src, 1).pix
	for name, img := range map[string]image.Image{"RGBA": rgba, "NRGBA": nrgba, "YCbCr": ycc, "Paletted": pal, "generic": image.Image(struct{ image.Image }{src})} {
		got := toGray(img, 1).pix
		for i := range want {
			if d := int(want[i]) - int(got[i]); d < -1 || d > 1 {
				t.Fatalf("%s: pixel %d is %d, want %d", name, i, got[i], want[i])
			}
		}
	}
	clearImg := image.NewNRGBA(image.Rect(0, 0, 4, 4)) // transparent black
	for _, v := range toGray(clearImg, 1).pix {
		assert.Equal(t, byte(0xff), v)
	}
	for _, v := range toGray(image.NewRGBA(image.Rect(0, 0, 4, 4)), 1).pix {
		assert.Equal(t, byte(0xff), v)
	}
	// Box downsampling averages.
	g := toGray(src, 2)
	assert.Equal(t, 18, g.w)
	assert.Equal(t, 11, g.h)
	s := int(src.Pix[0]) + int(src.Pix[1]) + int(src.Pix[src.Stride]) + int(src.Pix[src.Stride+1])
	assert.Equal(t, byte(s/4), g.pix[0])
}

// TestDecodeDataMatrixOnPage: a DataMatrix in a corner of a result page,
// away from the centre where gozxing's detector looks, beside the QR and
// Code 128.
func TestDecodeDataMatrixOnPage(t *testing.T) {
	page, q, c := resultPage(t)
	dm, err := EncodeDataMatrix("GRS-101-20250417000123", &Options{ModuleSize: 3})
	require.NoError(t, err)
	paste(page, dm.Image, 1050, 40)
	syms, err := Decode(context.Background(), transform(page, 1.5, 1))
	require.NoError(t, err)
	assert.Equal(t, []string{"Code 128:" + c.Text, "DataMatrix:" + dm.Text, "QR:" + q.Text}, sortedTexts(syms))
}
