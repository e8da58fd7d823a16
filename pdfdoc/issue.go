package pdfdoc

// This file holds Issue and the PDF/A-3 finishing of its output: XMP
// metadata, the sRGB output intent, subset font names, the document
// information dictionary.

import (
	"context"
	"crypto/sha256"
	"encoding/xml"
	"strings"
	"time"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Producer is written to the Info dictionary and XMP of issued documents.
const Producer = "tamga pdfdoc (fpdf, pdfcpu)"

// IssueOptions are the inputs of Issue besides the template and data.
type IssueOptions struct {
	// QRText is what the QR code holds: the seal (see barcode/seal) or a
	// verification URL. Required.
	QRText string

	// Attachment is embedded as the document's associated data file. Nil
	// means the data's canonical form (Data.Canonical) as "document.json",
	// application/json.
	Attachment *Attachment

	// Time is the document's creation time in the Info dictionary and XMP
	// metadata. Zero means time.Now(). The same template, data and options
	// with the same Time give byte-identical output.
	Time time.Time
}

// Issue lays out a result document from a template and data: one A4 page
// with the QR code and the Code 128 number where the template puts them,
// the data embedded as an associated file, aiming at PDF/A-3b (see the
// package documentation for how close it gets). The result is ready for
// PAdES signing.
func Issue(ctx context.Context, t *Template, d *Data, opts *IssueOptions) ([]byte, error) {
	if t == nil || d == nil || opts == nil {
		return nil, errOpt("template, data and options are required")
	}
	if opts.QRText == "" {
		return nil, errOpt("QRText is required")
	}
	att := opts.Attachment
	if att == nil {
		att = &Attachment{Name: "document.json", MIMEType: "application/json",
			Description: "Document data (RFC 8785 canonical JSON)", Data: d.canonical}
	}
	if err := att.check(); err != nil {
		return nil, err
	}
	f, err := t.bind(d)
	if err != nil {
		return nil, err
	}
	now := opts.Time
	if now.IsZero() {
		now = time.Now()
	}
	now = now.Truncate(time.Second)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	page, err := renderDocument(f, opts.QRText, now)
	if err != nil {
		return nil, err
	}
	c, err := readPDF(ctx, page)
	if err != nil {
		return nil, err
	}
	if err := makePDFA(c, f.title, t.lang, now); err != nil {
		return nil, err
	}
	if err := embed(c, att, now); err != nil {
		return nil, err
	}
	return writePDF(ctx, c, nil)
}

// makePDFA adds what PDF/A-3b asks for and fpdf does not write: XMP
// metadata with the PDF/A identification, an output intent, subset tags on
// the font names, and an Info dictionary that agrees with the XMP.
func makePDFA(c *model.Context, title, lang string, now time.Time) error {
	cat, err := c.Catalog()
	if err != nil {
		return errPDF("catalog", err)
	}
	info := types.NewDict()
	info.Insert("Title", text(title))
	info.Insert("Creator", text(Producer))
	info.Insert("Producer", text(Producer))
	info.Insert("CreationDate", types.StringLiteral(types.DateString(now)))
	info.Insert("ModDate", types.StringLiteral(types.DateString(now)))
	if c.Info != nil {
		// fpdf's own Info dictionary: replaced, not kept as dead weight.
		if e, ok := c.Table[c.Info.ObjectNumber.Value()]; ok {
			e.Free, e.Object = true, nil
		}
	}
	ir, err := c.IndRefForNewObject(info)
	if err != nil {
		return err
	}
	c.Info = ir

	md := types.NewDict()
	md.Insert("Type", types.Name("Metadata"))
	md.Insert("Subtype", types.Name("XML"))
	// Uncompressed, so that tools that look for the PDF/A claim by
	// scanning the file find it.
	mref, err := newRawStream(c, md, xmp(title, lang, now))
	if err != nil {
		return err
	}
	cat.Update("Metadata", *mref)

	icc := types.NewDict()
	icc.Insert("N", types.Integer(3))
	iref, err := newStream(c, icc, iccSRGB)
	if err != nil {
		return err
	}
	oi := types.NewDict()
	oi.Insert("Type", types.Name("OutputIntent"))
	oi.Insert("S", types.Name("GTS_PDFA1"))
	oi.Insert("OutputConditionIdentifier", text("sRGB IEC61966-2.1"))
	oi.Insert("RegistryName", text("http://www.color.org"))
	oi.Insert("Info", text("sRGB IEC61966-2.1"))
	oi.Insert("DestOutputProfile", *iref)
	cat.Update("OutputIntents", types.Array{oi})
	cat.Update("Lang", text(lang))
	cat.Delete("Version")

	return tagSubsetFonts(c)
}

// tagSubsetFonts renames fpdf's subset fonts ("utf8dejavusans") to
// "ABCDEF+DejaVuSans": ISO 32000-1 9.6.4 requires the six-letter tag on a
// subset, and tools (pdffonts, preflight checkers) read it. The tag is
// derived from the subset's bytes, so it is stable for the same text.
func tagSubsetFonts(c *model.Context) error {
	for i := 1; i < *c.Size; i++ {
		e, ok := c.Table[i]
		if !ok || e == nil || e.Free {
			continue
		}
		d, ok := e.Object.(types.Dict)
		if !ok || d.Type() == nil || (*d.Type() != "Font" && *d.Type() != "FontDescriptor") {
			continue
		}
		key := "BaseFont"
		if *d.Type() == "FontDescriptor" {
			key = "FontName"
		}
		n := d.NameEntry(key)
		if n == nil || !strings.HasPrefix(*n, "utf8") {
			continue
		}
		name := "DejaVuSans"
		if strings.HasSuffix(*n, "B") {
			name = "DejaVuSans-Bold"
		}
		tag, err := subsetTag(c, d, *d.Type())
		if err != nil {
			return err
		}
		d.Update(key, types.Name(tag+"+"+name))
	}
	return nil
}

// subsetTag finds the font program behind a font or descriptor
// dictionary and turns a digest of it into six capital letters.
func subsetTag(c *model.Context, d types.Dict, typ string) (string, error) {
	desc := d
	if typ == "Font" {
		if o, found := d.Find("DescendantFonts"); found {
			a, err := c.DereferenceArray(o)
			if err != nil || len(a) != 1 {
				return "", errPDF("DescendantFonts", err)
			}
			if d, err = c.DereferenceDict(a[0]); err != nil || d == nil {
				return "", errPDF("CIDFont", err)
			}
		}
		var err error
		if desc, err = c.DereferenceDict(d["FontDescriptor"]); err != nil || desc == nil {
			return "", errPDF("FontDescriptor", err)
		}
	}
	sd, _, err := c.DereferenceStreamDict(desc["FontFile2"])
	if err != nil || sd == nil {
		return "", errPDF("FontFile2", err)
	}
	sum := sha256.Sum256(sd.Raw)
	tag := make([]byte, 6)
	for i := range tag {
		tag[i] = 'A' + sum[i]%26
	}
	return string(tag), nil
}

// xmp returns the XMP packet: PDF/A-3B identification plus the Dublin
// Core, XMP and PDF properties that mirror the Info dictionary (PDF/A
// requires the two to agree).
func xmp(title, lang string, now time.Time) []byte {
	esc := func(s string) string {
		var b strings.Builder
		xml.EscapeText(&b, []byte(s))
		return b.String()
	}
	date := now.Format("2006-01-02T15:04:05-07:00")
	var b strings.Builder
	b.WriteString("<?xpacket begin=\"\uFEFF\" id=\"W5M0MpCehiHzreSzNTczkc9d\"?>\n")
	b.WriteString(`<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">
<rdf:Description rdf:about=""
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:xmp="http://ns.adobe.com/xap/1.0/"
 xmlns:pdf="http://ns.adobe.com/pdf/1.3/"
 xmlns:pdfaid="http://www.aiim.org/pdfa/ns/id/">
<dc:format>application/pdf</dc:format>
<dc:title><rdf:Alt><rdf:li xml:lang="x-default">` + esc(title) + `</rdf:li></rdf:Alt></dc:title>
<dc:language><rdf:Bag><rdf:li>` + esc(lang) + `</rdf:li></rdf:Bag></dc:language>
<xmp:CreatorTool>` + esc(Producer) + `</xmp:CreatorTool>
<xmp:CreateDate>` + date + `</xmp:CreateDate>
<xmp:ModifyDate>` + date + `</xmp:ModifyDate>
<xmp:MetadataDate>` + date + `</xmp:MetadataDate>
<pdf:Producer>` + esc(Producer) + `</pdf:Producer>
<pdfaid:part>3</pdfaid:part>
<pdfaid:conformance>B</pdfaid:conformance>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
`)
	// Padding lets an editor update the packet in place (XMP spec part 1).
	b.WriteString(strings.Repeat(strings.Repeat(" ", 99)+"\n", 20))
	b.WriteString(`<?xpacket end="w"?>`)
	return []byte(b.String())
}
