package pdfdoc

import (
	"context"
	"image"
	_ "image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tamgasign/tamga/internal/testtool"
)

// TestStamp stamps a hand-made third-party PDF, both as written (classic
// xref table) and after qpdf has packed it into object streams with a
// cross-reference stream, and checks the result with the real tools.
func TestStamp(t *testing.T) {
	plain := thirdPartyPDF()
	packed := writeTemp(t, "packed.pdf", nil)
	run(t, "qpdf", "--object-streams=generate", writeTemp(t, "plain.pdf", plain), packed)
	packedBytes, err := os.ReadFile(packed)
	require.NoError(t, err)

	data := []byte(`{"number":"77001234567890","holder":"Өмүрбек уулу Ңурлан"}`)
	for name, in := range map[string][]byte{"xref-table": plain, "object-streams": packedBytes} {
		t.Run(name, func(t *testing.T) {
			out, err := Stamp(context.Background(), in, &StampOptions{
				QRText: "HTTPS://PORTAL.EXAMPLE.KG/V/77001234567890",
				Number: "77001234567890",
				Pages:  []int{1, 2},
				Attachment: &Attachment{Name: "document.json", MIMEType: "application/json",
					Description: "Маалымат", Data: data},
				Time: testTime,
			})
			require.NoError(t, err)
			path := writeTemp(t, "stamped.pdf", out)
			qpdfCheck(t, path)

			txt := pdfText(t, path)
			assert.Contains(t, txt, "Agency record 123: certificate of no criminal record")
			assert.Contains(t, txt, "Second page, rotated for landscape display")
			assert.Contains(t, txt, "77001234567890")

			// The original metadata survives the rewrite.
			info := run(t, "pdfinfo", path)
			assert.Contains(t, info, "Agency Legacy Printing System 4.2")
			assert.Regexp(t, `(?m)^Pages: +2$`, info)

			for page := 1; page <= 2; page++ {
				found, png := scan(t, path, page)
				assert.Equal(t, []string{"HTTPS://PORTAL.EXAMPLE.KG/V/77001234567890"}, found["QR-Code"], "page %d", page)
				assert.Equal(t, []string{"77001234567890"}, found["CODE-128"], "page %d", page)
				// The default QR position is the bottom-left corner of the
				// page as displayed, whatever the page's /Rotate.
				assertDarkBottomLeft(t, png)
			}

			dir := t.TempDir()
			run(t, "pdfdetach", "-saveall", "-o", dir, path)
			got, err := os.ReadFile(filepath.Join(dir, "document.json"))
			require.NoError(t, err)
			assert.Equal(t, data, got)
			att, err := ReadAttachment(context.Background(), out, "document.json")
			require.NoError(t, err)
			assert.Equal(t, data, att.Data)
			assert.Equal(t, "Маалымат", att.Description)

			// A second stamp with the same file name is refused, not merged.
			_, err = Stamp(context.Background(), out, &StampOptions{QRText: "X", Number: "1",
				Attachment: &Attachment{Name: "document.json", MIMEType: "application/json", Data: data}})
			assert.ErrorIs(t, err, ErrOptions)
		})
	}
}

// assertDarkBottomLeft checks that the rendered page has dark pixels in
// its bottom-left 60x60 mm and none in the top-left corner there.
func assertDarkBottomLeft(t *testing.T, path string) {
	t.Helper()
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	img, _, err := image.Decode(f)
	require.NoError(t, err)
	b := img.Bounds()
	mm := 150 / 25.4
	dark := func(x0, y0, x1, y1 int) int {
		n := 0
		for y := y0; y < y1; y++ {
			for x := x0; x < x1; x++ {
				if r, _, _, _ := img.At(x, y).RGBA(); r < 0x4000 {
					n++
				}
			}
		}
		return n
	}
	side := int(45 * mm)
	assert.Greater(t, dark(b.Min.X, b.Max.Y-side, b.Min.X+side, b.Max.Y), 1000, "QR expected bottom-left")
	assert.Zero(t, dark(b.Min.X, b.Min.Y, b.Min.X+side, b.Min.Y+int(20*mm)), "nothing expected top-left")
}

func TestStampPlacement(t *testing.T) {
	in := thirdPartyPDF()
	out, err := Stamp(context.Background(), in, &StampOptions{
		QRText: "https://portal.example.kg/v/5", Number: "5550001",
		QR:      Rect{X: 150, Y: 30, W: 40},
		Code128: Rect{X: 20, Y: 250, W: 70, H: 15},
	})
	require.NoError(t, err)
	path := writeTemp(t, "placed.pdf", out)
	qpdfCheck(t, path)
	found, _ := scan(t, path, 1)
	assert.Equal(t, []string{"https://portal.example.kg/v/5"}, found["QR-Code"])
	assert.Equal(t, []string{"5550001"}, found["CODE-128"])
	_, err = ReadAttachment(context.Background(), out, "document.json")
	assert.ErrorIs(t, err, ErrNoAttachment)
}

func TestStampErrors(t *testing.T) {
	in := thirdPartyPDF()
	enc := writeTemp(t, "enc.pdf", nil)
	qpdf := testtool.Require(t, "qpdf")
	// Owner password only: readers open it without a password, so it is
	// the case most likely to reach us.
	outp, err := exec.Command(qpdf, "--encrypt", "", "owner", "256", "--", writeTemp(t, "in.pdf", in), enc).CombinedOutput()
	require.NoError(t, err, string(outp))
	encrypted, err := os.ReadFile(enc)
	require.NoError(t, err)
	signedPDF := []byte(string(in[:len(in)-0]))
	signedPDF = append([]byte(nil), signedPDF...)
	signedPDF = replaceOnce(t, signedPDF, "<< /Type /Catalog /Pages 2 0 R >>", "<< /Type /Catalog /Pages 2 0 R /AcroForm << /SigFlags 3 /Fields [] >> >>")

	ok := &StampOptions{QRText: "X", Number: "1"}
	tests := []struct {
		name string
		pdf  []byte
		opts *StampOptions
		want error
	}{
		{"no options", in, nil, ErrOptions},
		{"no number", in, &StampOptions{QRText: "X"}, ErrOptions},
		{"number not digits", in, &StampOptions{QRText: "X", Number: "12a"}, ErrOptions},
		{"page out of range", in, &StampOptions{QRText: "X", Number: "1", Pages: []int{3}}, ErrOptions},
		{"page twice", in, &StampOptions{QRText: "X", Number: "1", Pages: []int{1, 1}}, ErrOptions},
		{"empty page list", in, &StampOptions{QRText: "X", Number: "1", Pages: []int{}}, ErrOptions},
		{"QR off the page", in, &StampOptions{QRText: "X", Number: "1", QR: Rect{X: 200, Y: 10, W: 30}}, ErrOptions},
		{"QR not square", in, &StampOptions{QRText: "X", Number: "1", QR: Rect{X: 10, Y: 10, W: 30, H: 20}}, ErrOptions},
		{"boxes overlap", in, &StampOptions{QRText: "X", Number: "1", QR: Rect{X: 10, Y: 10, W: 30}, Code128: Rect{X: 20, Y: 20, W: 60, H: 10}}, ErrOptions},
		{"Code 128 too narrow", in, &StampOptions{QRText: "X", Number: "12345678901234567890123456", Code128: Rect{X: 100, Y: 200, W: 20, H: 10}}, ErrOptions},
		{"not a PDF", []byte("hello"), ok, ErrPDF},
		{"truncated", in[:len(in)/2], ok, ErrPDF},
		{"empty", nil, ok, ErrPDF},
		{"encrypted", encrypted, ok, ErrEncrypted},
		{"signed", signedPDF, ok, ErrSigned},
		{"too large", make([]byte, MaxPDFSize+1), ok, ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Stamp(context.Background(), tc.pdf, tc.opts)
			require.Error(t, err)
			assert.ErrorIs(t, err, tc.want)
		})
	}
}

func TestReadAttachmentDamaged(t *testing.T) {
	out, _ := issueExample(t, "residence-ru")
	// Flip one byte of the embedded data's checksum: the file still parses,
	// but the data no longer matches its /Params.
	i := indexOf(out, "/CheckSum<")
	require.Positive(t, i)
	bad := append([]byte(nil), out...)
	j := i + len("/CheckSum<")
	if bad[j] == '0' {
		bad[j] = '1'
	} else {
		bad[j] = '0'
	}
	_, err := ReadAttachment(context.Background(), bad, "document.json")
	assert.ErrorIs(t, err, ErrAttachment)

	_, err = ReadAttachment(context.Background(), out, "other.json")
	assert.ErrorIs(t, err, ErrNoAttachment)
	_, err = ReadAttachment(context.Background(), thirdPartyPDF(), "document.json")
	assert.ErrorIs(t, err, ErrNoAttachment)
	_, err = ReadAttachment(context.Background(), []byte("%PDF-1.7\ngarbage"), "document.json")
	assert.ErrorIs(t, err, ErrPDF)
}

func indexOf(b []byte, s string) int {
	for i := 0; i+len(s) <= len(b); i++ {
		if string(b[i:i+len(s)]) == s {
			return i
		}
	}
	return -1
}

// replaceOnce replaces old with new in a hand-made PDF and fixes the
// cross-reference offsets by rebuilding it: the test PDF is small, so
// reparsing is simpler than patching offsets.
func replaceOnce(t *testing.T, pdf []byte, old, new string) []byte {
	t.Helper()
	i := indexOf(pdf, old)
	require.GreaterOrEqual(t, i, 0)
	out := append(append(append([]byte(nil), pdf[:i]...), new...), pdf[i+len(old):]...)
	// qpdf repairs the now-wrong offsets; its output is a clean file.
	dst := writeTemp(t, "fixed.pdf", nil)
	cmd := exec.Command(testtool.Require(t, "qpdf"), writeTemp(t, "broken.pdf", out), dst)
	_ = cmd.Run() // exit status 3 = repaired with warnings
	b, err := os.ReadFile(dst)
	require.NoError(t, err)
	require.NotEmpty(t, b)
	return b
}
