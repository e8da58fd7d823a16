package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tamgasign/tamga/barcode"
	"github.com/tamgasign/tamga/barcode/seal"
)

// TestSealVerifyCLI seals a document, publishes a trust list, and checks
// the seal through the CLI from its URL, from a QR image, and against the
// document data; a changed character anywhere fails.
func TestSealVerifyCLI(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	sealKey, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	operator, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	kid, err := seal.KeyIDOf(sealKey.Public())
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	payload, sig, err := seal.SignTrustList(ctx, &seal.TrustList{
		Sequence: 1, Issued: now.Add(-time.Hour), NextUpdate: now.Add(24 * time.Hour),
		Keys: []seal.TrustedKey{{
			KeyID: kid, IssuerID: "GRS", Algorithm: seal.ECDSAP256, PublicKey: sealKey.Public(),
			NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(365 * 24 * time.Hour), Status: seal.KeyActive,
			Names: map[string]string{"en": "State Registration Service", "ky": "Мамлекеттик каттоо кызматы"},
		}},
	}, operator)
	if err != nil {
		t.Fatal(err)
	}
	opDER, _ := x509.MarshalPKIXPublicKey(operator.Public())
	data := []byte(`{"holder":"Асанова Айгүл Бакытбековна","address":"Бишкек ш., Чүй пр. 120"}`)
	files := map[string][]byte{
		"seal-trust-list.json": payload, "seal-trust-list.sig": sig, "document.json": data,
		"operator.pem": pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: opDER}),
		"changed.json": []byte(strings.Replace(string(data), "120", "121", 1)),
	}
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	s, err := seal.Sign(ctx, &seal.Document{IssuerID: "GRS", DocType: 7, Number: "20261123000417", IssueDate: now,
		HolderName: "Асанова Айгүл Бакытбековна", Data: data}, sealKey)
	if err != nil {
		t.Fatal(err)
	}
	url, err := seal.EncodeURL("check.tunduk.kg", s)
	if err != nil {
		t.Fatal(err)
	}
	qr, err := barcode.EncodeQR(url, nil)
	if err != nil {
		t.Fatal(err)
	}
	png, err := os.Create(filepath.Join(dir, "qr.png"))
	if err != nil {
		t.Fatal(err)
	}
	if err := qr.WritePNG(png); err != nil {
		t.Fatal(err)
	}
	png.Close()

	base := []string{"seal", "verify", "--trust-list", filepath.Join(dir, "seal-trust-list.json"), "--operator-key", filepath.Join(dir, "operator.pem")}
	run := func(want int, wantOut string, args ...string) {
		t.Helper()
		code, stdout, stderr := runCLI(t, nil, append(append([]string{}, base...), args...)...)
		if code != want || !strings.Contains(stdout, wantOut) {
			t.Fatalf("%v: exit %d (want %d)\nstdout: %s\nstderr: %s", args, code, want, stdout, stderr)
		}
	}
	run(exitOK, "VALID: the seal is authentic", url)
	run(exitOK, "АСАНОВА АЙГҮЛ БАКЫТБЕКОВНА", filepath.Join(dir, "qr.png"))
	run(exitOK, "matches the seal", "--data", filepath.Join(dir, "document.json"), url)
	run(exitFailed, "NOT VALID", "--data", filepath.Join(dir, "changed.json"), url)

	// One base32 character of the seal changed (to another valid one).
	i := strings.LastIndex(url, "/S/") + 40
	c := "A"
	if url[i] == 'A' {
		c = "B"
	}
	run(exitFailed, "NOT VALID", url[:i]+c+url[i+1:])

	code, stdout, _ := runCLI(t, nil, "barcode", "decode", "--json", filepath.Join(dir, "qr.png"))
	if code != exitOK || !strings.Contains(stdout, `"format": "QR"`) || !strings.Contains(stdout, url) {
		t.Fatalf("barcode decode: exit %d: %s", code, stdout)
	}
}
