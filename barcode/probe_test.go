package barcode

import (
	"context"
	"image"
	"testing"
	"time"
)

func TestProbeShapes(t *testing.T) {
	e, _ := EncodeQR("HTTPS://X.KG/S/AB", &Options{ModuleSize: 2, QuietZone: 2})
	g := toGray(e.Image, 1)
	for _, w := range []int{1, 2, 3, 7, 13, 50, 100, 255} {
		img := image.NewGray(image.Rect(0, 0, w, len(g.pix)/w))
		copy(img.Pix, g.pix)
		st := time.Now()
		syms, err := Decode(context.Background(), img)
		t.Log(w, img.Bounds().Size(), time.Since(st), len(syms), err)
	}
}
