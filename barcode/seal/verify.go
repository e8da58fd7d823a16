package seal

// This file holds offline verification of a seal against a trust list, and
// the check of document data against the seal's digest.

import (
	"context"
	"crypto/subtle"
	"fmt"
	"time"
)

// Verdict is the outcome of a verification that found the seal authentic.
type Verdict int

// Verdicts.
const (
	// Valid: authentic, issued by a listed active key within its validity,
	// and not expired.
	Valid Verdict = iota + 1
	// Expired: authentic, but the document's expiry date has passed.
	// Verify returns it together with ErrDocumentExpired.
	Expired
)

func (v Verdict) String() string {
	switch v {
	case Valid:
		return "valid"
	case Expired:
		return "expired"
	}
	return "invalid"
}

// Result describes an authentic seal.
type Result struct {
	Verdict Verdict
	Seal    *Seal       // the document fields the seal carries
	Key     *TrustedKey // the key that signed it, with the issuer's names
}

// clockSkew is how far a seal's issue date may lie after the verification
// time: the issuer's day may already have begun while the verifier's has
// not (UTC+6 in Kyrgyzstan against UTC-12).
const clockSkew = 24 * time.Hour

// VerifyURL parses a seal URL (see ParseURL) and verifies the seal.
func VerifyURL(ctx context.Context, url string, tl *TrustList, now time.Time) (*Result, error) {
	_, b, err := ParseURL(url)
	if err != nil {
		return nil, err
	}
	return Verify(ctx, b, tl, now)
}

// Verify checks a seal offline, at time now:
//
//   - the seal parses strictly (Parse);
//   - the trust list is current: Issued <= now <= NextUpdate;
//   - the list has the seal's key id for the seal's issuer, with the same
//     algorithm, and the key is not revoked (a revoked key voids all its
//     seals);
//   - the seal's issue date lies within the key's NotBefore..NotAfter
//     (a key that has since retired still vouches for what it sealed
//     while it was valid), and not after now;
//   - the signature verifies.
//
// On success the Result's Verdict is Valid. If the document's expiry date
// is before now's date, Verify returns the Result with Verdict Expired and
// ErrDocumentExpired. Every other failure returns a nil Result and an error
// matching one of the package's sentinel errors.
//
// Verify does not check the document data; use Seal.CheckData for that.
func Verify(ctx context.Context, seal []byte, tl *TrustList, now time.Time) (*Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if tl == nil {
		return nil, &FieldError{Field: "trust list", Reason: "none given", Err: ErrTrustListInvalid}
	}
	s, err := Parse(seal)
	if err != nil {
		return nil, err
	}
	if now.Before(tl.Issued.Add(-clockSkew)) || now.After(tl.NextUpdate) {
		return nil, fmt.Errorf("%w: it is valid from %s to %s", ErrTrustListExpired,
			tl.Issued.Format(time.RFC3339), tl.NextUpdate.Format(time.RFC3339))
	}
	k, err := tl.lookup(s.IssuerID, s.KeyID)
	if err != nil {
		return nil, err
	}
	if k.Algorithm != s.Algorithm {
		return nil, fmt.Errorf("%w: the seal says %s, the trust list %s for key %s", ErrSignatureInvalid, s.Algorithm, k.Algorithm, k.KeyID)
	}
	// The signature is checked before the dates and status, so that what
	// is reported about dates is what the issuer signed.
	if !verifyRaw(k.PublicKey, s.Algorithm, sealContext, s.tbs, s.Signature) {
		return nil, ErrSignatureInvalid
	}
	if k.Status != KeyActive {
		return nil, fmt.Errorf("%w: key %s of issuer %s", ErrKeyRevoked, k.KeyID, k.IssuerID)
	}
	if s.IssueDate.Before(day(k.NotBefore)) || s.IssueDate.After(k.NotAfter) {
		return nil, fmt.Errorf("%w: issued %s, key valid %s to %s", ErrKeyNotValid,
			s.IssueDate.Format(time.DateOnly), k.NotBefore.Format(time.DateOnly), k.NotAfter.Format(time.DateOnly))
	}
	if s.IssueDate.After(now.Add(clockSkew)) {
		return nil, fmt.Errorf("%w: issued %s", ErrNotYetValid, s.IssueDate.Format(time.DateOnly))
	}
	res := &Result{Verdict: Valid, Seal: s, Key: k}
	if !s.ExpiryDate.IsZero() && day(now).After(s.ExpiryDate) {
		res.Verdict = Expired
		return res, fmt.Errorf("%w: valid until %s", ErrDocumentExpired, s.ExpiryDate.Format(time.DateOnly))
	}
	return res, nil
}

// day is t's calendar date in UTC, at midnight.
func day(t time.Time) time.Time {
	y, m, d := t.UTC().Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

// CheckData reports whether data (the document's JSON data, e.g. embedded
// in the result PDF or fetched from the portal) is the data the seal was
// made over: its RFC 8785 canonical form must have the seal's digest. The
// error is ErrDataMismatch, or wraps ErrInvalidDocument when data is not a
// JSON object.
func (s *Seal) CheckData(data []byte) error {
	d, err := DataDigest(data)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(d[:], s.DataDigest[:]) != 1 {
		return ErrDataMismatch
	}
	return nil
}
