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
				shared, err := sd.Bytes()
				require.NoError(t, err)
				require.Equal(t, der, shared, "Bytes is Marshal without the copy")
				der[0] ^= 0xff // Marshal's result is the caller's to change
				require.NotEqual(t, der, shared, "Marshal copies")
				der[0] ^= 0xff
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

// TestBytesWithoutCachedDER covers Bytes on a SignedData with no cached
// encoding (parsed, or after an unsigned attribute was added): it is
// Marshal's output, and a nil view is an error, not a panic.
func TestBytesWithoutCachedDER(t *testing.T) {
	p := testCA(t)
	key := testKey(t, "p256")
	cert := p.issue(t, key.Public(), "bytes", nil)
	sd, err := Sign(context.Background(), key, cert, sum(crypto.SHA256, []byte("d")), nil)
	require.NoError(t, err)
	der, err := sd.Marshal()
	require.NoError(t, err)

	parsed, err := Parse(der)
	require.NoError(t, err)
	b, err := parsed.Bytes()
	require.NoError(t, err)
	require.Equal(t, der, b)

	require.NoError(t, sd.AddUnsignedAttribute(0, asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 1}, []byte{0x05, 0x00}))
	want, err := sd.Marshal()
	require.NoError(t, err)
	got, err := sd.Bytes()
	require.NoError(t, err)
	require.Equal(t, want, got)
	require.NotEqual(t, der, got)

	_, err = (&SignedData{}).Bytes()
	require.Error(t, err)
}

// TestNestedMatchesTLV holds nested equal to tlv applied tag by tag, at
// the lengths where a DER length changes form.
func TestNestedMatchesTLV(t *testing.T) {
	for _, n := range []int{0, 1, 0x7f - 4, 0x7f - 2, 0x7f, 0x80, 0xff - 3, 0xff, 0x100, 0xffff - 4, 0xffff, 0x10000, 0x1000000} {
		for _, tags := range [][]byte{{0x30}, {0x31, 0x30}, {0x30, 0x30, 0x30}, {0xa0, 0x04}, {0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30, 0x30}} {
			content := make([]byte, n)
			for i := range content {
				content[i] = byte(i) // not all zeros: the parts' order shows
			}
			parts := [][]byte{content[:n/2], content[n/2:]}
			want := tlv(tags[len(tags)-1], parts...)
			for i := len(tags) - 2; i >= 0; i-- {
				want = tlv(tags[i], want)
			}
			got := nested(tags, parts...)
			require.Equal(t, want, got, "n=%d tags=%x", n, tags)
			require.Equal(t, len(got), cap(got), "one allocation of the exact size")
		}
	}
}
