// This file tests our client against our server, the server's rejections
// and the client's checks of bad replies.

package tsp

import (
	"bytes"
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"io"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/cms"
)

func TestRoundTrip(t *testing.T) {
	p := testCA(t)
	cases := []struct {
		name     string
		key      crypto.Signer
		signHash crypto.Hash
		hash     crypto.Hash
	}{
		{"rsa-sha256", p.rsaKey, 0, crypto.SHA256},
		{"rsa-sha384-imprint", p.rsaKey, crypto.SHA512, crypto.SHA384},
		{"p256-sha512-imprint", p.ecKey, 0, crypto.SHA512},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, hs, cert := newTestServer(t, c.key, func(cfg *ServerConfig) { cfg.Hash = c.signHash })
			digest := sum(c.hash, []byte("signature value to time-stamp"))
			der, err := Request(context.Background(), hs.Client(), hs.URL, c.hash, digest)
			require.NoError(t, err)

			tok, err := ParseToken(der)
			require.NoError(t, err)
			info := tok.Info
			assert.Equal(t, c.hash, info.HashAlgorithm)
			assert.Equal(t, digest, info.HashedMessage)
			assert.True(t, info.Policy.Equal(testPolicy))
			assert.True(t, info.GenTime.Equal(fixedTime), "genTime %v", info.GenTime)
			assert.Equal(t, 1500*time.Millisecond, info.Accuracy)
			assert.NotNil(t, info.Nonce)
			assert.True(t, info.SerialNumber.Cmp(big.NewInt(1000)) > 0)
			require.NotNil(t, info.TSAName)
			assert.Equal(t, "tamga test TSA", info.TSAName.CommonName)
			assert.Len(t, tok.SignedData.Certificates, 2, "certReq: TSA certificate and chain")

			v, err := tok.Verify(digest, nil)
			require.NoError(t, err)
			assert.Equal(t, cert.Raw, v.Certificate.Raw)

			_, err = tok.Verify(sum(c.hash, []byte("other")), nil)
			assert.ErrorIs(t, err, ErrDigestMismatch)

			// The signing-certificate-v2 attribute is present and binds the
			// TSA certificate.
			ess, err := tok.SignedData.SignerInfos[0].ESSSigningCertificateV2()
			require.NoError(t, err)
			assert.NoError(t, ess.Certs[0].Match(cert))
		})
	}
}

func TestServerNoCertReq(t *testing.T) {
	p := testCA(t)
	s, _, cert := newTestServer(t, p.ecKey, nil)
	q, err := NewQuery(crypto.SHA256, make([]byte, 32))
	require.NoError(t, err)
	q.CertReq = false
	qd, _ := q.Marshal()
	r, err := ParseReply(s.Respond(context.Background(), qd))
	require.NoError(t, err)
	require.Equal(t, Granted, r.Status)
	tok, err := ParseToken(r.Token)
	require.NoError(t, err)
	assert.Empty(t, tok.SignedData.Certificates)
	_, err = tok.Verify(make([]byte, 32), nil)
	assert.ErrorIs(t, err, ErrSignerNotFound)
	_, err = tok.Verify(make([]byte, 32), []*x509.Certificate{cert})
	assert.NoError(t, err)
}

func TestServerRejections(t *testing.T) {
	p := testCA(t)
	_, hs, _ := newTestServer(t, p.ecKey, nil)
	good, _ := NewQuery(crypto.SHA256, make([]byte, 32))
	goodDER, _ := good.Marshal()
	withPolicy := *good
	withPolicy.Policy = asn1.ObjectIdentifier{1, 2, 3}
	policyDER, _ := withPolicy.Marshal()
	sha1OID, _ := asn1.Marshal(asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26})
	sha256OID, _ := asn1.Marshal(asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1})
	query := func(alg []byte, digest []byte, rest ...[]byte) []byte {
		return tlv(0x30, append([][]byte{{2, 1, 1}, tlv(0x30, tlv(0x30, alg), tlv(0x04, digest))}, rest...)...)
	}
	ext := tlv(0xa0, tlv(0x30, sha1OID, tlv(0x04, []byte{5, 0})))

	cases := []struct {
		name        string
		contentType string
		body        []byte
		fail        FailureInfo
	}{
		{"wrong content type", "application/octet-stream", goodDER, FailBadRequest},
		{"garbage", "application/timestamp-query", []byte("hello"), FailBadDataFormat},
		{"empty", "application/timestamp-query", nil, FailBadDataFormat},
		{"trailing data", "application/timestamp-query", append(bytes.Clone(goodDER), 0), FailBadDataFormat},
		{"version 2", "application/timestamp-query", bytes.Replace(goodDER, []byte{2, 1, 1}, []byte{2, 1, 2}, 1), FailBadDataFormat},
		{"SHA-1", "application/timestamp-query", query(sha1OID, make([]byte, 20)), FailBadAlg},
		{"unknown hash", "application/timestamp-query", query([]byte{6, 2, 42, 3}, make([]byte, 32)), FailBadAlg},
		{"short digest", "application/timestamp-query", query(sha256OID, make([]byte, 31)), FailBadDataFormat},
		{"other policy", "application/timestamp-query", policyDER, FailUnacceptedPolicy},
		{"extensions", "application/timestamp-query", query(sha256OID, make([]byte, 32), ext), FailUnacceptedExtension},
		{"too large", "application/timestamp-query", make([]byte, MaxQuerySize+1), FailBadDataFormat},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			resp, err := hs.Client().Post(hs.URL, c.contentType, bytes.NewReader(c.body))
			require.NoError(t, err)
			defer resp.Body.Close()
			assert.Equal(t, http.StatusOK, resp.StatusCode)
			assert.Equal(t, "application/timestamp-reply", resp.Header.Get("Content-Type"))
			data, _ := io.ReadAll(resp.Body)
			r, err := ParseReply(data)
			require.NoError(t, err)
			assert.Equal(t, Rejection, r.Status)
			assert.Equal(t, c.fail, r.FailInfo, "got %v", r.FailInfo)
			assert.NotEmpty(t, r.StatusText)
			assert.Nil(t, r.Token)
		})
	}

	resp, err := hs.Client().Get(hs.URL)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusMethodNotAllowed, resp.StatusCode)

	// The client reports a rejection as a *StatusError.
	_, err = Exchange(context.Background(), hs.Client(), hs.URL, &withPolicy)
	var se *StatusError
	require.True(t, errors.As(err, &se), "%v", err)
	assert.ErrorIs(t, err, ErrRejected)
	assert.Equal(t, FailUnacceptedPolicy, se.FailInfo)
	assert.Contains(t, err.Error(), "unacceptedPolicy")
}

func TestFailureInfoEncoding(t *testing.T) {
	cases := []struct {
		f    FailureInfo
		want []byte
	}{
		{FailBadAlg, []byte{3, 2, 7, 0x80}},
		{FailBadRequest, []byte{3, 2, 5, 0x20}},
		{FailBadDataFormat, []byte{3, 2, 2, 0x04}},
		{FailUnacceptedPolicy, []byte{3, 3, 0, 0, 0x01}},
		{FailSystemFailure, []byte{3, 5, 6, 0, 0, 0, 0x40}},
		{FailBadAlg | FailBadDataFormat, []byte{3, 2, 2, 0x84}},
	}
	for _, c := range cases {
		assert.Equal(t, c.want, c.f.bitString(), c.f.String())
		r, err := ParseReply(tlv(0x30, tlv(0x30, []byte{2, 1, 2}, c.f.bitString())))
		require.NoError(t, err)
		assert.Equal(t, c.f, r.FailInfo)
	}
}

// TestClientChecks serves bad replies and checks that Exchange refuses
// each with the right error.
func TestClientChecks(t *testing.T) {
	p := testCA(t)
	s, _, _ := newTestServer(t, p.ecKey, nil)
	notTSA := p.issue(t, p.rsaKey.Public(), "not a TSA", false, func(c *x509.Certificate) {
		c.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageTimeStamping} // not critical
	})
	badSrv := &Server{cfg: s.cfg}
	badSrv.cfg.Signer, badSrv.cfg.Certificate = p.rsaKey, notTSA

	reply := func(w http.ResponseWriter, data []byte) {
		w.Header().Set("Content-Type", "application/timestamp-reply")
		w.Write(data)
	}
	respondTo := func(srv *Server, mutate func(*Query)) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			q, err := ParseQuery(body)
			require.NoError(t, err)
			mutate(q)
			qd, _ := q.Marshal()
			reply(w, srv.Respond(r.Context(), qd))
		}
	}
	cases := []struct {
		name    string
		handler http.HandlerFunc
		is      error
	}{
		{"HTTP 500", func(w http.ResponseWriter, r *http.Request) { http.Error(w, "down", 500) }, ErrBadResponse},
		{"HTML page", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("<html>")) }, ErrBadResponse},
		{"oversized", func(w http.ResponseWriter, r *http.Request) { reply(w, make([]byte, MaxReplySize+10)) }, ErrBadResponse},
		{"garbage", func(w http.ResponseWriter, r *http.Request) { reply(w, []byte{0x30, 0x03, 1, 2}) }, ErrMalformed},
		{"granted without token", func(w http.ResponseWriter, r *http.Request) { reply(w, tlv(0x30, tlv(0x30, []byte{2, 1, 0}))) }, ErrMalformed},
		{"other digest", respondTo(s, func(q *Query) { q.HashedMessage = make([]byte, 32) }), ErrDigestMismatch},
		{"other nonce", respondTo(s, func(q *Query) { q.Nonce = big.NewInt(7) }), ErrReplyMismatch},
		{"nonce dropped", respondTo(s, func(q *Query) { q.Nonce = nil }), ErrReplyMismatch},
		{"certReq ignored", respondTo(s, func(q *Query) { q.CertReq = false }), ErrSignerNotFound},
		{"not a TSA certificate", respondTo(badSrv, func(q *Query) {}), ErrNotTSACertificate},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			hs := httptest.NewServer(c.handler)
			defer hs.Close()
			digest := sum(crypto.SHA256, []byte("x"))
			digest[0] = 1
			_, err := Request(context.Background(), hs.Client(), hs.URL, crypto.SHA256, digest)
			require.Error(t, err)
			assert.ErrorIs(t, err, c.is)
		})
	}

	// A cancelled context stops the exchange.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Request(ctx, nil, "http://127.0.0.1:1/", crypto.SHA256, make([]byte, 32))
	assert.ErrorIs(t, err, context.Canceled)

	// Passwords in the URL never reach error messages.
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { http.Error(w, "no", http.StatusForbidden) }))
	defer hs.Close()
	u := strings.Replace(hs.URL, "http://", "http://user:s3cret@", 1)
	_, err = Request(context.Background(), hs.Client(), u, crypto.SHA256, make([]byte, 32))
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "s3cret")
}

func TestNewServerChecks(t *testing.T) {
	p := testCA(t)
	tsa := p.issue(t, p.ecKey.Public(), "tsa", true, nil)
	plain := p.issue(t, p.ecKey.Public(), "plain", false, nil)
	_, err := NewServer(ServerConfig{Signer: p.ecKey, Certificate: plain, Policy: testPolicy})
	assert.ErrorIs(t, err, ErrNotTSACertificate)
	_, err = NewServer(ServerConfig{Signer: p.rsaKey, Certificate: tsa, Policy: testPolicy})
	assert.Error(t, err)
	_, err = NewServer(ServerConfig{Signer: p.ecKey, Certificate: tsa})
	assert.Error(t, err)
	_, err = NewServer(ServerConfig{Signer: p.ecKey, Certificate: tsa, Policy: testPolicy})
	assert.NoError(t, err)
}

// TestTamperedTokens changes bytes of a valid token and checks each
// change is caught with a typed error.
func TestTamperedTokens(t *testing.T) {
	p := testCA(t)
	_, hs, _ := newTestServer(t, p.rsaKey, nil)
	digest := sum(crypto.SHA256, []byte("data"))
	der, err := Request(context.Background(), hs.Client(), hs.URL, crypto.SHA256, digest)
	require.NoError(t, err)
	tok, err := ParseToken(der)
	require.NoError(t, err)

	// A byte of the TSTInfo (the serial number): the content digest no
	// longer matches.
	serialDER := encodeInt(tok.Info.SerialNumber)
	bad := bytes.Clone(der)
	i := bytes.Index(bad, tok.Info.Raw) + bytes.Index(tok.Info.Raw, serialDER)
	bad[i+len(serialDER)-1] ^= 1
	tb, err := ParseToken(bad)
	require.NoError(t, err)
	_, err = tb.Verify(digest, nil)
	assert.ErrorIs(t, err, ErrDigestMismatch)

	// A byte of the signature value.
	si := tok.SignedData.SignerInfos[0]
	bad = bytes.Clone(der)
	bad[bytes.Index(bad, si.Signature)+10] ^= 1
	tb, err = ParseToken(bad)
	require.NoError(t, err)
	_, err = tb.Verify(digest, nil)
	assert.ErrorIs(t, err, ErrSignatureInvalid)

	// A byte of the signed attributes (inside the message-digest value).
	md, _ := si.MessageDigest()
	bad = bytes.Clone(der)
	bad[bytes.Index(bad, md)] ^= 1
	tb, err = ParseToken(bad)
	require.NoError(t, err)
	_, err = tb.Verify(digest, nil)
	assert.ErrorIs(t, err, ErrDigestMismatch)

	// Every truncation is a typed error.
	for n := 0; n < len(der); n += 7 {
		_, err := ParseToken(der[:n])
		require.ErrorIs(t, err, ErrMalformed)
	}

	// Not a token: a CMS over id-data.
	_, err = ParseToken(tlv(0x30))
	assert.ErrorIs(t, err, cms.ErrMalformed)
}

func TestParseGenTime(t *testing.T) {
	for s, want := range map[string]time.Time{
		"20260517102030Z":      fixedTime,
		"20260517102030.5Z":    fixedTime.Add(500 * time.Millisecond),
		"20260517102030.1234Z": fixedTime.Add(123400 * time.Microsecond),
	} {
		got, err := parseGenTime(s)
		require.NoError(t, err, s)
		assert.True(t, got.Equal(want), s)
	}
	for _, s := range []string{"20260517102030", "202605171020Z", "20260517102030+0000", "20260517102030.Z", "2026051710203aZ", "20260517102030.1234567890Z"} {
		_, err := parseGenTime(s)
		assert.Error(t, err, s)
	}
}
