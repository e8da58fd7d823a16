// This file holds the object identifiers the package knows and the tables
// that map digest and signature algorithm identifiers to Go's crypto.

package cms

import (
	"crypto"
	"encoding/asn1"
)

// Content types, attribute types and other identifiers used in CMS,
// CAdES (ETSI EN 319 122-1) and RFC 3161.
var (
	OIDData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}        // id-data
	OIDSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}        // id-signedData
	OIDTSTInfo    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 1, 4} // id-ct-TSTInfo (RFC 3161)

	OIDAttributeContentType      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}         // content-type (RFC 5652 §11.1)
	OIDAttributeMessageDigest    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}         // message-digest (RFC 5652 §11.2)
	OIDAttributeSigningTime      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}         // signing-time (RFC 5652 §11.3)
	OIDAttributeCounterSignature = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 6}         // countersignature (RFC 5652 §11.4)
	OIDAttributeSigningCert      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 12} // id-aa-signingCertificate (RFC 2634)
	OIDAttributeSigningCertV2    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 47} // id-aa-signingCertificateV2 (RFC 5035)
	OIDAttributeTimeStampToken   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 14} // id-aa-signatureTimeStampToken (RFC 3161 App. A)
	OIDAttributeSignaturePolicy  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 15} // id-aa-ets-sigPolicyId
	OIDAttributeCommitmentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 2, 16} // id-aa-ets-commitmentType
	OIDRevocationInfoOCSP        = asn1.ObjectIdentifier{1, 3, 6, 1, 5, 5, 7, 16, 2}         // id-ri-ocsp-response (RFC 5940)
	oidMGF1                      = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 8}         // id-mgf1
	oidRSAEncryption             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}         // rsaEncryption
	oidRSAPSS                    = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 10}        // id-RSASSA-PSS
	oidECPublicKey               = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}             // id-ecPublicKey
	oidEd25519                   = asn1.ObjectIdentifier{1, 3, 101, 112}                     // id-Ed25519 (RFC 8410)
	oidSHA256WithRSA             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}        // sha256WithRSAEncryption
	oidSHA384WithRSA             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}        // sha384WithRSAEncryption
	oidSHA512WithRSA             = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}        // sha512WithRSAEncryption
	oidECDSAWithSHA256           = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}          // ecdsa-with-SHA256
	oidECDSAWithSHA384           = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}          // ecdsa-with-SHA384
	oidECDSAWithSHA512           = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}          // ecdsa-with-SHA512
	oidSHA1                      = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}                 // id-sha1
	oidSHA256                    = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}     // id-sha256
	oidSHA384                    = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}     // id-sha384
	oidSHA512                    = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}     // id-sha512
)

// digestOIDs maps hash function identifiers (RFC 5754, RFC 8702, FIPS 202
// arcs) to Go hashes. MD5 and MD2 are deliberately missing: they are
// reported as unsupported.
var digestOIDs = []struct {
	oid  asn1.ObjectIdentifier
	hash crypto.Hash
}{
	{oidSHA1, crypto.SHA1},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 4}, crypto.SHA224},
	{oidSHA256, crypto.SHA256},
	{oidSHA384, crypto.SHA384},
	{oidSHA512, crypto.SHA512},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 7}, crypto.SHA3_224},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 8}, crypto.SHA3_256},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 9}, crypto.SHA3_384},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 10}, crypto.SHA3_512},
}

// SignatureScheme names the signature primitive a SignerInfo uses.
type SignatureScheme int

// The signature schemes the package verifies.
const (
	UnknownScheme SignatureScheme = iota
	RSAPKCS1v15                   // RSASSA-PKCS1-v1_5 (RFC 8017)
	RSAPSS                        // RSASSA-PSS (RFC 8017, RFC 4055/4056 parameters)
	ECDSA                         // ECDSA with a DER Ecdsa-Sig-Value (RFC 5753)
	ECDSAPlain                    // ECDSA with r||s (BSI TR-03111 "plain" OIDs)
	PureEd25519                   // Ed25519 over the signed attributes (RFC 8419)
)

// String returns the scheme's standard name.
func (s SignatureScheme) String() string {
	switch s {
	case RSAPKCS1v15:
		return "RSASSA-PKCS1-v1_5"
	case RSAPSS:
		return "RSASSA-PSS"
	case ECDSA:
		return "ECDSA"
	case ECDSAPlain:
		return "ECDSA-plain"
	case PureEd25519:
		return "Ed25519"
	}
	return "unknown"
}

// signatureOIDs maps signature algorithm identifiers to a scheme and the
// hash the identifier names (0 when it names none, as rsaEncryption and
// id-ecPublicKey written as a signature algorithm by some tools).
// id-RSASSA-PSS is handled separately because its hash is a parameter.
var signatureOIDs = []struct {
	oid    asn1.ObjectIdentifier
	scheme SignatureScheme
	hash   crypto.Hash
}{
	{oidRSAEncryption, RSAPKCS1v15, 0},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 5}, RSAPKCS1v15, crypto.SHA1},
	{asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 14}, RSAPKCS1v15, crypto.SHA224},
	{oidSHA256WithRSA, RSAPKCS1v15, crypto.SHA256},
	{oidSHA384WithRSA, RSAPKCS1v15, crypto.SHA384},
	{oidSHA512WithRSA, RSAPKCS1v15, crypto.SHA512},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 13}, RSAPKCS1v15, crypto.SHA3_224},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 14}, RSAPKCS1v15, crypto.SHA3_256},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 15}, RSAPKCS1v15, crypto.SHA3_384},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 16}, RSAPKCS1v15, crypto.SHA3_512},
	{oidECPublicKey, ECDSA, 0},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}, ECDSA, crypto.SHA1},
	{asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 1}, ECDSA, crypto.SHA224},
	{oidECDSAWithSHA256, ECDSA, crypto.SHA256},
	{oidECDSAWithSHA384, ECDSA, crypto.SHA384},
	{oidECDSAWithSHA512, ECDSA, crypto.SHA512},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 9}, ECDSA, crypto.SHA3_224},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 10}, ECDSA, crypto.SHA3_256},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 11}, ECDSA, crypto.SHA3_384},
	{asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 3, 12}, ECDSA, crypto.SHA3_512},
	{asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 1}, ECDSAPlain, crypto.SHA1},
	{asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 2}, ECDSAPlain, crypto.SHA224},
	{asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 3}, ECDSAPlain, crypto.SHA256},
	{asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 4}, ECDSAPlain, crypto.SHA384},
	{asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 5}, ECDSAPlain, crypto.SHA512},
	{asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 8}, ECDSAPlain, crypto.SHA3_224},
	{asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 9}, ECDSAPlain, crypto.SHA3_256},
	{asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 10}, ECDSAPlain, crypto.SHA3_384},
	{asn1.ObjectIdentifier{0, 4, 0, 127, 0, 7, 1, 1, 4, 1, 11}, ECDSAPlain, crypto.SHA3_512},
	{oidEd25519, PureEd25519, 0},
}

// HashForOID returns the hash function a digest algorithm identifier
// names. Some producers put a signature algorithm identifier such as
// sha256WithRSAEncryption in a digestAlgorithm field; like OpenSSL, it is
// accepted and maps to its hash. It reports false for anything else,
// including MD5.
func HashForOID(oid asn1.ObjectIdentifier) (crypto.Hash, bool) {
	for _, d := range digestOIDs {
		if d.oid.Equal(oid) {
			return d.hash, true
		}
	}
	for _, s := range signatureOIDs {
		if s.hash != 0 && s.oid.Equal(oid) {
			return s.hash, true
		}
	}
	return 0, false
}

// OIDForHash returns the digest algorithm identifier of h, or false if h
// has none in the table.
func OIDForHash(h crypto.Hash) (asn1.ObjectIdentifier, bool) {
	for _, d := range digestOIDs {
		if d.hash == h {
			return d.oid, true
		}
	}
	return nil, false
}

// oidNames gives readable names for error messages.
var oidNames = map[string]string{
	OIDAttributeContentType.String():      "content-type",
	OIDAttributeMessageDigest.String():    "message-digest",
	OIDAttributeSigningTime.String():      "signing-time",
	OIDAttributeCounterSignature.String(): "countersignature",
	OIDAttributeSigningCert.String():      "signing-certificate",
	OIDAttributeSigningCertV2.String():    "signing-certificate-v2",
	OIDAttributeTimeStampToken.String():   "signature-time-stamp",
	OIDAttributeSignaturePolicy.String():  "signature-policy-identifier",
	OIDAttributeCommitmentType.String():   "commitment-type-indication",
	"1.2.840.113549.1.1.2":                "md2WithRSAEncryption",
	"1.2.840.113549.1.1.4":                "md5WithRSAEncryption",
	"1.2.840.113549.2.5":                  "md5",
	"1.3.101.113":                         "Ed448",
	"1.2.840.10040.4.3":                   "dsa-with-sha1",
}

func oidName(oid asn1.ObjectIdentifier) string {
	s := oid.String()
	if n, ok := oidNames[s]; ok {
		return n + " (" + s + ")"
	}
	return s
}
