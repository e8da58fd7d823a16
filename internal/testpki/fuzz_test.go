package testpki

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"
)

// fuzzPKI is one PKI shared by the fuzzers' iterations.
var fuzzPKI = sync.OnceValue(func() *PKI {
	p, err := New(Config{})
	if err != nil {
		panic(err)
	}
	if _, err := p.Stranger(); err != nil {
		panic(err)
	}
	if err := p.Revoke(p.Applicant.Cert, p.Now(), ocsp.KeyCompromise); err != nil {
		panic(err)
	}
	return p
})

// ocspSeeds returns well-formed requests for p: single, several
// certificates, nonce, signed, SHA-2 CertIDs, from x/crypto.
func ocspSeeds(t testing.TB, p *PKI) [][]byte {
	exec := certIDFor(t, crypto.SHA1, p.Intermediate.Cert, p.Executor.Cert.SerialNumber)
	appl := certIDFor(t, crypto.SHA256, p.Intermediate.Cert, p.Applicant.Cert.SerialNumber)
	inter := certIDFor(t, crypto.SHA512, p.Root.Cert, p.Intermediate.Cert.SerialNumber)
	unknown := certIDFor(t, crypto.SHA384, p.Intermediate.Cert, big.NewInt(99))
	xreq, err := ocsp.CreateRequest(p.Executor.Cert, p.Intermediate.Cert, nil)
	if err != nil {
		t.Fatal(err)
	}
	return [][]byte{
		xreq,
		buildRequest([][]byte{exec}, nil, false),
		buildRequest([][]byte{exec, appl, unknown}, [][]byte{nonceExt([]byte("0123456789abcdef"))}, true),
		buildRequest([][]byte{inter}, [][]byte{extensionDER(oidOCSPNonce, true, []byte{4, 1, 0}), extensionDER(oidSHA1, false, nil)}, false),
		buildRequest([][]byte{exec, inter}, nil, false),
		[]byte{0x30, 0x03, 0x30, 0x01, 0x30},
		nil,
	}
}

func FuzzParseOCSPRequest(f *testing.F) {
	for _, s := range ocspSeeds(f, fuzzPKI()) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		req, err := parseOCSPRequest(der)
		if err != nil {
			if !errors.Is(err, errMalformedRequest) {
				t.Fatalf("error %v does not wrap errMalformedRequest", err)
			}
			if req != nil {
				t.Fatal("request returned with an error")
			}
			return
		}
		if n := len(req.certIDs); n < 1 || n > maxCertIDs {
			t.Fatalf("%d CertIDs", n)
		}
		for _, id := range req.certIDs {
			if len(id.nameHash) != id.hash.Size() || len(id.keyHash) != id.hash.Size() || id.serial == nil {
				t.Fatalf("inconsistent CertID %+v", id)
			}
			// raw is one complete CertID that parses to the same thing.
			again, err := parseCertID(cryptobyte.String(id.raw))
			if err != nil || again.serial.Cmp(id.serial) != 0 || !bytes.Equal(again.nameHash, id.nameHash) {
				t.Fatalf("raw CertID does not reparse: %v", err)
			}
		}
		if req.nonce != nil {
			v := cryptobyte.String(req.nonce)
			var n []byte
			if !v.ReadASN1Bytes(&n, cbasn1.OCTET_STRING) || !v.Empty() || len(n) < 1 || len(n) > maxNonce {
				t.Fatalf("bad nonce accepted: %x", req.nonce)
			}
		}
	})
}

// FuzzServeHTTP drives the whole HTTP side: path dispatch, GET and POST
// OCSP decoding, status lookup and response signing.
func FuzzServeHTTP(f *testing.F) {
	p := fuzzPKI()
	for _, s := range ocspSeeds(f, p) {
		f.Add(uint8(0), "/ocsp", s)
		f.Add(uint8(1), "/ocsp/"+base64.StdEncoding.EncodeToString(s), []byte(nil))
		f.Add(uint8(1), "/ocsp/"+url.PathEscape(base64.StdEncoding.EncodeToString(s)), []byte(nil))
	}
	for _, path := range []string{"/crl/intermediate.crl", "/crl/root.crl", "/crl/executor.crl", "/ca/stranger.cer", "/ca/x.cer", "/", "/ocsp/", "/ocsp//", "/crl/.crl"} {
		f.Add(uint8(1), path, []byte(nil))
	}
	f.Add(uint8(2), "/ocsp", []byte("x"))
	methods := []string{http.MethodPost, http.MethodGet, http.MethodPut, http.MethodHead}
	issuers := []*Identity{p.Intermediate, p.Root}
	f.Fuzz(func(t *testing.T, method uint8, path string, body []byte) {
		r := &http.Request{
			Method: methods[int(method)%len(methods)],
			URL:    &url.URL{Path: path},
			Header: http.Header{},
			Body:   io.NopCloser(bytes.NewReader(body)),
		}
		w := httptest.NewRecorder()
		p.Handler().ServeHTTP(w, r)
		switch w.Code {
		case http.StatusOK, http.StatusNotFound, http.StatusMethodNotAllowed:
		default:
			t.Fatalf("status %d", w.Code)
		}
		if w.Code != http.StatusOK || !(path == "/ocsp" || strings.HasPrefix(path, "/ocsp/")) {
			return
		}
		der := w.Body.Bytes()
		_, err := ocsp.ParseResponse(der, nil)
		var re ocsp.ResponseError
		if errors.As(err, &re) {
			if re.Status != ocsp.Malformed && re.Status != ocsp.Unauthorized {
				t.Fatalf("error response %v", re.Status)
			}
			return
		}
		// A signed response: it must verify under the issuer it speaks for.
		rd := decodeResponseData(t, der)
		if len(rd.Responses) < 1 || len(rd.Responses) > maxCertIDs {
			t.Fatalf("%d responses", len(rd.Responses))
		}
		var single struct {
			CertID struct {
				Algorithm         pkix.AlgorithmIdentifier
				NameHash, KeyHash []byte
				SerialNumber      *big.Int
			}
		}
		if _, err := asn1.Unmarshal(rd.Responses[0].FullBytes, &single); err != nil {
			t.Fatalf("SingleResponse: %v", err)
		}
		first := &x509.Certificate{SerialNumber: single.CertID.SerialNumber}
		verified := false
		for _, is := range issuers {
			if _, err = ocsp.ParseResponseForCert(der, first, is.Cert); err == nil {
				verified = true
				break
			}
		}
		if !verified {
			t.Fatalf("signed response verifies under no issuer: %v", err)
		}
	})
}
