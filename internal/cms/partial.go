// This file holds the lenient structural certificate parser behind
// CertificateError.Partial.

package cms

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"crypto/x509"
	"encoding/asn1"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

var oidSubjectKeyIdentifier = asn1.ObjectIdentifier{2, 5, 29, 14}

// parsePartialCertificate reads the fields needed to identify a
// certificate and check a signature made with its key, or returns nil.
func parsePartialCertificate(raw []byte) *x509.Certificate {
	s := cryptobyte.String(raw)
	var certSeq, tbs, tbsBody, issuer, validity, subject, spki cryptobyte.String
	serial := new(big.Int)
	if !s.ReadASN1(&certSeq, casn1.SEQUENCE) || !s.Empty() ||
		!certSeq.ReadASN1Element(&tbs, casn1.SEQUENCE) {
		return nil
	}
	tbsBody = tbs
	if !tbsBody.ReadASN1(&tbsBody, casn1.SEQUENCE) ||
		!tbsBody.SkipOptionalASN1(tagCtx0Cons) ||
		!tbsBody.ReadASN1Integer(serial) || // negative allowed, non-minimal not
		!tbsBody.SkipASN1(casn1.SEQUENCE) || // signature
		!tbsBody.ReadASN1Element(&issuer, casn1.SEQUENCE) ||
		!tbsBody.ReadASN1(&validity, casn1.SEQUENCE) ||
		!tbsBody.ReadASN1Element(&subject, casn1.SEQUENCE) ||
		!tbsBody.ReadASN1Element(&spki, casn1.SEQUENCE) {
		return nil
	}
	c := &x509.Certificate{
		Raw:                     raw,
		RawTBSCertificate:       tbs,
		SerialNumber:            serial,
		RawIssuer:               issuer,
		RawSubject:              subject,
		RawSubjectPublicKeyInfo: spki,
	}
	if pub, err := x509.ParsePKIXPublicKey(spki); err == nil {
		c.PublicKey = pub
		switch pub.(type) {
		case *rsa.PublicKey:
			c.PublicKeyAlgorithm = x509.RSA
		case *ecdsa.PublicKey:
			c.PublicKeyAlgorithm = x509.ECDSA
		case ed25519.PublicKey:
			c.PublicKeyAlgorithm = x509.Ed25519
		}
	}
	// Optional issuerUniqueID [1], subjectUniqueID [2], extensions [3].
	tbsBody.SkipOptionalASN1(casn1.Tag(0x81))
	tbsBody.SkipOptionalASN1(casn1.Tag(0x82))
	var exts cryptobyte.String
	if tbsBody.ReadASN1(&exts, tagCtx3Cons) && exts.ReadASN1(&exts, casn1.SEQUENCE) {
		for !exts.Empty() {
			var ext, value cryptobyte.String
			var oid asn1.ObjectIdentifier
			if !exts.ReadASN1(&ext, casn1.SEQUENCE) || !ext.ReadASN1ObjectIdentifier(&oid) {
				break
			}
			ext.SkipOptionalASN1(casn1.BOOLEAN)
			if !ext.ReadASN1(&value, casn1.OCTET_STRING) {
				break
			}
			var ski cryptobyte.String
			if oid.Equal(oidSubjectKeyIdentifier) && value.ReadASN1(&ski, casn1.OCTET_STRING) {
				c.SubjectKeyId = ski
			}
		}
	}
	return c
}
