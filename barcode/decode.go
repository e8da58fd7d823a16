package barcode

// This file holds the decoder: reading an untrusted image file with bounded
// memory, and finding every QR, DataMatrix and Code 128 symbol on a page.

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/jpeg"
	"image/png"
	"io"
	"math"

	"github.com/makiuchi-d/gozxing"
	"github.com/makiuchi-d/gozxing/datamatrix"
	zmulti "github.com/makiuchi-d/gozxing/multi/qrcode"
	"github.com/makiuchi-d/gozxing/oned"
	"github.com/makiuchi-d/gozxing/qrcode"
)

// Limits on the images this package reads.
const (
	// DefaultMaxPixels is the largest image ReadImage accepts when given a
	// limit of 0: an A4 page scanned at 600 dpi (35 Mpixel) fits, a 16-bit
	// RGBA image of this size needs about 320 MB while decoding.
	DefaultMaxPixels = 40_000_000

	// MaxImageBytes is the largest encoded image ReadImage reads.
	MaxImageBytes = 64 << 20

	// decodePixels is the budget Decode works within: larger images are
	// box-downsampled by an integer factor until they fit. An A4 page at
	// 300 dpi (8.7 Mpixel) is decoded at full resolution.
	decodePixels = 9_000_000

	// upscalePixels is the largest size an image is enlarged to when
	// nothing was found at its own size.
	upscalePixels = 2_000_000

	// maxPerFormat bounds how many symbols of one format Decode looks for
	// on a page, and so the number of decoder passes.
	maxPerFormat = 8
)

// Symbol is one barcode found in an image.
type Symbol struct {
	Format Format
	Text   string // the decoded text (UTF-8)

	// Bounds is the smallest rectangle around the points the decoder
	// located (finder patterns or bar ends), in the input image's
	// coordinates. It locates the symbol; it need not contain all of it.
	Bounds image.Rectangle
}

// ReadImage decodes a PNG or JPEG image from r. The header is checked first:
// an image wider or taller than 1<<16 pixels or with more than maxPixels
// pixels (0 means DefaultMaxPixels) is refused with ErrImageTooLarge before
// any pixel memory is allocated. At most MaxImageBytes are read from r.
func ReadImage(r io.Reader, maxPixels int) (image.Image, error) {
	if maxPixels <= 0 {
		maxPixels = DefaultMaxPixels
	}
	data, err := io.ReadAll(io.LimitReader(r, MaxImageBytes+1))
	if err != nil {
		return nil, fmt.Errorf("barcode: reading image: %w", err)
	}
	if len(data) > MaxImageBytes {
		return nil, fmt.Errorf("%w: file larger than %d bytes", ErrImageTooLarge, MaxImageBytes)
	}
	var decode func(io.Reader) (image.Image, error)
	var cfg image.Config
	switch {
	case bytes.HasPrefix(data, []byte("\x89PNG\r\n\x1a\n")):
		cfg, err = png.DecodeConfig(bytes.NewReader(data))
		decode = png.Decode
	case bytes.HasPrefix(data, []byte{0xff, 0xd8}):
		cfg, err = jpeg.DecodeConfig(bytes.NewReader(data))
		decode = jpeg.Decode
	default:
		return nil, fmt.Errorf("%w: the file is neither PNG nor JPEG", ErrImageFormat)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImageFormat, err)
	}
	if cfg.Width <= 0 || cfg.Height <= 0 {
		return nil, fmt.Errorf("%w: image has no pixels", ErrImageFormat)
	}
	if cfg.Width > 1<<16 || cfg.Height > 1<<16 || cfg.Width*cfg.Height > maxPixels {
		return nil, fmt.Errorf("%w: %dx%d pixels, the limit is %d pixels; scan at a lower resolution",
			ErrImageTooLarge, cfg.Width, cfg.Height, maxPixels)
	}
	img, err := decode(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrImageFormat, err)
	}
	return img, nil
}

// Decode finds every QR, DataMatrix and Code 128 symbol in img, for example
// the QR seal and the Code 128 document number on a scanned result page.
// The page may be slightly rotated or scaled. Symbols come in the order QR,
// Code 128, DataMatrix; the same format and text is reported once. When
// nothing is found the error is ErrNotFound.
//
// Images above about 9 Mpixel are downsampled first so the work is bounded;
// ctx is checked between decoder passes (a single pass is not
// interruptible and takes well under a second on such a page).
func Decode(ctx context.Context, img image.Image) ([]Symbol, error) {
	b := img.Bounds()
	if b.Dx() <= 0 || b.Dy() <= 0 {
		return nil, ErrNotFound
	}
	if b.Dx() > 1<<16 || b.Dy() > 1<<16 {
		return nil, fmt.Errorf("%w: %dx%d pixels", ErrImageTooLarge, b.Dx(), b.Dy())
	}
	f := 1
	if px := float64(b.Dx()) * float64(b.Dy()); px > decodePixels {
		f = int(math.Ceil(math.Sqrt(px / decodePixels)))
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	g := toGray(img, f)
	if g.w < 8 || g.h < 8 {
		return nil, ErrNotFound
	}
	d := &decoder{ctx: ctx, seen: map[key]bool{}}
	d.qr(pagesOf(g))
	d.code128(pagesOf(g))
	d.dataMatrix(g)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(d.out) == 0 {
		return nil, ErrNotFound
	}
	for i := range d.out {
		r := d.out[i].Bounds
		d.out[i].Bounds = image.Rect(r.Min.X*f, r.Min.Y*f, r.Max.X*f+f-1, r.Max.Y*f+f-1).Add(b.Min)
	}
	return d.out, nil
}

// pagesOf lists the views of g the decoder tries, in order: g as it is;
// small images (a cropped symbol, a phone's preview) also at twice the
// size, because the detectors need a few pixels of quiet zone and module
// width to lock on; and last g turned a quarter, because the 2D detectors
// sample the grid along the image axes and a photo that fails one way
// sometimes reads the other (the 1D reader turns the page itself).
func pagesOf(g *grayBuf) []*page {
	small := 4*g.w*g.h <= upscalePixels
	pages := []*page{{g: g, up: 1}}
	if small {
		pages = append(pages, &page{make: g.upscale2, up: 2})
	}
	pages = append(pages, &page{make: g.rotate, up: 1, rotated: true})
	if small {
		pages = append(pages, &page{make: func() *grayBuf { return g.rotate().upscale2() }, up: 2, rotated: true})
	}
	return pages
}

type key struct {
	f    Format
	text string
}

// page is the image as one pass sees it: up is 2 when it was enlarged,
// rotated is true when it was turned a quarter counter-clockwise, and off
// is where a tile cut from the image starts. Pages other than the first
// are made when a pass first needs them.
type page struct {
	g       *grayBuf
	make    func() *grayBuf
	up      int
	rotated bool
	off     image.Point
}

func (p *page) gray() *grayBuf {
	if p.g == nil {
		p.g = p.make()
	}
	return p.g
}

// bounds maps a rectangle on the page back to the decoded image.
func (p *page) bounds(r image.Rectangle) image.Rectangle {
	u := p.up
	r = image.Rect(r.Min.X/u, r.Min.Y/u, (r.Max.X+u-1)/u, (r.Max.Y+u-1)/u)
	if p.rotated {
		// The page pixel (x', y') came from (w-1-y', x'), w the decoded
		// image's width.
		w := p.g.h / u
		r = image.Rect(w-r.Max.Y, r.Min.X, w-r.Min.Y, r.Max.X)
	}
	return r.Add(p.off)
}

type decoder struct {
	ctx  context.Context
	seen map[key]bool
	out  []Symbol
}

// binarizers are tried in order for each format until one finds something:
// the hybrid (local threshold) binarizer copes with uneven light, the global
// histogram one with blurred 1D bars.
var binarizers = []func(gozxing.LuminanceSource) gozxing.Binarizer{
	gozxing.NewHybridBinarizer,
	gozxing.NewGlobalHistgramBinarizer,
}

func hints(f gozxing.BarcodeFormat) map[gozxing.DecodeHintType]interface{} {
	return map[gozxing.DecodeHintType]interface{}{
		gozxing.DecodeHintType_TRY_HARDER:       true,
		gozxing.DecodeHintType_POSSIBLE_FORMATS: []gozxing.BarcodeFormat{f},
	}
}

// add records a result found on page p and reports whether it was new.
func (d *decoder) add(f Format, r *gozxing.Result, p *page) bool {
	text := r.GetText()
	if f == Code128 {
		text = latin1ToUTF8(text)
	}
	k := key{f, text}
	if d.seen[k] {
		return false
	}
	d.seen[k] = true
	d.out = append(d.out, Symbol{Format: f, Text: text, Bounds: p.bounds(pointsBounds(r.GetResultPoints()))})
	return true
}

// latin1ToUTF8 converts Code 128 text to UTF-8. Code 128 characters are
// ISO 8859-1 (FNC4 reaches 128-255) and gozxing returns them as single
// bytes.
func latin1ToUTF8(s string) string {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			r := make([]rune, len(s))
			for j := 0; j < len(s); j++ {
				r[j] = rune(s[j])
			}
			return string(r)
		}
	}
	return s
}

func (d *decoder) qr(pages []*page) {
	h := hints(gozxing.BarcodeFormat_QR_CODE)
	for _, p := range pages {
		for _, nb := range binarizers {
			if d.ctx.Err() != nil {
				return
			}
			var res []*gozxing.Result
			safely(func() error {
				bmp, err := gozxing.NewBinaryBitmap(nb(lumSource{p.gray()}))
				if err != nil {
					return err
				}
				res, err = zmulti.NewQRCodeMultiReader().DecodeMultiple(bmp, h)
				return err
			})
			found := false
			for _, r := range res[:min(len(res), maxPerFormat)] {
				found = d.add(QR, r, p) || found
			}
			if found {
				return
			}
		}
	}
	// The multi-symbol detector needs three clean finder patterns per
	// symbol; the single-symbol one also tries harder geometry, which
	// photographs sometimes need.
	d.repeat(pages, QR, qrcode.NewQRCodeReader(), h)
}

func (d *decoder) code128(pages []*page) {
	d.repeat(pages, Code128, oned.NewCode128Reader(), hints(gozxing.BarcodeFormat_CODE_128))
}

// dataMatrix runs last. gozxing's DataMatrix detector reads a symbol only
// when it straddles the centre of the image (see blobs.go), so after the
// whole page, the symbols already found are painted over and the dark
// blobs shaped like a symbol are tried one by one, each centred in a crop.
func (d *decoder) dataMatrix(g *grayBuf) {
	rd := datamatrix.NewDataMatrixReader()
	h := hints(gozxing.BarcodeFormat_DATA_MATRIX)
	if d.repeat(pagesOf(g), DataMatrix, rd, h) && len(d.out) == 1 {
		return
	}
	if len(d.out) > 0 {
		g = g.clone()
		for _, s := range d.out {
			r := s.Bounds
			g.fill(r.Inset(-(max(r.Dx(), r.Dy())/4 + 4)))
		}
	}
	for _, r := range symbolBlobs(g) {
		if d.ctx.Err() != nil {
			return
		}
		crop := g.crop(r)
		pages := []*page{{g: crop, up: 1, off: r.Min}}
		if 4*crop.w*crop.h <= upscalePixels {
			pages = append(pages, &page{make: crop.upscale2, up: 2, off: r.Min})
		}
		d.repeat(pages, DataMatrix, rd, h)
	}
}

// repeat reads one symbol at a time with a single-symbol reader, blanking
// each one found on a private copy of the page and searching again. The
// first page and binarizer that find anything end the search; repeat
// reports whether they found anything new.
func (d *decoder) repeat(pages []*page, f Format, rd gozxing.Reader, h map[gozxing.DecodeHintType]interface{}) bool {
	for _, p := range pages {
		if p.rotated && f == Code128 {
			continue
		}
		for _, nb := range binarizers {
			work := p.gray()
			found := false
			for range maxPerFormat {
				if d.ctx.Err() != nil {
					return false
				}
				var r *gozxing.Result
				safely(func() error {
					bmp, err := gozxing.NewBinaryBitmap(nb(lumSource{work}))
					if err != nil {
						return err
					}
					r, err = rd.Decode(bmp, h)
					return err
				})
				if r == nil {
					break
				}
				found = d.add(f, r, p) || found
				if work == p.g {
					work = work.clone()
				}
				work.fill(blankArea(f, r.GetResultPoints(), work))
			}
			if found {
				return true
			}
		}
	}
	return false
}

// safely runs fn, turning a panic inside the decoder library into a failed
// attempt: a hostile image must not take down a verification server.
func safely(fn func() error) {
	defer func() { _ = recover() }()
	_ = fn()
}

func pointsBounds(pts []gozxing.ResultPoint) image.Rectangle {
	if len(pts) == 0 {
		return image.Rectangle{}
	}
	x0, y0 := math.Inf(1), math.Inf(1)
	x1, y1 := math.Inf(-1), math.Inf(-1)
	for _, p := range pts {
		if p == nil {
			continue
		}
		x0, x1 = math.Min(x0, p.GetX()), math.Max(x1, p.GetX())
		y0, y1 = math.Min(y0, p.GetY()), math.Max(y1, p.GetY())
	}
	if math.IsInf(x0, 0) {
		return image.Rectangle{}
	}
	return image.Rect(int(x0), int(y0), int(math.Ceil(x1))+1, int(math.Ceil(y1))+1)
}

// blankArea is the region to paint over after reading a symbol. 2D readers
// locate the corners (or finder centres), so the box is widened by a
// margin. A 1D reader reports only where one scan line crossed the bars, so
// the box is stretched across the bars by half the symbol's length on each
// side; a second symbol closer than that may be hidden, which is the price
// of never reading the same symbol twice.
func blankArea(f Format, pts []gozxing.ResultPoint, g *grayBuf) image.Rectangle {
	r := pointsBounds(pts)
	if r.Empty() && len(pts) == 0 {
		// No location: blank everything so the loop ends.
		return image.Rect(0, 0, g.w, g.h)
	}
	w, h := r.Dx(), r.Dy()
	if f == Code128 {
		if w >= h {
			m := w/2 + 4
			return image.Rect(r.Min.X-w/8, r.Min.Y-m, r.Max.X+w/8, r.Max.Y+m)
		}
		m := h/2 + 4
		return image.Rect(r.Min.X-m, r.Min.Y-h/8, r.Max.X+m, r.Max.Y+h/8)
	}
	m := max(w, h)/4 + 4
	return r.Inset(-m)
}
