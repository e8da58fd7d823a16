package sign

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"time"

	"github.com/tamgasign/tamga/internal/cms"
	"github.com/tamgasign/tamga/internal/pdf"
	"github.com/tamgasign/tamga/verify"
)

// Raising the level of a signed PDF (ETSI EN 319 142-1 §5.4, §5.5):
// validation data goes into the Document Security Store and a document
// time-stamp covers it, each in an incremental update after the existing
// bytes. Nothing inside a signature changes, so no signing key is needed,
// and earlier signatures stay valid.
//
// A signature is raised only after it validates, online, against
// Options.Roots: a long-term level preserves proof that a signature was
// valid, and must not be given to one that is broken, changed or revoked.
// The verifier fetches revocation data only for certificates whose path it
// has already built to a trusted root, so a hostile PDF cannot make the
// signer fetch URLs of its author's choosing.

// Errors of ExtendPDF. A signature that does not validate is reported as a
// *NotValidError, which wraps ErrNotValid.
var (
	// ErrNoSignature means the PDF has no signature or document time-stamp
	// to extend; sign it first.
	ErrNoSignature = errors.New("sign: the PDF has no signature to extend; sign it first")
	// ErrNotValid means a signature of the PDF does not validate, so it is
	// not raised to a long-term level; nothing was written.
	ErrNotValid = errors.New("sign: a signature of the PDF does not validate, so it cannot be raised to a long-term level")
	// ErrNeedsSigningKey means a level below B-LT was asked for: B-B and
	// B-T live inside the signature, which only its signer can make.
	ErrNeedsSigningKey = errors.New("sign: levels B-B and B-T are made when signing (the signature time-stamp is inside the signature); sign again with the key at level B-T, or extend to B-LT or B-LTA")
	// ErrLevelNotHigher means the PDF is already at the level asked for,
	// or above it (B-LTA can be asked for again: that renews the archive
	// time-stamp); nothing was written.
	ErrLevelNotHigher = errors.New("sign: the PDF is already at this level or higher; nothing was written")
)

// NotValidError says which signature of a PDF did not validate before
// extending, and why.
type NotValidError struct {
	Index         int // the signature's index in the verification report
	Signer        string
	Indication    verify.Indication
	SubIndication verify.SubIndication
	Reason        string // the first error message of the report, if any
}

func (e *NotValidError) Error() string {
	s := fmt.Sprintf("sign: signature %d", e.Index+1)
	if e.Signer != "" {
		s += " (" + e.Signer + ")"
	}
	s += " is " + string(e.Indication)
	if e.SubIndication != "" {
		s += "/" + string(e.SubIndication)
	}
	if e.Reason != "" {
		s += ": " + e.Reason
	}
	return s + "; it cannot be raised to a long-term level (run tamga verify --online for the full report)"
}

// Unwrap returns ErrNotValid.
func (e *NotValidError) Unwrap() error { return ErrNotValid }

// ExtendPDF raises the signatures of the signed PDF in (size bytes) to
// opts.Level and writes the result to out: the original bytes unchanged,
// then one or two incremental updates.
//
//   - B-LT: the certificate paths and OCSP responses or CRLs of every
//     signer, of their signature time-stamps' authorities and of the
//     authorities of existing document time-stamps, fetched now from the
//     addresses the certificates name, merged into the Document Security
//     Store (what it holds is kept; nothing is added twice).
//   - B-LTA: B-LT first when a signature is below it, then a document
//     time-stamp from opts.TSA over everything. On a PDF already at
//     B-LTA this is the archival renewal: the validation data of the last
//     document time-stamp's authority, then a new document time-stamp.
//
// opts.Roots is required: every signature must first validate (online) to
// one of them, else ExtendPDF returns a *NotValidError. A PDF without
// signatures gives ErrNoSignature, B-B or B-T ErrNeedsSigningKey, a level
// not above the present one ErrLevelNotHigher. On error nothing useful is
// in out. The PDF is streamed, never held in memory; intermediate stages
// go through temporary files.
func ExtendPDF(ctx context.Context, in io.ReaderAt, size int64, out PDFOutput, opts *Options) error {
	if opts == nil {
		opts = &Options{}
	}
	level := opts.level()
	switch {
	case level != LevelBLT && level != LevelBLTA:
		return ErrNeedsSigningKey
	case level == LevelBLTA && opts.TSA == "":
		return ErrTSARequired
	case opts.Roots == nil:
		return fmt.Errorf("%w: give the trusted roots (Options.Roots) to validate the signatures and build their paths", ErrValidationData)
	}

	f, err := pdf.Open(in, size, nil)
	if err != nil {
		return fmt.Errorf("sign: reading the PDF: %w", err)
	}
	sigs, _, err := f.Signatures()
	if err != nil {
		return fmt.Errorf("sign: reading the PDF: %w", err)
	}
	if len(sigs) == 0 {
		return ErrNoSignature
	}
	policy := &verify.Policy{Roots: opts.Roots, Online: true, HTTPClient: opts.httpClient(), Now: opts.Now}
	report, err := verify.PDF(ctx, in, size, policy)
	if err != nil {
		return fmt.Errorf("sign: reading the PDF: %w", err)
	}
	if len(report.Signatures) != len(sigs) {
		// verify.PDF reports one entry per signature dictionary, in the
		// same order; anything else is a bug, not a PDF to extend.
		return fmt.Errorf("sign: internal error: %d signatures found, %d validated", len(sigs), len(report.Signatures))
	}
	for _, sr := range report.Signatures {
		if sr.Indication != verify.TotalPassed {
			return notValid(sr)
		}
	}

	present := presentLevel(report)
	if rank(level) < rank(present) || (level == present && level != LevelBLTA) {
		return fmt.Errorf("%w (the PDF is at %s, %s was asked for)", ErrLevelNotHigher, present, level)
	}

	// Which validation data to add: everything below B-LT needs the paths
	// of all signers and time-stamp authorities; a B-LTA renewal needs
	// those of the last document time-stamp's authority (ETSI EN 319
	// 142-1 §5.5); B-LT to B-LTA needs none.
	var want []certAt
	switch {
	case rank(present) < rank(LevelBLT):
		want, err = allCertificates(ctx, sigs, report, opts)
		if err != nil {
			return err
		}
	case present == LevelBLTA:
		if i, last := lastDocTimestamp(report); last != nil {
			want = append(want, certAt{i, last.Certificate, last.Chain, *last.TimestampTime})
		}
	}
	var u *pdf.Updater
	if len(want) > 0 {
		vd, per, err := collect(ctx, want, policy)
		if err != nil {
			return err
		}
		vri := map[string]*verify.ValidationData{}
		for i, d := range per {
			vri[vriKey(sigs[i].Contents)] = d
		}
		if u, err = mergeDSS(ctx, f, vd, vri); err != nil {
			return err
		}
	}
	if level == LevelBLT {
		if u == nil {
			// Nothing new to add: the output is the input.
			if _, err := io.Copy(out, contextReader{ctx, io.NewSectionReader(in, 0, size)}); err != nil {
				return fmt.Errorf("sign: writing the PDF: %w", err)
			}
			return nil
		}
		if _, err := u.Write(ctx, out); err != nil {
			return fmt.Errorf("sign: writing the PDF: %w", err)
		}
		return nil
	}
	src, srcSize := in, size
	if u != nil {
		tmp, err := tempPDF()
		if err != nil {
			return err
		}
		defer removeTemp(tmp)
		if _, err := u.Write(ctx, tmp); err != nil {
			return fmt.Errorf("sign: writing the PDF: %w", err)
		}
		if srcSize, err = tmp.Seek(0, io.SeekEnd); err != nil {
			return fmt.Errorf("sign: %w", err)
		}
		src = tmp
	}
	return addDocTimestamp(ctx, src, srcSize, out, opts)
}

// notValid turns a failed signature report into a *NotValidError.
func notValid(sr *verify.SignatureReport) error {
	e := &NotValidError{Index: sr.Index, Indication: sr.Indication, SubIndication: sr.SubIndication}
	if sr.Signer != nil {
		e.Signer = sr.Signer.Subject
	}
	for _, m := range sr.Messages {
		if m.Level == verify.LevelError {
			e.Reason = m.Text
			break
		}
	}
	return e
}

// rank orders the levels.
func rank(l Level) int {
	switch l {
	case LevelBT:
		return 1
	case LevelBLT:
		return 2
	case LevelBLTA:
		return 3
	}
	return 0
}

// presentLevel is the level of the weakest approval signature, as the
// verifier names it; a PDF with only document time-stamps counts as
// B-LTA. A signature the verifier does not call baseline counts as B-B.
func presentLevel(r *verify.Report) Level {
	present, seen := LevelBLTA, false
	for _, sr := range r.Signatures {
		if sr.Level == "PAdES-DOCUMENT-TIMESTAMP" {
			continue
		}
		l := LevelBB
		switch sr.Level {
		case "PAdES-BASELINE-T":
			l = LevelBT
		case "PAdES-BASELINE-LT":
			l = LevelBLT
		case "PAdES-BASELINE-LTA":
			l = LevelBLTA
		}
		if !seen || rank(l) < rank(present) {
			present, seen = l, true
		}
	}
	return present
}

// lastDocTimestamp returns the report of the newest document time-stamp
// and its index.
func lastDocTimestamp(r *verify.Report) (int, *verify.SignatureReport) {
	at, last := -1, (*verify.SignatureReport)(nil)
	for i, sr := range r.Signatures {
		if sr.Level == "PAdES-DOCUMENT-TIMESTAMP" && sr.Certificate != nil && sr.TimestampTime != nil {
			at, last = i, sr // reports are in revision order
		}
	}
	return at, last
}

// certAt is a certificate whose validation data is wanted as of a time,
// for signature sig (its index), with certificates that may help build its
// path (the path the verifier found: the intermediates may be in the DSS,
// not in the signature).
type certAt struct {
	sig   int
	cert  *x509.Certificate
	extra []*x509.Certificate
	at    time.Time
}

// allCertificates lists, for every signature, the signer's certificate at
// the signature's best time (its time-stamp's, else now), the authority of
// its signature time-stamp, and the authority of each document
// time-stamp.
func allCertificates(ctx context.Context, sigs []pdf.Signature, r *verify.Report, opts *Options) ([]certAt, error) {
	var want []certAt
	for i, sr := range r.Signatures {
		if sr.Certificate == nil {
			continue
		}
		if sr.Level == "PAdES-DOCUMENT-TIMESTAMP" {
			want = append(want, certAt{i, sr.Certificate, sr.Chain, sr.BestSignatureTime})
			continue
		}
		der, _, err := cms.TrimPadding(sigs[i].Contents)
		if err != nil {
			return nil, fmt.Errorf("sign: signature %d: %w", i+1, err)
		}
		sd, err := cms.Parse(der)
		if err != nil || len(sd.SignerInfos) != 1 {
			return nil, fmt.Errorf("sign: signature %d: the CMS cannot be read again", i+1)
		}
		want = append(want, certAt{i, sr.Certificate, append(sr.Chain, sd.Certificates...), sr.BestSignatureTime})
		// The authority of the signature time-stamp that validated.
		if tok, tsaCert, err := validatedSignatureTimestamp(sd.SignerInfos[0], sr); err == nil {
			want = append(want, certAt{i, tsaCert, tok.SignedData.Certificates, tok.Info.GenTime})
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return want, nil
}

// collect fetches the validation data of each certificate: all of it,
// merged without duplicates, and by signature index (for the VRI).
func collect(ctx context.Context, want []certAt, policy *verify.Policy) (*verify.ValidationData, map[int]*verify.ValidationData, error) {
	var all verify.ValidationData
	per := map[int]*verify.ValidationData{}
	for _, w := range want {
		vd, err := verify.CollectValidationData(ctx, w.cert, w.extra, w.at, policy)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: %s: %w", ErrValidationData, w.cert.Subject.CommonName, err)
		}
		for _, into := range []*verify.ValidationData{&all, per[w.sig]} {
			if into == nil {
				into = &verify.ValidationData{}
				per[w.sig] = into
			}
			into.Certificates = append(into.Certificates, vd.Certificates...)
			into.OCSPResponses = append(into.OCSPResponses, vd.OCSPResponses...)
			into.CRLs = append(into.CRLs, vd.CRLs...)
		}
	}
	for _, vd := range append(slices.Collect(maps.Values(per)), &all) {
		vd.Certificates = dedupCerts(nil, vd.Certificates)
		vd.OCSPResponses, vd.CRLs = dedup(vd.OCSPResponses), dedup(vd.CRLs)
	}
	return &all, per, nil
}
