package main

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"flag"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

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

// The demo's result document: the Kyrgyz certificate of residence of
// testdata/templates, embedded so that the demo runs from any directory.
//
//go:embed demodata/residence-ky.template.json
var demoTemplate []byte

//go:embed demodata/residence-ky.data.json
var demoData []byte

func init() {
	var dir, addr, db string
	var noServe bool
	commands = append(commands, &command{
		name:    "demo",
		summary: "run the whole flow on a throw-away test PKI, then serve the verifier",
		help: `Runs tamga end to end with no set-up, on a test-only PKI with a local OCSP
responder and time-stamp authority on 127.0.0.1:

 1. an applicant signs an electronic application (CAdES-B-LTA) and the
    agency verifies it offline; one changed byte makes it TOTAL_FAILED;
 2. an executor issues a Kyrgyz result document: a PDF with the seal in a QR
    code and the number in a Code 128, signed PAdES-B-T, registered in a
    registry (an SQLite file in the demo directory, or --db);
 3. the document is verified (signature, seal, embedded data, printed text);
 4. the public verifier serves on --addr until Ctrl-C: upload the PDF on the
    page, open the seal URL, or use the JSON API (the commands are printed).

Examples:
  go run ./cmd/tamga demo
  tamga demo --dir ./demo --addr 127.0.0.1:9090
  tamga demo --no-serve --json
  tamga demo --db postgres://tamga@db.example/tamga`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&dir, "dir", "", "keep the demo files in this `directory` (default: a new temporary one)")
			fs.StringVar(&addr, "addr", "127.0.0.1:8080", "where the verifier listens (`host:port`)")
			fs.BoolVar(&noServe, "no-serve", false, "stop after the checks instead of serving the verifier")
			fs.StringVar(&db, "db", "", "the registry: a postgres:// URL or sqlite:`PATH` (default: registry.db in the demo directory)")
		},
		run: func(ctx context.Context, c *cli, fs *flag.FlagSet) error {
			if fs.NArg() != 0 {
				return usageErrorf("demo takes no arguments")
			}
			return runDemo(ctx, c, dir, addr, db, !noServe)
		},
	})
}

func runDemo(ctx context.Context, c *cli, dir, addr, db string, serve bool) error {
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
	pkiDir := filepath.Join(dir, "pki")
	pin, err := srv.PKI.WriteDemo(pkiDir, "")
	if err != nil {
		return withCode(exitCantCreate, err)
	}
	if err := writeDemoSeal(ctx, pkiDir, srv.PKI, pin); err != nil {
		return withCode(exitCantCreate, err)
	}
	keyRef := func(name string) string {
		return "file:" + filepath.Join(pkiDir, name+".p12") + "?pin-source=file:" + filepath.Join(pkiDir, "pin.txt")
	}
	pkiURL, err := url.Parse(srv.URL)
	if err != nil {
		return err
	}
	// The verifier may fetch revocation data from the demo PKI only.
	policy := &verify.Policy{Roots: srv.PKI.Roots(), OnlineHosts: []string{pkiURL.Host}, Online: true}
	say("   %s (root: pki/root.pem; keys in PKCS#12 files, their PIN in pki/pin.txt)\n", dir)

	say("2. An applicant signs an electronic application (CAdES-B-LTA) and the agency checks it offline\n")
	appFile := filepath.Join(dir, "application.txt")
	if err := os.WriteFile(appFile, []byte(demoApplication), 0o644); err != nil {
		return withCode(exitCantCreate, err)
	}
	key, err := openKey(ctx, c, keyRef("applicant"))
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
	if err := writeOutput(c, appFile+".p7s", sig); err != nil {
		return err
	}
	offline := &verify.Policy{Roots: srv.PKI.Roots()}
	good, err := verify.CMS(ctx, sig, bytes.NewReader([]byte(demoApplication)), offline)
	if err != nil {
		return err
	}
	tampered := []byte(demoApplication)
	tampered[len(tampered)-2] ^= 0x01
	bad, err := verify.CMS(ctx, sig, bytes.NewReader(tampered), offline)
	if err != nil {
		return err
	}
	say("   application.txt.p7s (%s): %s\n", good.Signatures[0].Level, verdictLine(good.Indication, good.SubIndication))
	say("   the same with one byte of the application changed: %s\n", verdictLine(bad.Indication, bad.SubIndication))

	say("3. An executor issues a result document in Kyrgyz: sealed QR code, Code 128, PAdES-B-T, registered\n")
	tmplFile, dataFile := filepath.Join(dir, "residence-ky.template.json"), filepath.Join(dir, "residence-ky.data.json")
	if err := os.WriteFile(tmplFile, demoTemplate, 0o644); err != nil {
		return withCode(exitCantCreate, err)
	}
	data := demoData
	pdfFile := filepath.Join(dir, "residence.pdf")
	if db == "" {
		db = "sqlite:" + filepath.Join(dir, "registry.db")
	} else {
		// A registry given with --db outlives the demo, and a second run
		// must not collide with the first one's document number.
		if data, err = demoDataNumbered(time.Now()); err != nil {
			return err
		}
	}
	if err := os.WriteFile(dataFile, data, 0o644); err != nil {
		return withCode(exitCantCreate, err)
	}
	var issued struct {
		Number, SealURL, CheckCode string
	}
	if err := c.sub(ctx, &issued, "issue", "--template", tmplFile, "--data", dataFile, "--key", keyRef("executor"),
		"--seal-key", keyRef("seal"), "--check-host", addr, "--level", "B-T", "--tsa", tsaURL, "--db", db, "-o", pdfFile, "--json"); err != nil {
		return err
	}
	say("   %s, No. %s, check code %s\n", pdfFile, issued.Number, issued.CheckCode)

	say("4. Anyone checks it: the signature, and the seal against its data and printed text\n\n")
	f, size, err := openInput(pdfFile)
	if err != nil {
		return err
	}
	report, err := verify.PDF(ctx, f, size, policy)
	f.Close()
	if err != nil {
		return err
	}
	report.File = pdfFile
	if !c.json {
		printReport(c.stdout, report)
	}
	var sealResult struct {
		Valid       bool
		DataChecked bool
	}
	if err := c.sub(ctx, &sealResult, "seal", "verify", "--trust-list", filepath.Join(pkiDir, "seal-trust-list.json"),
		"--operator-key", filepath.Join(pkiDir, "operator.pem"), pdfFile, "--json"); err != nil {
		return err
	}
	say("\nSeal: %s\n", map[bool]string{true: "VALID: authentic, and the embedded data and printed text agree", false: "NOT VALID"}[sealResult.Valid])

	if good.Indication != verify.TotalPassed || bad.Indication != verify.TotalFailed || report.Indication != verify.TotalPassed || !sealResult.Valid {
		return fmt.Errorf("the demo did not get the verdicts it expects (%s, %s, %s, seal %v): please report this",
			good.Indication, bad.Indication, report.Indication, sealResult.Valid)
	}
	sealPath := issued.SealURL[strings.Index(strings.ToUpper(issued.SealURL), "/S/"):]
	local := "http://" + addr
	if c.json {
		if err := c.writeJSON(map[string]any{"dir": dir, "application": good, "tamperedApplication": bad, "document": report,
			"number": issued.Number, "checkCode": issued.CheckCode, "sealURL": issued.SealURL, "verifier": local}); err != nil {
			return err
		}
	}
	if !serve {
		return nil
	}
	say("\n5. The public verifier serves on %s until Ctrl-C. Try:\n"+
		"   the check page:  %s/  (upload %s)\n"+
		"   the seal page:   %s%s  (what a phone opens from the QR code)\n"+
		"   by number:       %s/lookup?number=%s&code=%s\n"+
		"   the JSON API:    curl -F file=@%s %s/api/v1/verify\n"+
		"   annul it:        tamga registry annul --db %s --reason 'issued by mistake' %s\n\n",
		local, local, pdfFile, local, sealPath, local, issued.Number, issued.CheckCode, pdfFile, local, redactDSN(db), issued.Number)
	return c.runVerb(ctx, "serve", "--addr", addr, "--trust", filepath.Join(pkiDir, "root.pem"), "--db", db,
		"--online-host", pkiURL.Host, "--seal-trust-list", filepath.Join(pkiDir, "seal-trust-list.json"),
		"--seal-operator-key", filepath.Join(pkiDir, "operator.pem"))
}

// demoDataNumbered is the demo's data with a document number of the same
// issue date made from the clock, for a registry that keeps earlier runs.
func demoDataNumbered(now time.Time) ([]byte, error) {
	var d map[string]any
	if err := json.Unmarshal(demoData, &d); err != nil {
		return nil, err
	}
	d["number"] = fmt.Sprintf("20250314%06d", now.UnixMilli()%1000000)
	return json.MarshalIndent(d, "", "  ")
}

// redactDSN hides the password of a postgres:// URL in what is printed.
func redactDSN(dsn string) string {
	if u, err := url.Parse(dsn); err == nil && u.User != nil {
		if _, ok := u.User.Password(); ok {
			return u.Redacted()
		}
	}
	return dsn
}

// sub runs another verb in process with --json and decodes its output
// into v, so the demo drives the same code as the command line.
func (c *cli) sub(ctx context.Context, v any, args ...string) error {
	var out bytes.Buffer
	child := newCLI(c.stdin, &out, c.stderr, c.getenv)
	if code := child.run(ctx, args); code != exitOK {
		return withCode(code, fmt.Errorf("tamga %s failed (exit %d): %s", args[0], code, strings.TrimSpace(out.String())))
	}
	if err := json.Unmarshal(out.Bytes(), v); err != nil {
		return fmt.Errorf("tamga %s: %w", args[0], err)
	}
	return nil
}

// runVerb runs another verb in process with this run's streams.
func (c *cli) runVerb(ctx context.Context, args ...string) error {
	if code := newCLI(c.stdin, c.stdout, c.stderr, c.getenv).run(ctx, args); code != exitOK {
		return withCode(code, fmt.Errorf("tamga %s exited with %d", args[0], code))
	}
	return nil
}
