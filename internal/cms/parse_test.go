// This file tests Parse's structural rules and the attribute getters on
// hand-built encodings.

package cms

import (
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var (
	attrCT     = encodeAttribute(OIDAttributeContentType, [][]byte{encodeOID(OIDData)})
	attrMD     = encodeAttribute(OIDAttributeMessageDigest, [][]byte{tlv(0x04, make([]byte, 32))})
	attrMD2    = encodeAttribute(OIDAttributeMessageDigest, [][]byte{tlv(0x04, make([]byte, 31))})
	attrVendor = encodeAttribute(asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 22883, 1}, [][]byte{{5, 0}})
)

// handSignedData encodes a SignedData with one SignerInfo whose signed
// attributes are attrs in the given order (nil: absent) and whose
// signature is junk. Parse does not verify signatures.
func handSignedData(eContentType asn1.ObjectIdentifier, attrs [][]byte, unsigned [][]byte) []byte {
	sha256 := tlv(0x30, encodeOID(oidSHA256))
	siParts := [][]byte{
		{2, 1, 1},
		tlv(0x30, tlv(0x30, tlv(0x31, tlv(0x30, encodeOID(asn1.ObjectIdentifier{2, 5, 4, 3}), tlv(0x0c, []byte("CA"))))), []byte{2, 1, 7}),
		sha256,
	}
	if attrs != nil {
		siParts = append(siParts, tlv(0xa0, attrs...))
	}
	siParts = append(siParts, tlv(0x30, encodeOID(oidSHA256WithRSA), []byte{5, 0}), tlv(0x04, []byte{1, 2, 3}))
	if unsigned != nil {
		siParts = append(siParts, tlv(0xa1, unsigned...))
	}
	sd := tlv(0x30,
		[]byte{2, 1, 1},
		tlv(0x31, sha256),
		tlv(0x30, encodeOID(eContentType)),
		tlv(0x31, tlv(0x30, siParts...)),
	)
	return tlv(0x30, encodeOID(OIDSignedData), tlv(0xa0, sd))
}

func TestParseRules(t *testing.T) {
	cases := []struct {
		name   string
		der    []byte
		detail string // substring of the error; "" means Parse must succeed
	}{
		{"minimal valid", handSignedData(OIDData, [][]byte{attrCT, attrMD}, nil), ""},
		{"no signed attributes with id-data", handSignedData(OIDData, nil, nil), ""},
		{"duplicate vendor attribute tolerated", handSignedData(OIDData, [][]byte{attrCT, attrMD, attrVendor, attrVendor}, nil), ""},
		{"empty unsigned attributes tolerated", handSignedData(OIDData, [][]byte{attrCT, attrMD}, [][]byte{}), ""},
		{"duplicate message-digest", handSignedData(OIDData, [][]byte{attrCT, attrMD, attrMD2}, nil), "signerInfos[0].signedAttrs: duplicate message-digest"},
		{"duplicate content-type", handSignedData(OIDData, [][]byte{attrCT, attrCT, attrMD}, nil), "duplicate content-type"},
		{"empty signed attributes", handSignedData(OIDData, [][]byte{}, nil), "present but empty"},
		{"missing message-digest", handSignedData(OIDData, [][]byte{attrCT}, nil), "missing message-digest"},
		{"missing content-type", handSignedData(OIDData, [][]byte{attrMD}, nil), "missing content-type"},
		{"content-type differs from eContentType", handSignedData(OIDTSTInfo, [][]byte{attrCT, attrMD}, nil), "differs from eContentType"},
		{"message-digest with two values", handSignedData(OIDData, [][]byte{attrCT,
			encodeAttribute(OIDAttributeMessageDigest, [][]byte{tlv(0x04, []byte{1}), tlv(0x04, []byte{2})})}, nil), "has 2 values"},
		{"signing-time with two values", handSignedData(OIDData, [][]byte{attrCT, attrMD,
			encodeAttribute(OIDAttributeSigningTime, [][]byte{tlv(0x17, []byte("260101000000Z")), tlv(0x17, []byte("260101000001Z"))})}, nil), "has 2 values"},
		{"signed countersignature", handSignedData(OIDData, [][]byte{attrCT, attrMD,
			encodeAttribute(OIDAttributeCounterSignature, [][]byte{tlv(0x30)})}, nil), "countersignature must be an unsigned"},
		{"attribute without values", handSignedData(OIDData, [][]byte{attrCT, attrMD, tlv(0x30, encodeOID(asn1.ObjectIdentifier{1, 2, 3}), tlv(0x31))}, nil), "has no value"},
		{"TSTInfo without signed attributes", handSignedData(OIDTSTInfo, nil, nil), "absent, but the content type"},
		{"not SignedData", tlv(0x30, encodeOID(OIDData), tlv(0xa0, tlv(0x04))), "is not id-signedData"},
		{"trailing bytes", append(handSignedData(OIDData, nil, nil), 0), "trailing data"},
		{"truncated", handSignedData(OIDData, nil, nil)[:40], "truncated"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			sd, err := Parse(c.der)
			if c.detail == "" {
				require.NoError(t, err)
				require.Len(t, sd.SignerInfos, 1)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrMalformed)
			assert.Contains(t, err.Error(), c.detail)
			var e *Error
			assert.True(t, errors.As(err, &e))
		})
	}
}

func TestParseTime(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, s, ns int) time.Time {
		return time.Date(y, mo, d, h, mi, s, ns, time.UTC)
	}
	good := []struct {
		tag  byte
		s    string
		want time.Time
	}{
		{0x17, "260301123045Z", utc(2026, 3, 1, 12, 30, 45, 0)},
		{0x17, "2603011230Z", utc(2026, 3, 1, 12, 30, 0, 0)},
		{0x17, "260301183045+0600", utc(2026, 3, 1, 12, 30, 45, 0)},
		{0x17, "500101000000Z", utc(1950, 1, 1, 0, 0, 0, 0)},
		{0x17, "491231235959Z", utc(2049, 12, 31, 23, 59, 59, 0)},
		{0x18, "20260301123045Z", utc(2026, 3, 1, 12, 30, 45, 0)},
		{0x18, "20260301123045.25Z", utc(2026, 3, 1, 12, 30, 45, 250000000)},
		{0x18, "20500101000000Z", utc(2050, 1, 1, 0, 0, 0, 0)},
	}
	for _, g := range good {
		got, err := parseTime(tlv(g.tag, []byte(g.s)))
		require.NoError(t, err, g.s)
		assert.True(t, got.Equal(g.want), "%s: got %v", g.s, got)
	}
	for _, b := range []struct {
		tag byte
		s   string
	}{
		{0x17, "2603011230"}, {0x17, "26030112304Z"}, {0x17, "+60301123045Z"}, {0x17, ""},
		{0x18, "20260301123045"}, {0x18, "202603011230Z"}, {0x18, "20260301123045.1234567890Z"},
		{0x18, "20260301123045.Z"}, {0x04, "260301123045Z"},
	} {
		_, err := parseTime(tlv(b.tag, []byte(b.s)))
		assert.Error(t, err, "%x %q", b.tag, b.s)
	}
}

func TestESSv1AndMatch(t *testing.T) {
	p := testCA(t)
	cert := p.issue(t, testKey(t, "p256").Public(), "v1", nil)
	other := p.issue(t, testKey(t, "p256").Public(), "other", nil)
	idWith := func(c *x509.Certificate, serial *big.Int) []byte {
		return tlv(0x30, tlv(0x30, tlv(0x30,
			tlv(0x04, sum(crypto.SHA1, c.Raw)),
			tlv(0x30, tlv(0x30, tlv(0xa4, c.RawIssuer)), encodeInteger(serial)))))
	}
	der := handSignedData(OIDData, [][]byte{attrCT, attrMD, encodeAttribute(OIDAttributeSigningCert, [][]byte{idWith(cert, cert.SerialNumber)})}, nil)
	sd, err := Parse(der)
	require.NoError(t, err)
	sc, err := sd.SignerInfos[0].ESSSigningCertificate()
	require.NoError(t, err)
	require.Len(t, sc.Certs, 1)
	assert.Equal(t, crypto.SHA1, sc.Certs[0].Hash)
	assert.NoError(t, sc.Certs[0].Match(cert))
	assert.ErrorIs(t, sc.Certs[0].Match(other), ErrSigningCertificateMismatch)

	// Right hash but wrong serial in issuerSerial.
	der = handSignedData(OIDData, [][]byte{attrCT, attrMD, encodeAttribute(OIDAttributeSigningCert, [][]byte{idWith(cert, big.NewInt(999))})}, nil)
	sd, err = Parse(der)
	require.NoError(t, err)
	sc, err = sd.SignerInfos[0].ESSSigningCertificate()
	require.NoError(t, err)
	assert.ErrorIs(t, sc.Certs[0].Match(cert), ErrSigningCertificateMismatch)

	// An unknown hash algorithm is unsupported, not a mismatch.
	id := ESSCertID{HashAlgorithm: asn1.ObjectIdentifier{1, 2, 840, 113549, 2, 5}, CertHash: []byte{1}}
	assert.ErrorIs(t, id.Match(cert), ErrUnsupportedAlgorithm)
}

func TestGetterErrors(t *testing.T) {
	bad := [][]byte{attrCT, attrMD,
		encodeAttribute(OIDAttributeSigningTime, [][]byte{tlv(0x04, []byte("x"))}),
		encodeAttribute(OIDAttributeSigningCertV2, [][]byte{tlv(0x30)}),
		encodeAttribute(OIDAttributeSignaturePolicy, [][]byte{tlv(0x30, encodeOID(asn1.ObjectIdentifier{1, 2}))}),
		encodeAttribute(OIDAttributeCommitmentType, [][]byte{tlv(0x04)}),
	}
	sd, err := Parse(handSignedData(OIDData, bad, [][]byte{
		encodeAttribute(OIDAttributeCounterSignature, [][]byte{tlv(0x30, []byte{2, 1, 1})}),
		encodeAttribute(OIDAttributeTimeStampToken, [][]byte{{5, 0}}),
		encodeAttribute(OIDAttributeTimeStampToken, [][]byte{{4, 0}, {4, 1, 1}}),
	}))
	require.NoError(t, err, "Parse does not decode attribute values it does not need")
	si := sd.SignerInfos[0]
	_, err = si.SigningTime()
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = si.ESSSigningCertificateV2()
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = si.SignaturePolicyIdentifier()
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = si.CommitmentTypeIndications()
	assert.ErrorIs(t, err, ErrMalformed)
	_, err = si.CounterSignatures()
	assert.ErrorIs(t, err, ErrMalformed)
	assert.Equal(t, [][]byte{{5, 0}, {4, 0}, {4, 1, 1}}, si.TimeStampTokens())

	// Absent attributes.
	sd, err = Parse(handSignedData(OIDData, nil, nil))
	require.NoError(t, err)
	si = sd.SignerInfos[0]
	for _, f := range []func() error{
		func() error { _, err := si.MessageDigest(); return err },
		func() error { _, err := si.ContentType(); return err },
		func() error { _, err := si.SigningTime(); return err },
		func() error { _, err := si.ESSSigningCertificateV2(); return err },
		func() error { _, err := si.SignaturePolicyIdentifier(); return err },
		func() error { _, err := si.CommitmentTypeIndications(); return err },
		func() error { return si.CheckMessageDigest(make([]byte, 32)) },
	} {
		assert.ErrorIs(t, f(), ErrAttributeNotFound)
	}
	assert.Nil(t, si.TimeStampTokens())
}

func TestSignaturePolicyImplied(t *testing.T) {
	sd, err := Parse(handSignedData(OIDData, [][]byte{attrCT, attrMD, encodeAttribute(OIDAttributeSignaturePolicy, [][]byte{{5, 0}})}, nil))
	require.NoError(t, err)
	p, err := sd.SignerInfos[0].SignaturePolicyIdentifier()
	require.NoError(t, err)
	assert.True(t, p.Implied)
}

func TestErrorMessages(t *testing.T) {
	_, err := Parse(handSignedData(OIDData, [][]byte{attrCT, attrMD, attrMD2}, nil))
	require.Error(t, err)
	assert.Equal(t, "cms: signerInfos[0].signedAttrs: duplicate message-digest (1.2.840.113549.1.9.4) attribute", err.Error())
	assert.False(t, strings.Contains(ErrSignerNotFound.Error(), "%"))
}
