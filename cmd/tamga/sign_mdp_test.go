package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tamgasign/tamga/internal/pdftest"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/sign"
)

// TestSignPAdESCertify: --certify, --lock-all and --add-field, then a
// counter-signature into the placed field with --field; both verify, and a
// second certification or an approval signature on a P=1 document is
// refused with a data error.
func TestSignPAdESCertify(t *testing.T) {
	srv := testpki.NewTestServer(t)
	dir := t.TempDir()
	if _, err := srv.PKI.WriteDemo(filepath.Join(dir, "pki"), "47114711"); err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "result.pdf")
	if err := os.WriteFile(in, pdftest.OnePage("Certificate No. 0001234567"), 0o644); err != nil {
		t.Fatal(err)
	}
	key := func(name string) string {
		return "file:" + filepath.Join(dir, "pki", name+".p12") + "?pin-source=file:" + filepath.Join(dir, "pki", "pin.txt")
	}
	out := func(name string) string { return filepath.Join(dir, name) }
	steps := []struct {
		args []string
		code int
	}{
		{[]string{"--key", key("executor"), "--certify", "2", "--lock-all", "--add-field", "Head:1:350,100,550,160", "-o", out("cert.pdf"), in}, exitOK},
		{[]string{"--key", key("applicant"), "--field", "Head", "-o", out("two.pdf"), out("cert.pdf")}, exitOK},
		{[]string{"--key", key("applicant"), "--certify", "3", "-o", out("x.pdf"), out("cert.pdf")}, exitDataErr},
		{[]string{"--key", key("executor"), "--certify", "1", "-o", out("p1.pdf"), in}, exitOK},
		{[]string{"--key", key("applicant"), "-o", out("y.pdf"), out("p1.pdf")}, exitDataErr},
		{[]string{"--key", key("executor"), "--certify", "4", "-o", out("z.pdf"), in}, exitUsage},
		{[]string{"--key", key("executor"), "--add-field", "Head:1:350,100", "-o", out("z.pdf"), in}, exitUsage},
		{[]string{"--key", key("executor"), "--lock", "A", "--lock-all", "-o", out("z.pdf"), in}, exitUsage},
	}
	for _, s := range steps {
		if code, _, stderr := runCLI(t, nil, append([]string{"sign", "pades"}, s.args...)...); code != s.code {
			t.Fatalf("sign pades %v: exit %d, want %d: %s", s.args, code, s.code, stderr)
		}
	}
	root := filepath.Join(dir, "pki", "root.pem")
	code, stdout, stderr := runCLI(t, nil, "verify", "--trust", root, "--online", "--json", out("two.pdf"))
	if code != exitOK || !strings.Contains(stdout, `"certification":{"permissions":2}`) && !strings.Contains(stdout, `"permissions": 2`) {
		t.Fatalf("verify: exit %d\n%s\n%s", code, stdout, stderr)
	}
}

func TestParseFieldSpec(t *testing.T) {
	tests := []struct {
		spec string
		want sign.SignatureField
		ok   bool
	}{
		{"Head:1:350,100,550,160", sign.SignatureField{Name: "Head", Page: 1, Rect: [4]float64{350, 100, 550, 160}}, true},
		{"Бөлүм башчысы:2:0.5,1,2,3", sign.SignatureField{Name: "Бөлүм башчысы", Page: 2, Rect: [4]float64{0.5, 1, 2, 3}}, true},
		{"Head:0:1,2,3,4", sign.SignatureField{}, false},
		{"Head:1:1,2,3", sign.SignatureField{}, false},
		{":1:1,2,3,4", sign.SignatureField{}, false},
		{"Head:1:1,2,3,x", sign.SignatureField{}, false},
		{"Head", sign.SignatureField{}, false},
	}
	for _, tt := range tests {
		got, err := parseFieldSpec(tt.spec)
		if (err == nil) != tt.ok || tt.ok && got != tt.want {
			t.Errorf("parseFieldSpec(%q) = %+v, %v", tt.spec, got, err)
		}
	}
}
