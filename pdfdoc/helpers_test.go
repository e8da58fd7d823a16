package pdfdoc

// Test helpers: example documents, a third-party PDF built by hand, and
// wrappers around the poppler, qpdf and zbar command-line tools.

import (
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tamgasign/tamga/internal/testtool"
)

var testTime = time.Date(2025, 3, 14, 10, 30, 0, 0, time.FixedZone("KGT", 6*3600))

func readExample(t testing.TB, name string) (*Template, *Data) {
	t.Helper()
	tb, err := os.ReadFile(filepath.Join("..", "testdata", "templates", name+".template.json"))
	require.NoError(t, err)
	db, err := os.ReadFile(filepath.Join("..", "testdata", "templates", name+".data.json"))
	require.NoError(t, err)
	tm, err := ParseTemplate(tb)
	require.NoError(t, err)
	d, err := ParseData(db)
	require.NoError(t, err)
	return tm, d
}

func qrFor(d *Data) string { return "HTTPS://PORTAL.EXAMPLE.KG/V/" + d.Number() }

func issueExample(t testing.TB, name string) ([]byte, *Data) {
	t.Helper()
	tm, d := readExample(t, name)
	out, err := Issue(context.Background(), tm, d, &IssueOptions{QRText: qrFor(d), Time: testTime})
	require.NoError(t, err)
	return out, d
}

// run runs a tool and returns its standard output; a non-zero exit fails
// the test with the tool's messages.
func run(t testing.TB, prog string, args ...string) string {
	t.Helper()
	path := testtool.Require(t, prog)
	cmd := exec.Command(path, args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("%s %s: %v\n%s\n%s", prog, strings.Join(args, " "), err, stdout.String(), stderr.String())
	}
	return stdout.String()
}

func writeTemp(t testing.TB, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	require.NoError(t, os.WriteFile(p, b, 0o644))
	return p
}

// qpdfCheck runs qpdf --check, which exits non-zero on errors and prints
// "WARNING" for what it had to repair.
func qpdfCheck(t testing.TB, path string) {
	t.Helper()
	out := run(t, "qpdf", "--check", path)
	require.Contains(t, out, "No syntax or stream encoding errors found", out)
	require.NotContains(t, strings.ToLower(out), "warning", out)
}

// pdfText extracts the text with pdftotext in content order (-raw; the
// default layout mode guesses spaces from glyph gaps and drops some between
// single letters), whitespace runs collapsed.
func pdfText(t testing.TB, path string) string {
	t.Helper()
	return strings.Join(strings.Fields(run(t, "pdftotext", "-raw", "-enc", "UTF-8", path, "-")), " ")
}

// scan renders one page at 150 dpi with pdftoppm and reads every barcode
// on it with zbarimg. It returns symbology -> decoded texts.
func scan(t testing.TB, path string, page int) (map[string][]string, string) {
	t.Helper()
	dir := t.TempDir()
	p := fmt.Sprint(page)
	run(t, "pdftoppm", "-r", "150", "-png", "-f", p, "-l", p, "-singlefile", path, filepath.Join(dir, "page"))
	png := filepath.Join(dir, "page.png")
	zbar := testtool.Require(t, "zbarimg")
	out, err := exec.Command(zbar, "-q", png).Output()
	require.NoError(t, err, "zbarimg found no barcode on page %d", page)
	found := map[string][]string{}
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		sym, data, ok := strings.Cut(l, ":")
		if ok {
			found[sym] = append(found[sym], data)
		}
	}
	return found, png
}

// thirdPartyPDF builds the kind of PDF an agency's own system prints: two
// pages of Helvetica text, resources inherited from the page tree, the
// second page turned with /Rotate 90 and a CropBox smaller than its
// MediaBox, and a content stream that leaves its graphics state changed
// (an unbalanced "cm", which a careless stamp would inherit).
func thirdPartyPDF() []byte {
	objs := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R 5 0 R] /Count 2 /Resources << /Font << /F1 7 0 R >> >> /MediaBox [0 0 595 842] >>",
		"<< /Type /Page /Parent 2 0 R /Contents 4 0 R >>",
		stream("BT /F1 14 Tf 72 760 Td (Agency record 123: certificate of no criminal record) Tj ET 0.5 0 0 0.5 0 0 cm"),
		"<< /Type /Page /Parent 2 0 R /Contents 6 0 R /Rotate 90 /MediaBox [0 0 612 792] /CropBox [10 20 602 782] >>",
		stream("BT /F1 12 Tf 72 700 Td (Second page, rotated for landscape display) Tj ET"),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
		"<< /Producer (Agency Legacy Printing System 4.2) /CreationDate (D:20240101120000Z) >>",
	}
	var b bytes.Buffer
	b.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offs := make([]int, len(objs))
	for i, o := range objs {
		offs[i] = b.Len()
		fmt.Fprintf(&b, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 %d\n0000000000 65535 f\r\n", len(objs)+1)
	for _, o := range offs {
		fmt.Fprintf(&b, "%010d 00000 n\r\n", o)
	}
	fmt.Fprintf(&b, "trailer\n<< /Size %d /Root 1 0 R /Info 8 0 R /ID [<00112233445566778899aabbccddeeff> <00112233445566778899aabbccddeeff>] >>\nstartxref\n%d\n%%%%EOF\n", len(objs)+1, x)
	return b.Bytes()
}

func stream(s string) string {
	return fmt.Sprintf("<< /Length %d >>\nstream\n%s\nendstream", len(s), s)
}

// testLogo returns a small opaque PNG emblem, base64-encoded.
func testLogo(t testing.TB) string {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 96, 96))
	for y := 0; y < 96; y++ {
		for x := 0; x < 96; x++ {
			c := color.RGBA{255, 255, 255, 255}
			dx, dy := x-48, y-48
			switch r := dx*dx + dy*dy; {
			case r < 20*20:
				c = color.RGBA{250, 200, 0, 255}
			case r < 44*44:
				c = color.RGBA{200, 16, 46, 255}
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	require.NoError(t, png.Encode(&b, img))
	return base64.StdEncoding.EncodeToString(b.Bytes())
}
