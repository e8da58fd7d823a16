package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/pdfdoc"
)

// TestIssueSignVerifyPDF issues a Kyrgyz result document with pdfdoc,
// signs it with "tamga sign pades" (B-T, then a counter-signature), and
// checks it with "tamga verify"; a changed byte makes it fail.
func TestIssueSignVerifyPDF(t *testing.T) {
	ctx := context.Background()
	srv := testpki.NewTestServer(t)
	tsaURL, err := srv.ServeTSA()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := srv.PKI.WriteDemo(filepath.Join(dir, "pki"), "47114711"); err != nil {
		t.Fatal(err)
	}
	tb, err := os.ReadFile("../../testdata/templates/residence-ky.template.json")
	if err != nil {
		t.Fatal(err)
	}
	db, err := os.ReadFile("../../testdata/templates/residence-ky.data.json")
	if err != nil {
		t.Fatal(err)
	}
	tmpl, err := pdfdoc.ParseTemplate(tb)
	if err != nil {
		t.Fatal(err)
	}
	data, err := pdfdoc.ParseData(db)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := pdfdoc.Issue(ctx, tmpl, data, &pdfdoc.IssueOptions{QRText: "HTTPS://CHECK.TUNDUK.KG/S/TEST"})
	if err != nil {
		t.Fatal(err)
	}
	in := filepath.Join(dir, "result.pdf")
	if err := os.WriteFile(in, doc, 0o644); err != nil {
		t.Fatal(err)
	}
	key := func(name string) string {
		return "file:" + filepath.Join(dir, "pki", name+".p12") + "?pin-source=file:" + filepath.Join(dir, "pki", "pin.txt")
	}
	signed, counter := filepath.Join(dir, "signed.pdf"), filepath.Join(dir, "counter.pdf")
	if code, _, stderr := runCLI(t, nil, "sign", "pades", "--key", key("executor"), "--level", "B-T", "--tsa", tsaURL,
		"--reason", "Жашаган жери тууралуу маалымкат", "-o", signed, in); code != exitOK {
		t.Fatalf("sign pades: exit %d: %s", code, stderr)
	}
	if code, _, stderr := runCLI(t, nil, "sign", "pades", "--key", key("applicant"), "-o", counter, signed); code != exitOK {
		t.Fatalf("counter-sign: exit %d: %s", code, stderr)
	}
	root := filepath.Join(dir, "pki", "root.pem")
	code, stdout, stderr := runCLI(t, nil, "verify", "--trust", root, "--online", counter)
	if code != exitOK || strings.Count(stdout, "VALID (TOTAL_PASSED)") != 3 {
		t.Fatalf("verify: exit %d\n%s\n%s", code, stdout, stderr)
	}
	for _, want := range []string{"PAdES-BASELINE-T", "later signature", "covers the whole document"} {
		if !strings.Contains(stdout, want) {
			t.Errorf("verify output lacks %q:\n%s", want, stdout)
		}
	}

	b, err := os.ReadFile(counter)
	if err != nil {
		t.Fatal(err)
	}
	b[len(doc)/2] ^= 0x01 // inside the first revision, covered by both signatures
	bad := filepath.Join(dir, "bad.pdf")
	if err := os.WriteFile(bad, b, 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = runCLI(t, nil, "verify", "--trust", root, "--online", bad)
	if code != exitFailed && code != exitDataErr {
		t.Fatalf("a changed PDF: exit %d, want %d (or %d if unreadable)\n%s", code, exitFailed, exitDataErr, stdout)
	}
}
