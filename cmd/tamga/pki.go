package main

import (
	"context"
	"flag"
	"fmt"
	"path/filepath"

	"github.com/tamgasign/tamga/internal/testpki"
)

func init() {
	var out string
	var rsa bool
	commands = append(commands, &command{
		name:    "pki",
		summary: "make a demo PKI for trying tamga",
		sub: []*command{{
			name:    "demo",
			args:    "--out DIR",
			summary: "write a test-only PKI: root, intermediate, executor and applicant keys",
			help: `Writes a complete PKI for trying tamga without a real token: the root and
intermediate CA certificates (PEM), PKCS#12 files for an executor, an
applicant, a time-stamp authority and an OCSP responder, all protected by one
PIN written to pin.txt, the CRLs, and a README.txt.

FOR TESTING ONLY: the keys are generated on this machine, the CA names say
"TEST ONLY", and nothing signed with them is a qualified signature.

The PIN is random; pass it to other verbs through the key reference
(pin-source=file:DIR/pin.txt) or the TAMGA_PIN environment variable.

Examples:
  tamga pki demo --out ./demo-pki
  tamga sign cades --key 'file:demo-pki/executor.p12?pin-source=file:demo-pki/pin.txt' -o app.p7s app.xml
  tamga verify --trust demo-pki/root.pem --content app.xml app.p7s`,
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&out, "out", "", "the `directory` to write (created; must not hold demo files already)")
				fs.BoolVar(&rsa, "rsa", false, "use RSA-2048 keys instead of ECDSA P-256")
			},
			run: func(ctx context.Context, c *cli, flags *flag.FlagSet) error {
				if out == "" || flags.NArg() != 0 {
					return usageErrorf("give the output directory with --out DIR")
				}
				cfg := testpki.Config{}
				if rsa {
					cfg.KeyAlg = testpki.RSA2048
				}
				p, err := testpki.New(cfg)
				if err != nil {
					return err
				}
				// The PIN goes to pin.txt only; it is never printed.
				pin, err := p.WriteDemo(out, "")
				if err != nil {
					return withCode(exitCantCreate, err)
				}
				if err := writeDemoSeal(ctx, out, p, pin); err != nil {
					return withCode(exitCantCreate, err)
				}
				abs, _ := filepath.Abs(out)
				if c.json {
					return c.writeJSON(map[string]string{
						"dir": abs, "root": filepath.Join(abs, "root.pem"),
						"executor": filepath.Join(abs, "executor.p12"), "applicant": filepath.Join(abs, "applicant.p12"),
						"pinFile": filepath.Join(abs, "pin.txt"),
					})
				}
				fmt.Fprintf(c.stdout, "Wrote a demo PKI (FOR TESTING ONLY) to %s\n", abs)
				fmt.Fprintf(c.stdout, "  trust anchor:  %s\n", filepath.Join(abs, "root.pem"))
				fmt.Fprintf(c.stdout, "  executor key:  file:%s?pin-source=file:%s\n", filepath.Join(abs, "executor.p12"), filepath.Join(abs, "pin.txt"))
				fmt.Fprintf(c.stdout, "  applicant key: file:%s?pin-source=file:%s\n", filepath.Join(abs, "applicant.p12"), filepath.Join(abs, "pin.txt"))
				fmt.Fprintf(c.stdout, "See %s for what each file is.\n", filepath.Join(abs, "README.txt"))
				return nil
			},
		}},
	})
}
