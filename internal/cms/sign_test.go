// This file tests Sign, Marshal and the Add methods against our own
// parser; openssl_test.go checks the same output with OpenSSL.

package cms

import (
	"bytes"
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

type signCase struct {
	name     string
	key      string
	hash     crypto.Hash
	pss      bool
	attached bool
	scheme   SignatureScheme
}

var signCases = []signCase{
	{"rsa2048-pkcs1-detached", "rsa2048", crypto.SHA256, false, false, RSAPKCS1v15},
	{"rsa2048-pkcs1-attached", "rsa2048", crypto.SHA256, false, true, RSAPKCS1v15},
	{"rsa2048-pkcs1-sha512", "rsa2048", crypto.SHA512, false, false, RSAPKCS1v15},
	{"rsa3072-pss-detached", "rsa3072", crypto.SHA256, true, false, RSAPSS},
	{"rsa3072-pss-attached", "rsa3072", crypto.SHA256, true, true, RSAPSS},
	{"rsa3072-pss-sha384", "rsa3072", crypto.SHA384, true, false, RSAPSS},
	{"p256-detached", "p256", crypto.SHA256, false, false, ECDSA},
	{"p256-attached", "p256", crypto.SHA256, false, true, ECDSA},
	{"p384-sha384-detached", "p384", crypto.SHA384, false, false, ECDSA},
	{"p384-sha384-attached", "p384", crypto.SHA384, false, true, ECDSA},
	{"ed25519-detached", "ed25519", 0, false, false, PureEd25519},
}

// signForTest signs content per the case and returns the SignedData, the
// certificate and the content.
func signForTest(t testing.TB, c signCase, content []byte, opts *SignOptions) (*SignedData, *x509.Certificate) {
	t.Helper()
	p := testCA(t)
	key := testKey(t, c.key)
	cert := p.issue(t, key.Public(), "signer "+c.name, nil)
	if opts == nil {
		opts = &SignOptions{}
	}
	opts.Hash, opts.PSS = c.hash, c.pss
	opts.Certificates = append(opts.Certificates, p.ca)
	h := c.hash
	if h == 0 {
		h = crypto.SHA512
	}
	digest := sum(h, content)
	if c.attached {
		opts.Content = content
	}
	sd, err := Sign(context.Background(), key, cert, digest, opts)
	require.NoError(t, err)
	return sd, cert
}

func TestSignRoundTrip(t *testing.T) {
	content := []byte("application #42: please issue a certificate of residence\n")
	signingTime := time.Date(2026, 3, 1, 12, 30, 0, 0, time.UTC)
	for _, c := range signCases {
		t.Run(c.name, func(t *testing.T) {
			sd, cert := signForTest(t, c, content, &SignOptions{
				SigningTime:     signingTime,
				CommitmentTypes: []CommitmentTypeIndication{{Type: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 6, 1}}},
				SignaturePolicy: &SignaturePolicy{ID: asn1.ObjectIdentifier{1, 2, 3, 4}, HashAlgorithm: pkix.AlgorithmIdentifier{Algorithm: oidSHA256}, Hash: make([]byte, 32)},
			})
			der, err := sd.Marshal()
			require.NoError(t, err)
			parsed, err := Parse(der)
			require.NoError(t, err)

			require.Len(t, parsed.SignerInfos, 1)
			si := parsed.SignerInfos[0]
			if c.attached {
				assert.Equal(t, content, parsed.Content)
			} else {
				assert.Nil(t, parsed.Content)
			}
			assert.True(t, parsed.ContentType.Equal(OIDData))
			assert.Len(t, parsed.Certificates, 2)

			found, err := si.FindCertificate(parsed.Certificates)
			require.NoError(t, err)
			assert.Equal(t, cert.Raw, found.Raw)

			h, err := si.DigestHash()
			require.NoError(t, err)
			v, err := si.Verify(found, sum(h, content))
			require.NoError(t, err)
			assert.Equal(t, c.scheme, v.Scheme)
			assert.False(t, v.SignedAttrsNotDER)
			assert.False(t, v.SignedOverEmbeddedEncoding)
			if c.scheme != PureEd25519 {
				assert.Equal(t, h, v.SignatureHash)
			}

			// The typed getters read back what Sign wrote.
			ct, err := si.ContentType()
			require.NoError(t, err)
			assert.True(t, ct.Equal(OIDData))
			st, err := si.SigningTime()
			require.NoError(t, err)
			assert.True(t, st.Equal(signingTime))
			ess, err := si.ESSSigningCertificateV2()
			require.NoError(t, err)
			require.Len(t, ess.Certs, 1)
			require.NotNil(t, ess.Certs[0].IssuerSerial)
			assert.NoError(t, ess.Certs[0].Match(cert))
			assert.Equal(t, h, ess.Certs[0].Hash)
			cti, err := si.CommitmentTypeIndications()
			require.NoError(t, err)
			require.Len(t, cti, 1)
			pol, err := si.SignaturePolicyIdentifier()
			require.NoError(t, err)
			assert.True(t, pol.ID.Equal(asn1.ObjectIdentifier{1, 2, 3, 4}))
			_, err = si.ESSSigningCertificate()
			assert.ErrorIs(t, err, ErrAttributeNotFound)

			// Wrong content is a digest mismatch, not a signature failure.
			_, err = si.Verify(found, sum(h, append([]byte("x"), content...)))
			assert.ErrorIs(t, err, ErrDigestMismatch)
		})
	}
}

// TestSignESSDefaultHashOmitted checks the DER rule that a DEFAULT value
// (id-sha256 in ESSCertIDv2) is not encoded.
func TestSignESSDefaultHashOmitted(t *testing.T) {
	for _, c := range []struct {
		hash    crypto.Hash
		present bool
	}{{crypto.SHA256, false}, {crypto.SHA384, true}, {crypto.SHA512, true}} {
		sd, _ := signForTest(t, signCase{name: "ess", key: "p256", hash: c.hash}, []byte("x"), nil)
		v := sd.SignerInfos[0].SignedAttrs.Find(OIDAttributeSigningCertV2).Values[0]
		// SigningCertificateV2 { certs { ESSCertIDv2 { hashAlgorithm? ...
		inner := v[2:]    // certs SEQUENCE
		inner = inner[2:] // ESSCertIDv2 SEQUENCE
		first := inner[2] // first element's tag
		assert.Equal(t, c.present, first == 0x30, "hash %v", c.hash)
	}
}

func TestSignRejects(t *testing.T) {
	p := testCA(t)
	key := testKey(t, "p256")
	cert := p.issue(t, key.Public(), "s", nil)
	other := p.issue(t, testKey(t, "p384").Public(), "other", nil)
	d := sum(crypto.SHA256, []byte("x"))
	ctx := context.Background()
	cancelled, cancel := context.WithCancel(ctx)
	cancel()

	cases := []struct {
		name string
		run  func() error
		is   error
	}{
		{"certificate of another key", func() error { _, err := Sign(ctx, key, other, d, nil); return err }, nil},
		{"short digest", func() error { _, err := Sign(ctx, key, cert, d[:5], nil); return err }, nil},
		{"SHA-1", func() error { _, err := Sign(ctx, key, cert, d, &SignOptions{Hash: crypto.SHA1}); return err }, ErrUnsupportedAlgorithm},
		{"PSS with ECDSA", func() error { _, err := Sign(ctx, key, cert, d, &SignOptions{PSS: true}); return err }, ErrUnsupportedAlgorithm},
		{"digest not of content", func() error {
			_, err := Sign(ctx, key, cert, d, &SignOptions{Content: []byte("y")})
			return err
		}, nil},
		{"duplicate extra attribute", func() error {
			_, err := Sign(ctx, key, cert, d, &SignOptions{ExtraSignedAttributes: []Attribute{{Type: OIDAttributeMessageDigest, Values: [][]byte{{4, 0}}}}})
			return err
		}, ErrMalformed},
		{"extra attribute not DER", func() error {
			_, err := Sign(ctx, key, cert, d, &SignOptions{ExtraSignedAttributes: []Attribute{{Type: asn1.ObjectIdentifier{1, 2, 3}, Values: [][]byte{{4, 0x81, 1, 0}}}}})
			return err
		}, ErrMalformed},
		{"cancelled context", func() error { _, err := Sign(cancelled, key, cert, d, nil); return err }, context.Canceled},
		{"faulty signer", func() error { _, err := Sign(ctx, badSigner{key}, cert, d, nil); return err }, ErrSignatureInvalid},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.run()
			require.Error(t, err)
			if c.is != nil {
				assert.ErrorIs(t, err, c.is)
			}
		})
	}
}

// badSigner returns a signature over other data, like a token that signs
// with the wrong key.
type badSigner struct{ crypto.Signer }

func (b badSigner) Sign(r io.Reader, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	other := sum(crypto.SHA256, digest)
	return b.Signer.Sign(r, other, opts)
}

// ctxSigner records that Sign used SignContext.
type ctxSigner struct {
	crypto.Signer
	used bool
}

func (c *ctxSigner) SignContext(ctx context.Context, digest []byte, opts crypto.SignerOpts) ([]byte, error) {
	c.used = true
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	return c.Signer.Sign(rand.Reader, digest, opts)
}

func TestSignUsesContextSigner(t *testing.T) {
	p := testCA(t)
	key := testKey(t, "p256")
	cert := p.issue(t, key.Public(), "s", nil)
	cs := &ctxSigner{Signer: key}
	_, err := Sign(context.Background(), cs, cert, sum(crypto.SHA256, nil), nil)
	require.NoError(t, err)
	assert.True(t, cs.used)
}

// TestAddKeepsSignedBytes extends a signature the way CAdES-B-T and B-LT
// do and checks that no signed byte moved and that the result still
// verifies.
func TestAddKeepsSignedBytes(t *testing.T) {
	content := []byte("document")
	sd, cert := signForTest(t, signCases[0], content, &SignOptions{SigningTime: time.Now()})
	before := sd.SignerInfos[0]
	origRawAttrs := bytes.Clone(before.RawSignedAttrs)
	origSig := bytes.Clone(before.Signature)

	p := testCA(t)
	tsaCert := p.issue(t, testKey(t, "p384").Public(), "tsa", nil)
	fakeToken := tlv(0x30, encodeOID(OIDSignedData)) // any DER; tsp makes real ones
	require.NoError(t, sd.AddUnsignedAttribute(0, OIDAttributeTimeStampToken, fakeToken))
	require.NoError(t, sd.AddUnsignedAttribute(0, asn1.ObjectIdentifier{0, 4, 0, 19122, 1, 1}, tlv(0x04, []byte("second"))))
	require.NoError(t, sd.AddCertificates(tsaCert, cert)) // cert is a duplicate, skipped
	crl := tlv(0x30, tlv(0x30), tlv(0x30), tlv(0x03, []byte{0}))
	ocsp := tlv(0x30, []byte{0x0a, 1, 0})
	require.NoError(t, sd.AddCRLs(crl))
	require.NoError(t, sd.AddOCSPResponses(ocsp))
	require.NoError(t, sd.AddOCSPResponses(ocsp)) // duplicate, skipped

	der, err := sd.Marshal()
	require.NoError(t, err)
	again, err := Parse(der)
	require.NoError(t, err)
	si := again.SignerInfos[0]
	assert.Equal(t, origRawAttrs, si.RawSignedAttrs)
	assert.Equal(t, origSig, si.Signature)
	assert.Equal(t, [][]byte{fakeToken}, si.TimeStampTokens())
	assert.Len(t, si.UnsignedAttrs, 2)
	assert.Len(t, again.Certificates, 3)
	assert.Equal(t, [][]byte{crl}, again.CRLs)
	assert.Equal(t, [][]byte{ocsp}, again.OCSPResponses)
	assert.Equal(t, 5, again.Version)
	_, err = si.Verify(cert, sum(crypto.SHA256, content))
	require.NoError(t, err)

	// Marshal of an unchanged parse is the identity.
	der2, err := again.Marshal()
	require.NoError(t, err)
	assert.Equal(t, der, der2)

	// Unsigned attributes that RFC 5652 requires to be signed are refused.
	assert.ErrorIs(t, sd.AddUnsignedAttribute(0, OIDAttributeMessageDigest, tlv(0x04, nil)), ErrMalformed)
	assert.ErrorIs(t, sd.AddUnsignedAttribute(0, OIDAttributeTimeStampToken, []byte{0x30, 0x80, 0, 0}), ErrMalformed)
	assert.Error(t, sd.AddUnsignedAttribute(3, OIDAttributeTimeStampToken, fakeToken))
}

// TestAddToForeignUnsortedSet checks that a SET OF left unsorted by
// another producer keeps its order and gets the new member appended.
func TestAddToForeignUnsortedSet(t *testing.T) {
	a := encodeAttribute(asn1.ObjectIdentifier{1, 2, 3, 9}, [][]byte{{5, 0}})
	b := encodeAttribute(asn1.ObjectIdentifier{1, 2, 3, 1}, [][]byte{{5, 0}})
	n := encodeAttribute(asn1.ObjectIdentifier{1, 2, 3, 5}, [][]byte{{5, 0}})
	assert.Equal(t, [][]byte{a, b, n}, insertMember([][]byte{a, b}, n))
	assert.Equal(t, [][]byte{b, n, a}, insertMember([][]byte{b, a}, n))
}

func TestMarshalRoundTripBER(t *testing.T) {
	// A signature whose outer layers are BER: Marshal emits DER outside,
	// and the signed attributes and signature unchanged.
	sd, cert := signForTest(t, signCases[1], []byte("content"), nil)
	der, err := sd.Marshal()
	require.NoError(t, err)
	ber := toIndefinite(t, der)
	require.NotEqual(t, der, ber)
	parsed, err := Parse(ber)
	require.NoError(t, err)
	out, err := parsed.Marshal()
	require.NoError(t, err)
	assert.Equal(t, der, out)
	_, err = parsed.SignerInfos[0].Verify(cert, sum(crypto.SHA256, []byte("content")))
	require.NoError(t, err)
}

// toIndefinite rewrites the outer three SEQUENCE/[0] headers of a DER
// ContentInfo with indefinite lengths.
func toIndefinite(t testing.TB, der []byte) []byte {
	t.Helper()
	var rec func(b []byte, depth int) []byte
	rec = func(b []byte, depth int) []byte {
		tag := b[0]
		hl, l := headerLen(b)
		content := b[hl : hl+l]
		if depth == 3 || tag&0x20 == 0 {
			return b[:hl+l]
		}
		out := []byte{tag, 0x80}
		for p := 0; p < len(content); {
			chl, cl := headerLen(content[p:])
			out = append(out, rec(content[p:p+chl+cl], depth+1)...)
			p += chl + cl
		}
		return append(out, 0, 0)
	}
	return rec(der, 0)
}

func headerLen(b []byte) (int, int) {
	if b[1] < 0x80 {
		return 2, int(b[1])
	}
	n := int(b[1] & 0x7f)
	l := 0
	for _, x := range b[2 : 2+n] {
		l = l<<8 | int(x)
	}
	return 2 + n, l
}

func TestSignedAttrsSortedDER(t *testing.T) {
	sd, _ := signForTest(t, signCases[6], []byte("x"), &SignOptions{
		SigningTime: time.Now(),
		ExtraSignedAttributes: []Attribute{
			{Type: asn1.ObjectIdentifier{1, 2, 3}, Values: [][]byte{{4, 1, 2}, {4, 1, 1}}},
		},
	})
	si := sd.SignerInfos[0]
	var encs [][]byte
	for _, a := range si.SignedAttrs {
		encs = append(encs, a.Raw)
	}
	assert.True(t, isSorted(encs))
	assert.Equal(t, [][]byte{{4, 1, 1}, {4, 1, 2}}, si.SignedAttrs.Find(asn1.ObjectIdentifier{1, 2, 3}).Values)
	assert.Equal(t, si.canonicalSignedAttrs()[1:], si.RawSignedAttrs[1:])
}

func isSorted(encs [][]byte) bool {
	for i := 1; i < len(encs); i++ {
		if bytes.Compare(encs[i-1], encs[i]) > 0 {
			return false
		}
	}
	return true
}

func TestSignLargeDigestOnly(t *testing.T) {
	// The caller streams the content through the hash; Sign sees 32 bytes.
	h := crypto.SHA256.New()
	chunk := make([]byte, 1<<20)
	rand.Read(chunk)
	for range 8 {
		h.Write(chunk)
	}
	p := testCA(t)
	key := testKey(t, "p256")
	cert := p.issue(t, key.Public(), "s", nil)
	sd, err := Sign(context.Background(), key, cert, h.Sum(nil), nil)
	require.NoError(t, err)
	assert.Nil(t, sd.Content)
	_, err = sd.SignerInfos[0].Verify(cert, h.Sum(nil))
	require.NoError(t, err)
	var e *Error
	_, err = sd.SignerInfos[0].Verify(cert, make([]byte, 32))
	require.True(t, errors.As(err, &e))
	assert.Equal(t, "signedAttrs.message-digest", e.Field)
}

func TestRawParts(t *testing.T) {
	sd, _ := signForTest(t, signCases[6], []byte("x"), nil)
	require.NoError(t, sd.AddOCSPResponses(tlv(0x30, []byte{0x0a, 1, 0})))
	require.NoError(t, sd.AddUnsignedAttribute(0, OIDAttributeTimeStampToken, tlv(0x30)))
	der, err := sd.Marshal()
	require.NoError(t, err)
	si := sd.SignerInfos[0]
	assert.True(t, bytes.Contains(der, si.Raw))
	part := si.RawWithoutUnsignedAttrs()
	assert.True(t, bytes.Contains(si.Raw, part))
	assert.True(t, bytes.HasSuffix(si.Raw, si.UnsignedAttrs[0].Raw))
	assert.Len(t, sd.RawCertificates, 2)
	require.Len(t, sd.RawRevocationInfo, 1)
	assert.Equal(t, byte(0xa1), sd.RawRevocationInfo[0][0])
}
