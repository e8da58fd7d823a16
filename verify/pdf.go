package verify

import (
	"context"
	"crypto"
	"crypto/x509"
	"errors"
	"fmt"
	"hash"
	"io"
	"strconv"
	"strings"

	"github.com/tamgasign/tamga/internal/cms"
	"github.com/tamgasign/tamga/internal/pdf"
	"github.com/tamgasign/tamga/internal/tsp"
)

// PDF validates every signature of a PDF (PAdES, and CMS signatures of the
// adbe.pkcs7.detached kind). r holds size bytes; the file is read on
// demand, never whole. The error is non-nil only when the file cannot be
// read as a PDF at all (it wraps ErrMalformed); every verdict is in the
// Report.
//
// Beyond the CMS checks, a PDF signature must pass structural ones that the
// published attacks target (USF, SWA, ISA, shadow attacks):
//
//   - /ByteRange is [0 a b c] with a and b exactly the offsets of the
//     /Contents string of this very signature dictionary, and b+c the end of
//     the revision the dictionary belongs to: anything else is
//     TOTAL_FAILED/FORMAT_FAILURE;
//   - a signature covers the whole document only if its revision is the last
//     one and nothing follows it;
//   - what later revisions changed is classified object by object against
//     what the document's certification (DocMDP) and field locks (FieldMDP)
//     permit (see classifyChanges in mdp.go and the README): without a
//     certification only later signatures and validation data are ALLOWED;
//     form filling needs P=2 or 3, annotations P=3. Everything else is
//     DISALLOWED and the signature fails: a false alarm is recoverable, a
//     false "valid" is not;
//   - what is permitted but may paint over signed content, an annotation at
//     P=3 (the Evil Annotation Attack) or a new visible signature widget
//     (the Sneaky Signature Attack), is OVERLAY: INDETERMINATE, with a
//     message naming each addition, page and rectangle. Without rendering
//     the page, a verifier cannot tell a comment in the margin from a box
//     over the amount; the signer signed nothing that changed, so the
//     signature is not failed, but it is not passed either. A visible
//     later signature keeps earlier ones passed only in a field that was
//     already there, empty, when they were made: its box is what they
//     signed.
func PDF(ctx context.Context, r io.ReaderAt, size int64, p *Policy) (*Report, error) {
	if p == nil {
		p = &Policy{}
	}
	f, err := pdf.Open(r, size, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	report := &Report{Format: FormatPDF, ValidationTime: p.now().UTC(), Signatures: []*SignatureReport{}}
	sigs, unreadable, err := f.Signatures()
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	// Objects that could not be read while looking for signatures are not
	// signatures; they are reported, and a later revision that touches one
	// fails the change analysis (Diff cannot compare it).
	for _, e := range unreadable {
		report.Messages = append(report.Messages, newMessage(LevelWarning, "PDF_OBJECT_UNREADABLE", "error", e.Error()))
	}
	if len(sigs) == 0 {
		report.Messages = append(report.Messages, newMessage(LevelError, "NO_SIGNATURE"))
	}

	// Revocation data from every signature and from the DSS serves all.
	var ocsps, crls [][]byte
	parsed := make([]*cms.SignedData, len(sigs))
	for i, s := range sigs {
		if der, _, err := cms.TrimPadding(s.Contents); err == nil {
			if sd, err := cms.Parse(der); err == nil {
				parsed[i] = sd
				ocsps = append(ocsps, sd.OCSPResponses...)
				crls = append(crls, sd.CRLs...)
			}
		}
	}
	dss := readDSS(f)
	ocsps, crls = append(ocsps, dss.OCSPResponses...), append(crls, dss.CRLs...)
	v := &validation{policy: p, revocation: newRevocationChecker(p, ocsps, crls)}
	extra := dss.Certificates

	mdp := readMDP(f, sigs)
	lastDocTS := -1 // the revision of the newest valid document time-stamp
	for i, s := range sigs {
		rules := changeRules{level: mdp.level, locks: mdp.locksAt(sigs, s.Revision)}
		sr := v.validatePDFSignature(ctx, f, r, s, parsed[i], extra, rules)
		mdp.annotate(sr, i)
		sr.Index = len(report.Signatures)
		report.Signatures = append(report.Signatures, sr)
		if sr.Level == "PAdES-DOCUMENT-TIMESTAMP" && sr.Indication == TotalPassed {
			lastDocTS = max(lastDocTS, s.Revision)
		}
	}
	// PAdES keeps long-term data in the DSS and archive time-stamps as
	// document time-stamps (ETSI EN 319 142-1 §6): a time-stamped
	// signature with validation data is B-LT, and B-LTA with a document
	// time-stamp after it.
	if len(dss.OCSPResponses)+len(dss.CRLs) > 0 {
		for i, sr := range report.Signatures {
			if sr.Level == "PAdES-BASELINE-T" {
				sr.Level = "PAdES-BASELINE-LT"
				if sigs[i].Revision < lastDocTS {
					sr.Level = "PAdES-BASELINE-LTA"
				}
			}
		}
	}
	report.summarize()
	return report, nil
}

func newPDFReport() *SignatureReport {
	return &SignatureReport{Indication: TotalPassed, ChangesAfterSigning: ChangesNone, Messages: []Message{}, Level: "PAdES-NOT-BASELINE"}
}

func (v *validation) validatePDFSignature(ctx context.Context, f *pdf.File, r io.ReaderAt, s pdf.Signature, sd *cms.SignedData, extra []*x509.Certificate, rules changeRules) *SignatureReport {
	fail := func(sr *SignatureReport, code string, args ...string) *SignatureReport {
		sr.fail(TotalFailed, FormatFailure)
		sr.Messages = append(sr.Messages, newMessage(LevelError, code, args...))
		return sr
	}
	revs := f.Revisions()
	rev := revs[s.Revision]

	// Structure of /ByteRange and /Contents (universal signature forgery,
	// signature wrapping).
	subFilter, _ := s.Dict.Get("SubFilter").(pdf.Name)
	switch subFilter {
	case "ETSI.CAdES.detached", "adbe.pkcs7.detached":
	case "ETSI.RFC3161":
		return v.validateDocTimestamp(ctx, f, r, s, rules)
	default:
		return fail(newPDFReport(), "MALFORMED_SIGNATURE", "error", "unsupported /SubFilter "+strconv.Quote(string(subFilter)))
	}
	sr := newPDFReport()
	if why := checkByteRange(s, rev); why != "" {
		return fail(sr, "PDF_BYTERANGE_INVALID", "error", why)
	}
	br := s.ByteRange
	if sd == nil {
		return fail(sr, "MALFORMED_SIGNATURE", "error", "/Contents is not a CMS signature")
	}
	if len(sd.SignerInfos) != 1 || sd.Content != nil {
		return fail(sr, "MALFORMED_SIGNATURE", "error", "a PDF signature must be a detached CMS with exactly one signer")
	}

	// Hash the signed bytes with the signer's digest algorithm.
	si := sd.SignerInfos[0]
	digests := map[crypto.Hash][]byte{}
	if h, err := si.DigestHash(); err == nil {
		hh := h.New()
		if err := hashRanges(ctx, r, f.Size(), hh, [][2]int64{{br[0], br[1]}, {br[2], br[3]}}); err != nil {
			return fail(sr, "FILE_UNREADABLE", "error", err.Error())
		}
		digests[h] = hh.Sum(nil)
	}
	cmsReport := v.validateSignerInfo(ctx, sd, si, digests, extra)
	cmsReport.ChangesAfterSigning = ChangesNone
	cmsReport.Level = strings.Replace(cmsReport.Level, "CAdES", "PAdES", 1)
	sr = cmsReport

	// What came after: is this the whole document, and if not, what
	// changed?
	trailing := structureFindings(sr, f, s.Revision)
	latest := f.Latest()
	end := br[2] + br[3]
	sr.CoversWholeDocument = s.Revision == latest && !trailing && (end == f.Size() || rev.End == f.Size() && rev.EOF == end)
	switch {
	case trailing:
		sr.ChangesAfterSigning = ChangesDisallowed
	case sr.CoversWholeDocument:
		sr.Messages = append(sr.Messages, newMessage(LevelInfo, "PDF_COVERS_WHOLE"))
	default:
		sr.Messages = append(sr.Messages, newMessage(LevelInfo, "PDF_NOT_WHOLE_DOCUMENT",
			"revision", strconv.Itoa(s.Revision+1), "revisions", strconv.Itoa(latest+1)))
		judgeChanges(sr, f, s.Revision, rules)
	}
	if sr.ChangesAfterSigning == ChangesDisallowed {
		sr.fail(TotalFailed, FormatFailure)
	}
	return sr
}

// structureFindings adds to sr an error for each structural finding that
// makes the changes after revision rev DISALLOWED (structureDisallowed),
// and reports whether there was one.
//
// The same ambiguities inside the signed revisions only warn: the signer
// signed those bytes as they are, and producers such as EU DSS write
// hybrid files whose table and stream disagree.
func structureFindings(sr *SignatureReport, f *pdf.File, rev int) bool {
	found := false
	for _, fd := range f.Findings() {
		switch {
		case structureDisallowed(fd, rev):
			found = true
			sr.Messages = append(sr.Messages, newMessage(LevelError, "PDF_CHANGES_DISALLOWED", "what", fd.String()))
		case fd.Kind == pdf.FindingDuplicateEntry || fd.Kind == pdf.FindingHybridConflict:
			sr.Messages = append(sr.Messages, newMessage(LevelWarning, "PDF_XREF_AMBIGUOUS", "what", fd.String()))
		}
	}
	return found
}

// structureDisallowed reports whether a structural finding makes the
// changes after the signature in revision rev DISALLOWED whatever the
// objects say: content outside the xref chain (ISA), and an xref section
// after the signature that is ambiguous. An object defined twice in one
// section, or differently by a table and its /XRefStm stream, is read as
// the first (or the table's) definition here and by Diff, but readers that
// keep the last definition (or prefer the stream) show the other one: an
// xref-only update with the signed offset first and a shadow body second
// passed as "no changes" (TestAttackShadow, "xref only: 5 listed twice").
func structureDisallowed(fd pdf.Finding, rev int) bool {
	switch fd.Kind {
	case pdf.FindingTrailingBytes, pdf.FindingUnchainedEOF, pdf.FindingOrphanXRef:
		return true
	case pdf.FindingDuplicateEntry, pdf.FindingHybridConflict:
		return fd.Revision > rev
	}
	return false
}

// checkByteRange applies the structural rules of a PDF signature to s:
// /ByteRange [0 a b c] where a and b are exactly this dictionary's
// /Contents, and b+c the end of its revision. It returns what is wrong, or
// "".
func checkByteRange(s pdf.Signature, rev pdf.Revision) string {
	br, cs := s.ByteRange, s.ContentsSpan
	switch {
	case len(br) != 4:
		return "/ByteRange is missing or not four direct integers"
	case s.Contents == nil || !s.ContentsHex || !cs.Valid():
		return "/Contents is missing, not a direct hex string, or not in the file"
	case br[0] != 0 || br[1] != cs.Start || br[2] != cs.End:
		return "the unsigned hole is not exactly this signature's /Contents"
	case br[2]+br[3] != rev.End && br[2]+br[3] != rev.EOF:
		// Signers end the signed bytes just after %%EOF or after the
		// end-of-line that follows it; nothing else may be left out.
		return "the signed bytes do not end where the signature's revision ends"
	case !s.Span.Valid() || s.Span.Start < rev.Start || s.Span.End > rev.End || cs.Start < s.Span.Start || cs.End > s.Span.End:
		return "the signature dictionary is not in the revision it signs"
	}
	return ""
}

// validateDocTimestamp checks a document time-stamp (ETSI EN 319 142-1
// §5.4): an RFC 3161 token over the bytes of its revision, whose authority
// chains to a trust anchor and was valid and unrevoked at its time.
func (v *validation) validateDocTimestamp(ctx context.Context, f *pdf.File, r io.ReaderAt, s pdf.Signature, rules changeRules) *SignatureReport {
	sr := newPDFReport()
	sr.Level = "PAdES-DOCUMENT-TIMESTAMP"
	fail := func(ind Indication, sub SubIndication, code string, args ...string) *SignatureReport {
		sr.fail(ind, sub)
		sr.Messages = append(sr.Messages, newMessage(LevelError, code, args...))
		return sr
	}
	rev := f.Revisions()[s.Revision]
	if why := checkByteRange(s, rev); why != "" {
		return fail(TotalFailed, FormatFailure, "PDF_BYTERANGE_INVALID", "error", why)
	}
	der, _, err := cms.TrimPadding(s.Contents)
	if err != nil {
		return fail(TotalFailed, FormatFailure, "MALFORMED_SIGNATURE", "error", err.Error())
	}
	tok, err := tsp.ParseToken(der)
	if err != nil {
		return fail(TotalFailed, FormatFailure, "MALFORMED_SIGNATURE", "error", err.Error())
	}
	h := tok.Info.HashAlgorithm
	if h == 0 || !h.Available() || (h == crypto.SHA1 && !v.policy.AllowSHA1) {
		return fail(Indeterminate, CryptoConstraintsFailure, "ALGORITHM_REJECTED", "what", "time-stamp imprint", "alg", h.String())
	}
	hh := h.New()
	br := s.ByteRange
	if err := hashRanges(ctx, r, f.Size(), hh, [][2]int64{{br[0], br[1]}, {br[2], br[3]}}); err != nil {
		return fail(TotalFailed, FormatFailure, "FILE_UNREADABLE", "error", err.Error())
	}
	ver, err := tok.Verify(hh.Sum(nil), v.policy.Intermediates)
	switch {
	case errors.Is(err, cms.ErrDigestMismatch):
		return fail(TotalFailed, HashFailure, "DIGEST_MISMATCH", "alg", hashName(h))
	case errors.Is(err, cms.ErrSignatureInvalid):
		return fail(TotalFailed, SigCryptoFailure, "SIGNATURE_INVALID", "error", err.Error())
	case err != nil:
		return fail(Indeterminate, FormatFailure, "TIMESTAMP_INVALID", "error", err.Error())
	}
	sr.Integrity = true
	sr.Certificate = ver.Certificate
	sr.Signer = signerOf(ver.Certificate)
	sr.DigestAlgorithm = hashName(h)
	t := tok.Info.GenTime.UTC()
	sr.TimestampTime, sr.BestSignatureTime = &t, t
	res := v.validateCertificate(ctx, ver.Certificate, tok.SignedData.Certificates, t, true)
	sr.Chain = res.chain
	sr.Messages = append(sr.Messages, res.msgs...)
	if res.ind != TotalPassed {
		sr.fail(res.ind, res.sub)
	} else {
		sr.Messages = append(sr.Messages, newMessage(LevelInfo, "TIMESTAMP_VALID", "tsa", displayName(ver.Certificate), "time", stamp(t)))
	}
	// The same structural rules as for signatures: a time-stamp does not
	// vouch for bytes outside the xref chain or for an ambiguous later
	// xref section either.
	trailing := structureFindings(sr, f, s.Revision)
	sr.CoversWholeDocument = s.Revision == f.Latest() && !trailing
	switch {
	case trailing:
		sr.ChangesAfterSigning = ChangesDisallowed
	case !sr.CoversWholeDocument:
		judgeChanges(sr, f, s.Revision, rules)
	}
	if sr.ChangesAfterSigning == ChangesDisallowed {
		sr.fail(TotalFailed, FormatFailure)
	}
	return sr
}

func hashRanges(ctx context.Context, r io.ReaderAt, size int64, h hash.Hash, ranges [][2]int64) error {
	for _, rg := range ranges {
		if rg[0] < 0 || rg[1] < 0 || rg[0]+rg[1] > size {
			return errors.New("the byte range lies outside the file")
		}
		if _, err := io.Copy(h, contextReader{ctx, io.NewSectionReader(r, rg[0], rg[1])}); err != nil {
			return err
		}
	}
	return nil
}

// readDSS reads the Document Security Store (ETSI EN 319 142-1 §5.4) of
// the newest revision: certificates, OCSP responses and CRLs that PAdES-B-LT
// adds for offline validation. Unreadable entries are skipped: the DSS is
// only a source of data that is checked on its own merits anyway.
func readDSS(f *pdf.File) *ValidationData {
	vd := &ValidationData{}
	cat, _, err := f.Catalog(f.Latest())
	if err != nil {
		return vd
	}
	dssVal, err := f.Resolve(cat.Get("DSS"))
	dss, ok := dssVal.(*pdf.Dict)
	if err != nil || !ok {
		return vd
	}
	streams := func(key pdf.Name, add func([]byte)) {
		arrVal, err := f.Resolve(dss.Get(key))
		arr, ok := arrVal.(pdf.Array)
		if err != nil || !ok {
			return
		}
		for _, e := range arr {
			ref, ok := e.(pdf.Ref)
			if !ok {
				continue
			}
			obj, err := f.Object(ref)
			if err != nil {
				continue
			}
			if st, ok := obj.Value.(*pdf.Stream); ok {
				if data, err := f.Decode(st); err == nil {
					add(data)
				}
			}
		}
	}
	streams("Certs", func(b []byte) {
		if c, err := x509.ParseCertificate(b); err == nil {
			vd.Certificates = append(vd.Certificates, c)
		}
	})
	streams("OCSPs", func(b []byte) { vd.OCSPResponses = append(vd.OCSPResponses, b) })
	streams("CRLs", func(b []byte) { vd.CRLs = append(vd.CRLs, b) })
	return vd
}

// reachable returns the objects of the newest revision reachable from the
// catalog's entries other than /DSS (what a reader may show or act on),
// and those reachable only through /DSS (validation data).
func reachable(f *pdf.File) (doc, dssOnly map[pdf.Ref]bool, catRef pdf.Ref, err error) {
	latest := f.Latest()
	cat, catRef, err := f.Catalog(latest)
	if err != nil {
		return nil, nil, catRef, err
	}
	collect := func(into map[pdf.Ref]bool) func(pdf.Ref, pdf.Object) error {
		return func(ref pdf.Ref, _ pdf.Object) error { into[ref] = true; return nil }
	}
	doc, dss := map[pdf.Ref]bool{catRef: true}, map[pdf.Ref]bool{}
	for _, e := range cat.Entries() {
		if e.Key == "DSS" {
			continue
		}
		if err := f.Walk(latest, e.Value, collect(doc)); err != nil {
			return nil, nil, catRef, err
		}
	}
	if err := f.Walk(latest, cat.Get("DSS"), collect(dss)); err != nil {
		return nil, nil, catRef, err
	}
	for ref := range doc {
		delete(dss, ref)
	}
	return doc, dss, catRef, nil
}

// changeRules are what the document's signatures permit after one of
// them: the certification's level and the field locks made so far.
type changeRules struct {
	level int
	locks []pdf.FieldLock
}

// judgeChanges classifies what came after revision rev and records the
// verdict in sr: DISALLOWED changes are for the caller to fail on;
// permitted overlays (annotations, new visible signature fields) make the
// signature INDETERMINATE here.
func judgeChanges(sr *SignatureReport, f *pdf.File, rev int, rules changeRules) {
	sum, err := classifyChanges(f, rev, rules.level, rules.locks)
	switch {
	case err != nil:
		sr.ChangesAfterSigning = ChangesDisallowed
		sr.Messages = append(sr.Messages, newMessage(LevelError, "PDF_CHANGES_DISALLOWED", "what", err.Error()))
	case len(sum.overlays) > 0:
		sr.ChangesAfterSigning = ChangesOverlay
		sr.Messages = append(sr.Messages, newMessage(LevelInfo, "PDF_CHANGES_ALLOWED", "what", strings.Join(sum.what, ", ")))
		sr.Messages = append(sr.Messages, sum.overlays...)
		sr.fail(Indeterminate, SigConstraintsFailure)
	default:
		sr.ChangesAfterSigning = ChangesAllowed
		sr.Messages = append(sr.Messages, newMessage(LevelInfo, "PDF_CHANGES_ALLOWED", "what", strings.Join(sum.what, ", ")))
	}
}
