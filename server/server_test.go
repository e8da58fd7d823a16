package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/verify"
)

func decodeReport(t *testing.T, rec *httptest.ResponseRecorder) *verify.Report {
	t.Helper()
	require.Equal(t, http.StatusOK, rec.Code, rec.Body.String())
	var r verify.Report
	require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &r))
	return &r
}

func TestVerifyAPI(t *testing.T) {
	f := newFixture(t)
	t.Run("valid detached CAdES", func(t *testing.T) {
		r := decodeReport(t, f.do(upload(t, "/api/v1/verify", [2]string{"file", string(f.detached)}, [2]string{"content", string(f.content)})))
		assert.Equal(t, verify.TotalPassed, r.Indication, "%+v", r)
		require.Len(t, r.Signatures, 1)
		assert.Equal(t, f.pki.PKI.Executor.Cert.Subject.CommonName, r.Signatures[0].Signer.CommonName)
		assert.Equal(t, "file.bin", r.File)
		assert.Positive(t, f.pki.Requests("/ocsp")+f.pki.Requests("/crl"), "revocation was fetched from the allow-listed host")
	})
	t.Run("changed content", func(t *testing.T) {
		changed := strings.Replace(string(f.content), "residence", "resIdence", 1)
		r := decodeReport(t, f.do(upload(t, "/api/v1/verify", [2]string{"file", string(f.detached)}, [2]string{"content", changed})))
		assert.Equal(t, verify.TotalFailed, r.Indication)
		assert.Equal(t, verify.HashFailure, r.SubIndication)
	})
	for _, tc := range []struct {
		name   string
		parts  [][2]string
		status int
		code   string
	}{
		{"garbage", [][2]string{{"file", "\x30\x82\xff\xffgarbage"}}, http.StatusUnprocessableEntity, "malformed"},
		{"text", [][2]string{{"file", "hello"}}, http.StatusUnprocessableEntity, "malformed"},
		{"detached without content", [][2]string{{"file", string(f.detached)}}, http.StatusUnprocessableEntity, "content_required"},
		{"no file", [][2]string{{"content", "x"}}, http.StatusBadRequest, "no_file"},
		{"broken PDF", [][2]string{{"file", "%PDF-1.7\n%\xe2\xe3\n1 0 obj"}}, http.StatusUnprocessableEntity, "malformed"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do(upload(t, "/api/v1/verify", tc.parts...))
			require.Equal(t, tc.status, rec.Code, rec.Body.String())
			var e map[string]string
			require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &e))
			assert.Equal(t, tc.code, e["code"])
			assert.NotEmpty(t, e["message"])
		})
	}
	t.Run("not multipart", func(t *testing.T) {
		rec := f.do(httptest.NewRequest(http.MethodPost, "/api/v1/verify", strings.NewReader("x")))
		require.Equal(t, http.StatusBadRequest, rec.Code)
		assert.Contains(t, rec.Body.String(), `"code": "bad_request"`)
	})
}

func TestNoFetchWithoutAllowList(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Policy.OnlineHosts = nil })
	r := decodeReport(t, f.do(upload(t, "/api/v1/verify", [2]string{"file", string(f.detached)}, [2]string{"content", string(f.content)})))
	assert.Equal(t, verify.Indeterminate, r.Indication, "no revocation data and no fetching")
	assert.Zero(t, f.pki.Requests("/"), "the verifier fetched what the uploaded file named")
}

func TestUploadLimit(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.MaxUpload = 4096 })
	rec := f.do(upload(t, "/api/v1/verify", [2]string{"file", strings.Repeat("A", 8192)}))
	require.Equal(t, http.StatusRequestEntityTooLarge, rec.Code, rec.Body.String())
	assert.Contains(t, rec.Body.String(), `"code": "too_large"`)
}

func TestBusy(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Workers = 1; c.Queue = 1 })
	// Hold the only worker and fill the queue: the next upload is refused
	// at once.
	f.srv.slots <- struct{}{}
	f.srv.waiting.Add(1)
	defer func() { <-f.srv.slots; f.srv.waiting.Add(-1) }()
	rec := f.do(upload(t, "/api/v1/verify", [2]string{"file", string(f.detached)}))
	require.Equal(t, http.StatusServiceUnavailable, rec.Code)
	assert.Equal(t, "6", rec.Header().Get("Retry-After"))
	assert.Contains(t, rec.Body.String(), `"code": "busy"`)
}

func TestLookup(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.LookupBurst = 100 })
	code := f.register(t, "20250417000123")
	get := func(number, code string) (*httptest.ResponseRecorder, map[string]string) {
		rec := f.do(httptest.NewRequest(http.MethodGet, "/api/v1/documents/"+number+"?code="+code, nil))
		var m map[string]string
		require.NoError(t, json.Unmarshal(rec.Body.Bytes(), &m), rec.Body.String())
		return rec, m
	}
	rec, m := get("20250417000123", code)
	require.Equal(t, http.StatusOK, rec.Code)
	assert.Equal(t, "ISSUED", m["status"])
	assert.Equal(t, "А****** А**** Б.", m["holder"])
	assert.Equal(t, "Мамлекеттик каттоо кызматы", m["issuer"])
	assert.Equal(t, today.AddDate(0, 0, -2).Format("2006-01-02"), m["issueDate"])

	t.Run("unknown number and wrong code answer the same", func(t *testing.T) {
		recWrong, wrong := get("20250417000123", "AAAAAAAAAAAA")
		recUnknown, unknown := get("20250417000124", "AAAAAAAAAAAA")
		assert.Equal(t, recWrong.Code, recUnknown.Code)
		assert.Equal(t, "UNKNOWN", wrong["status"])
		delete(wrong, "number")
		delete(unknown, "number")
		assert.Equal(t, wrong, unknown)
		assert.Equal(t, len(recWrong.Body.String()), len(recUnknown.Body.String()))
		assert.Equal(t, recWrong.Header(), recUnknown.Header())
	})
	t.Run("annulled", func(t *testing.T) {
		require.NoError(t, f.reg.Annul(t.Context(), "20250417000123", "issued in error"))
		_, m := get("20250417000123", code)
		assert.Equal(t, "ANNULLED", m["status"])
		assert.Equal(t, "issued in error", m["reason"])
	})
	t.Run("audit holds no raw address", func(t *testing.T) {
		checks, err := f.reg.Audit(t.Context(), today.AddDate(0, 0, -1))
		require.NoError(t, err)
		require.NotEmpty(t, checks)
		for _, c := range checks {
			assert.NotContains(t, c.ClientHash, "192.0.2.1")
		}
		assert.NotContains(t, f.logs.String(), "192.0.2.1")
		assert.NotContains(t, f.logs.String(), "20250417000123")
		assert.Contains(t, f.logs.String(), "route=\"GET /api/v1/documents/{number}\"")
	})
}

func TestLookupRateLimit(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.LookupBurst = 3; c.LookupRate = 0.01 })
	var codes []int
	for range 5 {
		rec := f.do(httptest.NewRequest(http.MethodGet, "/api/v1/documents/1?code=X", nil))
		codes = append(codes, rec.Code)
		if rec.Code == http.StatusTooManyRequests {
			assert.NotEmpty(t, rec.Header().Get("Retry-After"))
			assert.Contains(t, rec.Body.String(), `"code": "rate_limited"`)
		}
	}
	assert.Equal(t, []int{200, 200, 200, 429, 429}, codes)
	// Another client has its own bucket.
	req := httptest.NewRequest(http.MethodGet, "/api/v1/documents/1?code=X", nil)
	req.RemoteAddr = "198.51.100.9:4000"
	assert.Equal(t, http.StatusOK, f.do(req).Code)
}

func TestSecurityHeaders(t *testing.T) {
	f := newFixture(t)
	for _, target := range []string{"/", "/healthz", "/api/v1/documents/1?code=x", "/nope", "/static/style.css"} {
		rec := f.do(httptest.NewRequest(http.MethodGet, target, nil))
		h := rec.Header()
		assert.Contains(t, h.Get("Content-Security-Policy"), "default-src 'self'", target)
		assert.Equal(t, "nosniff", h.Get("X-Content-Type-Options"), target)
		assert.Equal(t, "DENY", h.Get("X-Frame-Options"), target)
		assert.Equal(t, "no-referrer", h.Get("Referrer-Policy"), target)
	}
	rec := f.do(httptest.NewRequest(http.MethodGet, "/healthz", nil))
	assert.Equal(t, http.StatusOK, rec.Code)
	assert.NotContains(t, f.do(httptest.NewRequest(http.MethodGet, "/", nil)).Body.String(), "<script")
}

func TestSealPage(t *testing.T) {
	f := newFixture(t)
	f.register(t, "111")
	f.register(t, "222")
	f.register(t, "444")
	require.NoError(t, f.reg.Annul(t.Context(), "222", "court decision 5-17"))
	valid := f.sealPath(t, "111")
	tampered := []byte(valid)
	i := len(tampered) - 10
	if tampered[i] == 'A' {
		tampered[i] = 'B'
	} else {
		tampered[i] = 'A'
	}
	for _, tc := range []struct {
		name, path string
		status     int
		class      string
		want       []string
	}{
		{"valid", valid, 200, "verdict valid", []string{"ДЕЙСТВИТЕЛЕН", "Печать в QR-коде подлинная", "А****** А**** Б.", "111"}},
		{"valid, lower case as browsers send it", strings.ToLower(valid[:3]) + valid[3:], 200, "verdict valid", nil},
		{"annulled", f.sealPath(t, "222"), 200, "verdict invalid", []string{"АННУЛИРОВАН", "court decision 5-17"}},
		{"not registered", f.sealPath(t, "333"), 200, "verdict unsure", []string{"документа нет в реестре"}},
		{"expired", f.sealPathExpiring(t, "444", today.AddDate(0, 0, -1)), 200, "verdict unsure", []string{"срок действия документа истёк"}},
		{"tampered", string(tampered), 200, "verdict invalid", []string{"НЕДЕЙСТВИТЕЛЕН"}},
		{"malformed", "/S/AAAA", 400, "verdict invalid", []string{"Это не печать"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			rec := f.do(httptest.NewRequest(http.MethodGet, tc.path+"?lang=ru", nil))
			require.Equal(t, tc.status, rec.Code)
			body := rec.Body.String()
			assert.Contains(t, body, tc.class)
			for _, w := range tc.want {
				assert.Contains(t, body, w)
			}
			assert.NotContains(t, body, "Асанова")
		})
	}
	t.Run("revoked key", func(t *testing.T) {
		g := newFixture(t, func(c *Config) { c.SealTrustList = trustList(t, f.sealKey, "revoked") })
		rec := g.do(httptest.NewRequest(http.MethodGet, valid+"?lang=en", nil))
		assert.Contains(t, rec.Body.String(), "The seal key has been revoked")
		assert.Contains(t, rec.Body.String(), "verdict invalid")
	})
}

func TestLanguage(t *testing.T) {
	f := newFixture(t)
	for _, tc := range []struct{ query, accept, want string }{
		{"", "", "Документтин аныктыгын текшерүү"},
		{"", "ru-RU,ru;q=0.9,en;q=0.8", "Проверка подлинности документа"},
		{"", "de, en;q=0.5, kk;q=0.7", "Құжаттың түпнұсқалығын тексеру"},
		{"?lang=en", "ru", "Document authenticity check"},
		{"?lang=xx", "en", "Document authenticity check"},
	} {
		req := httptest.NewRequest(http.MethodGet, "/"+tc.query, nil)
		req.Header.Set("Accept-Language", tc.accept)
		body := f.do(req).Body.String()
		assert.Contains(t, body, tc.want, tc)
	}
}

func TestVerifyPage(t *testing.T) {
	f := newFixture(t)
	rec := f.do(upload(t, "/verify?lang=en", [2]string{"file", string(f.detached)}, [2]string{"content", string(f.content)}))
	require.Equal(t, http.StatusOK, rec.Code)
	body := rec.Body.String()
	assert.Contains(t, body, "verdict valid")
	assert.Contains(t, body, f.pki.PKI.Executor.Cert.Subject.CommonName)
	assert.Contains(t, body, "The signed data is intact")

	rec = f.do(upload(t, "/verify?lang=ru", [2]string{"file", string(f.detached)}, [2]string{"content", string(f.content)}))
	assert.Contains(t, rec.Body.String(), "ДЕЙСТВИТЕЛЕН")
	assert.Contains(t, rec.Body.String(), "Подписанные данные не изменены")

	rec = f.do(upload(t, "/verify?lang=ru", [2]string{"file", "junk"}))
	assert.Equal(t, http.StatusUnprocessableEntity, rec.Code)
	assert.Contains(t, rec.Body.String(), "Файл не является подписью")
}

func TestCatalogueComplete(t *testing.T) {
	for key, texts := range ui {
		for _, l := range languages {
			assert.NotEmpty(t, texts[l], "%s has no %s text", key, l)
		}
	}
}

func TestConcurrentUploads(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.Workers = 2; c.Queue = 64 })
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			rec := f.do(upload(t, "/api/v1/verify", [2]string{"file", string(f.detached)}, [2]string{"content", string(f.content)}))
			assert.Equal(t, http.StatusOK, rec.Code, fmt.Sprint(i))
		}()
	}
	wg.Wait()
}

func TestClientAddr(t *testing.T) {
	f := newFixture(t, func(c *Config) { c.TrustedProxies = []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")} })
	for _, tc := range []struct{ remote, xff, want string }{
		{"203.0.113.5:1234", "", "203.0.113.5"},
		{"203.0.113.5:1234", "198.51.100.1", "203.0.113.5"}, // not from a proxy: the header is ignored
		{"10.0.0.2:1234", "198.51.100.1", "198.51.100.1"},
		{"10.0.0.2:1234", "1.2.3.4, 198.51.100.1, 10.0.0.3", "198.51.100.1"}, // the client cannot spoof past the proxies
		{"10.0.0.2:1234", "garbage", "10.0.0.2"},
		{"10.0.0.2:1234", "", "10.0.0.2"},
	} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.RemoteAddr = tc.remote
		if tc.xff != "" {
			req.Header.Set("X-Forwarded-For", tc.xff)
		}
		assert.Equal(t, tc.want, f.srv.clientAddr(req), tc)
	}
}

// TestVerifyPageGet: the result page's language links are relative, so
// they (and a reload) arrive as GET /verify; they lead to the upload page
// in that language, not to "not found".
func TestVerifyPageGet(t *testing.T) {
	f := newFixture(t)
	rec := f.do(httptest.NewRequest(http.MethodGet, "/verify?lang=ru", nil))
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "/?lang=ru", rec.Header().Get("Location"))
	rec = f.do(httptest.NewRequest(http.MethodGet, "/verify", nil))
	require.Equal(t, http.StatusSeeOther, rec.Code)
	require.Equal(t, "/", rec.Header().Get("Location"))
}
