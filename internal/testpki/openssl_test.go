// This file checks the PKI's output with OpenSSL, an implementation that
// shares no code with crypto/x509.

package testpki

import (
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"
)

func TestOpenSSLVerify(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg.String(), func(t *testing.T) {
			p := NewTest(t, Config{KeyAlg: alg})
			now := p.Now()
			stranger, err := p.Stranger()
			require.NoError(t, err)
			subCA, err := p.Issue(LeafSpec{Name: "sub-ca", Issuer: p.Root, IsCA: true})
			require.NoError(t, err)
			issue := func(spec LeafSpec) *Identity {
				// The issuer's algorithm is the one under test; P-256 leaf
				// keys keep RSA-3072 key generation out of the loop.
				if spec.KeyAlg == 0 {
					spec.KeyAlg = ECDSAP256
				}
				id, err := p.Issue(spec)
				require.NoError(t, err)
				return id
			}
			tests := []struct {
				id      *Identity
				purpose string // -purpose, if any
				extra   []string
				want    string // "" for OK, else a substring of the error
			}{
				{id: p.Intermediate},
				{id: p.Executor},
				{id: p.Executor, purpose: "smimesign"},
				{id: p.Applicant},
				{id: p.Applicant, purpose: "smimesign"},
				{id: p.OCSPResponder},
				{id: p.OCSPResponder, purpose: "ocsphelper"},
				{id: p.TSA},
				{id: p.TSA, purpose: "timestampsign"},
				// The purposes are really checked:
				{id: p.Executor, purpose: "timestampsign", want: "unsuitable certificate purpose"},
				{id: p.TSA, purpose: "smimesign", want: "unsuitable certificate purpose"},
				{id: issue(LeafSpec{Issuer: subCA})},
				{id: issue(LeafSpec{IsCA: true})},
				{id: issue(LeafSpec{NotBefore: now.AddDate(-2, 0, 0), NotAfter: now.AddDate(-1, 0, 0)}), want: "certificate has expired"},
				{id: issue(LeafSpec{NotBefore: now.AddDate(0, 0, 1)}), want: "certificate is not yet valid"},
				{id: issue(LeafSpec{Issuer: stranger}), want: "unable to get local issuer certificate"},
				{id: issue(LeafSpec{Issuer: p.Executor}), want: "invalid CA certificate"},
				{id: issue(LeafSpec{KeyAlg: RSA1024})},
				{id: issue(LeafSpec{KeyAlg: RSA1024}), extra: []string{"-auth_level", "2"}, want: "EE certificate key too weak"},
			}
			for i, tc := range tests {
				name := fmt.Sprintf("%d-%s-%s", i, tc.id.Name, tc.purpose)
				t.Run(name, func(t *testing.T) {
					_, root, untrusted, leaf := chainFiles(t, p, tc.id)
					args := []string{"verify", "-CAfile", root, "-untrusted", untrusted}
					if tc.purpose != "" {
						args = append(args, "-purpose", tc.purpose)
					}
					args = append(append(args, tc.extra...), leaf)
					out, ok := openssl(t, args...)
					if tc.want == "" {
						require.True(t, ok, out)
						require.Contains(t, out, ": OK")
					} else {
						require.False(t, ok, out)
						require.Contains(t, out, tc.want)
					}
				})
			}
		})
	}
}

func TestOpenSSLWeakSignature(t *testing.T) {
	// At security level 1 (80 bits) OpenSSL 3 refuses SHA-1 signatures on
	// certificates; at level 0 the same chain verifies, so the signature
	// itself is sound and only its digest is weak.
	p := NewTest(t, Config{KeyAlg: RSA2048})
	id, err := p.Issue(LeafSpec{SignatureAlgorithm: x509.SHA1WithRSA})
	require.NoError(t, err)
	_, root, untrusted, leaf := chainFiles(t, p, id)
	text, ok := openssl(t, "x509", "-in", leaf, "-noout", "-text")
	require.True(t, ok, text)
	require.Contains(t, text, "Signature Algorithm: sha1WithRSAEncryption")
	out, ok := openssl(t, "verify", "-auth_level", "1", "-CAfile", root, "-untrusted", untrusted, leaf)
	require.False(t, ok, out)
	require.Contains(t, out, "CA signature digest algorithm too weak")
	out, ok = openssl(t, "verify", "-auth_level", "0", "-CAfile", root, "-untrusted", untrusted, leaf)
	require.True(t, ok, out)
}

func TestOpenSSLText(t *testing.T) {
	p := NewTest(t, Config{BaseURL: "http://pki.test"})
	tests := []struct {
		id   *Identity
		want []string // regular expressions
	}{
		{p.Root, []string{`Basic Constraints: critical\s+CA:TRUE\n`, `Key Usage: critical\s+Certificate Sign, CRL Sign`,
			`Subject: C=KG, L=Бишкек, O=Тестовый удостоверяющий центр, OU=TEST ONLY - NOT FOR REAL DOCUMENTS [0-9a-f]{8}, CN=Тестовый корневой УЦ Кыргызской Республики`}},
		{p.Intermediate, []string{`CA:TRUE, pathlen:0`, `CA Issuers - URI:http://pki.test/ca/root.cer`, `URI:http://pki.test/crl/root.crl`}},
		{p.Executor, []string{
			`Key Usage: critical\s+Digital Signature, Non Repudiation\n`,
			`Extended Key Usage: \s+E-mail Protection, 1\.3\.6\.1\.4\.1\.311\.10\.3\.12\n`,
			`CA:FALSE`,
			`Subject: C=KG, L=Бишкек, O=Министерство юстиции Кыргызской Республики, CN=Үсөнбаев Нурбек Өмүрбек уулу, serialNumber=2\d{13}, SN=Үсөнбаев, GN=Нурбек, title=Главный специалист`,
			`qcStatements`,
			`OCSP - URI:http://pki.test/ocsp`, `CA Issuers - URI:http://pki.test/ca/intermediate.cer`, `URI:http://pki.test/crl/intermediate.crl`,
		}},
		{p.Applicant, []string{`Digital Signature, Non Repudiation\n`, `CN=Исакова Айгүл Маратовна, serialNumber=1\d{13}`}},
		{p.OCSPResponder, []string{`Extended Key Usage: \s+OCSP Signing\n`, `OCSP No Check`, `Key Usage: critical\s+Digital Signature\n`}},
		{p.TSA, []string{`Extended Key Usage: critical\s+Time Stamping\n`, `Key Usage: critical\s+Digital Signature\n`}},
	}
	dir := t.TempDir()
	for _, tc := range tests {
		t.Run(tc.id.Name, func(t *testing.T) {
			path := writePEM(t, dir, tc.id.Name+".pem", tc.id.Cert)
			out, ok := openssl(t, "x509", "-in", path, "-noout", "-text", "-nameopt", "utf8,sep_comma_plus_space", "-certopt", "no_pubkey,no_sigdump")
			require.True(t, ok, out)
			for _, re := range tc.want {
				assert.Regexp(t, regexp.MustCompile(re), out)
			}
			if tc.id != p.OCSPResponder {
				assert.NotContains(t, out, "OCSP No Check")
			}
		})
	}
}

func TestOpenSSLCRL(t *testing.T) {
	p := NewTest(t)
	require.NoError(t, p.Revoke(p.Applicant.Cert, time.Time{}, ocsp.KeyCompromise))
	dir := t.TempDir()
	writeCRL := func(name string, issuer *Identity) string {
		der, err := p.CRL(issuer.Cert)
		require.NoError(t, err)
		return writeFile(t, dir, name, pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}))
	}
	interCRL := writeCRL("inter.crl", p.Intermediate)
	rootCRL := writeCRL("root.crl", p.Root)
	root := writePEM(t, dir, "root.pem", p.Root.Cert)
	inter := writePEM(t, dir, "inter.pem", p.Intermediate.Cert)
	executor := writePEM(t, dir, "executor.pem", p.Executor.Cert)
	applicant := writePEM(t, dir, "applicant.pem", p.Applicant.Cert)

	text, ok := openssl(t, "crl", "-in", interCRL, "-noout", "-text")
	require.True(t, ok, text)
	assert.Contains(t, text, "Key Compromise")
	assert.Contains(t, text, strings.ToUpper(p.Applicant.Cert.SerialNumber.Text(16)))
	assert.Regexp(t, `X509v3 CRL Number: \s+\d+`, text)
	out, ok := openssl(t, "crl", "-in", interCRL, "-noout", "-CAfile", root, "-verify")
	assert.False(t, ok, "the intermediate CRL is not signed by the root: %s", out)
	out, ok = openssl(t, "crl", "-in", interCRL, "-noout", "-CAfile", inter)
	assert.True(t, ok, out)

	verify := func(leaf string, args ...string) (string, bool) {
		return openssl(t, append(append([]string{"verify", "-CAfile", root, "-untrusted", inter}, args...), leaf)...)
	}
	out, ok = verify(applicant, "-crl_check", "-CRLfile", interCRL)
	require.False(t, ok, out)
	require.Contains(t, out, "certificate revoked")
	out, ok = verify(executor, "-crl_check", "-CRLfile", interCRL)
	require.True(t, ok, out)
	out, ok = verify(executor, "-crl_check_all", "-CRLfile", interCRL, "-CRLfile", rootCRL)
	require.True(t, ok, out)

	// Revoking the intermediate invalidates the whole branch.
	require.NoError(t, p.Revoke(p.Intermediate.Cert, time.Time{}, ocsp.CACompromise))
	rootCRL = writeCRL("root2.crl", p.Root)
	out, ok = verify(executor, "-crl_check_all", "-CRLfile", interCRL, "-CRLfile", rootCRL)
	require.False(t, ok, out)
	require.Contains(t, out, "certificate revoked")
}

func TestOpenSSLOCSP(t *testing.T) {
	other := NewTest(t)
	for _, alg := range algs {
		t.Run(alg.String(), func(t *testing.T) {
			s := NewTestServer(t, Config{KeyAlg: alg})
			p := s.PKI
			stranger, err := p.Stranger()
			require.NoError(t, err)
			strangerLeaf, err := p.Issue(LeafSpec{Issuer: stranger})
			require.NoError(t, err)
			revokedAt := p.Now().Add(-10 * time.Minute)
			require.NoError(t, p.Revoke(p.Applicant.Cert, revokedAt, ocsp.KeyCompromise))

			dir := t.TempDir()
			f := func(name string, id *Identity) string { return writePEM(t, dir, name+".pem", id.Cert) }
			root, inter, executor, applicant := f("root", p.Root), f("intermediate", p.Intermediate), f("executor", p.Executor), f("applicant", p.Applicant)
			strangerPEM, strangerLeafPEM := f("stranger", stranger), f("stranger-leaf", strangerLeaf)
			otherInter := writePEM(t, dir, "other.pem", other.Intermediate.Cert)
			url := s.URL + "/ocsp"

			tests := []struct {
				name string
				args []string
				want []string // substrings of the output
				ok   bool     // exit status 0
			}{
				{"good", []string{"-issuer", inter, "-cert", executor, "-CAfile", root},
					[]string{"Response verify OK", executor + ": good", "This Update:", "Next Update:"}, true},
				{"revoked", []string{"-issuer", inter, "-cert", applicant, "-CAfile", root},
					[]string{"Response verify OK", applicant + ": revoked", "Reason: keyCompromise",
						"Revocation Time: " + revokedAt.Format("Jan _2 15:04:05 2006 GMT")}, true},
				{"unknown serial", []string{"-issuer", inter, "-serial", "0x1234abcd", "-CAfile", root},
					[]string{"Response verify OK", "0x1234abcd: unknown"}, true},
				{"intermediate, answered by the root", []string{"-issuer", root, "-cert", inter, "-CAfile", root},
					[]string{"Response verify OK", inter + ": good"}, true},
				{"without nonce", []string{"-no_nonce", "-issuer", inter, "-cert", executor, "-CAfile", root},
					[]string{"Response verify OK", executor + ": good"}, true},
				{"SHA-256 CertID", []string{"-sha256", "-issuer", inter, "-cert", executor, "-CAfile", root},
					[]string{"Response verify OK", executor + ": good"}, true},
				{"stranger", []string{"-issuer", strangerPEM, "-cert", strangerLeafPEM, "-CAfile", strangerPEM},
					[]string{"Response verify OK", strangerLeafPEM + ": good"}, true},
				{"issuer of another PKI", []string{"-issuer", otherInter, "-serial", "1", "-CAfile", root},
					[]string{"Responder Error: unauthorized (6)"}, false},
			}
			for _, tc := range tests {
				t.Run(tc.name, func(t *testing.T) {
					before := s.Requests("/ocsp")
					out, ok := openssl(t, append([]string{"ocsp", "-url", url}, tc.args...)...)
					assert.Equal(t, tc.ok, ok, out)
					for _, w := range tc.want {
						assert.Contains(t, out, w)
					}
					// OpenSSL warns when a nonce it sent is not echoed.
					assert.NotContains(t, out, "WARNING", out)
					assert.Equal(t, before+1, s.Requests("/ocsp"))
				})
			}
		})
	}
}

func TestOpenSSLPKCS12(t *testing.T) {
	for _, alg := range algs {
		t.Run(alg.String(), func(t *testing.T) {
			p := NewTest(t, Config{KeyAlg: alg})
			dir := t.TempDir()
			p12, err := p.Executor.PKCS12("s3cret-Пароль")
			require.NoError(t, err)
			path := writeFile(t, dir, "executor.p12", p12)

			out, ok := openssl(t, "pkcs12", "-in", path, "-passin", "pass:s3cret-Пароль", "-nokeys")
			require.True(t, ok, out)
			assert.Equal(t, 2, strings.Count(out, "BEGIN CERTIFICATE"), "leaf and intermediate")
			assert.Contains(t, out, string(CertPEM(p.Executor.Cert)))
			assert.Contains(t, out, string(CertPEM(p.Intermediate.Cert)))

			out, ok = openssl(t, "pkcs12", "-in", path, "-passin", "pass:s3cret-Пароль", "-nocerts", "-nodes")
			require.True(t, ok, out)
			keyPEM, err := p.Executor.KeyPEM()
			require.NoError(t, err)
			// OpenSSL re-encodes the key; compare the public halves.
			keyFile := writeFile(t, dir, "key.pem", []byte(out))
			pub1, ok := openssl(t, "pkey", "-in", keyFile, "-pubout")
			require.True(t, ok, pub1)
			pub2, ok := openssl(t, "pkey", "-in", writeFile(t, dir, "key2.pem", keyPEM), "-pubout")
			require.True(t, ok, pub2)
			assert.Equal(t, pub2, pub1)

			out, ok = openssl(t, "pkcs12", "-in", path, "-passin", "pass:wrong", "-nokeys")
			require.False(t, ok, out)
			assert.Contains(t, out, "Mac verify error")
		})
	}
}

// TestOpenSSLOCSPResponder checks OCSPResponse output with openssl, including
// responses that a verifier must reject.
func TestOpenSSLOCSPResponder(t *testing.T) {
	p := NewTest(t)
	dir := t.TempDir()
	root := writePEM(t, dir, "root.pem", p.Root.Cert)
	inter := writePEM(t, dir, "inter.pem", p.Intermediate.Cert)
	executor := writePEM(t, dir, "executor.pem", p.Executor.Cert)
	tests := []struct {
		name string
		opts *OCSPOptions
		want string
		ok   bool
	}{
		{"delegated responder", nil, "Response verify OK", true},
		{"SHA-256 CertID", &OCSPOptions{CertIDHash: crypto.SHA256}, "Response verify OK", true},
		// The executor is not authorized to answer for its own CA.
		{"unauthorized signer", &OCSPOptions{Signer: p.Executor}, "Response Verify Failure", false},
		// Signed by the root, which did not issue the executor.
		{"wrong CA", &OCSPOptions{Signer: p.Root}, "Response Verify Failure", false},
		// Produced a week ago: its nextUpdate has passed.
		{"stale", &OCSPOptions{At: p.Now().AddDate(0, 0, -7)}, "Status times invalid", true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			der, err := p.OCSPResponse(p.Executor.Cert, tc.opts)
			require.NoError(t, err)
			resp := writeFile(t, dir, "resp.der", der)
			args := []string{"ocsp", "-respin", resp, "-CAfile", root, "-issuer", inter}
			if tc.opts != nil && tc.opts.CertIDHash == crypto.SHA256 {
				args = append(args, "-sha256") // before -cert, which it applies to
			}
			args = append(args, "-cert", executor)
			out, ok := openssl(t, args...)
			assert.Equal(t, tc.ok, ok, out)
			assert.Contains(t, out, tc.want)
		})
	}
}
