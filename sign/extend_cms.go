package sign

// This file holds ExtendCMS: raising a CAdES signature (.p7s, .p7m) to
// B-LT or B-LTA, and renewing B-LTA, without the signer's key.

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"hash"
	"io"
	"maps"
	"slices"

	"github.com/tamgasign/tamga/internal/cades"
	"github.com/tamgasign/tamga/internal/cms"
	"github.com/tamgasign/tamga/internal/tsp"
	"github.com/tamgasign/tamga/verify"
)

// A CAdES signature is raised by adding to it: certificates and OCSP
// responses or CRLs to the SignedData's certificates and crls fields
// (B-LT), and archive-time-stamp-v3 attributes to the signer's unsigned
// attributes (B-LTA). No signed byte changes, so no key is needed.
//
// The renewal of B-LTA follows ETSI EN 319 122-1 §5.5.3: before a new
// archive time-stamp, the SignedData is extended with the validation data
// not yet present, here that of the last archive time-stamp's authority.
// The standard lets it go into the SignedData's certificates and crls
// fields; that is also where verify.CMS looks for revocation data offline,
// so an archive time-stamp renewed today still validates when its
// authority's OCSP responder is gone.
//
// As for PDFs, the signature must first validate online against
// Options.Roots; the content is hashed once, while it is validated.

// Errors of ExtendCMS besides those it shares with ExtendPDF.
var (
	// ErrMultipleSigners means the CMS has more than one SignerInfo:
	// ExtendCMS raises signatures with exactly one signer (what tamga and
	// the portal make); nothing was written.
	ErrMultipleSigners = errors.New("sign: the CMS has several signers; only single-signer CAdES signatures can be extended")
	// ErrContentUnexpected means content was given for an attached
	// signature, which holds its own: give the signature alone.
	ErrContentUnexpected = errors.New("sign: the signature is attached (it holds its content); do not give the content separately")
)

// cmsError gives a shared sentinel (ErrNoSignature, ErrLevelNotHigher,
// ErrNeedsSigningKey) a message that speaks of a CMS signature rather than
// a PDF; errors.Is still matches the sentinel.
type cmsError struct {
	msg string
	err error
}

func (e *cmsError) Error() string { return e.msg }
func (e *cmsError) Unwrap() error { return e.err }

// ExtendCMS raises the single-signer CAdES signature sig (DER) to
// opts.Level and returns the extended signature (DER). content is the
// signed data of a detached signature, read once as it streams; it must
// be nil for an attached one.
//
//   - B-LT, on a B-T signature: the certificate paths and OCSP responses or
//     CRLs of the signer and of the signature time-stamp's authority,
//     fetched now from the addresses the certificates name, as CAdES does
//     for a fresh signature.
//   - B-LTA: B-LT first when the signature is at B-T, then an
//     archive-time-stamp-v3 from opts.TSA over everything. On a B-LTA
//     signature this is the archival renewal: the validation data of the
//     last archive time-stamp's authority, then a new archive time-stamp
//     whose hash index covers all the signature holds.
//
// opts.Roots is required: the signature must first validate (online) to
// one of them, else ExtendCMS returns a *NotValidError. A B-B signature
// gives ErrNeedsSigningKey, as do levels below B-LT; a level not above the
// present one gives ErrLevelNotHigher (B-LTA may be asked for again: that
// renews it); several signers give ErrMultipleSigners; a signature that
// cannot be read wraps verify.ErrMalformed.
func ExtendCMS(ctx context.Context, sig []byte, content io.Reader, opts *Options) ([]byte, error) {
	if opts == nil {
		opts = &Options{}
	}
	level := opts.level()
	switch {
	case level != LevelBLT && level != LevelBLTA:
		return nil, ErrNeedsSigningKey
	case level == LevelBLTA && opts.TSA == "":
		return nil, ErrTSARequired
	case opts.Roots == nil:
		return nil, fmt.Errorf("%w: give the trusted roots (Options.Roots) to validate the signature and build its paths", ErrValidationData)
	}

	sd, err := cms.Parse(sig)
	if err != nil {
		return nil, fmt.Errorf("sign: %w: %w", verify.ErrMalformed, err)
	}
	switch {
	case len(sd.SignerInfos) == 0:
		return nil, &cmsError{"sign: the CMS has no signer to extend; sign the content first", ErrNoSignature}
	case len(sd.SignerInfos) > 1:
		return nil, fmt.Errorf("%w (it has %d)", ErrMultipleSigners, len(sd.SignerInfos))
	case sd.Content != nil && content != nil:
		return nil, ErrContentUnexpected
	case sd.Content == nil && content == nil:
		return nil, fmt.Errorf("sign: %w", verify.ErrContentRequired)
	}
	si := sd.SignerInfos[0]

	// The archive time-stamps need the content's digest under their hash
	// algorithm: the new one under opts.hash(), the existing ones (to find
	// the last one's authority) under theirs. Under the signer's digest
	// algorithm it is the message-digest attribute, which the validation
	// checks against the content; other hashes are computed while
	// verify.CMS reads the content, so it is read once, and in the usual
	// case (one algorithm throughout) hashed once.
	signed := map[crypto.Hash][]byte{}
	if h, err := si.DigestHash(); err == nil && si.SignedAttrs != nil {
		if md, err := si.MessageDigest(); err == nil {
			signed[h] = md
		}
	}
	hashes := map[crypto.Hash]hash.Hash{}
	archive := archiveTokens(si)
	for _, tok := range archive {
		if h := tok.Info.HashAlgorithm; h.Available() && hashes[h] == nil && signed[h] == nil {
			hashes[h] = h.New()
		}
	}
	if h := opts.hash(); signed[h] == nil && hashes[h] == nil {
		hashes[h] = h.New()
	}
	writers := make([]io.Writer, 0, len(hashes))
	for _, h := range hashes {
		writers = append(writers, h)
	}
	var tee io.Reader
	switch {
	case sd.Content != nil:
		io.MultiWriter(writers...).Write(sd.Content)
	case len(writers) > 0:
		tee = io.TeeReader(content, io.MultiWriter(writers...))
	default:
		tee = content
	}
	policy := &verify.Policy{Roots: opts.Roots, Online: true, HTTPClient: opts.httpClient(), Now: opts.Now}
	report, err := verify.CMS(ctx, sig, tee, policy)
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	if tee != nil {
		// verify.CMS reads the content to its end; anything left would
		// make our digest differ from the one it checked.
		if n, err := io.Copy(io.Discard, tee); err != nil || n != 0 {
			return nil, fmt.Errorf("sign: internal error: the content was not read to its end (%d bytes left, %v)", n, err)
		}
	}
	if len(report.Signatures) != 1 {
		return nil, fmt.Errorf("sign: internal error: 1 signer, %d validated", len(report.Signatures))
	}
	sr := report.Signatures[0]
	if sr.Indication != verify.TotalPassed || report.Indication != verify.TotalPassed {
		return nil, notValid(sr)
	}
	if len(signed) > 0 && !hasMessage(sr, "DIGEST_MATCH") {
		// Passed without checking the message-digest: do not trust it.
		return nil, fmt.Errorf("sign: internal error: the signature passed without its message digest being checked")
	}
	digests := maps.Clone(signed)
	for alg, h := range hashes {
		digests[alg] = h.Sum(nil)
	}
	// An archive time-stamp that does not validate does not fail the
	// signature, but a renewal over it would extend a broken chain of
	// proof: refuse, and say which.
	for _, m := range sr.Messages {
		if m.Code == "ARCHIVE_TIMESTAMP_INVALID" || m.Code == "ARCHIVE_TIMESTAMP_UNTRUSTED" {
			return nil, fmt.Errorf("%w: an archive time-stamp of the signature does not validate (%s); renewing cannot repair it", ErrNotValid, m.Text)
		}
	}

	present := cmsLevel(sr.Level)
	switch {
	case rank(present) < rank(LevelBT):
		return nil, &cmsError{fmt.Sprintf("sign: the signature is %s: it has no signature time-stamp, so it cannot be raised to a long-term level without its signer; sign again at level B-T", sr.Level), ErrNeedsSigningKey}
	case rank(level) < rank(present) || (level == present && level != LevelBLTA):
		return nil, &cmsError{fmt.Sprintf("sign: the signature is already at %s (%s was asked for); nothing was written", sr.Level, level), ErrLevelNotHigher}
	}

	out, err := cms.Parse(sig)
	if err != nil {
		return nil, fmt.Errorf("sign: %w: %w", verify.ErrMalformed, err)
	}
	switch present {
	case LevelBT:
		tok, tsaCert, err := validatedSignatureTimestamp(si, sr)
		if err != nil {
			return nil, err
		}
		vd, err := collectLT(ctx, sr.Certificate, tok, tsaCert, append(slices.Clone(sr.Chain), sd.Certificates...), opts)
		if err != nil {
			return nil, err
		}
		if err := addValidationData(out, vd); err != nil {
			return nil, err
		}
	case LevelBLTA:
		last, err := lastArchiveTimestamp(sd, si, archive, digests)
		if err != nil {
			return nil, err
		}
		ver, err := last.Verify(last.imprint, nil)
		if err != nil {
			return nil, fmt.Errorf("%w: the last archive time-stamp: %w", ErrNotValid, err)
		}
		vd, err := verify.CollectValidationData(ctx, ver.Certificate, last.SignedData.Certificates, last.Info.GenTime, policy)
		if err != nil {
			return nil, fmt.Errorf("%w: %s: %w", ErrValidationData, ver.Certificate.Subject.CommonName, err)
		}
		if err := addValidationData(out, vd); err != nil {
			return nil, err
		}
	}
	if level == LevelBLTA {
		if err := addArchiveTimestamp(ctx, out, digests[opts.hash()], opts); err != nil {
			return nil, err
		}
	}
	der, err := out.Marshal()
	if err != nil {
		return nil, fmt.Errorf("sign: %w", err)
	}
	if err := onlyAdded(sd, der); err != nil {
		return nil, err
	}
	return der, nil
}

// hasMessage reports whether the report of a signature holds a message
// with the code.
func hasMessage(sr *verify.SignatureReport, code string) bool {
	return slices.ContainsFunc(sr.Messages, func(m verify.Message) bool { return m.Code == code })
}

// cmsLevel maps the verifier's name of a CAdES level to a Level; anything
// else (CAdES-BASELINE-B, CAdES-NOT-BASELINE) counts as B-B.
func cmsLevel(name string) Level {
	switch name {
	case "CAdES-BASELINE-T":
		return LevelBT
	case "CAdES-BASELINE-LT":
		return LevelBLT
	case "CAdES-BASELINE-LTA":
		return LevelBLTA
	}
	return LevelBB
}

// validatedSignatureTimestamp returns the signature time-stamp whose time
// the verifier accepted, and its authority's certificate.
func validatedSignatureTimestamp(si *cms.SignerInfo, sr *verify.SignatureReport) (*tsp.Token, *x509.Certificate, error) {
	if sr.TimestampTime == nil || sr.Certificate == nil {
		return nil, nil, fmt.Errorf("%w: the signature time-stamp did not validate", ErrValidationData)
	}
	for _, raw := range si.TimeStampTokens() {
		tok, err := tsp.ParseToken(raw)
		if err != nil || !tok.Info.GenTime.Equal(*sr.TimestampTime) || !tok.Info.HashAlgorithm.Available() {
			continue
		}
		ver, err := tok.Verify(digestOf(tok.Info.HashAlgorithm, si.Signature), nil)
		if err != nil {
			continue
		}
		return tok, ver.Certificate, nil
	}
	return nil, nil, fmt.Errorf("%w: the signature time-stamp the verifier accepted cannot be found again", ErrValidationData)
}

// archiveToken is an archive-time-stamp-v3 of the signer with the imprint
// it should carry, once computed.
type archiveToken struct {
	*tsp.Token
	imprint []byte
}

// archiveTokens parses the signer's archive-time-stamp-v3 attributes,
// skipping any that do not parse (the verifier reports those).
func archiveTokens(si *cms.SignerInfo) []*archiveToken {
	var out []*archiveToken
	for _, raw := range si.UnsignedAttrs.Values(cades.OIDArchiveTimeStampV3) {
		if tok, err := tsp.ParseToken(raw); err == nil {
			out = append(out, &archiveToken{Token: tok})
		}
	}
	return out
}

// lastArchiveTimestamp returns the archive time-stamp with the latest
// time, with its imprint computed as the verifier does. Unsigned
// attributes are a SET, so their order says nothing about age.
func lastArchiveTimestamp(sd *cms.SignedData, si *cms.SignerInfo, tokens []*archiveToken, digests map[crypto.Hash][]byte) (*archiveToken, error) {
	var last *archiveToken
	for _, tok := range tokens {
		if last == nil || tok.Info.GenTime.After(last.Info.GenTime) {
			last = tok
		}
	}
	if last == nil {
		return nil, fmt.Errorf("%w: the signature names no readable archive time-stamp", ErrValidationData)
	}
	attrs := last.SignedData.SignerInfos[0].UnsignedAttrs
	index := attrs.Values(cades.OIDATSHashIndexV3)
	h := last.Info.HashAlgorithm
	if len(index) != 1 || digests[h] == nil {
		return nil, fmt.Errorf("%w: the last archive time-stamp has no ats-hash-index-v3 or an unsupported hash", ErrNotValid)
	}
	input, err := cades.ImprintInput(sd, si, digests[h], index[0])
	if err != nil {
		return nil, fmt.Errorf("%w: the last archive time-stamp: %w", ErrNotValid, err)
	}
	last.imprint = digestOf(h, input)
	return last, nil
}

// onlyAdded checks the extended signature der against the original before
// it is returned: the signed part of the signer, the content and every
// certificate, revocation value and unsigned attribute value of the
// original must be there unchanged. It guards against a bug in the
// encoder turning an extension into a change.
func onlyAdded(orig *cms.SignedData, der []byte) error {
	n, err := cms.Parse(der)
	if err != nil || len(n.SignerInfos) != 1 {
		return fmt.Errorf("sign: internal error: the extended signature does not parse: %v", err)
	}
	osi, nsi := orig.SignerInfos[0], n.SignerInfos[0]
	same := bytes.Equal(osi.RawWithoutUnsignedAttrs(), nsi.RawWithoutUnsignedAttrs()) &&
		bytes.Equal(orig.Content, n.Content) && (orig.Content == nil) == (n.Content == nil) &&
		orig.ContentType.Equal(n.ContentType)
	contains := func(have, want [][]byte) bool {
		for _, w := range want {
			if !slices.ContainsFunc(have, func(h []byte) bool { return bytes.Equal(h, w) }) {
				return false
			}
		}
		return true
	}
	same = same && contains(n.RawCertificates, orig.RawCertificates) && contains(n.RawRevocationInfo, orig.RawRevocationInfo)
	for _, a := range osi.UnsignedAttrs {
		same = same && contains(nsi.UnsignedAttrs.Values(a.Type), a.Values)
	}
	if !same {
		return errors.New("sign: internal error: extending changed the signature; nothing was written")
	}
	return nil
}
