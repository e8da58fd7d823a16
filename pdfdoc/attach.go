package pdfdoc

// This file holds embedded files: writing one as a PDF/A-3 associated file
// (/AF in the catalog, /AFRelationship /Data, /EmbeddedFiles name tree)
// and reading one back.

import (
	"bytes"
	"compress/zlib"
	"context"
	"crypto/md5"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/model"
	"github.com/pdfcpu/pdfcpu/pkg/pdfcpu/types"
)

// Attachment is a file embedded in a PDF.
type Attachment struct {
	Name        string    // file name, such as "document.json"
	MIMEType    string    // media type, such as "application/json"
	Description string    // optional, shown by PDF viewers
	ModTime     time.Time // modification time; zero means the document's time
	Data        []byte

	// Relationship is the file's /AFRelationship. Issue and Stamp always
	// write "Data" (the file is the data the document shows); on reading
	// it is whatever the PDF says, "" when the file is not associated.
	Relationship string
}

// Limits on what the name trees of an input PDF may hold, so a hostile
// tree cannot make us walk forever.
const (
	maxNameTreeDepth   = 16
	maxNameTreeEntries = 10000
)

func (a *Attachment) check() error {
	if a.Name == "" || len(a.Name) > 200 || strings.ContainsAny(a.Name, "/\\") {
		return errOpt("attachment name must be 1-200 bytes without / or \\")
	}
	for _, r := range a.Name + a.Description {
		if unicode.IsControl(r) {
			return errOpt("attachment name and description must not contain control characters")
		}
	}
	if len(a.Description) > 1000 {
		return errOpt("attachment description is longer than 1000 bytes")
	}
	typ, sub, ok := strings.Cut(a.MIMEType, "/")
	if !ok || !mimeToken(typ) || !mimeToken(sub) {
		return errOpt("attachment MIME type must look like application/json")
	}
	if len(a.Data) > MaxAttachmentSize {
		return &pdfError{ErrTooLarge, "attachment is " + strconv.Itoa(len(a.Data)) + " bytes, the limit is " + strconv.Itoa(MaxAttachmentSize), nil}
	}
	return nil
}

func mimeToken(s string) bool {
	if s == "" || len(s) > 100 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$&-^_.+", c) >= 0) {
			return false
		}
	}
	return true
}

// embed adds a as an associated file of the whole document. A name already
// present in the document's EmbeddedFiles tree is refused rather than
// replaced: a stamped agency PDF might carry a file of its own.
func embed(c *model.Context, a *Attachment, now time.Time) error {
	mod := a.ModTime
	if mod.IsZero() {
		mod = now
	}
	sum := md5.Sum(a.Data) // /CheckSum is defined as MD5 (ISO 32000-1 table 46)
	params := types.NewDict()
	params.Insert("Size", types.Integer(len(a.Data)))
	params.Insert("ModDate", types.StringLiteral(types.DateString(mod)))
	params.Insert("CheckSum", types.NewHexLiteral(sum[:]))
	sd := types.NewDict()
	sd.Insert("Type", types.Name("EmbeddedFile"))
	sd.Insert("Subtype", types.Name(a.MIMEType))
	sd.Insert("Params", params)
	ef, err := newStream(c, sd, a.Data)
	if err != nil {
		return err
	}
	efd := types.NewDict()
	efd.Insert("F", *ef)
	efd.Insert("UF", *ef)
	fs := types.NewDict()
	fs.Insert("Type", types.Name("Filespec"))
	fs.Insert("F", text(asciiName(a.Name)))
	fs.Insert("UF", text(a.Name))
	if a.Description != "" {
		fs.Insert("Desc", text(a.Description))
	}
	fs.Insert("AFRelationship", types.Name("Data"))
	fs.Insert("EF", efd)
	fsRef, err := c.IndRefForNewObject(fs)
	if err != nil {
		return err
	}

	cat, err := c.Catalog()
	if err != nil {
		return errPDF("catalog", err)
	}
	// Name tree: the existing entries, flattened, plus ours.
	names := types.NewDict()
	if o, found := cat.Find("Names"); found {
		d, err := c.DereferenceDict(o)
		if err != nil {
			return errPDF("catalog /Names", err)
		}
		if d != nil {
			names = d.Clone().(types.Dict)
		}
	}
	var entries []nameEntry
	if o, found := names.Find("EmbeddedFiles"); found {
		n := 0
		if err := walkNameTree(c, o, 0, &n, func(k string, v types.Object) error {
			entries = append(entries, nameEntry{k, v})
			return nil
		}); err != nil {
			return err
		}
	}
	for _, e := range entries {
		if e.key == a.Name {
			return errOpt("the PDF already has an embedded file named " + strconv.Quote(a.Name))
		}
	}
	entries = append(entries, nameEntry{a.Name, *fsRef})
	// Keys are ordered by their bytes as written (ISO 32000-1 7.9.6).
	slices.SortFunc(entries, func(x, y nameEntry) int {
		return strings.Compare(string(text(x.key)), string(text(y.key))) // same-case hex keeps byte order
	})
	arr := make(types.Array, 0, 2*len(entries))
	for _, e := range entries {
		arr = append(arr, text(e.key), e.val)
	}
	tree := types.NewDict()
	tree.Insert("Names", arr)
	names.Update("EmbeddedFiles", tree)
	cat.Update("Names", names)

	var af types.Array
	if o, found := cat.Find("AF"); found {
		a, err := c.DereferenceArray(o)
		if err != nil {
			return errPDF("catalog /AF", err)
		}
		af = append(af, a...)
	}
	af = append(af, *fsRef)
	cat.Update("AF", af)
	return nil
}

// asciiName is the /F fallback for readers that ignore /UF: the name with
// every non-ASCII character replaced by '_'.
func asciiName(s string) string {
	b := []byte{}
	for _, r := range s {
		if r < 0x20 || r >= 0x7f {
			r = '_'
		}
		b = append(b, byte(r))
	}
	return string(b)
}

type nameEntry struct {
	key string
	val types.Object
}

// walkNameTree calls fn for each leaf entry of a name tree, depth-first.
func walkNameTree(c *model.Context, o types.Object, depth int, n *int, fn func(string, types.Object) error) error {
	if depth > maxNameTreeDepth {
		return errPDF("name tree is nested too deeply", nil)
	}
	d, err := c.DereferenceDict(o)
	if err != nil || d == nil {
		return errPDF("name tree node", err)
	}
	if o, found := d.Find("Names"); found {
		a, err := c.DereferenceArray(o)
		if err != nil {
			return errPDF("name tree /Names", err)
		}
		for i := 0; i+1 < len(a); i += 2 {
			*n++
			if *n > maxNameTreeEntries {
				return errPDF("name tree has too many entries", nil)
			}
			k, err := c.Dereference(a[i])
			if err != nil {
				return errPDF("name tree key", err)
			}
			s, err := types.StringOrHexLiteral(k)
			if err != nil || s == nil {
				return errPDF("name tree key is not a string", err)
			}
			if err := fn(*s, a[i+1]); err != nil {
				return err
			}
		}
	}
	if o, found := d.Find("Kids"); found {
		a, err := c.DereferenceArray(o)
		if err != nil {
			return errPDF("name tree /Kids", err)
		}
		for _, k := range a {
			if err := walkNameTree(c, k, depth+1, n, fn); err != nil {
				return err
			}
		}
	}
	return nil
}

// ReadAttachment returns the file embedded in pdf under name (its key in
// the document's EmbeddedFiles tree). The data is checked against the
// file's /Params /Size and /CheckSum when they are present; a mismatch is
// ErrAttachment, a missing file ErrNoAttachment.
//
// ReadAttachment does not check signatures: a caller that trusts the data
// must first verify the PDF's signature, which covers the embedded file.
func ReadAttachment(ctx context.Context, pdf []byte, name string) (*Attachment, error) {
	c, err := readPDF(ctx, pdf)
	if err != nil {
		return nil, err
	}
	return findAttachment(c, name)
}

func findAttachment(c *model.Context, name string) (att *Attachment, err error) {
	// pdfcpu's lazy object decoding can panic on hostile object streams.
	defer func() {
		if r := recover(); r != nil {
			att, err = nil, errPDF("damaged object", nil)
		}
	}()
	cat, err := c.Catalog()
	if err != nil {
		return nil, errPDF("catalog", err)
	}
	no, found := cat.Find("Names")
	if !found {
		return nil, ErrNoAttachment
	}
	names, err := c.DereferenceDict(no)
	if err != nil || names == nil {
		return nil, ErrNoAttachment
	}
	tree, found := names.Find("EmbeddedFiles")
	if !found {
		return nil, ErrNoAttachment
	}
	var spec types.Object
	n := 0
	if err := walkNameTree(c, tree, 0, &n, func(k string, v types.Object) error {
		if k == name && spec == nil {
			spec = v
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if spec == nil {
		return nil, ErrNoAttachment
	}
	fs, err := c.DereferenceDict(spec)
	if err != nil || fs == nil {
		return nil, &pdfError{ErrAttachment, "file specification", err}
	}
	a := &Attachment{Name: name}
	if r := fs.NameEntry("AFRelationship"); r != nil {
		a.Relationship = *r
	}
	if o, found := fs.Find("Desc"); found {
		if o, err := c.Dereference(o); err == nil {
			if s, err := types.StringOrHexLiteral(o); err == nil && s != nil {
				a.Description = *s
			}
		}
	}
	efo, found := fs.Find("EF")
	if !found {
		return nil, &pdfError{ErrAttachment, "file specification has no /EF", nil}
	}
	ef, err := c.DereferenceDict(efo)
	if err != nil || ef == nil {
		return nil, &pdfError{ErrAttachment, "/EF", err}
	}
	so, found := ef.Find("UF")
	if !found {
		if so, found = ef.Find("F"); !found {
			return nil, &pdfError{ErrAttachment, "/EF has no file stream", nil}
		}
	}
	sd, _, err := c.DereferenceStreamDict(so)
	if err != nil || sd == nil {
		return nil, &pdfError{ErrAttachment, "file stream", err}
	}
	if st := sd.Dict.NameEntry("Subtype"); st != nil {
		a.MIMEType = *st
	}
	if a.Data, err = decodeFlate(c, sd); err != nil {
		return nil, err
	}
	if po, found := sd.Dict.Find("Params"); found {
		if err := checkParams(c, po, a); err != nil {
			return nil, err
		}
	}
	return a, nil
}

// decodeFlate decodes an embedded file stream itself, with a hard output
// limit, instead of through pdfcpu: a few kilobytes of Flate data can
// expand to gigabytes.
func decodeFlate(c *model.Context, sd *types.StreamDict) ([]byte, error) {
	f, found := sd.Dict.Find("Filter")
	if !found {
		if len(sd.Raw) > MaxAttachmentSize {
			return nil, &pdfError{ErrTooLarge, "embedded file is larger than MaxAttachmentSize", nil}
		}
		return slices.Clone(sd.Raw), nil
	}
	f, _ = c.Dereference(f)
	switch v := f.(type) {
	case types.Name:
		if v != "FlateDecode" {
			return nil, &pdfError{ErrAttachment, "filter " + string(v) + " is not supported; only FlateDecode", nil}
		}
	case types.Array:
		if len(v) != 1 || v[0] != types.Name("FlateDecode") {
			return nil, &pdfError{ErrAttachment, "only a single FlateDecode filter is supported", nil}
		}
	default:
		return nil, &pdfError{ErrAttachment, "malformed /Filter", nil}
	}
	if _, found := sd.Dict.Find("DecodeParms"); found {
		return nil, &pdfError{ErrAttachment, "FlateDecode with predictors is not supported for embedded files", nil}
	}
	zr, err := zlib.NewReader(bytes.NewReader(sd.Raw))
	if err != nil {
		return nil, &pdfError{ErrAttachment, "compressed data", err}
	}
	data, err := io.ReadAll(io.LimitReader(zr, MaxAttachmentSize+1))
	if err != nil {
		return nil, &pdfError{ErrAttachment, "compressed data", err}
	}
	if len(data) > MaxAttachmentSize {
		return nil, &pdfError{ErrTooLarge, "embedded file is larger than MaxAttachmentSize", nil}
	}
	return data, nil
}

func checkParams(c *model.Context, po types.Object, a *Attachment) error {
	p, err := c.DereferenceDict(po)
	if err != nil || p == nil {
		return &pdfError{ErrAttachment, "/Params", err}
	}
	if so, found := p.Find("Size"); found {
		n, err := c.DereferenceInteger(so)
		if err != nil || n == nil || int(*n) != len(a.Data) {
			return &pdfError{ErrAttachment, "size differs from /Params /Size", nil}
		}
	}
	if co, found := p.Find("CheckSum"); found {
		co, _ = c.Dereference(co)
		var want []byte
		switch v := co.(type) {
		case types.HexLiteral:
			want, err = v.Bytes()
		case types.StringLiteral:
			want, err = types.Unescape(v.Value())
		default:
			err = io.ErrUnexpectedEOF
		}
		sum := md5.Sum(a.Data)
		if err != nil || !bytes.Equal(want, sum[:]) {
			return &pdfError{ErrAttachment, "MD5 differs from /Params /CheckSum", nil}
		}
	}
	if mo, found := p.Find("ModDate"); found {
		if mo, err := c.Dereference(mo); err == nil {
			if s, err := types.StringOrHexLiteral(mo); err == nil && s != nil {
				if t, ok := types.DateTime(*s, true); ok {
					a.ModTime = t
				}
			}
		}
	}
	return nil
}
