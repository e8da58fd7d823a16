package server

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

// FuzzPickLang checks that any Accept-Language header and ?lang= value
// gives one of the page languages.
func FuzzPickLang(f *testing.F) {
	for _, s := range [][2]string{{"", ""}, {"ru", ""}, {"", "ru-RU,ru;q=0.9,en;q=0.8"}, {"xx", "kk;q=1.000, en;q=0.001"},
		{"", "*;q=0.5"}, {"", strings.Repeat("en;q=0.1,", 200)}, {"", "ky;q=1.5, ru;q=abc"}} {
		f.Add(s[0], s[1])
	}
	f.Fuzz(func(t *testing.T, query, accept string) {
		if l := pickLang(query, accept); !supported(l) {
			t.Fatalf("pickLang(%q, %q) = %q", query, accept, l)
		}
	})
}

// FuzzSealPage feeds arbitrary seal text to the QR landing page: it must
// answer a page with a verdict, and only "valid" for the one genuine seal.
func FuzzSealPage(f *testing.F) {
	fx := newFixture(f)
	fx.register(f, "111")
	valid := fx.sealPath(f, "111")
	f.Add(strings.TrimPrefix(valid, "/S/"))
	f.Add("AAAA")
	f.Add("")
	f.Add(strings.Repeat("Z", 2000))
	f.Fuzz(func(t *testing.T, text string) {
		if !utf8.ValidString(text) {
			return
		}
		req := httptest.NewRequest(http.MethodGet, "/s/x", nil)
		req.URL.Path = "/s/" + text
		req.SetPathValue("seal", text)
		rec := httptest.NewRecorder()
		fx.srv.handleSeal(rec, req)
		body := rec.Body.String()
		if !strings.Contains(body, `class="verdict `) {
			t.Fatalf("no verdict for %q: %d", text, rec.Code)
		}
		if strings.Contains(body, "verdict valid") && !strings.EqualFold("/S/"+text, valid) {
			t.Fatalf("seal %q accepted as valid", text)
		}
	})
}

// FuzzVerifyUpload feeds arbitrary files to the verify endpoint: it must
// answer a JSON report or a JSON error with a code, never TOTAL_PASSED for
// anything but the genuine signature with its content.
func FuzzVerifyUpload(f *testing.F) {
	fx := newFixture(f, func(c *Config) { c.Policy.OnlineHosts = nil; c.Queue = 1000 })
	f.Add(fx.detached, fx.content)
	f.Add([]byte("%PDF-1.7"), []byte(nil))
	f.Add([]byte{0x30, 0x80}, []byte("x"))
	f.Add([]byte("-----BEGIN PKCS7-----\nMA==\n-----END PKCS7-----\n"), []byte(nil))
	f.Fuzz(func(t *testing.T, file, content []byte) {
		parts := [][2]string{{"file", string(file)}}
		if content != nil {
			parts = append(parts, [2]string{"content", string(content)})
		}
		rec := httptest.NewRecorder()
		fx.srv.ServeHTTP(rec, upload(t, "/api/v1/verify?"+url.Values{}.Encode(), parts...))
		var m map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &m); err != nil {
			t.Fatalf("status %d, not JSON: %v", rec.Code, err)
		}
		if rec.Code != http.StatusOK {
			if m["code"] == nil {
				t.Fatalf("status %d without a code: %s", rec.Code, rec.Body)
			}
			return
		}
		if m["indication"] == "TOTAL_PASSED" {
			t.Fatalf("TOTAL_PASSED without revocation data for %x", file)
		}
	})
}
