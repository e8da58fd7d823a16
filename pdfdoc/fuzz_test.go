package pdfdoc

import (
	"context"
	"errors"
	"os"
	"testing"
	"time"
)

// The fuzz targets check that hostile input gives an error that wraps the
// package's sentinels, never a panic, and that whatever parses also binds
// and lays out without crashing.

func FuzzParseTemplate(f *testing.F) {
	for _, n := range []string{"residence-ky", "residence-ru", "extract-kk"} {
		b, err := os.ReadFile("../testdata/templates/" + n + ".template.json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(minimalTemplate))
	f.Add([]byte(`{"format":"tamga.template/1","title":"{a}{b}}{"}`))
	f.Add([]byte(`{"agency":{"logo":"iVBORw0KGgo="}}`))
	d, err := ParseData([]byte(minimalData))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		tm, err := ParseTemplate(b)
		if err != nil {
			var fe *FieldError
			if !errors.Is(err, ErrTemplate) || !errors.As(err, &fe) {
				t.Fatalf("error %v does not wrap ErrTemplate as a *FieldError", err)
			}
			return
		}
		// A template that parses must bind without panicking; most random
		// templates reject minimalData, which is fine.
		if _, err := tm.bind(d); err != nil && !errors.Is(err, ErrData) {
			t.Fatalf("bind: %v", err)
		}
	})
}

func FuzzParseData(f *testing.F) {
	for _, n := range []string{"residence-ky", "residence-ru", "extract-kk"} {
		b, err := os.ReadFile("../testdata/templates/" + n + ".data.json")
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(minimalData))
	f.Add([]byte(`{"format":"tamga.data/1","values":{"a":"\ud800"}}`))
	tm, err := ParseTemplate([]byte(minimalTemplate))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		d, err := ParseData(b)
		if err != nil {
			var fe *FieldError
			if !errors.Is(err, ErrData) || !errors.As(err, &fe) {
				t.Fatalf("error %v does not wrap ErrData as a *FieldError", err)
			}
			return
		}
		if _, err := tm.bind(d); err != nil && !errors.Is(err, ErrData) {
			t.Fatalf("bind: %v", err)
		}
	})
}

// FuzzReadAttachment feeds mutated PDFs to the reader (pdfcpu's parser
// plus our name-tree walk and bounded Flate decoding).
func FuzzReadAttachment(f *testing.F) {
	tm, err := ParseTemplate([]byte(minimalTemplate))
	if err != nil {
		f.Fatal(err)
	}
	d, err := ParseData([]byte(minimalData))
	if err != nil {
		f.Fatal(err)
	}
	issued, err := Issue(context.Background(), tm, d, &IssueOptions{QRText: "X", Time: time.Unix(0, 0)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(issued)
	stamped, err := Stamp(context.Background(), thirdPartyPDF(), &StampOptions{QRText: "X", Number: "1",
		Attachment: &Attachment{Name: "document.json", MIMEType: "application/json", Data: []byte("{}")}})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(stamped)
	f.Add(thirdPartyPDF())
	f.Fuzz(func(t *testing.T, b []byte) {
		a, err := ReadAttachment(context.Background(), b, "document.json")
		if err != nil {
			if !errors.Is(err, ErrPDF) && !errors.Is(err, ErrNoAttachment) && !errors.Is(err, ErrAttachment) &&
				!errors.Is(err, ErrEncrypted) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if len(a.Data) > MaxAttachmentSize {
			t.Fatalf("attachment of %d bytes passed the limit", len(a.Data))
		}
	})
}

// FuzzStamp feeds mutated PDFs through the whole stamping path: parsing,
// page tree and resource lookup, the overlay import and our writer. What
// comes out must parse again and carry the attachment.
func FuzzStamp(f *testing.F) {
	f.Add(thirdPartyPDF())
	tm, err := ParseTemplate([]byte(minimalTemplate))
	if err != nil {
		f.Fatal(err)
	}
	d, err := ParseData([]byte(minimalData))
	if err != nil {
		f.Fatal(err)
	}
	issued, err := Issue(context.Background(), tm, d, &IssueOptions{QRText: "X", Time: time.Unix(0, 0)})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(issued)
	opts := &StampOptions{QRText: "X", Number: "12", Time: time.Unix(0, 0),
		Attachment: &Attachment{Name: "stamp.json", MIMEType: "application/json", Data: []byte(`{"n":12}`)}}
	f.Fuzz(func(t *testing.T, b []byte) {
		out, err := Stamp(context.Background(), b, opts)
		if err != nil {
			if !errors.Is(err, ErrPDF) && !errors.Is(err, ErrEncrypted) && !errors.Is(err, ErrSigned) &&
				!errors.Is(err, ErrOptions) && !errors.Is(err, ErrTooLarge) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		a, err := ReadAttachment(context.Background(), out, "stamp.json")
		if err != nil || string(a.Data) != `{"n":12}` {
			t.Fatalf("stamped output does not read back: %v", err)
		}
	})
}
