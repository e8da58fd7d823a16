package server

// This file holds the page a phone opens from a result document's QR code.

import (
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/tamgasign/tamga/barcode/seal"
	"github.com/tamgasign/tamga/registry"
)

// sealView is what the seal page shows.
type sealView struct {
	Verdict  string // "valid", "invalid", "unsure"
	Message  string // a UI key
	Issuer   string
	Type     string
	Number   string
	Issued   string
	Expiry   string
	Holder   string // masked
	Reason   string
	Verified bool // the seal is authentic: show its fields
}

// maxSealText bounds the path segment: a seal is at most 512 bytes, 820
// base32 characters.
const maxSealText = 1024

func (s *Server) handleSeal(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	v, status := s.checkSeal(r, r.PathValue("seal"), l)
	s.render(w, r, status, "seal.html", page{Lang: l, Data: v})
}

func (s *Server) checkSeal(r *http.Request, text, lang string) (*sealView, int) {
	tl := s.sealTrustList() // one list for the whole check, even if a reload swaps it meanwhile
	if tl == nil {
		return &sealView{Verdict: "unsure", Message: "seal.unavailable"}, http.StatusServiceUnavailable
	}
	if len(text) > maxSealText {
		s.recordCheck(r, "seal", "-", "MALFORMED")
		return &sealView{Verdict: "invalid", Message: "seal.malformed"}, http.StatusBadRequest
	}
	// The host is not signed; ParseURL needs one, and the seal is the same
	// wherever it was opened.
	res, sealErr := seal.VerifyURL(r.Context(), "HTTPS://SEAL.INVALID/S/"+strings.ToUpper(text), tl, s.now())
	if res == nil {
		v, status, outcome := sealFailure(sealErr)
		s.recordCheck(r, "seal", "-", outcome)
		return v, status
	}
	sl := res.Seal
	v := &sealView{Verified: true, Issuer: s.issuerName(sl.IssuerID, lang), Type: strconv.Itoa(int(sl.DocType)),
		Number: sl.Number, Issued: sl.IssueDate.Format(time.DateOnly), Holder: registry.MaskName(sl.HolderName)}
	if !sl.ExpiryDate.IsZero() {
		v.Expiry = sl.ExpiryDate.Format(time.DateOnly)
	}
	doc, err := s.cfg.Registry.Show(r.Context(), sl.Number)
	switch {
	case errors.Is(err, registry.ErrNotFound):
		v.Verdict, v.Message = "unsure", "seal.unregistered"
	case err != nil:
		s.log.Error("registry lookup failed", "error", err.Error())
		return &sealView{Verdict: "unsure", Message: "seal.unavailable"}, http.StatusInternalServerError
	case doc.Issuer != sl.IssuerID || doc.Type != sl.DocType || (doc.SealKeyID != "" && !strings.EqualFold(doc.SealKeyID, sl.KeyID.String())) ||
		!doc.IssueDate.Equal(sl.IssueDate):
		v.Verdict, v.Message = "invalid", "seal.mismatch"
	case doc.Status == registry.StatusAnnulled:
		v.Verdict, v.Message, v.Reason = "invalid", "seal.annulled", doc.Reason
	case errors.Is(sealErr, seal.ErrDocumentExpired), res.Verdict == seal.Expired:
		v.Verdict, v.Message = "unsure", "seal.expired"
	default:
		v.Verdict, v.Message = "valid", "seal.valid"
	}
	s.recordCheck(r, "seal", sl.Number, strings.ToUpper(strings.TrimPrefix(v.Message, "seal.")))
	return v, http.StatusOK
}

// sealFailure maps a seal that is not authentic to the page's verdict.
func sealFailure(err error) (*sealView, int, string) {
	switch {
	case errors.Is(err, seal.ErrSealMalformed), errors.Is(err, seal.ErrSealVersion):
		return &sealView{Verdict: "invalid", Message: "seal.malformed"}, http.StatusBadRequest, "MALFORMED"
	case errors.Is(err, seal.ErrKeyRevoked):
		return &sealView{Verdict: "invalid", Message: "seal.revoked"}, http.StatusOK, "KEY_REVOKED"
	case errors.Is(err, seal.ErrUnknownKey):
		return &sealView{Verdict: "invalid", Message: "seal.unknownkey"}, http.StatusOK, "UNKNOWN_KEY"
	case errors.Is(err, seal.ErrKeyNotValid), errors.Is(err, seal.ErrNotYetValid):
		return &sealView{Verdict: "invalid", Message: "seal.keyperiod"}, http.StatusOK, "KEY_PERIOD"
	case errors.Is(err, seal.ErrTrustListExpired):
		// Our trust list is stale: not the document's fault.
		return &sealView{Verdict: "unsure", Message: "seal.unavailable"}, http.StatusServiceUnavailable, "TRUST_LIST_EXPIRED"
	}
	return &sealView{Verdict: "invalid", Message: "seal.forged"}, http.StatusOK, "FORGED"
}
