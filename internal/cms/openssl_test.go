// This file checks interoperability with OpenSSL in both directions:
// OpenSSL must verify what Sign makes, and Verify must accept (and, once
// tampered with, reject) what `openssl cms -sign` makes.

package cms

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/ocsp"
)

// opensslVerify runs openssl cms -verify on a DER signature and reports
// whether it succeeded, with openssl's output.
func opensslVerify(t *testing.T, dir string, sig, content []byte) (bool, string) {
	t.Helper()
	caFile := writeFile(t, dir, "ca.pem", certPEM(testCA(t).ca))
	sigFile := writeFile(t, dir, "sig.p7s", sig)
	args := []string{"cms", "-verify", "-binary", "-inform", "DER", "-in", sigFile,
		"-CAfile", caFile, "-purpose", "any", "-out", filepath.Join(dir, "out")}
	if content != nil {
		args = append(args, "-content", writeFile(t, dir, "data", content))
	}
	out, err := openssl(t, args...)
	return err == nil && bytes.Contains(out, []byte("Verification successful")), string(out)
}

func TestOpenSSLVerifiesOurSignatures(t *testing.T) {
	content := []byte("zajavlenie: 2026-03-01\x00\x01binary\r\n")
	for _, c := range signCases {
		if c.scheme == PureEd25519 {
			continue // OpenSSL 3.0 lacks RFC 8419 (Ed25519 in CMS)
		}
		t.Run(c.name, func(t *testing.T) {
			sd, _ := signForTest(t, c, content, &SignOptions{SigningTime: time.Now()})
			der, err := sd.Marshal()
			require.NoError(t, err)
			var detached []byte
			if !c.attached {
				detached = content
			}
			ok, out := opensslVerify(t, t.TempDir(), der, detached)
			assert.True(t, ok, "openssl: %s", out)

			// OpenSSL rejects the same signature over other content.
			if !c.attached {
				ok, _ = opensslVerify(t, t.TempDir(), der, append([]byte("x"), content...))
				assert.False(t, ok)
			}
		})
	}
}

// TestOpenSSLVerifiesExtended adds what B-T and B-LT add (a time-stamp
// attribute, certificates, a CRL, an OCSP response) and checks OpenSSL
// still verifies, and with -cades checks the signing-certificate-v2.
func TestOpenSSLVerifiesExtended(t *testing.T) {
	p := testCA(t)
	content := []byte("extended")
	sd, cert := signForTest(t, signCases[3], content, nil) // RSA-3072 PSS, detached

	// A real CRL and OCSP response from the test CA.
	crl, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour),
	}, p.ca, p.caKey)
	require.NoError(t, err)
	resp, err := ocsp.CreateResponse(p.ca, p.ca, ocsp.Response{
		Status: ocsp.Good, SerialNumber: cert.SerialNumber,
		ThisUpdate: time.Now().Add(-time.Minute), NextUpdate: time.Now().Add(time.Hour),
	}, p.caKey)
	require.NoError(t, err)
	extra := p.issue(t, testKey(t, "p384").Public(), "responder", nil)

	require.NoError(t, sd.AddUnsignedAttribute(0, OIDAttributeTimeStampToken, tlv(0x30, encodeOID(OIDSignedData))))
	require.NoError(t, sd.AddCertificates(extra))
	require.NoError(t, sd.AddCRLs(crl))
	require.NoError(t, sd.AddOCSPResponses(resp))
	der, err := sd.Marshal()
	require.NoError(t, err)

	dir := t.TempDir()
	ok, out := opensslVerify(t, dir, der, content)
	assert.True(t, ok, "openssl: %s", out)

	// OpenSSL's own CAdES check of signing-certificate-v2.
	caFile := writeFile(t, dir, "ca.pem", certPEM(p.ca))
	o, err := openssl(t, "cms", "-verify", "-cades", "-binary", "-inform", "DER", "-in", writeFile(t, dir, "x.p7s", der),
		"-content", writeFile(t, dir, "d", content), "-CAfile", caFile, "-purpose", "any", "-out", filepath.Join(dir, "o"))
	assert.NoError(t, err, "%s", o)

	// OpenSSL sees the revocation data where it belongs.
	o, err = openssl(t, "cms", "-cmsout", "-print", "-inform", "DER", "-in", filepath.Join(dir, "x.p7s"), "-noout")
	require.NoError(t, err, "%s", o)
	assert.Contains(t, string(o), "otherRevInfoFormat: undefined (1.3.6.1.5.5.7.16.2)")
	assert.Contains(t, string(o), "Basic OCSP Response")
	assert.Contains(t, string(o), "d.crl:")
}

type opensslSignCase struct {
	name    string
	key     string
	args    []string
	attach  bool
	noAttrs bool
	cades   bool
	scheme  SignatureScheme
	ber     bool
	keyid   bool
}

var opensslSignCases = []opensslSignCase{
	{name: "rsa2048", key: "rsa2048", scheme: RSAPKCS1v15},
	{name: "rsa2048-cades", key: "rsa2048", args: []string{"-cades"}, cades: true, scheme: RSAPKCS1v15},
	{name: "rsa2048-nodetach", key: "rsa2048", args: []string{"-nodetach"}, attach: true, scheme: RSAPKCS1v15},
	{name: "rsa2048-cades-nodetach-sha512", key: "rsa2048", args: []string{"-cades", "-nodetach", "-md", "sha512"}, attach: true, cades: true, scheme: RSAPKCS1v15},
	{name: "rsa3072-pss", key: "rsa3072", args: []string{"-keyopt", "rsa_padding_mode:pss"}, scheme: RSAPSS},
	{name: "rsa3072-pss-cades-nodetach", key: "rsa3072", args: []string{"-keyopt", "rsa_padding_mode:pss", "-cades", "-nodetach"}, attach: true, cades: true, scheme: RSAPSS},
	// With -stream and DER output OpenSSL embeds the content even without
	// -nodetach.
	{name: "rsa2048-stream", key: "rsa2048", args: []string{"-stream"}, attach: true, scheme: RSAPKCS1v15, ber: true},
	{name: "rsa2048-stream-nodetach", key: "rsa2048", args: []string{"-stream", "-nodetach"}, attach: true, scheme: RSAPKCS1v15, ber: true},
	// (-stream with RSASSA-PSS fails inside OpenSSL 3.0: "illegal zero
	// content".)
	{name: "rsa2048-stream-nodetach-cades-sha512", key: "rsa2048", args: []string{"-stream", "-nodetach", "-cades", "-md", "sha512"}, attach: true, cades: true, scheme: RSAPKCS1v15, ber: true},
	{name: "rsa2048-noattr", key: "rsa2048", args: []string{"-noattr"}, noAttrs: true, scheme: RSAPKCS1v15},
	{name: "rsa2048-keyid", key: "rsa2048", args: []string{"-keyid"}, keyid: true, scheme: RSAPKCS1v15},
	{name: "p256", key: "p256", scheme: ECDSA},
	{name: "p256-cades-nodetach", key: "p256", args: []string{"-cades", "-nodetach"}, attach: true, cades: true, scheme: ECDSA},
	{name: "p384-sha384", key: "p384", args: []string{"-md", "sha384"}, scheme: ECDSA},
	// OpenSSL 3.0 cannot sign or verify Ed25519 CMS (RFC 8419 arrived in
	// a later release), so Ed25519 is only checked against our verifier.
}

func TestParseOpenSSLSignatures(t *testing.T) {
	p := testCA(t)
	content := []byte("arыз: please register\n\x00binary tail")
	for _, c := range opensslSignCases {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			key := testKey(t, c.key)
			cert := p.issue(t, key.Public(), "openssl "+c.name, func(tmpl *x509.Certificate) {
				tmpl.SubjectKeyId = []byte{0xde, 0xad, byte(len(c.name))}
			})
			args := append([]string{"cms", "-sign", "-binary", "-outform", "DER",
				"-in", writeFile(t, dir, "data", content),
				"-signer", writeFile(t, dir, "signer.pem", certPEM(cert)),
				"-inkey", writeFile(t, dir, "key.pem", keyPEM(t, key)),
				"-certfile", writeFile(t, dir, "ca.pem", certPEM(p.ca)),
				"-out", filepath.Join(dir, "sig.der")}, c.args...)
			out, err := openssl(t, args...)
			require.NoError(t, err, "%s", out)
			der := readFile(t, filepath.Join(dir, "sig.der"))
			if c.ber {
				require.Equal(t, byte(0x80), der[1], "openssl -stream should write indefinite lengths")
			}

			sd, err := Parse(der)
			require.NoError(t, err)
			require.Len(t, sd.SignerInfos, 1)
			si := sd.SignerInfos[0]
			if c.attach {
				require.Equal(t, content, sd.Content)
			} else {
				require.Nil(t, sd.Content)
			}
			if c.keyid {
				assert.Equal(t, cert.SubjectKeyId, si.SID.SubjectKeyIdentifier)
			} else {
				assert.NotNil(t, si.SID.IssuerAndSerialNumber)
			}
			assert.Equal(t, c.noAttrs, si.SignedAttrs == nil)

			found, err := si.FindCertificate(sd.Certificates)
			require.NoError(t, err)
			require.Equal(t, cert.Raw, found.Raw)
			h, err := si.DigestHash()
			require.NoError(t, err)
			v, err := si.Verify(found, sum(h, content))
			require.NoError(t, err)
			assert.Equal(t, c.scheme, v.Scheme)
			assert.False(t, v.SignedAttrsNotDER)

			// Tampered content.
			_, err = si.Verify(found, sum(h, append(content, '!')))
			if c.noAttrs {
				assert.ErrorIs(t, err, ErrSignatureInvalid)
			} else {
				assert.ErrorIs(t, err, ErrDigestMismatch)
			}

			// The round trip keeps every signed byte.
			re, err := sd.Marshal()
			require.NoError(t, err)
			sd2, err := Parse(re)
			require.NoError(t, err)
			assert.Equal(t, si.RawSignedAttrs, sd2.SignerInfos[0].RawSignedAttrs)
			assert.Equal(t, si.Signature, sd2.SignerInfos[0].Signature)
			assert.Equal(t, sd.Content, sd2.Content)

			if c.noAttrs {
				return
			}
			// A changed signed-attribute byte (the last digit of the
			// signing time) breaks the signature, not the parse.
			st := si.SignedAttrs.Find(OIDAttributeSigningTime)
			require.NotNil(t, st)
			i := bytes.Index(der, st.Values[0])
			require.Positive(t, i)
			bad := bytes.Clone(der)
			last := i + len(st.Values[0]) - 2 // before the 'Z'
			bad[last] = '0' + (bad[last]-'0'+1)%10
			sdBad, err := Parse(bad)
			require.NoError(t, err)
			_, err = sdBad.SignerInfos[0].Verify(found, sum(h, content))
			assert.ErrorIs(t, err, ErrSignatureInvalid)

			// A substituted certificate: same key, issuer and serial, other
			// subject. The signature value still verifies, so only the ESS
			// signing-certificate-v2 attribute reveals it.
			twin := p.issue(t, key.Public(), "substitute", func(tmpl *x509.Certificate) {
				tmpl.SerialNumber = cert.SerialNumber
				tmpl.SubjectKeyId = cert.SubjectKeyId
			})
			sub := substituteCertificate(t, sd, cert, twin)
			subCert, err := sub.SignerInfos[0].FindCertificate(sub.Certificates)
			require.NoError(t, err)
			require.Equal(t, twin.Raw, subCert.Raw)
			_, err = sub.SignerInfos[0].Verify(subCert, sum(h, content))
			require.NoError(t, err)
			ess, err := sub.SignerInfos[0].ESSSigningCertificateV2()
			if !c.cades {
				assert.ErrorIs(t, err, ErrAttributeNotFound)
				return
			}
			require.NoError(t, err)
			assert.NoError(t, ess.Certs[0].Match(cert))
			assert.ErrorIs(t, ess.Certs[0].Match(subCert), ErrSigningCertificateMismatch)
		})
	}
}

// substituteCertificate replaces a certificate inside a SignedData
// without touching anything else.
func substituteCertificate(t *testing.T, sd *SignedData, old, repl *x509.Certificate) *SignedData {
	t.Helper()
	r := sd.raw.clone()
	for i, c := range r.certs {
		if bytes.Equal(c, old.Raw) {
			r.certs[i] = repl.Raw
		}
	}
	out, err := Parse(r.marshal())
	require.NoError(t, err)
	return out
}

// TestFindCertificateAmbiguous: two certificates with the same subject
// key identifier (a renewed certificate) are told apart by the ESS
// attribute; without it FindCertificate refuses to guess.
func TestFindCertificateAmbiguous(t *testing.T) {
	p := testCA(t)
	key := testKey(t, "p256")
	ski := []byte{1, 2, 3, 4}
	a := p.issue(t, key.Public(), "a", func(c *x509.Certificate) { c.SubjectKeyId = ski })
	b := p.issue(t, key.Public(), "b", func(c *x509.Certificate) { c.SubjectKeyId = ski })
	sd, err := Sign(context.Background(), key, a, sum(crypto.SHA256, nil), nil)
	require.NoError(t, err)
	si := *sd.SignerInfos[0]
	si.SID = SignerIdentifier{SubjectKeyIdentifier: ski}
	got, err := si.FindCertificate([]*x509.Certificate{b, a, b})
	require.NoError(t, err)
	assert.Equal(t, a.Raw, got.Raw)

	si.SignedAttrs = si.SignedAttrs[:0:0] // no ESS attribute
	_, err = si.FindCertificate([]*x509.Certificate{b, a})
	assert.ErrorIs(t, err, ErrSignerNotFound)
	_, err = si.FindCertificate(nil)
	assert.ErrorIs(t, err, ErrSignerNotFound)

	// The issuer comparison survives a re-encoded name (PrintableString vs
	// UTF8String) but not a different one.
	ias := SignerIdentifier{IssuerAndSerialNumber: &IssuerAndSerialNumber{RawIssuer: reencodeName(t, a.RawIssuer), SerialNumber: a.SerialNumber}}
	assert.True(t, ias.matches(a))
	ias.IssuerAndSerialNumber.RawIssuer = b.RawSubject
	assert.False(t, ias.matches(a))
}

func reencodeName(t *testing.T, raw []byte) []byte {
	var rdn pkix.RDNSequence
	_, err := asnUnmarshal(raw, &rdn)
	require.NoError(t, err)
	out, err := asnMarshalUTF8(rdn)
	require.NoError(t, err)
	require.NotEqual(t, raw, out)
	return out
}
