// This file holds the time-stamp token: TSTInfo (RFC 3161 §2.4.2),
// ParseToken and the Verify primitive.

package tsp

import (
	"crypto"
	"crypto/subtle"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/tamgasign/tamga/internal/cms"
	"golang.org/x/crypto/cryptobyte"
	casn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// TSTInfo is the signed content of a time-stamp token.
type TSTInfo struct {
	Version int
	Policy  asn1.ObjectIdentifier
	// HashAlgorithm is the message imprint's hash, or 0 when the token
	// uses one the package does not know (Verify then reports
	// ErrUnsupportedAlgorithm); HashAlgorithmID is the identifier as
	// encoded.
	HashAlgorithm   crypto.Hash
	HashAlgorithmID pkix.AlgorithmIdentifier
	HashedMessage   []byte
	SerialNumber    *big.Int
	GenTime         time.Time     // UTC
	Accuracy        time.Duration // 0 when absent
	Ordering        bool
	Nonce           *big.Int // nil when absent
	// TSA is the DER of the tsa GeneralName, nil when absent; TSAName is
	// set when it is a directoryName.
	TSA        []byte
	TSAName    *pkix.Name
	Extensions []pkix.Extension
	Raw        []byte // DER of the TSTInfo
}

// Token is a parsed time-stamp token: a CMS SignedData whose content is a
// TSTInfo.
type Token struct {
	Info       *TSTInfo
	SignedData *cms.SignedData
	Raw        []byte
}

// ParseToken parses a TimeStampToken (a ContentInfo holding a SignedData
// with eContentType id-ct-TSTInfo and exactly one signer). It does not
// verify it.
func ParseToken(der []byte) (*Token, error) {
	sd, err := cms.Parse(der)
	if err != nil {
		return nil, err
	}
	if !sd.ContentType.Equal(cms.OIDTSTInfo) {
		return nil, malformed("token.eContentType", "%s is not id-ct-TSTInfo", sd.ContentType)
	}
	if sd.Content == nil {
		return nil, malformed("token.eContent", "absent; a token carries its TSTInfo")
	}
	if len(sd.SignerInfos) != 1 {
		return nil, malformed("token.signerInfos", "%d signers; a token has exactly the TSA's", len(sd.SignerInfos))
	}
	info, err := ParseTSTInfo(sd.Content)
	if err != nil {
		return nil, err
	}
	return &Token{Info: info, SignedData: sd, Raw: der}, nil
}

// ParseTSTInfo parses a DER TSTInfo.
func ParseTSTInfo(der []byte) (*TSTInfo, error) {
	const f = "tstInfo"
	s := cryptobyte.String(der)
	var seq cryptobyte.String
	var version int64
	if !s.ReadASN1(&seq, casn1.SEQUENCE) || !s.Empty() {
		return nil, malformed(f, "not a DER SEQUENCE")
	}
	info := &TSTInfo{Raw: der, SerialNumber: new(big.Int)}
	if !seq.ReadASN1Integer(&version) || version != 1 {
		return nil, malformed(f+".version", "not version 1")
	}
	info.Version = 1
	if !seq.ReadASN1ObjectIdentifier(&info.Policy) {
		return nil, malformed(f+".policy", "not an OBJECT IDENTIFIER")
	}
	var err error
	info.HashAlgorithmID, info.HashAlgorithm, info.HashedMessage, err = readMessageImprint(&seq, f+".messageImprint")
	if err != nil {
		return nil, err
	}
	if info.HashAlgorithm != 0 && len(info.HashedMessage) != info.HashAlgorithm.Size() {
		return nil, malformed(f+".messageImprint", "%d bytes for %v", len(info.HashedMessage), info.HashAlgorithm)
	}
	if !seq.ReadASN1Integer(info.SerialNumber) {
		return nil, malformed(f+".serialNumber", "not an INTEGER")
	}
	var gt cryptobyte.String
	if !seq.ReadASN1(&gt, casn1.GeneralizedTime) {
		return nil, malformed(f+".genTime", "not a GeneralizedTime")
	}
	if info.GenTime, err = parseGenTime(string(gt)); err != nil {
		return nil, malformed(f+".genTime", "%v", err)
	}
	if seq.PeekASN1Tag(casn1.SEQUENCE) {
		var acc cryptobyte.String
		seq.ReadASN1(&acc, casn1.SEQUENCE)
		if info.Accuracy, err = parseAccuracy(acc); err != nil {
			return nil, malformed(f+".accuracy", "%v", err)
		}
	}
	if seq.PeekASN1Tag(casn1.BOOLEAN) && !seq.ReadASN1Boolean(&info.Ordering) {
		return nil, malformed(f+".ordering", "bad BOOLEAN")
	}
	if seq.PeekASN1Tag(casn1.INTEGER) {
		info.Nonce = new(big.Int)
		if !seq.ReadASN1Integer(info.Nonce) {
			return nil, malformed(f+".nonce", "bad INTEGER")
		}
	}
	if seq.PeekASN1Tag(casn1.Tag(0xa0)) {
		var tsa, gn cryptobyte.String
		var tag casn1.Tag
		seq.ReadASN1(&tsa, casn1.Tag(0xa0))
		full := tsa
		if !tsa.ReadAnyASN1(&gn, &tag) || !tsa.Empty() {
			return nil, malformed(f+".tsa", "not a GeneralName")
		}
		info.TSA = full
		if tag == casn1.Tag(0xa4) {
			var rdn pkix.RDNSequence
			if rest, err := asn1.Unmarshal(gn, &rdn); err == nil && len(rest) == 0 {
				n := new(pkix.Name)
				n.FillFromRDNSequence(&rdn)
				info.TSAName = n
			}
		}
	}
	if seq.PeekASN1Tag(casn1.Tag(0xa1)) {
		if info.Extensions, err = readExtensions(&seq, casn1.Tag(0xa1), f+".extensions"); err != nil {
			return nil, err
		}
	}
	if !seq.Empty() {
		return nil, malformed(f, "unexpected data after the last field")
	}
	return info, nil
}

// parseGenTime parses a TSTInfo genTime: YYYYMMDDhhmmss[.f+]Z (RFC 3161
// §2.4.2 requires UTC, "Z").
func parseGenTime(s string) (time.Time, error) {
	if len(s) < 15 || s[len(s)-1] != 'Z' || !digits(s[:14]) {
		return time.Time{}, fmt.Errorf("bad GeneralizedTime %q", s)
	}
	layout := "20060102150405"
	if frac := s[14 : len(s)-1]; frac != "" {
		if frac[0] != '.' || len(frac) < 2 || len(frac) > 10 || !digits(frac[1:]) {
			return time.Time{}, fmt.Errorf("bad fraction in GeneralizedTime %q", s)
		}
		layout += "." + strings.Repeat("9", len(frac)-1)
	}
	t, err := time.Parse(layout+"Z", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("bad GeneralizedTime %q", s)
	}
	return t.UTC(), nil
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func parseAccuracy(s cryptobyte.String) (time.Duration, error) {
	var sec, ms, us int64
	if s.PeekASN1Tag(casn1.INTEGER) && (!s.ReadASN1Integer(&sec) || sec < 0 || sec > 1<<31) {
		return 0, fmt.Errorf("bad seconds")
	}
	// millis [0] and micros [1] are IMPLICIT INTEGER (1..999).
	if !readImplicitInt(&s, casn1.Tag(0x80), &ms) || ms < 0 || ms > 999 {
		return 0, fmt.Errorf("bad millis")
	}
	if !readImplicitInt(&s, casn1.Tag(0x81), &us) || us < 0 || us > 999 {
		return 0, fmt.Errorf("bad micros")
	}
	if !s.Empty() {
		return 0, fmt.Errorf("unexpected data")
	}
	return time.Duration(sec)*time.Second + time.Duration(ms)*time.Millisecond + time.Duration(us)*time.Microsecond, nil
}

// readImplicitInt reads an optional [n] IMPLICIT INTEGER; cryptobyte's
// optional readers assume EXPLICIT tagging.
func readImplicitInt(s *cryptobyte.String, tag casn1.Tag, out *int64) bool {
	if !s.PeekASN1Tag(tag) {
		return true
	}
	var body cryptobyte.String
	if !s.ReadASN1(&body, tag) || len(body) == 0 || len(body) > 8 {
		return false
	}
	var b cryptobyte.Builder
	b.AddASN1(casn1.INTEGER, func(c *cryptobyte.Builder) { c.AddBytes(body) })
	v := cryptobyte.String(b.BytesOrPanic())
	return v.ReadASN1Integer(out)
}

var oidExtKeyUsage = asn1.ObjectIdentifier{2, 5, 29, 37}

// Verify checks the token as a time-stamp of digest, the hash under
// t.Info.HashAlgorithm of the time-stamped data (for a CAdES
// signature-time-stamp, of the signature value):
//   - the message imprint equals digest (constant-time);
//   - the TSA certificate is found among the token's certificates and
//     extra, and the CMS signature over the TSTInfo verifies;
//   - an ESS signing-certificate(-v2) attribute identifies that
//     certificate (RFC 3161 §2.4.1, RFC 5816);
//   - the certificate has a critical extended key usage with
//     id-kp-timeStamping only (RFC 3161 §2.3).
//
// Trust in the TSA's chain and the certificate's validity at GenTime are
// the caller's to check: the result names the TSA certificate, and the
// token's certificates are in t.SignedData.Certificates.
func (t *Token) Verify(digest []byte, extra []*x509.Certificate) (*cms.Verification, error) {
	info := t.Info
	if info.HashAlgorithm == 0 || !info.HashAlgorithm.Available() {
		return nil, &cms.Error{Field: "tstInfo.messageImprint", Err: cms.ErrUnsupportedAlgorithm, Detail: fmt.Sprintf("hash algorithm %s is not supported", info.HashAlgorithmID.Algorithm)}
	}
	if len(digest) != len(info.HashedMessage) || subtle.ConstantTimeCompare(digest, info.HashedMessage) != 1 {
		return nil, &cms.Error{Field: "tstInfo.messageImprint", Err: cms.ErrDigestMismatch, Detail: "the token time-stamps other data"}
	}
	si := t.SignedData.SignerInfos[0]
	pool := append(append([]*x509.Certificate(nil), t.SignedData.Certificates...), extra...)
	cert, err := si.FindCertificate(pool)
	if err != nil {
		return nil, err
	}
	h, err := si.DigestHash()
	if err != nil {
		return nil, err
	}
	v, err := si.Verify(cert, sum(h, t.SignedData.Content))
	if err != nil {
		return nil, err
	}
	ess, err := si.ESSSigningCertificateV2()
	if err != nil && errIsNotFound(err) {
		ess, err = si.ESSSigningCertificate()
		if err != nil && errIsNotFound(err) {
			return nil, malformed("token.signedAttrs", "no ESS signing-certificate attribute (RFC 3161 §2.4.1)")
		}
	}
	if err != nil {
		return nil, err
	}
	if err := ess.Certs[0].Match(cert); err != nil {
		return nil, err
	}
	if err := CheckTSACertificate(cert); err != nil {
		return nil, err
	}
	return v, nil
}

func errIsNotFound(err error) bool {
	e, ok := err.(*cms.Error)
	return ok && e.Err == cms.ErrAttributeNotFound
}

// CheckTSACertificate reports whether cert may sign time-stamp tokens: it
// must have an extended key usage extension, marked critical, whose only
// purpose is id-kp-timeStamping (RFC 3161 §2.3).
func CheckTSACertificate(cert *x509.Certificate) error {
	critical := false
	for _, e := range cert.Extensions {
		if e.Id.Equal(oidExtKeyUsage) {
			critical = e.Critical
		}
	}
	if !critical || len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageTimeStamping || len(cert.UnknownExtKeyUsage) != 0 {
		return fmt.Errorf("%w: %q", ErrNotTSACertificate, cert.Subject.String())
	}
	return nil
}

func sum(h crypto.Hash, data []byte) []byte {
	x := h.New()
	x.Write(data)
	return x.Sum(nil)
}
