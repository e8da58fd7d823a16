// Examples of the two uses the package exists for: a signer reserving and
// patching /Contents, and a verifier checking that /Contents is the hole.

package pdf_test

import (
	"bytes"
	"context"
	"fmt"
	"log"

	"github.com/tamgasign/tamga/internal/pdf"
)

// tiny is a one-page PDF with exact offsets.
func tiny() []byte {
	var b bytes.Buffer
	b.WriteString("%PDF-1.7\n")
	o1 := b.Len()
	b.WriteString("1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n")
	o2 := b.Len()
	b.WriteString("2 0 obj\n<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n")
	x := b.Len()
	fmt.Fprintf(&b, "xref\n0 3\n0000000000 65535 f\r\n%010d 00000 n\r\n%010d 00000 n\r\n", o1, o2)
	fmt.Fprintf(&b, "trailer\n<< /Size 3 /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", x)
	return b.Bytes()
}

func Example() {
	orig := tiny()
	f, err := pdf.Open(bytes.NewReader(orig), int64(len(orig)), nil)
	if err != nil {
		log.Fatal(err)
	}

	// Signer: reserve /ByteRange and /Contents in a new revision.
	u := f.Update()
	sig := pdf.NewDict()
	sig.Set("Type", pdf.Name("Sig"))
	sig.Set("ByteRange", pdf.Placeholder{Name: "br", Kind: pdf.PlaceholderByteRange})
	sig.Set("Contents", pdf.Placeholder{Name: "sig", Kind: pdf.PlaceholderHex, Size: 8})
	u.Add(sig)
	var out bytes.Buffer
	res, err := u.Write(context.Background(), &out)
	if err != nil {
		log.Fatal(err)
	}
	data := out.Bytes()
	hole := res.Placeholders["sig"]
	br, _ := pdf.FormatByteRange(res.Placeholders["br"], [4]int64{0, hole.Start, hole.End, int64(len(data)) - hole.End})
	copy(data[res.Placeholders["br"].Start:], br)
	// ... hash data outside the hole, sign, then:
	cms, _ := pdf.FormatHex(hole, []byte{0x30, 0x03, 0x02, 0x01, 0x01})
	copy(data[hole.Start:], cms)

	// Verifier: the signature's /Contents must be exactly the hole.
	g, err := pdf.Open(bytes.NewReader(data), int64(len(data)), nil)
	if err != nil {
		log.Fatal(err)
	}
	sigs, _, err := g.Signatures()
	if err != nil {
		log.Fatal(err)
	}
	s := sigs[0]
	fmt.Println("revisions:", len(g.Revisions()), "signature in revision:", s.Revision)
	fmt.Println("contents is the hole:", s.ByteRange[1] == s.ContentsSpan.Start && s.ByteRange[2] == s.ContentsSpan.End)
	fmt.Println("covers the revision:", s.ByteRange[2]+s.ByteRange[3] == g.Revisions()[s.Revision].End)
	// Output:
	// revisions: 2 signature in revision: 1
	// contents is the hole: true
	// covers the revision: true
}
