package testpki

import (
	"bytes"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"
)

func get(t *testing.T, url string) (int, string, []byte) {
	t.Helper()
	resp, err := http.Get(url)
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp.StatusCode, resp.Header.Get("Content-Type"), body
}

func TestServer(t *testing.T) {
	s := NewTestServer(t)
	p := s.PKI
	assert.Equal(t, 0, s.Requests("/"))

	// Every URL in the executor's certificate answers.
	code, ctype, body := get(t, p.Executor.Cert.IssuingCertificateURL[0])
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "application/pkix-cert", ctype)
	assert.Equal(t, p.Intermediate.Cert.Raw, body)

	code, ctype, body = get(t, p.Executor.Cert.CRLDistributionPoints[0])
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, "application/pkix-crl", ctype)
	crl, err := x509.ParseRevocationList(body)
	require.NoError(t, err)
	require.NoError(t, crl.CheckSignatureFrom(p.Intermediate.Cert))

	req, err := ocsp.CreateRequest(p.Executor.Cert, p.Intermediate.Cert, nil)
	require.NoError(t, err)
	resp, err := http.Post(p.Executor.Cert.OCSPServer[0], "application/ocsp-request", bytes.NewReader(req))
	require.NoError(t, err)
	der, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	r, err := ocsp.ParseResponseForCert(der, p.Executor.Cert, p.Intermediate.Cert)
	require.NoError(t, err)
	assert.Equal(t, ocsp.Good, r.Status)

	// The intermediate's URLs lead to the root.
	code, _, body = get(t, p.Intermediate.Cert.IssuingCertificateURL[0])
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, p.Root.Cert.Raw, body)
	code, _, _ = get(t, p.Intermediate.Cert.CRLDistributionPoints[0])
	require.Equal(t, http.StatusOK, code)

	// The stranger is published once it exists, as an attacker's CA would be.
	code, _, _ = get(t, s.URL+"/ca/stranger.cer")
	assert.Equal(t, http.StatusNotFound, code)
	stranger, err := p.Stranger()
	require.NoError(t, err)
	code, _, body = get(t, s.URL+"/ca/stranger.cer")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, stranger.Cert.Raw, body)

	for _, path := range []string{"/crl/executor.crl", "/crl/nobody.crl", "/ca/nobody.cer", "/ca/../ca/root.cer", "/crl/", "/ca/root", "/elsewhere"} {
		code, _, _ = get(t, s.URL+path)
		assert.Equal(t, http.StatusNotFound, code, path)
	}
	resp, err = http.Post(s.URL+"/crl/root.crl", "text/plain", nil)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	// Room for a time-stamp authority.
	s.Handle("/tsa", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("tsa")) }))
	code, _, body = get(t, s.URL+"/tsa")
	assert.Equal(t, http.StatusOK, code)
	assert.Equal(t, "tsa", string(body))

	assert.Equal(t, 1, s.Requests("/ocsp"))
	assert.Equal(t, 6, s.Requests("/crl/"), "2 CRLs, 3 not found, 1 POST")
	assert.Equal(t, 7, s.Requests("/ca/"), "intermediate, root, stranger twice, 3 not found")
	assert.Equal(t, 1, s.Requests("/tsa"))
	assert.Equal(t, 16, s.Requests("/"))

	s.Close()
	_, err = http.Get(s.URL + "/ca/root.cer")
	require.Error(t, err)
}

func TestHandlerOnAnyServer(t *testing.T) {
	p := NewTest(t)
	srv := httptest.NewServer(p.Handler())
	defer srv.Close()
	code, _, body := get(t, srv.URL+"/ca/root.cer")
	require.Equal(t, http.StatusOK, code)
	assert.Equal(t, p.Root.Cert.Raw, body)
	assert.Empty(t, p.Executor.Cert.OCSPServer, "no BaseURL, no URLs")
}

func TestNewServerError(t *testing.T) {
	_, err := NewServer(Config{KeyAlg: 42})
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
}
