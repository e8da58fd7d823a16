package sign

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/tamgasign/tamga/internal/pdf"
)

// Certification signatures (DocMDP), field locks (FieldMDP and the PDF 2.0
// /Lock), and empty signature fields placed for later signers (ISO 32000-2
// §12.8.2.2, §12.8.2.4, §12.7.5.5). The writer only declares permissions;
// enforcing them is the verifier's job (verify.PDF), and it reads exactly
// what is written here.

// Certification is the permission level of a certification signature
// (DocMDP /P): what later revisions may change without breaking it.
type Certification int

// Certification levels. NotCertified makes an ordinary approval signature.
const (
	NotCertified       Certification = 0
	CertifyNoChanges   Certification = 1 // only validation data (DSS) and document time-stamps may follow
	CertifyFormFilling Certification = 2 // also filling in existing form fields and signing
	CertifyAnnotations Certification = 3 // also adding annotations
)

// FieldLock names the form fields whose values may not change after this
// signature: every field (All), or the fields named in Fields.
type FieldLock struct {
	All    bool
	Fields []string // fully qualified field names
}

// SignatureField is an empty signature field to place for a later signer:
// a visible box on a page, which the later signer signs into (by naming it
// in PDFOptions.FieldName), so that their visible signature does not change
// what the earlier signers saw.
type SignatureField struct {
	Name string
	Page int        // 1-based page number
	Rect [4]float64 // lower-left x, y and upper-right x, y in default user space units
}

// Errors of certification and field options.
var (
	// ErrCertifyNotFirst: a certification signature must be the first
	// signature of a document, and there may be only one.
	ErrCertifyNotFirst = errors.New("sign: a certification signature must be the document's first signature, and this PDF is already signed or certified; sign it with an approval signature instead")
	// ErrNoChangesPermitted: the document is certified with no changes
	// permitted (DocMDP P=1), so a further signature would invalidate the
	// certification.
	ErrNoChangesPermitted = errors.New("sign: the document is certified with no changes permitted (DocMDP P=1); another signature would invalidate the certification, so it is refused")
	// ErrFieldInUse: PDFOptions.FieldName names a field that is not an
	// empty signature field.
	ErrFieldInUse = errors.New("sign: the field cannot be signed into: it is not an empty signature field; choose another FieldName")
)

// OptionError reports a PDFOptions value that cannot be used.
type OptionError struct {
	Field  string // the PDFOptions field, such as "Certify" or "AddFields"
	Reason string
}

func (e *OptionError) Error() string {
	return "sign: PDFOptions." + e.Field + ": " + e.Reason
}

// checkPDFOptions validates popts before any work is done.
func checkPDFOptions(popts *PDFOptions) error {
	if popts.Certify < NotCertified || popts.Certify > CertifyAnnotations {
		return &OptionError{"Certify", "the level must be 0 (approval signature), 1, 2 or 3"}
	}
	if popts.Lock != nil && !popts.Lock.All && len(popts.Lock.Fields) == 0 {
		return &OptionError{"Lock", "name the fields to lock, or set All"}
	}
	seen := map[string]bool{popts.FieldName: true}
	for _, sf := range popts.AddFields {
		r := sf.Rect
		switch {
		case sf.Name == "":
			return &OptionError{"AddFields", "a field needs a name"}
		case seen[sf.Name]:
			return &OptionError{"AddFields", "the field name " + strconv.Quote(sf.Name) + " is used twice"}
		case sf.Page < 1:
			return &OptionError{"AddFields", "field " + strconv.Quote(sf.Name) + ": pages are numbered from 1"}
		case !(r[2] > r[0] && r[3] > r[1]):
			return &OptionError{"AddFields", "field " + strconv.Quote(sf.Name) + ": the rectangle needs x1 < x2 and y1 < y2"}
		}
		seen[sf.Name] = true
	}
	return nil
}

// checkMDP refuses what the document's existing signatures forbid: a
// certification of a signed document, and any approval signature on a
// document certified with P=1. approval is false for a document
// time-stamp, which every level permits.
func checkMDP(f *pdf.File, certify Certification, approval bool) error {
	latest := f.Latest()
	certRef, certified, err := f.Certification(latest)
	if err != nil {
		return fmt.Errorf("sign: reading the document's certification: %w", err)
	}
	if certify != NotCertified {
		if certified {
			return ErrCertifyNotFirst
		}
		fields, err := f.Fields(latest)
		if err != nil {
			return fmt.Errorf("sign: reading the PDF form: %w", err)
		}
		for _, fl := range fields {
			if fl.Type == "Sig" && !pdf.IsNull(fl.Value) {
				return ErrCertifyNotFirst
			}
		}
	}
	if certified && approval {
		obj, err := f.Object(certRef)
		if err != nil {
			return fmt.Errorf("sign: reading the certification signature: %w", err)
		}
		d, ok := obj.Value.(*pdf.Dict)
		if !ok {
			return fmt.Errorf("sign: the certification signature is not a dictionary: %w", pdf.ErrMalformed)
		}
		t, err := f.Transforms(latest, d)
		if err != nil {
			return fmt.Errorf("sign: reading the certification signature: %w", err)
		}
		if t.DocMDP == 1 {
			return ErrNoChangesPermitted
		}
	}
	return nil
}

// addMDP writes what popts asks for besides the signature field itself:
// the DocMDP and FieldMDP transforms in the signature dictionary, the
// catalog's /Perms, the /Lock of the signature's field, and the empty
// fields for later signers. It runs after addSignatureField, on the
// objects that the update already holds.
func addMDP(f *pdf.File, u *pdf.Updater, sigDict *pdf.Dict, sigRef pdf.Ref, popts *PDFOptions) error {
	latest := f.Latest()
	_, catRef, err := f.Catalog(latest)
	if err != nil {
		return fmt.Errorf("sign: reading the PDF catalog: %w", err)
	}
	var refs pdf.Array
	if popts.Certify != NotCertified {
		params := pdf.NewDict()
		params.Set("Type", pdf.Name("TransformParams"))
		params.Set("P", pdf.Int(popts.Certify))
		params.Set("V", pdf.Name("1.2"))
		refs = append(refs, sigRefDict("DocMDP", params, nil))
		cat, err := dictOf(f, u, catRef)
		if err != nil {
			return err
		}
		perms := pdf.NewDict()
		perms.Set("DocMDP", sigRef)
		cat.Set("Perms", perms)
		if err := u.Set(catRef, cat); err != nil {
			return fmt.Errorf("sign: %w", err)
		}
	}
	if popts.Lock != nil {
		params := lockDict(popts.Lock, "TransformParams")
		params.Set("V", pdf.Name("1.2"))
		// ISO 32000-1 requires /Data, the object the field analysis starts
		// from, for FieldMDP (PDF 2.0 deprecates it).
		refs = append(refs, sigRefDict("FieldMDP", params, &catRef))
		fieldRef, field, err := fieldOf(f, u, sigRef)
		if err != nil {
			return err
		}
		field.Set("Lock", lockDict(popts.Lock, "SigFieldLock"))
		if err := u.Set(fieldRef, field); err != nil {
			return fmt.Errorf("sign: %w", err)
		}
	}
	if len(refs) > 0 {
		sigDict.Set("Reference", refs)
	}
	for _, sf := range popts.AddFields {
		if err := addEmptyField(f, u, catRef, sf); err != nil {
			return err
		}
	}
	return nil
}

func sigRefDict(method pdf.Name, params *pdf.Dict, data *pdf.Ref) *pdf.Dict {
	d := pdf.NewDict()
	d.Set("Type", pdf.Name("SigRef"))
	d.Set("TransformMethod", method)
	d.Set("TransformParams", params)
	if data != nil {
		d.Set("Data", *data)
	}
	return d
}

func lockDict(l *FieldLock, typ pdf.Name) *pdf.Dict {
	d := pdf.NewDict()
	d.Set("Type", typ)
	if l.All {
		d.Set("Action", pdf.Name("All"))
		return d
	}
	d.Set("Action", pdf.Name("Include"))
	var names pdf.Array
	for _, n := range l.Fields {
		names = append(names, pdf.String{Value: utf16Text(n)})
	}
	d.Set("Fields", names)
	return d
}

// dictOf returns a copy of dictionary ref as this update will write it:
// the pending version, else the file's newest.
func dictOf(f *pdf.File, u *pdf.Updater, ref pdf.Ref) (*pdf.Dict, error) {
	if o, ok := u.Pending(ref); ok {
		if d, ok := o.(*pdf.Dict); ok {
			return d.Clone(), nil
		}
		return nil, fmt.Errorf("sign: object %v is not a dictionary", ref)
	}
	obj, err := f.Object(ref)
	if err != nil {
		return nil, fmt.Errorf("sign: reading object %v: %w", ref, err)
	}
	d, ok := obj.Value.(*pdf.Dict)
	if !ok {
		return nil, fmt.Errorf("sign: object %v is not a dictionary: %w", ref, pdf.ErrMalformed)
	}
	return d.Clone(), nil
}

// fieldOf finds the field of this update whose /V is sigRef.
func fieldOf(f *pdf.File, u *pdf.Updater, sigRef pdf.Ref) (pdf.Ref, *pdf.Dict, error) {
	for _, ref := range u.Refs() {
		o, _ := u.Pending(ref)
		if d, ok := o.(*pdf.Dict); ok && d.Get("V") == pdf.Object(sigRef) {
			return ref, d.Clone(), nil
		}
	}
	return pdf.Ref{}, nil, errors.New("sign: internal error: the signature's field is not in the update")
}

// addEmptyField adds an unsigned signature field with a visible box (a
// thin grey frame, so the earlier signers see where a later signature
// will go) on the given page, to the page's /Annots and the AcroForm.
func addEmptyField(f *pdf.File, u *pdf.Updater, catRef pdf.Ref, sf SignatureField) error {
	latest := f.Latest()
	pages, err := f.Pages(latest)
	if err != nil {
		return fmt.Errorf("sign: reading the PDF pages: %w", err)
	}
	if sf.Page > len(pages) {
		return &OptionError{"AddFields", fmt.Sprintf("field %q: page %d does not exist (the document has %d)", sf.Name, sf.Page, len(pages))}
	}
	fields, err := f.Fields(latest)
	if err != nil {
		return fmt.Errorf("sign: reading the PDF form: %w", err)
	}
	for _, fl := range fields {
		if fl.Name == sf.Name {
			return &OptionError{"AddFields", fmt.Sprintf("the PDF already has a field named %q", sf.Name)}
		}
	}
	page := pages[sf.Page-1]
	w, h := sf.Rect[2]-sf.Rect[0], sf.Rect[3]-sf.Rect[1]
	bbox := pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Real(w), pdf.Real(h)}
	apDict := pdf.NewDict()
	apDict.Set("Type", pdf.Name("XObject"))
	apDict.Set("Subtype", pdf.Name("Form"))
	apDict.Set("BBox", bbox)
	frame := fmt.Sprintf("q 0.6 G 0.75 w 0.375 0.375 %s %s re S Q", num(w-0.75), num(h-0.75))
	ap := pdf.NewDict()
	ap.Set("N", u.Add(pdf.NewStream(apDict, []byte(frame))))

	widget := pdf.NewDict()
	widget.Set("Type", pdf.Name("Annot"))
	widget.Set("Subtype", pdf.Name("Widget"))
	widget.Set("FT", pdf.Name("Sig"))
	widget.Set("T", pdf.String{Value: utf16Text(sf.Name)})
	widget.Set("Rect", pdf.Array{pdf.Real(sf.Rect[0]), pdf.Real(sf.Rect[1]), pdf.Real(sf.Rect[2]), pdf.Real(sf.Rect[3])})
	widget.Set("F", pdf.Int(4)) // Print
	widget.Set("P", page.Ref)
	widget.Set("AP", ap)
	wref := u.Add(widget)

	// The page's /Annots, as the update has it so far.
	pd, err := dictOf(f, u, page.Ref)
	if err != nil {
		return err
	}
	if err := appendRef(f, u, pd, "Annots", wref); err != nil {
		return err
	}
	if _, isRef := pd.Get("Annots").(pdf.Ref); !isRef {
		if err := u.Set(page.Ref, pd); err != nil {
			return fmt.Errorf("sign: %w", err)
		}
	}
	// The AcroForm's /Fields: addSignatureField has made sure there is an
	// AcroForm.
	cat, err := dictOf(f, u, catRef)
	if err != nil {
		return err
	}
	switch af := cat.Get("AcroForm").(type) {
	case pdf.Ref:
		form, err := dictOf(f, u, af)
		if err != nil {
			return err
		}
		if err := appendRef(f, u, form, "Fields", wref); err != nil {
			return err
		}
		if _, isRef := form.Get("Fields").(pdf.Ref); !isRef {
			return u.Set(af, form)
		}
		return nil
	case *pdf.Dict:
		form := af.Clone()
		if err := appendRef(f, u, form, "Fields", wref); err != nil {
			return err
		}
		cat.Set("AcroForm", form)
		return u.Set(catRef, cat)
	}
	return errors.New("sign: the document has no AcroForm dictionary")
}

// appendRef appends ref to the array d[key]: a direct array (d changes),
// an indirect one (the array object changes), or none (a new direct one).
func appendRef(f *pdf.File, u *pdf.Updater, d *pdf.Dict, key pdf.Name, ref pdf.Ref) error {
	switch v := d.Get(key).(type) {
	case nil:
		d.Set(key, pdf.Array{ref})
	case pdf.Array:
		d.Set(key, append(append(pdf.Array{}, v...), ref))
	case pdf.Ref:
		var arr pdf.Array
		if o, ok := u.Pending(v); ok {
			arr, ok = o.(pdf.Array)
			if !ok {
				return fmt.Errorf("sign: /%s is not an array", key)
			}
		} else {
			obj, err := f.Object(v)
			if err != nil {
				return fmt.Errorf("sign: reading /%s: %w", key, err)
			}
			a, ok := obj.Value.(pdf.Array)
			if !ok {
				return fmt.Errorf("sign: /%s is not an array", key)
			}
			arr = a
		}
		return u.Set(v, append(append(pdf.Array{}, arr...), ref))
	default:
		return fmt.Errorf("sign: /%s is not an array", key)
	}
	return nil
}

func num(x float64) string { return strconv.FormatFloat(x, 'f', -1, 64) }

// signIntoField makes the empty signature field fl hold the signature
// sigRef. With a stamp, the stamp is drawn into the field's own widget
// box, on the page the widget is on: Rect and Page of the Appearance are
// taken from the field, so nothing outside the box the earlier signers
// saw changes.
func signIntoField(f *pdf.File, u *pdf.Updater, fl pdf.Field, sigRef pdf.Ref, pages []pdf.Page, st *stamp) error {
	if fl.Type != "Sig" || !pdf.IsNull(fl.Value) || fl.Ref == (pdf.Ref{}) {
		return fmt.Errorf("%w (%q)", ErrFieldInUse, fl.Name)
	}
	d := fl.Dict.Clone()
	d.Set("V", sigRef)
	if st != nil {
		ap, err := fieldStamp(f, u, fl, pages, st)
		if err != nil {
			return err
		}
		d.Set("AP", ap)
	}
	return u.Set(fl.Ref, d)
}

// fieldStamp lays st out in the widget box of fl, a field that is its own
// widget (as the fields PDFOptions.AddFields makes are), and returns the
// widget's new /AP.
func fieldStamp(f *pdf.File, u *pdf.Updater, fl pdf.Field, pages []pdf.Page, st *stamp) (*pdf.Dict, error) {
	refuse := func(why string) error {
		return &AppearanceError{Field: "FieldName", Reason: fmt.Sprintf("the field %q %s; sign into it without an Appearance", fl.Name, why)}
	}
	if len(fl.Widgets) > 0 {
		return nil, refuse("has separate widgets")
	}
	rect, err := pageBox(f, fl.Dict.Get("Rect"))
	if err != nil {
		return nil, refuse("has no readable widget box")
	}
	if rect[2]-rect[0] < 1 || rect[3]-rect[1] < 1 {
		return nil, refuse("is invisible (its box is empty)")
	}
	page := 0
	for i, p := range pages {
		if ref, ok := fl.Dict.Get("P").(pdf.Ref); ok && ref == p.Ref {
			page = i + 1
			break
		}
		if onPage(f, p, fl.Ref) {
			page = i + 1
			break
		}
	}
	if page == 0 {
		return nil, refuse("is on no page")
	}
	a := *st.ap
	a.Page, a.Rect = page, rect
	placed := *st
	placed.ap = &a
	_, _, ap, err := placed.place(f, u, pages)
	return ap, err
}

// onPage reports whether page p lists the annotation ref in its /Annots.
func onPage(f *pdf.File, p pdf.Page, ref pdf.Ref) bool {
	v, err := f.Resolve(p.Dict.Get("Annots"))
	if err != nil {
		return false
	}
	arr, _ := v.(pdf.Array)
	for _, a := range arr {
		if r, ok := a.(pdf.Ref); ok && r == ref {
			return true
		}
	}
	return false
}
