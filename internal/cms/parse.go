// This file holds the SignedData and SignerInfo types and Parse.

package cms

import (
	"bytes"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Tags used below that cryptobyte/asn1 does not name.
const (
	tagCtx0Cons = casn1.Tag(0xa0) // [0] constructed
	tagCtx1Cons = casn1.Tag(0xa1) // [1] constructed
	tagCtx2Cons = casn1.Tag(0xa2) // [2] constructed
	tagCtx3Cons = casn1.Tag(0xa3) // [3] constructed
	tagCtx4Cons = casn1.Tag(0xa4) // [4] constructed
	tagCtx0Prim = casn1.Tag(0x80) // [0] primitive
)

// SignedData is a parsed CMS SignedData (RFC 5652 §5) inside its
// ContentInfo.
//
// The exported fields are a read-only view: Marshal re-encodes the
// structure from the bytes it was parsed or built from plus what the Add
// methods added, never from these fields. Byte slices may alias the input
// of Parse.
type SignedData struct {
	Version          int                        // CMSVersion of the SignedData
	DigestAlgorithms []pkix.AlgorithmIdentifier // digestAlgorithms, as listed

	// ContentType is the eContentType (id-data for documents, id-ct-TSTInfo
	// for time-stamp tokens).
	ContentType asn1.ObjectIdentifier
	// Content is the eContent octets, or nil when the signature is
	// detached. An attached empty content is a non-nil empty slice.
	Content []byte

	// Certificates holds the X.509 certificates of the certificates field
	// that crypto/x509 parsed, in order.
	Certificates []*x509.Certificate
	// UnparsedCertificates lists X.509 certificates that crypto/x509
	// rejected. They do not fail Parse: a certificate with an odd
	// encoding should not make a signature unreadable. Pass their Partial
	// certificates to FindCertificate to identify a signer among them.
	UnparsedCertificates []*CertificateError

	CRLs                [][]byte              // crls entries that are CertificateLists (raw DER)
	OCSPResponses       [][]byte              // OCSPResponses from [1] id-ri-ocsp-response entries (raw DER)
	OtherRevocationInfo []OtherRevocationInfo // other [1] OtherRevocationInfoFormat entries

	SignerInfos []*SignerInfo

	// RawCertificates and RawRevocationInfo are the CertificateChoices
	// and RevocationInfoChoice elements exactly as encoded (including
	// attribute certificates and the [1] wrapper of OCSP responses), for
	// archive time-stamps that hash them one by one (ETSI EN 319 122-1
	// ats-hash-index-v3).
	RawCertificates   [][]byte
	RawRevocationInfo [][]byte

	raw *rawSignedData
}

// OtherRevocationInfo is an OtherRevocationInfoFormat entry of the crls
// field whose format is not id-ri-ocsp-response.
type OtherRevocationInfo struct {
	Format asn1.ObjectIdentifier
	Info   []byte // DER of otherRevInfo
}

// rawSignedData keeps the DER pieces Marshal reassembles.
type rawSignedData struct {
	version     []byte   // INTEGER element
	digestAlgs  []byte   // SET element
	encap       []byte   // EncapsulatedContentInfo element
	certs       [][]byte // CertificateChoices elements; nil slice and !hasCerts when absent
	hasCerts    bool
	crls        [][]byte // RevocationInfoChoice elements
	hasCRLs     bool
	signerInfos []*SignerInfo
	// der, when set (by Sign), is the encoding the parts above make.
	der []byte
}

// source is the input a SignedData was parsed from, for recovering the
// original encoding of signed attributes.
type source struct {
	in   []byte
	norm *normalised
}

// offset returns the offset of sub within the normalised DER.
func (s *source) offset(sub []byte) int {
	return cap(s.norm.der) - cap(sub)
}

// SignerIdentifier identifies the signer's certificate (RFC 5652 §5.3):
// exactly one of the fields is set.
type SignerIdentifier struct {
	IssuerAndSerialNumber *IssuerAndSerialNumber
	SubjectKeyIdentifier  []byte
}

// IssuerAndSerialNumber names a certificate by its issuer and serial
// number.
type IssuerAndSerialNumber struct {
	RawIssuer    []byte // DER of the issuer Name
	SerialNumber *big.Int
}

// SignerInfo is one signer's information (RFC 5652 §5.3).
type SignerInfo struct {
	Version            int
	SID                SignerIdentifier
	DigestAlgorithm    pkix.AlgorithmIdentifier
	SignedAttrs        Attributes // nil when the signedAttrs field is absent
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Signature          []byte
	UnsignedAttrs      Attributes // nil when absent

	// RawSignedAttrs is the signedAttrs field exactly as it appeared in
	// the input, with its [0] IMPLICIT tag (0xa0), or nil when absent. It
	// is normally DER; a non-conforming signer may have written BER or an
	// unsorted SET, and these are the bytes such a signer signed.
	RawSignedAttrs []byte

	// Raw is the DER of the whole SignerInfo as Marshal emits it.
	Raw []byte

	head []byte // version, sid, digestAlgorithm elements
	tail []byte // signatureAlgorithm, signature elements
}

// RawWithoutUnsignedAttrs returns the encodings of the SignerInfo's
// fields from version to signature, concatenated as they appear, without
// the SEQUENCE header and without unsignedAttrs: the part of the
// SignerInfo an archive time-stamp covers (ETSI EN 319 122-1 §5.5.3).
func (si *SignerInfo) RawWithoutUnsignedAttrs() []byte {
	out := append([]byte(nil), si.head...)
	out = append(out, si.RawSignedAttrs...)
	return append(out, si.tail...)
}

// Parse parses a DER or BER encoded ContentInfo holding a SignedData.
//
// BER (indefinite lengths, constructed strings) is normalised to DER
// first, within bounded depth and memory. Trailing bytes after the
// ContentInfo are an error. Parse checks the structure and the RFC 5652
// rules listed in the package documentation; it does not verify any
// signature. Errors wrap ErrMalformed, with the failing field named.
func Parse(der []byte) (*SignedData, error) {
	return parseWithCertificates(der, nil)
}

// parseWithCertificates is Parse, taking the certificates in known as the
// parse of the same bytes (Sign's own input) instead of parsing them again.
// A non-nil known also means der is Sign's output, which is DER by
// construction.
func parseWithCertificates(der []byte, known []*x509.Certificate) (*SignedData, error) {
	var norm *normalised
	if known != nil {
		// Sign's own output, assembled from DER parts: the BER
		// normaliser's pass would find nothing to change.
		norm = &normalised{der: der}
	} else {
		var err error
		if norm, err = toDER(der); err != nil {
			return nil, err
		}
	}
	src := &source{in: der, norm: norm}
	in := cryptobyte.String(norm.der)

	var ci, explicit, sdSeq cryptobyte.String
	var ctype asn1.ObjectIdentifier
	if !in.ReadASN1(&ci, casn1.SEQUENCE) || !in.Empty() {
		return nil, malformed("contentInfo", "not a DER SEQUENCE")
	}
	if !ci.ReadASN1ObjectIdentifier(&ctype) {
		return nil, malformed("contentInfo.contentType", "not an OBJECT IDENTIFIER")
	}
	if !ctype.Equal(OIDSignedData) {
		return nil, malformed("contentInfo.contentType", "%s is not id-signedData", ctype)
	}
	if !ci.ReadASN1(&explicit, tagCtx0Cons) || !ci.Empty() ||
		!explicit.ReadASN1(&sdSeq, casn1.SEQUENCE) || !explicit.Empty() {
		return nil, malformed("contentInfo.content", "not a [0] EXPLICIT SignedData SEQUENCE")
	}
	return parseSignedData(sdSeq, src, known)
}

// TrimPadding splits b into its leading BER element and what follows,
// for a PDF signature's /Contents, which the signer pads with zeros to
// its reserved size (ISO 32000-1 §12.8.1). Pass cms to Parse. Anything
// other than zeros in padding is outside the signed byte ranges but
// unusual (EU DSS test files carry leftovers there); whether to warn is
// the caller's policy. An error (ErrMalformed) means the leading element
// itself is not well-formed.
func TrimPadding(b []byte) (cms, padding []byte, err error) {
	if len(b) > maxInput {
		return nil, nil, malformed("", "input of %d bytes is too large", len(b))
	}
	n := &berNormaliser{in: b}
	end, _, _, err := n.measure(0, len(b), 0)
	if err != nil {
		return nil, nil, err
	}
	return b[:end], b[end:], nil
}

func parseSignedData(s cryptobyte.String, src *source, known []*x509.Certificate) (*SignedData, error) {
	sd := &SignedData{raw: &rawSignedData{}}
	r := sd.raw

	var elem cryptobyte.String
	if !s.ReadASN1Element(&elem, casn1.INTEGER) {
		return nil, malformed("version", "not an INTEGER")
	}
	r.version = elem
	if err := readSmallInt(elem, &sd.Version); err != nil {
		return nil, malformed("version", "%v", err)
	}

	if !s.ReadASN1Element(&elem, casn1.SET) {
		return nil, malformed("digestAlgorithms", "not a SET")
	}
	r.digestAlgs = elem
	var set cryptobyte.String
	elem.ReadASN1(&set, casn1.SET)
	for i := 0; !set.Empty(); i++ {
		var alg pkix.AlgorithmIdentifier
		if !readAlgorithm(&set, &alg) {
			return nil, malformed(fmt.Sprintf("digestAlgorithms[%d]", i), "not an AlgorithmIdentifier")
		}
		sd.DigestAlgorithms = append(sd.DigestAlgorithms, alg)
	}

	if !s.ReadASN1Element(&elem, casn1.SEQUENCE) {
		return nil, malformed("encapContentInfo", "not a SEQUENCE")
	}
	r.encap = elem
	if err := sd.parseEncap(elem); err != nil {
		return nil, err
	}

	if s.PeekASN1Tag(tagCtx0Cons) {
		var certs cryptobyte.String
		s.ReadASN1(&certs, tagCtx0Cons)
		r.hasCerts = true
		r.certs = [][]byte{}
		for i := 0; !certs.Empty(); i++ {
			var c cryptobyte.String
			var tag casn1.Tag
			if !certs.ReadAnyASN1Element(&c, &tag) {
				return nil, malformed(fmt.Sprintf("certificates[%d]", i), "bad encoding")
			}
			r.certs = append(r.certs, c)
			switch tag {
			case casn1.SEQUENCE:
				cert := knownCertificate(known, c)
				var err error
				if cert == nil {
					cert, err = x509.ParseCertificate(c)
				}
				if err != nil {
					sd.UnparsedCertificates = append(sd.UnparsedCertificates, &CertificateError{Index: i, Raw: c, Err: err, Partial: parsePartialCertificate(c)})
					continue
				}
				sd.Certificates = append(sd.Certificates, cert)
			case tagCtx0Cons, tagCtx1Cons, tagCtx2Cons, tagCtx3Cons:
				// extendedCertificate, attribute certificates and other
				// formats: kept for Marshal, not interpreted.
			default:
				return nil, malformed(fmt.Sprintf("certificates[%d]", i), "unknown CertificateChoices tag 0x%02x", uint8(tag))
			}
		}
	}

	if s.PeekASN1Tag(tagCtx1Cons) {
		var crls cryptobyte.String
		s.ReadASN1(&crls, tagCtx1Cons)
		r.hasCRLs = true
		r.crls = [][]byte{}
		for i := 0; !crls.Empty(); i++ {
			field := fmt.Sprintf("crls[%d]", i)
			var c cryptobyte.String
			var tag casn1.Tag
			if !crls.ReadAnyASN1Element(&c, &tag) {
				return nil, malformed(field, "bad encoding")
			}
			r.crls = append(r.crls, c)
			switch tag {
			case casn1.SEQUENCE:
				sd.CRLs = append(sd.CRLs, c)
			case tagCtx1Cons:
				var body, info cryptobyte.String
				var format asn1.ObjectIdentifier
				body = c
				if !body.ReadASN1(&body, tagCtx1Cons) || !body.ReadASN1ObjectIdentifier(&format) ||
					!body.ReadAnyASN1Element(&info, nil) || !body.Empty() {
					return nil, malformed(field, "bad OtherRevocationInfoFormat")
				}
				if format.Equal(OIDRevocationInfoOCSP) {
					if len(info) == 0 || info[0] != 0x30 {
						return nil, malformed(field, "id-ri-ocsp-response value is not an OCSPResponse SEQUENCE")
					}
					sd.OCSPResponses = append(sd.OCSPResponses, info)
				} else {
					sd.OtherRevocationInfo = append(sd.OtherRevocationInfo, OtherRevocationInfo{Format: format, Info: info})
				}
			default:
				return nil, malformed(field, "unknown RevocationInfoChoice tag 0x%02x", uint8(tag))
			}
		}
	}

	var sis cryptobyte.String
	if !s.ReadASN1(&sis, casn1.SET) {
		return nil, malformed("signerInfos", "not a SET")
	}
	if !s.Empty() {
		return nil, malformed("signedData", "unexpected data after signerInfos")
	}
	for i := 0; !sis.Empty(); i++ {
		field := fmt.Sprintf("signerInfos[%d]", i)
		var si cryptobyte.String
		if !sis.ReadASN1(&si, casn1.SEQUENCE) {
			return nil, malformed(field, "not a SEQUENCE")
		}
		info, err := parseSignerInfo(si, field, src)
		if err != nil {
			return nil, err
		}
		if err := info.SignedAttrs.checkSigned(field+".signedAttrs", sd.ContentType, false); err != nil {
			return nil, err
		}
		sd.SignerInfos = append(sd.SignerInfos, info)
	}
	r.signerInfos = sd.SignerInfos
	sd.RawCertificates, sd.RawRevocationInfo = r.certs, r.crls
	return sd, nil
}

// knownCertificate returns the certificate in known whose encoding is
// raw, or nil.
func knownCertificate(known []*x509.Certificate, raw []byte) *x509.Certificate {
	for _, c := range known {
		if c != nil && bytes.Equal(c.Raw, raw) {
			return c
		}
	}
	return nil
}

func (sd *SignedData) parseEncap(elem cryptobyte.String) error {
	var seq cryptobyte.String
	elem.ReadASN1(&seq, casn1.SEQUENCE)
	if !seq.ReadASN1ObjectIdentifier(&sd.ContentType) {
		return malformed("encapContentInfo.eContentType", "not an OBJECT IDENTIFIER")
	}
	if seq.Empty() {
		return nil
	}
	var explicit, content cryptobyte.String
	if !seq.ReadASN1(&explicit, tagCtx0Cons) || !seq.Empty() {
		return malformed("encapContentInfo.eContent", "not a [0] EXPLICIT element")
	}
	if !explicit.ReadASN1(&content, casn1.OCTET_STRING) || !explicit.Empty() {
		return malformed("encapContentInfo.eContent", "not an OCTET STRING")
	}
	sd.Content = content
	if sd.Content == nil {
		sd.Content = []byte{}
	}
	return nil
}

func parseSignerInfo(s cryptobyte.String, field string, src *source) (*SignerInfo, error) {
	si := &SignerInfo{}
	start := s

	var ver cryptobyte.String
	if !s.ReadASN1Element(&ver, casn1.INTEGER) {
		return nil, malformed(field+".version", "not an INTEGER")
	}
	if err := readSmallInt(ver, &si.Version); err != nil {
		return nil, malformed(field+".version", "%v", err)
	}

	switch {
	case s.PeekASN1Tag(casn1.SEQUENCE):
		var ias, issuer cryptobyte.String
		serial := new(big.Int)
		// A non-minimal INTEGER is rejected, as OpenSSL and Bouncy Castle
		// (EU DSS) reject it; negative serial numbers are accepted.
		if !s.ReadASN1(&ias, casn1.SEQUENCE) || !ias.ReadASN1Element(&issuer, casn1.SEQUENCE) ||
			!ias.ReadASN1Integer(serial) || !ias.Empty() {
			return nil, malformed(field+".sid", "bad IssuerAndSerialNumber")
		}
		si.SID.IssuerAndSerialNumber = &IssuerAndSerialNumber{RawIssuer: issuer, SerialNumber: serial}
	case s.PeekASN1Tag(tagCtx0Prim):
		var ski cryptobyte.String
		s.ReadASN1(&ski, tagCtx0Prim)
		// An empty identifier (seen from EU DSS) parses but matches no
		// certificate.
		si.SID.SubjectKeyIdentifier = ski
		if si.SID.SubjectKeyIdentifier == nil {
			si.SID.SubjectKeyIdentifier = []byte{}
		}
	default:
		return nil, malformed(field+".sid", "neither IssuerAndSerialNumber nor [0] SubjectKeyIdentifier")
	}

	if !readAlgorithm(&s, &si.DigestAlgorithm) {
		return nil, malformed(field+".digestAlgorithm", "not an AlgorithmIdentifier")
	}
	si.head = start[:len(start)-len(s)]

	if s.PeekASN1Tag(tagCtx0Cons) {
		var elem cryptobyte.String
		s.ReadASN1Element(&elem, tagCtx0Cons)
		si.RawSignedAttrs = src.norm.original(src.in, src.offset(elem), src.offset(elem)+len(elem))
		attrs, err := parseAttributes(elem, tagCtx0Cons, field+".signedAttrs")
		if err != nil {
			return nil, err
		}
		if len(attrs) == 0 {
			return nil, malformed(field+".signedAttrs", "present but empty (RFC 5652 requires at least content-type and message-digest)")
		}
		si.SignedAttrs = attrs
	}

	tailStart := s
	if !readAlgorithm(&s, &si.SignatureAlgorithm) {
		return nil, malformed(field+".signatureAlgorithm", "not an AlgorithmIdentifier")
	}
	var sig cryptobyte.String
	if !s.ReadASN1(&sig, casn1.OCTET_STRING) {
		return nil, malformed(field+".signature", "not an OCTET STRING")
	}
	si.Signature = sig
	si.tail = tailStart[:len(tailStart)-len(s)]

	if s.PeekASN1Tag(tagCtx1Cons) {
		var elem cryptobyte.String
		s.ReadASN1Element(&elem, tagCtx1Cons)
		attrs, err := parseAttributes(elem, tagCtx1Cons, field+".unsignedAttrs")
		if err != nil {
			return nil, err
		}
		// RFC 5652 says SIZE (1..MAX), but pyHanko writes an empty set;
		// it is kept (and re-emitted) as an empty, non-nil list.
		si.UnsignedAttrs = attrs
	}
	if !s.Empty() {
		return nil, malformed(field, "unexpected data after the last field")
	}
	si.Raw = si.encode()
	return si, nil
}

// readAlgorithm reads an AlgorithmIdentifier.
func readAlgorithm(s *cryptobyte.String, out *pkix.AlgorithmIdentifier) bool {
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, casn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&out.Algorithm) {
		return false
	}
	out.Parameters = asn1.RawValue{}
	if seq.Empty() {
		return true
	}
	var full, body cryptobyte.String
	var tag casn1.Tag
	if !seq.ReadAnyASN1Element(&full, &tag) || !seq.Empty() {
		return false
	}
	body = full
	body.ReadAnyASN1(&body, nil)
	out.Parameters = asn1.RawValue{
		Class:      int(tag >> 6),
		Tag:        int(tag & 0x1f),
		IsCompound: tag&0x20 != 0,
		Bytes:      body,
		FullBytes:  full,
	}
	return true
}

// readSmallInt decodes an INTEGER element that must fit CMS version
// numbers.
func readSmallInt(elem cryptobyte.String, out *int) error {
	var v int64
	if !elem.ReadASN1Integer(&v) {
		return fmt.Errorf("not a DER INTEGER")
	}
	if v < 0 || v > 100 {
		return fmt.Errorf("value %d out of range", v)
	}
	*out = int(v)
	return nil
}
