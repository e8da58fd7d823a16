package main

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tamgasign/tamga/internal/pdftest"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/internal/testtool"
)

// TestIssueResultDocument is the acceptance case of result documents:
// "tamga issue" on the Kyrgyz sample makes a PDF that qpdf accepts, that
// pdfsig reports signed and valid, whose rendered page zbarimg and our
// decoder read into the seal URL and the number, whose seal "tamga seal
// verify" confirms offline against the embedded data, and whose seal fails
// once one character of the data changes.
func TestIssueResultDocument(t *testing.T) {
	qpdf, pdfsig := testtool.Require(t, "qpdf"), testtool.Require(t, "pdfsig")
	pdftoppm, zbarimg := testtool.Require(t, "pdftoppm"), testtool.Require(t, "zbarimg")
	certutil := testtool.Require(t, "certutil")
	ctx := context.Background()

	srv := testpki.NewTestServer(t)
	tsaURL, err := srv.ServeTSA()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pki := filepath.Join(dir, "pki")
	pin, err := srv.PKI.WriteDemo(pki, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := writeDemoSeal(ctx, pki, srv.PKI, pin); err != nil {
		t.Fatal(err)
	}
	key := func(name string) string {
		return "file:" + filepath.Join(pki, name+".p12") + "?pin-source=file:" + filepath.Join(pki, "pin.txt")
	}
	out := filepath.Join(dir, "residence.pdf")
	code, stdout, stderr := runCLI(t, nil, "issue",
		"--template", "../../testdata/templates/residence-ky.template.json",
		"--data", "../../testdata/templates/residence-ky.data.json",
		"--key", key("executor"), "--seal-key", key("seal"), "--check-host", "check.tunduk.kg",
		"--level", "B-T", "--tsa", tsaURL, "-o", out, "--db", "sqlite:"+filepath.Join(dir, "registry.db"), "--json")
	if code != exitOK || !strings.Contains(stdout, `"checkCode": "`) {
		t.Fatalf("issue: exit %d\n%s\n%s", code, stdout, stderr)
	}
	code, stdout, _ = runCLI(t, nil, "registry", "show", "--db", "sqlite:"+filepath.Join(dir, "registry.db"), "20250314000042")
	if code != exitOK || !strings.Contains(stdout, "ISSUED") {
		t.Fatalf("registry show: exit %d\n%s", code, stdout)
	}
	run := func(name string, args ...string) string {
		t.Helper()
		b, err := exec.Command(name, args...).CombinedOutput()
		if err != nil {
			t.Fatalf("%s %v: %v\n%s", name, args, err, b)
		}
		return string(b)
	}

	if got := run(qpdf, "--check", out); !strings.Contains(got, "No syntax or stream encoding errors") {
		t.Fatalf("qpdf --check: %s", got)
	}
	nss := filepath.Join(dir, "nss")
	if err := os.Mkdir(nss, 0o700); err != nil {
		t.Fatal(err)
	}
	run(certutil, "-N", "-d", "sql:"+nss, "--empty-password")
	run(certutil, "-A", "-d", "sql:"+nss, "-n", "root", "-t", "CT,C,C", "-i", filepath.Join(pki, "root.pem"))
	if got := run(pdfsig, "-nssdir", "sql:"+nss, out); !strings.Contains(got, "Signature is Valid.") || !strings.Contains(got, "Total document signed") {
		t.Fatalf("pdfsig: %s", got)
	}

	run(pdftoppm, "-r", "150", "-png", "-f", "1", "-l", "1", out, filepath.Join(dir, "page"))
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	if len(pages) != 1 {
		t.Fatalf("rendered pages: %v", pages)
	}
	zbar := run(zbarimg, "-q", "--raw", pages[0])
	if !strings.Contains(zbar, "HTTPS://CHECK.TUNDUK.KG/S/") || !strings.Contains(zbar, "20250314000042") {
		t.Fatalf("zbarimg read:\n%s", zbar)
	}
	code, stdout, _ = runCLI(t, nil, "barcode", "decode", out)
	if code != exitOK || !strings.Contains(stdout, "HTTPS://CHECK.TUNDUK.KG/S/") || !strings.Contains(stdout, "Code 128\t20250314000042") {
		t.Fatalf("barcode decode: exit %d\n%s", code, stdout)
	}

	sealArgs := []string{"seal", "verify", "--trust-list", filepath.Join(pki, "seal-trust-list.json"), "--operator-key", filepath.Join(pki, "operator.pem")}
	code, stdout, stderr = runCLI(t, nil, append(sealArgs, out)...)
	if code != exitOK || !strings.Contains(stdout, "the embedded document.json matches the seal") || !strings.Contains(stdout, "ҮСӨНБАЕВА ГҮЛНАРА") {
		t.Fatalf("seal verify: exit %d\n%s\n%s", code, stdout, stderr)
	}
	db, err := os.ReadFile("../../testdata/templates/residence-ky.data.json")
	if err != nil {
		t.Fatal(err)
	}
	changed := filepath.Join(dir, "changed.json")
	if err := os.WriteFile(changed, []byte(strings.Replace(string(db), "12-үй", "13-үй", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	code, stdout, _ = runCLI(t, nil, append(sealArgs, "--data", changed, out)...)
	if code != exitFailed || !strings.Contains(stdout, "NOT VALID") {
		t.Fatalf("seal verify with changed data: exit %d\n%s", code, stdout)
	}

	code, stdout, _ = runCLI(t, nil, "verify", "--trust", filepath.Join(pki, "root.pem"), "--online", out)
	if code != exitOK || !strings.Contains(stdout, "PAdES-BASELINE-T") {
		t.Fatalf("verify: exit %d\n%s", code, stdout)
	}
}

// TestStampForeignPDF stamps a PDF that another system printed, signs it,
// and checks its seal and data; zbarimg reads both codes from the page.
func TestStampForeignPDF(t *testing.T) {
	qpdf, pdftoppm, zbarimg := testtool.Require(t, "qpdf"), testtool.Require(t, "pdftoppm"), testtool.Require(t, "zbarimg")
	ctx := context.Background()
	p := testpki.NewTest(t)
	dir := t.TempDir()
	pki := filepath.Join(dir, "pki")
	pin, err := p.WriteDemo(pki, "")
	if err != nil {
		t.Fatal(err)
	}
	if err := writeDemoSeal(ctx, pki, p, pin); err != nil {
		t.Fatal(err)
	}
	key := func(name string) string {
		return "file:" + filepath.Join(pki, name+".p12") + "?pin-source=file:" + filepath.Join(pki, "pin.txt")
	}
	in, stamped, signed := filepath.Join(dir, "printed.pdf"), filepath.Join(dir, "stamped.pdf"), filepath.Join(dir, "signed.pdf")
	// The agency's system printed the number; the test font has no
	// Cyrillic, so no holder's name is sealed (it would have to be printed).
	if err := os.WriteFile(in, pdftest.OnePage("Certificate No. 20261123000417"), 0o644); err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "document.json")
	if err := os.WriteFile(data, []byte(`{"number":"20261123000417","holder":"Асанова Айгүл Бакытбековна"}`), 0o644); err != nil {
		t.Fatal(err)
	}
	stamp := func(number, out string) {
		t.Helper()
		if code, stdout, stderr := runCLI(t, nil, "stamp", "--number", number, "--issuer", "KG-SDA", "--type-code", "101",
			"--data", data, "--seal-key", key("seal"), "--check-host", "check.tunduk.kg", "-o", out, in); code != exitOK {
			t.Fatalf("stamp: exit %d\n%s\n%s", code, stdout, stderr)
		}
	}
	stamp("20261123000417", stamped)
	if code, _, stderr := runCLI(t, nil, "sign", "pades", "--key", key("executor"), "-o", signed, stamped); code != exitOK {
		t.Fatalf("sign pades: exit %d\n%s", code, stderr)
	}
	if b, err := exec.Command(qpdf, "--check", signed).CombinedOutput(); err != nil {
		t.Fatalf("qpdf --check: %v\n%s", err, b)
	}
	if b, err := exec.Command(pdftoppm, "-r", "150", "-png", signed, filepath.Join(dir, "page")).CombinedOutput(); err != nil {
		t.Fatalf("pdftoppm: %v\n%s", err, b)
	}
	b, err := exec.Command(zbarimg, "-q", "--raw", filepath.Join(dir, "page-1.png")).CombinedOutput()
	if err != nil || !strings.Contains(string(b), "HTTPS://CHECK.TUNDUK.KG/S/") || !strings.Contains(string(b), "20261123000417") {
		t.Fatalf("zbarimg: %v\n%s", err, b)
	}
	sealVerify := []string{"seal", "verify", "--trust-list", filepath.Join(pki, "seal-trust-list.json"), "--operator-key", filepath.Join(pki, "operator.pem")}
	code, stdout, stderr := runCLI(t, nil, append(sealVerify, signed)...)
	if code != exitOK || !strings.Contains(stdout, "the embedded document.json matches the seal") ||
		!strings.Contains(stdout, "the printed number and holder match") {
		t.Fatalf("seal verify: exit %d\n%s\n%s", code, stdout, stderr)
	}

	// A seal for another number on this page: the seal itself verifies,
	// but it does not agree with what the page shows.
	other := filepath.Join(dir, "other.pdf")
	stamp("20261123000418", other)
	code, stdout, _ = runCLI(t, nil, append(sealVerify, other)...)
	if code != exitFailed || !strings.Contains(stdout, "is not printed on the document") {
		t.Fatalf("seal verify of a mismatched stamp: exit %d\n%s", code, stdout)
	}
}
