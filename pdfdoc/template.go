package pdfdoc

// This file holds the template and data formats (documented in
// TEMPLATES.md): parsing, validation, and binding data into a template.

import (
	"encoding/base64"
	"errors"
	"image"
	_ "image/jpeg" // logos may be JPEG
	_ "image/png"
	"strconv"
	"strings"
	"time"
)

// Format identifiers; a document with another "format" is refused so that
// a future incompatible version cannot be misread as this one.
const (
	TemplateFormat = "tamga.template/1"
	DataFormat     = "tamga.data/1"
)

// Size limits for the JSON documents. A template may carry a logo, which
// is why its limit is larger.
const (
	MaxTemplateSize = 512 << 10
	MaxDataSize     = 64 << 10
)

// Limits on the content, so that one A4 page is enough and hostile input
// cannot make layout slow.
const (
	maxFields      = 30
	maxParagraphs  = 12
	maxValues      = 64
	maxShortText   = 300
	maxLongText    = 2000
	maxLogoPixels  = 1 << 22 // 2048x2048
	maxNumberDigit = 32
)

var languages = map[string]bool{"ky": true, "ru": true, "kk": true, "en": true}

// Template is a parsed and validated result-document template. It is
// immutable and safe for concurrent use.
type Template struct {
	docType    string
	lang       string
	title      string
	subtitle   string
	agencyName string
	agencyAddr string
	logo       []byte // PNG or JPEG
	logoType   string // "PNG" or "JPG" for fpdf
	logoW      int
	logoH      int
	fields     []tmplField
	paragraphs []string
	sigPos     string
	sigName    string
	seal       SealInfo
	verifyURL  string
	qr         box
	code       box
	keys       map[string]bool // every data key the template refers to
}

type tmplField struct {
	key      string
	label    string
	optional bool
}

// box is a rectangle on the page in millimetres from the top-left corner.
type box struct{ x, y, w, h float64 }

func (b box) overlaps(c box) bool {
	return b.x < c.x+c.w && c.x < b.x+b.w && b.y < c.y+c.h && c.y < b.y+b.h
}

// Default barcode positions: QR bottom-left, Code 128 bottom-right.
var (
	defaultQR   = box{x: 20, y: 226, w: 46, h: 46}
	defaultCode = box{x: 108, y: 246, w: 82, h: 16}
)

// A4 in millimetres.
const (
	pageW = 210.0
	pageH = 297.0
)

// ParseTemplate parses and validates a template (see TEMPLATES.md). Every
// problem is a *FieldError naming the member; errors.Is(err, ErrTemplate)
// holds for all of them.
func ParseTemplate(b []byte) (*Template, error) {
	o, _, err := decodeStrict("template", b, MaxTemplateSize)
	if err != nil {
		return nil, err
	}
	t := &Template{keys: map[string]bool{}}
	if err := t.parse(o); err != nil {
		return nil, err
	}
	return t, nil
}

func (t *Template) parse(o *jobj) error {
	f, err := o.str("format", true, 64)
	if err != nil {
		return err
	}
	if f != TemplateFormat {
		return o.fail("format", ErrInvalidValue, "must be "+strconv.Quote(TemplateFormat))
	}
	if t.docType, err = o.str("document_type", true, 64); err != nil {
		return err
	}
	if !validKey(t.docType) {
		return o.fail("document_type", ErrInvalidValue, "must be a lower-case identifier such as certificate_of_residence")
	}
	if t.lang, err = o.str("language", true, 2); err != nil {
		return err
	}
	if !languages[t.lang] {
		return o.fail("language", ErrInvalidValue, "must be one of ky, ru, kk, en")
	}
	if t.title, err = t.text(o, "title", true, maxShortText); err != nil {
		return err
	}
	if t.subtitle, err = t.text(o, "subtitle", false, maxShortText); err != nil {
		return err
	}
	if t.verifyURL, err = o.str("verify_url", false, 200); err != nil {
		return err
	}
	if t.verifyURL != "" && !strings.HasPrefix(t.verifyURL, "https://") {
		return o.fail("verify_url", ErrInvalidValue, "must start with https://")
	}
	if err := t.parseAgency(o); err != nil {
		return err
	}
	if err := t.parseFields(o); err != nil {
		return err
	}
	if err := t.parseSeal(o); err != nil {
		return err
	}
	paras, err := o.array("paragraphs", false, maxParagraphs)
	if err != nil {
		return err
	}
	for i, p := range paras {
		s, ok := p.(string)
		field := "paragraphs[" + strconv.Itoa(i) + "]"
		if !ok {
			return o.fail(field, ErrInvalidValue, "must be a string")
		}
		if err := checkText(s, maxLongText); err != nil {
			return o.fail(field, ErrInvalidValue, err.Error())
		}
		if err := t.placeholders(s); err != nil {
			return o.fail(field, ErrInvalidValue, err.Error())
		}
		t.paragraphs = append(t.paragraphs, s)
	}
	sig, err := o.object("signature", true)
	if err != nil {
		return err
	}
	if t.sigPos, err = t.text(sig, "position", true, maxShortText); err != nil {
		return err
	}
	if t.sigName, err = t.text(sig, "name", true, maxShortText); err != nil {
		return err
	}
	if err := sig.done(); err != nil {
		return err
	}
	if err := t.parseBarcodes(o); err != nil {
		return err
	}
	return o.done()
}

// text reads a string member that may hold {key} placeholders.
func (t *Template) text(o *jobj, key string, required bool, maxRunes int) (string, error) {
	s, err := o.str(key, required, maxRunes)
	if err != nil {
		return "", err
	}
	if err := t.placeholders(s); err != nil {
		return "", o.fail(key, ErrInvalidValue, err.Error())
	}
	return s, nil
}

// placeholders records the data keys a text refers to. Every '{' must
// open a placeholder: a stray brace is more likely a typo than intended
// text on an official document.
func (t *Template) placeholders(s string) error {
	return expand(s, func(key string) (string, bool) {
		t.keys[key] = true
		return "", true
	}, nil)
}

// expand replaces each {key} in s using lookup, writing to out when out is
// not nil.
func expand(s string, lookup func(string) (string, bool), out *strings.Builder) error {
	for {
		i := strings.IndexAny(s, "{}")
		if i < 0 {
			if out != nil {
				out.WriteString(s)
			}
			return nil
		}
		if s[i] == '}' {
			return errors.New("has a '}' without a matching '{'")
		}
		j := strings.IndexByte(s[i:], '}')
		if j < 0 {
			return errors.New("has a '{' without a matching '}'")
		}
		key := s[i+1 : i+j]
		if !validKey(key) {
			return errors.New("placeholder {" + key + "} is not a lower-case identifier")
		}
		v, ok := lookup(key)
		if !ok {
			return errors.New("placeholder {" + key + "} has no value")
		}
		if out != nil {
			out.WriteString(s[:i])
			out.WriteString(v)
		}
		s = s[i+j+1:]
	}
}

// SealInfo says how a template's documents are sealed (see barcode/seal):
// the issuing agency's code, the document type's code in its register,
// and which data values hold the holder's name and the expiry date.
type SealInfo struct {
	Issuer     string // 1-16 of A-Z 0-9 '-'
	TypeCode   uint16
	HolderKey  string // data value with the holder's name as printed; "" if none
	ExpiryKey  string // data value with the last valid day (dd.mm.yyyy or yyyy-mm-dd); "" if none
	configured bool
}

// Seal returns the template's seal section; ok is false when it has none.
func (t *Template) Seal() (info SealInfo, ok bool) { return t.seal, t.seal.configured }

func (t *Template) parseSeal(o *jobj) error {
	so, err := o.object("seal", false)
	if err != nil || so == nil {
		return err
	}
	if t.seal.Issuer, err = so.str("issuer", true, 16); err != nil {
		return err
	}
	for _, r := range t.seal.Issuer {
		if !(r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
			return so.fail("issuer", ErrInvalidValue, "must be 1-16 of A-Z, 0-9 and '-'")
		}
	}
	code, _, err := so.num("type_code", true, 0, 65535)
	if err != nil {
		return err
	}
	if code != float64(uint16(code)) {
		return so.fail("type_code", ErrInvalidValue, "must be a whole number")
	}
	t.seal.TypeCode = uint16(code)
	for _, k := range []struct {
		name string
		dst  *string
	}{{"holder", &t.seal.HolderKey}, {"expiry", &t.seal.ExpiryKey}} {
		if *k.dst, err = so.str(k.name, false, 64); err != nil {
			return err
		}
		if *k.dst != "" && !validKey(*k.dst) {
			return so.fail(k.name, ErrInvalidValue, "must name a data value (a lower-case identifier)")
		}
	}
	t.seal.configured = true
	return so.done()
}

func (t *Template) parseAgency(o *jobj) error {
	a, err := o.object("agency", true)
	if err != nil {
		return err
	}
	if t.agencyName, err = a.str("name", true, maxShortText); err != nil {
		return err
	}
	if t.agencyAddr, err = a.str("address", false, maxShortText); err != nil {
		return err
	}
	logo, err := a.str("logo", false, MaxTemplateSize)
	if err != nil {
		return err
	}
	if logo != "" {
		if err := t.parseLogo(logo); err != nil {
			return a.fail("logo", ErrInvalidValue, err.Error())
		}
	}
	return a.done()
}

// parseLogo accepts a base64 PNG or JPEG and checks its header before any
// pixel is decoded, so a small file claiming a huge image is refused cheaply.
func (t *Template) parseLogo(s string) error {
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return errors.New("must be a base64-encoded PNG or JPEG image")
	}
	cfg, format, err := image.DecodeConfig(strings.NewReader(string(b)))
	if err != nil || (format != "png" && format != "jpeg") {
		return errors.New("must be a base64-encoded PNG or JPEG image")
	}
	if cfg.Width <= 0 || cfg.Height <= 0 || cfg.Width*cfg.Height > maxLogoPixels || cfg.Width > 4096 || cfg.Height > 4096 {
		return errors.New("image is larger than 2048x2048 pixels")
	}
	// Decode fully once so that a truncated or corrupt image fails here,
	// not halfway through rendering a document.
	if _, _, err := image.Decode(strings.NewReader(string(b))); err != nil {
		return errors.New("image data is damaged: " + err.Error())
	}
	t.logo, t.logoW, t.logoH = b, cfg.Width, cfg.Height
	t.logoType = "PNG"
	if format == "jpeg" {
		t.logoType = "JPG"
	}
	return nil
}

func (t *Template) parseFields(o *jobj) error {
	fs, err := o.array("fields", true, maxFields)
	if err != nil {
		return err
	}
	seen := map[string]bool{}
	for i, v := range fs {
		fo, err := o.elem("fields", i, v)
		if err != nil {
			return err
		}
		var f tmplField
		if f.key, err = fo.str("key", true, 64); err != nil {
			return err
		}
		if !validKey(f.key) || f.key == "number" || f.key == "date" {
			return fo.fail("key", ErrInvalidValue, "must be a lower-case identifier (a-z, 0-9, _) other than number and date")
		}
		if seen[f.key] {
			return fo.fail("key", ErrInvalidValue, "key "+f.key+" is used by two fields")
		}
		seen[f.key] = true
		if f.label, err = t.label(fo); err != nil {
			return err
		}
		if f.optional, err = fo.boolean("optional"); err != nil {
			return err
		}
		if err := fo.done(); err != nil {
			return err
		}
		t.keys[f.key] = true
		t.fields = append(t.fields, f)
	}
	return nil
}

// label reads a field label: a string, or an object of translations keyed
// by language that must include the template's language.
func (t *Template) label(fo *jobj) (string, error) {
	v := fo.get("label")
	if _, ok := v.(string); ok || v == nil {
		return fo.str("label", true, maxShortText)
	}
	tr, err := fo.object("label", true)
	if err != nil {
		return "", err
	}
	var out string
	for _, lang := range tr.keys() {
		if !languages[lang] {
			return "", tr.fail(lang, ErrUnknownField, "label languages are ky, ru, kk, en")
		}
		s, err := tr.str(lang, true, maxShortText)
		if err != nil {
			return "", err
		}
		if lang == t.lang {
			out = s
		}
	}
	if out == "" {
		return "", tr.fail(t.lang, ErrMissingField, "a label in the template's language is required")
	}
	return out, nil
}

func (t *Template) parseBarcodes(o *jobj) error {
	t.qr, t.code = defaultQR, defaultCode
	bc, err := o.object("barcodes", false)
	if err != nil || bc == nil {
		return err
	}
	if q, err := bc.object("qr", false); err != nil {
		return err
	} else if q != nil {
		if t.qr.x, _, err = q.num("x", true, 5, pageW-25); err != nil {
			return err
		}
		if t.qr.y, _, err = q.num("y", true, 120, pageH-25); err != nil {
			return err
		}
		if t.qr.w, _, err = q.num("size", true, 20, 80); err != nil {
			return err
		}
		t.qr.h = t.qr.w
		if t.qr.x+t.qr.w > pageW-5 || t.qr.y+t.qr.h > pageH-5 {
			return q.fail("size", ErrInvalidValue, "the QR code must stay 5 mm inside the page")
		}
		if err := q.done(); err != nil {
			return err
		}
	}
	if c, err := bc.object("code128", false); err != nil {
		return err
	} else if c != nil {
		if t.code.x, _, err = c.num("x", true, 5, pageW-45); err != nil {
			return err
		}
		if t.code.y, _, err = c.num("y", true, 120, pageH-15); err != nil {
			return err
		}
		if t.code.w, _, err = c.num("width", true, 40, pageW-10); err != nil {
			return err
		}
		if t.code.h, _, err = c.num("height", true, 8, 40); err != nil {
			return err
		}
		// 5 mm under the bars hold the printed number.
		if t.code.x+t.code.w > pageW-5 || t.code.y+t.code.h+numberGap > pageH-5 {
			return c.fail("width", ErrInvalidValue, "the barcode and the number under it must stay 5 mm inside the page")
		}
		if err := c.done(); err != nil {
			return err
		}
	}
	withNumber := t.code
	withNumber.h += numberGap
	if t.qr.overlaps(withNumber) {
		return bc.fail("code128", ErrInvalidValue, "the QR code and the Code 128 barcode overlap; move one of them")
	}
	return bc.done()
}

// numberGap is the height under a Code 128 symbol that holds its number, mm.
const numberGap = 5.0

// Data is a parsed data document. It is immutable and safe for concurrent
// use.
type Data struct {
	docType   string
	number    string
	date      time.Time
	values    map[string]string
	canonical []byte // RFC 8785 form of the input, embedded as document.json
}

// ParseData parses and validates a data document (see TEMPLATES.md).
// Whether the data fits a template is checked by Issue. Every problem is a
// *FieldError; errors.Is(err, ErrData) holds for all of them.
func ParseData(b []byte) (*Data, error) {
	o, canonical, err := decodeStrict("data", b, MaxDataSize)
	if err != nil {
		return nil, err
	}
	d := &Data{canonical: canonical, values: map[string]string{}}
	f, err := o.str("format", true, 64)
	if err != nil {
		return nil, err
	}
	if f != DataFormat {
		return nil, o.fail("format", ErrInvalidValue, "must be "+strconv.Quote(DataFormat))
	}
	if d.docType, err = o.str("document_type", true, 64); err != nil {
		return nil, err
	}
	if d.number, err = o.str("number", true, maxNumberDigit); err != nil {
		return nil, err
	}
	for i := 0; i < len(d.number); i++ {
		if d.number[i] < '0' || d.number[i] > '9' {
			return nil, o.fail("number", ErrInvalidValue, "must be 1-"+strconv.Itoa(maxNumberDigit)+" digits 0-9 (it is printed as Code 128)")
		}
	}
	ds, err := o.str("date", true, 10)
	if err != nil {
		return nil, err
	}
	if d.date, err = time.Parse(time.DateOnly, ds); err != nil {
		return nil, o.fail("date", ErrInvalidValue, "must be a date in the form 2025-03-14")
	}
	vals, err := o.object("values", true)
	if err != nil {
		return nil, err
	}
	ks := vals.keys()
	if len(ks) > maxValues {
		return nil, vals.fail("", ErrInvalidValue, "has more than "+strconv.Itoa(maxValues)+" members")
	}
	for _, k := range ks {
		if !validKey(k) || k == "number" || k == "date" {
			return nil, vals.fail(k, ErrInvalidValue, "names must be lower-case identifiers (a-z, 0-9, _) other than number and date")
		}
		s, err := vals.str(k, false, maxLongText)
		if err != nil {
			return nil, err
		}
		d.values[k] = s
	}
	if err := o.done(); err != nil {
		return nil, err
	}
	return d, nil
}

// Number returns the document number.
func (d *Data) Number() string { return d.number }

// Canonical returns the data in RFC 8785 (JCS) form: the bytes Issue
// embeds as document.json, and the form a seal's data digest is computed
// over. The caller must not modify the slice.
func (d *Data) Canonical() []byte { return d.canonical }

// Date returns the document's date (UTC midnight).
func (d *Data) Date() time.Time { return d.date }

// DocumentType returns the data's document type.
func (d *Data) DocumentType() string { return d.docType }

// Value returns the data value key, if present.
func (d *Data) Value(key string) (string, bool) {
	v, ok := d.values[key]
	return v, ok
}

// filled is a template with the data put in: plain strings ready to print.
type filled struct {
	t          *Template
	title      string
	subtitle   string
	number     string
	date       string
	rows       [][2]string
	paragraphs []string
	sigPos     string
	sigName    string
}

// bind checks the data against the template and fills the placeholders.
// Data values the template does not use are refused: an applicant's field
// that silently does not appear on the document is a bug in the caller.
func (t *Template) bind(d *Data) (*filled, error) {
	if d.docType != t.docType {
		return nil, &FieldError{Doc: "data", Field: "document_type", Err: ErrInvalidValue,
			Reason: "is " + strconv.Quote(d.docType) + " but the template is for " + strconv.Quote(t.docType)}
	}
	for k := range d.values {
		if !t.keys[k] {
			return nil, &FieldError{Doc: "data", Field: "values." + k, Err: ErrUnknownField,
				Reason: "the template for " + t.docType + " does not use it"}
		}
	}
	f := &filled{t: t, number: d.number, date: d.date.Format("02.01.2006")}
	lookup := func(k string) (string, bool) {
		switch k {
		case "number":
			return f.number, true
		case "date":
			return f.date, true
		}
		v, ok := d.values[k]
		return v, ok && strings.TrimSpace(v) != ""
	}
	fill := func(field, s string) (string, error) {
		var b strings.Builder
		if err := expand(s, lookup, &b); err != nil {
			// The template was checked, so the only failure is a value
			// missing from the data; name the value, not the template text.
			key := missingKey(s, lookup)
			return "", &FieldError{Doc: "data", Field: "values." + key, Err: ErrMissingField,
				Reason: "the template's " + field + " uses {" + key + "}"}
		}
		return b.String(), nil
	}
	var err error
	if f.title, err = fill("title", t.title); err != nil {
		return nil, err
	}
	if f.subtitle, err = fill("subtitle", t.subtitle); err != nil {
		return nil, err
	}
	for i, tf := range t.fields {
		v, ok := lookup(tf.key)
		if !ok {
			if tf.optional {
				continue
			}
			return nil, &FieldError{Doc: "data", Field: "values." + tf.key, Err: ErrMissingField,
				Reason: "the template's fields[" + strconv.Itoa(i) + "] requires it"}
		}
		f.rows = append(f.rows, [2]string{tf.label, v})
	}
	for i, p := range t.paragraphs {
		s, err := fill("paragraphs["+strconv.Itoa(i)+"]", p)
		if err != nil {
			return nil, err
		}
		f.paragraphs = append(f.paragraphs, s)
	}
	if f.sigPos, err = fill("signature.position", t.sigPos); err != nil {
		return nil, err
	}
	if f.sigName, err = fill("signature.name", t.sigName); err != nil {
		return nil, err
	}
	return f, nil
}

func missingKey(s string, lookup func(string) (string, bool)) string {
	var missing string
	_ = expand(s, func(k string) (string, bool) {
		if _, ok := lookup(k); !ok && missing == "" {
			missing = k
		}
		return "", true
	}, nil)
	return missing
}
