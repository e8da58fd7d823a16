// This file holds the stream decoders (FlateDecode with PNG and TIFF
// predictors, ASCIIHexDecode, ASCII85Decode, RunLengthDecode) and the
// readers that enforce the decoded-size limits while data streams through.

package pdf

import (
	"bufio"
	"compress/zlib"
	"errors"
	"io"
	"sync/atomic"
)

// filterNames maps the abbreviations allowed in inline images (and
// tolerated in streams) to the full filter names.
var filterNames = map[Name]Name{
	"AHx": "ASCIIHexDecode", "A85": "ASCII85Decode", "LZW": "LZWDecode",
	"Fl": "FlateDecode", "RL": "RunLengthDecode", "CCF": "CCITTFaxDecode", "DCT": "DCTDecode",
}

// filterChain returns the filters of a stream dictionary and their
// parameters (nil where absent). Values must be direct: resolved by the
// caller.
func filterChain(d *Dict, resolve func(Object) (Object, error), off int64) ([]Name, []*Dict, error) {
	fo, err := resolve(d.Get("Filter"))
	if err != nil {
		return nil, nil, err
	}
	po, err := resolve(d.Get("DecodeParms"))
	if err != nil {
		return nil, nil, err
	}
	var names []Name
	switch v := fo.(type) {
	case nil, Null:
	case Name:
		names = []Name{v}
	case Array:
		for _, e := range v {
			e, err := resolve(e)
			if err != nil {
				return nil, nil, err
			}
			n, ok := e.(Name)
			if !ok {
				return nil, nil, malformed(off, "/Filter array holds a %T, not a name", e)
			}
			names = append(names, n)
		}
	default:
		return nil, nil, malformed(off, "/Filter is a %T, not a name or array", fo)
	}
	if len(names) > 8 {
		return nil, nil, unsupported(off, "%d filters in a chain", len(names))
	}
	parms := make([]*Dict, len(names))
	switch v := po.(type) {
	case nil, Null:
	case *Dict:
		if len(names) == 0 {
			break
		}
		parms[0] = v
	case Array:
		if len(v) != len(names) {
			return nil, nil, malformed(off, "/DecodeParms has %d entries for %d filters", len(v), len(names))
		}
		for i, e := range v {
			e, err := resolve(e)
			if err != nil {
				return nil, nil, err
			}
			switch x := e.(type) {
			case nil, Null:
			case *Dict:
				parms[i] = x
			default:
				return nil, nil, malformed(off, "/DecodeParms entry is a %T", e)
			}
		}
	default:
		return nil, nil, malformed(off, "/DecodeParms is a %T", po)
	}
	for i, n := range names {
		if full, ok := filterNames[n]; ok {
			names[i] = full
		}
	}
	return names, parms, nil
}

// decodeChain wraps r with the decoders for names, in order.
func decodeChain(r io.Reader, names []Name, parms []*Dict, off int64) (io.Reader, error) {
	for i, n := range names {
		var err error
		switch n {
		case "FlateDecode":
			r, err = newFlate(r, off)
			if err == nil {
				r, err = withPredictor(r, parms[i], off)
			}
		case "ASCIIHexDecode":
			r = &hexDecoder{r: bufio.NewReader(r), off: off}
		case "ASCII85Decode":
			r = &a85Decoder{r: bufio.NewReader(r), off: off}
		case "RunLengthDecode":
			r = &rlDecoder{r: bufio.NewReader(r), off: off}
		case "Crypt":
			// Only the Identity crypt filter is a no-op; the others need
			// the encryption the package does not implement.
			if p := parms[i]; p != nil {
				if nm, _ := p.Get("Name").(Name); nm != "" && nm != "Identity" {
					return nil, &Error{Err: ErrEncrypted, Offset: off, Detail: "stream uses crypt filter /" + string(nm)}
				}
			}
		default:
			return nil, unsupported(off, "stream filter /%s cannot be decoded (FlateDecode, ASCIIHexDecode, ASCII85Decode and RunLengthDecode can)", clip(string(n)))
		}
		if err != nil {
			return nil, err
		}
	}
	return r, nil
}

// flateReader turns the errors of compress/zlib into ErrMalformed.
type flateReader struct {
	z   io.ReadCloser
	off int64
}

func newFlate(r io.Reader, off int64) (io.Reader, error) {
	z, err := zlib.NewReader(r)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, err
		}
		if errors.Is(err, io.EOF) {
			return nil, malformed(off, "FlateDecode stream is empty")
		}
		return nil, malformed(off, "FlateDecode stream has no valid zlib header: %v", err)
	}
	return &flateReader{z: z, off: off}, nil
}

func (f *flateReader) Read(b []byte) (int, error) {
	n, err := f.z.Read(b)
	if err != nil && err != io.EOF {
		var e *Error
		if !errors.As(err, &e) {
			err = malformed(f.off, "FlateDecode data is corrupt or truncated: %v", err)
		}
	}
	return n, err
}

// withPredictor applies the /Predictor of a FlateDecode (or LZW) stream.
func withPredictor(r io.Reader, p *Dict, off int64) (io.Reader, error) {
	if p == nil {
		return r, nil
	}
	get := func(k Name, def int64) (int64, error) {
		switch v := p.Get(k).(type) {
		case nil, Null:
			return def, nil
		case Int:
			return int64(v), nil
		}
		return 0, malformed(off, "/DecodeParms /%s is not a direct integer", k)
	}
	pred, err := get("Predictor", 1)
	if err != nil {
		return nil, err
	}
	if pred == 1 {
		return r, nil
	}
	colors, err := get("Colors", 1)
	if err != nil {
		return nil, err
	}
	bpc, err := get("BitsPerComponent", 8)
	if err != nil {
		return nil, err
	}
	cols, err := get("Columns", 1)
	if err != nil {
		return nil, err
	}
	if colors < 1 || colors > 32 || cols < 1 || cols > 1<<24 {
		return nil, malformed(off, "predictor parameters out of range (Colors %d, Columns %d)", colors, cols)
	}
	switch bpc {
	case 1, 2, 4, 8, 16:
	default:
		return nil, malformed(off, "predictor /BitsPerComponent %d", bpc)
	}
	rowBits := colors * bpc * cols
	row := int((rowBits + 7) / 8)
	bpp := int((colors*bpc + 7) / 8)
	switch {
	case pred == 2:
		if bpc != 8 {
			return nil, unsupported(off, "TIFF predictor with %d bits per component", bpc)
		}
		return &predictor{r: r, png: false, row: row, bpp: bpp, off: off}, nil
	case pred >= 10 && pred <= 15:
		return &predictor{r: r, png: true, row: row, bpp: bpp, off: off}, nil
	}
	return nil, unsupported(off, "/Predictor %d", pred)
}

// predictor undoes PNG (RFC 2083 §6) or TIFF 2 prediction row by row.
type predictor struct {
	r        io.Reader
	png      bool
	row, bpp int
	off      int64
	cur      []byte // current row, with the PNG filter-type byte in front
	prev     []byte // previous decoded row
	out      []byte // decoded bytes not yet returned
	err      error
}

func (p *predictor) Read(b []byte) (int, error) {
	for len(p.out) == 0 {
		if p.err != nil {
			return 0, p.err
		}
		p.fill()
	}
	n := copy(b, p.out)
	p.out = p.out[n:]
	return n, nil
}

func (p *predictor) fill() {
	if p.prev == nil {
		p.prev = make([]byte, p.row)
		p.cur = make([]byte, p.row+1)
	}
	buf := p.cur
	if !p.png {
		buf = p.cur[1:]
	}
	n, err := io.ReadFull(p.r, buf)
	if err == io.EOF {
		p.err = io.EOF
		return
	}
	if err == io.ErrUnexpectedEOF {
		p.err = malformed(p.off, "predicted data ends inside a row (%d of %d bytes)", n, len(buf))
		return
	}
	if err != nil {
		p.err = err
		return
	}
	row := p.cur[1:]
	if !p.png {
		for i := p.bpp; i < len(row); i++ {
			row[i] += row[i-p.bpp]
		}
	} else {
		switch p.cur[0] {
		case 0:
		case 1: // Sub
			for i := p.bpp; i < len(row); i++ {
				row[i] += row[i-p.bpp]
			}
		case 2: // Up
			for i := range row {
				row[i] += p.prev[i]
			}
		case 3: // Average
			for i := range row {
				var left int
				if i >= p.bpp {
					left = int(row[i-p.bpp])
				}
				row[i] += byte((left + int(p.prev[i])) / 2)
			}
		case 4: // Paeth
			for i := range row {
				var a, c int
				if i >= p.bpp {
					a, c = int(row[i-p.bpp]), int(p.prev[i-p.bpp])
				}
				row[i] += paeth(a, int(p.prev[i]), c)
			}
		default:
			p.err = malformed(p.off, "PNG predictor row filter type %d", p.cur[0])
			return
		}
	}
	copy(p.prev, row)
	p.out = append(p.out[:0], row...)
}

func paeth(a, b, c int) byte {
	pa, pb, pc := abs(b-c), abs(a-c), abs(a+b-2*c)
	switch {
	case pa <= pb && pa <= pc:
		return byte(a)
	case pb <= pc:
		return byte(b)
	}
	return byte(c)
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// hexDecoder decodes ASCIIHexDecode data up to its '>' end marker.
type hexDecoder struct {
	r    *bufio.Reader
	off  int64
	done bool
}

func (h *hexDecoder) Read(b []byte) (int, error) {
	n := 0
	var hi byte
	half := false
	for n < len(b) && !h.done {
		c, err := h.r.ReadByte()
		if err == io.EOF {
			// The '>' marker is required, but many writers omit it.
			h.done = true
			break
		}
		if err != nil {
			return n, err
		}
		if isWhite(c) {
			continue
		}
		if c == '>' {
			h.done = true
			break
		}
		v, ok := unhex(c)
		if !ok {
			return n, malformed(h.off, "ASCIIHexDecode data holds %q", c)
		}
		if half {
			b[n] = hi<<4 | v
			n++
		} else {
			hi = v
		}
		half = !half
	}
	if half {
		if h.done {
			b[n] = hi << 4
			n++
		} else {
			// Put the digit back: an odd count can only end at the marker.
			_ = h.r.UnreadByte()
		}
	}
	if n == 0 && h.done {
		return 0, io.EOF
	}
	return n, nil
}

// a85Decoder decodes ASCII85Decode data up to its "~>" end marker.
type a85Decoder struct {
	r    *bufio.Reader
	off  int64
	out  []byte
	done bool
}

func (a *a85Decoder) Read(b []byte) (int, error) {
	for len(a.out) == 0 {
		if a.done {
			return 0, io.EOF
		}
		if err := a.group(); err != nil {
			return 0, err
		}
	}
	n := copy(b, a.out)
	a.out = a.out[n:]
	return n, nil
}

// group decodes the next five-character group (or 'z', or the final
// partial group).
func (a *a85Decoder) group() error {
	var g [5]byte
	k := 0
	for k < 5 {
		c, err := a.r.ReadByte()
		if err == io.EOF {
			// A missing "~>" is tolerated like a missing '>' in hex data.
			return a.final(g[:k])
		}
		if err != nil {
			return err
		}
		switch {
		case isWhite(c):
		case c == '~':
			if d, err := a.r.ReadByte(); err != nil || d != '>' {
				return malformed(a.off, "ASCII85Decode data has '~' without '>'")
			}
			return a.final(g[:k])
		case c == 'z' && k == 0:
			a.out = append(a.out[:0], 0, 0, 0, 0)
			return nil
		case c >= '!' && c <= 'u':
			g[k] = c
			k++
		default:
			return malformed(a.off, "ASCII85Decode data holds %q", c)
		}
	}
	v, err := a85value(g[:])
	if err != nil {
		return malformed(a.off, "%v", err)
	}
	a.out = append(a.out[:0], byte(v>>24), byte(v>>16), byte(v>>8), byte(v))
	return nil
}

func (a *a85Decoder) final(g []byte) error {
	a.done = true
	switch len(g) {
	case 0:
		return nil
	case 1:
		return malformed(a.off, "ASCII85Decode data ends with a single character")
	}
	var full [5]byte
	copy(full[:], g)
	for i := len(g); i < 5; i++ {
		full[i] = 'u'
	}
	v, err := a85value(full[:])
	if err != nil {
		return malformed(a.off, "%v", err)
	}
	b := []byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}
	a.out = append(a.out[:0], b[:len(g)-1]...)
	return nil
}

func a85value(g []byte) (uint32, error) {
	var v uint64
	for _, c := range g {
		v = v*85 + uint64(c-'!')
	}
	if v > 0xffffffff {
		return 0, errors.New("ASCII85Decode group exceeds 2^32")
	}
	return uint32(v), nil
}

// rlDecoder decodes RunLengthDecode data up to its 128 end marker.
type rlDecoder struct {
	r    *bufio.Reader
	off  int64
	out  []byte
	done bool
}

func (d *rlDecoder) Read(b []byte) (int, error) {
	for len(d.out) == 0 {
		if d.done {
			return 0, io.EOF
		}
		c, err := d.r.ReadByte()
		if err == io.EOF {
			d.done = true // the 128 marker is required but often missing
			continue
		}
		if err != nil {
			return 0, err
		}
		switch {
		case c == 128:
			d.done = true
		case c < 128:
			d.out = append(d.out[:0], make([]byte, int(c)+1)...)
			if _, err := io.ReadFull(d.r, d.out); err != nil {
				return 0, malformed(d.off, "RunLengthDecode literal run is truncated")
			}
		default:
			v, err := d.r.ReadByte()
			if err != nil {
				return 0, malformed(d.off, "RunLengthDecode repeat run is truncated")
			}
			d.out = d.out[:0]
			for i := 0; i < 257-int(c); i++ {
				d.out = append(d.out, v)
			}
		}
	}
	n := copy(b, d.out)
	d.out = d.out[n:]
	return n, nil
}

// limitReader fails with ErrLimit once more than max bytes were read from
// r, or once the shared total passes totalMax.
type limitReader struct {
	r        io.Reader
	n, max   int64
	total    *atomic.Int64
	totalMax int64
	off      int64
}

func (l *limitReader) Read(b []byte) (int, error) {
	if int64(len(b)) > l.max-l.n+1 {
		b = b[:l.max-l.n+1]
	}
	n, err := l.r.Read(b)
	l.n += int64(n)
	if l.n > l.max {
		return 0, limitErr("MaxStreamSize", l.off, "stream decodes to more than %d bytes", l.max)
	}
	if l.total != nil {
		if t := l.total.Add(int64(n)); t > l.totalMax {
			return 0, limitErr("MaxTotalDecoded", l.off, "more than %d decoded bytes in total", l.totalMax)
		}
	}
	return n, err
}
