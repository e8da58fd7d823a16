package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

// demoApplication is the sample electronic application the demo signs.
const demoApplication = `Өтүнмө
Кыргыз Республикасынын Мамлекеттик электрондук кызматтар порталы

Кызмат: жашаган жери тууралуу маалымкат берүү
Дареги: Бишкек ш., Чүй проспекти, 120, 15-батир

Мен жогоруда көрсөтүлгөн маалыматтардын тууралыгын тастыктайм.
`

func init() {
	var dir string
	commands = append(commands, &command{
		name:    "demo",
		summary: "run the whole flow on a throw-away test PKI",
		help: `Runs tamga end to end with no set-up: makes a test-only PKI with a local OCSP
responder and time-stamp authority on 127.0.0.1, signs a sample Kyrgyz
electronic application as the applicant (CAdES-B-LTA), verifies it offline,
and shows that one changed byte makes the verdict TOTAL_FAILED.

Not yet in this version (they come with later releases): the result PDF with
its QR and Code 128 barcodes, its PAdES signature, and the public verifier
web server.

Examples:
  go run ./cmd/tamga demo
  tamga demo --dir ./demo`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&dir, "dir", "", "keep the demo files in this `directory` (default: a new temporary one)")
		},
		run: func(ctx context.Context, c *cli, fs *flag.FlagSet) error {
			if fs.NArg() != 0 {
				return usageErrorf("demo takes no arguments")
			}
			return runDemo(ctx, c, dir)
		},
	})
}

func runDemo(ctx context.Context, c *cli, dir string) error {
	if dir == "" {
		d, err := os.MkdirTemp("", "tamga-demo-")
		if err != nil {
			return withCode(exitCantCreate, err)
		}
		dir = d
	}
	say := func(format string, args ...any) {
		if !c.json {
			fmt.Fprintf(c.stdout, format, args...)
		}
	}

	say("1. A test-only PKI with an OCSP responder and a time-stamp authority on 127.0.0.1\n")
	srv, err := testpki.NewServer(testpki.Config{})
	if err != nil {
		return err
	}
	defer srv.Close()
	tsaURL, err := srv.ServeTSA()
	if err != nil {
		return err
	}
	if _, err := srv.PKI.WriteDemo(filepath.Join(dir, "pki"), ""); err != nil {
		return withCode(exitCantCreate, err)
	}
	say("   %s (root: pki/root.pem; PKCS#12 keys with their PIN in pki/pin.txt)\n", dir)

	say("2. The applicant signs an electronic application (CAdES-B-LTA: time-stamped, with revocation data and an archive time-stamp)\n")
	appFile := filepath.Join(dir, "application.txt")
	if err := os.WriteFile(appFile, []byte(demoApplication), 0o644); err != nil {
		return withCode(exitCantCreate, err)
	}
	key, err := openKey(ctx, c, "file:"+filepath.Join(dir, "pki", "applicant.p12")+"?pin-source=file:"+filepath.Join(dir, "pki", "pin.txt"))
	if err != nil {
		return err
	}
	defer key.Close()
	sig, err := sign.CAdES(ctx, key, bytes.NewReader([]byte(demoApplication)), &sign.Options{
		Level: sign.LevelBLTA, TSA: tsaURL, Roots: srv.PKI.Roots(),
	})
	if err != nil {
		return err
	}
	sigFile := appFile + ".p7s"
	if err := writeOutput(c, sigFile, sig); err != nil {
		return err
	}
	say("   %s\n", sigFile)

	say("3. The agency verifies it offline (no network: everything needed is in the signature)\n\n")
	policy := &verify.Policy{Roots: srv.PKI.Roots()}
	good, err := verify.CMS(ctx, sig, bytes.NewReader([]byte(demoApplication)), policy)
	if err != nil {
		return err
	}
	good.File = appFile
	if !c.json {
		printReport(c.stdout, good)
	}

	say("\n4. The same check after one byte of the application changed\n\n")
	tampered := []byte(demoApplication)
	tampered[len(tampered)-2] ^= 0x01
	bad, err := verify.CMS(ctx, sig, bytes.NewReader(tampered), policy)
	if err != nil {
		return err
	}
	bad.File = appFile + " (one byte changed)"
	if !c.json {
		fmt.Fprintf(c.stdout, "%s: %s\n", bad.File, verdictLine(bad.Indication, bad.SubIndication))
	}

	say("\nNot yet in this version: the result PDF with QR and Code 128 barcodes, its PAdES\n"+
		"signature, and the public verifier web server (tamga serve).\n"+
		"Try the CLI on the demo files:\n"+
		"  tamga verify --trust %[1]s/pki/root.pem --content %[1]s/application.txt %[1]s/application.txt.p7s\n", dir)
	if c.json {
		return c.writeJSON(map[string]any{"dir": dir, "signature": sigFile, "report": good, "tamperedReport": bad})
	}
	if good.Indication != verify.TotalPassed || bad.Indication != verify.TotalFailed {
		return fmt.Errorf("the demo did not get the verdicts it expects (%s, %s): please report this", good.Indication, bad.Indication)
	}
	return nil
}
