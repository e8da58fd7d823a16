package server

// This file holds the upload of a signed file and its verification.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"io"
	"net/http"
	"path"
	"strings"

	"github.com/tamgasign/tamga/verify"
)

// maxParts bounds the multipart parts read, so a request of thousands of
// tiny parts cannot keep a worker busy.
const maxParts = 8

// verifyUpload reads the multipart form (file, and content for a detached
// signature) and verifies it. PDF (PAdES) and CMS are told apart from the
// bytes, as "tamga verify" does.
func (s *Server) verifyUpload(w http.ResponseWriter, r *http.Request) (*verify.Report, *apiError) {
	if !s.acquire(r.Context()) {
		return nil, &apiError{status: http.StatusServiceUnavailable, code: "busy", retryAfter: 5e9}
	}
	defer s.release()
	// The body is read only after a worker is free, so waiting requests
	// hold no upload in memory.
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, &apiError{status: http.StatusBadRequest, code: "bad_request"}
	}
	var file, content []byte
	var name string
	var haveContent bool
	for i := 0; ; i++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, readError(err)
		}
		if i >= maxParts {
			return nil, &apiError{status: http.StatusBadRequest, code: "bad_request"}
		}
		switch part.FormName() {
		case "file":
			if file, err = io.ReadAll(part); err != nil {
				return nil, readError(err)
			}
			name = cleanName(part.FileName())
		case "content":
			if content, err = io.ReadAll(part); err != nil {
				return nil, readError(err)
			}
			haveContent = len(content) > 0 || part.FileName() != ""
		default:
			if _, err := io.Copy(io.Discard, part); err != nil {
				return nil, readError(err)
			}
		}
	}
	if len(file) == 0 {
		return nil, &apiError{status: http.StatusBadRequest, code: "no_file"}
	}
	digest := sha256.Sum256(file)
	subject := hex.EncodeToString(digest[:16])
	policy := s.cfg.Policy
	policy.Now = s.now
	var report *verify.Report
	if isPDF(file) {
		report, err = verify.PDF(r.Context(), bytes.NewReader(file), int64(len(file)), &policy)
	} else {
		if block, _ := pem.Decode(file); block != nil {
			file = block.Bytes
		}
		var cr io.Reader
		if haveContent {
			cr = bytes.NewReader(content)
		}
		report, err = verify.CMS(r.Context(), file, cr, &policy)
	}
	switch {
	case errors.Is(err, verify.ErrContentRequired):
		s.recordCheck(r, "upload", subject, "CONTENT_REQUIRED")
		return nil, &apiError{status: http.StatusUnprocessableEntity, code: "content_required"}
	case errors.Is(err, verify.ErrMalformed):
		s.recordCheck(r, "upload", subject, "MALFORMED")
		return nil, &apiError{status: http.StatusUnprocessableEntity, code: "malformed"}
	case err != nil:
		s.log.Error("verification failed", "error", err.Error())
		return nil, &apiError{status: http.StatusInternalServerError, code: "internal"}
	}
	report.File = name
	s.recordCheck(r, "upload", subject, string(report.Indication))
	return report, nil
}

func readError(err error) *apiError {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return &apiError{status: http.StatusRequestEntityTooLarge, code: "too_large"}
	}
	return &apiError{status: http.StatusBadRequest, code: "bad_request"}
}

// cleanName keeps the base name of an uploaded file, bounded, for the
// report's "file" member.
func cleanName(n string) string {
	n = path.Base(strings.ReplaceAll(n, "\\", "/"))
	if n == "." || n == "/" {
		return ""
	}
	if len(n) > 255 {
		n = n[:255]
	}
	return strings.ToValidUTF8(n, "")
}

// isPDF tells a PDF from a CMS signature, as "tamga verify" does: DER CMS
// starts with a SEQUENCE (and may hold a PDF as its content); a PDF has its
// header in the first kilobyte.
func isPDF(data []byte) bool {
	if len(data) > 0 && data[0] == 0x30 {
		return false
	}
	head := data
	if len(head) > 1024 {
		head = head[:1024]
	}
	return bytes.Contains(head, []byte("%PDF-"))
}

func (s *Server) handleVerifyAPI(w http.ResponseWriter, r *http.Request) {
	report, aerr := s.verifyUpload(w, r)
	if aerr != nil {
		aerr.writeJSON(w, lang(r))
		return
	}
	writeJSON(w, http.StatusOK, report)
}

// reportView is a report with the verdict class the page colours by.
type reportView struct {
	Verdict string // "valid", "invalid", "unsure"
	Report  *verify.Report
}

func verdictClass(ind verify.Indication) string {
	switch ind {
	case verify.TotalPassed:
		return "valid"
	case verify.TotalFailed:
		return "invalid"
	}
	return "unsure"
}

func (s *Server) handleVerifyPage(w http.ResponseWriter, r *http.Request) {
	l := lang(r)
	report, aerr := s.verifyUpload(w, r)
	if aerr != nil {
		if aerr.retryAfter > 0 {
			w.Header().Set("Retry-After", "5")
		}
		s.render(w, r, aerr.status, "index.html", page{Lang: l, Error: "err." + aerr.code})
		return
	}
	s.render(w, r, http.StatusOK, "report.html", page{Lang: l, Data: reportView{Verdict: verdictClass(report.Indication), Report: report}})
}
