package barcode

// Helpers shared by the tests: running the external readers, and making
// "scanned" pages (rotated, scaled, JPEG-compressed) with Go's image
// packages.

import (
	"bytes"
	"image"
	"image/draw"
	"image/jpeg"
	"image/png"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/testtool"
)

// writePNG saves img into the test's temporary directory.
func writePNG(t testing.TB, name string, img image.Image) string {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img))
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, buf.Bytes(), 0o600))
	return p
}

// zbar reads the image with zbarimg and returns its raw output (one line
// per symbol, each ending in a newline).
func zbar(t testing.TB, path string) string {
	t.Helper()
	bin := testtool.Require(t, "zbarimg")
	out, err := exec.Command(bin, "-q", "--raw", path).Output()
	require.NoError(t, err, "zbarimg found nothing in %s", path)
	return string(out)
}

// dmtx reads the image with dmtxread (libdmtx) and returns its output.
func dmtx(t testing.TB, path string) string {
	t.Helper()
	bin := testtool.Require(t, "dmtxread")
	out, err := exec.Command(bin, path).Output()
	require.NoError(t, err, "dmtxread found nothing in %s", path)
	return string(out)
}

// newPage is a white page of w x h pixels.
func newPage(w, h int) *image.Gray {
	g := image.NewGray(image.Rect(0, 0, w, h))
	for i := range g.Pix {
		g.Pix[i] = 0xff
	}
	return g
}

// paste draws a symbol onto a page with its top left corner at (x, y).
func paste(page draw.Image, sym image.Image, x, y int) {
	draw.Draw(page, sym.Bounds().Add(image.Pt(x, y)), sym, sym.Bounds().Min, draw.Src)
}

// transform rotates img by deg degrees about its centre and scales it by s,
// with bilinear interpolation onto a white background of the same size:
// what a flatbed scan of a page laid slightly askew looks like.
func transform(img image.Image, deg, s float64) *image.Gray {
	src := image.NewGray(img.Bounds())
	draw.Draw(src, src.Bounds(), img, img.Bounds().Min, draw.Src)
	b := src.Bounds()
	w, h := b.Dx(), b.Dy()
	dst := newPage(w, h)
	sin, cos := math.Sincos(deg * math.Pi / 180)
	cx, cy := float64(w)/2, float64(h)/2
	at := func(x, y int) float64 {
		if x < 0 || y < 0 || x >= w || y >= h {
			return 255
		}
		return float64(src.Pix[y*src.Stride+x])
	}
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			// Inverse map: destination pixel to source coordinates.
			dx, dy := (float64(x)-cx)/s, (float64(y)-cy)/s
			sx := cos*dx + sin*dy + cx
			sy := -sin*dx + cos*dy + cy
			x0, y0 := int(math.Floor(sx)), int(math.Floor(sy))
			fx, fy := sx-float64(x0), sy-float64(y0)
			v := at(x0, y0)*(1-fx)*(1-fy) + at(x0+1, y0)*fx*(1-fy) +
				at(x0, y0+1)*(1-fx)*fy + at(x0+1, y0+1)*fx*fy
			dst.Pix[y*dst.Stride+x] = uint8(v + 0.5)
		}
	}
	return dst
}

// jpegRoundTrip compresses img as a JPEG at the given quality and decodes it
// again, as a phone or a scanner's default setting would.
func jpegRoundTrip(t testing.TB, img image.Image, quality int) image.Image {
	t.Helper()
	var buf bytes.Buffer
	require.NoError(t, jpeg.Encode(&buf, img, &jpeg.Options{Quality: quality}))
	out, err := ReadImage(&buf, 0)
	require.NoError(t, err)
	return out
}

// toRGBA converts to RGBA to exercise the decoder's colour paths.
func toRGBA(img image.Image) *image.RGBA {
	r := image.NewRGBA(img.Bounds())
	draw.Draw(r, r.Bounds(), img, img.Bounds().Min, draw.Src)
	return r
}

func jpegEncode(w io.Writer, img image.Image) error { return jpeg.Encode(w, img, nil) }
