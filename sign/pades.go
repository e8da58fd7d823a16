package sign

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"github.com/tamgasign/tamga/internal/cms"
	"github.com/tamgasign/tamga/internal/pdf"
	"github.com/tamgasign/tamga/internal/tsp"
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

	// Certify makes a certification signature (DocMDP) with this
	// permission level; it must be the document's first signature.
	// NotCertified (0) makes an approval signature.
	Certify Certification
	// Lock, when set, locks form fields as this signature is made
	// (FieldMDP, and /Lock on the signature field).
	Lock *FieldLock
	// AddFields are empty signature fields to place for later signers.
	// A later signer signs into one by naming it in FieldName: signing
	// into an existing empty signature field reuses its widget.
	AddFields []SignatureField

	// Appearance, when set, makes the signature visible: a stamp with the
	// signer's name, organisation and signing time on a chosen page and
	// rectangle. nil (the default) makes an invisible signature.
	Appearance *Appearance

	stamp *stamp // Appearance laid out for this signer and time, by PAdES
}

// ErrReserveTooSmall means the CMS signature did not fit in the space
// reserved for it; sign again with a larger PDFOptions.Reserve.
var ErrReserveTooSmall = errors.New("sign: the signature is larger than the space reserved for it in the PDF; set a larger PDFOptions.Reserve")

// PAdES signs the PDF in (size bytes) and writes the signed PDF to out:
// the original bytes, then an incremental update with the signature, and
// for the long-term levels one more update each: B-LT adds a Document
// Security Store with the certificates, OCSP responses and CRLs of the
// signer's and the time-stamp authority's paths; B-LTA then adds a
// document time-stamp over everything. Intermediate stages go through
// temporary files, never memory.
func PAdES(ctx context.Context, signer Signer, in io.ReaderAt, size int64, out PDFOutput, opts *Options, popts *PDFOptions) error {
	if opts == nil {
		opts = &Options{}
	}
	if popts == nil {
		popts = &PDFOptions{}
	}
	level := opts.level()
	if level != LevelBB && opts.TSA == "" {
		return ErrTSARequired
	}
	if (level == LevelBLT || level == LevelBLTA) && opts.Roots == nil {
		return fmt.Errorf("%w: give the trusted roots (Options.Roots) to build the certificate paths", ErrValidationData)
	}
	if err := checkPDFOptions(popts); err != nil {
		return err
	}
	// One time for /M and the stamp, which shows it.
	now := opts.now()
	if popts.Appearance != nil {
		st, err := newStamp(popts.Appearance, signer.Certificate(), now, popts.Reason, popts.Location)
		if err != nil {
			return err
		}
		p := *popts
		p.stamp, popts = st, &p
	}
	reserve := popts.Reserve
	if reserve == 0 {
		reserve = estimateReserve(signer, level)
	}

	// The signature, with its signature time-stamp for B-T and above.
	var signed *cms.SignedData
	var tok *tsp.Token
	var tsaCert *x509.Certificate
	stage := func(dst PDFOutput) error {
		return addSignature(ctx, in, size, dst, sigDictFor(popts, now), popts, reserve, opts.hash(), func(digest []byte) ([]byte, error) {
			sd, err := cms.Sign(ctx, signer, signer.Certificate(), digest, &cms.SignOptions{
				Hash: opts.hash(), PSS: opts.PSS, Certificates: signer.Chain(),
			})
			if err != nil {
				return nil, fmt.Errorf("sign: %w", err)
			}
			if level != LevelBB {
				if tok, tsaCert, err = addSignatureTimestamp(ctx, sd, opts); err != nil {
					return nil, err
				}
			}
			signed = sd
			// Read once, into the hex of /Contents: no copy needed.
			return sd.Bytes()
		})
	}
	if level == LevelBB || level == LevelBT {
		return stage(out)
	}
	tmp1, err := tempPDF()
	if err != nil {
		return err
	}
	defer removeTemp(tmp1)
	if err := stage(tmp1); err != nil {
		return err
	}
	size1, err := tmp1.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}

	// B-LT: the validation data of the signer's and the TSA's paths.
	vd, err := collectLT(ctx, signer.Certificate(), tok, tsaCert, signed.Certificates, opts)
	if err != nil {
		return err
	}
	if level == LevelBLT {
		return addDSS(ctx, tmp1, size1, out, vd)
	}
	tmp2, err := tempPDF()
	if err != nil {
		return err
	}
	defer removeTemp(tmp2)
	if err := addDSS(ctx, tmp1, size1, tmp2, vd); err != nil {
		return err
	}
	size2, err := tmp2.Seek(0, io.SeekEnd)
	if err != nil {
		return fmt.Errorf("sign: %w", err)
	}

	// B-LTA: a document time-stamp over the signed document and its DSS.
	return addDocTimestamp(ctx, tmp2, size2, out, opts)
}

// addDocTimestamp writes in and an incremental update with a document
// time-stamp (ETSI.RFC3161) over all of it, from opts.TSA.
func addDocTimestamp(ctx context.Context, in io.ReaderAt, size int64, out PDFOutput, opts *Options) error {
	ts := pdf.NewDict()
	ts.Set("Type", pdf.Name("DocTimeStamp"))
	ts.Set("Filter", pdf.Name("Adobe.PPKLite"))
	ts.Set("SubFilter", pdf.Name("ETSI.RFC3161"))
	return addSignature(ctx, in, size, out, ts, nil, 16<<10, opts.hash(), func(digest []byte) ([]byte, error) {
		tok, _, err := timestamp(ctx, digest, opts)
		if err != nil {
			return nil, err
		}
		return tok.Raw, nil
	})
}

// sigDictFor makes the signature dictionary of an approval signature.
func sigDictFor(popts *PDFOptions, now time.Time) *pdf.Dict {
	d := pdf.NewDictSize(9) // these seven, /ByteRange and /Contents
	d.Set("Type", pdf.Name("Sig"))
	d.Set("Filter", pdf.Name("Adobe.PPKLite"))
	d.Set("SubFilter", pdf.Name("ETSI.CAdES.detached"))
	// PAdES puts the claimed signing time in /M, not in a signed attribute
	// (ETSI EN 319 142-1 §6.3).
	d.Set("M", pdf.String{Value: []byte(pdfDate(now))})
	for _, e := range []struct {
		key pdf.Name
		val string
	}{{"Reason", popts.Reason}, {"Location", popts.Location}, {"ContactInfo", popts.ContactInfo}} {
		if e.val != "" {
			d.Set(e.key, pdf.String{Value: utf16Text(e.val)})
		}
	}
	return d
}

// addSignature writes in and an incremental update holding sigDict (with
// /ByteRange and /Contents placeholders) in a new invisible field, or the
// field popts places it in, then hashes the signed bytes back from out,
// asks makeContents for the CMS over their digest, and patches both
// placeholders. The certification, locks and extra fields of popts are
// written too; popts is nil for a document time-stamp.
func addSignature(ctx context.Context, in io.ReaderAt, size int64, out PDFOutput, sigDict *pdf.Dict, popts *PDFOptions, reserve int,
	h crypto.Hash, makeContents func(digest []byte) ([]byte, error)) error {
	f, err := pdf.Open(in, size, nil)
	if err != nil {
		return fmt.Errorf("sign: reading the PDF: %w", err)
	}
	mdp := popts
	if mdp == nil {
		mdp = &PDFOptions{}
	}
	if err := checkMDP(f, mdp.Certify, popts != nil); err != nil {
		return err
	}
	u := f.Update()
	sigDict.Set("ByteRange", pdf.Placeholder{Name: "br", Kind: pdf.PlaceholderByteRange})
	sigDict.Set("Contents", pdf.Placeholder{Name: "contents", Kind: pdf.PlaceholderHex, Size: reserve})
	sigRef := u.Add(sigDict)
	if err := addSignatureField(f, u, sigRef, mdp.FieldName, mdp.stamp); err != nil {
		return err
	}
	if err := addMDP(f, u, sigDict, sigRef, mdp); err != nil {
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
	// One buffer for both ranges, no larger than the file needs, and then
	// for the hex of /Contents.
	hh := h.New()
	buf := getSignBuffer(int(max(min(256<<10, max(br[1], br[3], 512)), contents.Len())))
	defer putSignBuffer(buf)
	for _, r := range [][2]int64{{br[0], br[1]}, {br[2], br[3]}} {
		if _, err := io.CopyBuffer(hh, contextReader{ctx, io.NewSectionReader(out, r[0], r[1])}, buf); err != nil {
			return fmt.Errorf("sign: reading back the PDF: %w", err)
		}
	}
	der, err := makeContents(hh.Sum(nil))
	if err != nil {
		return err
	}
	hex, err := pdf.AppendHex(buf[:0], contents, der)
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

// signBuffers keeps addSignature's buffers (hashing, then the hex of
// /Contents): a few kilobytes per signature that the collector would
// otherwise sweep at several thousand signatures a second. The output's
// ReadAt and WriteAt may not retain them, so a buffer is free again when
// addSignature returns.
var signBuffers sync.Pool

func getSignBuffer(n int) []byte {
	if b, ok := signBuffers.Get().(*[]byte); ok && cap(*b) >= n {
		return (*b)[:n]
	}
	return make([]byte, n)
}

func putSignBuffer(b []byte) {
	if cap(b) <= 256<<10 {
		signBuffers.Put(&b)
	}
}

// tempPDF makes a temporary file for an intermediate stage of signing.
func tempPDF() (*os.File, error) {
	f, err := os.CreateTemp("", "tamga-sign-*.pdf")
	if err != nil {
		return nil, fmt.Errorf("sign: a temporary file for signing: %w", err)
	}
	return f, nil
}

func removeTemp(f *os.File) {
	f.Close()
	os.Remove(f.Name())
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

// addSignatureField adds a signature field whose widget sits on the first
// page, invisible, or where st places it with its appearance, and lists it
// in the AcroForm (created if needed) with SigFlags 3 (signatures exist,
// append only).
func addSignatureField(f *pdf.File, u *pdf.Updater, sigRef pdf.Ref, name string, st *stamp) error {
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
			// An empty signature field placed for this signer: a stamp
			// goes into its box, which the earlier signers saw.
			return signIntoField(f, u, fl, sigRef, pages, st)
		}
	}

	page, rect, ap := pages[0], pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Int(0), pdf.Int(0)}, (*pdf.Dict)(nil)
	if st != nil {
		if page, rect, ap, err = st.place(f, u, pages); err != nil {
			return err
		}
	}
	widget := pdf.NewDictSize(9)
	widget.Set("Type", pdf.Name("Annot"))
	widget.Set("Subtype", pdf.Name("Widget"))
	widget.Set("FT", pdf.Name("Sig"))
	widget.Set("T", pdf.String{Value: utf16Text(name)})
	widget.Set("V", sigRef)
	widget.Set("Rect", rect)
	widget.Set("F", pdf.Int(132)) // Print | Locked
	widget.Set("P", page.Ref)
	if ap != nil {
		widget.Set("AP", ap)
	}
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
		form = pdf.NewDictSize(2)
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
