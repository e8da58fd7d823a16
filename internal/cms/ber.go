// This file holds the bounded BER-to-DER normaliser that Parse runs before
// decoding: openssl -stream, Adobe and Java tools emit indefinite lengths
// and constructed OCTET STRINGs, which encoding/asn1 and cryptobyte refuse.

package cms

import (
	"math"
)

// maxDepth bounds the nesting of the input. Real CMS is about 25 levels
// deep at most (a certificate inside a time-stamp token inside an
// unsigned attribute); the bound stops stack exhaustion on hostile input.
const maxDepth = 64

// maxInput bounds the input size so that lengths fit the uint32
// bookkeeping below; PAdES and CAdES signatures are far smaller.
const maxInput = math.MaxInt32

// normalised is the result of toDER.
type normalised struct {
	der []byte
	// spans maps, for each context-specific [0] constructed element whose
	// encoding the normaliser changed, its offset in der to its bytes in
	// the input. SignedData keeps the signed attributes as they appeared,
	// since those are the bytes a non-conforming signer may have signed.
	spans []span
}

type span struct {
	out, inStart, inEnd uint32
}

// original returns the input bytes of the element that starts at offset
// off of the DER output and is der[off:end], or der[off:end] itself when
// the element was already DER.
func (n *normalised) original(in []byte, off, end int) []byte {
	lo, hi := 0, len(n.spans)
	for lo < hi {
		m := (lo + hi) / 2
		if int(n.spans[m].out) < off {
			lo = m + 1
		} else {
			hi = m
		}
	}
	if lo < len(n.spans) && int(n.spans[lo].out) == off {
		s := n.spans[lo]
		return in[s.inStart:s.inEnd]
	}
	return n.der[off:end]
}

// berNormaliser converts BER to DER in two passes over the input: measure
// computes, in pre-order, the DER content length of every constructed
// element (and whether its encoding changes); write then emits the DER.
// It never builds a tree: memory is the output plus four bytes per
// constructed element, time is linear in the input.
//
// It changes only what BER allows and DER forbids in the length and
// string forms: indefinite lengths, non-minimal length octets, and
// constructed encodings of universal string types (X.690 §8.7.3, §8.21).
// It does not sort SET OF elements (that would alter the signed
// attributes of a non-conforming signer, and certificates' names) and
// does not touch the contents of primitive values.
type berNormaliser struct {
	in      []byte
	lens    []uint32 // pre-order: content length << 1 | changed bit
	next    int      // read index into lens during write
	out     []byte
	spans   []span
	changed bool
}

// toDER normalises in. When in is already DER in the sense above, the
// result shares in's memory.
func toDER(in []byte) (*normalised, error) {
	if len(in) > maxInput {
		return nil, malformed("", "input of %d bytes is too large", len(in))
	}
	n := &berNormaliser{in: in}
	end, outLen, _, err := n.measure(0, len(in), 0)
	if err != nil {
		return nil, err
	}
	if end != len(in) {
		return nil, malformed("", "%d bytes of trailing data after the ContentInfo; pass exactly the CMS bytes (trim PDF /Contents zero padding first)", len(in)-end)
	}
	if !n.changed {
		return &normalised{der: in}, nil
	}
	n.out = make([]byte, 0, outLen)
	if _, err := n.write(0, 0); err != nil {
		return nil, err
	}
	if len(n.out) != outLen {
		return nil, malformed("", "internal error normalising BER")
	}
	return &normalised{der: n.out, spans: n.spans}, nil
}

// header is a decoded identifier and length.
type header struct {
	tag        byte // the identifier octet (low tag numbers only)
	hdrLen     int  // identifier + length octets in the input
	length     int  // content length; -1 when indefinite
	minimalLen bool // length octets were the DER (minimal, definite) form
}

func (n *berNormaliser) readHeader(pos, end int) (header, error) {
	var h header
	if end-pos < 2 {
		return h, malformed("", "truncated element at offset %d", pos)
	}
	h.tag = n.in[pos]
	if h.tag&0x1f == 0x1f {
		return h, malformed("", "high tag number form at offset %d is not supported", pos)
	}
	l := n.in[pos+1]
	switch {
	case l < 0x80:
		h.hdrLen, h.length, h.minimalLen = 2, int(l), true
	case l == 0x80:
		if h.tag&0x20 == 0 {
			return h, malformed("", "indefinite length on a primitive element at offset %d", pos)
		}
		h.hdrLen, h.length = 2, -1
	case l == 0xff:
		return h, malformed("", "reserved length octet at offset %d", pos)
	default:
		k := int(l & 0x7f)
		if k > 4 || end-pos < 2+k {
			return h, malformed("", "bad length at offset %d", pos)
		}
		v := 0
		for _, b := range n.in[pos+2 : pos+2+k] {
			v = v<<8 | int(b)
		}
		h.hdrLen, h.length = 2+k, v
		h.minimalLen = v >= 0x80 && n.in[pos+2] != 0
	}
	if h.length > end-pos-h.hdrLen {
		return h, malformed("", "element at offset %d claims %d bytes but only %d remain (truncated file?)", pos, h.length, end-pos-h.hdrLen)
	}
	return h, nil
}

// isString reports whether a constructed universal tag is a string type
// whose BER constructed form is rewritten as a primitive.
func isString(tag byte) bool {
	if tag&0xe0 != 0x20 { // universal and constructed
		return false
	}
	switch tag & 0x1f {
	case 3, 4, 12, 18, 19, 20, 21, 22, 25, 26, 27, 28, 30:
		return true
	}
	return false
}

// derLen is the size of a DER header for a content length.
func derLen(l int) int {
	switch {
	case l < 0x80:
		return 2
	case l < 0x100:
		return 3
	case l < 0x10000:
		return 4
	case l < 0x1000000:
		return 5
	}
	return 6
}

// measure parses the element at pos (which must end by end) and returns
// the offset after it, the DER size of the element, and whether its
// encoding changes.
func (n *berNormaliser) measure(pos, end, depth int) (next, outLen int, changed bool, err error) {
	if depth > maxDepth {
		return 0, 0, false, malformed("", "nesting deeper than %d at offset %d", maxDepth, pos)
	}
	h, err := n.readHeader(pos, end)
	if err != nil {
		return 0, 0, false, err
	}
	if h.tag == 0 {
		return 0, 0, false, malformed("", "unexpected end-of-contents at offset %d", pos)
	}
	changed = !h.minimalLen
	cpos := pos + h.hdrLen
	if h.tag&0x20 == 0 {
		if changed {
			n.changed = true
		}
		return cpos + h.length, derLen(h.length) + h.length, changed, nil
	}
	slot := len(n.lens)
	n.lens = append(n.lens, 0)
	var content int
	if isString(h.tag) {
		changed = true
		next, content, err = n.measureString(h, cpos, end, depth)
		if err != nil {
			return 0, 0, false, err
		}
	} else {
		cend := end
		if h.length >= 0 {
			cend = cpos + h.length
		}
		p := cpos
		for {
			if h.length >= 0 && p == cend {
				next = p
				break
			}
			if h.length < 0 && cend-p >= 2 && n.in[p] == 0 && n.in[p+1] == 0 {
				next = p + 2
				break
			}
			q, l, ch, err := n.measure(p, cend, depth+1)
			if err != nil {
				return 0, 0, false, err
			}
			content += l
			changed = changed || ch
			p = q
		}
	}
	if content > maxInput {
		return 0, 0, false, malformed("", "element at offset %d too large", pos)
	}
	v := uint32(content) << 1
	if changed {
		v |= 1
		n.changed = true
	}
	n.lens[slot] = v
	return next, derLen(content) + content, changed, nil
}

// measureString sums the contents of the primitive segments of a
// constructed string (which may nest, X.690 §8.7.3.2). Each segment must
// carry the string's own universal tag. For BIT STRING every segment
// starts with an unused-bits octet, and only the last may be non-zero.
func (n *berNormaliser) measureString(h header, cpos, end, depth int) (next, content int, err error) {
	if depth > maxDepth {
		return 0, 0, malformed("", "nesting deeper than %d at offset %d", maxDepth, cpos)
	}
	bit := h.tag&0x1f == 3
	cend := end
	if h.length >= 0 {
		cend = cpos + h.length
	}
	p := cpos
	lastUnused := -1
	for {
		if h.length >= 0 && p == cend {
			break
		}
		if h.length < 0 && cend-p >= 2 && n.in[p] == 0 && n.in[p+1] == 0 {
			p += 2
			break
		}
		s, err := n.readHeader(p, cend)
		if err != nil {
			return 0, 0, err
		}
		if s.tag&^0x20 != h.tag&^0x20 {
			return 0, 0, malformed("", "segment of a constructed string at offset %d has tag 0x%02x", p, s.tag)
		}
		if lastUnused > 0 {
			return 0, 0, malformed("", "BIT STRING segment before offset %d has unused bits", p)
		}
		if s.tag&0x20 != 0 {
			if bit {
				// Legal BER, but no producer of CMS emits it.
				return 0, 0, malformed("", "nested constructed BIT STRING at offset %d is not supported", p)
			}
			q, c, err := n.measureString(s, p+s.hdrLen, cend, depth+1)
			if err != nil {
				return 0, 0, err
			}
			content += c
			p = q
			continue
		}
		c := s.length
		if bit {
			if c == 0 || n.in[p+s.hdrLen] > 7 {
				return 0, 0, malformed("", "bad BIT STRING segment at offset %d", p)
			}
			lastUnused = int(n.in[p+s.hdrLen])
			c--
		}
		content += c
		p += s.hdrLen + s.length
	}
	if bit {
		content++ // one unused-bits octet in the DER result
	}
	return p, content, nil
}

func (n *berNormaliser) putHeader(tag byte, l int) {
	n.out = append(n.out, tag)
	switch {
	case l < 0x80:
		n.out = append(n.out, byte(l))
	case l < 0x100:
		n.out = append(n.out, 0x81, byte(l))
	case l < 0x10000:
		n.out = append(n.out, 0x82, byte(l>>8), byte(l))
	case l < 0x1000000:
		n.out = append(n.out, 0x83, byte(l>>16), byte(l>>8), byte(l))
	default:
		n.out = append(n.out, 0x84, byte(l>>24), byte(l>>16), byte(l>>8), byte(l))
	}
}

// write emits the element at pos, which measure has validated, and
// returns the offset after it in the input.
func (n *berNormaliser) write(pos, depth int) (int, error) {
	h, err := n.readHeader(pos, len(n.in))
	if err != nil {
		return 0, err
	}
	cpos := pos + h.hdrLen
	if h.tag&0x20 == 0 {
		n.putHeader(h.tag, h.length)
		n.out = append(n.out, n.in[cpos:cpos+h.length]...)
		return cpos + h.length, nil
	}
	if n.next >= len(n.lens) {
		return 0, malformed("", "internal error normalising BER")
	}
	v := n.lens[n.next]
	n.next++
	content, changed := int(v>>1), v&1 == 1
	outStart := len(n.out)
	if isString(h.tag) {
		n.putHeader(h.tag&^0x20, content)
		bit := h.tag&0x1f == 3
		if bit {
			n.out = append(n.out, 0) // fixed up by writeString
		}
		unusedAt := len(n.out) - 1
		return n.writeString(h, cpos, bit, unusedAt)
	}
	n.putHeader(h.tag, content)
	p := cpos
	for {
		if h.length >= 0 && p == cpos+h.length {
			break
		}
		if h.length < 0 && n.in[p] == 0 && n.in[p+1] == 0 {
			p += 2
			break
		}
		q, err := n.write(p, depth+1)
		if err != nil {
			return 0, err
		}
		p = q
	}
	if changed && h.tag == 0xa0 {
		n.spans = append(n.spans, span{out: uint32(outStart), inStart: uint32(pos), inEnd: uint32(p)})
	}
	return p, nil
}

// writeString appends the contents of a constructed string's segments.
func (n *berNormaliser) writeString(h header, cpos int, bit bool, unusedAt int) (int, error) {
	p := cpos
	for {
		if h.length >= 0 && p == cpos+h.length {
			return p, nil
		}
		if h.length < 0 && n.in[p] == 0 && n.in[p+1] == 0 {
			return p + 2, nil
		}
		s, err := n.readHeader(p, len(n.in))
		if err != nil {
			return 0, err
		}
		if s.tag&0x20 != 0 {
			q, err := n.writeString(s, p+s.hdrLen, bit, unusedAt)
			if err != nil {
				return 0, err
			}
			p = q
			continue
		}
		c := n.in[p+s.hdrLen : p+s.hdrLen+s.length]
		if bit {
			n.out[unusedAt] = c[0]
			c = c[1:]
		}
		n.out = append(n.out, c...)
		p += s.hdrLen + s.length
	}
}
