package font_test

import (
	"testing"

	"github.com/tamgasign/tamga/internal/font"
)

// BenchmarkParse is the one-time cost of reading DejaVu Sans.
func BenchmarkParse(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := font.Parse(font.DejaVuSans()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSubset is the per-signature cost of a stamp's font.
func BenchmarkSubset(b *testing.B) {
	f, err := font.Parse(font.DejaVuSans())
	if err != nil {
		b.Fatal(err)
	}
	runes := []rune(kyrgyz)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := f.Subset(runes); err != nil {
			b.Fatal(err)
		}
	}
}
