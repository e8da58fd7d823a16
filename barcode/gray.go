package barcode

// This file holds the conversion of an image to 8-bit luminance, with an
// integer box downsampling for pages above the pixel budget, and the
// gozxing LuminanceSource over that buffer.
//
// gozxing's own NewLuminanceSourceFromImage calls img.At for every pixel and
// copies the whole image again for every source it builds; the decoder here
// builds several sources per page (one per pass, and again after blanking a
// found symbol), so it works on one shared []byte instead.

import (
	"errors"
	"image"
	"image/color"

	"github.com/makiuchi-d/gozxing"
)

// grayBuf is an 8-bit luminance image: 0 is black, 255 white.
type grayBuf struct {
	w, h int
	pix  []byte
}

// toGray converts img to luminance, averaging f x f blocks (f >= 1).
// Transparent pixels are composited over white, as on paper.
func toGray(img image.Image, f int) *grayBuf {
	b := img.Bounds()
	w, h := b.Dx()/f, b.Dy()/f
	g := &grayBuf{w: w, h: h, pix: make([]byte, w*h)}
	if w == 0 || h == 0 {
		return g
	}
	// row holds the luminance of one full-resolution source row.
	row := make([]byte, b.Dx())
	var acc []uint32
	if f > 1 {
		acc = make([]uint32, w)
	}
	for y := 0; y < h*f; y++ {
		lumRow(img, b.Min.Y+y, row)
		if f == 1 {
			copy(g.pix[y*w:], row[:w])
			continue
		}
		for x := 0; x < w; x++ {
			var s uint32
			for _, v := range row[x*f : x*f+f] {
				s += uint32(v)
			}
			acc[x] += s
		}
		if y%f == f-1 {
			out := g.pix[(y/f)*w:]
			n := uint32(f * f)
			for x := range acc {
				out[x] = byte(acc[x] / n)
				acc[x] = 0
			}
		}
	}
	return g
}

// lumRow writes the luminance of source row y into row.
func lumRow(img image.Image, y int, row []byte) {
	b := img.Bounds()
	switch m := img.(type) {
	case *image.Gray:
		copy(row, m.Pix[m.PixOffset(b.Min.X, y):])
		return
	case *image.YCbCr:
		// Y is the luminance; chroma does not matter for black and white.
		copy(row, m.Y[m.YOffset(b.Min.X, y):m.YOffset(b.Min.X, y)+len(row)])
		return
	case *image.Paletted:
		var lut [256]byte
		for i, c := range m.Palette {
			lut[i] = lum(c)
		}
		src := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := range row {
			row[x] = lut[src[x]]
		}
		return
	case *image.RGBA:
		src := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := range row {
			p := src[4*x : 4*x+4]
			// Premultiplied: add the white that shows through.
			row[x] = byte((299*uint32(p[0]) + 587*uint32(p[1]) + 114*uint32(p[2]) + 1000*uint32(255-p[3])) / 1000)
		}
		return
	case *image.NRGBA:
		src := m.Pix[m.PixOffset(b.Min.X, y):]
		for x := range row {
			p := src[4*x : 4*x+4]
			l := (299*uint32(p[0]) + 587*uint32(p[1]) + 114*uint32(p[2])) / 1000
			a := uint32(p[3])
			row[x] = byte((l*a + 255*(255-a)) / 255)
		}
		return
	}
	for x := range row {
		row[x] = lum(img.At(b.Min.X+x, y))
	}
}

// lum is the luminance of c over a white background.
func lum(c color.Color) byte {
	r, g, b, a := c.RGBA() // premultiplied, 16 bit
	l := (299*r + 587*g + 114*b) / 1000
	l += 0xffff - a
	if l > 0xffff {
		l = 0xffff
	}
	return byte(l >> 8)
}

// fill paints the rectangle white (clipped to the image), so a symbol
// already read is not found again.
func (g *grayBuf) fill(r image.Rectangle) {
	r = r.Intersect(image.Rect(0, 0, g.w, g.h))
	for y := r.Min.Y; y < r.Max.Y; y++ {
		row := g.pix[y*g.w+r.Min.X : y*g.w+r.Max.X]
		for i := range row {
			row[i] = 0xff
		}
	}
}

// upscale2 doubles the image in both directions (nearest neighbour).
func (g *grayBuf) upscale2() *grayBuf {
	o := &grayBuf{w: 2 * g.w, h: 2 * g.h, pix: make([]byte, 4*g.w*g.h)}
	for y := 0; y < o.h; y++ {
		src := g.pix[(y/2)*g.w : (y/2+1)*g.w]
		dst := o.pix[y*o.w : (y+1)*o.w]
		for x := range dst {
			dst[x] = src[x/2]
		}
	}
	return o
}

// rotate returns the image turned a quarter counter-clockwise: pixel
// (x, y) moves to (y, w-1-x).
func (g *grayBuf) rotate() *grayBuf {
	w, h := g.w, g.h
	out := &grayBuf{w: h, h: w, pix: make([]byte, w*h)}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			out.pix[(w-1-x)*h+y] = g.pix[y*w+x]
		}
	}
	return out
}

// crop copies the part of the image inside r; parts of r outside the
// image are white, so a symbol near the edge still ends up centred.
func (g *grayBuf) crop(r image.Rectangle) *grayBuf {
	out := &grayBuf{w: r.Dx(), h: r.Dy(), pix: make([]byte, r.Dx()*r.Dy())}
	for i := range out.pix {
		out.pix[i] = 0xff
	}
	in := r.Intersect(image.Rect(0, 0, g.w, g.h))
	for y := in.Min.Y; y < in.Max.Y; y++ {
		copy(out.pix[(y-r.Min.Y)*out.w+in.Min.X-r.Min.X:], g.pix[y*g.w+in.Min.X:y*g.w+in.Max.X])
	}
	return out
}

func (g *grayBuf) clone() *grayBuf {
	return &grayBuf{w: g.w, h: g.h, pix: append([]byte(nil), g.pix...)}
}

// lumSource adapts grayBuf to gozxing.LuminanceSource.
type lumSource struct {
	g *grayBuf
}

var errUnsupported = errors.New("barcode: operation not supported by the luminance source")

func (s lumSource) GetRow(y int, row []byte) ([]byte, error) {
	if y < 0 || y >= s.g.h {
		return row, errors.New("barcode: row outside the image")
	}
	if len(row) < s.g.w {
		row = make([]byte, s.g.w)
	}
	copy(row, s.g.pix[y*s.g.w:(y+1)*s.g.w])
	return row, nil
}

func (s lumSource) GetMatrix() []byte     { return s.g.pix }
func (s lumSource) GetWidth() int         { return s.g.w }
func (s lumSource) GetHeight() int        { return s.g.h }
func (s lumSource) IsCropSupported() bool { return false }
func (s lumSource) Crop(left, top, width, height int) (gozxing.LuminanceSource, error) {
	return nil, errUnsupported
}
func (s lumSource) IsRotateSupported() bool { return true }
func (s lumSource) Invert() gozxing.LuminanceSource {
	return gozxing.NewInvertedLuminanceSource(s)
}

// RotateCounterClockwise lets the 1D reader find vertical barcodes.
func (s lumSource) RotateCounterClockwise() (gozxing.LuminanceSource, error) {
	return lumSource{s.g.rotate()}, nil
}

func (s lumSource) RotateCounterClockwise45() (gozxing.LuminanceSource, error) {
	return nil, errUnsupported
}

func (s lumSource) String() string { return gozxing.LuminanceSourceString(s) }
