package pdfdoc

// This file holds the PDF object layer: reading a PDF into pdfcpu's object
// model, and writing the model back as a single-revision file with our own
// serializer (see the package doc for why pdfcpu's writer is not used).

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/sha256"
	"fmt"
	"strconv"

	"github.com/pdfcpu/pdfcpu/pkg/api"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Size limits for PDFs this package reads.
const (
	// MaxPDFSize is the largest PDF Stamp and ReadAttachment accept.
	MaxPDFSize = 64 << 20

	// MaxAttachmentSize is the largest embedded file Issue and Stamp embed
	// and ReadAttachment decompresses.
	MaxAttachmentSize = 16 << 20
)

// readConfig is a pdfcpu configuration built here rather than with
// model.NewDefaultConfiguration, which creates a configuration directory in
// the user's home on first use; a server has no business writing there.
func readConfig() *model.Configuration {
	lim := model.DefaultResourceLimits()
	lim.MaxStreamBytes = MaxPDFSize
	lim.MaxDecodeBytes = 4 * MaxPDFSize
	lim.MaxImageBytes = 4 * MaxPDFSize
	lim.MaxObjectCount = 1_000_000
	lim.MaxXRefEntries = 1_000_000
	lim.MaxObjectStreamCount = 100_000
	lim.MaxRecursionDepth = 64
	return &model.Configuration{
		Version:                   model.VersionStr,
		Reader15:                  true,
		ValidationMode:            model.ValidationRelaxed,
		UnsupportedResourcePolicy: model.UnsupportedResourceSkip,
		Eol:                       types.EolLF,
		Offline:                   true,
		Limits:                    lim,
	}
}

// readPDF parses b. pdfcpu recovers most of its own panics; the deferred
// recover here is the last line for the rest, so hostile input gives ErrPDF,
// never a crash.
func readPDF(ctx context.Context, b []byte) (c *model.Context, err error) {
	if len(b) > MaxPDFSize {
		return nil, &pdfError{ErrTooLarge, "PDF is " + strconv.Itoa(len(b)) + " bytes, the limit is " + strconv.Itoa(MaxPDFSize), nil}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	defer func() {
		if r := recover(); r != nil {
			c, err = nil, errPDF(fmt.Sprint("parser failed: ", r), nil)
		}
	}()
	c, err = api.ReadContext(bytes.NewReader(b), readConfig())
	if err != nil {
		return nil, errPDF("", err)
	}
	if c.Encrypt != nil || c.E != nil {
		return nil, &pdfError{ErrEncrypted, "", nil}
	}
	if err := c.EnsurePageCount(); err != nil {
		return nil, errPDF("page tree", err)
	}
	if c.PageCount < 1 {
		return nil, errPDF("the document has no pages", nil)
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c, nil
}

// newStream adds a Flate-compressed stream object with dictionary d.
func newStream(c *model.Context, d types.Dict, content []byte) (*types.IndirectRef, error) {
	var buf bytes.Buffer
	zw, _ := zlib.NewWriterLevel(&buf, zlib.BestCompression)
	zw.Write(content)
	zw.Close()
	d.Insert("Filter", types.Name("FlateDecode"))
	return newRawStream(c, d, buf.Bytes())
}

// newRawStream adds a stream object whose data is written as given.
func newRawStream(c *model.Context, d types.Dict, raw []byte) (*types.IndirectRef, error) {
	d.Update("Length", types.Integer(len(raw)))
	sd := types.StreamDict{Dict: d, Raw: raw}
	return c.IndRefForNewObject(sd)
}

// text returns a PDF text string: UTF-16BE with a byte order mark for
// anything beyond ASCII, as ISO 32000-1 7.9.2.2 allows for every text
// string, written in hex so no escaping is needed.
func text(s string) types.HexLiteral {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] >= 0x7f {
			ascii = false
			break
		}
	}
	if ascii {
		return types.NewHexLiteral([]byte(s))
	}
	return types.NewHexLiteral([]byte(types.EncodeUTF16String(s)))
}

// writePDF serializes every live object of c as one revision with a
// classic cross-reference table. Object numbers are kept, so references
// need no rewriting; object and cross-reference streams of the input are
// dropped (their objects are written out individually), and so is a
// linearization dictionary, which would be stale.
//
// The file ID's first half is kept when the input had one; the second is a
// digest of the body, so identical input gives identical output.
func writePDF(ctx context.Context, c *model.Context, id0 []byte) ([]byte, error) {
	var out bytes.Buffer
	out.WriteString("%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
	size := *c.Size
	offsets := make([]int, size)
	gens := make([]int, size)
	for i := 1; i < size; i++ {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return nil, err
			}
		}
		e, ok := c.Table[i]
		if !ok || e == nil || e.Free {
			continue
		}
		obj := e.Object
		if _, lazy := obj.(types.LazyObjectStreamObject); lazy {
			o, err := c.Dereference(*types.NewIndirectRef(i, derefGen(e)))
			if err != nil {
				return nil, errPDF("object "+strconv.Itoa(i), err)
			}
			obj = o
		}
		var body []byte
		switch o := obj.(type) {
		case nil, types.ObjectStreamDict, *types.ObjectStreamDict, types.XRefStreamDict, *types.XRefStreamDict:
			continue
		case types.StreamDict:
			if t := o.Dict.NameEntry("Type"); t != nil && (*t == "ObjStm" || *t == "XRef") {
				continue
			}
			raw := o.Raw
			if raw == nil && o.Content != nil {
				if err := o.Encode(); err != nil {
					return nil, errPDF("object "+strconv.Itoa(i), err)
				}
				raw = o.Raw
			}
			d := o.Dict.Clone().(types.Dict)
			d.Update("Length", types.Integer(len(raw)))
			var b bytes.Buffer
			b.WriteString(d.PDFString())
			b.WriteString("\nstream\n")
			b.Write(raw)
			b.WriteString("\nendstream")
			body = b.Bytes()
		case types.Dict:
			if _, lin := o.Find("Linearized"); lin {
				continue
			}
			body = []byte(o.PDFString())
		default:
			body = []byte(o.PDFString())
		}
		offsets[i] = out.Len()
		gens[i] = derefGen(e)
		fmt.Fprintf(&out, "%d %d obj\n", i, gens[i])
		out.Write(body)
		out.WriteString("\nendobj\n")
	}
	sum := sha256.Sum256(out.Bytes())
	if len(id0) != 16 {
		id0 = sum[16:]
	}
	xref := out.Len()
	fmt.Fprintf(&out, "xref\n0 %d\n", size)
	out.WriteString("0000000000 65535 f\r\n")
	for i := 1; i < size; i++ {
		if offsets[i] == 0 {
			out.WriteString("0000000000 00001 f\r\n")
			continue
		}
		fmt.Fprintf(&out, "%010d %05d n\r\n", offsets[i], gens[i])
	}
	tr := types.NewDict()
	tr.Insert("Size", types.Integer(size))
	tr.Insert("Root", *c.Root)
	if c.Info != nil {
		tr.Insert("Info", *c.Info)
	}
	tr.Insert("ID", types.Array{types.NewHexLiteral(id0), types.NewHexLiteral(sum[:16])})
	fmt.Fprintf(&out, "trailer\n%s\nstartxref\n%d\n%%%%EOF\n", tr.PDFString(), xref)
	return out.Bytes(), nil
}

func derefGen(e *model.XRefTableEntry) int {
	if e.Generation == nil {
		return 0
	}
	return *e.Generation
}

// firstID returns the first half of the input's file ID, which identifies
// the document across revisions (ISO 32000-1 14.4).
func firstID(c *model.Context) []byte {
	if len(c.ID) < 1 {
		return nil
	}
	switch v := c.ID[0].(type) {
	case types.HexLiteral:
		b, err := v.Bytes()
		if err == nil && len(b) == 16 {
			return b
		}
	case types.StringLiteral:
		b, err := types.Unescape(v.Value())
		if err == nil && len(b) == 16 {
			return b
		}
	}
	return nil
}
