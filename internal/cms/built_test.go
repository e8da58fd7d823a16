// This file holds the tests that Sign's exported view, read off its own
// encoding without the parser, equals Parse of that encoding, and that the
// hand-written OID and INTEGER encoders equal encoding/asn1.

package cms

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"math/big"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// TestSignViewEqualsParse signs with every key and option that changes
// the structure and compares Sign's result with Parse of its DER, field
// by field including the raw parts Marshal and the Add methods use.
func TestSignViewEqualsParse(t *testing.T) {
	p := testCA(t)
	type variant struct {
		name string
		opts func() *SignOptions
	}
	variants := []variant{
		{"plain", func() *SignOptions { return &SignOptions{} }},
		{"chain+time", func() *SignOptions {
			return &SignOptions{Certificates: []*x509.Certificate{p.ca}, SigningTime: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)}
		}},
		{"time-2050", func() *SignOptions { return &SignOptions{SigningTime: time.Date(2051, 1, 1, 0, 0, 0, 0, time.UTC)} }},
		{"no-certs", func() *SignOptions { return &SignOptions{OmitSignerCertificate: true} }},
		{"only-chain", func() *SignOptions {
			return &SignOptions{OmitSignerCertificate: true, Certificates: []*x509.Certificate{p.ca, nil, p.ca}}
		}},
		{"tstinfo-attached", func() *SignOptions {
			return &SignOptions{ContentType: OIDTSTInfo, Content: []byte("tst")}
		}},
		{"attached-empty", func() *SignOptions { return &SignOptions{Content: []byte{}} }},
		// Caller DER: parsed back.
		{"commitment", func() *SignOptions {
			return &SignOptions{CommitmentTypes: []CommitmentTypeIndication{{Type: asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 16, 6, 1}}}}
		}},
		{"ocsp", func() *SignOptions { return &SignOptions{OCSPResponses: [][]byte{{0x30, 0x03, 0x0a, 0x01, 0x01}}} }},
	}
	for _, c := range signCases {
		key := testKey(t, c.key)
		cert := p.issue(t, key.Public(), "view "+c.name, nil)
		for _, v := range variants {
			t.Run(c.name+"/"+v.name, func(t *testing.T) {
				opts := v.opts()
				opts.Hash, opts.PSS = c.hash, c.pss
				h := c.hash
				if h == 0 {
					h = crypto.SHA512
				}
				var digest []byte
				if opts.Content == nil {
					digest = sum(h, []byte("document"))
				}
				sd, err := Sign(context.Background(), key, cert, digest, opts)
				require.NoError(t, err)
				der, err := sd.Marshal()
				require.NoError(t, err)
				want, err := Parse(der)
				require.NoError(t, err)
				got := *sd
				raw := *sd.raw
				require.Equal(t, der, raw.der)
				raw.der = nil
				got.raw = &raw
				require.Equal(t, want, &got)
			})
		}
	}
}

func TestEncodeOIDMatchesASN1(t *testing.T) {
	oids := []asn1.ObjectIdentifier{
		OIDData, OIDSignedData, OIDTSTInfo, OIDAttributeSigningCertV2, oidECDSAWithSHA256, oidRSAPSS, oidEd25519,
		{0, 0}, {0, 39}, {1, 39, 127, 128, 16383, 16384}, {2, 999, 1}, {2, 1 << 20, 1<<31 - 1},
		{1, 2, 643, 7, 1, 1, 1, 1}, {2, 5, 4, 3},
	}
	for _, oid := range oids {
		want, err := asn1.Marshal(oid)
		require.NoError(t, err, oid)
		require.Equal(t, want, encodeOID(oid), oid.String())
	}
}

func TestEncodeIntegerMatchesASN1(t *testing.T) {
	for _, s := range []string{"0", "1", "127", "128", "255", "256", "-1", "-128", "-129",
		"32767", "32768", "1234567890123456789012345678901234567890", "-98765432109876543210"} {
		n, _ := new(big.Int).SetString(s, 10)
		want, err := asn1.Marshal(n)
		require.NoError(t, err)
		require.Equal(t, want, encodeInteger(n), s)
	}
}
