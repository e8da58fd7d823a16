// This file holds the verification primitives: finding the signer's
// certificate, checking the message digest, and checking the signature
// value. Trust, time and revocation are the caller's policy.

package cms

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	_ "crypto/sha1" // SHA-1 for legacy signatures, reported to the policy
	_ "crypto/sha256"
	_ "crypto/sha3" // SHA3 digests (RFC 8702) appear in EU signatures
	_ "crypto/sha512"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"reflect"
	"slices"

	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Verification describes a signature value that verified, so that a
// policy can judge its algorithms (reject SHA-1, RSA below 2048 bits, a
// signature hash that differs from the digest algorithm, non-DER signed
// attributes).
type Verification struct {
	Certificate *x509.Certificate // whose public key verified the signature
	Scheme      SignatureScheme

	// DigestAlgorithm is the SignerInfo's digestAlgorithm: the hash of the
	// content (the message-digest attribute) and, except for RSASSA-PSS
	// and Ed25519, of the signed attributes.
	DigestAlgorithm crypto.Hash
	// SignatureHash is the hash the signature algorithm identifier names
	// (sha256WithRSAEncryption, ecdsa-with-SHA384, the RSASSA-PSS
	// hashAlgorithm parameter), or 0 when it names none (rsaEncryption,
	// id-ecPublicKey, Ed25519). For RSASSA-PSS it is the hash the
	// signature was computed with; otherwise, as in OpenSSL, the signature
	// covers the DigestAlgorithm hash and this is informational.
	SignatureHash crypto.Hash
	// PSSSaltLength is the RSASSA-PSS salt length in bytes.
	PSSSaltLength int

	PublicKeyAlgorithm x509.PublicKeyAlgorithm
	KeySize            int // RSA modulus bits, EC curve bits, 256 for Ed25519

	// SignedAttrsNotDER reports that the signed attributes as embedded are
	// not DER (an unsorted SET OF, or BER lengths).
	SignedAttrsNotDER bool
	// SignedOverEmbeddedEncoding reports that the signature verified only
	// over the signed attributes exactly as embedded, not over their DER
	// encoding as RFC 5652 §5.4 prescribes. OpenSSL, which keeps the
	// embedded order, accepts such signatures; EU DSS rejects them. A
	// strict policy treats this as invalid.
	SignedOverEmbeddedEncoding bool
}

// DigestHash returns the hash function of the SignerInfo's
// digestAlgorithm: the caller hashes the content with it and passes the
// digest to Verify or CheckMessageDigest.
func (si *SignerInfo) DigestHash() (crypto.Hash, error) {
	h, ok := HashForOID(si.DigestAlgorithm.Algorithm)
	if !ok || !h.Available() {
		return 0, errf(ErrUnsupportedAlgorithm, "digestAlgorithm", "digest algorithm %s is not supported", oidName(si.DigestAlgorithm.Algorithm))
	}
	return h, nil
}

// FindCertificate returns the certificate in pool that the signer
// identifier names: by issuer and serial number, or by subject key
// identifier. If several different certificates match (a subject key
// identifier shared by renewed certificates), the ESS
// signing-certificate(-v2) attribute decides; if it cannot, the result is
// an error, not a guess. Errors wrap ErrSignerNotFound.
func (si *SignerInfo) FindCertificate(pool []*x509.Certificate) (*x509.Certificate, error) {
	var cands []*x509.Certificate
	for _, c := range pool {
		if c == nil || !si.SID.matches(c) {
			continue
		}
		if !slices.ContainsFunc(cands, func(d *x509.Certificate) bool { return bytes.Equal(d.Raw, c.Raw) }) {
			cands = append(cands, c)
		}
	}
	switch len(cands) {
	case 0:
		return nil, errf(ErrSignerNotFound, "sid", "no certificate matches %s; supply the signer's certificate", si.SID)
	case 1:
		return cands[0], nil
	}
	var ess *SigningCertificate
	if sc, err := si.ESSSigningCertificateV2(); err == nil {
		ess = sc
	} else if sc, err := si.ESSSigningCertificate(); err == nil {
		ess = sc
	}
	if ess != nil {
		var ok []*x509.Certificate
		for _, c := range cands {
			if ess.Certs[0].Match(c) == nil {
				ok = append(ok, c)
			}
		}
		if len(ok) == 1 {
			return ok[0], nil
		}
	}
	return nil, errf(ErrSignerNotFound, "sid", "%d different certificates match %s and no signing-certificate attribute tells them apart", len(cands), si.SID)
}

// String describes the identifier for messages.
func (id SignerIdentifier) String() string {
	if id.IssuerAndSerialNumber != nil {
		var name pkix.RDNSequence
		issuer := "?"
		if _, err := asn1.Unmarshal(id.IssuerAndSerialNumber.RawIssuer, &name); err == nil {
			var n pkix.Name
			n.FillFromRDNSequence(&name)
			issuer = n.String()
		}
		return fmt.Sprintf("issuer %q serial %s", issuer, id.IssuerAndSerialNumber.SerialNumber.Text(16))
	}
	return fmt.Sprintf("subject key identifier %x", id.SubjectKeyIdentifier)
}

func (id SignerIdentifier) matches(c *x509.Certificate) bool {
	if ias := id.IssuerAndSerialNumber; ias != nil {
		return c.SerialNumber != nil && ias.SerialNumber.Cmp(c.SerialNumber) == 0 && sameName(ias.RawIssuer, c.RawIssuer)
	}
	return len(id.SubjectKeyIdentifier) > 0 && bytes.Equal(id.SubjectKeyIdentifier, c.SubjectKeyId)
}

// sameName compares two DER Names: byte-equal, or equal attribute by
// attribute once decoded (producers re-encode names with another string
// type). There is no case folding: a looser match could pick a
// certificate the signer did not mean.
func sameName(a, b []byte) bool {
	if bytes.Equal(a, b) {
		return true
	}
	var ra, rb pkix.RDNSequence
	if rest, err := asn1.Unmarshal(a, &ra); err != nil || len(rest) != 0 {
		return false
	}
	if rest, err := asn1.Unmarshal(b, &rb); err != nil || len(rest) != 0 {
		return false
	}
	return len(ra) > 0 && reflect.DeepEqual(ra, rb)
}

// CheckMessageDigest compares, in constant time, the message-digest
// signed attribute with digest, the hash of the content under
// DigestHash. It returns an error wrapping ErrDigestMismatch when they
// differ, or ErrAttributeNotFound when there are no signed attributes
// (the signature then covers the content digest itself; use Verify).
func (si *SignerInfo) CheckMessageDigest(digest []byte) error {
	md, err := si.MessageDigest()
	if err != nil {
		return err
	}
	if len(md) != len(digest) || subtle.ConstantTimeCompare(md, digest) != 1 {
		return errf(ErrDigestMismatch, "signedAttrs.message-digest", "the content is not what was signed (digest differs)")
	}
	return nil
}

// Verify checks that contentDigest (the hash of the content under
// DigestHash) is what this SignerInfo signed and that the signature value
// verifies with cert's public key. It is CheckMessageDigest followed by
// VerifySignature.
func (si *SignerInfo) Verify(cert *x509.Certificate, contentDigest []byte) (*Verification, error) {
	if si.SignedAttrs != nil {
		if err := si.CheckMessageDigest(contentDigest); err != nil {
			return nil, err
		}
	}
	return si.VerifySignature(cert, contentDigest)
}

// VerifySignature checks the signature value with cert's public key.
// With signed attributes the signature covers them and contentDigest is
// not used (CheckMessageDigest binds the content); without them the
// signature covers contentDigest directly.
//
// It supports RSASSA-PKCS1-v1_5 (rsaEncryption and the
// shaXXXWithRSAEncryption identifiers), RSASSA-PSS with RFC 4055
// parameters (MGF1 with the same hash, trailer field 1), ECDSA (the
// ecdsa-with-SHAxxx identifiers, id-ecPublicKey, and BSI plain r||s) and
// Ed25519. Errors wrap ErrSignatureInvalid (including a key that does
// not fit the algorithm), ErrUnsupportedAlgorithm, ErrMalformed (bad
// algorithm parameters), ErrDigestMismatch (a contentDigest of the wrong
// length without signed attributes) or ErrSignerNotFound (nil cert).
func (si *SignerInfo) VerifySignature(cert *x509.Certificate, contentDigest []byte) (*Verification, error) {
	if cert == nil {
		return nil, errf(ErrSignerNotFound, "sid", "no certificate given")
	}
	dh, err := si.DigestHash()
	if err != nil {
		return nil, err
	}
	alg, err := parseSignatureAlgorithm(si.SignatureAlgorithm)
	if err != nil {
		return nil, err
	}
	key, err := publicKey(cert, alg)
	if err != nil {
		return nil, err
	}
	v := &Verification{
		Certificate:        cert,
		Scheme:             alg.scheme,
		DigestAlgorithm:    dh,
		SignatureHash:      alg.hash,
		PSSSaltLength:      alg.saltLength,
		PublicKeyAlgorithm: key.algorithm,
		KeySize:            key.bits,
	}
	// The hash the signature primitive is computed with.
	hash := dh
	if alg.scheme == RSAPSS {
		hash = alg.hash
	}

	if si.SignedAttrs == nil {
		if alg.scheme == PureEd25519 {
			return nil, errf(ErrUnsupportedAlgorithm, "signatureAlgorithm", "Ed25519 without signed attributes signs the whole content, which this package does not handle")
		}
		if hash != dh {
			return nil, errf(ErrUnsupportedAlgorithm, "signatureAlgorithm", "RSASSA-PSS hash %v differs from the digest algorithm %v and there are no signed attributes", hash, dh)
		}
		if len(contentDigest) != dh.Size() {
			return nil, errf(ErrDigestMismatch, "digestAlgorithm", "content digest has %d bytes, %v needs %d", len(contentDigest), dh, dh.Size())
		}
		if err := key.verify(alg, hash, contentDigest, nil, si.Signature); err != nil {
			return nil, err
		}
		return v, nil
	}

	canonical := si.canonicalSignedAttrs()
	embedded := append([]byte{0x31}, si.RawSignedAttrs[1:]...)
	v.SignedAttrsNotDER = !bytes.Equal(canonical, embedded)
	err = key.verifyMessage(alg, hash, canonical, si.Signature)
	if err != nil && v.SignedAttrsNotDER && errorIs(err, ErrSignatureInvalid) {
		if key.verifyMessage(alg, hash, embedded, si.Signature) == nil {
			v.SignedOverEmbeddedEncoding = true
			return v, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return v, nil
}

func errorIs(err, target error) bool {
	e, ok := err.(*Error)
	return ok && e.Err == target
}

// canonicalSignedAttrs returns the DER encoding of the signed attributes
// with the SET tag, which is what RFC 5652 §5.4 says is signed: each
// attribute's values and the attributes themselves sorted as DER SET OF
// requires.
func (si *SignerInfo) canonicalSignedAttrs() []byte {
	encs := make([][]byte, len(si.SignedAttrs))
	for i, a := range si.SignedAttrs {
		encs[i] = canonicalAttribute(a)
	}
	return encodeSet(0x31, encs, true)
}

func canonicalAttribute(a Attribute) []byte {
	if a.Raw != nil && slices.IsSortedFunc(a.Values, bytes.Compare) {
		return a.Raw
	}
	return encodeAttribute(a.Type, a.Values)
}

// sigAlg is a decoded signature algorithm identifier.
type sigAlg struct {
	scheme     SignatureScheme
	hash       crypto.Hash // named by the identifier, 0 if none
	saltLength int         // RSASSA-PSS
}

func parseSignatureAlgorithm(ai pkix.AlgorithmIdentifier) (sigAlg, error) {
	const field = "signatureAlgorithm"
	params := ai.Parameters.FullBytes
	nullOrAbsent := len(params) == 0 || bytes.Equal(params, []byte{5, 0})
	if ai.Algorithm.Equal(oidRSAPSS) {
		a, err := parsePSSParams(params)
		if err != nil {
			return sigAlg{}, err
		}
		return a, nil
	}
	for _, s := range signatureOIDs {
		if !s.oid.Equal(ai.Algorithm) {
			continue
		}
		switch s.scheme {
		case RSAPKCS1v15:
			if !nullOrAbsent {
				return sigAlg{}, malformed(field, "%s parameters must be NULL", oidName(ai.Algorithm))
			}
		case PureEd25519:
			if len(params) != 0 {
				return sigAlg{}, malformed(field, "Ed25519 parameters must be absent")
			}
		case ECDSA, ECDSAPlain:
			// Absent per RFC 5758; NULL and, for id-ecPublicKey, a curve
			// OID appear in the wild and carry no meaning here.
		}
		if s.hash != 0 && !s.hash.Available() {
			return sigAlg{}, errf(ErrUnsupportedAlgorithm, field, "hash of %s is not available", oidName(ai.Algorithm))
		}
		return sigAlg{scheme: s.scheme, hash: s.hash}, nil
	}
	return sigAlg{}, errf(ErrUnsupportedAlgorithm, field, "signature algorithm %s is not supported", oidName(ai.Algorithm))
}

// parsePSSParams decodes RSASSA-PSS-params (RFC 4055 §3.1). The
// parameters must be present in a signature algorithm identifier; the
// MGF must be MGF1 with the same hash (crypto/rsa supports no other), and
// the trailer field must be 1.
func parsePSSParams(params []byte) (sigAlg, error) {
	const field = "signatureAlgorithm.RSASSA-PSS-params"
	a := sigAlg{scheme: RSAPSS, hash: crypto.SHA1, saltLength: 20}
	if len(params) == 0 {
		return a, malformed(field, "absent; RFC 4055 requires them in a signature algorithm")
	}
	s := cryptobyte.String(params)
	var seq cryptobyte.String
	if !s.ReadASN1(&seq, casn1.SEQUENCE) || !s.Empty() {
		return a, malformed(field, "not a SEQUENCE")
	}
	mgfHash := crypto.SHA1
	var hashOID, mgfHashOID asn1.ObjectIdentifier = oidSHA1, oidSHA1
	if seq.PeekASN1Tag(tagCtx0Cons) {
		var e cryptobyte.String
		var ai pkix.AlgorithmIdentifier
		if !seq.ReadASN1(&e, tagCtx0Cons) || !readAlgorithm(&e, &ai) || !e.Empty() {
			return a, malformed(field, "bad hashAlgorithm")
		}
		hashOID = ai.Algorithm
		a.hash, _ = HashForOID(ai.Algorithm)
	}
	if seq.PeekASN1Tag(tagCtx1Cons) {
		var e, mp cryptobyte.String
		var ai, hai pkix.AlgorithmIdentifier
		if !seq.ReadASN1(&e, tagCtx1Cons) || !readAlgorithm(&e, &ai) || !e.Empty() {
			return a, malformed(field, "bad maskGenAlgorithm")
		}
		if !ai.Algorithm.Equal(oidMGF1) {
			return a, errf(ErrUnsupportedAlgorithm, field, "mask generation function %s is not MGF1", ai.Algorithm)
		}
		mp = ai.Parameters.FullBytes
		if !readAlgorithm(&mp, &hai) || !mp.Empty() {
			return a, malformed(field, "bad MGF1 hash")
		}
		mgfHashOID = hai.Algorithm
		mgfHash, _ = HashForOID(hai.Algorithm)
	}
	if seq.PeekASN1Tag(tagCtx2Cons) {
		var e cryptobyte.String
		var salt int64
		if !seq.ReadASN1(&e, tagCtx2Cons) || !e.ReadASN1Integer(&salt) || !e.Empty() || salt < 0 || salt > 1<<16 {
			return a, malformed(field, "bad saltLength")
		}
		a.saltLength = int(salt)
	}
	if seq.PeekASN1Tag(tagCtx3Cons) {
		var e cryptobyte.String
		var trailer int64
		if !seq.ReadASN1(&e, tagCtx3Cons) || !e.ReadASN1Integer(&trailer) || !e.Empty() {
			return a, malformed(field, "bad trailerField")
		}
		if trailer != 1 {
			return a, errf(ErrUnsupportedAlgorithm, field, "trailerField %d is not 1 (trailerFieldBC)", trailer)
		}
	}
	if !seq.Empty() {
		return a, malformed(field, "unexpected data")
	}
	if a.hash == 0 || !a.hash.Available() {
		return a, errf(ErrUnsupportedAlgorithm, field, "hash %s is not supported", oidName(hashOID))
	}
	if mgfHash != a.hash {
		return a, errf(ErrUnsupportedAlgorithm, field, "MGF1 hash %s differs from the signature hash %s", oidName(mgfHashOID), oidName(hashOID))
	}
	return a, nil
}

// verifyingKey is a certificate's public key ready for a scheme.
type verifyingKey struct {
	pub       crypto.PublicKey
	algorithm x509.PublicKeyAlgorithm
	bits      int
	// pssOnly keys (id-RSASSA-PSS SubjectPublicKeyInfo) may carry
	// restrictions (RFC 4055 §3.1).
	pssOnly    bool
	pssHash    crypto.Hash
	pssMinSalt int
}

func publicKey(cert *x509.Certificate, alg sigAlg) (*verifyingKey, error) {
	const field = "certificate.publicKey"
	k := &verifyingKey{pub: cert.PublicKey, algorithm: cert.PublicKeyAlgorithm}
	if cert.PublicKey == nil {
		// crypto/x509 leaves id-RSASSA-PSS keys unparsed.
		if err := k.parsePSSKey(cert.RawSubjectPublicKeyInfo); err != nil {
			return nil, err
		}
	}
	switch pub := k.pub.(type) {
	case *rsa.PublicKey:
		k.bits = pub.N.BitLen()
		if alg.scheme != RSAPKCS1v15 && alg.scheme != RSAPSS {
			return nil, errf(ErrSignatureInvalid, field, "RSA key cannot verify a %v signature", alg.scheme)
		}
		if k.pssOnly && alg.scheme != RSAPSS {
			return nil, errf(ErrSignatureInvalid, field, "RSASSA-PSS key cannot verify a PKCS#1 v1.5 signature")
		}
		if k.pssOnly && (k.pssHash != 0 && k.pssHash != alg.hash || alg.saltLength < k.pssMinSalt) {
			return nil, errf(ErrSignatureInvalid, field, "signature parameters violate the key's RSASSA-PSS restrictions")
		}
		if k.bits < 1024 {
			return nil, errf(ErrUnsupportedAlgorithm, field, "RSA key of %d bits is too small to verify", k.bits)
		}
	case *ecdsa.PublicKey:
		k.bits = pub.Curve.Params().BitSize
		if alg.scheme != ECDSA && alg.scheme != ECDSAPlain {
			return nil, errf(ErrSignatureInvalid, field, "ECDSA key cannot verify a %v signature", alg.scheme)
		}
	case ed25519.PublicKey:
		k.bits = 256
		if alg.scheme != PureEd25519 {
			return nil, errf(ErrSignatureInvalid, field, "Ed25519 key cannot verify a %v signature", alg.scheme)
		}
	default:
		return nil, errf(ErrUnsupportedAlgorithm, field, "public key type %T (%v) is not supported", k.pub, cert.PublicKeyAlgorithm)
	}
	return k, nil
}

func (k *verifyingKey) parsePSSKey(spki []byte) error {
	const field = "certificate.publicKey"
	s := cryptobyte.String(spki)
	var seq cryptobyte.String
	var ai pkix.AlgorithmIdentifier
	var bits asn1.BitString
	if !s.ReadASN1(&seq, casn1.SEQUENCE) || !readAlgorithm(&seq, &ai) || !seq.ReadASN1BitString(&bits) {
		return errf(ErrUnsupportedAlgorithm, field, "the certificate's public key could not be parsed")
	}
	if ai.Algorithm.Equal(oidECPublicKey) {
		var curve asn1.ObjectIdentifier
		p := cryptobyte.String(ai.Parameters.FullBytes)
		p.ReadASN1ObjectIdentifier(&curve)
		return errf(ErrUnsupportedAlgorithm, field, "elliptic curve %s is not supported (only NIST P-224, P-256, P-384, P-521)", curve)
	}
	if !ai.Algorithm.Equal(oidRSAPSS) {
		return errf(ErrUnsupportedAlgorithm, field, "public key algorithm %s is not supported", oidName(ai.Algorithm))
	}
	pub, err := x509.ParsePKCS1PublicKey(bits.RightAlign())
	if err != nil {
		return errf(ErrUnsupportedAlgorithm, field, "bad RSASSA-PSS public key: %v", err)
	}
	k.pub, k.algorithm, k.pssOnly = pub, x509.RSA, true
	if len(ai.Parameters.FullBytes) > 0 {
		p, err := parsePSSParams(ai.Parameters.FullBytes)
		if err != nil {
			return err
		}
		k.pssHash, k.pssMinSalt = p.hash, p.saltLength
	}
	return nil
}

// verifyMessage hashes msg (except for Ed25519, which signs it whole)
// and verifies sig over it.
func (k *verifyingKey) verifyMessage(alg sigAlg, hash crypto.Hash, msg, sig []byte) error {
	if alg.scheme == PureEd25519 {
		return k.verify(alg, 0, nil, msg, sig)
	}
	h := hash.New()
	h.Write(msg)
	return k.verify(alg, hash, h.Sum(nil), nil, sig)
}

func (k *verifyingKey) verify(alg sigAlg, hash crypto.Hash, digest, msg, sig []byte) error {
	bad := func(format string, args ...any) error {
		return errf(ErrSignatureInvalid, "signature", format, args...)
	}
	switch pub := k.pub.(type) {
	case *rsa.PublicKey:
		if alg.scheme == RSAPSS {
			if err := rsa.VerifyPSS(pub, hash, digest, sig, &rsa.PSSOptions{SaltLength: alg.saltLength, Hash: hash}); err != nil {
				return bad("RSASSA-PSS verification failed")
			}
			return nil
		}
		if err := rsa.VerifyPKCS1v15(pub, hash, digest, sig); err != nil {
			return bad("RSASSA-PKCS1-v1_5 verification failed")
		}
	case *ecdsa.PublicKey:
		if alg.scheme == ECDSAPlain {
			n := (pub.Curve.Params().N.BitLen() + 7) / 8
			if len(sig) != 2*n {
				return bad("plain ECDSA signature has %d bytes, want %d", len(sig), 2*n)
			}
			r, s := new(big.Int).SetBytes(sig[:n]), new(big.Int).SetBytes(sig[n:])
			if !ecdsa.Verify(pub, digest, r, s) {
				return bad("ECDSA verification failed")
			}
			return nil
		}
		if !ecdsa.VerifyASN1(pub, digest, sig) {
			return bad("ECDSA verification failed")
		}
	case ed25519.PublicKey:
		if !ed25519.Verify(pub, msg, sig) {
			return bad("Ed25519 verification failed")
		}
	}
	return nil
}
