package verify

import (
	"crypto/x509"
	"time"
)

// Indication is the main status of a validation, in the vocabulary of ETSI
// EN 319 102-1 §5.1.3.
type Indication string

// Indications.
const (
	TotalPassed   Indication = "TOTAL_PASSED"
	TotalFailed   Indication = "TOTAL_FAILED"
	Indeterminate Indication = "INDETERMINATE"
)

// SubIndication says why a validation did not pass (ETSI EN 319 102-1
// §5.1.3, tables 5 and 6). It is empty for TOTAL_PASSED.
type SubIndication string

// Sub-indications of TOTAL_FAILED.
const (
	FormatFailure    SubIndication = "FORMAT_FAILURE"     // the signature or document is not well formed
	HashFailure      SubIndication = "HASH_FAILURE"       // the signed data was changed
	SigCryptoFailure SubIndication = "SIG_CRYPTO_FAILURE" // the signature value does not verify
	Revoked          SubIndication = "REVOKED"            // the signer was revoked before the signature is known to exist
	Expired          SubIndication = "EXPIRED"            // a time-stamp proves the signature was made after the certificate expired
	NotYetValid      SubIndication = "NOT_YET_VALID"      // a time-stamp proves the signature was made before the certificate was valid
)

// Sub-indications of INDETERMINATE.
const (
	SigConstraintsFailure    SubIndication = "SIG_CONSTRAINTS_FAILURE"
	ChainConstraintsFailure  SubIndication = "CHAIN_CONSTRAINTS_FAILURE"
	CryptoConstraintsFailure SubIndication = "CRYPTO_CONSTRAINTS_FAILURE"
	NoSigningCertificate     SubIndication = "NO_SIGNING_CERTIFICATE_FOUND"
	NoCertificateChainFound  SubIndication = "NO_CERTIFICATE_CHAIN_FOUND"
	RevokedNoPOE             SubIndication = "REVOKED_NO_POE"
	RevokedCANoPOE           SubIndication = "REVOKED_CA_NO_POE"
	OutOfBoundsNoPOE         SubIndication = "OUT_OF_BOUNDS_NO_POE"
	OutOfBoundsNotRevoked    SubIndication = "OUT_OF_BOUNDS_NOT_REVOKED"
	TryLater                 SubIndication = "TRY_LATER"
	SignedDataNotFound       SubIndication = "SIGNED_DATA_NOT_FOUND"
	TimestampOrderFailure    SubIndication = "TIMESTAMP_ORDER_FAILURE"
)

// Format names what kind of signed object a report is about.
type Format string

// Formats.
const (
	FormatCMS Format = "CMS"
	FormatPDF Format = "PDF"
)

// Changes classifies what a PDF's later revisions changed after a signature
// was made. CMS signatures are always ChangesNone.
type Changes string

// Change classes.
const (
	ChangesNone       Changes = "NONE"       // the signature covers the whole document
	ChangesAllowed    Changes = "ALLOWED"    // later revisions only add what the rules allow (signatures, DSS, time-stamps, permitted form filling)
	ChangesDisallowed Changes = "DISALLOWED" // later revisions change what a reader sees
	// ChangesOverlay: later revisions add only what the rules permit, but
	// some of it draws on a page (an annotation a certification permits, a
	// new visible signature field) and may cover signed content; the
	// signature is INDETERMINATE and a message names each addition.
	ChangesOverlay Changes = "OVERLAY"
)

// Report is the outcome of validating one file. Its JSON form is stable and
// documented in the README; scripts and the HTTP verifier rely on it.
type Report struct {
	File          string        `json:"file"`
	Format        Format        `json:"format"`
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"subIndication,omitempty"`
	// ValidationTime is when the validation ran (the policy's clock).
	ValidationTime time.Time          `json:"validationTime"`
	Signatures     []*SignatureReport `json:"signatures"`
	// Messages are about the file as a whole (for example: no signature found).
	Messages []Message `json:"messages,omitempty"`
}

// SignatureReport is the outcome of validating one signature.
type SignatureReport struct {
	Index int `json:"index"`
	// Level is the highest ETSI baseline level the signature reaches, such
	// as "CAdES-BASELINE-T"; "CAdES-NOT-BASELINE" when it lacks an attribute
	// that the B-B level requires.
	Level         string        `json:"level"`
	Indication    Indication    `json:"indication"`
	SubIndication SubIndication `json:"subIndication,omitempty"`
	Signer        *Signer       `json:"signer,omitempty"`
	// ClaimedSigningTime is the signing-time attribute, which the signer
	// wrote and nobody vouches for; it is never used for validation.
	ClaimedSigningTime *time.Time `json:"claimedSigningTime,omitempty"`
	// TimestampTime is the time of a valid signature time-stamp: proof that
	// the signature existed then.
	TimestampTime *time.Time `json:"timestampTime,omitempty"`
	// BestSignatureTime is the time at which the certificates were
	// validated: the time-stamp's time when there is a valid one, else the
	// validation time.
	BestSignatureTime time.Time `json:"bestSignatureTime"`
	// Integrity is true when the signed data is unchanged and the signature
	// value verifies.
	Integrity           bool    `json:"integrity"`
	CoversWholeDocument bool    `json:"coversWholeDocument"`
	ChangesAfterSigning Changes `json:"changesAfterSigning"`
	// Certification is set on a PDF certification signature (DocMDP):
	// what it permits later revisions to change.
	Certification *Certification `json:"certification,omitempty"`
	// FieldLocks are the form fields this PDF signature locked (FieldMDP,
	// or the /Lock of its signature field).
	FieldLocks         []FieldLock `json:"fieldLocks,omitempty"`
	DigestAlgorithm    string      `json:"digestAlgorithm,omitempty"`
	SignatureAlgorithm string      `json:"signatureAlgorithm,omitempty"`
	Messages           []Message   `json:"messages"`

	// Certificate is the signer's certificate when it was found, and Chain
	// the path to the trust anchor that validated it (leaf first).
	Certificate *x509.Certificate   `json:"-"`
	Chain       []*x509.Certificate `json:"-"`
}

// Signer describes the signing certificate's subject for people.
type Signer struct {
	Subject      string `json:"subject"`
	CommonName   string `json:"commonName"`
	Organization string `json:"organization,omitempty"`
	SerialNumber string `json:"serialNumber,omitempty"` // the subject's serialNumber attribute (a personal or organisation number)
	Issuer       string `json:"issuer"`
	// CertificateSerial is the certificate's serial number in hex.
	CertificateSerial string    `json:"certificateSerial"`
	NotBefore         time.Time `json:"notBefore"`
	NotAfter          time.Time `json:"notAfter"`
}

func signerOf(cert *x509.Certificate) *Signer {
	s := &Signer{
		Subject:           cert.Subject.String(),
		CommonName:        cert.Subject.CommonName,
		SerialNumber:      cert.Subject.SerialNumber,
		Issuer:            cert.Issuer.String(),
		CertificateSerial: cert.SerialNumber.Text(16),
		NotBefore:         cert.NotBefore.UTC(),
		NotAfter:          cert.NotAfter.UTC(),
	}
	if len(cert.Subject.Organization) > 0 {
		s.Organization = cert.Subject.Organization[0]
	}
	return s
}

// fail records a verdict on the signature unless a worse one was recorded
// already: TOTAL_FAILED outranks INDETERMINATE, which outranks TOTAL_PASSED,
// and the first reason of the worst class is kept.
func (s *SignatureReport) fail(ind Indication, sub SubIndication) {
	if rank(ind) > rank(s.Indication) {
		s.Indication, s.SubIndication = ind, sub
	}
}

func rank(i Indication) int {
	switch i {
	case TotalFailed:
		return 2
	case Indeterminate:
		return 1
	}
	return 0
}

// summarize sets the file's verdict from its signatures: the worst of them,
// and FORMAT_FAILURE when there is none.
func (r *Report) summarize() {
	if len(r.Signatures) == 0 {
		if r.Indication == "" || r.Indication == TotalPassed {
			r.Indication, r.SubIndication = TotalFailed, FormatFailure
		}
		return
	}
	r.Indication, r.SubIndication = TotalPassed, ""
	for _, s := range r.Signatures {
		if rank(s.Indication) > rank(r.Indication) {
			r.Indication, r.SubIndication = s.Indication, s.SubIndication
		}
	}
}
