// This file holds the tokenizer and the recursive-descent parser of PDF
// object syntax (ISO 32000-1 §7.2-7.3).

package pdf

import (
	"errors"
	"strconv"
)

// errNeedMore is returned when parsing runs off the end of a window of the
// file that is not the end of the file; the caller retries with a larger
// window. It never leaves the package.
var errNeedMore = errors.New("pdf: need a larger window")

// parser parses objects from buf, which holds file bytes from offset base
// (or the decoded data of an object stream, inFile false).
type parser struct {
	buf    []byte
	pos    int
	base   int64 // file offset of buf[0]; for object streams, the offset of the stream object (for messages)
	inFile bool  // offsets are file offsets: record spans
	more   bool  // the file continues after buf
	lim    *Limits
}

func isWhite(c byte) bool {
	return c == 0 || c == '\t' || c == '\n' || c == '\f' || c == '\r' || c == ' '
}

func isDelim(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func isRegular(c byte) bool { return !isWhite(c) && !isDelim(c) }

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// off returns the file offset of the current position (for object streams,
// the offset of the stream object).
func (p *parser) off() int64 {
	if p.inFile {
		return p.base + int64(p.pos)
	}
	return p.base
}

func (p *parser) span(start, end int) Span {
	if !p.inFile {
		return Span{}
	}
	return Span{p.base + int64(start), p.base + int64(end)}
}

// eof is the error for running off the end of buf.
func (p *parser) eof() error {
	if p.more {
		return errNeedMore
	}
	return malformed(p.off(), "unexpected end of data")
}

func (p *parser) errf(format string, args ...any) error {
	return malformed(p.off(), format, args...)
}

// skipSpace skips white-space and comments.
func (p *parser) skipSpace() {
	for p.pos < len(p.buf) {
		c := p.buf[p.pos]
		switch {
		case isWhite(c):
			p.pos++
		case c == '%':
			for p.pos < len(p.buf) && p.buf[p.pos] != '\n' && p.buf[p.pos] != '\r' {
				p.pos++
			}
		default:
			return
		}
	}
}

// token reads a run of regular characters. A run that reaches the end of
// a window may continue beyond it.
func (p *parser) token() ([]byte, error) {
	start := p.pos
	for p.pos < len(p.buf) && isRegular(p.buf[p.pos]) {
		p.pos++
	}
	if p.pos == len(p.buf) && p.more {
		return nil, errNeedMore
	}
	return p.buf[start:p.pos], nil
}

// keyword skips space and reads the next token, which must be a keyword.
func (p *parser) keyword() (string, error) {
	p.skipSpace()
	if p.pos >= len(p.buf) {
		return "", p.eof()
	}
	t, err := p.token()
	if err != nil {
		return "", err
	}
	return string(t), nil
}

// expect reads keyword kw.
func (p *parser) expect(kw string) error {
	at := p.off()
	t, err := p.keyword()
	if err != nil {
		return err
	}
	if t != kw {
		return malformed(at, "expected %q, found %q", kw, clip(t))
	}
	return nil
}

func clip(s string) string {
	if len(s) > 32 {
		return s[:32] + "..."
	}
	return s
}

// parseValue parses one object at the current position.
func (p *parser) parseValue(depth int) (Object, error) {
	p.skipSpace()
	if p.pos >= len(p.buf) {
		return nil, p.eof()
	}
	c := p.buf[p.pos]
	switch {
	case c == '/':
		return p.parseName()
	case c == '(':
		return p.parseLiteral()
	case c == '<':
		if p.pos+1 >= len(p.buf) {
			return nil, p.eof()
		}
		if p.buf[p.pos+1] == '<' {
			return p.parseDict(depth)
		}
		return p.parseHex()
	case c == '[':
		return p.parseArray(depth)
	case c == '+' || c == '-' || c == '.' || isDigit(c):
		return p.parseNumberOrRef()
	case isRegular(c):
		at := p.off()
		t, err := p.token()
		if err != nil {
			return nil, err
		}
		switch string(t) {
		case "true":
			return Bool(true), nil
		case "false":
			return Bool(false), nil
		case "null":
			return Null{}, nil
		}
		return nil, malformed(at, "unexpected keyword %q where a value belongs", clip(string(t)))
	}
	return nil, p.errf("unexpected %q where a value belongs", c)
}

// commonNames are the names of the structure a signer and the verifier
// read on every file (catalog, page tree, form, signature, trailer): the
// parser returns these values (boxed once, here) instead of allocating
// the string and its interface for every name, which was a tenth of the
// allocations of signing a small PDF. Lookups with string(t) do not
// allocate.
var commonNames = func() map[string]Object {
	m := map[string]Object{}
	for _, n := range []Name{
		"Type", "Subtype", "Catalog", "Pages", "Page", "Kids", "Count", "Parent", "MediaBox", "CropBox",
		"Resources", "Rotate", "Contents", "Annots", "Font", "XObject", "ProcSet", "ExtGState", "BaseFont",
		"Length", "Filter", "DecodeParms", "FlateDecode", "Size", "Root", "Info", "ID", "Prev", "XRefStm",
		"XRef", "Index", "W", "ObjStm", "N", "First", "AcroForm", "Fields", "SigFlags", "DR", "DA",
		"Annot", "Widget", "FT", "Sig", "T", "V", "Rect", "F", "P", "AP", "Lock", "SV", "Perms", "DocMDP",
		"Filter", "SubFilter", "ByteRange", "Reference", "TransformMethod", "TransformParams", "Action",
		"Adobe.PPKLite", "ETSI.CAdES.detached", "adbe.pkcs7.detached", "ETSI.RFC3161", "DocTimeStamp",
		"M", "Reason", "Location", "ContactInfo", "Name", "DSS", "VRI", "Certs", "OCSPs", "CRLs",
		"Metadata", "Outlines", "Names", "Dests", "StructTreeRoot", "MarkInfo", "Lang", "ViewerPreferences",
		"Producer", "Creator", "CreationDate", "ModDate", "Title", "Author", "Form", "BBox", "Matrix",
		"Helvetica", "Type1", "TrueType", "Type0", "Encoding", "WinAnsiEncoding", "Image", "Width", "Height",
		"ColorSpace", "BitsPerComponent", "DeviceRGB", "DeviceGray", "Group", "Trans", "S", "Tabs", "StructParents",
	} {
		m[string(n)] = n
	}
	return m
}()

func (p *parser) parseName() (Object, error) {
	at := p.off()
	p.pos++ // '/'
	t, err := p.token()
	if err != nil {
		return nil, err
	}
	if len(t) > 3*p.lim.MaxNameLen {
		return nil, limitErr("MaxNameLen", at, "name of %d bytes", len(t))
	}
	hash := false
	for _, c := range t {
		if c == '#' {
			hash = true
			break
		}
	}
	if !hash {
		if len(t) > p.lim.MaxNameLen {
			return nil, limitErr("MaxNameLen", at, "name of %d bytes", len(t))
		}
		if n, ok := commonNames[string(t)]; ok {
			return n, nil
		}
		return Name(t), nil
	}
	out := make([]byte, 0, len(t))
	for i := 0; i < len(t); i++ {
		if t[i] != '#' {
			out = append(out, t[i])
			continue
		}
		if i+2 >= len(t) {
			return nil, malformed(at, "name has an incomplete #xx escape")
		}
		h, ok1 := unhex(t[i+1])
		l, ok2 := unhex(t[i+2])
		if !ok1 || !ok2 {
			return nil, malformed(at, "name has an invalid #xx escape")
		}
		b := h<<4 | l
		if b == 0 {
			return nil, malformed(at, "name contains #00")
		}
		out = append(out, b)
		i += 2
	}
	if len(out) > p.lim.MaxNameLen {
		return nil, limitErr("MaxNameLen", at, "name of %d bytes", len(out))
	}
	return Name(out), nil
}

func unhex(c byte) (byte, bool) {
	switch {
	case c >= '0' && c <= '9':
		return c - '0', true
	case c >= 'a' && c <= 'f':
		return c - 'a' + 10, true
	case c >= 'A' && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func (p *parser) parseLiteral() (Object, error) {
	start := p.pos
	at := p.off()
	p.pos++ // '('
	var out []byte
	nest := 1
	for {
		if p.pos >= len(p.buf) {
			return nil, p.eof()
		}
		if len(out) > p.lim.MaxStringLen {
			return nil, limitErr("MaxStringLen", at, "string longer than %d bytes", p.lim.MaxStringLen)
		}
		c := p.buf[p.pos]
		p.pos++
		switch c {
		case '(':
			nest++
			out = append(out, c)
		case ')':
			nest--
			if nest == 0 {
				raw := append([]byte(nil), p.buf[start:p.pos]...)
				if out == nil {
					out = []byte{}
				}
				return String{Value: out, Raw: raw}, nil
			}
			out = append(out, c)
		case '\r':
			// An unescaped end-of-line is read as a single LF (§7.3.4.2).
			if p.pos < len(p.buf) && p.buf[p.pos] == '\n' {
				p.pos++
			} else if p.pos >= len(p.buf) && p.more {
				return nil, errNeedMore
			}
			out = append(out, '\n')
		case '\\':
			if p.pos >= len(p.buf) {
				return nil, p.eof()
			}
			e := p.buf[p.pos]
			p.pos++
			switch e {
			case 'n':
				out = append(out, '\n')
			case 'r':
				out = append(out, '\r')
			case 't':
				out = append(out, '\t')
			case 'b':
				out = append(out, '\b')
			case 'f':
				out = append(out, '\f')
			case '(', ')', '\\':
				out = append(out, e)
			case '\r':
				// Line continuation; CRLF counts as one EOL.
				if p.pos < len(p.buf) && p.buf[p.pos] == '\n' {
					p.pos++
				} else if p.pos >= len(p.buf) && p.more {
					return nil, errNeedMore
				}
			case '\n':
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2; k++ {
						if p.pos >= len(p.buf) {
							if p.more {
								return nil, errNeedMore
							}
							break
						}
						d := p.buf[p.pos]
						if d < '0' || d > '7' {
							break
						}
						v = v*8 + int(d-'0')
						p.pos++
					}
					out = append(out, byte(v)) // high-order overflow is ignored (§7.3.4.2)
				} else {
					// An unknown escape: the backslash is ignored.
					out = append(out, e)
				}
			}
		default:
			out = append(out, c)
		}
	}
}

func (p *parser) parseHex() (Object, error) {
	start := p.pos
	at := p.off()
	p.pos++ // '<'
	var out []byte
	var hi byte
	half := false
	for {
		if p.pos >= len(p.buf) {
			return nil, p.eof()
		}
		c := p.buf[p.pos]
		p.pos++
		if c == '>' {
			break
		}
		if isWhite(c) {
			continue
		}
		v, ok := unhex(c)
		if !ok {
			return nil, malformed(p.off()-1, "invalid character %q in hex string", c)
		}
		if half {
			out = append(out, hi<<4|v)
			if len(out) > p.lim.MaxStringLen {
				return nil, limitErr("MaxStringLen", at, "string longer than %d bytes", p.lim.MaxStringLen)
			}
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		out = append(out, hi<<4) // an odd final digit is followed by an implied 0
	}
	if out == nil {
		out = []byte{}
	}
	return String{Value: out, Hex: true, Raw: append([]byte(nil), p.buf[start:p.pos]...)}, nil
}

func (p *parser) parseArray(depth int) (Object, error) {
	if depth >= p.lim.MaxDepth {
		return nil, limitErr("MaxDepth", p.off(), "arrays and dictionaries nested deeper than %d", p.lim.MaxDepth)
	}
	p.pos++ // '['
	arr := Array{}
	for {
		p.skipSpace()
		if p.pos >= len(p.buf) {
			return nil, p.eof()
		}
		if p.buf[p.pos] == ']' {
			p.pos++
			return arr, nil
		}
		v, err := p.parseValue(depth + 1)
		if err != nil {
			return nil, err
		}
		arr = append(arr, v)
	}
}

func (p *parser) parseDict(depth int) (Object, error) {
	if depth >= p.lim.MaxDepth {
		return nil, limitErr("MaxDepth", p.off(), "arrays and dictionaries nested deeper than %d", p.lim.MaxDepth)
	}
	p.pos += 2 // "<<"
	d := &Dict{}
	var seen map[Name]bool
	for {
		p.skipSpace()
		if p.pos+1 >= len(p.buf) {
			return nil, p.eof()
		}
		if p.buf[p.pos] == '>' {
			if p.buf[p.pos+1] != '>' {
				return nil, p.errf("'>' in a dictionary where '>>' belongs")
			}
			p.pos += 2
			return d, nil
		}
		at := p.off()
		if p.buf[p.pos] != '/' {
			return nil, p.errf("dictionary key is not a name")
		}
		k, err := p.parseName()
		if err != nil {
			return nil, err
		}
		key := k.(Name)
		p.skipSpace()
		vstart := p.pos
		v, err := p.parseValue(depth + 1)
		if err != nil {
			return nil, err
		}
		// Readers disagree on which of two equal keys wins, which makes a
		// duplicate a way to show different readers different documents.
		if seen == nil && len(d.entries) >= 16 {
			seen = make(map[Name]bool, 2*len(d.entries))
			for _, e := range d.entries {
				seen[e.Key] = true
			}
		}
		if (seen != nil && seen[key]) || (seen == nil && d.index(key) >= 0) {
			return nil, malformed(at, "duplicate dictionary key /%s", clip(string(key)))
		}
		if seen != nil {
			seen[key] = true
		}
		d.entries = append(d.entries, DictEntry{Key: key, Value: v, Span: p.span(vstart, p.pos)})
	}
}

// parseNumberOrRef parses a number, or "num gen R".
func (p *parser) parseNumberOrRef() (Object, error) {
	at := p.off()
	t, err := p.token()
	if err != nil {
		return nil, err
	}
	n, isInt, err := parseNumber(t)
	if err != nil {
		return nil, malformed(at, "%v", err)
	}
	if !isInt {
		return n, nil
	}
	i := n.(Int)
	if i < 0 || t[0] == '+' {
		return i, nil
	}
	// Look ahead for "gen R".
	save := p.pos
	p.skipSpace()
	if p.pos >= len(p.buf) {
		if p.more {
			return nil, errNeedMore
		}
		p.pos = save
		return i, nil
	}
	if !isDigit(p.buf[p.pos]) {
		p.pos = save
		return i, nil
	}
	t2, err := p.token()
	if err != nil {
		return nil, err
	}
	if !allDigits(t2) {
		p.pos = save
		return i, nil
	}
	p.skipSpace()
	if p.pos >= len(p.buf) {
		if p.more {
			return nil, errNeedMore
		}
		p.pos = save
		return i, nil
	}
	if p.buf[p.pos] != 'R' {
		p.pos = save
		return i, nil
	}
	if p.pos+1 < len(p.buf) && isRegular(p.buf[p.pos+1]) {
		p.pos = save
		return i, nil
	}
	if p.pos+1 >= len(p.buf) && p.more {
		return nil, errNeedMore
	}
	p.pos++
	gen, err := strconv.ParseUint(string(t2), 10, 64)
	if err != nil || gen > 65535 {
		return nil, malformed(at, "generation number %q out of range", clip(string(t2)))
	}
	if int64(i) >= int64(p.lim.MaxObjects) {
		return nil, limitErr("MaxObjects", at, "reference to object %d", int64(i))
	}
	return Ref{Num: uint32(i), Gen: uint16(gen)}, nil
}

func allDigits(t []byte) bool {
	if len(t) == 0 {
		return false
	}
	for _, c := range t {
		if !isDigit(c) {
			return false
		}
	}
	return true
}

// parseNumber parses an integer or a real in PDF syntax (no exponent).
func parseNumber(t []byte) (Object, bool, error) {
	// 400 characters hold every float64 written without an exponent.
	if len(t) == 0 || len(t) > 400 {
		return nil, false, errors.New("invalid number")
	}
	i := 0
	if t[0] == '+' || t[0] == '-' {
		i = 1
	}
	digits, dots := 0, 0
	for _, c := range t[i:] {
		switch {
		case isDigit(c):
			digits++
		case c == '.':
			dots++
		default:
			return nil, false, errors.New("invalid number " + strconv.Quote(string(t)))
		}
	}
	if digits == 0 || dots > 1 {
		return nil, false, errors.New("invalid number " + strconv.Quote(string(t)))
	}
	if dots == 0 {
		v, err := strconv.ParseInt(string(t), 10, 64)
		if err != nil {
			return nil, false, errors.New("integer out of range " + strconv.Quote(string(t)))
		}
		return Int(v), true, nil
	}
	v, err := strconv.ParseFloat(string(t), 64)
	if err != nil {
		return nil, false, errors.New("real out of range " + strconv.Quote(string(t)))
	}
	return Real(v), false, nil
}

// parseInt reads a non-negative integer token.
func (p *parser) parseUint() (int64, error) {
	p.skipSpace()
	at := p.off()
	if p.pos >= len(p.buf) {
		return 0, p.eof()
	}
	t, err := p.token()
	if err != nil {
		return 0, err
	}
	if !allDigits(t) {
		return 0, malformed(at, "expected a non-negative integer, found %q", clip(string(t)))
	}
	v, err := strconv.ParseInt(string(t), 10, 64)
	if err != nil {
		return 0, malformed(at, "integer %q out of range", clip(string(t)))
	}
	return v, nil
}
