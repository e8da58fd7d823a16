// This file holds Marshal and the methods that extend a signature after
// signing (unsigned attributes, certificates, revocation values) without
// changing any signed byte.

package cms

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"slices"

	"golang.org/x/crypto/cryptobyte"
)

// appendHeader appends a DER identifier and definite length.
func appendHeader(dst []byte, tag byte, l int) []byte {
	dst = append(dst, tag)
	switch {
	case l < 0x80:
		return append(dst, byte(l))
	case l < 0x100:
		return append(dst, 0x81, byte(l))
	case l < 0x10000:
		return append(dst, 0x82, byte(l>>8), byte(l))
	case l < 0x1000000:
		return append(dst, 0x83, byte(l>>16), byte(l>>8), byte(l))
	}
	return append(dst, 0x84, byte(l>>24), byte(l>>16), byte(l>>8), byte(l))
}

// tlv encodes a DER element whose contents are the concatenated parts.
func tlv(tag byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	out := appendHeader(make([]byte, 0, n+6), tag, n)
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// nested encodes the concatenated parts wrapped in one DER element per
// tag, outermost first, in one allocation: nested([]byte{0x30, 0x31}, a)
// is tlv(0x30, tlv(0x31, a)) without the inner copy. At most eight tags.
func nested(tags []byte, parts ...[]byte) []byte {
	var lens [8]int // lens[i]: the content length of the element of tags[i]
	if len(tags) == 0 || len(tags) > len(lens) {
		panic("cms: nested takes one to eight tags")
	}
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	for i := len(tags) - 1; i >= 0; i-- {
		lens[i] = n
		n += derHeaderLen(n)
	}
	out := make([]byte, 0, n)
	for i, t := range tags {
		out = appendHeader(out, t, lens[i])
	}
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

// encodeSet encodes a SET OF (or an IMPLICIT-tagged one), sorting the
// elements as DER requires when sorted is true.
func encodeSet(tag byte, elems [][]byte, sorted bool) []byte {
	if sorted && !slices.IsSortedFunc(elems, bytes.Compare) {
		elems = slices.Clone(elems)
		slices.SortFunc(elems, bytes.Compare)
	}
	return tlv(tag, elems...)
}

// encodeOID encodes an OBJECT IDENTIFIER. It is written out rather than
// left to asn1.Marshal, whose reflection cost several allocations per
// OID on every signature; anything it does not handle goes to
// asn1.Marshal, and a test holds the two equal.
func encodeOID(oid asn1.ObjectIdentifier) []byte {
	if len(oid) < 2 || oid[0] < 0 || oid[0] > 2 || oid[1] < 0 || (oid[0] < 2 && oid[1] >= 40) || oid[1] > 1<<24 {
		return encodeOIDSlow(oid)
	}
	var body [64]byte
	n := appendBase128(body[:0], oid[0]*40+oid[1])
	for _, c := range oid[2:] {
		if c < 0 || len(n) > len(body)-5 {
			return encodeOIDSlow(oid)
		}
		n = appendBase128(n, c)
	}
	return append(appendHeader(make([]byte, 0, 2+len(n)), 0x06, len(n)), n...)
}

// appendBase128 appends v (non-negative) in the base-128 form of OID arcs.
func appendBase128(dst []byte, v int) []byte {
	l := 1
	for t := v >> 7; t > 0; t >>= 7 {
		l++
	}
	for i := l - 1; i >= 0; i-- {
		b := byte(v>>(7*i)) & 0x7f
		if i > 0 {
			b |= 0x80
		}
		dst = append(dst, b)
	}
	return dst
}

func encodeOIDSlow(oid asn1.ObjectIdentifier) []byte {
	b, err := asn1.Marshal(oid)
	if err != nil {
		panic("cms: invalid built-in OID " + oid.String()) // only called with valid OIDs
	}
	return b
}

// encodeAttribute encodes an Attribute with its values as a DER SET OF.
func encodeAttribute(oid asn1.ObjectIdentifier, values [][]byte) []byte {
	return tlv(0x30, encodeOID(oid), encodeSet(0x31, values, true))
}

// insertMember adds x to the members of a SET OF. When the existing
// members are in DER order x goes to its sorted place; otherwise (a set
// encoded by another producer) the existing order is kept and x is
// appended, because archive time-stamps may have hashed that order.
func insertMember(list [][]byte, x []byte) [][]byte {
	list = slices.Clone(list)
	if slices.IsSortedFunc(list, bytes.Compare) {
		i, _ := slices.BinarySearchFunc(list, x, bytes.Compare)
		return slices.Insert(list, i, x)
	}
	return append(list, x)
}

// Marshal returns the encoding of the ContentInfo. Parts that were parsed
// are emitted as they were (after BER normalisation), except that the
// signed attributes are emitted exactly as they appeared in the input:
// they are signed bytes. Output of Sign and of the Add methods is DER.
func (sd *SignedData) Marshal() ([]byte, error) {
	if sd.raw == nil {
		return nil, fmt.Errorf("cms: Marshal needs a SignedData from Parse or Sign")
	}
	if sd.raw.der != nil {
		return bytes.Clone(sd.raw.der), nil
	}
	return sd.raw.marshal(), nil
}

// Bytes returns what Marshal returns without copying the encoding Sign
// keeps: the result may share memory with sd and must not be modified.
// It is for a caller that only reads the encoding, once, such as PAdES
// writing it into /Contents as hex, and saves a copy per signature.
func (sd *SignedData) Bytes() ([]byte, error) {
	if sd.raw != nil && sd.raw.der != nil {
		return sd.raw.der, nil
	}
	return sd.Marshal()
}

func (r *rawSignedData) marshal() []byte {
	parts := [][]byte{r.version, r.digestAlgs, r.encap}
	if r.hasCerts {
		parts = append(parts, tlv(0xa0, r.certs...))
	}
	if r.hasCRLs {
		parts = append(parts, tlv(0xa1, r.crls...))
	}
	sis := make([][]byte, len(r.signerInfos))
	for i, si := range r.signerInfos {
		sis[i] = si.encode()
	}
	// The order of signerInfos is kept: callers address signers by index.
	parts = append(parts, tlv(0x31, sis...))
	return tlv(0x30, encodeOID(OIDSignedData), tlv(0xa0, tlv(0x30, parts...)))
}

func (si *SignerInfo) encode() []byte {
	parts := [][]byte{si.head}
	if si.RawSignedAttrs != nil {
		parts = append(parts, si.RawSignedAttrs)
	}
	parts = append(parts, si.tail)
	if si.UnsignedAttrs != nil {
		us := make([][]byte, len(si.UnsignedAttrs))
		for i, a := range si.UnsignedAttrs {
			us[i] = a.Raw
		}
		parts = append(parts, tlv(0xa1, us...))
	}
	return tlv(0x30, parts...)
}

// reparse replaces sd by the parse of r's encoding, so that the exported
// view always equals what Marshal emits.
func (sd *SignedData) reparse(r *rawSignedData) error {
	n, err := Parse(r.marshal())
	if err != nil {
		return fmt.Errorf("cms: extended SignedData does not parse: %w", err)
	}
	*sd = *n
	return nil
}

// clone returns a copy of the raw parts whose slices may be changed.
func (r *rawSignedData) clone() *rawSignedData {
	c := *r
	c.der = nil
	c.certs = slices.Clone(r.certs)
	c.crls = slices.Clone(r.crls)
	c.signerInfos = slices.Clone(r.signerInfos)
	return &c
}

// checkElement reports whether v is exactly one DER element.
func checkElement(v []byte, field string) error {
	s := cryptobyte.String(v)
	var e cryptobyte.String
	if !s.ReadAnyASN1Element(&e, nil) || !s.Empty() {
		return malformed(field, "not a single DER element")
	}
	n, err := toDER(v)
	if err != nil || !bytes.Equal(n.der, v) {
		return malformed(field, "not DER")
	}
	return nil
}

// AddUnsignedAttribute adds an attribute with the given values (each the
// DER of one AttributeValue) to the unsigned attributes of signer i,
// such as a signature-time-stamp (CAdES-B-T) or an archive time-stamp.
// No signed byte changes. Existing unsigned attributes keep their
// encoding; the new one is placed as described for DER SET OF ordering in
// the package documentation. The SignedData is re-parsed: *SignerInfo
// pointers obtained before the call describe the old state.
func (sd *SignedData) AddUnsignedAttribute(i int, oid asn1.ObjectIdentifier, values ...[]byte) error {
	if sd.raw == nil || i < 0 || i >= len(sd.SignerInfos) {
		return fmt.Errorf("cms: AddUnsignedAttribute: no signer %d", i)
	}
	field := fmt.Sprintf("signerInfos[%d].unsignedAttrs", i)
	if len(values) == 0 {
		return malformed(field, "attribute %s needs at least one value", oidName(oid))
	}
	for _, forbidden := range []asn1.ObjectIdentifier{OIDAttributeContentType, OIDAttributeMessageDigest, OIDAttributeSigningTime} {
		if oid.Equal(forbidden) {
			return malformed(field, "%s must be a signed attribute (RFC 5652 §11)", oidName(oid))
		}
	}
	for _, v := range values {
		if err := checkElement(v, field); err != nil {
			return err
		}
	}
	r := sd.raw.clone()
	si := *r.signerInfos[i]
	encs := make([][]byte, len(si.UnsignedAttrs))
	for k, a := range si.UnsignedAttrs {
		encs[k] = a.Raw
	}
	encs = insertMember(encs, encodeAttribute(oid, values))
	si.UnsignedAttrs = make(Attributes, len(encs))
	for k, e := range encs {
		si.UnsignedAttrs[k] = Attribute{Raw: e}
	}
	r.signerInfos[i] = &si
	return sd.reparse(r)
}

// AddCertificates adds certificates (the rest of a chain, or the
// certificates of OCSP responders and CRL issuers for B-LT) to the
// certificates field. Certificates already present are skipped. No signed
// byte changes; the SignedData is re-parsed.
func (sd *SignedData) AddCertificates(certs ...*x509.Certificate) error {
	if sd.raw == nil {
		return fmt.Errorf("cms: AddCertificates needs a SignedData from Parse or Sign")
	}
	r := sd.raw.clone()
	for _, c := range certs {
		if c == nil || slices.ContainsFunc(r.certs, func(b []byte) bool { return bytes.Equal(b, c.Raw) }) {
			continue
		}
		r.certs = insertMember(r.certs, c.Raw)
		r.hasCerts = true
	}
	return sd.reparse(r)
}

// AddCRLs adds DER CertificateLists to the crls field, skipping ones
// already present. No signed byte changes; the SignedData is re-parsed.
func (sd *SignedData) AddCRLs(crls ...[]byte) error {
	return sd.addRevocation(crls, false)
}

// AddOCSPResponses adds DER OCSPResponses to the crls field as
// [1] OtherRevocationInfoFormat with id-ri-ocsp-response (RFC 5940),
// skipping ones already present. The SignedData version becomes 5, as
// RFC 5652 §5.1 requires. No signed byte changes; the SignedData is
// re-parsed.
func (sd *SignedData) AddOCSPResponses(resps ...[]byte) error {
	return sd.addRevocation(resps, true)
}

func (sd *SignedData) addRevocation(items [][]byte, ocsp bool) error {
	if sd.raw == nil {
		return fmt.Errorf("cms: adding revocation data needs a SignedData from Parse or Sign")
	}
	r := sd.raw.clone()
	for i, it := range items {
		field := fmt.Sprintf("crls (added %d)", i)
		if err := checkElement(it, field); err != nil {
			return err
		}
		if it[0] != 0x30 {
			return malformed(field, "not a SEQUENCE")
		}
		enc := it
		if ocsp {
			enc = tlv(0xa1, encodeOID(OIDRevocationInfoOCSP), it)
		}
		if slices.ContainsFunc(r.crls, func(b []byte) bool { return bytes.Equal(b, enc) }) {
			continue
		}
		r.crls = insertMember(r.crls, enc)
		r.hasCRLs = true
		if ocsp && sd.Version < 5 {
			r.version = []byte{2, 1, 5}
		}
	}
	return sd.reparse(r)
}
