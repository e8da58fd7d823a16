package pdfdoc

// This file holds page layout with fpdf: the result document's page, the
// barcodes (drawn as vector paths, so they print sharp at any resolution),
// and the captions in the four languages.

import (
	"bytes"
	"image"
	"strconv"
	"strings"
	"time"

	"codeberg.org/go-pdf/fpdf"

	"github.com/tamgasign/tamga/barcode"
)

const (
	ptPerMM  = 72 / 25.4
	family   = "DejaVuSans"
	marginL  = 20.0
	marginR  = 20.0
	contentW = pageW - marginL - marginR
)

// captions are the fixed texts of a result document, per language.
type captions struct {
	number, date, signed, verify, verifyAt string
}

var captionsByLang = map[string]captions{
	"ky": {
		number:   "Документтин №",
		date:     "Берилген күнү",
		signed:   "Квалификацияланган электрондук кол тамга менен кол коюлган",
		verify:   "Документтин аныктыгын текшерүү үчүн QR-кодду сканерлеңиз же документтин номерин порталга киргизиңиз.",
		verifyAt: "Документтин аныктыгын текшерүү үчүн QR-кодду сканерлеңиз же документтин номерин бул даректе киргизиңиз: ",
	},
	"ru": {
		number:   "Документ №",
		date:     "Дата выдачи",
		signed:   "Подписано квалифицированной электронной подписью",
		verify:   "Для проверки подлинности документа отсканируйте QR-код или введите номер документа на портале.",
		verifyAt: "Для проверки подлинности документа отсканируйте QR-код или введите номер документа на сайте ",
	},
	"kk": {
		number:   "Құжат №",
		date:     "Берілген күні",
		signed:   "Білікті электрондық қолтаңбамен қол қойылған",
		verify:   "Құжаттың түпнұсқалығын тексеру үшін QR-кодты сканерлеңіз немесе құжат нөмірін порталға енгізіңіз.",
		verifyAt: "Құжаттың түпнұсқалығын тексеру үшін QR-кодты сканерлеңіз немесе құжат нөмірін мына мекенжайда енгізіңіз: ",
	},
	"en": {
		number:   "Document No.",
		date:     "Date of issue",
		signed:   "Signed with a qualified electronic signature",
		verify:   "To check that this document is authentic, scan the QR code or enter the document number on the portal.",
		verifyAt: "To check that this document is authentic, scan the QR code or enter the document number at ",
	},
}

// newFpdf returns an fpdf document in millimetres with the embedded fonts
// registered and every time-dependent or map-ordered output fixed, so the
// same input gives the same bytes.
func newFpdf(init *fpdf.InitType, created time.Time, bold bool) (*fpdf.Fpdf, error) {
	pdf := fpdf.NewCustom(init)
	pdf.SetCatalogSort(true)
	pdf.SetCreationDate(created)
	pdf.SetModificationDate(created)
	pdf.SetCompression(true)
	pdf.SetAutoPageBreak(false, 0)
	pdf.SetMargins(0, 0, 0)
	pdf.SetCellMargin(0)
	pdf.AddUTF8FontFromBytes(family, "", fontRegular)
	if bold {
		// fpdf parses a font when it is added, used or not; the stamp
		// overlay prints only digits in the regular face.
		pdf.AddUTF8FontFromBytes(family, "B", fontBold)
	}
	if err := pdf.Error(); err != nil {
		return nil, err
	}
	return pdf, nil
}

// renderDocument lays out a filled template on one A4 page.
func renderDocument(f *filled, qrText string, created time.Time) ([]byte, error) {
	t := f.t
	cap := captionsByLang[t.lang]
	pdf, err := newFpdf(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"}, created, true)
	if err != nil {
		return nil, err
	}
	pdf.SetTitle(f.title, true)
	pdf.AddPage()
	pdf.SetTextColor(0, 0, 0)

	// Header: logo on the left, agency name and address centred in the
	// remaining width, a double rule under them.
	y := 15.0
	x, w := marginL, contentW
	logoBottom := y
	if t.logo != nil {
		lh := 22.0
		lw := lh * float64(t.logoW) / float64(t.logoH)
		if lw > 40 {
			lw, lh = 40, 40*float64(t.logoH)/float64(t.logoW)
		}
		opt := fpdf.ImageOptions{ImageType: t.logoType}
		pdf.RegisterImageOptionsReader("logo", opt, bytes.NewReader(t.logo))
		pdf.ImageOptions("logo", marginL, y, lw, lh, false, opt, 0, "")
		x, w = marginL+lw+4, contentW-lw-4
		logoBottom = y + lh
	}
	pdf.SetFont(family, "B", 12)
	pdf.SetXY(x, y)
	pdf.MultiCell(w, 5.5, t.agencyName, "", "C", false)
	if t.agencyAddr != "" {
		pdf.SetFont(family, "", 8.5)
		pdf.SetTextColor(70, 70, 70)
		pdf.SetX(x)
		pdf.MultiCell(w, 4.2, t.agencyAddr, "", "C", false)
		pdf.SetTextColor(0, 0, 0)
	}
	y = max(pdf.GetY(), logoBottom) + 3
	pdf.SetLineWidth(0.6)
	pdf.Line(marginL, y, pageW-marginR, y)
	pdf.SetLineWidth(0.2)
	pdf.Line(marginL, y+1, pageW-marginR, y+1)

	// Title.
	pdf.SetFont(family, "B", 15)
	pdf.SetXY(marginL, y+9)
	pdf.MultiCell(contentW, 7, f.title, "", "C", false)
	if f.subtitle != "" {
		pdf.SetFont(family, "", 11.5)
		pdf.SetX(marginL)
		pdf.MultiCell(contentW, 5.5, f.subtitle, "", "C", false)
	}

	// Number and date.
	y = pdf.GetY() + 6
	pdf.SetFont(family, "", 10)
	pdf.SetXY(marginL, y)
	pdf.CellFormat(contentW/2, 5, cap.number+" "+f.number, "", 0, "L", false, 0, "")
	pdf.CellFormat(contentW/2, 5, cap.date+": "+f.date, "", 0, "R", false, 0, "")
	y += 9

	// The fields: a two-column table, labels shaded.
	const labelW, pad, lineH = 62.0, 1.6, 4.6
	pdf.SetDrawColor(150, 150, 150)
	pdf.SetLineWidth(0.2)
	pdf.SetFillColor(240, 240, 240)
	for _, row := range f.rows {
		pdf.SetFont(family, "", 9)
		ll := pdf.SplitText(row[0], labelW-2*pad)
		pdf.SetFont(family, "B", 10)
		vl := pdf.SplitText(row[1], contentW-labelW-2*pad)
		h := float64(max(len(ll), len(vl), 1))*lineH + 2*pad
		pdf.Rect(marginL, y, labelW, h, "FD")
		pdf.Rect(marginL+labelW, y, contentW-labelW, h, "D")
		pdf.SetFont(family, "", 9)
		pdf.SetTextColor(60, 60, 60)
		for i, l := range ll {
			pdf.SetXY(marginL+pad, y+pad+float64(i)*lineH)
			pdf.CellFormat(labelW-2*pad, lineH, l, "", 0, "L", false, 0, "")
		}
		pdf.SetFont(family, "B", 10)
		pdf.SetTextColor(0, 0, 0)
		for i, l := range vl {
			pdf.SetXY(marginL+labelW+pad, y+pad+float64(i)*lineH)
			pdf.CellFormat(contentW-labelW-2*pad, lineH, l, "", 0, "L", false, 0, "")
		}
		y += h
	}
	pdf.SetDrawColor(0, 0, 0)

	// Free text.
	y += 6
	pdf.SetFont(family, "", 10.5)
	for _, p := range f.paragraphs {
		pdf.SetXY(marginL, y)
		pdf.MultiCell(contentW, 5.4, p, "", "J", false)
		y = pdf.GetY() + 2.5
	}

	// Signature block: position left, name right, the e-signature note
	// under the position.
	y += 8
	pdf.SetFont(family, "B", 10.5)
	pdf.SetXY(marginL, y)
	posLines := pdf.SplitText(f.sigPos, contentW*0.6)
	for i, l := range posLines {
		pdf.SetXY(marginL, y+float64(i)*5)
		pdf.CellFormat(contentW*0.6, 5, l, "", 0, "L", false, 0, "")
	}
	pdf.SetXY(marginL+contentW*0.6, y+float64(len(posLines)-1)*5)
	pdf.CellFormat(contentW*0.4, 5, f.sigName, "", 0, "R", false, 0, "")
	y += float64(len(posLines))*5 + 1
	pdf.SetFont(family, "", 8)
	pdf.SetTextColor(70, 70, 70)
	pdf.SetXY(marginL, y)
	pdf.CellFormat(contentW, 4, cap.signed, "", 0, "L", false, 0, "")

	// How to verify.
	y += 7
	note := cap.verify
	if t.verifyURL != "" {
		note = cap.verifyAt + t.verifyURL
	}
	pdf.SetXY(marginL, y)
	pdf.MultiCell(contentW, 3.8, note, "", "L", false)
	pdf.SetTextColor(0, 0, 0)
	y = pdf.GetY()

	limit := min(t.qr.y, t.code.y) - 3
	if y > limit {
		return nil, &pdfError{ErrLayout, "the text ends " + strconv.FormatFloat(y-limit, 'f', 0, 64) + " mm below the top of the barcodes", nil}
	}
	if err := drawBarcodes(pdf, pageH, qrText, f.number, t.qr, t.code); err != nil {
		return nil, err
	}
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// Minimum module widths: below these, print and 150 dpi scans stop being
// reliable.
const (
	minQRModule   = 0.33 // mm
	minCodeModule = 0.25 // mm
)

// drawBarcodes draws the QR code, the Code 128 symbol and the number under
// it on pdf's current page; boxes are in mm from the top-left corner of a
// page hMM tall.
func drawBarcodes(pdf *fpdf.Fpdf, hMM float64, qrText, number string, qr, code box) error {
	q, err := barcode.EncodeQR(qrText, &barcode.Options{ModuleSize: 1, Level: barcode.LevelQ})
	if err != nil {
		return &pdfError{ErrOptions, "QR text", err}
	}
	if m := qr.w / float64(q.Image.Bounds().Dx()); m < minQRModule {
		return errOpt("the QR text needs a QR code of at least " +
			strconv.FormatFloat(minQRModule*float64(q.Image.Bounds().Dx())+0.5, 'f', 0, 64) + " mm; shorten the text or enlarge the QR box")
	}
	c, err := barcode.EncodeCode128(number, &barcode.Options{ModuleSize: 1, BarHeight: 1})
	if err != nil {
		return &pdfError{ErrOptions, "document number", err}
	}
	cw := c.Image.Bounds().Dx()
	if m := code.w / float64(cw); m < minCodeModule {
		return errOpt("the number needs a Code 128 box at least " +
			strconv.FormatFloat(minCodeModule*float64(cw)+0.5, 'f', 0, 64) + " mm wide")
	}
	var ops strings.Builder
	ops.WriteString("q 0 g\n")
	// QR: every dark module, one rectangle per horizontal run, all in a
	// single path so renderers leave no hairline seams between modules.
	img := q.Image
	n := img.Bounds().Dx()
	mod := qr.w / float64(n)
	for row := 0; row < img.Bounds().Dy(); row++ {
		runs(img, row, func(x0, x1 int) {
			rect(&ops, qr.x+float64(x0)*mod, qr.y+float64(row)*mod, float64(x1-x0)*mod, mod, hMM)
		})
	}
	// Code 128: one row through the bars, drawn the full box height; the
	// symbol's quiet zones are inside the box.
	cmod := code.w / float64(cw)
	runs(c.Image, c.Image.Bounds().Dy()/2, func(x0, x1 int) {
		rect(&ops, code.x+float64(x0)*cmod, code.y, float64(x1-x0)*cmod, code.h, hMM)
	})
	ops.WriteString("f\nQ")
	pdf.RawWriteStr(ops.String())

	pdf.SetFont(family, "", 10)
	pdf.SetTextColor(0, 0, 0)
	pdf.SetXY(code.x, code.y+code.h+0.4)
	pdf.CellFormat(code.w, numberGap-0.8, number, "", 0, "C", false, 0, "")
	return pdf.Error()
}

// runs calls fn for each run of dark pixels [x0, x1) in a row.
func runs(img *image.Paletted, row int, fn func(x0, x1 int)) {
	b := img.Bounds()
	start := -1
	for x := b.Min.X; x <= b.Max.X; x++ {
		dark := x < b.Max.X && img.ColorIndexAt(x, b.Min.Y+row) == 1
		switch {
		case dark && start < 0:
			start = x - b.Min.X
		case !dark && start >= 0:
			fn(start, x-b.Min.X)
			start = -1
		}
	}
}

// rect appends a rectangle given in mm from the top-left corner as a PDF
// "re" operator in points from the bottom-left corner.
func rect(b *strings.Builder, x, y, w, h, hMM float64) {
	for _, v := range []float64{x * ptPerMM, (hMM - y - h) * ptPerMM, w * ptPerMM, h * ptPerMM} {
		b.WriteString(strconv.FormatFloat(v, 'f', 3, 64))
		b.WriteByte(' ')
	}
	b.WriteString("re\n")
}
