package pdfdoc

// This file holds Stamp: placing the QR code and the Code 128 number on
// pages of an existing PDF, and embedding the data file.

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"strconv"
	"time"

	"codeberg.org/go-pdf/fpdf"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Rect is a rectangle on a page in millimetres, measured from the top-left
// corner of the page as it is displayed (after the page's /Rotate).
type Rect struct {
	X, Y, W, H float64
}

// StampOptions say what to put on which pages.
type StampOptions struct {
	// QRText is what the QR code holds: the seal or a verification URL.
	// Required.
	QRText string

	// Number is the document number, digits only, printed as Code 128
	// with the digits under it. Required.
	Number string

	// Pages are the 1-based numbers of the pages to stamp. Nil means the
	// first page.
	Pages []int

	// QR is where the QR code goes; H must be 0 or equal to W. The zero
	// value puts a 30 mm code 10 mm from the bottom-left corner.
	QR Rect

	// Code128 is where the barcode goes; the number is printed in the 5 mm
	// under it. The zero value puts a 60x12 mm barcode 10 mm from the
	// bottom-right corner.
	Code128 Rect

	// Attachment, if not nil, is embedded as an associated data file.
	Attachment *Attachment

	// Time is the embedded file's default modification time. Zero means
	// time.Now().
	Time time.Time
}

// maxStampPages bounds the work one call can ask for.
const maxStampPages = 1000

// Stamp returns a copy of pdf with the QR code and Code 128 barcode drawn
// on the chosen pages and, if given, the attachment embedded. The page
// content is left as it was: the barcodes are a form XObject painted on
// top, after the page's own drawing state has been restored.
//
// The file is rewritten as one revision, so an input with signatures is
// refused (ErrSigned), and so is an encrypted one (ErrEncrypted). The
// output is PDF/A-3 only if the input already was PDF/A-2 or -3 and an
// attachment is allowed by its claimed part; Stamp does not add PDF/A
// metadata to a document it did not create.
func Stamp(ctx context.Context, pdf []byte, opts *StampOptions) (out []byte, err error) {
	// pdfcpu decodes objects lazily, so its parser also runs while pages
	// are looked up; a panic there on hostile input becomes ErrPDF.
	defer func() {
		if r := recover(); r != nil {
			out, err = nil, errPDF(fmt.Sprint("damaged object: ", r), nil)
		}
	}()
	if opts == nil || opts.QRText == "" || opts.Number == "" {
		return nil, errOpt("QRText and Number are required")
	}
	if opts.Attachment != nil {
		if err := opts.Attachment.check(); err != nil {
			return nil, err
		}
	}
	c, err := readPDF(ctx, pdf)
	if err != nil {
		return nil, err
	}
	if signed(c) {
		return nil, ErrSigned
	}
	pages := opts.Pages
	if pages == nil {
		pages = []int{1}
	}
	if len(pages) == 0 || len(pages) > maxStampPages {
		return nil, errOpt("Pages must list 1-" + strconv.Itoa(maxStampPages) + " pages")
	}
	seen := map[int]bool{}
	for _, p := range pages {
		if p < 1 || p > c.PageCount {
			return nil, errOpt("page " + strconv.Itoa(p) + " does not exist; the document has " + strconv.Itoa(c.PageCount))
		}
		if seen[p] {
			return nil, errOpt("page " + strconv.Itoa(p) + " is listed twice")
		}
		seen[p] = true
	}
	now := opts.Time
	if now.IsZero() {
		now = time.Now()
	}
	now = now.Truncate(time.Second)

	targets := make([]*stampPage, len(pages))
	for i, p := range pages {
		if targets[i], err = preparePage(c, p, opts); err != nil {
			return nil, err
		}
	}
	overlay, err := renderOverlay(targets, opts, now)
	if err != nil {
		return nil, err
	}
	oc, err := readPDF(ctx, overlay)
	if err != nil {
		return nil, err
	}
	cp := &copier{src: oc, dst: c, done: map[int]types.IndirectRef{}}
	for i, t := range targets {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := applyStamp(c, cp, t, i+1); err != nil {
			return nil, err
		}
	}
	if opts.Attachment != nil {
		if err := embed(c, opts.Attachment, now); err != nil {
			return nil, err
		}
	}
	return writePDF(ctx, c, firstID(c))
}

// stampPage is a page to stamp, with its geometry.
type stampPage struct {
	dict     types.Dict
	res      types.Dict       // effective resources, possibly inherited
	box      *types.Rectangle // visible area in user space
	rotate   int              // 0, 90, 180 or 270
	w, h     float64          // displayed size, mm
	qr, code box
}

func preparePage(c *model.Context, n int, opts *StampOptions) (*stampPage, error) {
	d, _, inh, err := c.PageDict(n, false)
	if err != nil || d == nil || inh == nil {
		return nil, errPDF("page "+strconv.Itoa(n), err)
	}
	vis := inh.MediaBox
	if inh.CropBox != nil {
		vis = inh.CropBox
	}
	if vis == nil || vis.Width() <= 0 || vis.Height() <= 0 {
		return nil, errPDF("page "+strconv.Itoa(n)+" has no usable media box", nil)
	}
	r := ((inh.Rotate % 360) + 360) % 360
	if r%90 != 0 {
		return nil, errPDF("page "+strconv.Itoa(n)+" has /Rotate "+strconv.Itoa(inh.Rotate), nil)
	}
	p := &stampPage{dict: d, res: inh.Resources, box: vis, rotate: r, w: vis.Width() / ptPerMM, h: vis.Height() / ptPerMM}
	if r == 90 || r == 270 {
		p.w, p.h = p.h, p.w
	}
	p.qr = box{opts.QR.X, opts.QR.Y, opts.QR.W, opts.QR.W}
	if opts.QR == (Rect{}) {
		p.qr = box{10, p.h - 40, 30, 30}
	} else if opts.QR.H != 0 && opts.QR.H != opts.QR.W {
		return nil, errOpt("QR must be square: set H to 0 or to W")
	}
	p.code = box{opts.Code128.X, opts.Code128.Y, opts.Code128.W, opts.Code128.H}
	if opts.Code128 == (Rect{}) {
		p.code = box{p.w - 70, p.h - 10 - numberGap - 12, 60, 12}
	}
	for _, b := range []struct {
		name  string
		b     box
		extra float64
	}{{"QR", p.qr, 0}, {"Code128", p.code, numberGap}} {
		if !(b.b.w > 0 && b.b.h > 0) || b.b.x < 0 || b.b.y < 0 || b.b.x+b.b.w > p.w || b.b.y+b.b.h+b.extra > p.h ||
			math.IsNaN(b.b.x+b.b.y+b.b.w+b.b.h) {
			return nil, errOpt(b.name + " box does not fit on page " + strconv.Itoa(n) +
				fmt.Sprintf(" (%.0fx%.0f mm as displayed)", p.w, p.h))
		}
	}
	withNumber := p.code
	withNumber.h += numberGap
	if p.qr.overlaps(withNumber) {
		return nil, errOpt("the QR and Code128 boxes overlap")
	}
	return p, nil
}

// renderOverlay draws the barcodes of every target page, one overlay page
// each, in the page's displayed size.
func renderOverlay(targets []*stampPage, opts *StampOptions, now time.Time) ([]byte, error) {
	pdf, err := newFpdf(&fpdf.InitType{OrientationStr: "P", UnitStr: "mm", SizeStr: "A4"}, now, false)
	if err != nil {
		return nil, err
	}
	for _, t := range targets {
		pdf.AddPageFormat("P", fpdf.SizeType{Wd: t.w, Ht: t.h})
		if err := drawBarcodes(pdf, t.h, opts.QRText, opts.Number, t.qr, t.code); err != nil {
			return nil, err
		}
	}
	var out bytes.Buffer
	if err := pdf.Output(&out); err != nil {
		return nil, err
	}
	return out.Bytes(), nil
}

// applyStamp turns overlay page n into a form XObject and paints it on the
// target page: the page's contents become [q, old contents..., Q + form].
// The q/Q pair protects the stamp from a graphics state the old content
// leaves changed.
func applyStamp(c *model.Context, cp *copier, t *stampPage, n int) error {
	od, _, oinh, err := cp.src.PageDict(n, false)
	if err != nil || od == nil {
		return errPDF("overlay page", err)
	}
	csd, _, err := cp.src.DereferenceStreamDict(od["Contents"])
	if err != nil || csd == nil {
		return errPDF("overlay content", err)
	}
	res, err := cp.copy(oinh.Resources, 0)
	if err != nil {
		return err
	}
	form := types.NewDict()
	form.Insert("Type", types.Name("XObject"))
	form.Insert("Subtype", types.Name("Form"))
	form.Insert("BBox", types.Array{types.Integer(0), types.Integer(0),
		types.Float(t.w * ptPerMM), types.Float(t.h * ptPerMM)})
	form.Insert("Resources", res)
	if f, found := csd.Dict.Find("Filter"); found {
		form.Insert("Filter", f)
	}
	formRef, err := newRawStream(c, form, csd.Raw)
	if err != nil {
		return err
	}

	// Resources: the page's effective (possibly inherited) dictionary,
	// copied onto the page so a shared dictionary is not changed.
	pres := types.NewDict()
	if t.res != nil {
		pres = t.res.Clone().(types.Dict)
	}
	xo := types.NewDict()
	if o, found := pres.Find("XObject"); found {
		d, err := c.DereferenceDict(o)
		if err != nil {
			return errPDF("page /XObject", err)
		}
		if d != nil {
			xo = d.Clone().(types.Dict)
		}
	}
	name := "TamgaStamp"
	for i := 1; ; i++ {
		if _, taken := xo.Find(name); !taken {
			break
		}
		name = "TamgaStamp" + strconv.Itoa(i)
	}
	xo.Insert(name, *formRef)
	pres.Update("XObject", xo)
	t.dict.Update("Resources", pres)

	// Contents.
	var contents types.Array
	if o, found := t.dict.Find("Contents"); found {
		o, err := c.Dereference(o)
		if err != nil {
			return errPDF("page /Contents", err)
		}
		switch v := o.(type) {
		case types.Array:
			contents = append(contents, v...)
		case types.StreamDict:
			contents = append(contents, t.dict["Contents"])
		case nil:
		default:
			return errPDF("page /Contents is not a stream or array", nil)
		}
	}
	pre, err := newStream(c, types.NewDict(), []byte("q\n"))
	if err != nil {
		return err
	}
	post, err := newStream(c, types.NewDict(), []byte("\nQ\nq "+placement(t)+" cm /"+name+" Do Q\n"))
	if err != nil {
		return err
	}
	t.dict.Update("Contents", append(append(types.Array{*pre}, contents...), *post))
	return nil
}

// placement is the matrix from the overlay's space (points, origin at the
// bottom-left of the page as displayed) to the page's user space, for each
// /Rotate (the page is turned clockwise for display).
func placement(t *stampPage) string {
	b := t.box
	var m [6]float64
	switch t.rotate {
	case 0:
		m = [6]float64{1, 0, 0, 1, b.LL.X, b.LL.Y}
	case 90:
		m = [6]float64{0, 1, -1, 0, b.UR.X, b.LL.Y}
	case 180:
		m = [6]float64{-1, 0, 0, -1, b.UR.X, b.UR.Y}
	case 270:
		m = [6]float64{0, -1, 1, 0, b.LL.X, b.UR.Y}
	}
	s := ""
	for i, v := range m {
		if i > 0 {
			s += " "
		}
		s += strconv.FormatFloat(v, 'f', -1, 64)
	}
	return s
}

// signed reports whether the document has a filled signature field or
// signature flags set, bounded to the top-level fields.
func signed(c *model.Context) bool {
	cat, err := c.Catalog()
	if err != nil {
		return false
	}
	if _, found := cat.Find("Perms"); found {
		return true
	}
	af, err := c.DereferenceDict(cat["AcroForm"])
	if err != nil || af == nil {
		return false
	}
	if f, err := c.DereferenceInteger(af["SigFlags"]); err == nil && f != nil && *f&1 != 0 {
		return true
	}
	fields, err := c.DereferenceArray(af["Fields"])
	if err != nil {
		return false
	}
	for i, fo := range fields {
		if i > 10000 {
			break
		}
		fd, err := c.DereferenceDict(fo)
		if err != nil || fd == nil {
			continue
		}
		if ft := fd.NameEntry("FT"); ft != nil && *ft == "Sig" {
			if _, found := fd.Find("V"); found {
				return true
			}
		}
	}
	return false
}

// copier copies objects from the overlay PDF into the target, each
// indirect object once (the font shared by all overlay pages stays one
// font in the target).
type copier struct {
	src, dst *model.Context
	done     map[int]types.IndirectRef
}

func (cp *copier) copy(o types.Object, depth int) (types.Object, error) {
	if depth > 32 {
		return nil, errPDF("overlay objects nested too deeply", nil)
	}
	switch v := o.(type) {
	case types.IndirectRef:
		if r, ok := cp.done[v.ObjectNumber.Value()]; ok {
			return r, nil
		}
		obj, err := cp.src.Dereference(v)
		if err != nil {
			return nil, errPDF("overlay object", err)
		}
		// Reserve the number first so that cycles terminate.
		ref, err := cp.dst.IndRefForNewObject(types.Integer(0))
		if err != nil {
			return nil, err
		}
		cp.done[v.ObjectNumber.Value()] = *ref
		c, err := cp.copy(obj, depth+1)
		if err != nil {
			return nil, err
		}
		cp.dst.Table[ref.ObjectNumber.Value()].Object = c
		return *ref, nil
	case types.Dict:
		d := types.NewDict()
		for k, e := range v {
			c, err := cp.copy(e, depth+1)
			if err != nil {
				return nil, err
			}
			d[k] = c
		}
		return d, nil
	case types.Array:
		a := make(types.Array, len(v))
		for i, e := range v {
			c, err := cp.copy(e, depth+1)
			if err != nil {
				return nil, err
			}
			a[i] = c
		}
		return a, nil
	case types.StreamDict:
		d, err := cp.copy(v.Dict, depth+1)
		if err != nil {
			return nil, err
		}
		dd := d.(types.Dict)
		dd.Update("Length", types.Integer(len(v.Raw)))
		return types.StreamDict{Dict: dd, Raw: v.Raw}, nil
	default:
		return o, nil
	}
}
