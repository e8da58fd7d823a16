package verify_test

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/internal/testtool"
	"github.com/tamgasign/tamga/verify"
)

// opensslSign signs data with OpenSSL's CMS implementation, using a key and
// certificate of the test PKI, and returns the DER signature.
func opensslSign(t *testing.T, id *testpki.Identity, data []byte, extra ...string) []byte {
	t.Helper()
	openssl := testtool.Require(t, "openssl")
	dir := t.TempDir()
	keyPEM, err := id.KeyPEM()
	require.NoError(t, err)
	files := map[string][]byte{
		"key.pem": keyPEM, "cert.pem": testpki.CertPEM(id.Cert),
		"chain.pem": testpki.CertPEM(id.Chain...), "data": data,
	}
	for name, b := range files {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name), b, 0o600))
	}
	args := append([]string{"cms", "-sign", "-binary", "-outform", "DER",
		"-signer", filepath.Join(dir, "cert.pem"), "-inkey", filepath.Join(dir, "key.pem"),
		"-certfile", filepath.Join(dir, "chain.pem"), "-in", filepath.Join(dir, "data"),
		"-out", filepath.Join(dir, "sig")}, extra...)
	out, err := exec.Command(openssl, args...).CombinedOutput()
	require.NoError(t, err, "openssl %v: %s", args, out)
	sig, err := os.ReadFile(filepath.Join(dir, "sig"))
	require.NoError(t, err)
	return sig
}

// TestOpenSSLMadeSignatures validates CMS made by another implementation,
// and rejects it when the content or a signed attribute changes.
func TestOpenSSLMadeSignatures(t *testing.T) {
	srv := testpki.NewTestServer(t)
	p := srv.PKI
	policy := &verify.Policy{Roots: p.Roots(), Online: true}

	tests := []struct {
		name     string
		args     []string
		attached bool
	}{
		{"cades detached", []string{"-cades"}, false},
		{"cades attached", []string{"-cades", "-nodetach"}, true},
		{"cades detached sha384", []string{"-cades", "-md", "sha384"}, false},
		{"cades attached streamed (BER)", []string{"-cades", "-nodetach", "-stream"}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sig := opensslSign(t, p.Executor, content, tt.args...)
			contentFor := func(c []byte) *bytes.Reader {
				if tt.attached {
					return nil
				}
				return bytes.NewReader(c)
			}
			r := verifyWith(t, sig, contentFor(content), policy)
			requireVerdict(t, r, verify.TotalPassed, "")
			require.Equal(t, "CAdES-BASELINE-B", r.Signatures[0].Level)

			if !tt.attached {
				changed := bytes.Clone(content)
				changed[len(changed)-1] ^= 1
				r = verifyWith(t, sig, contentFor(changed), policy)
				requireVerdict(t, r, verify.TotalFailed, verify.HashFailure)
			} else {
				i := bytes.Index(sig, content[:20])
				require.Positive(t, i)
				bad := bytes.Clone(sig)
				bad[i+3] ^= 1
				r = verifyWith(t, bad, nil, policy)
				requireVerdict(t, r, verify.TotalFailed, verify.HashFailure)
			}

			// A signed attribute changed: the signing-time's last digit.
			bad := bytes.Clone(sig)
			i := bytes.Index(bad, []byte{0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x05}) // id-signingTime
			require.Positive(t, i)
			bad[i+11+2+2+10] ^= 1 // inside the UTCTime's digits
			r = verifyWith(t, bad, contentFor(content), policy)
			require.Equal(t, verify.TotalFailed, r.Indication)
			require.Equal(t, verify.SigCryptoFailure, r.Signatures[0].SubIndication)
		})
	}

	t.Run("SHA-1 is rejected by default", func(t *testing.T) {
		sig := opensslSign(t, p.Executor, content, "-cades", "-md", "sha1")
		r := verifyWith(t, sig, bytes.NewReader(content), policy)
		requireVerdict(t, r, verify.Indeterminate, verify.CryptoConstraintsFailure)
		sha1OK := *policy
		sha1OK.AllowSHA1 = true
		r = verifyWith(t, sig, bytes.NewReader(content), &sha1OK)
		requireVerdict(t, r, verify.TotalPassed, "")
	})
	t.Run("no signing-certificate attribute", func(t *testing.T) {
		sig := opensslSign(t, p.Executor, content) // plain CMS, no -cades
		r := verifyWith(t, sig, bytes.NewReader(content), policy)
		requireVerdict(t, r, verify.TotalPassed, "")
		require.Equal(t, "CAdES-NOT-BASELINE", r.Signatures[0].Level)
	})
}

// TestDegenerateCMS is a SignedData with certificates and no signer (as
// "openssl crl2pkcs7" makes): there is nothing to validate.
func TestDegenerateCMS(t *testing.T) {
	openssl := testtool.Require(t, "openssl")
	p := testpki.NewTest(t)
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "c.pem"), testpki.CertPEM(p.Executor.Cert), 0o644))
	out, err := exec.Command(openssl, "crl2pkcs7", "-nocrl", "-certfile", filepath.Join(dir, "c.pem"), "-outform", "DER", "-out", filepath.Join(dir, "d.p7b")).CombinedOutput()
	require.NoError(t, err, "%s", out)
	der, err := os.ReadFile(filepath.Join(dir, "d.p7b"))
	require.NoError(t, err)
	r, err := verify.CMS(context.Background(), der, bytes.NewReader(content), &verify.Policy{Roots: p.Roots()})
	require.NoError(t, err)
	require.Equal(t, verify.TotalFailed, r.Indication)
	require.Equal(t, verify.FormatFailure, r.SubIndication)
	require.True(t, hasCode(r.Messages, "NO_SIGNATURE"))
}

func verifyWith(t *testing.T, sig []byte, content *bytes.Reader, p *verify.Policy) *verify.Report {
	t.Helper()
	var r *verify.Report
	var err error
	if content == nil {
		r, err = verify.CMS(context.Background(), sig, nil, p)
	} else {
		r, err = verify.CMS(context.Background(), sig, content, p)
	}
	require.NoError(t, err)
	require.Len(t, r.Signatures, 1)
	return r
}

// TestSignedCorpus validates the CAdES files made by EU DSS (in the shared
// corpus beside the repository) against the outcome their source asserts.
// Their certificates have long expired and their roots are not ours, so the
// bar is integrity: never TOTAL_PASSED for a tampered file, never a
// HASH_FAILURE or SIG_CRYPTO_FAILURE for an intact one, and a typed error
// for the malformed one.
func TestSignedCorpus(t *testing.T) {
	dir := testtool.Shared(t, "signed-corpus")
	f, err := os.Open(filepath.Join(dir, "MANIFEST.tsv"))
	require.NoError(t, err)
	defer f.Close()
	anchors, err := verify.LoadTrust(filepath.Join(dir, "certs"))
	require.NoError(t, err)
	policy := &verify.Policy{Roots: anchors, AllowSHA1: true, Now: func() time.Time { return time.Date(2020, 11, 1, 0, 0, 0, 0, time.UTC) }}

	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	sc.Scan() // header
	rows := 0
	for sc.Scan() {
		col := strings.Split(sc.Text(), "\t")
		if len(col) < 6 || col[1] != "cades" {
			continue
		}
		rows++
		file, expected, contentCol := col[0], col[3], col[5]
		t.Run(filepath.Base(file)+"/"+strings.Fields(expected)[0], func(t *testing.T) {
			sig, err := os.ReadFile(filepath.Join(dir, file))
			require.NoError(t, err)
			var content *bytes.Reader
			if contentCol != "-" && contentCol != "" {
				data, err := os.ReadFile(filepath.Join(dir, strings.Fields(contentCol)[0]))
				require.NoError(t, err)
				content = bytes.NewReader(data)
			}
			var r *verify.Report
			if content == nil {
				r, err = verify.CMS(context.Background(), sig, nil, policy)
			} else {
				r, err = verify.CMS(context.Background(), sig, content, policy)
			}
			switch {
			case strings.HasPrefix(expected, "malformed"):
				require.ErrorIs(t, err, verify.ErrMalformed)
				return
			default:
				require.NoError(t, err)
			}
			require.NotEmpty(t, r.Signatures)
			s := r.Signatures[0]
			switch {
			case strings.HasPrefix(expected, "tampered"):
				require.Equal(t, verify.TotalFailed, r.Indication)
				require.Equal(t, verify.HashFailure, s.SubIndication)
			case strings.HasPrefix(expected, "indeterminate: NO_SIGNING_CERTIFICATE_FOUND"):
				require.Equal(t, verify.Indeterminate, s.Indication)
				require.Equal(t, verify.NoSigningCertificate, s.SubIndication)
			case strings.HasPrefix(expected, "DISPUTED"):
				// Either answer is defensible; it must not be a broken one.
				require.NotEqual(t, verify.FormatFailure, s.SubIndication, "%v", s.Messages)
			case strings.Contains(expected, "unsupported-algorithm is an acceptable answer"):
				require.NotEqual(t, verify.TotalFailed, s.Indication, "%v", s.Messages)
			default: // intact: the signed data and the signature value verify
				require.NotEqual(t, verify.TotalFailed, s.Indication, "%v", s.Messages)
				require.True(t, s.Integrity, "%v", s.Messages)
			}
			if strings.Contains(expected, "CAdES-A (B-LTA)") {
				// Its authority is not among the anchors, but the archive
				// time-stamp itself must verify under our reading of the rules.
				require.True(t, hasCode(s.Messages, "ARCHIVE_TIMESTAMP_UNTRUSTED"), "%v", s.Messages)
			}
			if strings.Contains(expected, "archive time-stamp BROKEN") {
				require.True(t, hasCode(s.Messages, "ARCHIVE_TIMESTAMP_INVALID"), "%v", s.Messages)
				require.False(t, hasCode(s.Messages, "ARCHIVE_TIMESTAMP_VALID"), "%v", s.Messages)
			}
			if strings.Contains(expected, "signature time-stamp BROKEN") {
				require.Nil(t, s.TimestampTime, "a time-stamp whose imprint does not match must prove nothing")
				require.True(t, hasCode(s.Messages, "TIMESTAMP_INVALID"), "%v", s.Messages)
			}
		})
	}
	require.NoError(t, sc.Err())
	require.Positive(t, rows)
}

func hasCode(ms []verify.Message, code string) bool {
	for _, m := range ms {
		if m.Code == code {
			return true
		}
	}
	return false
}
