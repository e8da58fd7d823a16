// Helpers shared by the tests: a builder of small PDFs with exact offsets,
// and runners of the external checkers (qpdf, pdfinfo).

package pdf

import (
	"bytes"
	"compress/zlib"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/testtool"
)

// builder writes a PDF revision by revision, recording object offsets.
type builder struct {
	buf      bytes.Buffer
	offs     map[int]int64 // objects of the current revision
	lastXRef int64         // -1 before the first section
}

func newBuilder() *builder {
	b := &builder{offs: map[int]int64{}, lastXRef: -1}
	b.buf.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	return b
}

// obj writes "num 0 obj body endobj".
func (b *builder) obj(num int, body string) *builder {
	b.offs[num] = int64(b.buf.Len())
	fmt.Fprintf(&b.buf, "%d 0 obj\n%s\nendobj\n", num, body)
	return b
}

// stream writes a stream object with dict entries extra and data.
func (b *builder) stream(num int, extra string, data []byte) *builder {
	b.offs[num] = int64(b.buf.Len())
	fmt.Fprintf(&b.buf, "%d 0 obj\n<< %s /Length %d >>\nstream\n", num, extra, len(data))
	b.buf.Write(data)
	b.buf.WriteString("\nendstream\nendobj\n")
	return b
}

func (b *builder) nums() []int {
	var ns []int
	for n := range b.offs {
		ns = append(ns, n)
	}
	sort.Ints(ns)
	return ns
}

// table ends the revision with an xref table; trailer holds extra keys
// (/Root ...); /Size and /Prev are added.
func (b *builder) table(size int, trailer string) *builder {
	x := int64(b.buf.Len())
	b.buf.WriteString("xref\n")
	ns := b.nums()
	if b.lastXRef < 0 {
		b.buf.WriteString("0 1\n0000000000 65535 f\r\n")
	}
	for _, n := range ns {
		fmt.Fprintf(&b.buf, "%d 1\n%010d 00000 n\r\n", n, b.offs[n])
	}
	prev := ""
	if b.lastXRef >= 0 {
		prev = fmt.Sprintf(" /Prev %d", b.lastXRef)
	}
	fmt.Fprintf(&b.buf, "trailer\n<< /Size %d %s%s >>\nstartxref\n%d\n%%%%EOF\n", size, trailer, prev, x)
	b.lastXRef = x
	b.offs = map[int]int64{}
	return b
}

// xrefStream ends the revision with an xref stream object num.
func (b *builder) xrefStream(num, size int, trailer string, compressed map[int][2]int) *builder {
	x := int64(b.buf.Len())
	b.offs[num] = x
	type row struct {
		n    int
		data []byte
	}
	var rows []row
	for _, n := range b.nums() {
		o := b.offs[n]
		rows = append(rows, row{n, []byte{1, byte(o >> 24), byte(o >> 16), byte(o >> 8), byte(o), 0}})
	}
	for n, c := range compressed {
		rows = append(rows, row{n, []byte{2, 0, 0, byte(c[0] >> 8), byte(c[0]), byte(c[1])}})
	}
	if b.lastXRef < 0 {
		rows = append(rows, row{0, []byte{0, 0, 0, 0, 0, 0xff}})
	}
	sort.Slice(rows, func(i, j int) bool { return rows[i].n < rows[j].n })
	var data []byte
	var index []string
	for _, r := range rows {
		data = append(data, r.data...)
		index = append(index, fmt.Sprintf("%d 1", r.n))
	}
	prev := ""
	if b.lastXRef >= 0 {
		prev = fmt.Sprintf(" /Prev %d", b.lastXRef)
	}
	fmt.Fprintf(&b.buf, "%d 0 obj\n<< /Type /XRef /Size %d /W [1 4 1] /Index [%s] %s%s /Length %d >>\nstream\n",
		num, size, strings.Join(index, " "), trailer, prev, len(data))
	b.buf.Write(data)
	fmt.Fprintf(&b.buf, "\nendstream\nendobj\nstartxref\n%d\n%%%%EOF\n", x)
	b.lastXRef = x
	b.offs = map[int]int64{}
	return b
}

func (b *builder) bytes() []byte { return bytes.Clone(b.buf.Bytes()) }

// minimal is a one-page document: catalog 1, pages 2, page 3, content 4.
func minimal() *builder {
	return newBuilder().
		obj(1, "<< /Type /Catalog /Pages 2 0 R >>").
		obj(2, "<< /Type /Pages /Kids [3 0 R] /Count 1 /MediaBox [0 0 200 200] >>").
		obj(3, "<< /Type /Page /Parent 2 0 R /Contents 4 0 R /Resources << >> >>").
		stream(4, "", []byte("0 0 m 100 100 l S"))
}

func minimalPDF() []byte { return minimal().table(5, "/Root 1 0 R").bytes() }

func openBytes(t testing.TB, data []byte) *File {
	t.Helper()
	f, err := Open(bytes.NewReader(data), int64(len(data)), nil)
	require.NoError(t, err)
	return f
}

func zlibBytes(data []byte) []byte {
	var b bytes.Buffer
	w := zlib.NewWriter(&b)
	w.Write(data)
	w.Close()
	return b.Bytes()
}

// writeTemp writes data to a file in t's temporary directory.
func writeTemp(t testing.TB, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, data, 0o600))
	return p
}

// qpdfCheck runs "qpdf --check" and fails the test unless it reports no
// errors and no warnings.
func qpdfCheck(t *testing.T, path string) {
	t.Helper()
	qpdf := testtool.Require(t, "qpdf")
	out, err := exec.Command(qpdf, "--check", path).CombinedOutput()
	require.NoError(t, err, "qpdf --check %s:\n%s", path, out)
	require.Contains(t, string(out), "No syntax or stream encoding errors found", "qpdf --check %s:\n%s", path, out)
	require.NotContains(t, string(out), "WARNING", "qpdf --check %s:\n%s", path, out)
}

// qpdfConvert runs qpdf with args on in and returns the output file's bytes.
func qpdfConvert(t *testing.T, in []byte, args ...string) []byte {
	t.Helper()
	qpdf := testtool.Require(t, "qpdf")
	src := writeTemp(t, "in.pdf", in)
	dst := filepath.Join(filepath.Dir(src), "out.pdf")
	cmd := exec.Command(qpdf, append(append(args, "--deterministic-id"), src, dst)...)
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "qpdf %v:\n%s", args, out)
	data, err := os.ReadFile(dst)
	require.NoError(t, err)
	return data
}

// pdfinfo runs poppler's pdfinfo and returns its output.
func pdfinfo(t *testing.T, path string) string {
	t.Helper()
	bin := testtool.Require(t, "pdfinfo")
	out, err := exec.Command(bin, path).CombinedOutput()
	require.NoError(t, err, "pdfinfo %s:\n%s", path, out)
	require.NotContains(t, string(out), "Syntax Error", "pdfinfo %s:\n%s", path, out)
	return string(out)
}
