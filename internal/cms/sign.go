// This file holds the builder: Sign makes a SignedData over a digest the
// caller computed.

package cms

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"io"
	"math/big"
	"slices"
	"time"

	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// ContextSigner is a crypto.Signer whose operation can be abandoned, such
// as a key on a token that waits for a PIN pad or a touch. Sign uses
// SignContext when the signer implements it; otherwise it checks the
// context only before and after the (uninterruptible) Sign call.
type ContextSigner interface {
	crypto.Signer
	// SignContext is Sign with a context; the signer uses its own
	// randomness (a token has its own generator), as token.Signer does.
	SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error)
}

// SignOptions configures Sign. The zero value makes a detached id-data
// signature with SHA-256, RSASSA-PKCS1-v1_5 for RSA keys, the signer's
// certificate embedded, and the signed attributes content-type,
// message-digest and signing-certificate-v2.
type SignOptions struct {
	// Hash is the digest algorithm: crypto.SHA256 (default), SHA384 or
	// SHA512. For Ed25519 keys the default is SHA512 (RFC 8419).
	Hash crypto.Hash
	// PSS selects RSASSA-PSS for RSA keys, with MGF1 over the same hash
	// and a salt as long as the hash (RFC 4055, RFC 4056).
	PSS bool

	// ContentType is the eContentType; nil means id-data.
	ContentType asn1.ObjectIdentifier
	// Content, when non-nil, is embedded as eContent (an attached
	// signature). The digest passed to Sign may then be nil.
	Content []byte

	// OmitSignerCertificate leaves the signer's certificate out of the
	// certificates field (an RFC 3161 reply without certReq).
	OmitSignerCertificate bool
	// Certificates are embedded after the signer's: the chain, and for
	// B-LT the certificates of revocation data issuers.
	Certificates []*x509.Certificate
	// CRLs (DER CertificateList) and OCSPResponses (DER OCSPResponse) are
	// embedded as revocation information.
	CRLs          [][]byte
	OCSPResponses [][]byte

	// SigningTime, when not zero, adds a signing-time attribute
	// (UTCTime for 1950-2049, GeneralizedTime otherwise, RFC 5652 §11.3).
	SigningTime time.Time
	// CommitmentTypes, when not empty, adds a commitment-type-indication
	// attribute with these values.
	CommitmentTypes []CommitmentTypeIndication
	// SignaturePolicy, when not nil, adds a signature-policy-identifier.
	SignaturePolicy *SignaturePolicy
	// ExtraSignedAttributes are added as given (Raw is ignored). A type
	// that duplicates another signed attribute is an error.
	ExtraSignedAttributes []Attribute

	// Rand is the randomness for ECDSA and RSASSA-PSS; nil means
	// crypto/rand.
	Rand io.Reader
}

// Sign makes a SignedData signed by signer, whose certificate is cert,
// over a content whose digest under opts.Hash the caller computed (so a
// gigabyte document is streamed through the hash by the caller, not held
// here). The signer is identified by issuer and serial number. The
// signature is verified with cert before Sign returns, which catches a
// token holding a different key; for a Go software key (directly or
// through SoftwareSigner) the key is instead checked against cert once
// and then trusted, as the package documentation explains. Errors from
// these checks wrap ErrSignatureInvalid.
func Sign(ctx context.Context, signer crypto.Signer, cert *x509.Certificate, digest []byte, opts *SignOptions) (*SignedData, error) {
	if opts == nil {
		opts = &SignOptions{}
	}
	if signer == nil || cert == nil {
		return nil, fmt.Errorf("cms: Sign needs a signer and its certificate")
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if k, ok := signer.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !k.Equal(cert.PublicKey) {
		return nil, fmt.Errorf("cms: the signer's public key is not the key in the certificate %q; pick the certificate that belongs to the key", cert.Subject)
	}

	hash := opts.Hash
	_, isEd := signer.Public().(ed25519.PublicKey)
	if hash == 0 {
		hash = crypto.SHA256
		if isEd {
			hash = crypto.SHA512
		}
	}
	if hash != crypto.SHA256 && hash != crypto.SHA384 && hash != crypto.SHA512 {
		return nil, errf(ErrUnsupportedAlgorithm, "digestAlgorithm", "Sign supports SHA-256, SHA-384 and SHA-512, not %v", hash)
	}
	digestOID, _ := OIDForHash(hash)

	if opts.Content != nil {
		h := hash.New()
		h.Write(opts.Content)
		sum := h.Sum(nil)
		if digest == nil {
			digest = sum
		} else if !bytes.Equal(digest, sum) {
			return nil, fmt.Errorf("cms: the digest given to Sign is not the %v digest of the attached content", hash)
		}
	}
	if len(digest) != hash.Size() {
		return nil, fmt.Errorf("cms: Sign needs a %v digest of %d bytes, got %d", hash, hash.Size(), len(digest))
	}

	sigAlgID, signerOpts, err := signatureAlgorithmFor(signer.Public(), hash, opts.PSS)
	if err != nil {
		return nil, err
	}

	contentType := opts.ContentType
	if contentType == nil {
		contentType = OIDData
	}
	attrs, err := signedAttributes(cert, hash, digestOID, contentType, digest, opts)
	if err != nil {
		return nil, err
	}
	signedSet := encodeSet(0x31, attrs, true)

	// Ed25519 signs the encoded attributes; the others sign their hash.
	toSign := signedSet
	if !isEd {
		h := hash.New()
		h.Write(signedSet)
		toSign = h.Sum(nil)
	}
	rnd := opts.Rand
	if rnd == nil {
		rnd = rand.Reader
	}
	var sig []byte
	if key := softwareKey(signer); key != nil {
		// A Go key: checked against the certificate once, then trusted
		// to compute correctly (see the package documentation).
		if !key.Public().(interface{ Equal(crypto.PublicKey) bool }).Equal(cert.PublicKey) {
			return nil, fmt.Errorf("cms: the signer's key is not the key in the certificate %q; pick the certificate that belongs to the key", cert.Subject)
		}
		if err := checkKeyOnce(key, cert, signerOpts, sigAlgID); err != nil {
			return nil, fmt.Errorf("cms: checking the private key against the certificate %q failed; the key does not belong to the certificate or is damaged: %w", cert.Subject, err)
		}
		if sig, err = key.Sign(rnd, toSign, signerOpts); err != nil {
			return nil, fmt.Errorf("cms: the signer failed: %w", err)
		}
	} else {
		if cs, ok := signer.(ContextSigner); ok {
			sig, err = cs.SignContext(ctx, toSign, signerOpts)
		} else {
			sig, err = signer.Sign(rnd, toSign, signerOpts)
		}
		if err != nil {
			return nil, fmt.Errorf("cms: the signer failed: %w", err)
		}
		// A token, a remote key or an unknown implementation: every
		// signature is verified before it can reach a document.
		if err := verifyOwn(cert, sigAlgID, hash, toSign, sig); err != nil {
			return nil, fmt.Errorf("cms: the signature the signer produced does not verify with the certificate (wrong key or a faulty token): %w", err)
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	// SignerInfo.
	// The signed attributes go in as [0] IMPLICIT: the SET's bytes after
	// its tag, copied once, by tlv.
	si := tlv(0x30,
		[]byte{2, 1, 1}, // version 1: issuerAndSerialNumber
		tlv(0x30, cert.RawIssuer, encodeInteger(cert.SerialNumber)),
		tlv(0x30, encodeOID(digestOID)),
		[]byte{0xa0}, signedSet[1:],
		sigAlgID,
		tlv(0x04, sig),
	)

	// SignedData.
	version := []byte{2, 1, 1}
	if !contentType.Equal(OIDData) {
		version = []byte{2, 1, 3}
	}
	if len(opts.OCSPResponses) > 0 {
		version = []byte{2, 1, 5}
	}
	var encap []byte
	if opts.Content != nil {
		encap = tlv(0x30, encodeOID(contentType), nested([]byte{0xa0, 0x04}, opts.Content))
	} else {
		encap = tlv(0x30, encodeOID(contentType))
	}
	parts := make([][]byte, 0, 8+len(opts.Certificates))
	parts = append(parts, version, nested([]byte{0x31, 0x30}, encodeOID(digestOID)), encap)
	var certs [][]byte
	if !opts.OmitSignerCertificate {
		certs = append(certs, cert.Raw)
	}
	for _, c := range opts.Certificates {
		if c != nil && !containsBytes(certs, c.Raw) {
			certs = append(certs, c.Raw)
		}
	}
	if len(certs) > 0 {
		parts = appendSet(parts, 0xa0, certs)
	}
	var revs [][]byte
	for i, c := range opts.CRLs {
		if err := checkElement(c, fmt.Sprintf("SignOptions.CRLs[%d]", i)); err != nil {
			return nil, err
		}
		revs = append(revs, c)
	}
	for i, o := range opts.OCSPResponses {
		if err := checkElement(o, fmt.Sprintf("SignOptions.OCSPResponses[%d]", i)); err != nil {
			return nil, err
		}
		revs = append(revs, tlv(0xa1, encodeOID(OIDRevocationInfoOCSP), o))
	}
	if len(revs) > 0 {
		parts = appendSet(parts, 0xa1, revs)
	}
	parts = append(parts, appendHeader(nil, 0x31, len(si)), si)
	der := encodeContentInfo(parts)

	// The exported view. When the caller gave DER of its own (extra
	// attributes, qualifiers, revocation data), parsing what was built
	// checks its structure; otherwise every byte is Sign's own and the
	// view is read off the encoding without the parser's checks. Either
	// way the certificates passed in are used as they are rather than
	// parsed again.
	known := make([]*x509.Certificate, 0, 1+len(opts.Certificates))
	known = append(append(known, cert), opts.Certificates...)
	var sd *SignedData
	if callerDER(opts) {
		sd, err = parseWithCertificates(der, known)
	} else {
		sd, err = builtView(der, known)
	}
	if err != nil {
		return nil, fmt.Errorf("cms: built SignedData does not parse (extra attributes?): %w", err)
	}
	sd.raw.der = der
	if err := sd.SignerInfos[0].CheckMessageDigest(digest); err != nil {
		return nil, fmt.Errorf("cms: built SignedData does not carry the digest it was given: %w", err)
	}
	return sd, nil
}

// callerDER reports whether opts put DER the caller made into the
// SignedData, which Sign then parses back to check.
func callerDER(opts *SignOptions) bool {
	return len(opts.ExtraSignedAttributes) > 0 || len(opts.CommitmentTypes) > 0 || opts.SignaturePolicy != nil ||
		len(opts.CRLs) > 0 || len(opts.OCSPResponses) > 0
}

// builtView fills the exported view of a SignedData that Sign built
// entirely itself, with the same values (aliasing der) that Parse would
// give; a test holds the two equal. It walks the structure Sign wrote:
// one signer, certificates all in known, no revocation data, DER.
func builtView(der []byte, known []*x509.Certificate) (*SignedData, error) {
	in := cryptobyte.String(der)
	var ci, explicit, s, elem, set cryptobyte.String
	if !in.ReadASN1(&ci, casn1.SEQUENCE) || !ci.SkipASN1(casn1.OBJECT_IDENTIFIER) ||
		!ci.ReadASN1(&explicit, tagCtx0Cons) || !explicit.ReadASN1(&s, casn1.SEQUENCE) {
		return nil, malformed("contentInfo", "not as built")
	}
	sd := &SignedData{raw: &rawSignedData{}}
	r := sd.raw
	if !s.ReadASN1Element(&elem, casn1.INTEGER) || readSmallInt(elem, &sd.Version) != nil {
		return nil, malformed("version", "not as built")
	}
	r.version = elem
	if !s.ReadASN1Element(&elem, casn1.SET) {
		return nil, malformed("digestAlgorithms", "not as built")
	}
	r.digestAlgs = elem
	elem.ReadASN1(&set, casn1.SET)
	sd.DigestAlgorithms = make([]pkix.AlgorithmIdentifier, 1)
	if !readAlgorithm(&set, &sd.DigestAlgorithms[0]) || !set.Empty() {
		return nil, malformed("digestAlgorithms", "not as built")
	}
	if !s.ReadASN1Element(&elem, casn1.SEQUENCE) {
		return nil, malformed("encapContentInfo", "not as built")
	}
	r.encap = elem
	if err := sd.parseEncap(elem); err != nil {
		return nil, err
	}
	if s.PeekASN1Tag(tagCtx0Cons) {
		var certs cryptobyte.String
		s.ReadASN1(&certs, tagCtx0Cons)
		r.hasCerts = true
		r.certs = make([][]byte, 0, len(known))
		sd.Certificates = make([]*x509.Certificate, 0, len(known))
		for !certs.Empty() {
			var c cryptobyte.String
			cert := (*x509.Certificate)(nil)
			if certs.ReadASN1Element(&c, casn1.SEQUENCE) {
				cert = knownCertificate(known, c)
			}
			if cert == nil {
				return nil, malformed("certificates", "not as built")
			}
			r.certs = append(r.certs, c)
			sd.Certificates = append(sd.Certificates, cert)
		}
	}
	var sis, si cryptobyte.String
	if !s.ReadASN1(&sis, casn1.SET) || !s.Empty() || !sis.ReadASN1Element(&si, casn1.SEQUENCE) || !sis.Empty() {
		return nil, malformed("signerInfos", "not as built")
	}
	info := &SignerInfo{Raw: si}
	si.ReadASN1(&si, casn1.SEQUENCE)
	start := si
	var ias, issuer, sig cryptobyte.String
	serial := new(big.Int)
	if !si.ReadASN1Element(&elem, casn1.INTEGER) || readSmallInt(elem, &info.Version) != nil ||
		!si.ReadASN1(&ias, casn1.SEQUENCE) || !ias.ReadASN1Element(&issuer, casn1.SEQUENCE) || !ias.ReadASN1Integer(serial) ||
		!readAlgorithm(&si, &info.DigestAlgorithm) {
		return nil, malformed("signerInfos[0]", "not as built")
	}
	info.SID.IssuerAndSerialNumber = &IssuerAndSerialNumber{RawIssuer: issuer, SerialNumber: serial}
	info.head = start[:len(start)-len(si)]
	if !si.ReadASN1Element(&elem, tagCtx0Cons) {
		return nil, malformed("signerInfos[0].signedAttrs", "not as built")
	}
	info.RawSignedAttrs = elem
	attrs, err := parseAttributes(elem, tagCtx0Cons, "signerInfos[0].signedAttrs")
	if err != nil {
		return nil, err
	}
	info.SignedAttrs = attrs
	tail := si
	if !readAlgorithm(&si, &info.SignatureAlgorithm) || !si.ReadASN1(&sig, casn1.OCTET_STRING) || !si.Empty() {
		return nil, malformed("signerInfos[0]", "not as built")
	}
	info.Signature = sig
	info.tail = tail[:len(tail)-len(si)]
	sd.SignerInfos = []*SignerInfo{info}
	r.signerInfos = sd.SignerInfos
	sd.RawCertificates = r.certs
	return sd, nil
}

// appendSet appends the header of a SET OF (or an IMPLICIT-tagged one)
// and its members in DER order, without copying them.
func appendSet(parts [][]byte, tag byte, elems [][]byte) [][]byte {
	if !slices.IsSortedFunc(elems, bytes.Compare) {
		elems = slices.Clone(elems)
		slices.SortFunc(elems, bytes.Compare)
	}
	n := 0
	for _, e := range elems {
		n += len(e)
	}
	return append(append(parts, appendHeader(nil, tag, n)), elems...)
}

// encodeContentInfo wraps the fields of a SignedData in its SEQUENCE, the
// [0] EXPLICIT tag and the ContentInfo, in one allocation.
func encodeContentInfo(fields [][]byte) []byte {
	n := 0
	for _, p := range fields {
		n += len(p)
	}
	oid := encodeOID(OIDSignedData)
	seq := derHeaderLen(n) + n
	explicit := derHeaderLen(seq) + seq
	ci := len(oid) + explicit
	out := make([]byte, 0, derHeaderLen(ci)+ci)
	out = appendHeader(out, 0x30, ci)
	out = append(out, oid...)
	out = appendHeader(out, 0xa0, seq)
	out = appendHeader(out, 0x30, n)
	for _, p := range fields {
		out = append(out, p...)
	}
	return out
}

// derHeaderLen is the size of the identifier and length octets appendHeader
// writes for content of n bytes.
func derHeaderLen(n int) int {
	switch {
	case n < 0x80:
		return 2
	case n < 0x100:
		return 3
	case n < 0x10000:
		return 4
	case n < 0x1000000:
		return 5
	}
	return 6
}

func containsBytes(list [][]byte, b []byte) bool {
	for _, x := range list {
		if bytes.Equal(x, b) {
			return true
		}
	}
	return false
}

// encodeInteger encodes an INTEGER; non-negative values (every serial
// number Sign meets in practice) are written out, negative ones go to
// asn1.Marshal for their two's complement form.
func encodeInteger(n *big.Int) []byte {
	if n.Sign() >= 0 {
		l := (n.BitLen() + 7) / 8
		pad := l == 0 || n.Bit(8*l-1) == 1 // a leading 0x00 keeps it positive
		if pad {
			l++
		}
		out := appendHeader(make([]byte, 0, l+6), 0x02, l)
		out = out[:len(out)+l]
		n.FillBytes(out[len(out)-l:])
		return out
	}
	b, err := asn1.Marshal(n)
	if err != nil {
		panic("cms: cannot encode integer") // asn1.Marshal cannot fail for *big.Int
	}
	return b
}

// signatureAlgorithmFor returns the DER signatureAlgorithm and the
// options to pass to crypto.Signer.
func signatureAlgorithmFor(pub crypto.PublicKey, hash crypto.Hash, pss bool) ([]byte, crypto.SignerOpts, error) {
	switch pub.(type) {
	case *rsa.PublicKey:
		if pss {
			hashAlg := tlv(0x30, encodeOID(mustHashOID(hash)), []byte{5, 0})
			params := tlv(0x30,
				tlv(0xa0, hashAlg),
				tlv(0xa1, tlv(0x30, encodeOID(oidMGF1), hashAlg)),
				tlv(0xa2, encodeInteger(big.NewInt(int64(hash.Size())))),
			)
			return tlv(0x30, encodeOID(oidRSAPSS), params), &rsa.PSSOptions{SaltLength: hash.Size(), Hash: hash}, nil
		}
		oid := map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA256: oidSHA256WithRSA, crypto.SHA384: oidSHA384WithRSA, crypto.SHA512: oidSHA512WithRSA}[hash]
		return tlv(0x30, encodeOID(oid), []byte{5, 0}), hash, nil
	case *ecdsa.PublicKey:
		if pss {
			return nil, nil, errf(ErrUnsupportedAlgorithm, "SignOptions.PSS", "RSASSA-PSS needs an RSA key")
		}
		oid := map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA256: oidECDSAWithSHA256, crypto.SHA384: oidECDSAWithSHA384, crypto.SHA512: oidECDSAWithSHA512}[hash]
		return tlv(0x30, encodeOID(oid)), hash, nil
	case ed25519.PublicKey:
		if pss {
			return nil, nil, errf(ErrUnsupportedAlgorithm, "SignOptions.PSS", "RSASSA-PSS needs an RSA key")
		}
		return tlv(0x30, encodeOID(oidEd25519)), crypto.Hash(0), nil
	}
	return nil, nil, errf(ErrUnsupportedAlgorithm, "signer", "key type %T is not supported", pub)
}

func mustHashOID(h crypto.Hash) asn1.ObjectIdentifier {
	oid, ok := OIDForHash(h)
	if !ok {
		panic("cms: no OID for " + h.String())
	}
	return oid
}

// signedAttributes returns the DER of each signed attribute, unsorted.
func signedAttributes(cert *x509.Certificate, hash crypto.Hash, digestOID, contentType asn1.ObjectIdentifier, digest []byte, opts *SignOptions) ([][]byte, error) {
	attrs := make([][]byte, 0, 4+len(opts.ExtraSignedAttributes))
	var seen []asn1.ObjectIdentifier // a handful: a list beats a map of strings
	add := func(oid asn1.ObjectIdentifier, values ...[]byte) error {
		if slices.ContainsFunc(seen, oid.Equal) {
			return malformed("SignOptions", "duplicate signed attribute %s", oidName(oid))
		}
		seen = append(seen, oid)
		attrs = append(attrs, encodeAttribute(oid, values))
		return nil
	}
	add(OIDAttributeContentType, encodeOID(contentType))
	add(OIDAttributeMessageDigest, tlv(0x04, digest))
	if !opts.SigningTime.IsZero() {
		t, err := encodeTime(opts.SigningTime)
		if err != nil {
			return nil, err
		}
		add(OIDAttributeSigningTime, t)
	}

	// signing-certificate-v2 (RFC 5035): ESSCertIDv2 with issuerSerial;
	// hashAlgorithm is omitted for its DEFAULT, SHA-256, as DER requires.
	h := hash.New()
	h.Write(cert.Raw)
	var essID [][]byte
	if hash != crypto.SHA256 {
		essID = append(essID, tlv(0x30, encodeOID(digestOID)))
	}
	essID = append(essID,
		tlv(0x04, h.Sum(nil)),
		tlv(0x30, nested([]byte{0x30, 0xa4}, cert.RawIssuer), encodeInteger(cert.SerialNumber)))
	add(OIDAttributeSigningCertV2, nested([]byte{0x30, 0x30, 0x30}, essID...))

	if len(opts.CommitmentTypes) > 0 {
		var vals [][]byte
		for _, c := range opts.CommitmentTypes {
			v := [][]byte{encodeOID(c.Type)}
			if c.Qualifiers != nil {
				if err := checkElement(c.Qualifiers, "SignOptions.CommitmentTypes.Qualifiers"); err != nil {
					return nil, err
				}
				v = append(v, c.Qualifiers)
			}
			vals = append(vals, tlv(0x30, v...))
		}
		add(OIDAttributeCommitmentType, vals...)
	}
	if p := opts.SignaturePolicy; p != nil {
		v, err := encodeSignaturePolicy(p)
		if err != nil {
			return nil, err
		}
		add(OIDAttributeSignaturePolicy, v)
	}
	for _, a := range opts.ExtraSignedAttributes {
		if len(a.Values) == 0 {
			return nil, malformed("SignOptions.ExtraSignedAttributes", "%s has no value", oidName(a.Type))
		}
		for _, v := range a.Values {
			if err := checkElement(v, "SignOptions.ExtraSignedAttributes"); err != nil {
				return nil, err
			}
		}
		if err := add(a.Type, a.Values...); err != nil {
			return nil, err
		}
	}
	return attrs, nil
}

func encodeSignaturePolicy(p *SignaturePolicy) ([]byte, error) {
	if p.Implied {
		return []byte{5, 0}, nil
	}
	if p.ID == nil || p.HashAlgorithm.Algorithm == nil || len(p.Hash) == 0 {
		return nil, malformed("SignOptions.SignaturePolicy", "needs ID, HashAlgorithm and Hash (or Implied)")
	}
	alg, err := asn1.Marshal(p.HashAlgorithm)
	if err != nil {
		return nil, malformed("SignOptions.SignaturePolicy.HashAlgorithm", "%v", err)
	}
	parts := [][]byte{encodeOID(p.ID), tlv(0x30, alg, tlv(0x04, p.Hash))}
	if len(p.Qualifiers) > 0 {
		var qs [][]byte
		for _, q := range p.Qualifiers {
			if err := checkElement(q.Value, "SignOptions.SignaturePolicy.Qualifiers"); err != nil {
				return nil, err
			}
			qs = append(qs, tlv(0x30, encodeOID(q.ID), q.Value))
		}
		parts = append(parts, tlv(0x30, qs...))
	}
	return tlv(0x30, parts...), nil
}

// encodeTime encodes a signing-time value per RFC 5652 §11.3.
func encodeTime(t time.Time) ([]byte, error) {
	t = t.UTC().Truncate(time.Second)
	if t.Year() >= 1950 && t.Year() < 2050 {
		return tlv(0x17, []byte(t.Format("060102150405Z"))), nil
	}
	if t.Year() < 0 || t.Year() > 9999 {
		return nil, malformed("SignOptions.SigningTime", "year %d cannot be encoded", t.Year())
	}
	return tlv(0x18, []byte(t.Format("20060102150405Z"))), nil
}
