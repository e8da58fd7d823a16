package verify_test

import (
	"bytes"
	"context"
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/tamgasign/tamga/internal/pdf"
	"github.com/tamgasign/tamga/internal/pdftest"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

// signPDFOpts signs in with id and the PAdES options popts, at B-B.
func signPDFOpts(t *testing.T, id *testpki.Identity, in []byte, popts *sign.PDFOptions) []byte {
	t.Helper()
	out := &memPDF{}
	require.NoError(t, sign.PAdES(context.Background(), id.Signer(), bytes.NewReader(in), int64(len(in)), out, nil, popts))
	return out.b
}

// withTextField adds a filled-in text field "Name" with a visible widget
// on the first page: a form to certify.
func withTextField(t *testing.T, b []byte) []byte {
	return update(t, b, func(f *pdf.File, u *pdf.Updater) {
		pages, err := f.Pages(f.Latest())
		require.NoError(t, err)
		w := pdf.NewDict()
		w.Set("Type", pdf.Name("Annot"))
		w.Set("Subtype", pdf.Name("Widget"))
		w.Set("FT", pdf.Name("Tx"))
		w.Set("T", pdf.String{Value: []byte("Name")})
		w.Set("V", pdf.String{Value: []byte("Asel")})
		w.Set("Rect", pdf.Array{pdf.Int(72), pdf.Int(600), pdf.Int(300), pdf.Int(620)})
		w.Set("F", pdf.Int(4))
		w.Set("P", pages[0].Ref)
		ref := u.Add(w)
		pd := pages[0].Dict.Clone()
		pd.Set("Annots", pdf.Array{ref})
		require.NoError(t, u.Set(pages[0].Ref, pd))
		form := pdf.NewDict()
		form.Set("Fields", pdf.Array{ref})
		cat, catRef, err := f.Catalog(f.Latest())
		require.NoError(t, err)
		cat = cat.Clone()
		cat.Set("AcroForm", u.Add(form))
		require.NoError(t, u.Set(catRef, cat))
	})
}

// fieldRef finds a field by name in the newest revision.
func fieldRef(t *testing.T, f *pdf.File, name string) pdf.Field {
	t.Helper()
	fields, err := f.Fields(f.Latest())
	require.NoError(t, err)
	for _, fd := range fields {
		if fd.Name == name {
			return fd
		}
	}
	t.Fatalf("no field %q", name)
	return pdf.Field{}
}

// fill is the form filling a later user does: a new /V (and /AS-free
// appearance) for field name.
func fill(t *testing.T, b []byte, name, value string) []byte {
	return update(t, b, func(f *pdf.File, u *pdf.Updater) {
		fd := fieldRef(t, f, name)
		d := fd.Dict.Clone()
		d.Set("V", pdf.String{Value: []byte(value)})
		ap := pdf.NewDict()
		ap.Set("N", u.Add(pdf.NewStream(formXObject(228, 20), []byte("BT /Helv 12 Tf 2 5 Td ("+value+") Tj ET"))))
		d.Set("AP", ap)
		require.NoError(t, u.Set(fd.Ref, d))
	})
}

func formXObject(w, h int) *pdf.Dict {
	d := pdf.NewDict()
	d.Set("Type", pdf.Name("XObject"))
	d.Set("Subtype", pdf.Name("Form"))
	d.Set("BBox", pdf.Array{pdf.Int(0), pdf.Int(0), pdf.Int(w), pdf.Int(h)})
	return d
}

// addAnnot appends an annotation with an opaque appearance over the title:
// the Evil Annotation Attack.
func addAnnot(t *testing.T, b []byte, subtype string) []byte {
	return update(t, b, func(f *pdf.File, u *pdf.Updater) {
		pages, err := f.Pages(f.Latest())
		require.NoError(t, err)
		a := pdf.NewDict()
		a.Set("Type", pdf.Name("Annot"))
		a.Set("Subtype", pdf.Name(subtype))
		a.Set("Rect", pdf.Array{pdf.Int(72), pdf.Int(700), pdf.Int(500), pdf.Int(760)})
		a.Set("Contents", pdf.String{Value: []byte("No. 9999999999")})
		ap := pdf.NewDict()
		ap.Set("N", u.Add(pdf.NewStream(formXObject(428, 60), []byte("1 g 0 0 428 60 re f 0 g BT /Helv 24 Tf 0 30 Td (No. 9999999999) Tj ET"))))
		a.Set("AP", ap)
		ref := u.Add(a)
		pd := pages[0].Dict.Clone()
		annots, _ := pd.Get("Annots").(pdf.Array)
		pd.Set("Annots", append(append(pdf.Array{}, annots...), ref))
		require.NoError(t, u.Set(pages[0].Ref, pd))
	})
}

// addSigField appends a new signature field whose widget covers the title,
// with an appearance and a value v (nil: unsigned): the Sneaky Signature
// Attack.
func addSigField(t *testing.T, b []byte, value func(u *pdf.Updater) pdf.Object) []byte {
	return update(t, b, func(f *pdf.File, u *pdf.Updater) {
		pages, err := f.Pages(f.Latest())
		require.NoError(t, err)
		w := pdf.NewDict()
		w.Set("Type", pdf.Name("Annot"))
		w.Set("Subtype", pdf.Name("Widget"))
		w.Set("FT", pdf.Name("Sig"))
		w.Set("T", pdf.String{Value: []byte("Sneaky")})
		w.Set("Rect", pdf.Array{pdf.Int(0), pdf.Int(680), pdf.Int(595), pdf.Int(842)})
		w.Set("F", pdf.Int(4))
		w.Set("P", pages[0].Ref)
		ap := pdf.NewDict()
		ap.Set("N", u.Add(pdf.NewStream(formXObject(595, 162), []byte("0 g 0 0 595 162 re f"))))
		w.Set("AP", ap)
		if value != nil {
			w.Set("V", value(u))
		}
		addWidget(t, f, u, pages[0], u.Add(w))
	})
}

func hasMessage(s *verify.SignatureReport, code string) bool { return hasCode(s.Messages, code) }

// TestCertification signs certified documents with our own signer and
// attacks them with incremental updates: each rule of the DocMDP levels,
// field locks, evil annotations and sneaky signatures.
func TestCertification(t *testing.T) {
	srv := testpki.NewTestServer(t)
	p := srv.PKI
	policy := &verify.Policy{Roots: p.Roots(), Online: true}
	head, err := p.Issue(testpki.LeafSpec{Name: "head"})
	require.NoError(t, err)
	form := withTextField(t, pdftest.OnePage("Certificate of residence No. 0001234567"))
	certified := func(level sign.Certification, popts *sign.PDFOptions) []byte {
		if popts == nil {
			popts = &sign.PDFOptions{}
		}
		popts.Certify = level
		return signPDFOpts(t, p.Executor, form, popts)
	}
	p1, p2, p3 := certified(sign.CertifyNoChanges, nil), certified(sign.CertifyFormFilling, nil), certified(sign.CertifyAnnotations, nil)
	prePlaced := certified(sign.CertifyFormFilling, &sign.PDFOptions{AddFields: []sign.SignatureField{
		{Name: "Head", Page: 1, Rect: [4]float64{350, 100, 550, 160}}}})
	locked := certified(sign.CertifyFormFilling, &sign.PDFOptions{Lock: &sign.FieldLock{Fields: []string{"Name"}}})
	approval := signPDFOpts(t, p.Executor, form, nil)

	t.Run("certified, unchanged", func(t *testing.T) {
		r := verifyPDF(t, p2, policy)
		require.Equal(t, verify.TotalPassed, r.Indication, "%v", r.Signatures[0].Messages)
		require.Equal(t, &verify.Certification{Permissions: 2}, r.Signatures[0].Certification)
		j, err := json.Marshal(r.Signatures[0])
		require.NoError(t, err)
		require.Contains(t, string(j), `"certification":{"permissions":2}`)
	})
	t.Run("lock is reported", func(t *testing.T) {
		r := verifyPDF(t, locked, policy)
		require.Equal(t, verify.TotalPassed, r.Indication, "%v", r.Signatures[0].Messages)
		// Written twice (FieldMDP and the field's /Lock), read twice.
		require.Contains(t, r.Signatures[0].FieldLocks, verify.FieldLock{Action: "Include", Fields: []string{"Name"}})
	})

	// sig is the verdict on the first (certifying) signature.
	type want struct {
		ind     verify.Indication
		changes verify.Changes
		code    string
	}
	tests := []struct {
		name string
		doc  func() []byte
		want want
	}{
		{"P=2 + form filling", func() []byte { return fill(t, p2, "Name", "Bakyt") },
			want{verify.TotalPassed, verify.ChangesAllowed, "PDF_CHANGES_ALLOWED"}},
		{"P=1 + form filling", func() []byte { return fill(t, p1, "Name", "Bakyt") },
			want{verify.TotalFailed, verify.ChangesDisallowed, "PDF_CHANGES_DISALLOWED"}},
		{"no certification + form filling", func() []byte { return fill(t, approval, "Name", "Bakyt") },
			want{verify.TotalFailed, verify.ChangesDisallowed, "PDF_CHANGES_DISALLOWED"}},
		{"P=2 + FreeText annotation (EAA)", func() []byte { return addAnnot(t, p2, "FreeText") },
			want{verify.TotalFailed, verify.ChangesDisallowed, "PDF_CHANGES_DISALLOWED"}},
		{"P=3 + FreeText annotation with /AP (EAA)", func() []byte { return addAnnot(t, p3, "FreeText") },
			want{verify.Indeterminate, verify.ChangesOverlay, "PDF_ANNOTATION_ADDED"}},
		{"P=3 + Stamp annotation (EAA)", func() []byte { return addAnnot(t, p3, "Stamp") },
			want{verify.Indeterminate, verify.ChangesOverlay, "PDF_ANNOTATION_ADDED"}},
		{"P=3 + form filling", func() []byte { return fill(t, p3, "Name", "Bakyt") },
			want{verify.TotalPassed, verify.ChangesAllowed, "PDF_CHANGES_ALLOWED"}},
		{"P=2 + new visible signature field over content (SSA)", func() []byte { return addSigField(t, p2, nil) },
			want{verify.Indeterminate, verify.ChangesOverlay, "PDF_SIGNATURE_FIELD_ADDED"}},
		{"no certification + new visible signature field (SSA)", func() []byte { return addSigField(t, approval, nil) },
			want{verify.Indeterminate, verify.ChangesOverlay, "PDF_SIGNATURE_FIELD_ADDED"}},
		{"P=1 + new signature field", func() []byte { return addSigField(t, p1, nil) },
			want{verify.TotalFailed, verify.ChangesDisallowed, "PDF_CHANGES_DISALLOWED"}},
		{"P=2 + signature field whose /V is a form XObject", func() []byte {
			return addSigField(t, p2, func(u *pdf.Updater) pdf.Object {
				return u.Add(pdf.NewStream(formXObject(10, 10), []byte("0 g 0 0 10 10 re f")))
			})
		}, want{verify.TotalFailed, verify.ChangesDisallowed, "PDF_CHANGES_DISALLOWED"}},
		{"P=2 + signature into the pre-placed field", func() []byte {
			return signPDFOpts(t, head, prePlaced, &sign.PDFOptions{FieldName: "Head"})
		}, want{verify.TotalPassed, verify.ChangesAllowed, "PDF_CHANGES_ALLOWED"}},
		{"P=2 + new invisible approval signature", func() []byte { return signPDFOpts(t, head, p2, nil) },
			want{verify.TotalPassed, verify.ChangesAllowed, "PDF_CHANGES_ALLOWED"}},
		{"pre-placed field moved (/Rect changed)", func() []byte {
			return update(t, prePlaced, func(f *pdf.File, u *pdf.Updater) {
				fd := fieldRef(t, f, "Head")
				d := fd.Dict.Clone()
				d.Set("Rect", pdf.Array{pdf.Int(0), pdf.Int(680), pdf.Int(595), pdf.Int(842)})
				require.NoError(t, u.Set(fd.Ref, d))
			})
		}, want{verify.TotalFailed, verify.ChangesDisallowed, "PDF_CHANGES_DISALLOWED"}},
		{"pre-placed field painted without signing", func() []byte {
			return update(t, prePlaced, func(f *pdf.File, u *pdf.Updater) {
				fd := fieldRef(t, f, "Head")
				d := fd.Dict.Clone()
				ap := pdf.NewDict()
				ap.Set("N", u.Add(pdf.NewStream(formXObject(200, 60), []byte("BT /Helv 12 Tf 2 20 Td (APPROVED) Tj ET"))))
				d.Set("AP", ap)
				require.NoError(t, u.Set(fd.Ref, d))
			})
		}, want{verify.TotalFailed, verify.ChangesDisallowed, "PDF_CHANGES_DISALLOWED"}},
		{"field lock violated", func() []byte { return fill(t, locked, "Name", "Bakyt") },
			want{verify.TotalFailed, verify.ChangesDisallowed, "PDF_CHANGES_DISALLOWED"}},
		{"orphan signature dictionary", func() []byte {
			return update(t, p2, func(f *pdf.File, u *pdf.Updater) {
				sigs, _, err := f.Signatures()
				require.NoError(t, err)
				u.Add(sigs[0].Dict.Clone())
			})
		}, want{verify.TotalFailed, verify.ChangesDisallowed, "PDF_CHANGES_DISALLOWED"}},
		{"second certification: /Perms moved to a later signature", func() []byte {
			two := signPDFOpts(t, head, p2, nil)
			return update(t, two, func(f *pdf.File, u *pdf.Updater) {
				sigs, _, err := f.Signatures()
				require.NoError(t, err)
				cat, catRef, err := f.Catalog(f.Latest())
				require.NoError(t, err)
				cat = cat.Clone()
				perms := pdf.NewDict()
				perms.Set("DocMDP", sigs[1].Ref)
				cat.Set("Perms", perms)
				require.NoError(t, u.Set(catRef, cat))
			})
		}, want{verify.TotalFailed, verify.ChangesDisallowed, "PDF_CERTIFICATION_INVALID"}},
		{"/Perms added to an approval signature afterwards", func() []byte {
			return update(t, approval, func(f *pdf.File, u *pdf.Updater) {
				sigs, _, err := f.Signatures()
				require.NoError(t, err)
				cat, catRef, err := f.Catalog(f.Latest())
				require.NoError(t, err)
				cat = cat.Clone()
				perms := pdf.NewDict()
				perms.Set("DocMDP", sigs[0].Ref)
				cat.Set("Perms", perms)
				require.NoError(t, u.Set(catRef, cat))
			})
		}, want{verify.TotalFailed, verify.ChangesDisallowed, "PDF_CERTIFICATION_INVALID"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := verifyPDF(t, tt.doc(), policy)
			require.NotEmpty(t, r.Signatures)
			s := r.Signatures[0]
			require.Equal(t, tt.want.ind, s.Indication, "%v", s.Messages)
			require.Equal(t, tt.want.changes, s.ChangesAfterSigning, "%v", s.Messages)
			require.True(t, hasMessage(s, tt.want.code), "%v", s.Messages)
			if tt.want.ind != verify.TotalPassed {
				require.NotEqual(t, verify.TotalPassed, r.Indication)
			}
		})
	}
	t.Run("overlay message names the annotation", func(t *testing.T) {
		r := verifyPDF(t, addAnnot(t, p3, "FreeText"), policy)
		for _, m := range r.Signatures[0].Messages {
			if m.Code == "PDF_ANNOTATION_ADDED" {
				require.Equal(t, map[string]string{"subtype": "FreeText", "page": "1", "rect": "[72 700 500 760]"}, m.Args)
				return
			}
		}
		t.Fatal("no PDF_ANNOTATION_ADDED")
	})
}

// TestCertificationRefused: what the signer must refuse.
func TestCertificationRefused(t *testing.T) {
	p := testpki.NewTest(t)
	form := withTextField(t, pdftest.OnePage("x"))
	signErr := func(in []byte, popts *sign.PDFOptions) error {
		return sign.PAdES(context.Background(), p.Executor.Signer(), bytes.NewReader(in), int64(len(in)), &memPDF{}, nil, popts)
	}
	p1 := signPDFOpts(t, p.Executor, form, &sign.PDFOptions{Certify: sign.CertifyNoChanges})
	p2 := signPDFOpts(t, p.Executor, form, &sign.PDFOptions{Certify: sign.CertifyFormFilling})
	approval := signPDFOpts(t, p.Executor, form, nil)

	require.ErrorIs(t, signErr(p1, nil), sign.ErrNoChangesPermitted)
	require.ErrorIs(t, signErr(p2, &sign.PDFOptions{Certify: sign.CertifyFormFilling}), sign.ErrCertifyNotFirst)
	require.ErrorIs(t, signErr(approval, &sign.PDFOptions{Certify: sign.CertifyAnnotations}), sign.ErrCertifyNotFirst)
	require.NoError(t, signErr(p2, nil))
	require.ErrorIs(t, signErr(form, &sign.PDFOptions{FieldName: "Name"}), sign.ErrFieldInUse)

	var oe *sign.OptionError
	for _, popts := range []*sign.PDFOptions{
		{Certify: 4},
		{Lock: &sign.FieldLock{}},
		{AddFields: []sign.SignatureField{{Name: "A", Page: 0, Rect: [4]float64{0, 0, 1, 1}}}},
		{AddFields: []sign.SignatureField{{Name: "A", Page: 1, Rect: [4]float64{1, 1, 0, 0}}}},
		{AddFields: []sign.SignatureField{{Name: "A", Page: 2, Rect: [4]float64{0, 0, 1, 1}}}},
		{AddFields: []sign.SignatureField{{Name: "Name", Page: 1, Rect: [4]float64{0, 0, 1, 1}}}},
	} {
		require.ErrorAs(t, signErr(form, popts), &oe)
	}
}

// addWidget lists the widget ref on page's /Annots and in the AcroForm's
// /Fields (the catalog's /AcroForm is a reference in our signed PDFs), as
// a later revision adding a field does.
func addWidget(t *testing.T, f *pdf.File, u *pdf.Updater, page pdf.Page, ref pdf.Ref) {
	t.Helper()
	pd := page.Dict.Clone()
	annots, _ := pd.Get("Annots").(pdf.Array)
	pd.Set("Annots", append(append(pdf.Array{}, annots...), ref))
	require.NoError(t, u.Set(page.Ref, pd))
	cat, _, err := f.Catalog(f.Latest())
	require.NoError(t, err)
	formRef := cat.Get("AcroForm").(pdf.Ref)
	obj, err := f.Object(formRef)
	require.NoError(t, err)
	form := obj.Value.(*pdf.Dict).Clone()
	fields := form.Get("Fields").(pdf.Array)
	form.Set("Fields", append(append(pdf.Array{}, fields...), ref))
	require.NoError(t, u.Set(formRef, form))
}
