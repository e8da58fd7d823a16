// This file holds attribute parsing, the RFC 5652 rules for signed
// attributes, and the typed getters for the attributes CAdES uses.

package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"strconv"
	"strings"
	"time"

	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Attribute is a CMS attribute (RFC 5652 §5.3).
type Attribute struct {
	Type   asn1.ObjectIdentifier
	Values [][]byte // DER of each AttributeValue, in encoded order
	// Raw is the DER of the whole Attribute. When building, leave it nil.
	Raw []byte
}

// Attributes is a list of attributes in encoded order.
type Attributes []Attribute

// Find returns the first attribute of the given type, or nil.
func (as Attributes) Find(oid asn1.ObjectIdentifier) *Attribute {
	for i := range as {
		if as[i].Type.Equal(oid) {
			return &as[i]
		}
	}
	return nil
}

// Values returns the values of every attribute of the given type, in
// order. Unsigned attributes such as signature-time-stamp may occur more
// than once; each occurrence may hold several values.
func (as Attributes) Values(oid asn1.ObjectIdentifier) [][]byte {
	var vs [][]byte
	for _, a := range as {
		if a.Type.Equal(oid) {
			vs = append(vs, a.Values...)
		}
	}
	return vs
}

func parseAttributes(elem cryptobyte.String, tag casn1.Tag, field string) (Attributes, error) {
	var set cryptobyte.String
	if !elem.ReadASN1(&set, tag) {
		return nil, malformed(field, "bad encoding")
	}
	attrs := Attributes{}
	for i := 0; !set.Empty(); i++ {
		f := indexedField{field, i}
		var raw, seq, vals cryptobyte.String
		var a Attribute
		if !set.ReadASN1Element(&raw, casn1.SEQUENCE) {
			return nil, malformed(f.String(), "not a SEQUENCE")
		}
		seq = raw
		if !seq.ReadASN1(&seq, casn1.SEQUENCE) || !seq.ReadASN1ObjectIdentifier(&a.Type) ||
			!seq.ReadASN1(&vals, casn1.SET) || !seq.Empty() {
			return nil, malformed(f.String(), "not an Attribute (OBJECT IDENTIFIER, SET OF values)")
		}
		a.Raw = raw
		for !vals.Empty() {
			var v cryptobyte.String
			if !vals.ReadAnyASN1Element(&v, nil) {
				return nil, malformed(f.String(), "bad value in %s", oidName(a.Type))
			}
			a.Values = append(a.Values, v)
		}
		if len(a.Values) == 0 {
			return nil, malformed(f.String(), "%s has no value", oidName(a.Type))
		}
		attrs = append(attrs, a)
	}
	return attrs, nil
}

// indexedField names attribute i of a field; it is formatted only when
// an error is reported, so parsing valid input costs no Sprintf.
type indexedField struct {
	field string
	i     int
}

func (f indexedField) String() string { return fmt.Sprintf("%s[%d]", f.field, f.i) }

// checkSigned enforces the RFC 5652 rules on a signedAttrs field (nil
// means absent, which is allowed).
func (as Attributes) checkSigned(field string, eContentType asn1.ObjectIdentifier, counter bool) error {
	if as == nil {
		if !counter && !eContentType.Equal(OIDData) {
			// RFC 5652 §5.3: signedAttrs MUST be present when the content
			// type is not id-data.
			return malformed(field, "absent, but the content type %s is not id-data", eContentType)
		}
		return nil
	}
	seen := map[string]bool{}
	for _, a := range as {
		k := a.Type.String()
		if seen[k] && interpreted(a.Type) {
			return malformed(field, "duplicate %s attribute", oidName(a.Type))
		}
		seen[k] = true
	}
	single := func(oid asn1.ObjectIdentifier, required bool) (*Attribute, error) {
		a := as.Find(oid)
		if a == nil {
			if required {
				return nil, malformed(field, "missing %s attribute", oidName(oid))
			}
			return nil, nil
		}
		if len(a.Values) != 1 {
			return nil, malformed(field, "%s attribute has %d values, want one", oidName(oid), len(a.Values))
		}
		return a, nil
	}
	if _, err := single(OIDAttributeMessageDigest, true); err != nil {
		return err
	}
	if _, err := single(OIDAttributeSigningTime, false); err != nil {
		return err
	}
	if as.Find(OIDAttributeCounterSignature) != nil {
		return malformed(field, "countersignature must be an unsigned attribute")
	}
	if counter {
		if as.Find(OIDAttributeContentType) != nil {
			return malformed(field, "a countersignature must not carry a content-type attribute")
		}
		return nil
	}
	ct, err := single(OIDAttributeContentType, true)
	if err != nil {
		return err
	}
	var oid asn1.ObjectIdentifier
	v := cryptobyte.String(ct.Values[0])
	if !v.ReadASN1ObjectIdentifier(&oid) || !v.Empty() {
		return malformed(field, "content-type value is not an OBJECT IDENTIFIER")
	}
	if !oid.Equal(eContentType) {
		return malformed(field, "content-type attribute %s differs from eContentType %s", oid, eContentType)
	}
	return nil
}

// interpreted reports whether the package gives meaning to a signed
// attribute type. Two instances of such an attribute would let two
// verifiers read two different values, so they are an error; duplicates of
// other types (EU DSS writes a vendor attribute twice) are tolerated,
// since nothing here reads them.
func interpreted(oid asn1.ObjectIdentifier) bool {
	for _, o := range []asn1.ObjectIdentifier{
		OIDAttributeContentType, OIDAttributeMessageDigest, OIDAttributeSigningTime,
		OIDAttributeSigningCert, OIDAttributeSigningCertV2, OIDAttributeSignaturePolicy,
		OIDAttributeCommitmentType, OIDAttributeTimeStampToken, OIDAttributeCounterSignature,
	} {
		if o.Equal(oid) {
			return true
		}
	}
	return false
}

// signedValue returns the single value of a signed attribute.
func (si *SignerInfo) signedValue(oid asn1.ObjectIdentifier) ([]byte, error) {
	a := si.SignedAttrs.Find(oid)
	if a == nil {
		return nil, &Error{Field: "signedAttrs", Err: ErrAttributeNotFound, Detail: "no " + oidName(oid) + " attribute"}
	}
	if len(a.Values) != 1 {
		return nil, malformed("signedAttrs", "%s attribute has %d values, want one", oidName(oid), len(a.Values))
	}
	return a.Values[0], nil
}

// ContentType returns the content-type signed attribute.
func (si *SignerInfo) ContentType() (asn1.ObjectIdentifier, error) {
	v, err := si.signedValue(OIDAttributeContentType)
	if err != nil {
		return nil, err
	}
	var oid asn1.ObjectIdentifier
	s := cryptobyte.String(v)
	if !s.ReadASN1ObjectIdentifier(&oid) || !s.Empty() {
		return nil, malformed("signedAttrs.content-type", "not an OBJECT IDENTIFIER")
	}
	return oid, nil
}

// MessageDigest returns the message-digest signed attribute.
func (si *SignerInfo) MessageDigest() ([]byte, error) {
	v, err := si.signedValue(OIDAttributeMessageDigest)
	if err != nil {
		return nil, err
	}
	var d cryptobyte.String
	s := cryptobyte.String(v)
	if !s.ReadASN1(&d, casn1.OCTET_STRING) || !s.Empty() {
		return nil, malformed("signedAttrs.message-digest", "not an OCTET STRING")
	}
	return d, nil
}

// SigningTime returns the signing-time signed attribute, which may be
// encoded as UTCTime or GeneralizedTime (RFC 5652 §11.3). The time is in
// UTC. It is the signer's claim, not a trusted time.
func (si *SignerInfo) SigningTime() (time.Time, error) {
	v, err := si.signedValue(OIDAttributeSigningTime)
	if err != nil {
		return time.Time{}, err
	}
	t, err := parseTime(v)
	if err != nil {
		return time.Time{}, malformed("signedAttrs.signing-time", "%v", err)
	}
	return t, nil
}

// parseTime decodes a Time CHOICE (UTCTime or GeneralizedTime).
//
// UTCTime is accepted with or without seconds and with a Z or ±hhmm
// zone, as real signers write; two-digit years follow RFC 5280 (50-99
// are 19xx). GeneralizedTime must have seconds and a zone and may have
// fractional seconds (RFC 3161 genTime). Local times without a zone are
// rejected: they do not name an instant.
func parseTime(der []byte) (time.Time, error) {
	s := cryptobyte.String(der)
	var body cryptobyte.String
	var tag casn1.Tag
	if !s.ReadAnyASN1(&body, &tag) || !s.Empty() {
		return time.Time{}, fmt.Errorf("not a Time")
	}
	str := string(body)
	switch tag {
	case casn1.UTCTime:
		for _, layout := range []string{"060102150405Z", "060102150405-0700", "0601021504Z", "0601021504-0700"} {
			t, err := time.Parse(layout, str)
			if err == nil && validDigits(str, len(layout)) {
				if t.Year() >= 2050 {
					t = t.AddDate(-100, 0, 0)
				}
				return t.UTC(), nil
			}
		}
		return time.Time{}, fmt.Errorf("bad UTCTime %q", str)
	case casn1.GeneralizedTime:
		// time.Parse accepts a fraction the layout does not show, so the
		// shape is checked by hand: 14 digits, optional .d{1,9}, zone.
		if len(str) < 15 || !allDigits(str[:14]) {
			return time.Time{}, fmt.Errorf("bad GeneralizedTime %q", str)
		}
		rest := str[14:]
		layout := "20060102150405"
		if frac, ok := strings.CutPrefix(rest, "."); ok {
			n := 0
			for n < len(frac) && frac[n] >= '0' && frac[n] <= '9' {
				n++
			}
			if n == 0 || n > 9 {
				return time.Time{}, fmt.Errorf("bad GeneralizedTime fraction %q", str)
			}
			layout += "." + strings.Repeat("9", n)
			rest = frac[n:]
		}
		switch {
		case rest == "Z":
			layout += "Z"
		case len(rest) == 5 && (rest[0] == '+' || rest[0] == '-') && allDigits(rest[1:]):
			layout += "-0700"
		default:
			return time.Time{}, fmt.Errorf("GeneralizedTime %q has no time zone", str)
		}
		t, err := time.Parse(layout, str)
		if err != nil {
			return time.Time{}, fmt.Errorf("bad GeneralizedTime %q", str)
		}
		return t.UTC(), nil
	}
	return time.Time{}, fmt.Errorf("tag %d is neither UTCTime nor GeneralizedTime", tag)
}

// validDigits guards against time.Parse accepting signs or spaces where
// ASN.1 requires digits in the first ten or twelve characters.
func validDigits(s string, layoutLen int) bool {
	if len(s) != layoutLen {
		return false
	}
	n := 10
	if layoutLen == 13 || layoutLen == 17 {
		n = 12
	}
	for i := 0; i < n; i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// SigningCertificate is an ESS signing-certificate (RFC 2634 §5.4) or
// signing-certificate-v2 (RFC 5035) attribute value. The first ESSCertID
// identifies the signer's certificate; any further ones are hints for
// the chain.
type SigningCertificate struct {
	Certs []ESSCertID
	// Policies is the DER of the policies SEQUENCE OF PolicyInformation,
	// or nil when absent.
	Policies []byte
}

// ESSCertID is an ESSCertID (v1: SHA-1) or ESSCertIDv2 entry.
type ESSCertID struct {
	// HashAlgorithm is the algorithm as encoded; for an ESSCertIDv2 that
	// omits it, the DEFAULT id-sha256.
	HashAlgorithm asn1.ObjectIdentifier
	// Hash is HashAlgorithm as a crypto.Hash, or 0 if unsupported.
	Hash     crypto.Hash
	CertHash []byte
	// IssuerSerial is nil when absent.
	IssuerSerial *IssuerSerial
}

// IssuerSerial is the issuerSerial of an ESSCertID.
type IssuerSerial struct {
	RawIssuer    []byte // DER of the GeneralNames
	SerialNumber *big.Int
}

// ESSSigningCertificateV2 returns the signing-certificate-v2 signed
// attribute (RFC 5035).
func (si *SignerInfo) ESSSigningCertificateV2() (*SigningCertificate, error) {
	v, err := si.signedValue(OIDAttributeSigningCertV2)
	if err != nil {
		return nil, err
	}
	sc, err := parseSigningCertificate(v, true)
	if err != nil {
		return nil, malformed("signedAttrs.signing-certificate-v2", "%v", err)
	}
	return sc, nil
}

// ESSSigningCertificate returns the version 1 signing-certificate signed
// attribute (RFC 2634), whose hashes are SHA-1.
func (si *SignerInfo) ESSSigningCertificate() (*SigningCertificate, error) {
	v, err := si.signedValue(OIDAttributeSigningCert)
	if err != nil {
		return nil, err
	}
	sc, err := parseSigningCertificate(v, false)
	if err != nil {
		return nil, malformed("signedAttrs.signing-certificate", "%v", err)
	}
	return sc, nil
}

func parseSigningCertificate(der []byte, v2 bool) (*SigningCertificate, error) {
	s := cryptobyte.String(der)
	var seq, ids cryptobyte.String
	if !s.ReadASN1(&seq, casn1.SEQUENCE) || !s.Empty() || !seq.ReadASN1(&ids, casn1.SEQUENCE) {
		return nil, fmt.Errorf("not a SigningCertificate SEQUENCE")
	}
	sc := &SigningCertificate{}
	if !seq.Empty() {
		var pol cryptobyte.String
		if !seq.ReadASN1Element(&pol, casn1.SEQUENCE) || !seq.Empty() {
			return nil, fmt.Errorf("bad policies")
		}
		sc.Policies = pol
	}
	for !ids.Empty() {
		var id cryptobyte.String
		if !ids.ReadASN1(&id, casn1.SEQUENCE) {
			return nil, fmt.Errorf("bad ESSCertID")
		}
		e := ESSCertID{HashAlgorithm: oidSHA1, Hash: crypto.SHA1}
		if v2 {
			e.HashAlgorithm, e.Hash = oidSHA256, crypto.SHA256
			if id.PeekASN1Tag(casn1.SEQUENCE) {
				var alg pkix.AlgorithmIdentifier
				if !readAlgorithm(&id, &alg) {
					return nil, fmt.Errorf("bad hashAlgorithm")
				}
				e.HashAlgorithm = alg.Algorithm
				e.Hash, _ = HashForOID(alg.Algorithm)
			}
		}
		var h cryptobyte.String
		if !id.ReadASN1(&h, casn1.OCTET_STRING) {
			return nil, fmt.Errorf("bad certHash")
		}
		e.CertHash = h
		if !id.Empty() {
			var is, names cryptobyte.String
			serial := new(big.Int)
			if !id.ReadASN1(&is, casn1.SEQUENCE) || !is.ReadASN1Element(&names, casn1.SEQUENCE) ||
				!is.ReadASN1Integer(serial) || !is.Empty() || !id.Empty() {
				return nil, fmt.Errorf("bad issuerSerial")
			}
			e.IssuerSerial = &IssuerSerial{RawIssuer: names, SerialNumber: serial}
		}
		sc.Certs = append(sc.Certs, e)
	}
	if len(sc.Certs) == 0 {
		return nil, fmt.Errorf("no ESSCertID")
	}
	return sc, nil
}

// Match reports whether id identifies cert: the hash of the whole
// certificate must equal CertHash and, when IssuerSerial is present, the
// serial number and the issuer (a directoryName among the GeneralNames)
// must match too. It returns nil, or an error wrapping
// ErrSigningCertificateMismatch or ErrUnsupportedAlgorithm.
func (id *ESSCertID) Match(cert *x509.Certificate) error {
	if id.Hash == 0 || !id.Hash.Available() {
		return errf(ErrUnsupportedAlgorithm, "ESSCertID.hashAlgorithm", "hash %s is not supported", oidName(id.HashAlgorithm))
	}
	h := id.Hash.New()
	h.Write(cert.Raw)
	if !bytes.Equal(h.Sum(nil), id.CertHash) {
		return errf(ErrSigningCertificateMismatch, "ESSCertID.certHash", "certificate %q does not have the hash the signer signed; the certificate may have been substituted", cert.Subject.String())
	}
	if id.IssuerSerial == nil {
		return nil
	}
	if id.IssuerSerial.SerialNumber.Cmp(cert.SerialNumber) != 0 {
		return errf(ErrSigningCertificateMismatch, "ESSCertID.issuerSerial", "serial number differs from the certificate's")
	}
	names := cryptobyte.String(id.IssuerSerial.RawIssuer)
	if !names.ReadASN1(&names, casn1.SEQUENCE) {
		return errf(ErrSigningCertificateMismatch, "ESSCertID.issuerSerial", "bad GeneralNames")
	}
	for !names.Empty() {
		var gn cryptobyte.String
		var tag casn1.Tag
		if !names.ReadAnyASN1(&gn, &tag) {
			break
		}
		if tag == tagCtx4Cons && sameName(gn, cert.RawIssuer) {
			return nil
		}
	}
	return errf(ErrSigningCertificateMismatch, "ESSCertID.issuerSerial", "issuer differs from the certificate's")
}

// TimeStampTokens returns the values of all signature-time-stamp unsigned
// attributes (RFC 3161 Appendix A): each is a ContentInfo DER to parse
// with the tsp package. The tokens are not verified here.
func (si *SignerInfo) TimeStampTokens() [][]byte {
	return si.UnsignedAttrs.Values(OIDAttributeTimeStampToken)
}

// CommitmentTypeIndication is a commitment-type-indication value (ETSI EN
// 319 122-1 §5.2.3).
type CommitmentTypeIndication struct {
	Type asn1.ObjectIdentifier
	// Qualifiers is the DER of the commitmentTypeQualifier SEQUENCE, or
	// nil when absent.
	Qualifiers []byte
}

// CommitmentTypeIndications returns the values of the
// commitment-type-indication signed attribute.
func (si *SignerInfo) CommitmentTypeIndications() ([]CommitmentTypeIndication, error) {
	a := si.SignedAttrs.Find(OIDAttributeCommitmentType)
	if a == nil {
		return nil, &Error{Field: "signedAttrs", Err: ErrAttributeNotFound, Detail: "no commitment-type-indication attribute"}
	}
	var out []CommitmentTypeIndication
	for _, v := range a.Values {
		s := cryptobyte.String(v)
		var seq cryptobyte.String
		var c CommitmentTypeIndication
		if !s.ReadASN1(&seq, casn1.SEQUENCE) || !s.Empty() || !seq.ReadASN1ObjectIdentifier(&c.Type) {
			return nil, malformed("signedAttrs.commitment-type-indication", "not a CommitmentTypeIndication")
		}
		if !seq.Empty() {
			var q cryptobyte.String
			if !seq.ReadASN1Element(&q, casn1.SEQUENCE) || !seq.Empty() {
				return nil, malformed("signedAttrs.commitment-type-indication", "bad commitmentTypeQualifier")
			}
			c.Qualifiers = q
		}
		out = append(out, c)
	}
	return out, nil
}

// SignaturePolicy is a signature-policy-identifier value (ETSI EN 319
// 122-1 §5.2.9).
type SignaturePolicy struct {
	// Implied is true for signaturePolicyImplied (NULL); the other fields
	// are then empty.
	Implied       bool
	ID            asn1.ObjectIdentifier
	HashAlgorithm pkix.AlgorithmIdentifier
	Hash          []byte
	Qualifiers    []PolicyQualifier
}

// PolicyQualifier is a SigPolicyQualifierInfo, such as id-spq-ets-uri with
// an IA5String URI or id-spq-ets-unotice with a user notice.
type PolicyQualifier struct {
	ID    asn1.ObjectIdentifier
	Value []byte // DER of the qualifier
}

// SignaturePolicyIdentifier returns the signature-policy-identifier
// signed attribute.
func (si *SignerInfo) SignaturePolicyIdentifier() (*SignaturePolicy, error) {
	v, err := si.signedValue(OIDAttributeSignaturePolicy)
	if err != nil {
		return nil, err
	}
	p, err := parseSignaturePolicy(v)
	if err != nil {
		return nil, malformed("signedAttrs.signature-policy-identifier", "%v", err)
	}
	return p, nil
}

func parseSignaturePolicy(der []byte) (*SignaturePolicy, error) {
	s := cryptobyte.String(der)
	if s.PeekASN1Tag(casn1.NULL) {
		var n cryptobyte.String
		if !s.ReadASN1(&n, casn1.NULL) || len(n) != 0 || !s.Empty() {
			return nil, fmt.Errorf("bad signaturePolicyImplied")
		}
		return &SignaturePolicy{Implied: true}, nil
	}
	var seq, hash, digest cryptobyte.String
	p := &SignaturePolicy{}
	if !s.ReadASN1(&seq, casn1.SEQUENCE) || !s.Empty() || !seq.ReadASN1ObjectIdentifier(&p.ID) ||
		!seq.ReadASN1(&hash, casn1.SEQUENCE) || !readAlgorithm(&hash, &p.HashAlgorithm) ||
		!hash.ReadASN1(&digest, casn1.OCTET_STRING) || !hash.Empty() {
		return nil, fmt.Errorf("not a SignaturePolicyId")
	}
	p.Hash = digest
	if !seq.Empty() {
		var quals cryptobyte.String
		if !seq.ReadASN1(&quals, casn1.SEQUENCE) || !seq.Empty() {
			return nil, fmt.Errorf("bad sigPolicyQualifiers")
		}
		for !quals.Empty() {
			var q cryptobyte.String
			var pq PolicyQualifier
			if !quals.ReadASN1(&q, casn1.SEQUENCE) || !q.ReadASN1ObjectIdentifier(&pq.ID) {
				return nil, fmt.Errorf("bad SigPolicyQualifierInfo")
			}
			var v cryptobyte.String
			if !q.ReadAnyASN1Element(&v, nil) || !q.Empty() {
				return nil, fmt.Errorf("bad sigQualifier")
			}
			pq.Value = v
			p.Qualifiers = append(p.Qualifiers, pq)
		}
	}
	return p, nil
}

// CounterSignatures parses the countersignature unsigned attributes
// (RFC 5652 §11.4). A countersignature signs this SignerInfo's signature
// value: its content digest is the hash of si.Signature under the
// countersignature's digest algorithm.
func (si *SignerInfo) CounterSignatures() ([]*SignerInfo, error) {
	var out []*SignerInfo
	for i, v := range si.UnsignedAttrs.Values(OIDAttributeCounterSignature) {
		field := "unsignedAttrs.countersignature[" + strconv.Itoa(i) + "]"
		s := cryptobyte.String(v)
		var seq cryptobyte.String
		if !s.ReadASN1(&seq, casn1.SEQUENCE) || !s.Empty() {
			return nil, malformed(field, "not a SignerInfo SEQUENCE")
		}
		// The original (pre-normalisation) encoding is not tracked for
		// nested SignerInfos: their signed attributes are verified as DER.
		src := &source{in: v, norm: &normalised{der: v}}
		c, err := parseSignerInfo(seq, field, src)
		if err != nil {
			return nil, err
		}
		if err := c.SignedAttrs.checkSigned(field+".signedAttrs", nil, true); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}
