package verify

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"hash"
	"io"
	"time"

	"github.com/tamgasign/tamga/internal/cades"
	"github.com/tamgasign/tamga/internal/cms"
	"github.com/tamgasign/tamga/internal/tsp"
)

// Errors returned when a file cannot be validated at all. A signature that
// can be read but does not pass is not an error: it is a Report.
var (
	// ErrMalformed means the input is not a well-formed signature; the
	// wrapped error names the field.
	ErrMalformed = errors.New("verify: the file is not a well-formed signature")
	// ErrContentRequired means a detached signature was given without the
	// content it signs.
	ErrContentRequired = errors.New("verify: the signature is detached; give the signed content too")
)

// CMS validates a CMS/CAdES signature (DER). For a detached signature,
// content is the signed data, read once and hashed as it streams; for an
// attached one content may be nil. The returned error is non-nil only when
// the signature cannot be read at all (it wraps ErrMalformed) or content is
// missing or unreadable; every verdict, including failures, is in the
// Report.
func CMS(ctx context.Context, sig []byte, content io.Reader, p *Policy) (*Report, error) {
	if p == nil {
		p = &Policy{}
	}
	sd, err := cms.Parse(sig)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	v := &validation{policy: p, revocation: newRevocationChecker(p, sd.OCSPResponses, sd.CRLs)}
	report := &Report{Format: FormatCMS, ValidationTime: p.now().UTC(), Signatures: []*SignatureReport{}}

	if sd.Content != nil {
		if content != nil {
			report.Messages = append(report.Messages, newMessage(LevelWarning, "CONTENT_UNEXPECTED"))
		}
		content = bytes.NewReader(sd.Content)
	} else if content == nil {
		return nil, ErrContentRequired
	}

	// Hash the content once with every digest algorithm the signers and
	// their archive time-stamps use.
	hashes := map[crypto.Hash]hash.Hash{}
	need := func(h crypto.Hash) {
		if _, ok := hashes[h]; !ok && h.Available() {
			hashes[h] = h.New()
		}
	}
	for _, si := range sd.SignerInfos {
		if h, err := si.DigestHash(); err == nil {
			need(h)
		}
		for _, raw := range si.UnsignedAttrs.Values(cades.OIDArchiveTimeStampV3) {
			if tok, err := tsp.ParseToken(raw); err == nil {
				need(tok.Info.HashAlgorithm)
			}
		}
	}
	writers := make([]io.Writer, 0, len(hashes))
	for _, h := range hashes {
		writers = append(writers, h)
	}
	if _, err := io.Copy(io.MultiWriter(writers...), contextReader{ctx, content}); err != nil {
		return nil, fmt.Errorf("verify: reading the signed content: %w", err)
	}
	digests := map[crypto.Hash][]byte{}
	for alg, h := range hashes {
		digests[alg] = h.Sum(nil)
	}

	if len(sd.SignerInfos) == 0 {
		report.Messages = append(report.Messages, newMessage(LevelError, "NO_SIGNATURE"))
	}
	for i, si := range sd.SignerInfos {
		sr := v.validateSignerInfo(ctx, sd, si, digests, nil)
		sr.Index = i
		report.Signatures = append(report.Signatures, sr)
	}
	report.summarize()
	return report, nil
}

// validateSignerInfo runs every check on one CMS signer and records it.
// It is shared by CAdES and PAdES (whose CMS is in the PDF).
// extra are certificates from elsewhere in the file (a PDF's DSS) that
// may complete the signer's path.
func (v *validation) validateSignerInfo(ctx context.Context, sd *cms.SignedData, si *cms.SignerInfo, digests map[crypto.Hash][]byte, extra []*x509.Certificate) *SignatureReport {
	sr := &SignatureReport{
		Indication:          TotalPassed,
		CoversWholeDocument: true,
		ChangesAfterSigning: ChangesNone,
		Messages:            []Message{},
	}
	add := func(m Message) { sr.Messages = append(sr.Messages, m) }
	failWith := func(ind Indication, sub SubIndication, m Message) {
		sr.fail(ind, sub)
		add(m)
	}

	// 1. Integrity: the message digest and the signature value.
	dh, err := si.DigestHash()
	if err != nil {
		failWith(Indeterminate, CryptoConstraintsFailure, newMessage(LevelError, "ALGORITHM_REJECTED", "what", "digest", "alg", err.Error()))
		sr.Level = levelOf(sd, si, false)
		return sr
	}
	sr.DigestAlgorithm = hashName(dh)
	digest := digests[dh]
	digestOK := true
	if si.SignedAttrs == nil {
		add(newMessage(LevelWarning, "SIGNED_ATTRS_MISSING"))
	} else if err := si.CheckMessageDigest(digest); err != nil {
		digestOK = false
		if errors.Is(err, cms.ErrDigestMismatch) {
			failWith(TotalFailed, HashFailure, newMessage(LevelError, "DIGEST_MISMATCH", "alg", sr.DigestAlgorithm))
		} else {
			failWith(TotalFailed, FormatFailure, newMessage(LevelError, "MALFORMED_SIGNATURE", "error", err.Error()))
		}
	} else {
		add(newMessage(LevelInfo, "DIGEST_MATCH", "alg", sr.DigestAlgorithm))
		if ct, err := si.ContentType(); err != nil || !ct.Equal(sd.ContentType) {
			failWith(TotalFailed, FormatFailure, newMessage(LevelError, "CONTENT_TYPE_MISMATCH"))
		}
	}
	if dh == crypto.SHA1 && !v.policy.AllowSHA1 {
		failWith(Indeterminate, CryptoConstraintsFailure, newMessage(LevelError, "ALGORITHM_REJECTED", "what", "digest", "alg", "SHA-1"))
	}

	pool := append(append(append([]*x509.Certificate{}, sd.Certificates...), extra...), v.policy.Intermediates...)
	cert, err := si.FindCertificate(pool)
	if err != nil {
		failWith(Indeterminate, NoSigningCertificate, newMessage(LevelError, "SIGNER_CERT_NOT_FOUND"))
		sr.Level = levelOf(sd, si, false)
		return sr
	}
	sr.Certificate = cert
	sr.Signer = signerOf(cert)

	verification, err := si.VerifySignature(cert, digest)
	switch {
	case err == nil:
		sr.Integrity = digestOK
		sr.SignatureAlgorithm = verification.Scheme.String()
		add(newMessage(LevelInfo, "SIGNATURE_VALID", "alg", sr.SignatureAlgorithm+" with "+sr.DigestAlgorithm))
		if verification.SignedOverEmbeddedEncoding {
			add(newMessage(LevelWarning, "MALFORMED_SIGNATURE", "error", "the signed attributes are not DER-encoded; the signature covers them as embedded"))
		}
		if verification.SignatureHash == crypto.SHA1 && !v.policy.AllowSHA1 {
			failWith(Indeterminate, CryptoConstraintsFailure, newMessage(LevelError, "ALGORITHM_REJECTED", "what", "signature", "alg", sr.SignatureAlgorithm+" with SHA-1"))
		}
	case errors.Is(err, cms.ErrSignatureInvalid):
		failWith(TotalFailed, SigCryptoFailure, newMessage(LevelError, "SIGNATURE_INVALID", "error", err.Error()))
	case errors.Is(err, cms.ErrUnsupportedAlgorithm):
		failWith(Indeterminate, CryptoConstraintsFailure, newMessage(LevelError, "ALGORITHM_REJECTED", "what", "signature", "alg", err.Error()))
	default:
		failWith(TotalFailed, FormatFailure, newMessage(LevelError, "MALFORMED_SIGNATURE", "error", err.Error()))
	}

	// The signing-certificate attribute binds the signature to this
	// certificate, not just to its key.
	hasRef := false
	ref, err := si.ESSSigningCertificateV2()
	if errors.Is(err, cms.ErrAttributeNotFound) {
		ref, err = si.ESSSigningCertificate()
	}
	switch {
	case err == nil && len(ref.Certs) > 0 && ref.Certs[0].Match(cert) == nil:
		hasRef = true
		add(newMessage(LevelInfo, "SIGNING_CERT_REF_MATCH"))
	case err == nil || !errors.Is(err, cms.ErrAttributeNotFound):
		failWith(Indeterminate, NoSigningCertificate, newMessage(LevelError, "SIGNING_CERT_REF_MISMATCH"))
	default:
		add(newMessage(LevelWarning, "SIGNING_CERT_REF_MISSING"))
	}

	if t, err := si.SigningTime(); err == nil {
		t = t.UTC()
		sr.ClaimedSigningTime = &t
		add(newMessage(LevelInfo, "CLAIMED_SIGNING_TIME", "time", stamp(t)))
	}

	// 2. The best-known signing time: a valid signature time-stamp, else now.
	at, poe := v.policy.now(), false
	if ts := v.signatureTimestamp(ctx, si, sr); ts != nil {
		at, poe = *ts, true
		sr.TimestampTime = ts
		if sr.ClaimedSigningTime != nil && sr.ClaimedSigningTime.After(ts.Add(clockSkew)) {
			add(newMessage(LevelWarning, "TIMESTAMP_BEFORE_SIGNING"))
		}
	}
	sr.BestSignatureTime = at.UTC()

	// 3. The certificate path, its validity at that time, and revocation.
	res := v.validateCertificate(ctx, cert, append(append([]*x509.Certificate{}, sd.Certificates...), extra...), at, poe)
	sr.Chain = res.chain
	for _, m := range res.msgs {
		add(m)
	}
	if res.ind != TotalPassed {
		sr.fail(res.ind, res.sub)
	}
	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		failWith(Indeterminate, ChainConstraintsFailure, newMessage(LevelError, "KEY_USAGE_INVALID"))
	} else if cert.KeyUsage&x509.KeyUsageContentCommitment != 0 {
		add(newMessage(LevelInfo, "NON_REPUDIATION"))
	}
	v.archiveTimestamps(ctx, sd, si, digests, sr)
	sr.Level = levelOf(sd, si, hasRef)
	return sr
}

// archiveTimestamps checks each archive-time-stamp-v3 of the signer and
// records the outcome. An archive time-stamp that does not verify grants
// nothing; it does not change the verdict, which rests on the signature,
// its time-stamp and the validation data checked on their own merits.
func (v *validation) archiveTimestamps(ctx context.Context, sd *cms.SignedData, si *cms.SignerInfo, digests map[crypto.Hash][]byte, sr *SignatureReport) {
	for _, raw := range si.UnsignedAttrs.Values(cades.OIDArchiveTimeStampV3) {
		invalid := func(err error) {
			sr.Messages = append(sr.Messages, newMessage(LevelWarning, "ARCHIVE_TIMESTAMP_INVALID", "error", err.Error()))
		}
		tok, err := tsp.ParseToken(raw)
		if err != nil {
			invalid(err)
			continue
		}
		tokAttrs := tok.SignedData.SignerInfos[0].UnsignedAttrs
		attr, v1 := tokAttrs.Find(cades.OIDATSHashIndexV3), false
		if attr == nil {
			attr, v1 = tokAttrs.Find(cades.OIDATSHashIndex), true
		}
		if attr == nil || len(attr.Values) != 1 {
			invalid(errors.New("it has no ats-hash-index-v3 attribute"))
			continue
		}
		index, err := cades.ParseIndex(attr.Values[0], v1)
		if err != nil {
			invalid(err)
			continue
		}
		h := tok.Info.HashAlgorithm
		if index.Hash != h || digests[h] == nil {
			invalid(errors.New("its hash index and message imprint use different or unsupported hash algorithms"))
			continue
		}
		if err := index.Check(sd, si); err != nil {
			invalid(err)
			continue
		}
		input, err := cades.ImprintInput(sd, si, digests[h], attr.Values[0])
		if err != nil {
			invalid(err)
			continue
		}
		hh := h.New()
		hh.Write(input)
		ver, err := tok.Verify(hh.Sum(nil), v.policy.Intermediates)
		if err != nil {
			invalid(err)
			continue
		}
		genTime := tok.Info.GenTime.UTC()
		res := v.validateCertificate(ctx, ver.Certificate, tok.SignedData.Certificates, genTime, true)
		if res.ind != TotalPassed {
			sr.Messages = append(sr.Messages, newMessage(LevelWarning, "ARCHIVE_TIMESTAMP_UNTRUSTED",
				"tsa", displayName(ver.Certificate), "time", stamp(genTime), "error", string(res.sub)))
			continue
		}
		sr.Messages = append(sr.Messages, newMessage(LevelInfo, "ARCHIVE_TIMESTAMP_VALID", "tsa", displayName(ver.Certificate), "time", stamp(genTime)))
	}
}

// levelOf names the highest CAdES baseline level whose attributes the
// signature carries (ETSI EN 319 122-1 §6). It describes the form, not the
// verdict.
func levelOf(sd *cms.SignedData, si *cms.SignerInfo, hasRef bool) string {
	if si.SignedAttrs == nil || !hasRef {
		return "CAdES-NOT-BASELINE"
	}
	level := "CAdES-BASELINE-B"
	if len(si.TimeStampTokens()) == 0 {
		return level
	}
	level = "CAdES-BASELINE-T"
	if len(sd.OCSPResponses) == 0 && len(sd.CRLs) == 0 {
		return level
	}
	level = "CAdES-BASELINE-LT"
	if si.UnsignedAttrs.Find(cades.OIDArchiveTimeStampV3) != nil {
		level = "CAdES-BASELINE-LTA"
	}
	return level
}

func hashName(h crypto.Hash) string {
	switch h {
	case crypto.SHA1:
		return "SHA-1"
	case crypto.SHA224:
		return "SHA-224"
	case crypto.SHA256:
		return "SHA-256"
	case crypto.SHA384:
		return "SHA-384"
	case crypto.SHA512:
		return "SHA-512"
	}
	return h.String()
}

// contextReader stops a long read when ctx is cancelled.
type contextReader struct {
	ctx context.Context
	r   io.Reader
}

func (c contextReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// signatureTimestamp returns the time of the first signature time-stamp
// that validates, recording each one's outcome; nil when there is none.
// A time-stamp counts only if its imprint is the hash of this signature
// value, its signature verifies, and its authority's certificate chains to
// a trust anchor and was valid and unrevoked at the time it states.
func (v *validation) signatureTimestamp(ctx context.Context, si *cms.SignerInfo, sr *SignatureReport) *time.Time {
	add := func(m Message) { sr.Messages = append(sr.Messages, m) }
	tokens := si.TimeStampTokens()
	if len(tokens) == 0 {
		add(newMessage(LevelInfo, "TIMESTAMP_NONE", "time", stamp(v.policy.now())))
		return nil
	}
	for _, raw := range tokens {
		tok, err := tsp.ParseToken(raw)
		if err != nil {
			add(newMessage(LevelWarning, "TIMESTAMP_INVALID", "error", err.Error()))
			continue
		}
		h := tok.Info.HashAlgorithm
		if h == 0 || !h.Available() || (h == crypto.SHA1 && !v.policy.AllowSHA1) {
			add(newMessage(LevelWarning, "TIMESTAMP_INVALID", "error", "its message imprint uses an algorithm the policy does not accept"))
			continue
		}
		hh := h.New()
		hh.Write(si.Signature)
		ver, err := tok.Verify(hh.Sum(nil), v.policy.Intermediates)
		if err != nil {
			add(newMessage(LevelWarning, "TIMESTAMP_INVALID", "error", err.Error()))
			continue
		}
		genTime := tok.Info.GenTime.UTC()
		tsa := displayName(ver.Certificate)
		res := v.validateCertificate(ctx, ver.Certificate, tok.SignedData.Certificates, genTime, true)
		if res.ind != TotalPassed {
			why := string(res.sub)
			for _, m := range res.msgs {
				if m.Level == LevelError {
					why = m.Text
					break
				}
			}
			add(newMessage(LevelWarning, "TIMESTAMP_UNTRUSTED", "tsa", tsa, "error", why))
			continue
		}
		add(newMessage(LevelInfo, "TIMESTAMP_VALID", "tsa", tsa, "time", stamp(genTime)))
		return &genTime
	}
	return nil
}
