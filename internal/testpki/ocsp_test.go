package testpki

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
	"golang.org/x/crypto/ocsp"
)

// certIDFor encodes a CertID for serial under issuer.
func certIDFor(t testing.TB, h crypto.Hash, issuer *x509.Certificate, serial *big.Int) []byte {
	t.Helper()
	bits, err := publicKeyBits(issuer)
	require.NoError(t, err)
	oid := map[crypto.Hash]asn1.ObjectIdentifier{crypto.SHA1: oidSHA1, crypto.SHA256: oidSHA256, crypto.SHA384: oidSHA384, crypto.SHA512: oidSHA512}[h]
	nh, kh := h.New(), h.New()
	nh.Write(issuer.RawSubject)
	kh.Write(bits)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oid); b.AddASN1NULL() })
		b.AddASN1OctetString(nh.Sum(nil))
		b.AddASN1OctetString(kh.Sum(nil))
		b.AddASN1BigInt(serial)
	})
	return b.BytesOrPanic()
}

// extensionDER encodes an Extension.
func extensionDER(oid asn1.ObjectIdentifier, critical bool, value []byte) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1ObjectIdentifier(oid)
		if critical {
			b.AddASN1Boolean(true)
		}
		b.AddASN1OctetString(value)
	})
	return b.BytesOrPanic()
}

// nonceExt encodes a nonce extension the way OpenSSL does: the extnValue
// is an OCTET STRING holding the nonce.
func nonceExt(nonce []byte) []byte {
	var v cryptobyte.Builder
	v.AddASN1OctetString(nonce)
	return extensionDER(oidOCSPNonce, false, v.BytesOrPanic())
}

// buildRequest encodes an OCSPRequest with the given CertIDs and request
// extensions; signed adds a (bogus) optionalSignature.
func buildRequest(ids [][]byte, exts [][]byte, signed bool) []byte {
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				for _, id := range ids {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(id) })
				}
			})
			if exts != nil {
				b.AddASN1(tagExplicit2, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						for _, e := range exts {
							b.AddBytes(e)
						}
					})
				})
			}
		})
		if signed {
			b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oidECDSAWithSHA256) })
					b.AddASN1BitString([]byte{1, 2, 3})
				})
			})
		}
	})
	return b.BytesOrPanic()
}

// responseData decodes the ResponseData of an OCSP response with
// encoding/asn1, independently of the encoder, for what x/crypto/ocsp does
// not expose: the response extensions and every SingleResponse.
type responseData struct {
	Version     int `asn1:"optional,explicit,default:0,tag:0"`
	ResponderID asn1.RawValue
	ProducedAt  time.Time `asn1:"generalized"`
	Responses   []asn1.RawValue
	Extensions  []pkix.Extension `asn1:"optional,explicit,tag:1"`
}

func decodeResponseData(t testing.TB, der []byte) responseData {
	t.Helper()
	var outer struct {
		Status asn1.Enumerated
		Bytes  struct {
			Type     asn1.ObjectIdentifier
			Response []byte
		} `asn1:"explicit,tag:0"`
	}
	_, err := asn1.Unmarshal(der, &outer)
	require.NoError(t, err)
	require.True(t, outer.Bytes.Type.Equal(oidOCSPBasic))
	var basic struct {
		TBS       responseData
		Algorithm pkix.AlgorithmIdentifier
		Signature asn1.BitString
		Certs     []asn1.RawValue `asn1:"optional,explicit,tag:0"`
	}
	rest, err := asn1.Unmarshal(outer.Bytes.Response, &basic)
	require.NoError(t, err)
	require.Empty(t, rest)
	return basic.TBS
}

func TestOCSPResponse(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg.String(), func(t *testing.T) {
			clock := newFakeClock(time.Date(2029, 2, 3, 4, 5, 6, 0, time.UTC))
			p := NewTest(t, Config{KeyAlg: alg, Now: clock.Now, StatusValidity: 2 * time.Hour})
			now := clock.Now()
			revokedAt := now.Add(-30 * time.Minute)
			require.NoError(t, p.Revoke(p.Applicant.Cert, revokedAt, ocsp.KeyCompromise))

			// A certificate naming the intermediate as issuer that the PKI
			// never issued: a forger's, signed with another key.
			forgerKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
			require.NoError(t, err)
			fakeParent := *p.Intermediate.Cert
			fakeParent.PublicKey = forgerKey.Public()
			forgedDER, err := x509.CreateCertificate(rand.Reader, &x509.Certificate{
				SerialNumber: big.NewInt(424242), NotBefore: now, NotAfter: now.Add(time.Hour),
			}, &fakeParent, forgerKey.Public(), forgerKey)
			require.NoError(t, err)
			forged, err := x509.ParseCertificate(forgedDER)
			require.NoError(t, err)

			responderKeyHash := func(c *x509.Certificate) []byte {
				bits, err := publicKeyBits(c)
				require.NoError(t, err)
				s := sha1.Sum(bits)
				return s[:]
			}
			tests := []struct {
				name       string
				cert       *x509.Certificate
				issuer     *x509.Certificate
				opts       *OCSPOptions
				status     int
				revokedAt  time.Time
				reason     int
				signerCert *x509.Certificate // embedded certificate; nil when the CA signs
				signer     *x509.Certificate
				hash       crypto.Hash
			}{
				{name: "good", cert: p.Executor.Cert, issuer: p.Intermediate.Cert, status: ocsp.Good,
					signerCert: p.OCSPResponder.Cert, signer: p.OCSPResponder.Cert, hash: crypto.SHA1},
				{name: "revoked", cert: p.Applicant.Cert, issuer: p.Intermediate.Cert, status: ocsp.Revoked, revokedAt: revokedAt, reason: ocsp.KeyCompromise,
					signerCert: p.OCSPResponder.Cert, signer: p.OCSPResponder.Cert, hash: crypto.SHA1},
				{name: "before the revocation", cert: p.Applicant.Cert, issuer: p.Intermediate.Cert, opts: &OCSPOptions{At: revokedAt.Add(-time.Second)},
					status: ocsp.Good, signerCert: p.OCSPResponder.Cert, signer: p.OCSPResponder.Cert, hash: crypto.SHA1},
				{name: "unknown", cert: forged, issuer: p.Intermediate.Cert, status: ocsp.Unknown,
					signerCert: p.OCSPResponder.Cert, signer: p.OCSPResponder.Cert, hash: crypto.SHA1},
				{name: "intermediate, by the root", cert: p.Intermediate.Cert, issuer: p.Root.Cert, status: ocsp.Good,
					signer: p.Root.Cert, hash: crypto.SHA1},
				{name: "SHA-256 CertID", cert: p.Executor.Cert, issuer: p.Intermediate.Cert, opts: &OCSPOptions{CertIDHash: crypto.SHA256},
					status: ocsp.Good, signerCert: p.OCSPResponder.Cert, signer: p.OCSPResponder.Cert, hash: crypto.SHA256},
				{name: "SHA-512 CertID", cert: p.Executor.Cert, issuer: p.Intermediate.Cert, opts: &OCSPOptions{CertIDHash: crypto.SHA512},
					status: ocsp.Good, signerCert: p.OCSPResponder.Cert, signer: p.OCSPResponder.Cert, hash: crypto.SHA512},
				{name: "chosen signer", cert: p.Executor.Cert, issuer: p.Intermediate.Cert, opts: &OCSPOptions{Signer: p.Executor},
					status: ocsp.Good, signerCert: p.Executor.Cert, signer: p.Executor.Cert, hash: crypto.SHA1},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					der, err := p.OCSPResponse(tc.cert, tc.opts)
					require.NoError(t, err)
					resp, err := ocsp.ParseResponseForCert(der, tc.cert, tc.issuer)
					require.NoError(t, err)
					at := now
					if tc.opts != nil && !tc.opts.At.IsZero() {
						at = tc.opts.At
					}
					assert.Equal(t, tc.status, resp.Status)
					assert.Equal(t, 0, resp.SerialNumber.Cmp(tc.cert.SerialNumber))
					assert.True(t, resp.ProducedAt.Equal(at), "producedAt %v, want the PKI clock %v", resp.ProducedAt, at)
					assert.True(t, resp.ThisUpdate.Equal(at))
					assert.True(t, resp.NextUpdate.Equal(at.Add(2*time.Hour)))
					assert.Equal(t, tc.hash, resp.IssuerHash)
					assert.Equal(t, responderKeyHash(tc.signer), resp.ResponderKeyHash)
					assert.Nil(t, resp.RawResponderName)
					if tc.status == ocsp.Revoked {
						assert.True(t, resp.RevokedAt.Equal(tc.revokedAt))
						assert.Equal(t, tc.reason, resp.RevocationReason)
					}
					if tc.signerCert == nil {
						assert.Nil(t, resp.Certificate)
						require.NoError(t, resp.CheckSignatureFrom(tc.issuer))
					} else {
						require.NotNil(t, resp.Certificate)
						assert.Equal(t, tc.signerCert.Raw, resp.Certificate.Raw)
					}
					assert.Empty(t, decodeResponseData(t, der).Extensions, "no nonce without a request")
				})
			}
		})
	}
}

func TestOCSPResponseErrors(t *testing.T) {
	p := NewTest(t)
	other := NewTest(t)
	for _, c := range []*x509.Certificate{nil, {}, other.Executor.Cert} {
		_, err := p.OCSPResponse(c, nil)
		require.ErrorIs(t, err, ErrUnknownIssuer)
	}
	var fe *FieldError
	_, err := p.OCSPResponse(p.Executor.Cert, &OCSPOptions{CertIDHash: crypto.MD5})
	require.ErrorAs(t, err, &fe)
	assert.Equal(t, "OCSPOptions.CertIDHash", fe.Field)
	_, err = p.OCSPResponse(p.Executor.Cert, &OCSPOptions{Signer: &Identity{Name: "keyless", Cert: p.Executor.Cert}})
	require.Error(t, err)
}

// ocspPost sends a DER request to the server's /ocsp and returns the body.
func ocspPost(t *testing.T, s *Server, der []byte) []byte {
	t.Helper()
	resp, err := http.Post(s.URL+"/ocsp", "application/ocsp-request", bytes.NewReader(der))
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	require.Equal(t, "application/ocsp-response", resp.Header.Get("Content-Type"))
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return body
}

func ocspGet(t *testing.T, s *Server, path string) []byte {
	t.Helper()
	resp, err := http.Get(s.URL + "/ocsp/" + path)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return body
}

func responseStatus(t *testing.T, der []byte) ocsp.ResponseStatus {
	t.Helper()
	_, err := ocsp.ParseResponse(der, nil)
	if err == nil {
		return ocsp.Success
	}
	var re ocsp.ResponseError
	require.ErrorAs(t, err, &re)
	return re.Status
}

func TestOCSPHandler(t *testing.T) {
	s := NewTestServer(t)
	p := s.PKI
	other := NewTest(t)
	require.NoError(t, p.Revoke(p.Applicant.Cert, time.Time{}, ocsp.Superseded))
	xreq, err := ocsp.CreateRequest(p.Executor.Cert, p.Intermediate.Cert, nil)
	require.NoError(t, err)

	t.Run("POST from x/crypto/ocsp", func(t *testing.T) {
		resp, err := ocsp.ParseResponseForCert(ocspPost(t, s, xreq), p.Executor.Cert, p.Intermediate.Cert)
		require.NoError(t, err)
		assert.Equal(t, ocsp.Good, resp.Status)
	})
	t.Run("GET, escaped as RFC 6960 asks", func(t *testing.T) {
		der := ocspGet(t, s, url.PathEscape(base64.StdEncoding.EncodeToString(xreq)))
		resp, err := ocsp.ParseResponseForCert(der, p.Executor.Cert, p.Intermediate.Cert)
		require.NoError(t, err)
		assert.Equal(t, ocsp.Good, resp.Status)
	})
	t.Run("GET, with '//' left unescaped", func(t *testing.T) {
		// Find a nonce that puts "//" into the base64; the server must not
		// clean the path.
		id := certIDFor(t, crypto.SHA1, p.Intermediate.Cert, p.Executor.Cert.SerialNumber)
		var b64 string
		for i := 0; !strings.Contains(b64, "//"); i++ {
			require.Less(t, i, 100000)
			nonce := make([]byte, 16)
			rand.Read(nonce)
			b64 = base64.StdEncoding.EncodeToString(buildRequest([][]byte{id}, [][]byte{nonceExt(nonce)}, false))
		}
		resp, err := ocsp.ParseResponseForCert(ocspGet(t, s, b64), p.Executor.Cert, p.Intermediate.Cert)
		require.NoError(t, err)
		assert.Equal(t, ocsp.Good, resp.Status)
	})
	t.Run("nonce echoed in responseExtensions", func(t *testing.T) {
		nonce := []byte("0123456789abcdef")
		id := certIDFor(t, crypto.SHA256, p.Intermediate.Cert, p.Applicant.Cert.SerialNumber)
		der := ocspPost(t, s, buildRequest([][]byte{id}, [][]byte{nonceExt(nonce)}, false))
		resp, err := ocsp.ParseResponseForCert(der, p.Applicant.Cert, p.Intermediate.Cert)
		require.NoError(t, err)
		assert.Equal(t, ocsp.Revoked, resp.Status)
		assert.Equal(t, ocsp.Superseded, resp.RevocationReason)
		assert.Empty(t, resp.Extensions, "not in singleExtensions")
		exts := decodeResponseData(t, der).Extensions
		require.Len(t, exts, 1)
		assert.True(t, exts[0].Id.Equal(oidOCSPNonce))
		assert.False(t, exts[0].Critical)
		var got []byte
		_, err = asn1.Unmarshal(exts[0].Value, &got)
		require.NoError(t, err)
		assert.Equal(t, nonce, got)
	})
	t.Run("several certificates, one issuer", func(t *testing.T) {
		ids := [][]byte{
			certIDFor(t, crypto.SHA1, p.Intermediate.Cert, p.Executor.Cert.SerialNumber),
			certIDFor(t, crypto.SHA1, p.Intermediate.Cert, p.Applicant.Cert.SerialNumber),
			certIDFor(t, crypto.SHA1, p.Intermediate.Cert, big.NewInt(7)),
		}
		der := ocspPost(t, s, buildRequest(ids, nil, true))
		assert.Len(t, decodeResponseData(t, der).Responses, 3)
		for c, want := range map[*x509.Certificate]int{p.Executor.Cert: ocsp.Good, p.Applicant.Cert: ocsp.Revoked, {SerialNumber: big.NewInt(7)}: ocsp.Unknown} {
			resp, err := ocsp.ParseResponseForCert(der, c, p.Intermediate.Cert)
			require.NoError(t, err)
			assert.Equal(t, want, resp.Status)
		}
	})

	tooMany := make([][]byte, maxCertIDs+1)
	for i := range tooMany {
		tooMany[i] = certIDFor(t, crypto.SHA1, p.Intermediate.Cert, big.NewInt(int64(i+1)))
	}
	exec := certIDFor(t, crypto.SHA1, p.Intermediate.Cert, p.Executor.Cert.SerialNumber)
	failures := []struct {
		name string
		der  []byte
		want ocsp.ResponseStatus
	}{
		{"garbage", []byte("hello"), ocsp.Malformed},
		{"empty", nil, ocsp.Malformed},
		{"over 64 KiB", append(append([]byte{}, xreq...), make([]byte, maxOCSPRequest)...), ocsp.Malformed},
		{"issuer of another PKI", buildRequest([][]byte{certIDFor(t, crypto.SHA1, other.Intermediate.Cert, big.NewInt(1))}, nil, false), ocsp.Unauthorized},
		{"two issuers", buildRequest([][]byte{exec, certIDFor(t, crypto.SHA1, p.Root.Cert, p.Intermediate.Cert.SerialNumber)}, nil, false), ocsp.Unauthorized},
		{"too many certificates", buildRequest(tooMany, nil, false), ocsp.Malformed},
		{"nonce too long", buildRequest([][]byte{exec}, [][]byte{nonceExt(make([]byte, 33))}, false), ocsp.Malformed},
		{"two nonces", buildRequest([][]byte{exec}, [][]byte{nonceExt([]byte{1}), nonceExt([]byte{2})}, false), ocsp.Malformed},
		{"unknown critical extension", buildRequest([][]byte{exec}, [][]byte{extensionDER(asn1.ObjectIdentifier{1, 2, 3}, true, []byte{5, 0})}, false), ocsp.Malformed},
	}
	for _, tc := range failures {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, responseStatus(t, ocspPost(t, s, tc.der)))
		})
	}
	t.Run("unknown non-critical extension is ignored", func(t *testing.T) {
		der := ocspPost(t, s, buildRequest([][]byte{exec}, [][]byte{extensionDER(asn1.ObjectIdentifier{1, 2, 3}, false, []byte{5, 0})}, false))
		assert.Equal(t, ocsp.Success, responseStatus(t, der))
	})
	for _, path := range []string{"", "not-base64!", "AAAA", strings.Repeat("A", 100000)} {
		t.Run("GET "+path[:min(len(path), 12)], func(t *testing.T) {
			assert.Equal(t, ocsp.Malformed, responseStatus(t, ocspGet(t, s, path)))
		})
	}
	t.Run("PUT", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodPut, s.URL+"/ocsp", bytes.NewReader(xreq))
		require.NoError(t, err)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)
		assert.Equal(t, "GET, POST", resp.Header.Get("Allow"))
	})
	t.Run("OCSPHandler mounted with StripPrefix", func(t *testing.T) {
		h := http.StripPrefix("/status/", p.OCSPHandler())
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/status/"+url.PathEscape(base64.StdEncoding.EncodeToString(xreq)), nil))
		assert.Equal(t, ocsp.Success, responseStatus(t, rec.Body.Bytes()))
	})
}

func TestParseOCSPRequest(t *testing.T) {
	p := NewTest(t)
	id := certIDFor(t, crypto.SHA256, p.Intermediate.Cert, p.Executor.Cert.SerialNumber)
	valid := buildRequest([][]byte{id}, [][]byte{nonceExt([]byte{9, 9})}, false)
	withVersion := func(v int64) []byte {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(tagExplicit0, func(b *cryptobyte.Builder) { b.AddASN1Int64(v) })
				b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddBytes(id) })
				})
			})
		})
		return b.BytesOrPanic()
	}
	rawID := func(oid asn1.ObjectIdentifier, nameHash, keyHash []byte) []byte {
		var b cryptobyte.Builder
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) { b.AddASN1ObjectIdentifier(oid) })
			b.AddASN1OctetString(nameHash)
			b.AddASN1OctetString(keyHash)
			b.AddASN1BigInt(big.NewInt(-5))
		})
		return buildRequest([][]byte{b.BytesOrPanic()}, nil, false)
	}
	tests := []struct {
		name  string
		der   []byte
		nonce []byte
		err   string
	}{
		{"valid", valid, []byte{0x04, 0x02, 9, 9}, ""},
		{"from x/crypto", func() []byte { b, _ := ocsp.CreateRequest(p.Executor.Cert, p.Intermediate.Cert, nil); return b }(), nil, ""},
		{"signed", buildRequest([][]byte{id}, nil, true), nil, ""},
		{"version v1 explicit", withVersion(0), nil, ""},
		{"version v2", withVersion(1), nil, "version is not v1"},
		{"trailing data", append(bytes.Clone(valid), 0), nil, "not a DER SEQUENCE"},
		{"truncated", valid[:len(valid)-1], nil, "not a DER SEQUENCE"},
		{"empty list", buildRequest(nil, nil, false), nil, "empty requestList"},
		{"MD5 CertID", rawID(asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}, make([]byte, 16), make([]byte, 16)), nil, "is not SHA-1 or SHA-2"},
		{"CertID without NULL, negative serial", rawID(oidSHA1, make([]byte, 20), make([]byte, 20)), nil, ""},
		{"CertID hash length", rawID(oidSHA256, make([]byte, 20), make([]byte, 32)), nil, "hash length"},
		{"empty nonce", buildRequest([][]byte{id}, [][]byte{nonceExt(nil)}, false), nil, "nonce"},
		{"raw nonce", buildRequest([][]byte{id}, [][]byte{extensionDER(oidOCSPNonce, false, []byte{1, 2, 3})}, false), nil, "nonce"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, err := parseOCSPRequest(tc.der)
			if tc.err != "" {
				require.ErrorIs(t, err, errMalformedRequest)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			require.NotEmpty(t, req.certIDs)
			assert.Equal(t, tc.nonce, req.nonce)
		})
	}
}
