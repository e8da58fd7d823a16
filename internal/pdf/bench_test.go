// Benchmarks: Open (with the revision list) of 1 MB and 100 MB files, and
// an incremental update of the 100 MB file.

package pdf

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand"
	"os"
	"path/filepath"
	"testing"
)

// bigPDF writes a PDF of about size bytes to dir: pages whose content
// streams hold 16 KiB of incompressible data, then a second revision.
func bigPDF(b *testing.B, size int) (*os.File, int64) {
	b.Helper()
	const chunk = 16 << 10
	n := max(1, size/(chunk+200))
	rng := rand.New(rand.NewSource(1))
	data := make([]byte, chunk)
	bl := newBuilder()
	kids := ""
	for i := 0; i < n; i++ {
		kids += fmt.Sprintf("%d 0 R ", 3+2*i)
	}
	bl.obj(1, "<< /Type /Catalog /Pages 2 0 R >>")
	bl.obj(2, fmt.Sprintf("<< /Type /Pages /Kids [%s] /Count %d /MediaBox [0 0 595 842] >>", kids, n))
	for i := 0; i < n; i++ {
		rng.Read(data)
		bl.obj(3+2*i, fmt.Sprintf("<< /Type /Page /Parent 2 0 R /Contents %d 0 R >>", 4+2*i))
		bl.stream(4+2*i, "/Filter /DCTDecode", data)
	}
	bl.table(3+2*n, "/Root 1 0 R")
	bl.obj(1, "<< /Type /Catalog /Pages 2 0 R /Updated true >>")
	bl.table(3+2*n, "/Root 1 0 R")
	path := filepath.Join(b.TempDir(), "big.pdf")
	if err := os.WriteFile(path, bl.bytes(), 0o600); err != nil {
		b.Fatal(err)
	}
	fh, err := os.Open(path)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { fh.Close() })
	st, _ := fh.Stat()
	return fh, st.Size()
}

func benchmarkOpen(b *testing.B, size int) {
	fh, n := bigPDF(b, size)
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, err := Open(fh, n, nil)
		if err != nil {
			b.Fatal(err)
		}
		if len(f.Revisions()) != 2 {
			b.Fatal("want 2 revisions")
		}
	}
}

func BenchmarkOpen1MB(b *testing.B)   { benchmarkOpen(b, 1<<20) }
func BenchmarkOpen100MB(b *testing.B) { benchmarkOpen(b, 100<<20) }

// BenchmarkPages100MB reads the page tree of the 100 MB file (about 6000
// pages) after Open.
func BenchmarkPages100MB(b *testing.B) {
	fh, n := bigPDF(b, 100<<20)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		f, err := Open(fh, n, nil)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Pages(f.Latest()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkUpdate100MB appends a signature-like update to the 100 MB file:
// the copy of the original dominates.
func BenchmarkUpdate100MB(b *testing.B) {
	fh, n := bigPDF(b, 100<<20)
	f, err := Open(fh, n, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(n)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		u := f.Update()
		d := NewDict()
		d.Set("ByteRange", Placeholder{Name: "br", Kind: PlaceholderByteRange})
		d.Set("Contents", Placeholder{Name: "c", Kind: PlaceholderHex, Size: 16384})
		u.Add(d)
		if _, err := u.Write(context.Background(), io.Discard); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOpenSmall is the cost of Open on a one-page file.
func BenchmarkOpenSmall(b *testing.B) {
	data := minimalPDF()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Open(bytes.NewReader(data), int64(len(data)), nil); err != nil {
			b.Fatal(err)
		}
	}
}
