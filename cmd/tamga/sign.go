package main

import (
	"context"
	"crypto"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/token"
)

type signFlags struct {
	key, out, level, tsa, hash, commitment string
	attached, pss                          bool
	trust                                  stringList
}

func init() {
	var f signFlags
	var pf padesFlags
	commands = append(commands, &command{
		name:    "sign",
		summary: "make electronic signatures",
		sub: []*command{{
			name:    "cades",
			args:    "--key REF -o OUT.p7s IN",
			summary: "sign a file with a CAdES (CMS) signature",
			help: `Signs IN with the key REF and writes a DER CMS signature: detached (.p7s,
the default; IN is streamed, so it may be of any size) or attached (.p7m).

REF is a PKCS#11 URI or a key file:
  pkcs11:token=Executor;object=sign-key?module-path=/usr/lib/softhsm/libsofthsm2.so
  file:executor.p12
The PIN (or PKCS#12 password) comes from the reference's pin-source
(pin-source=file:/path), else the TAMGA_PIN environment variable, else it is
read from the terminal without echo. It is never taken from a flag. A wrong
PIN is not retried: tokens lock after a few wrong tries.

Levels: B-B (default); B-T adds a time-stamp from --tsa; B-LT also embeds
the certificates and OCSP responses or CRLs of the signer's and the
time-stamp authority's paths (give the roots with --trust), so the signature
can be validated offline for years; B-LTA adds an archive time-stamp over
all of that.

Examples:
  tamga sign cades --key 'file:demo/applicant.p12?pin-source=file:demo/pin.txt' -o app.xml.p7s app.xml
  tamga sign cades --key 'pkcs11:token=Executor;object=sign-key' --level B-T --tsa http://tsa.example/ -o big.iso.p7s big.iso
  TAMGA_PIN=... tamga sign cades --key file:key.p12 --attached --level B-LT --tsa URL --trust root.pem -o out.p7m in.pdf`,
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&f.key, "key", "", "the signing key `REF`: a pkcs11: URI or file:PATH")
				fs.StringVar(&f.out, "o", "", "write the signature to `FILE` (- for standard output)")
				fs.StringVar(&f.level, "level", "B-B", "signature `level`: B-B, B-T, B-LT or B-LTA")
				fs.StringVar(&f.tsa, "tsa", "", "time-stamp authority `URL` (needed for B-T and B-LT)")
				fs.StringVar(&f.hash, "hash", "sha256", "digest `algorithm`: sha256, sha384 or sha512")
				fs.BoolVar(&f.pss, "pss", false, "sign RSA keys with RSASSA-PSS")
				fs.BoolVar(&f.attached, "attached", false, "embed the content in the signature (at most 64 MiB)")
				fs.StringVar(&f.commitment, "commitment", "", "commitment `type`: origin, receipt, delivery, sender, approval or creation")
				fs.Var(&f.trust, "trust", "trusted root PEM file or directory, to build paths for B-LT (repeatable)")
			},
			run: func(ctx context.Context, c *cli, fs *flag.FlagSet) error { return runSignCAdES(ctx, c, fs, &f) },
		}, {
			name:    "pades",
			args:    "--key REF -o OUT.pdf IN.pdf",
			summary: "sign a PDF with a PAdES signature (an incremental update)",
			help: `Signs IN.pdf with the key REF and writes OUT.pdf: the original bytes followed
by an incremental update holding an invisible signature field and a PAdES
(ETSI.CAdES.detached) signature, so earlier signatures stay valid. Sign an
already signed PDF again to add a counter-signature.

The key reference and PIN work as for "tamga sign cades". Levels: B-B
(default); B-T adds a signature time-stamp from --tsa; B-LT adds a Document
Security Store with the certificates and OCSP responses or CRLs needed to
validate offline (give the roots with --trust); B-LTA adds a document
time-stamp over all of it.

Examples:
  tamga sign pades --key 'file:demo-pki/executor.p12?pin-source=file:demo-pki/pin.txt' -o signed.pdf result.pdf
  tamga sign pades --key 'pkcs11:token=Executor;object=sign-key' --level B-T --tsa http://tsa.example/ --reason "Маалымкат" -o signed.pdf result.pdf

A certification signature (--certify 1|2|3: no changes; form filling and
signing; also annotations) must be the first signature. --lock NAME
(repeatable) or --lock-all locks form fields; --add-field NAME:PAGE:x1,y1,x2,y2
places an empty signature box for a later signer, who signs into it with
--field NAME, so the earlier signatures stay valid:
  tamga sign pades --key file:executor.p12 --certify 2 --lock-all --add-field Head:1:350,100,550,160 -o certified.pdf result.pdf
  tamga sign pades --key file:head.p12 --field Head --visible -o countersigned.pdf certified.pdf
(--visible with --field and no --rect draws the stamp in that field's box.)

The signature is invisible unless --visible is given: then a framed stamp on
--page N (default 1) in --rect x1,y1,x2,y2 (PDF points from the page's lower
left corner; an A4 page is 595 x 842) shows the signer's name and
organisation from the certificate, the signing time in --tz (default
Asia/Bishkek, "2026-11-23 14:05 +06"), the --reason and --location, under
optional --label lines. The font (DejaVu Sans, embedded as a subset) has
every Kyrgyz, Russian and Kazakh letter; text that does not fit is made
smaller, then cut with "…":
  tamga sign pades --key file:executor.p12 --visible --page 1 --rect 340,60,560,150 --label "Кол койгон / Подписал / Signed by" -o signed.pdf result.pdf`,
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&pf.key, "key", "", "the signing key `REF`: a pkcs11: URI or file:PATH")
				fs.StringVar(&pf.out, "o", "", "write the signed PDF to `FILE`")
				fs.StringVar(&pf.level, "level", "B-B", "signature `level`: B-B, B-T, B-LT or B-LTA")
				fs.Var(&pf.trust, "trust", "trusted root PEM file or directory, to build paths for B-LT and B-LTA (repeatable)")
				fs.StringVar(&pf.tsa, "tsa", "", "time-stamp authority `URL` (needed for B-T)")
				fs.StringVar(&pf.reason, "reason", "", "the signing `reason` shown by PDF readers")
				fs.StringVar(&pf.location, "location", "", "the signing `place` shown by PDF readers")
				fs.StringVar(&pf.field, "field", "", "the signature field's `name` (default Signature<n>); an empty signature field of that name is signed into")
				padesMDPFlags(fs, &pf.mdp)
				padesVisibleFlags(fs, &pf.vis)
			},
			run: func(ctx context.Context, c *cli, fs *flag.FlagSet) error { return runSignPAdES(ctx, c, fs, &pf) },
		}},
	})
}

type padesFlags struct {
	key, out, level, tsa, reason, location, field string
	trust                                         stringList
	mdp                                           mdpFlags
	vis                                           visibleFlags
}

func runSignPAdES(ctx context.Context, c *cli, fs *flag.FlagSet, f *padesFlags) error {
	if fs.NArg() != 1 {
		return usageErrorf("give exactly one PDF to sign")
	}
	if f.key == "" || f.out == "" || f.out == "-" {
		return usageErrorf("--key and -o FILE are required")
	}
	level, err := sign.ParseLevel(f.level)
	if err != nil {
		return withCode(exitUsage, err)
	}
	if level != sign.LevelBB && f.tsa == "" {
		return usageErrorf("level %s needs a time-stamp authority: give --tsa URL", level)
	}
	opts := &sign.Options{Level: level, TSA: f.tsa}
	if level == sign.LevelBLT || level == sign.LevelBLTA {
		if len(f.trust) == 0 {
			return usageErrorf("level %s needs the trusted roots to build certificate paths: give --trust", level)
		}
		if opts.Roots, err = loadTrust(f.trust); err != nil {
			return err
		}
	}
	in, size, err := openInput(fs.Arg(0))
	if err != nil {
		return err
	}
	defer in.Close()
	key, err := openKey(ctx, c, f.key)
	if err != nil {
		return err
	}
	defer key.Close()

	popts := &sign.PDFOptions{Reason: f.reason, Location: f.location, FieldName: f.field}
	if err := f.mdp.apply(popts); err != nil {
		return err
	}
	if err := f.vis.apply(fs, popts); err != nil {
		return err
	}
	if err := signPDFTo(ctx, key, in, size, f.out, opts, popts); err != nil {
		return err
	}
	if c.json {
		return c.writeJSON(map[string]any{"file": fs.Arg(0), "signed": f.out, "level": string(level)})
	}
	fmt.Fprintf(c.stderr, "signed %s (PAdES-%s) -> %s\n", fs.Arg(0), level, f.out)
	return nil
}

func init() {
	errorClassifiers = append(errorClassifiers, func(err error) (int, bool) {
		switch {
		case errors.Is(err, sign.ErrTSARequired):
			return exitUsage, true
		case errors.Is(err, sign.ErrTimestamp), errors.Is(err, sign.ErrValidationData):
			return exitUnavailable, true
		case errors.Is(err, sign.ErrTooLarge):
			return exitDataErr, true
		}
		return 0, false
	})
}

func runSignCAdES(ctx context.Context, c *cli, fs *flag.FlagSet, f *signFlags) error {
	if fs.NArg() != 1 {
		return usageErrorf("give exactly one file to sign")
	}
	if f.key == "" || f.out == "" {
		return usageErrorf("--key and -o are required")
	}
	level, err := sign.ParseLevel(f.level)
	if err != nil {
		return withCode(exitUsage, err)
	}
	opts := &sign.Options{Level: level, TSA: f.tsa, PSS: f.pss, Attached: f.attached}
	switch strings.ToLower(f.hash) {
	case "sha256", "sha-256":
		opts.Hash = crypto.SHA256
	case "sha384", "sha-384":
		opts.Hash = crypto.SHA384
	case "sha512", "sha-512":
		opts.Hash = crypto.SHA512
	default:
		return usageErrorf("--hash: unknown algorithm %q; use sha256, sha384 or sha512", f.hash)
	}
	if f.commitment != "" {
		ct, ok := map[string][]int{
			"origin": sign.CommitmentProofOfOrigin, "receipt": sign.CommitmentProofOfReceipt,
			"delivery": sign.CommitmentProofOfDelivery, "sender": sign.CommitmentProofOfSender,
			"approval": sign.CommitmentProofOfApproval, "creation": sign.CommitmentProofOfCreation,
		}[f.commitment]
		if !ok {
			return usageErrorf("--commitment: unknown type %q", f.commitment)
		}
		opts.CommitmentType = ct
	}
	if level != sign.LevelBB && f.tsa == "" {
		return usageErrorf("level %s needs a time-stamp authority: give --tsa URL", level)
	}
	if level == sign.LevelBLT || level == sign.LevelBLTA {
		if len(f.trust) == 0 {
			return usageErrorf("level %s needs the trusted roots to build certificate paths: give --trust", level)
		}
		roots, err := loadTrust(f.trust)
		if err != nil {
			return err
		}
		opts.Roots = roots
	}

	in, err := os.Open(fs.Arg(0))
	if err != nil {
		return withCode(exitNoInput, err)
	}
	defer in.Close()

	key, err := openKey(ctx, c, f.key)
	if err != nil {
		return err
	}
	defer key.Close()

	sig, err := sign.CAdES(ctx, key, in, opts)
	if err != nil {
		return err
	}
	if err := writeOutput(c, f.out, sig); err != nil {
		return err
	}
	if c.json {
		return c.writeJSON(map[string]any{"file": fs.Arg(0), "signature": f.out, "level": string(level), "bytes": len(sig)})
	}
	if f.out != "-" {
		fmt.Fprintf(c.stderr, "signed %s (CAdES-%s) -> %s\n", fs.Arg(0), level, f.out)
	}
	return nil
}

// signPDFTo signs the PDF in into the file name: written beside it and
// renamed into place, so that a failure leaves no half-signed file.
func signPDFTo(ctx context.Context, key sign.Signer, in io.ReaderAt, size int64, name string, opts *sign.Options, popts *sign.PDFOptions) error {
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return withCode(exitCantCreate, err)
	}
	defer os.Remove(tmp.Name())
	err = sign.PAdES(ctx, key, in, size, tmp, opts, popts)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = withCode(exitCantCreate, cerr)
	}
	if err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return withCode(exitCantCreate, err)
	}
	return nil
}

// openKey opens a key reference for signing, with the PIN read from the
// terminal when neither the reference nor the environment gives one.
func openKey(ctx context.Context, c *cli, ref string) (token.Signer, error) {
	return token.Open(ctx, ref, &token.Options{PIN: token.TerminalPIN, Getenv: c.getenv})
}

// writeOutput writes data to name atomically (a temporary file renamed into
// place, so an interrupted run never leaves half a signature), or to
// standard output for "-".
func writeOutput(c *cli, name string, data []byte) error {
	if name == "-" {
		_, err := c.stdout.Write(data)
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(name), "."+filepath.Base(name)+".*")
	if err != nil {
		return withCode(exitCantCreate, err)
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		return withCode(exitCantCreate, err)
	}
	if err := tmp.Close(); err != nil {
		return withCode(exitCantCreate, err)
	}
	if err := os.Rename(tmp.Name(), name); err != nil {
		return withCode(exitCantCreate, err)
	}
	return nil
}
