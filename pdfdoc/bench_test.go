package pdfdoc

import (
	"context"
	"testing"
)

func BenchmarkIssue(b *testing.B) {
	tm, d := readExample(b, "residence-ky")
	opts := &IssueOptions{QRText: qrFor(d), Time: testTime}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Issue(context.Background(), tm, d, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStamp(b *testing.B) {
	in := thirdPartyPDF()
	opts := &StampOptions{QRText: "HTTPS://PORTAL.EXAMPLE.KG/V/77001234567890", Number: "77001234567890",
		Attachment: &Attachment{Name: "document.json", MIMEType: "application/json", Data: []byte(`{"a":1}`)}, Time: testTime}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Stamp(context.Background(), in, opts); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkReadAttachment(b *testing.B) {
	pdf, _ := issueExample(b, "residence-ky")
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ReadAttachment(context.Background(), pdf, "document.json"); err != nil {
			b.Fatal(err)
		}
	}
}
