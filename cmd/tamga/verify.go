package main

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/tamgasign/tamga/verify"
)

// maxSignatureFile bounds how much of a CMS signature file is read into
// memory; detached content is streamed and has no limit.
const maxSignatureFile = 256 << 20

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }
func (s *stringList) reset()             { *s = nil }

type verifyFlags struct {
	trust   stringList
	content string
	online  bool
	at      string
}

func init() {
	var f verifyFlags
	commands = append(commands, &command{
		name:    "verify",
		args:    "FILE",
		summary: "validate the signatures of a PDF (PAdES) or CMS/CAdES file",
		help: `Checks that the signed data is intact, that each signer's certificate chains
to a trusted root, and that it was valid and not revoked when the signature
was made (the time of a signature time-stamp, else now). The file type is
detected from its bytes: a PDF, or a DER or PEM CMS signature. For a PDF,
every signature's byte range must be exact, and anything a later revision
changed beyond adding signatures and validation data fails the signature.

Prints one verdict line, then who signed, when, and why the signature passed
or failed. The exit code is the verdict: 0 TOTAL_PASSED, 1 TOTAL_FAILED,
2 INDETERMINATE.

Revocation data is taken from the signature; --online also fetches OCSP
responses and CRLs from the addresses the certificates name.

Examples:
  tamga verify --trust root.pem --content application.xml application.xml.p7s
  tamga verify --trust /etc/tamga/roots/ --online --json signed.p7m
  tamga verify --trust root.pem --time 2026-01-15T10:00:00Z old.p7m`,
		flags: func(fs *flag.FlagSet) {
			fs.Var(&f.trust, "trust", "a trusted root: a PEM file or a directory of them (repeatable)")
			fs.StringVar(&f.content, "content", "", "the signed `file`, for a detached signature")
			fs.BoolVar(&f.online, "online", false, "fetch OCSP responses and CRLs named by the certificates")
			fs.StringVar(&f.at, "time", "", "validate as of this RFC 3339 `time` instead of now")
		},
		run: func(ctx context.Context, c *cli, fs *flag.FlagSet) error { return runVerify(ctx, c, fs, &f) },
	})
}

func init() {
	errorClassifiers = append(errorClassifiers, func(err error) (int, bool) {
		switch {
		case errors.Is(err, verify.ErrMalformed):
			return exitDataErr, true
		case errors.Is(err, verify.ErrContentRequired):
			return exitUsage, true
		}
		return 0, false
	})
}

func runVerify(ctx context.Context, c *cli, fs *flag.FlagSet, f *verifyFlags) error {
	if fs.NArg() != 1 {
		return usageErrorf("give exactly one file to verify")
	}
	name := fs.Arg(0)
	policy := &verify.Policy{Online: f.online}
	if len(f.trust) > 0 {
		roots, err := loadTrust(f.trust)
		if err != nil {
			return err
		}
		policy.Roots = roots
	}
	if f.at != "" {
		at, err := time.Parse(time.RFC3339, f.at)
		if err != nil {
			return usageErrorf("--time: %v", err)
		}
		policy.Now = func() time.Time { return at }
	}

	file, size, err := openInput(name)
	if err != nil {
		return err
	}
	defer file.Close()
	head := make([]byte, 1024)
	n, _ := file.ReadAt(head, 0)
	head = head[:n]
	var content io.Reader
	if f.content != "" {
		cf, err := os.Open(f.content)
		if err != nil {
			return withCode(exitNoInput, err)
		}
		defer cf.Close()
		content = cf
	}

	var report *verify.Report
	if isPDF(head) {
		// PDFs are read in place, never whole: they may be large.
		report, err = verify.PDF(ctx, file, size, policy)
	} else {
		data, rerr := readLimited(name, maxSignatureFile)
		if rerr != nil {
			return rerr
		}
		if block, _ := pem.Decode(data); block != nil {
			data = block.Bytes
		}
		report, err = verify.CMS(ctx, data, content, policy)
	}
	if err != nil {
		return err
	}
	report.File = name
	if c.json {
		if err := c.writeJSON(report); err != nil {
			return err
		}
	} else {
		printReport(c.stdout, report)
	}
	switch report.Indication {
	case verify.TotalPassed:
		return nil
	case verify.TotalFailed:
		return withCode(exitFailed, errors.New(string(report.Indication)))
	default:
		return withCode(exitIndetermine, errors.New(string(report.Indication)))
	}
}

// loadTrust reads the --trust files: a missing one is missing input (66),
// one without certificates is bad data (65).
func loadTrust(paths []string) (*x509.CertPool, error) {
	roots, err := verify.LoadTrust(paths...)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, withCode(exitDataErr, err)
	}
	return roots, err
}

// isPDF tells a PDF from a CMS signature: DER CMS starts with a SEQUENCE
// (and may hold a PDF as its content); a PDF has its header in the first
// kilobyte.
func isPDF(data []byte) bool {
	if len(data) > 0 && data[0] == 0x30 {
		return false
	}
	head := data
	if len(head) > 1024 {
		head = head[:1024]
	}
	return bytes.Contains(head, []byte("%PDF-"))
}

// readLimited reads a whole input file, refusing files over limit bytes.
func readLimited(name string, limit int64) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, withCode(exitNoInput, err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, withCode(exitNoInput, err)
	}
	if int64(len(data)) > limit {
		return nil, withCode(exitDataErr, fmt.Errorf("%s is larger than %d MiB; this is not a signature file", name, limit>>20))
	}
	return data, nil
}

// printReport writes the verdict for people: one line that says it all, then
// each signature's signer, time and reasons.
func printReport(w io.Writer, r *verify.Report) {
	fmt.Fprintf(w, "%s: %s\n", r.File, verdictLine(r.Indication, r.SubIndication))
	for _, m := range r.Messages {
		fmt.Fprintf(w, "  %s %s\n", marker(m.Level), m.Text)
	}
	for _, s := range r.Signatures {
		fmt.Fprintf(w, "\nSignature %d (%s): %s\n", s.Index+1, s.Level, verdictLine(s.Indication, s.SubIndication))
		if s.Signer != nil {
			who := s.Signer.CommonName
			if s.Signer.Organization != "" {
				who += ", " + s.Signer.Organization
			}
			if s.Signer.SerialNumber != "" {
				who += " (" + s.Signer.SerialNumber + ")"
			}
			fmt.Fprintf(w, "  Signed by:  %s\n  Issued by:  %s\n", who, s.Signer.Issuer)
		}
		switch {
		case s.TimestampTime != nil:
			fmt.Fprintf(w, "  Signed at:  %s (proved by a time-stamp)\n", s.TimestampTime.UTC().Format(time.RFC3339))
		case s.ClaimedSigningTime != nil:
			fmt.Fprintf(w, "  Signed at:  %s (claimed by the signer, not proved)\n", s.ClaimedSigningTime.UTC().Format(time.RFC3339))
		}
		for _, m := range s.Messages {
			fmt.Fprintf(w, "  %s %s\n", marker(m.Level), m.Text)
		}
	}
}

func verdictLine(ind verify.Indication, sub verify.SubIndication) string {
	switch ind {
	case verify.TotalPassed:
		return "VALID (TOTAL_PASSED)"
	case verify.TotalFailed:
		return "INVALID (TOTAL_FAILED/" + string(sub) + ")"
	}
	return "NOT CONFIRMED (INDETERMINATE/" + string(sub) + ")"
}

func marker(l verify.Level) string {
	switch l {
	case verify.LevelError:
		return "✗"
	case verify.LevelWarning:
		return "!"
	}
	return "✓"
}
