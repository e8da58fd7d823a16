package barcode

// Benchmarks: encoding the seal QR, and reading a scanned page.

import (
	"context"
	"io"
	"testing"
)

func BenchmarkEncodeQR(b *testing.B) {
	for b.Loop() {
		e, err := EncodeQR(sealURL, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := e.WritePNG(io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodePage reads the QR and Code 128 from an A4 page at 150 dpi
// (1240x1754), straight and scanned askew.
func BenchmarkDecodePage(b *testing.B) {
	page, _, _ := resultPage(b)
	for _, bc := range []struct {
		name string
		deg  float64
	}{{"straight", 0}, {"rotated3deg", 3}} {
		img := transform(page, bc.deg, 1)
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				syms, err := Decode(context.Background(), img)
				if err != nil || len(syms) != 2 {
					b.Fatal(syms, err)
				}
			}
		})
	}
	b.Run("blank", func(b *testing.B) {
		img := newPage(a4at150.X, a4at150.Y)
		b.ReportAllocs()
		for b.Loop() {
			if _, err := Decode(context.Background(), img); err != ErrNotFound {
				b.Fatal(err)
			}
		}
	})
}
