package server

// This file holds the lookup of a document by number and check code.

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/tamgasign/tamga/registry"
)

// DocumentStatus is the answer to a lookup. Every answer has every member,
// and an unknown number answers exactly as a wrong code does.
type DocumentStatus struct {
	Number    string          `json:"number"`
	Status    registry.Status `json:"status"`
	Issuer    string          `json:"issuer"`
	Type      string          `json:"type"`
	IssueDate string          `json:"issueDate"`
	Holder    string          `json:"holder"` // masked
	Reason    string          `json:"reason"` // why it was annulled
}

// lookup answers a number and code; the number echoed back is only the
// caller's own input when it is a well-formed number.
func (s *Server) lookup(r *http.Request, number, code string) (*DocumentStatus, *apiError) {
	ok, wait := s.lookups.allow(s.clientHash(r), s.now())
	if !ok {
		return nil, &apiError{status: http.StatusTooManyRequests, code: "rate_limited", retryAfter: wait}
	}
	if len(number) > registry.MaxNumberLen || len(code) > 64 {
		number, code = "", ""
	}
	st := &DocumentStatus{Number: number, Status: registry.StatusUnknown}
	doc, err := s.cfg.Registry.Lookup(r.Context(), number, code)
	switch {
	case errors.Is(err, registry.ErrNotFound):
	case err != nil:
		s.log.Error("registry lookup failed", "error", err.Error())
		return nil, &apiError{status: http.StatusInternalServerError, code: "internal"}
	default:
		st.Status = doc.Status
		st.Issuer = s.issuerName(doc.Issuer, lang(r))
		st.Type = strconv.Itoa(int(doc.Type))
		st.IssueDate = doc.IssueDate.Format(time.DateOnly)
		st.Holder = registry.MaskName(doc.HolderName)
		st.Reason = doc.Reason
	}
	subject := number
	if subject == "" {
		subject = "-"
	}
	s.recordCheck(r, "lookup", subject, string(st.Status))
	return st, nil
}

// issuerName is the agency's name from the seal trust list in lang, or its
// code.
func (s *Server) issuerName(code, lang string) string {
	if tl := s.sealTrustList(); tl != nil {
		for _, k := range tl.Keys {
			if k.IssuerID == code {
				if n := k.Names[lang]; n != "" {
					return n
				}
				if n := k.Names["en"]; n != "" {
					return n
				}
			}
		}
	}
	return code
}

func (s *Server) handleLookupAPI(w http.ResponseWriter, r *http.Request) {
	st, aerr := s.lookup(r, r.PathValue("number"), r.URL.Query().Get("code"))
	if aerr != nil {
		aerr.writeJSON(w, lang(r))
		return
	}
	writeJSON(w, http.StatusOK, st)
}

func (s *Server) handleLookupPage(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	q := r.URL.Query()
	st, aerr := s.lookup(r, q.Get("number"), q.Get("code"))
	if aerr != nil {
		if aerr.retryAfter > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int(aerr.retryAfter.Seconds())+1))
		}
		s.render(w, r, aerr.status, "index.html", page{Lang: l, Error: "err." + aerr.code})
		return
	}
	s.render(w, r, http.StatusOK, "lookup.html", page{Lang: l, Data: st})
}
