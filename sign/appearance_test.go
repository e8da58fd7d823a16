package sign_test

// Visible signatures, checked with poppler (pdfsig, pdftoppm, pdftotext,
// pdffonts), qpdf and our own verifier.

import (
	"bytes"
	"context"
	"crypto/x509/pkix"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tamgasign/tamga/internal/pdf"
	"github.com/tamgasign/tamga/internal/pdftest"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/internal/testtool"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

const (
	signerName = "Айгүл Жеңишбековна Төлөгөнова" // ү ң ө
	signerOrg  = "Бишкек шаарынын мэриясы"
	allLetters = "ңөүәғқұһі ҢӨҮӘҒҚҰҺІ" // the letters Kyrgyz and Kazakh add
)

// stampRect is where the tests put the stamp on pdftest.OnePage's A4 page,
// whose only text is at the top left.
var stampRect = [4]float64{300, 80, 560, 180}

// kyrgyzSigner issues a certificate for signerName at signerOrg.
func kyrgyzSigner(t *testing.T, p *testpki.PKI, cn string) *testpki.Identity {
	t.Helper()
	id, err := p.Issue(testpki.LeafSpec{Subject: pkix.Name{
		CommonName: cn, Organization: []string{signerOrg}, Country: []string{"KG"},
	}})
	require.NoError(t, err)
	return id
}

// TestVisibleSignature signs a one-page PDF at B-LT with a Kyrgyz stamp and
// checks it with every tool at hand: qpdf finds no error, pdfsig and
// verify.PDF say the signature is valid, pdftoppm draws the stamp inside
// its rectangle and nothing outside, pdftotext reads the Kyrgyz text back
// from the rectangle, and pdffonts shows the font embedded as a subset.
func TestVisibleSignature(t *testing.T) {
	qpdf, pdfsig := testtool.Require(t, "qpdf"), testtool.Require(t, "pdfsig")
	pdftoppm, pdftotext, pdffonts := testtool.Require(t, "pdftoppm"), testtool.Require(t, "pdftotext"), testtool.Require(t, "pdffonts")
	srv, tsaURL := startPKI(t, testpki.ECDSAP256, nil)
	p := srv.PKI
	nss := nssTrust(t, testpki.CertPEM(p.Root.Cert))
	id := kyrgyzSigner(t, p, signerName)

	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "signed.pdf")
	require.NoError(t, os.WriteFile(in, pdftest.OnePage("Certificate of residence No. 0001234567"), 0o644))
	now := time.Now().Truncate(time.Second)
	signPDF(t, id, in, out, &sign.Options{Level: sign.LevelBLT, TSA: tsaURL, Roots: p.Roots(), Now: func() time.Time { return now }},
		&sign.PDFOptions{Reason: "Маалымкат берилди", Location: "Бишкек", Appearance: &sign.Appearance{
			Page: 1, Rect: stampRect, Labels: []string{"Кол койгон / Подписал / Signed by", allLetters},
		}})

	b, err := os.ReadFile(out)
	require.NoError(t, err)
	r, err := verify.PDF(context.Background(), bytes.NewReader(b), int64(len(b)), &verify.Policy{Roots: p.Roots()})
	require.NoError(t, err)
	require.Equal(t, verify.TotalPassed, r.Indication, "%+v", r.Signatures)

	o, err := exec.Command(qpdf, "--check", out).CombinedOutput()
	require.NoError(t, err, "qpdf --check: %s", o)
	require.Contains(t, string(o), "No syntax or stream encoding errors")

	o, err = exec.Command(pdfsig, "-nssdir", nss, out).CombinedOutput()
	require.NoError(t, err, "pdfsig: %s", o)
	require.Contains(t, string(o), "Signature Validation: Signature is Valid.")
	require.Contains(t, string(o), "Signer Certificate Common Name: "+signerName)

	// The stamp's text, read from its rectangle only (pdftotext crops in
	// pixels at 72 dpi, from the top left).
	o, err = exec.Command(pdftotext, "-layout", "-r", "72",
		"-x", ff(stampRect[0]), "-y", ff(842-stampRect[3]), "-W", ff(stampRect[2]-stampRect[0]), "-H", ff(stampRect[3]-stampRect[1]),
		out, "-").CombinedOutput()
	require.NoError(t, err, "pdftotext: %s", o)
	text := string(o)
	bishkek, err := time.LoadLocation("Asia/Bishkek")
	if err != nil {
		bishkek = time.FixedZone("+06", 6*3600)
	}
	for _, want := range []string{"Кол койгон / Подписал / Signed by", allLetters, signerName, signerOrg,
		now.In(bishkek).Format("2006-01-02 15:04") + " +06", "Маалымкат берилди", "Бишкек"} {
		assert.Contains(t, text, want)
	}
	assert.NotContains(t, text, "0001234567", "the crop should hold the stamp only")

	// The font: a CID TrueType subset, embedded, with a ToUnicode map.
	o, err = exec.Command(pdffonts, out).CombinedOutput()
	require.NoError(t, err, "pdffonts: %s", o)
	require.Regexp(t, regexp.MustCompile(`(?m)^[A-Z]{6}\+DejaVuSans\s+CID TrueType\s+Identity-H\s+yes\s+yes\s+yes\s`), string(o))

	// The rendering: dark pixels inside the rectangle, on the frame, and
	// none anywhere below the page's text line outside it.
	img := render(t, pdftoppm, out)
	inside, outside := 0, 0
	for y := 200; y < img.h; y++ { // below the page's own text, at the top
		for x := 0; x < img.w; x++ {
			if img.at(x, y) > 160 {
				continue
			}
			px, py := float64(x)+0.5, 842-float64(y)-0.5 // pixel centre in points
			if px >= stampRect[0] && px <= stampRect[2] && py >= stampRect[1] && py <= stampRect[3] {
				inside++
			} else {
				outside++
			}
		}
	}
	assert.Greater(t, inside, 500, "the stamp's text and frame")
	assert.Zero(t, outside, "nothing may be drawn outside the stamp's rectangle")
	// The frame runs along all four edges.
	for _, pt := range [][2]float64{{430, 80.4}, {430, 179.6}, {300.4, 130}, {559.6, 130}} {
		assert.Less(t, img.at(int(pt[0]), int(842-pt[1])), 200, "frame at %v", pt)
	}
}

// TestVisibleSignatureFit squeezes long text into a small stamp: the size
// shrinks to the minimum, lines end in "…", nothing is drawn outside the
// rectangle, and the PDF stays valid.
func TestVisibleSignatureFit(t *testing.T) {
	pdftoppm, pdftotext, qpdf := testtool.Require(t, "pdftoppm"), testtool.Require(t, "pdftotext"), testtool.Require(t, "qpdf")
	p := testpki.NewTest(t)
	id := kyrgyzSigner(t, p, strings.Repeat("Жеңишбекова Өмүрзакова ", 10))
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "signed.pdf")
	require.NoError(t, os.WriteFile(in, pdftest.OnePage("x"), 0o644))
	rect := [4]float64{40, 40, 200, 80}
	signPDF(t, id, in, out, nil, &sign.PDFOptions{Appearance: &sign.Appearance{Page: 1, Rect: rect}})

	o, err := exec.Command(qpdf, "--check", out).CombinedOutput()
	require.NoError(t, err, "qpdf --check: %s", o)
	o, err = exec.Command(pdftotext, "-layout", out, "-").CombinedOutput()
	require.NoError(t, err, "pdftotext: %s", o)
	require.Contains(t, string(o), "Жеңишбекова Өмүрзакова Жеңишбекова", "the name starts as it should")
	require.Contains(t, string(o), "…", "and is cut with an ellipsis")
	require.Contains(t, string(o), signerOrg, "the organisation fits at the minimum size")

	img := render(t, pdftoppm, out)
	inside := 0
	for y := 150; y < img.h; y++ { // below the page's own text
		for x := 0; x < img.w; x++ {
			if img.at(x, y) > 160 {
				continue
			}
			px, py := float64(x)+0.5, 842-float64(y)-0.5
			require.True(t, px >= rect[0] && px <= rect[2] && py >= rect[1] && py <= rect[3], "ink at %v,%v outside the stamp", px, py)
			inside++
		}
	}
	require.Greater(t, inside, 100)
}

// TestVisibleSignatureRotatedPage puts a stamp on a page shown rotated by
// 90 degrees: the text must read upright on screen (pdftotext sees it as
// horizontal lines in order) and stay inside the rectangle.
func TestVisibleSignatureRotatedPage(t *testing.T) {
	pdftotext, qpdf := testtool.Require(t, "pdftotext"), testtool.Require(t, "qpdf")
	p := testpki.NewTest(t)
	id := kyrgyzSigner(t, p, signerName)
	dir := t.TempDir()
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "signed.pdf")
	require.NoError(t, os.WriteFile(in, rotated(t, pdftest.OnePage(""), 90), 0o644))
	// In user space a tall, narrow box: on screen it is wide and low.
	signPDF(t, id, in, out, nil, &sign.PDFOptions{Appearance: &sign.Appearance{Page: 1, Rect: [4]float64{60, 300, 140, 560}}})
	o, err := exec.Command(qpdf, "--check", out).CombinedOutput()
	require.NoError(t, err, "qpdf --check: %s", o)
	o, err = exec.Command(pdftotext, "-layout", out, "-").CombinedOutput()
	require.NoError(t, err, "pdftotext: %s", o)
	lines := strings.Split(string(o), "\n")
	name, org := -1, -1
	for i, l := range lines {
		if strings.Contains(l, signerName) {
			name = i
		}
		if strings.Contains(l, signerOrg) {
			org = i
		}
	}
	require.True(t, name >= 0 && org == name+1, "the name and the organisation on consecutive upright lines:\n%s", o)
}

// TestAppearanceErrors: settings that cannot be drawn fail with an
// *AppearanceError naming the setting or character, before anything is
// written.
func TestAppearanceErrors(t *testing.T) {
	p := testpki.NewTest(t)
	good := kyrgyzSigner(t, p, signerName)
	chinese := kyrgyzSigner(t, p, "王小明")
	in := pdftest.OnePage("x")
	tests := []struct {
		name  string
		id    *testpki.Identity
		ap    sign.Appearance
		popts sign.PDFOptions
		field string
		rune  rune
	}{
		{"page 0", good, sign.Appearance{Page: 0, Rect: stampRect}, sign.PDFOptions{}, "Page", 0},
		{"page 2 of 1", good, sign.Appearance{Page: 2, Rect: stampRect}, sign.PDFOptions{}, "Page", 0},
		{"inverted", good, sign.Appearance{Page: 1, Rect: [4]float64{300, 180, 560, 80}}, sign.PDFOptions{}, "Rect", 0},
		{"NaN", good, sign.Appearance{Page: 1, Rect: [4]float64{math.NaN(), 80, 560, 180}}, sign.PDFOptions{}, "Rect", 0},
		{"outside the page", good, sign.Appearance{Page: 1, Rect: [4]float64{500, 80, 700, 180}}, sign.PDFOptions{}, "Rect", 0},
		{"below the page", good, sign.Appearance{Page: 1, Rect: [4]float64{300, -10, 560, 80}}, sign.PDFOptions{}, "Rect", 0},
		{"too low for the lines", good, sign.Appearance{Page: 1, Rect: [4]float64{300, 80, 560, 95}}, sign.PDFOptions{}, "Rect", 0},
		{"too many labels", good, sign.Appearance{Page: 1, Rect: stampRect, Labels: make([]string, 9)}, sign.PDFOptions{}, "Labels", 0},
		{"label the font lacks", good, sign.Appearance{Page: 1, Rect: stampRect, Labels: []string{"Signed by 签名"}}, sign.PDFOptions{}, "Labels[0]", '签'},
		{"name the font lacks", chinese, sign.Appearance{Page: 1, Rect: stampRect}, sign.PDFOptions{}, "signer name", '王'},
		{"reason the font lacks", good, sign.Appearance{Page: 1, Rect: stampRect}, sign.PDFOptions{Reason: "ok \uE000"}, "Reason", 0xE000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			popts := tt.popts
			popts.Appearance = &tt.ap
			out := &memPDF{}
			err := sign.PAdES(context.Background(), tt.id.Signer(), bytes.NewReader(in), int64(len(in)), out, nil, &popts)
			require.ErrorIs(t, err, sign.ErrAppearance)
			var ae *sign.AppearanceError
			require.ErrorAs(t, err, &ae)
			assert.Equal(t, tt.field, ae.Field, "%v", err)
			assert.Equal(t, tt.rune, ae.Rune, "%v", err)
			if tt.rune != 0 {
				assert.Contains(t, err.Error(), fmt.Sprintf("U+%04X", tt.rune))
			}
		})
	}
}

// TestVisibleSignatureInvisibleDefault: without an Appearance the widget
// has an empty rectangle and no appearance, as before.
func TestVisibleSignatureInvisibleDefault(t *testing.T) {
	p := testpki.NewTest(t)
	in := pdftest.OnePage("x")
	for _, ap := range []*sign.Appearance{nil, {Page: 1, Rect: stampRect}} {
		out := &memPDF{}
		require.NoError(t, sign.PAdES(context.Background(), p.Executor.Signer(), bytes.NewReader(in), int64(len(in)), out, nil, &sign.PDFOptions{Appearance: ap}))
		f, err := pdf.Open(bytes.NewReader(out.b), int64(len(out.b)), nil)
		require.NoError(t, err)
		fields, err := f.Fields(f.Latest())
		require.NoError(t, err)
		require.Len(t, fields, 1)
		w := fields[0].Dict
		if ap == nil {
			require.True(t, pdf.Equal(w.Get("Rect"), pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Int(0), pdf.Int(0)}))
			require.Nil(t, w.Get("AP"))
		} else {
			require.True(t, pdf.Equal(w.Get("Rect"), pdf.Array{pdf.Int(300), pdf.Int(80), pdf.Int(560), pdf.Int(180)}))
			require.NotNil(t, w.Get("AP"))
		}
		require.Equal(t, pdf.Int(132), w.Get("F"), "Print | Locked")
	}
}

// rotated returns doc with /Rotate set on its first page, as an
// incremental update.
func rotated(t *testing.T, doc []byte, deg int) []byte {
	t.Helper()
	f, err := pdf.Open(bytes.NewReader(doc), int64(len(doc)), nil)
	require.NoError(t, err)
	pages, err := f.Pages(f.Latest())
	require.NoError(t, err)
	u := f.Update()
	d := pages[0].Dict.Clone()
	d.Set("Rotate", pdf.Int(deg))
	require.NoError(t, u.Set(pages[0].Ref, d))
	var b bytes.Buffer
	_, err = u.Write(context.Background(), &b)
	require.NoError(t, err)
	return b.Bytes()
}

// gray is a rendered page, one byte a pixel.
type gray struct {
	w, h int
	pix  []byte
}

func (g *gray) at(x, y int) int {
	if x < 0 || y < 0 || x >= g.w || y >= g.h {
		return 255
	}
	return int(g.pix[y*g.w+x])
}

// render rasterises page 1 at 72 dpi in grey with pdftoppm (one pixel a
// point) and reads the PGM.
func render(t *testing.T, pdftoppm, file string) *gray {
	t.Helper()
	prefix := filepath.Join(t.TempDir(), "page")
	o, err := exec.Command(pdftoppm, "-gray", "-r", "72", "-f", "1", "-l", "1", "-singlefile", file, prefix).CombinedOutput()
	require.NoError(t, err, "pdftoppm: %s", o)
	b, err := os.ReadFile(prefix + ".pgm")
	require.NoError(t, err)
	// P5 <w> <h> <max>\n<pixels>
	fields := bytes.Fields(b[:min(len(b), 64)])
	require.GreaterOrEqual(t, len(fields), 4)
	require.Equal(t, "P5", string(fields[0]))
	w, _ := strconv.Atoi(string(fields[1]))
	h, _ := strconv.Atoi(string(fields[2]))
	require.Equal(t, "255", string(fields[3]))
	pix := b[len(b)-w*h:]
	require.Equal(t, 595, w)
	require.Equal(t, 842, h)
	return &gray{w, h, pix}
}

func ff(x float64) string { return strconv.Itoa(int(math.Round(x))) }

// BenchmarkPAdESVisible is BenchmarkPAdESOnePage with a Kyrgyz stamp: the
// difference is the appearance (layout, font subset, compression).
func BenchmarkPAdESVisible(b *testing.B) {
	p := testpki.NewTest(b)
	id, err := p.Issue(testpki.LeafSpec{Subject: pkix.Name{CommonName: signerName, Organization: []string{signerOrg}}})
	if err != nil {
		b.Fatal(err)
	}
	in := pdftest.OnePage("Certificate No. 20261123000417")
	k := id.Signer()
	popts := &sign.PDFOptions{Reason: "Маалымкат", Appearance: &sign.Appearance{Page: 1, Rect: stampRect, Labels: []string{"Кол койгон / Подписал / Signed by"}}}
	b.ReportAllocs()
	for b.Loop() {
		out := &memPDF{}
		if err := sign.PAdES(context.Background(), k, bytes.NewReader(in), int64(len(in)), out, nil, popts); err != nil {
			b.Fatal(err)
		}
	}
}
