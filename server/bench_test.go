package server

import (
	"bytes"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"testing"
)

// BenchmarkVerifyEndpoint measures POST /api/v1/verify for a detached
// CAdES-B-B signature over a small document, offline (no revocation
// fetching): parsing the upload, verification, the audit write and the
// JSON report.
func BenchmarkVerifyEndpoint(b *testing.B) {
	f := newFixture(b, func(c *Config) { c.Policy.OnlineHosts = nil; c.Queue = 1 << 20 })
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	w, _ := mw.CreateFormFile("file", "a.p7s")
	w.Write(f.detached)
	w, _ = mw.CreateFormFile("content", "a.xml")
	w.Write(f.content)
	mw.Close()
	ctype := mw.FormDataContentType()
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodPost, "/api/v1/verify", bytes.NewReader(body.Bytes()))
		req.Header.Set("Content-Type", ctype)
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code, rec.Body.String())
		}
	}
}

// BenchmarkLookup measures GET /api/v1/documents/{number} for a wrong code
// (the same work as a right one).
func BenchmarkLookup(b *testing.B) {
	f := newFixture(b, func(c *Config) { c.LookupBurst = 1 << 30 })
	f.register(b, "20250417000123")
	b.ReportAllocs()
	for b.Loop() {
		rec := httptest.NewRecorder()
		f.srv.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/api/v1/documents/20250417000123?code=AAAAAAAAAAAA", nil))
		if rec.Code != http.StatusOK {
			b.Fatal(rec.Code)
		}
	}
}
