package verify

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"testing"
	"time"
)

// TestCRLScope refuses CRLs that may not cover the certificate: a CRL
// limited to CA certificates lists no leaf, and must not vouch for one.
func TestCRLScope(t *testing.T) {
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ca := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "CA"}, IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCRLSign | x509.KeyUsageCertSign,
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, _ := x509.CreateCertificate(rand.Reader, ca, ca, key.Public(), key)
	ca, _ = x509.ParseCertificate(der)
	leafDER, _ := x509.CreateCertificate(rand.Reader, &x509.Certificate{SerialNumber: big.NewInt(2),
		Subject: pkix.Name{CommonName: "leaf"}, NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}, ca, key.Public(), key)
	leaf, _ := x509.ParseCertificate(leafDER)

	tests := []struct {
		name string
		ext  []pkix.Extension
		ok   bool
	}{
		{"complete", nil, true},
		{"only CA certificates", []pkix.Extension{{Id: oidIssuingDistributionPoint, Critical: true, Value: []byte{0x30, 0x03, 0x82, 0x01, 0xff}}}, false},
		{"delta", []pkix.Extension{{Id: oidDeltaCRLIndicator, Critical: true, Value: []byte{0x02, 0x01, 0x01}}}, false},
		{"unknown critical", []pkix.Extension{{Id: []int{1, 2, 3}, Critical: true, Value: []byte{0x05, 0x00}}}, false},
	}
	for _, tt := range tests {
		raw, err := x509.CreateRevocationList(rand.Reader, &x509.RevocationList{Number: big.NewInt(1),
			ThisUpdate: time.Now(), NextUpdate: time.Now().Add(time.Hour), ExtraExtensions: tt.ext}, ca, key)
		if err != nil {
			t.Fatal(err)
		}
		crl, err := parseCRL(raw)
		if err != nil {
			t.Fatal(err)
		}
		st, err := checkCRL(nil, crl, leaf, ca, "test")
		if (err == nil) != tt.ok || (tt.ok && st.state != revGood) {
			t.Errorf("%s: status %+v, err %v", tt.name, st, err)
		}
	}
}
