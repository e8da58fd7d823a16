// This file holds the fuzz targets. The seed corpus in
// testdata/fuzz/FuzzParse was written by TestWriteFuzzSeeds from our own
// and OpenSSL's signatures (no private keys are stored).

package cms

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/crypto/cryptobyte"
)

func FuzzParse(f *testing.F) {
	f.Add(handSignedData(OIDData, [][]byte{attrCT, attrMD}, nil))
	f.Add(handSignedData(OIDData, nil, [][]byte{}))
	f.Add(handSignedData(OIDTSTInfo, [][]byte{attrMD, attrCT}, [][]byte{encodeAttribute(OIDAttributeCounterSignature, [][]byte{tlv(0x30)})}))
	f.Fuzz(func(t *testing.T, der []byte) {
		sd, err := Parse(der)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("Parse error does not wrap ErrMalformed: %v", err)
			}
			return
		}
		out, err := sd.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		sd2, err := Parse(out)
		if err != nil {
			t.Fatalf("Marshal output does not parse: %v", err)
		}
		out2, _ := sd2.Marshal()
		if !bytes.Equal(out, out2) {
			t.Fatal("Marshal is not stable")
		}
		if len(sd2.SignerInfos) != len(sd.SignerInfos) || !bytes.Equal(sd.Content, sd2.Content) {
			t.Fatal("round trip changed the structure")
		}
		for i, si := range sd.SignerInfos {
			si2 := sd2.SignerInfos[i]
			if !bytes.Equal(si.RawSignedAttrs, si2.RawSignedAttrs) || !bytes.Equal(si.Signature, si2.Signature) {
				t.Fatal("round trip changed signed bytes")
			}
			exerciseSignerInfo(si, signerPool(sd))
			cs, _ := si.CounterSignatures()
			for _, c := range cs {
				exerciseSignerInfo(c, signerPool(sd))
			}
		}
	})
}

// exerciseSignerInfo calls every getter and the verification path; only
// panics matter here.
func exerciseSignerInfo(si *SignerInfo, pool []*x509Cert) {
	si.ContentType()
	si.MessageDigest()
	si.SigningTime()
	if sc, err := si.ESSSigningCertificateV2(); err == nil {
		for _, c := range pool {
			sc.Certs[0].Match(c)
		}
	}
	si.ESSSigningCertificate()
	si.SignaturePolicyIdentifier()
	si.CommitmentTypeIndications()
	si.TimeStampTokens()
	cert, err := si.FindCertificate(pool)
	if err != nil && len(pool) > 0 {
		cert = pool[0]
	}
	if cert == nil {
		return
	}
	h, err := si.DigestHash()
	if err != nil {
		return
	}
	si.Verify(cert, make([]byte, h.Size()))
}

func FuzzBER(f *testing.F) {
	for _, s := range []string{"30 80 02 01 05 00 00", "24 80 04 02 61 62 24 80 04 01 63 00 00 00 00", "23 80 03 02 00 ff 03 02 04 f0 00 00", "a0 80 30 81 03 02 01 05 00 00"} {
		f.Add(unhex(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		n, err := toDER(in)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("untyped error %v", err)
			}
			return
		}
		if len(n.der) > len(in)+2*len(in)/4+8 {
			t.Fatalf("output %d bytes for %d input bytes", len(n.der), len(in))
		}
		again, err := toDER(n.der)
		if err != nil || !bytes.Equal(again.der, n.der) {
			t.Fatalf("output is not a fixed point: %v", err)
		}
		if !walkDER(cryptobyte.String(n.der), 0) {
			t.Fatal("output is not DER that cryptobyte reads")
		}
	})
}

// walkDER reads every element recursively with cryptobyte, which rejects
// non-minimal and indefinite lengths.
func walkDER(s cryptobyte.String, depth int) bool {
	for !s.Empty() {
		var body cryptobyte.String
		var tag cryptobyteTag
		if !s.ReadAnyASN1(&body, &tag) {
			return false
		}
		if tag&0x20 != 0 && !walkDER(body, depth+1) {
			return false
		}
	}
	return true
}

// TestWriteFuzzSeeds regenerates testdata/fuzz/FuzzParse when
// TAMGA_WRITE_FUZZ_SEEDS=1. Signatures do not expire in a way that
// matters to parsing, so the committed seeds stay useful.
func TestWriteFuzzSeeds(t *testing.T) {
	if os.Getenv("TAMGA_WRITE_FUZZ_SEEDS") != "1" {
		t.Skip("set TAMGA_WRITE_FUZZ_SEEDS=1 to regenerate the FuzzParse seed corpus")
	}
	dir := filepath.Join("testdata", "fuzz", "FuzzParse")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	write := func(name string, data []byte) {
		body := fmt.Sprintf("go test fuzz v1\n[]byte(%q)\n", data)
		if err := os.WriteFile(filepath.Join(dir, "seed-"+name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, c := range signCases {
		sd, _ := signForTest(t, c, []byte("seed content"), &SignOptions{SigningTime: time.Now()})
		der, _ := sd.Marshal()
		write(c.name, der)
		if c.name == "p256-attached" {
			write(c.name+"-ber", toIndefinite(t, der))
			sd.AddUnsignedAttribute(0, OIDAttributeTimeStampToken, der)
			sd.AddOCSPResponses(tlv(0x30, []byte{0x0a, 1, 0}))
			sd.AddCRLs(tlv(0x30, tlv(0x30), tlv(0x30), tlv(0x03, []byte{0})))
			der, _ = sd.Marshal()
			write(c.name+"-extended", der)
		}
	}
	p := testCA(t)
	for _, c := range opensslSignCases {
		dir := t.TempDir()
		key := testKey(t, c.key)
		cert := p.issue(t, key.Public(), "seed", func(tmpl *x509Template) { tmpl.SubjectKeyId = []byte{1} })
		args := append([]string{"cms", "-sign", "-binary", "-outform", "DER",
			"-in", writeFile(t, dir, "data", []byte("seed")),
			"-signer", writeFile(t, dir, "signer.pem", certPEM(cert)),
			"-inkey", writeFile(t, dir, "key.pem", keyPEM(t, key)),
			"-out", filepath.Join(dir, "sig.der")}, c.args...)
		if out, err := openssl(t, args...); err != nil {
			t.Fatalf("%s: %s", c.name, out)
		}
		write("openssl-"+c.name, readFile(t, filepath.Join(dir, "sig.der")))
	}
}
