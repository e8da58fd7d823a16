package main

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tamgasign/tamga/internal/pdftest"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/internal/testtool"
)

// TestSignPAdESVisible signs with "tamga sign pades --visible" and reads
// the stamp back with pdftotext; flags that cannot make a stamp are usage
// errors.
func TestSignPAdESVisible(t *testing.T) {
	pdftotext := testtool.Require(t, "pdftotext")
	p := testpki.NewTest(t)
	dir := t.TempDir()
	if _, err := p.WriteDemo(filepath.Join(dir, "pki"), "47114711"); err != nil {
		t.Fatal(err)
	}
	key := "file:" + filepath.Join(dir, "pki", "executor.p12") + "?pin-source=file:" + filepath.Join(dir, "pki", "pin.txt")
	in, out := filepath.Join(dir, "in.pdf"), filepath.Join(dir, "out.pdf")
	if err := os.WriteFile(in, pdftest.OnePage("Extract No. 1"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, stderr := runCLI(t, nil, "sign", "pades", "--key", key, "--visible", "--page", "1", "--rect", "300,80,560,180",
		"--tz", "Asia/Tashkent", "--label", "Кол койгон / Подписал / Signed by", "--reason", "Маалымкат", "-o", out, in)
	if code != exitOK {
		t.Fatalf("sign pades --visible: exit %d: %s", code, stderr)
	}
	text, err := exec.Command(pdftotext, "-layout", out, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, text)
	}
	for _, want := range []string{"Кол койгон / Подписал / Signed by", p.Executor.Cert.Subject.CommonName, "Маалымкат", " +05"} {
		if !bytes.Contains(text, []byte(want)) {
			t.Errorf("the stamp lacks %q:\n%s", want, text)
		}
	}

	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--rect", "300,80,560,180"}, "add --visible"},
		{[]string{"--visible"}, "--visible needs --rect"},
		{[]string{"--visible", "--rect", "1,2,3"}, "four numbers"},
		{[]string{"--visible", "--rect", "300,80,560,180", "--tz", "Mars/Olympus"}, "--tz"},
		{[]string{"--visible", "--rect", "300,80,700,180"}, "MediaBox"},
		{[]string{"--visible", "--rect", "300,80,560,180", "--page", "3"}, "page 3 does not exist"},
	} {
		args := append([]string{"sign", "pades", "--key", key, "-o", filepath.Join(dir, "bad.pdf")}, tt.args...)
		code, _, stderr := runCLI(t, nil, append(args, in)...)
		if code != exitUsage || !strings.Contains(stderr, tt.want) {
			t.Errorf("%v: exit %d, want %d with %q: %s", tt.args, code, exitUsage, tt.want, stderr)
		}
	}

	// A counter-signature drawn into the box the first signer placed.
	certified, counter := filepath.Join(dir, "certified.pdf"), filepath.Join(dir, "counter.pdf")
	if code, _, stderr := runCLI(t, nil, "sign", "pades", "--key", key, "--certify", "2", "--add-field", "Head:1:330,60,560,140", "-o", certified, in); code != exitOK {
		t.Fatalf("sign pades --certify 2 --add-field: exit %d: %s", code, stderr)
	}
	head := "file:" + filepath.Join(dir, "pki", "applicant.p12") + "?pin-source=file:" + filepath.Join(dir, "pki", "pin.txt")
	if code, _, stderr := runCLI(t, nil, "sign", "pades", "--key", head, "--field", "Head", "--visible", "-o", counter, certified); code != exitOK {
		t.Fatalf("sign pades --field Head --visible: exit %d: %s", code, stderr)
	}
	// pdftotext -y counts from the top: the box is 842-140 to 842-60.
	text, err = exec.Command(pdftotext, "-x", "330", "-y", "702", "-W", "230", "-H", "80", counter, "-").CombinedOutput()
	if err != nil {
		t.Fatalf("pdftotext: %v: %s", err, text)
	}
	if !bytes.Contains(text, []byte(p.Applicant.Cert.Subject.CommonName)) {
		t.Errorf("the Head box lacks the counter-signer's name:\n%s", text)
	}
}
