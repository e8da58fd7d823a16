package server

// This file holds the upload of a signed file and its verification.

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path"
	"strings"

	"github.com/tamgasign/tamga/verify"
)

// maxParts bounds the multipart parts read, so a request of thousands of
// tiny parts cannot keep a worker busy.
const maxParts = 8

// spoolAbove is the size above which the signed content of a detached
// signature goes to a temporary file rather than memory: it is only read
// once, front to back, to hash it, so memory is wasted on it, and with
// Workers uploads at once of up to MaxUpload each it would add up.
const spoolAbove = 1 << 20

// verifyUpload reads the multipart form (file, and content for a detached
// signature) and verifies it. PDF (PAdES) and CMS are told apart from the
// bytes, as "tamga verify" does.
func (s *Server) verifyUpload(w http.ResponseWriter, r *http.Request) (*verify.Report, *apiError) {
	if !s.acquire(r.Context()) {
		return nil, &apiError{status: http.StatusServiceUnavailable, code: "busy", retryAfter: 5e9}
	}
	report, subject, outcome, apiErr := s.verifyUploadHeld(w, r)
	// The worker goes back before the audit record is committed, so that
	// records waiting for the database hold no worker and can be
	// committed together (registry's group commit).
	s.release()
	if outcome != "" {
		s.recordCheck(r, "upload", subject, outcome)
	}
	return report, apiErr
}

// verifyUploadHeld is verifyUpload's work while it holds a worker. It
// returns the report or the error answer, and what the audit log records:
// the subject and outcome ("" when nothing was checked).
func (s *Server) verifyUploadHeld(w http.ResponseWriter, r *http.Request) (report *verify.Report, subject, outcome string, _ *apiError) {
	// The body is read only after a worker is free, so waiting requests
	// hold no upload in memory.
	r.Body = http.MaxBytesReader(w, r.Body, s.cfg.MaxUpload)
	mr, err := r.MultipartReader()
	if err != nil {
		return nil, "", "", &apiError{status: http.StatusBadRequest, code: "bad_request"}
	}
	var file []byte
	var content io.Reader
	var name string
	var haveContent bool
	for i := 0; ; i++ {
		part, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, "", "", readError(err)
		}
		if i >= maxParts {
			return nil, "", "", &apiError{status: http.StatusBadRequest, code: "bad_request"}
		}
		switch part.FormName() {
		case "file":
			if file, err = readAll(part, r.ContentLength, s.cfg.MaxUpload); err != nil {
				return nil, "", "", readError(err)
			}
			name = cleanName(part.FileName())
		case "content":
			if content != nil {
				return nil, "", "", &apiError{status: http.StatusBadRequest, code: "bad_request"}
			}
			c, size, cleanup, err := spool(part)
			if errors.Is(err, errSpool) {
				s.log.Error("upload spool failed", slog.String("error", err.Error()))
				return nil, "", "", &apiError{status: http.StatusInternalServerError, code: "internal"}
			}
			if err != nil {
				return nil, "", "", readError(err)
			}
			defer cleanup()
			content = c
			haveContent = size > 0 || part.FileName() != ""
		default:
			if _, err := io.Copy(io.Discard, part); err != nil {
				return nil, "", "", readError(err)
			}
		}
	}
	if len(file) == 0 {
		return nil, "", "", &apiError{status: http.StatusBadRequest, code: "no_file"}
	}
	digest := sha256.Sum256(file)
	subject = hex.EncodeToString(digest[:16])
	policy := s.cfg.Policy
	policy.Now = s.now
	if isPDF(file) {
		report, err = verify.PDF(r.Context(), bytes.NewReader(file), int64(len(file)), &policy)
	} else {
		if block, _ := pem.Decode(file); block != nil {
			file = block.Bytes
		}
		var cr io.Reader
		if haveContent {
			cr = content
		}
		report, err = verify.CMS(r.Context(), file, cr, &policy)
	}
	switch {
	case errors.Is(err, verify.ErrContentRequired):
		return nil, subject, "CONTENT_REQUIRED", &apiError{status: http.StatusUnprocessableEntity, code: "content_required"}
	case errors.Is(err, verify.ErrMalformed):
		return nil, subject, "MALFORMED", &apiError{status: http.StatusUnprocessableEntity, code: "malformed"}
	case err != nil:
		s.log.Error("verification failed", "error", err.Error())
		return nil, "", "", &apiError{status: http.StatusInternalServerError, code: "internal"}
	}
	report.File = name
	return report, subject, string(report.Indication), nil
}

// readAll reads a part whole into one buffer sized from the request's
// Content-Length (bounded by the upload limit), instead of growing it from
// 512 bytes by copying.
func readAll(part io.Reader, contentLength, limit int64) ([]byte, error) {
	var b bytes.Buffer
	if contentLength > 0 {
		b.Grow(int(min(contentLength, limit)))
	}
	_, err := b.ReadFrom(part)
	return b.Bytes(), err
}

// errSpool marks a failure of the temporary file, the server's fault
// rather than the upload's.
var errSpool = errors.New("server: cannot spool the upload to a temporary file")

// spool reads r to its end and returns a reader of what it read and its
// size: from memory up to spoolAbove bytes, else from a temporary file,
// already removed from its directory, that cleanup closes. The upload's
// size limit applies while reading, as the body is a MaxBytesReader.
func spool(r io.Reader) (rd io.Reader, size int64, cleanup func(), err error) {
	head, err := io.ReadAll(io.LimitReader(r, spoolAbove+1))
	if err != nil {
		return nil, 0, nil, err
	}
	if len(head) <= spoolAbove {
		return bytes.NewReader(head), int64(len(head)), func() {}, nil
	}
	f, err := os.CreateTemp("", "tamga-upload-*")
	if err != nil {
		return nil, 0, nil, fmt.Errorf("%w: %v", errSpool, err)
	}
	// Unlinked at once: nothing is left behind however the request ends,
	// and no other process can open it by name.
	os.Remove(f.Name())
	fail := func(err error) (io.Reader, int64, func(), error) {
		f.Close()
		return nil, 0, nil, err
	}
	if _, err := f.Write(head); err != nil {
		return fail(fmt.Errorf("%w: %v", errSpool, err))
	}
	n, err := io.Copy(tagWrites{f}, r)
	if err != nil {
		var we *writeError
		if errors.As(err, &we) {
			return fail(fmt.Errorf("%w: %v", errSpool, err))
		}
		return fail(err)
	}
	if _, err := f.Seek(0, io.SeekStart); err != nil {
		return fail(fmt.Errorf("%w: %v", errSpool, err))
	}
	return f, int64(len(head)) + n, func() { f.Close() }, nil
}

// tagWrites marks the errors of its file's writes as writeErrors, so that
// spool can tell a full disk from a broken upload.
type tagWrites struct{ f *os.File }

func (w tagWrites) Write(p []byte) (int, error) {
	n, err := w.f.Write(p)
	if err != nil {
		err = &writeError{err}
	}
	return n, err
}

type writeError struct{ err error }

func (e *writeError) Error() string { return e.err.Error() }

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
