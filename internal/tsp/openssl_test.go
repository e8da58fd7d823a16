// This file checks interoperability with `openssl ts`: OpenSSL verifies
// our server's replies and answers our queries, and we parse and verify
// the tokens OpenSSL's TSA makes.

package tsp

import (
	"bytes"
	"context"
	"crypto"
	"encoding/hex"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOpenSSLVerifiesOurReplies(t *testing.T) {
	p := testCA(t)
	data := []byte("signature value bytes \x00\x01\x02")
	for _, c := range []struct {
		name string
		key  crypto.Signer
		hash string
	}{{"rsa", p.rsaKey, "sha256"}, {"p256", p.ecKey, "sha384"}, {"rsa-sha512", p.rsaKey, "sha512"}} {
		t.Run(c.name, func(t *testing.T) {
			_, hs, cert := newTestServer(t, c.key, nil)
			dir := t.TempDir()
			dataFile := writeFile(t, dir, "data", data)
			caFile := writeFile(t, dir, "ca.pem", certPEM(p.ca))
			tsaFile := writeFile(t, dir, "tsa.pem", certPEM(cert))
			qFile := filepath.Join(dir, "q.tsq")

			// openssl ts -query output is accepted by our server.
			out, err := openssl(t, "ts", "-query", "-data", dataFile, "-"+c.hash, "-cert", "-out", qFile)
			require.NoError(t, err, "%s", out)
			resp, err := hs.Client().Post(hs.URL, "application/timestamp-query", bytes.NewReader(readFile(t, qFile)))
			require.NoError(t, err)
			var body bytes.Buffer
			body.ReadFrom(resp.Body)
			resp.Body.Close()
			require.Equal(t, http.StatusOK, resp.StatusCode)
			r, err := ParseReply(body.Bytes())
			require.NoError(t, err)
			require.Equal(t, Granted, r.Status, "%v %v", r.FailInfo, r.StatusText)
			rFile := writeFile(t, dir, "r.tsr", body.Bytes())

			// openssl ts -verify accepts it, by query, by data and by digest.
			h := map[string]crypto.Hash{"sha256": crypto.SHA256, "sha384": crypto.SHA384, "sha512": crypto.SHA512}[c.hash]
			for _, how := range [][]string{
				{"-queryfile", qFile},
				{"-data", dataFile},
				{"-digest", hex.EncodeToString(sum(h, data))},
			} {
				args := append([]string{"ts", "-verify", "-in", rFile, "-CAfile", caFile, "-untrusted", tsaFile}, how...)
				out, err := openssl(t, args...)
				assert.NoError(t, err, "%v: %s", how, out)
				assert.Contains(t, string(out), "Verification: OK", "%v", how)
			}
			// ... and rejects it for other data.
			args := []string{"ts", "-verify", "-in", rFile, "-CAfile", caFile, "-untrusted", tsaFile, "-digest", hex.EncodeToString(sum(h, []byte("other")))}
			out, err = openssl(t, args...)
			assert.Error(t, err, "%s", out)

			// OpenSSL prints the fields we wrote.
			out, err = openssl(t, "ts", "-reply", "-in", rFile, "-text")
			require.NoError(t, err, "%s", out)
			assert.Contains(t, string(out), "Status: Granted.")
			assert.Contains(t, string(out), "Policy OID: "+testPolicy.String())
			assert.Contains(t, string(out), "Accuracy: 0x01 seconds, 0x01F4 millis, unspecified micros")
			assert.Contains(t, string(out), "TSA: DirName:")
		})
	}
}

// opensslTSA writes an openssl TSA configuration and returns its path.
func opensslTSA(t *testing.T, dir string, key crypto.Signer, essAlg, signerDigest string) string {
	p := testCA(t)
	cert := p.issue(t, key.Public(), "openssl TSA", true, nil)
	writeFile(t, dir, "serial", []byte("0A\n"))
	writeFile(t, dir, "tsa.pem", certPEM(cert))
	writeFile(t, dir, "tsa.key", keyPEM(t, key))
	writeFile(t, dir, "chain.pem", certPEM(p.ca))
	cfg := fmt.Sprintf(`
[ tsa ]
default_tsa = tsa1

[ tsa1 ]
dir = %s
serial = $dir/serial
crypto_device = builtin
signer_cert = $dir/tsa.pem
certs = $dir/chain.pem
signer_key = $dir/tsa.key
signer_digest = %s
default_policy = 1.2.3.4.1
other_policies = 1.2.3.4.5
digests = sha256, sha384, sha512
accuracy = secs:1, millisecs:500, microsecs:100
clock_precision_digits = 3
ordering = yes
tsa_name = yes
ess_cert_id_chain = no
ess_cert_id_alg = %s
`, dir, signerDigest, essAlg)
	return writeFile(t, dir, "tsa.cnf", []byte(cfg))
}

func TestParseOpenSSLTokens(t *testing.T) {
	p := testCA(t)
	cases := []struct {
		name         string
		key          crypto.Signer
		essAlg       string
		signerDigest string
		hash         crypto.Hash
		policy       bool
	}{
		{"rsa-ess-v2", p.rsaKey, "sha256", "sha256", crypto.SHA256, false},
		{"rsa-ess-v1-sha1", p.rsaKey, "sha1", "sha256", crypto.SHA256, false},
		{"rsa-ess-sha384-signer-sha512", p.rsaKey, "sha384", "sha512", crypto.SHA384, true},
		{"p256", p.ecKey, "sha256", "sha256", crypto.SHA512, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			cfg := opensslTSA(t, dir, c.key, c.essAlg, c.signerDigest)
			digest := sum(c.hash, []byte("data to stamp "+c.name))
			q, err := NewQuery(c.hash, digest)
			require.NoError(t, err)
			if c.policy {
				q.Policy = []int{1, 2, 3, 4, 5}
			}
			qd, err := q.Marshal()
			require.NoError(t, err)
			qFile := writeFile(t, dir, "q.tsq", qd)
			rFile := filepath.Join(dir, "r.tsr")
			out, err := openssl(t, "ts", "-reply", "-config", cfg, "-queryfile", qFile, "-out", rFile)
			require.NoError(t, err, "%s", out)
			data := readFile(t, rFile)

			// The client's checks accept OpenSSL's reply to our query.
			der, err := checkReply(data, q)
			require.NoError(t, err)

			tok, err := ParseToken(der)
			require.NoError(t, err)
			info := tok.Info
			assert.Equal(t, 0, info.Nonce.Cmp(q.Nonce))
			assert.Equal(t, 1500100*time.Microsecond, info.Accuracy)
			assert.True(t, info.Ordering)
			assert.Equal(t, int64(11), info.SerialNumber.Int64(), "OpenSSL uses the serial file value plus one")
			assert.WithinDuration(t, time.Now(), info.GenTime, time.Minute)
			require.NotNil(t, info.TSAName)
			assert.Equal(t, "openssl TSA", info.TSAName.CommonName)
			if c.policy {
				assert.Equal(t, "1.2.3.4.5", info.Policy.String())
			} else {
				assert.Equal(t, "1.2.3.4.1", info.Policy.String())
			}
			v, err := tok.Verify(digest, nil)
			require.NoError(t, err)
			assert.Equal(t, "openssl TSA", v.Certificate.Subject.CommonName)
			si := tok.SignedData.SignerInfos[0]
			if c.essAlg == "sha1" {
				_, err := si.ESSSigningCertificate()
				assert.NoError(t, err, "OpenSSL writes signing-certificate v1 for SHA-1")
			} else {
				_, err := si.ESSSigningCertificateV2()
				assert.NoError(t, err)
			}

			_, err = tok.Verify(sum(c.hash, []byte("other")), nil)
			assert.ErrorIs(t, err, ErrDigestMismatch)
			bad := bytes.Clone(der)
			bad[bytes.Index(bad, si.Signature)+5] ^= 0x40
			tb, err := ParseToken(bad)
			require.NoError(t, err)
			_, err = tb.Verify(digest, nil)
			assert.ErrorIs(t, err, ErrSignatureInvalid)

			// The same OpenSSL reply does not answer another query.
			q2, _ := NewQuery(c.hash, digest)
			q2.Policy = q.Policy
			_, err = checkReply(data, q2)
			assert.ErrorIs(t, err, ErrReplyMismatch)
		})
	}
}

// TestOpenSSLQueryWithoutNonce: a query without nonce (openssl -no_nonce)
// gets a token without nonce.
func TestOpenSSLQueryWithoutNonce(t *testing.T) {
	p := testCA(t)
	s, _, _ := newTestServer(t, p.ecKey, nil)
	dir := t.TempDir()
	qFile := filepath.Join(dir, "q.tsq")
	out, err := openssl(t, "ts", "-query", "-data", writeFile(t, dir, "d", []byte("x")), "-sha512", "-no_nonce", "-out", qFile)
	require.NoError(t, err, "%s", out)
	q, err := ParseQuery(readFile(t, qFile))
	require.NoError(t, err)
	assert.Nil(t, q.Nonce)
	assert.False(t, q.CertReq)
	r, err := ParseReply(s.Respond(context.Background(), readFile(t, qFile)))
	require.NoError(t, err)
	tok, err := ParseToken(r.Token)
	require.NoError(t, err)
	assert.Nil(t, tok.Info.Nonce)
	assert.True(t, strings.HasPrefix(tok.Info.GenTime.String(), "2026-05-17 10:20:30"))
}
