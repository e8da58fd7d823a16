package sign

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/tamgasign/tamga/internal/cms"
	"github.com/tamgasign/tamga/internal/pdf"
)

// PAdES writer: the signature goes into an incremental update appended to
// the original bytes (ISO 32000-1 §12.8, ETSI EN 319 142-1), so earlier
// revisions and their signatures stay untouched. The update adds a
// signature dictionary (/SubFilter /ETSI.CAdES.detached) with placeholders
// for /ByteRange and /Contents, an invisible signature field and widget on
// the first page, and the field in the AcroForm. The file is written once,
// the byte ranges are hashed from the output as it streams, and the two
// placeholders are patched in place: a 500 MB PDF is never held in memory.
//
// github.com/digitorus/pdfsign would do this, but cannot be obtained here;
// the reading and writing is internal/pdf's, which reads the exact
// revision structure that the verifier must also see.

// PDFOutput is where a signed PDF is written: written in order, then
// patched and read back in place. *os.File is one.
type PDFOutput interface {
	io.Writer
	io.WriterAt
	io.ReaderAt
}

// PDFOptions are the PAdES-specific settings; Options gives the rest
// (level, hash, TSA, ...).
type PDFOptions struct {
	// FieldName is the signature field's name; default "Signature<n>".
	FieldName string
	// Reason, Location and ContactInfo go into the signature dictionary.
	Reason, Location, ContactInfo string
	// Reserve is the room, in bytes, for the CMS signature; default: an
	// estimate from the certificates and the level. Signing fails with
	// ErrReserveTooSmall when the signature does not fit.
	Reserve int
}

// ErrReserveTooSmall means the CMS signature did not fit in the space
// reserved for it; sign again with a larger PDFOptions.Reserve.
var ErrReserveTooSmall = errors.New("sign: the signature is larger than the space reserved for it in the PDF; set a larger PDFOptions.Reserve")

// PAdES signs the PDF in (size bytes) and writes the signed PDF to out:
// the original bytes, then an incremental update with the signature. Levels
// B-B and B-T are made here.
func PAdES(ctx context.Context, signer Signer, in io.ReaderAt, size int64, out PDFOutput, opts *Options, popts *PDFOptions) error {
	if opts == nil {
		opts = &Options{}
	}
	if popts == nil {
		popts = &PDFOptions{}
	}
	level := opts.level()
	switch level {
	case LevelBB, LevelBT:
	default:
		return fmt.Errorf("sign: PAdES level %s is not implemented yet; use B-B or B-T", level)
	}
	if level != LevelBB && opts.TSA == "" {
		return ErrTSARequired
	}
	f, err := pdf.Open(in, size, nil)
	if err != nil {
		return fmt.Errorf("sign: reading the PDF: %w", err)
	}
	reserve := popts.Reserve
	if reserve == 0 {
		reserve = estimateReserve(signer, level)
	}

	u := f.Update()
	sigDict := pdf.NewDict()
	sigDict.Set("Type", pdf.Name("Sig"))
	sigDict.Set("Filter", pdf.Name("Adobe.PPKLite"))
	sigDict.Set("SubFilter", pdf.Name("ETSI.CAdES.detached"))
	sigDict.Set("ByteRange", pdf.Placeholder{Name: "br", Kind: pdf.PlaceholderByteRange})
	sigDict.Set("Contents", pdf.Placeholder{Name: "contents", Kind: pdf.PlaceholderHex, Size: reserve})
	// PAdES puts the claimed signing time in /M, not in a signed attribute
	// (ETSI EN 319 142-1 §6.3).
	sigDict.Set("M", pdf.String{Value: []byte(pdfDate(opts.now()))})
	for _, e := range []struct {
		key pdf.Name
		val string
	}{{"Reason", popts.Reason}, {"Location", popts.Location}, {"ContactInfo", popts.ContactInfo}} {
		if e.val != "" {
			sigDict.Set(e.key, pdf.String{Value: utf16Text(e.val)})
		}
	}
	sigRef := u.Add(sigDict)
	if err := addSignatureField(f, u, sigRef, popts.FieldName); err != nil {
		return err
	}

	res, err := u.Write(ctx, out)
	if err != nil {
		return fmt.Errorf("sign: writing the PDF: %w", err)
	}
	contents, brSpan := res.Placeholders["contents"], res.Placeholders["br"]
	br := [4]int64{0, contents.Start, contents.End, res.Size - contents.End}
	brBytes, err := pdf.FormatByteRange(brSpan, br)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	if _, err := out.WriteAt(brBytes, brSpan.Start); err != nil {
		return fmt.Errorf("sign: writing the PDF: %w", err)
	}

	// Hash everything but the /Contents hole, straight from the output.
	h := opts.hash()
	hh := h.New()
	for _, r := range [][2]int64{{br[0], br[1]}, {br[2], br[2] + br[3]}} {
		if _, err := io.Copy(hh, contextReader{ctx, io.NewSectionReader(out, r[0], r[1])}); err != nil {
			return fmt.Errorf("sign: reading back the PDF: %w", err)
		}
	}
	digest := hh.Sum(nil)

	sd, err := cms.Sign(ctx, signer, signer.Certificate(), digest, &cms.SignOptions{
		Hash:         h,
		PSS:          opts.PSS,
		Certificates: signer.Chain(),
	})
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	if err := extend(ctx, sd, signer.Certificate(), digest, level, opts); err != nil {
		return err
	}
	der, err := sd.Marshal()
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	hex, err := pdf.FormatHex(contents, der)
	if errors.Is(err, pdf.ErrLimit) {
		return fmt.Errorf("%w (%d bytes needed, %d reserved)", ErrReserveTooSmall, len(der), reserve)
	}
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}
	if _, err := out.WriteAt(hex, contents.Start); err != nil {
		return fmt.Errorf("sign: writing the PDF: %w", err)
	}
	return nil
}

// estimateReserve sizes /Contents: the certificates embedded, the
// signature, the signed attributes, and a time-stamp token with its
// authority's certificates for B-T; doubled margins are cheap next to a
// failed signature.
func estimateReserve(signer Signer, level Level) int {
	n := 2048 + len(signer.Certificate().Raw)
	for _, c := range signer.Chain() {
		n += len(c.Raw)
	}
	if level != LevelBB {
		n += 12 << 10
	}
	return n
}

// addSignatureField adds an invisible signature field whose widget sits
// on the first page, and lists it in the AcroForm (created if needed) with
// SigFlags 3 (signatures exist, append only).
func addSignatureField(f *pdf.File, u *pdf.Updater, sigRef pdf.Ref, name string) error {
	latest := f.Latest()
	catalog, catRef, err := f.Catalog(latest)
	if err != nil {
		return fmt.Errorf("sign: reading the PDF catalog: %w", err)
	}
	pages, err := f.Pages(latest)
	if err != nil {
		return fmt.Errorf("sign: reading the PDF pages: %w", err)
	}
	if len(pages) == 0 {
		return fmt.Errorf("sign: the PDF has no pages")
	}
	fields, err := f.Fields(latest)
	if err != nil {
		return fmt.Errorf("sign: reading the PDF form: %w", err)
	}
	if name == "" {
		name = fmt.Sprintf("Signature%d", len(fields)+1)
	}
	for _, fl := range fields {
		if fl.Name == name {
			return fmt.Errorf("sign: the PDF already has a field named %q; choose another FieldName", name)
		}
	}

	page := pages[0]
	widget := pdf.NewDict()
	widget.Set("Type", pdf.Name("Annot"))
	widget.Set("Subtype", pdf.Name("Widget"))
	widget.Set("FT", pdf.Name("Sig"))
	widget.Set("T", pdf.String{Value: utf16Text(name)})
	widget.Set("V", sigRef)
	widget.Set("Rect", pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Int(0), pdf.Int(0)})
	widget.Set("F", pdf.Int(132)) // Print | Locked
	widget.Set("P", page.Ref)
	widgetRef := u.Add(widget)

	// The page's /Annots: a direct array, an indirect one, or none.
	pageDict := page.Dict.Clone()
	switch annots := pageDict.Get("Annots").(type) {
	case nil:
		pageDict.Set("Annots", pdf.Array{widgetRef})
	case pdf.Array:
		pageDict.Set("Annots", append(append(pdf.Array{}, annots...), widgetRef))
	case pdf.Ref:
		obj, err := f.Object(annots)
		if err != nil {
			return fmt.Errorf("sign: reading the page's annotations: %w", err)
		}
		arr, ok := obj.Value.(pdf.Array)
		if !ok {
			return fmt.Errorf("sign: the page's /Annots is not an array")
		}
		if err := u.Set(annots, append(append(pdf.Array{}, arr...), widgetRef)); err != nil {
			return fmt.Errorf("sign: %w", err)
		}
	default:
		return fmt.Errorf("sign: the page's /Annots is not an array")
	}
	if _, ok := pageDict.Get("Annots").(pdf.Ref); !ok {
		if err := u.Set(page.Ref, pageDict); err != nil {
			return fmt.Errorf("sign: %w", err)
		}
	}

	// The AcroForm: in the catalog directly, by reference, or new.
	cat := catalog.Clone()
	var form *pdf.Dict
	var formRef *pdf.Ref
	switch af := cat.Get("AcroForm").(type) {
	case nil:
		form = pdf.NewDict()
	case *pdf.Dict:
		form = af.Clone()
	case pdf.Ref:
		obj, err := f.Object(af)
		if err != nil {
			return fmt.Errorf("sign: reading the AcroForm: %w", err)
		}
		d, ok := obj.Value.(*pdf.Dict)
		if !ok {
			return fmt.Errorf("sign: the AcroForm is not a dictionary")
		}
		form, formRef = d.Clone(), &af
	default:
		return fmt.Errorf("sign: the AcroForm is not a dictionary")
	}
	var fieldsArr pdf.Array
	switch fa := form.Get("Fields").(type) {
	case nil:
	case pdf.Array:
		fieldsArr = append(fieldsArr, fa...)
	case pdf.Ref:
		obj, err := f.Object(fa)
		if err != nil {
			return fmt.Errorf("sign: reading the form fields: %w", err)
		}
		arr, ok := obj.Value.(pdf.Array)
		if !ok {
			return fmt.Errorf("sign: the AcroForm /Fields is not an array")
		}
		fieldsArr = append(fieldsArr, arr...)
	default:
		return fmt.Errorf("sign: the AcroForm /Fields is not an array")
	}
	form.Set("Fields", append(fieldsArr, widgetRef))
	form.Set("SigFlags", pdf.Int(3))
	if formRef != nil {
		return u.Set(*formRef, form)
	}
	cat.Set("AcroForm", u.Add(form))
	return u.Set(catRef, cat)
}

// pdfDate formats t as a PDF date string (ISO 32000-1 §7.9.4), in UTC.
func pdfDate(t time.Time) string {
	return t.UTC().Format("D:20060102150405Z")
}

// utf16Text encodes s as a PDF text string: PDFDocEncoding is ASCII-safe,
// anything else (Cyrillic names) goes in UTF-16BE with a byte-order mark.
func utf16Text(s string) []byte {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 || s[i] < 0x20 {
			ascii = false
			break
		}
	}
	if ascii {
		return []byte(s)
	}
	out := []byte{0xfe, 0xff}
	for _, r := range s {
		if r >= 0x10000 {
			r -= 0x10000
			hi, lo := 0xd800+(r>>10), 0xdc00+(r&0x3ff)
			out = append(out, byte(hi>>8), byte(hi), byte(lo>>8), byte(lo))
			continue
		}
		out = append(out, byte(r>>8), byte(r))
	}
	return out
}
