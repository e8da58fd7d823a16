// Package sign makes advanced electronic signatures: CAdES (ETSI EN 319
// 122-1, CMS signatures of any file) and, with the PDF writer, PAdES.
//
// A signature is made with any Signer: a key on a PKCS#11 token opened
// with the token package, or a development key file. Content is streamed
// through the hash, so a detached signature over a file of any size reads
// it once in constant memory.
//
// Levels follow the ETSI baseline profiles:
//
//   - B-B: signed attributes content-type, message-digest,
//     signing-certificate-v2, and signing-time;
//   - B-T: plus an RFC 3161 time-stamp over the signature value, proof
//     that the signature existed at that time;
//   - B-LT: plus the certificates and the OCSP responses or CRLs of the
//     signer's and the time-stamp authority's paths, so the signature can
//     be validated offline after the certificates expire;
//   - B-LTA: plus an archive-time-stamp-v3 over all of it, which a later
//     archive time-stamp can renew before the algorithms weaken.
package sign

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Signer is a private key with its certificate: what the token package
// opens from a PKCS#11 URI or a key file.
type Signer interface {
	crypto.Signer
	// Certificate is the signer's certificate.
	Certificate() *x509.Certificate
	// Chain is the intermediate CA certificates, leaf excluded.
	Chain() []*x509.Certificate
}

// Level is an ETSI baseline signature level.
type Level string

// Levels.
const (
	LevelBB   Level = "B-B"
	LevelBT   Level = "B-T"
	LevelBLT  Level = "B-LT"
	LevelBLTA Level = "B-LTA"
)

// ParseLevel accepts "B-B", "B-T", "B-LT" and "B-LTA" in any case, with or
// without the "B-" prefix.
func ParseLevel(s string) (Level, error) {
	u := strings.ToUpper(strings.TrimSpace(s))
	if !strings.HasPrefix(u, "B-") {
		u = "B-" + u
	}
	switch Level(u) {
	case LevelBB, LevelBT, LevelBLT, LevelBLTA:
		return Level(u), nil
	}
	return "", fmt.Errorf("sign: unknown level %q; use B-B, B-T, B-LT or B-LTA", s)
}

// Errors.
var (
	// ErrTSARequired means a level that needs a time-stamp was asked for
	// without a time-stamp authority URL.
	ErrTSARequired = errors.New("sign: levels B-T and above need a time-stamp authority: give its URL")
	// ErrTimestamp means the time-stamp authority did not give a usable
	// time-stamp; the signature was not produced.
	ErrTimestamp = errors.New("sign: time-stamping failed")
	// ErrValidationData means the data for a long-term level could not be
	// gathered (no trusted path, or no revocation data for a certificate).
	ErrValidationData = errors.New("sign: cannot gather validation data for a long-term signature")
	// ErrTooLarge means attached content exceeds MaxAttachedSize.
	ErrTooLarge = errors.New("sign: the content is too large to attach; make a detached signature")
)

// MaxAttachedSize is the largest content embedded in an attached signature:
// attaching means holding it in memory, and large files belong in detached
// signatures.
const MaxAttachedSize = 64 << 20

// Options configures a signature. The zero value makes a detached CAdES-B-B
// with SHA-256.
type Options struct {
	Level Level       // default B-B
	Hash  crypto.Hash // SHA-256 (default), SHA-384 or SHA-512
	// PSS signs RSA keys with RSASSA-PSS instead of PKCS #1 v1.5.
	PSS bool
	// Attached embeds the content in the signature (.p7m); content is then
	// limited to MaxAttachedSize.
	Attached bool

	// TSA is the URL of an RFC 3161 time-stamp authority, needed for B-T
	// and above; B-LTA uses it for the archive time-stamp too.
	TSA string
	// Roots are the trust anchors used to build the paths whose
	// validation data a B-LT or B-LTA signature embeds.
	Roots *x509.CertPool
	// HTTPClient reaches the time-stamp authority and the OCSP responders
	// and CRL distribution points the certificates name; nil means a
	// client with a 30-second timeout.
	HTTPClient *http.Client

	// CommitmentType, when set, adds a commitment-type-indication: what
	// the signer means by signing, such as CommitmentProofOfApproval for an
	// executor's decision (ETSI EN 319 122-1 §5.2.3).
	CommitmentType asn1.ObjectIdentifier
	// SignaturePolicy, when set, adds a signature-policy-identifier.
	SignaturePolicy *SignaturePolicy

	// Now is the clock for the claimed signing time; nil means time.Now.
	Now func() time.Time
}

// Commitment types of ETSI TS 119 172-1 (OIDs under id-cti,
// 1.2.840.113549.1.9.16.6).
var (
	CommitmentProofOfOrigin   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 6, 1}
	CommitmentProofOfReceipt  = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 6, 2}
	CommitmentProofOfDelivery = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 6, 3}
	CommitmentProofOfSender   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 6, 4}
	CommitmentProofOfApproval = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 6, 5}
	CommitmentProofOfCreation = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 6, 6}
)

// SignaturePolicy identifies the signature policy a signature is made
// under (ETSI EN 319 122-1 §5.2.9): the policy's OID and the digest of its
// document, so a verifier can tell it applies the same one.
type SignaturePolicy struct {
	ID     asn1.ObjectIdentifier
	Hash   crypto.Hash // of the policy document
	Digest []byte
	// URI, when set, says where the policy document can be read.
	URI string
}

func (o *Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

func (o *Options) hash() crypto.Hash {
	if o.Hash != 0 {
		return o.Hash
	}
	return crypto.SHA256
}

func (o *Options) httpClient() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return &http.Client{Timeout: 30 * time.Second}
}

func (o *Options) level() Level {
	if o.Level == "" {
		return LevelBB
	}
	return o.Level
}
