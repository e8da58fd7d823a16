package main

// The extend verb: raising a signed PDF (sign.ExtendPDF) or a CAdES
// signature (sign.ExtendCMS) to B-LT or B-LTA without the signing key.

import (
	"context"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/tamgasign/tamga/internal/pdf"
	"github.com/tamgasign/tamga/sign"
	"github.com/tamgasign/tamga/verify"
)

type extendFlags struct {
	out, level, tsa, content string
	trust                    stringList
}

func init() {
	var f extendFlags
	commands = append(commands, &command{
		name:    "extend",
		args:    "--level B-LT|B-LTA --trust ROOT.pem [--content FILE] -o OUT IN.pdf|IN.p7s|IN.p7m",
		summary: "raise a signed PDF or CAdES signature to B-LT or B-LTA (validation data, archive time-stamp)",
		help: `Raises every signature of IN.pdf to a long-term level and writes OUT.pdf: the
original bytes unchanged, then incremental updates. No signing key is
needed: nothing inside a signature changes.

IN may also be a CAdES signature (.p7s detached, with --content FILE for the
signed file; .p7m attached), DER or PEM; the type is detected from its
bytes, as tamga verify does. OUT is then the DER signature with the
validation data in its certificates and crls fields and, for B-LTA, an
archive-time-stamp-v3 among the signer's unsigned attributes. The content
is read once and never changed. Only single-signer signatures are extended.

  B-LT   adds to the Document Security Store the certificates and OCSP
         responses or CRLs of every signer and time-stamp authority, fetched
         now from the addresses their certificates name, so the signatures
         can be validated offline after the certificates expire. What the
         store already holds is kept.
  B-LTA  does B-LT when needed, then adds a document time-stamp (CAdES: an
         archive time-stamp) from --tsa over everything. On a file already
         at B-LTA it renews the archive time-stamp: the validation data of
         the last (document or archive) time-stamp's authority, then a new
         time-stamp. Renew before the last time-stamp's certificate expires
         or its algorithms weaken.

Every signature is validated first (online, against the --trust roots): a
signature that is changed, broken, revoked or untrusted is not raised, and
nothing is written. B-B and B-T cannot be reached this way (the signature
time-stamp is inside the signature): sign again with --level B-T. A PDF
already at the level asked for (or above) is refused, except B-LTA.

Examples:
  tamga extend --level B-LT --trust demo-pki/root.pem -o signed-lt.pdf signed.pdf
  tamga extend --level B-LTA --tsa http://tsa.example/ --trust root.pem -o archived.pdf signed.pdf
  tamga extend --level B-LTA --tsa http://tsa.example/ --trust root.pem -o renewed.pdf archived.pdf
  tamga extend --level B-LTA --tsa http://tsa.example/ --trust root.pem --content app.xml -o app-lta.p7s app.p7s

Exit codes of extend: 0 extended; 1 a signature is TOTAL_FAILED (changed,
broken or revoked) and 2 INDETERMINATE (for example an untrusted root or no
revocation data): nothing is written; 64 also for --content with a PDF or an
attached signature, or none with a detached one; 65 the file has no
signature, several signers (CAdES), is already at the level, or is
malformed; 69 the time-stamp authority or an
OCSP responder or CRL cannot be reached.`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&f.out, "o", "", "write the extended PDF to `FILE`")
			fs.StringVar(&f.level, "level", "", "the `level` to reach: B-LT or B-LTA")
			fs.StringVar(&f.tsa, "tsa", "", "time-stamp authority `URL` (needed for B-LTA)")
			fs.StringVar(&f.content, "content", "", "the signed `FILE` of a detached CAdES signature (.p7s)")
			fs.Var(&f.trust, "trust", "trusted root PEM file or directory, to validate the signatures and build their paths (repeatable)")
		},
		run: func(ctx context.Context, c *cli, fs *flag.FlagSet) error { return runExtend(ctx, c, fs, &f) },
	})
	errorClassifiers = append(errorClassifiers, func(err error) (int, bool) {
		var nv *sign.NotValidError
		switch {
		case errors.As(err, &nv) && nv.Indication == verify.TotalFailed:
			return exitFailed, true
		case errors.As(err, &nv):
			return exitIndetermine, true
		case errors.Is(err, sign.ErrNotValid):
			// A broken archive time-stamp of a CAdES signature.
			return exitFailed, true
		case errors.Is(err, sign.ErrNeedsSigningKey), errors.Is(err, sign.ErrContentUnexpected):
			return exitUsage, true
		case errors.Is(err, sign.ErrNoSignature), errors.Is(err, sign.ErrLevelNotHigher), errors.Is(err, sign.ErrMultipleSigners),
			errors.Is(err, pdf.ErrMalformed), errors.Is(err, pdf.ErrLimit),
			errors.Is(err, pdf.ErrUnsupported), errors.Is(err, pdf.ErrEncrypted):
			return exitDataErr, true
		}
		return 0, false
	})
}

func runExtend(ctx context.Context, c *cli, fs *flag.FlagSet, f *extendFlags) error {
	if fs.NArg() != 1 {
		return usageErrorf("give exactly one signed PDF or CAdES signature to extend")
	}
	if f.out == "" || f.out == "-" || f.level == "" {
		return usageErrorf("--level and -o FILE are required")
	}
	level, err := sign.ParseLevel(f.level)
	if err != nil {
		return withCode(exitUsage, err)
	}
	if level != sign.LevelBLT && level != sign.LevelBLTA {
		return withCode(exitUsage, sign.ErrNeedsSigningKey)
	}
	if level == sign.LevelBLTA && f.tsa == "" {
		return usageErrorf("level B-LTA needs a time-stamp authority: give --tsa URL")
	}
	if len(f.trust) == 0 {
		return usageErrorf("give the trusted roots with --trust: every signature is validated before it is extended")
	}
	opts := &sign.Options{Level: level, TSA: f.tsa}
	if opts.Roots, err = loadTrust(f.trust); err != nil {
		return err
	}

	in, size, err := openInput(fs.Arg(0))
	if err != nil {
		return err
	}
	defer in.Close()
	head := make([]byte, 1024)
	n, _ := in.ReadAt(head, 0)
	format := "PAdES"
	var extend func(tmp *os.File) error
	if isPDF(head[:n]) {
		if f.content != "" {
			return usageErrorf("--content is for a detached CAdES signature; a PDF holds what it signs")
		}
		extend = func(tmp *os.File) error { return sign.ExtendPDF(ctx, in, size, tmp, opts) }
	} else {
		format = "CAdES"
		sig, err := io.ReadAll(io.LimitReader(in, maxSignatureFile+1))
		if err != nil {
			return withCode(exitNoInput, err)
		}
		if len(sig) > maxSignatureFile {
			return withCode(exitDataErr, fmt.Errorf("%s is larger than %d MiB; this is not a signature file", fs.Arg(0), maxSignatureFile>>20))
		}
		if block, _ := pem.Decode(sig); block != nil {
			sig = block.Bytes
		}
		var content io.Reader
		if f.content != "" {
			cf, err := os.Open(f.content)
			if err != nil {
				return withCode(exitNoInput, err)
			}
			defer cf.Close()
			content = cf
		}
		extend = func(tmp *os.File) error {
			der, err := sign.ExtendCMS(ctx, sig, content, opts)
			if errors.Is(err, verify.ErrMalformed) {
				return fmt.Errorf("%s is neither a PDF nor a well-formed CMS signature: %w", fs.Arg(0), err)
			}
			if err != nil {
				return err
			}
			if _, err := tmp.Write(der); err != nil {
				return withCode(exitCantCreate, err)
			}
			return nil
		}
	}

	// Written beside the output and renamed into place: a refusal or a
	// failure leaves no half-extended file.
	tmp, err := os.CreateTemp(filepath.Dir(f.out), "."+filepath.Base(f.out)+".*")
	if err != nil {
		return withCode(exitCantCreate, err)
	}
	defer os.Remove(tmp.Name())
	err = extend(tmp)
	if cerr := tmp.Close(); err == nil && cerr != nil {
		err = withCode(exitCantCreate, cerr)
	}
	if err != nil {
		if code := exitCode(err); code == exitFailed || code == exitIndetermine {
			// cli.run prints nothing for these codes (verify has printed
			// its verdict); here the reason must be said.
			if c.json {
				c.writeJSON(map[string]any{"error": err.Error(), "exitCode": code})
			}
			fmt.Fprintf(c.stderr, "tamga extend: %v\n", err)
		}
		return err
	}
	if err := os.Rename(tmp.Name(), f.out); err != nil {
		return withCode(exitCantCreate, err)
	}
	if c.json {
		return c.writeJSON(map[string]any{"file": fs.Arg(0), "extended": f.out, "level": string(level), "format": format})
	}
	fmt.Fprintf(c.stderr, "extended %s to %s-%s -> %s\n", fs.Arg(0), format, level, f.out)
	return nil
}
