package barcode

// Fuzzing the untrusted-input path: image bytes -> ReadImage -> Decode.

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/png"
	"testing"
	"time"
)

func FuzzReadImageDecode(f *testing.F) {
	for _, mk := range []func() (*Encoded, error){
		func() (*Encoded, error) { return EncodeQR("HTTPS://X.KG/S/AB", &Options{ModuleSize: 1, QuietZone: 2}) },
		func() (*Encoded, error) { return EncodeDataMatrix("123", &Options{ModuleSize: 1}) },
		func() (*Encoded, error) { return EncodeCode128("1234", &Options{ModuleSize: 1, BarHeight: 8}) },
	} {
		e, err := mk()
		if err != nil {
			f.Fatal(err)
		}
		var b bytes.Buffer
		if err := png.Encode(&b, e.Image); err != nil {
			f.Fatal(err)
		}
		f.Add(b.Bytes())
	}
	f.Add(pngWithSize(100000, 100000))
	f.Add(pngWithSize(3, 3))
	f.Add(jpegWithSize(64, 64))
	f.Add([]byte("\xff\xd8\xff\xe0"))
	f.Fuzz(func(t *testing.T, data []byte) {
		img, err := ReadImage(bytes.NewReader(data), 1<<16)
		if err != nil {
			if !errors.Is(err, ErrImageFormat) && !errors.Is(err, ErrImageTooLarge) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if b := img.Bounds(); b.Dx()*b.Dy() > 1<<16 {
			t.Fatalf("image of %v passed a limit of 65536 pixels", b)
		}
		start := time.Now()
		syms, err := Decode(context.Background(), img)
		if d := time.Since(start); d > 3*time.Second {
			t.Fatalf("Decode of a %v image took %v", img.Bounds(), d)
		}
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatalf("untyped error: %v", err)
		}
		if (err == nil) != (len(syms) > 0) {
			t.Fatalf("%d symbols with error %v", len(syms), err)
		}
	})
}

// FuzzDecodePixels feeds raw pixels to Decode: PNG checksums stop most
// mutations of an image file before Decode sees them, so this target
// mutates the picture itself. The first byte picks the width.
func FuzzDecodePixels(f *testing.F) {
	for _, mk := range []func() (*Encoded, error){
		func() (*Encoded, error) { return EncodeQR("HTTPS://X.KG/S/AB", &Options{ModuleSize: 2, QuietZone: 2}) },
		func() (*Encoded, error) { return EncodeDataMatrix("123", &Options{ModuleSize: 2}) },
		func() (*Encoded, error) { return EncodeCode128("1234", &Options{ModuleSize: 1, BarHeight: 10}) },
	} {
		e, err := mk()
		if err != nil {
			f.Fatal(err)
		}
		g := toGray(e.Image, 1)
		f.Add(append([]byte{byte(g.w)}, g.pix...))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) < 2 || len(data) > 1<<16 {
			return
		}
		w := int(data[0])
		if w == 0 {
			return
		}
		pix := data[1:]
		img := image.NewGray(image.Rect(0, 0, w, len(pix)/w))
		copy(img.Pix, pix)
		syms, err := Decode(context.Background(), img)
		if err != nil && !errors.Is(err, ErrNotFound) {
			t.Fatalf("untyped error: %v", err)
		}
		for _, s := range syms {
			if s.Text == "" && s.Format != Code128 {
				t.Fatalf("empty %v symbol", s.Format)
			}
		}
	})
}
