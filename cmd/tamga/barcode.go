package main

import (
	"context"
	"crypto"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/tamgasign/tamga/barcode"
	"github.com/tamgasign/tamga/barcode/seal"
	"github.com/tamgasign/tamga/pdfdoc"
)

func init() {
	commands = append(commands, &command{
		name:    "barcode",
		summary: "read the barcodes of a document",
		sub: []*command{{
			name:    "decode",
			args:    "FILE.png|FILE.jpg|FILE.pdf",
			summary: "decode every QR, Code 128 and DataMatrix symbol in an image or PDF",
			help: `Reads a scanned or photographed page (PNG or JPEG; slightly rotated or
scaled is fine), or the first pages of a PDF (rendered at 150 dpi with
poppler's pdftoppm), and prints each symbol found: its format and text.

Examples:
  tamga barcode decode scan.png
  tamga barcode decode --json photo.jpg`,
			run: runBarcodeDecode,
		}},
	})

	var f sealFlags
	commands = append(commands, &command{
		name:    "seal",
		summary: "check the signed seal in a document's QR code",
		sub: []*command{{
			name:    "verify",
			args:    "--trust-list LIST --operator-key KEY.pem (URL | FILE)",
			summary: "verify a seal offline against a seal trust list",
			help: `Verifies the seal a result document carries in its QR code, without the
network: the seal is checked against the issuer's seal trust list
(seal-trust-list.json, with its detached signature seal-trust-list.sig), whose signature is checked with
the list operator's public key. The seal is given as the QR's URL, or as a
file: a result document (PDF), an image of the QR (PNG/JPEG) or a text file
holding the URL.

The document data is checked against the digest the seal carries: from
--data (JSON), or, for a result document, its embedded document.json. So
the seal, the embedded data and the document agree, or the check fails.

Exit codes: 0 the seal is valid; 1 it is not (forged, changed, revoked key,
expired document, data that does not match); 65 it is malformed.

Examples:
  tamga seal verify --trust-list seal-trust-list.json --operator-key operator.pem 'HTTPS://CHECK.TUNDUK.KG/S/...'
  tamga seal verify --trust-list seal-trust-list.json --operator-key operator.pem --data document.json scan.png`,
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&f.list, "trust-list", "", "the seal trust list `file` (its signature is read beside it, .json replaced by .sig)")
				fs.StringVar(&f.sig, "trust-list-sig", "", "the trust list's signature `file` (default: the list's name with .sig)")
				fs.StringVar(&f.operator, "operator-key", "", "the list operator's public key (PEM `file`)")
				fs.StringVar(&f.data, "data", "", "the document data (JSON `file`) to check against the seal")
				fs.StringVar(&f.at, "time", "", "verify as of this RFC 3339 `time` instead of now")
			},
			run: func(ctx context.Context, c *cli, fs *flag.FlagSet) error { return runSealVerify(ctx, c, fs, &f) },
		}},
	})
	errorClassifiers = append(errorClassifiers, func(err error) (int, bool) {
		switch {
		case errors.Is(err, barcode.ErrNotFound):
			return exitFailed, true
		case errors.Is(err, barcode.ErrImageTooLarge), errors.Is(err, barcode.ErrImageFormat),
			errors.Is(err, seal.ErrSealMalformed), errors.Is(err, seal.ErrSealVersion), errors.Is(err, seal.ErrTrustListInvalid):
			return exitDataErr, true
		case errors.Is(err, seal.ErrUnknownKey), errors.Is(err, seal.ErrSignatureInvalid), errors.Is(err, seal.ErrKeyRevoked),
			errors.Is(err, seal.ErrKeyNotValid), errors.Is(err, seal.ErrNotYetValid), errors.Is(err, seal.ErrDocumentExpired),
			errors.Is(err, seal.ErrDataMismatch), errors.Is(err, seal.ErrTrustListExpired):
			return exitFailed, true
		}
		return 0, false
	})
}

// maxPDFPages is how many pages of a PDF are rendered to look for codes:
// result documents carry them on the first page or two.
const maxPDFPages = 4

// decodeImageFile finds the symbols in an image, or in the first pages of
// a PDF, which poppler's pdftoppm renders at 150 dpi (as a scanner would).
func decodeImageFile(ctx context.Context, name string) ([]barcode.Symbol, error) {
	head, err := readHead(name)
	if err != nil {
		return nil, err
	}
	files := []string{name}
	if isPDF(head) {
		dir, err := os.MkdirTemp("", "tamga-pages-")
		if err != nil {
			return nil, withCode(exitCantCreate, err)
		}
		defer os.RemoveAll(dir)
		if files, err = renderPDF(ctx, name, dir); err != nil {
			return nil, err
		}
	}
	var all []barcode.Symbol
	for _, file := range files {
		in, err := os.Open(file)
		if err != nil {
			return nil, withCode(exitNoInput, err)
		}
		img, err := barcode.ReadImage(in, 0)
		in.Close()
		if err != nil {
			return nil, err
		}
		syms, err := barcode.Decode(ctx, img)
		if err != nil && !errors.Is(err, barcode.ErrNotFound) {
			return nil, err
		}
		all = append(all, syms...)
	}
	if len(all) == 0 {
		return nil, fmt.Errorf("%s: %w", name, barcode.ErrNotFound)
	}
	return all, nil
}

func readHead(name string) ([]byte, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, withCode(exitNoInput, err)
	}
	defer f.Close()
	head := make([]byte, 1024)
	n, _ := f.Read(head)
	return head[:n], nil
}

// renderPDF renders the first pages of a PDF into PNG files in dir.
func renderPDF(ctx context.Context, name, dir string) ([]string, error) {
	pdftoppm, err := exec.LookPath("pdftoppm")
	if err != nil {
		return nil, withCode(exitUnavailable, errors.New("reading codes from a PDF needs pdftoppm: apt-get install poppler-utils, or give a scan (PNG/JPEG)"))
	}
	cmd := exec.CommandContext(ctx, pdftoppm, "-r", "150", "-png", "-l", strconv.Itoa(maxPDFPages), name, filepath.Join(dir, "page"))
	if out, err := cmd.CombinedOutput(); err != nil {
		return nil, withCode(exitDataErr, fmt.Errorf("pdftoppm could not render %s: %v: %s", name, err, strings.TrimSpace(string(out))))
	}
	pages, _ := filepath.Glob(filepath.Join(dir, "page*.png"))
	sort.Strings(pages)
	return pages, nil
}

func runBarcodeDecode(ctx context.Context, c *cli, fs *flag.FlagSet) error {
	if fs.NArg() != 1 {
		return usageErrorf("give exactly one image file")
	}
	syms, err := decodeImageFile(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	if c.json {
		out := make([]map[string]string, 0, len(syms))
		for _, s := range syms {
			out = append(out, map[string]string{"format": s.Format.String(), "text": s.Text})
		}
		return c.writeJSON(out)
	}
	for _, s := range syms {
		fmt.Fprintf(c.stdout, "%s\t%s\n", s.Format, s.Text)
	}
	return nil
}

type sealFlags struct {
	list, sig, operator, data, at string
}

func runSealVerify(ctx context.Context, c *cli, fs *flag.FlagSet, f *sealFlags) error {
	if fs.NArg() != 1 {
		return usageErrorf("give the seal: its URL, or a file with the QR image or the URL")
	}
	if f.list == "" || f.operator == "" {
		return usageErrorf("--trust-list and --operator-key are required")
	}
	now := time.Now()
	if f.at != "" {
		t, err := time.Parse(time.RFC3339, f.at)
		if err != nil {
			return usageErrorf("--time: %v", err)
		}
		now = t
	}
	tl, err := loadTrustList(f)
	if err != nil {
		return err
	}
	url, syms, err := sealURL(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	res, err := seal.VerifyURL(ctx, url, tl, now)
	dataSource, visible, isResultPDF := f.data, "", false
	if err == nil {
		var data []byte
		switch {
		case f.data != "":
			if data, err = os.ReadFile(f.data); err != nil {
				return withCode(exitNoInput, err)
			}
		case fileExists(fs.Arg(0)):
			// A result document carries its data: check that the seal in its
			// QR code and the embedded document.json agree.
			if head, herr := readHead(fs.Arg(0)); herr == nil && isPDF(head) {
				isResultPDF = true
				pdfBytes, rerr := readLimited(fs.Arg(0), pdfdoc.MaxPDFSize)
				if rerr != nil {
					return rerr
				}
				if att, aerr := pdfdoc.ReadAttachment(ctx, pdfBytes, "document.json"); aerr == nil {
					data, dataSource = att.Data, "the embedded document.json"
				}
			}
		}
		if data != nil {
			err = res.Seal.CheckData(data)
		}
		if err == nil && isResultPDF {
			visible, err = checkVisible(ctx, fs.Arg(0), res.Seal, syms)
		}
	}
	if err != nil {
		if c.json {
			c.writeJSON(map[string]any{"valid": false, "error": err.Error()})
		} else {
			fmt.Fprintf(c.stdout, "NOT VALID: %v\n", err)
		}
		return withCode(exitCode(err), errors.New("the seal is not valid"))
	}
	s := res.Seal
	if c.json {
		return c.writeJSON(map[string]any{
			"valid": true, "verdict": res.Verdict.String(), "issuer": s.IssuerID, "issuerNames": res.Key.Names,
			"documentType": s.DocType, "number": s.Number, "issueDate": s.IssueDate.Format(time.DateOnly),
			"expiryDate": dateOrEmpty(s.ExpiryDate), "holder": s.HolderName, "dataChecked": dataSource != "",
		})
	}
	fmt.Fprintf(c.stdout, "VALID: the seal is authentic\n")
	issuer := s.IssuerID
	if n := res.Key.Names["en"]; n != "" {
		issuer += " (" + n + ")"
	}
	fmt.Fprintf(c.stdout, "  Issuer:     %s\n  Document:   type %d, number %s\n  Issued:     %s\n", issuer, s.DocType, s.Number, s.IssueDate.Format(time.DateOnly))
	if !s.ExpiryDate.IsZero() {
		fmt.Fprintf(c.stdout, "  Valid until: %s\n", s.ExpiryDate.Format(time.DateOnly))
	}
	if s.HolderName != "" {
		fmt.Fprintf(c.stdout, "  Holder:     %s\n", s.HolderName)
	}
	if dataSource != "" {
		fmt.Fprintf(c.stdout, "  Data:       %s matches the seal\n", dataSource)
	}
	if isResultPDF {
		if visible == "" {
			visible = "the Code 128 and the printed number and holder match the seal"
		}
		fmt.Fprintf(c.stdout, "  Printed:    %s\n", visible)
	}
	return nil
}

func dateOrEmpty(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format(time.DateOnly)
}

// sealURL takes the seal argument: a URL, or a file holding a QR image or
// the URL as text.
// It also returns the symbols found when the seal came from an image or a
// PDF, so the caller can check the Code 128 against the seal.
func sealURL(ctx context.Context, arg string) (string, []barcode.Symbol, error) {
	if strings.Contains(strings.ToUpper(arg), "/S/") && !fileExists(arg) {
		return arg, nil, nil
	}
	head, err := readHead(arg)
	if err != nil {
		return "", nil, err
	}
	if text := strings.TrimSpace(string(head)); strings.Contains(strings.ToUpper(text), "/S/") && !strings.ContainsAny(text, "\x00\n") {
		return text, nil, nil
	}
	syms, err := decodeImageFile(ctx, arg)
	if err != nil {
		return "", nil, err
	}
	for _, s := range syms {
		if s.Format == barcode.QR && strings.Contains(strings.ToUpper(s.Text), "/S/") {
			return s.Text, syms, nil
		}
	}
	return "", nil, withCode(exitFailed, fmt.Errorf("%s has no QR code with a seal", arg))
}

// checkVisible checks that what a person reads on a result document agrees
// with its seal: the Code 128 carries the sealed number, and the page text
// (extracted with poppler's pdftotext) shows the number and the holder's
// name. It returns a note when the text could not be checked.
func checkVisible(ctx context.Context, pdfFile string, s *seal.Seal, syms []barcode.Symbol) (string, error) {
	found := false
	for _, sym := range syms {
		if sym.Format == barcode.Code128 {
			if sym.Text != s.Number {
				return "", fmt.Errorf("%w: the Code 128 says %s, the seal %s", seal.ErrDataMismatch, sym.Text, s.Number)
			}
			found = true
		}
	}
	if !found {
		return "", fmt.Errorf("%w: the document has no Code 128 with its number", seal.ErrDataMismatch)
	}
	pdftotext, err := exec.LookPath("pdftotext")
	if err != nil {
		return "the printed text was not compared (install poppler-utils for pdftotext)", nil
	}
	out, err := exec.CommandContext(ctx, pdftotext, "-l", strconv.Itoa(maxPDFPages), "-enc", "UTF-8", pdfFile, "-").Output()
	if err != nil {
		return "", withCode(exitDataErr, fmt.Errorf("pdftotext could not read %s: %v", pdfFile, err))
	}
	text := seal.NormalizeName(string(out))
	// Once under the Code 128 (which the stamp itself prints) and at least
	// once in the document's own text.
	if strings.Count(text, s.Number) < 2 {
		return "", fmt.Errorf("%w: the sealed number %s is not printed on the document", seal.ErrDataMismatch, s.Number)
	}
	if s.HolderName != "" && !strings.Contains(text, s.HolderName) {
		return "", fmt.Errorf("%w: the sealed holder %s is not printed on the document", seal.ErrDataMismatch, s.HolderName)
	}
	return "", nil
}

func fileExists(name string) bool {
	_, err := os.Stat(name)
	return err == nil
}

func loadTrustList(f *sealFlags) (*seal.TrustList, error) {
	payload, err := readLimited(f.list, 2<<20)
	if err != nil {
		return nil, err
	}
	sigName := f.sig
	if sigName == "" {
		sigName = strings.TrimSuffix(f.list, filepath.Ext(f.list)) + ".sig"
	}
	sig, err := readLimited(sigName, 4096)
	if err != nil {
		return nil, err
	}
	op, err := readPublicKey(f.operator)
	if err != nil {
		return nil, err
	}
	return seal.ParseTrustList(payload, sig, op)
}

// readPublicKey reads a PEM public key or certificate.
func readPublicKey(name string) (crypto.PublicKey, error) {
	data, err := readLimited(name, 1<<20)
	if err != nil {
		return nil, err
	}
	block, _ := pem.Decode(data)
	if block == nil {
		return nil, withCode(exitDataErr, fmt.Errorf("%s is not a PEM file", name))
	}
	switch block.Type {
	case "PUBLIC KEY":
		pub, err := x509.ParsePKIXPublicKey(block.Bytes)
		if err != nil {
			return nil, withCode(exitDataErr, fmt.Errorf("%s: %w", name, err))
		}
		return pub, nil
	case "CERTIFICATE":
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			return nil, withCode(exitDataErr, fmt.Errorf("%s: %w", name, err))
		}
		return cert.PublicKey, nil
	}
	return nil, withCode(exitDataErr, fmt.Errorf("%s holds a %s, not a public key", name, block.Type))
}
