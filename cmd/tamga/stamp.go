package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/tamgasign/tamga/barcode/seal"
	"github.com/tamgasign/tamga/internal/canon"
	"github.com/tamgasign/tamga/pdfdoc"
)

type stampFlags struct {
	number, pages, at, sealKey, issuer, holder, date, data, host, out string
	typeCode                                                          uint
}

func init() {
	var f stampFlags
	commands = append(commands, &command{
		name:    "stamp",
		args:    "--number N --seal-key REF --issuer CODE --check-host HOST -o OUT.pdf IN.pdf",
		summary: "put a sealed QR code and a Code 128 on an existing PDF, before it is signed",
		help: `For agencies whose own systems print the result document: stamps the QR code
(the document's seal as a check URL) and the Code 128 (the number, printed
under the bars) onto chosen pages of IN.pdf, embeds the document data as
document.json, and writes OUT.pdf. Sign OUT.pdf afterwards with
"tamga sign pades": stamping rewrites the file, so it must come first.

The seal carries the issuer code, type code, number, date, holder's name
and the SHA-256 of the data (--data, a JSON object; without it, the seal
covers {"number": N}).

Examples:
  tamga stamp --number 20261123000417 --issuer KG-SDA --type-code 101 \
      --holder 'Асанова Айгүл Бакытбековна' --data document.json \
      --seal-key 'file:demo-pki/seal.p12?pin-source=file:demo-pki/pin.txt' \
      --check-host check.tunduk.kg -o stamped.pdf printed.pdf
  tamga stamp ... --pages 1,2 --at 15,250 -o stamped.pdf printed.pdf`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&f.number, "number", "", "the document `number` (digits)")
			fs.StringVar(&f.sealKey, "seal-key", "", "the seal key `REF` (ECDSA P-256)")
			fs.StringVar(&f.issuer, "issuer", "", "the issuing agency's `code` in the seal trust list")
			fs.UintVar(&f.typeCode, "type-code", 0, "the document type's `code` in the agency's register")
			fs.StringVar(&f.holder, "holder", "", "the holder's `name` as printed")
			fs.StringVar(&f.date, "date", "", "the issue `date`, YYYY-MM-DD (default today)")
			fs.StringVar(&f.data, "data", "", "the document data (JSON object `file`), embedded and sealed")
			fs.StringVar(&f.host, "check-host", "", "the `host` of the check page the QR opens")
			fs.StringVar(&f.pages, "pages", "1", "the `pages` to stamp, comma-separated")
			fs.StringVar(&f.at, "at", "", "the QR code's top-left corner `x,y` in mm from the page's top-left (default: bottom-left)")
			fs.StringVar(&f.out, "o", "", "write the stamped PDF to `FILE`")
		},
		run: func(ctx context.Context, c *cli, fs *flag.FlagSet) error { return runStamp(ctx, c, fs, &f) },
	})
}

func runStamp(ctx context.Context, c *cli, fs *flag.FlagSet, f *stampFlags) error {
	if fs.NArg() != 1 || f.number == "" || f.sealKey == "" || f.issuer == "" || f.host == "" || f.out == "" {
		return usageErrorf("give IN.pdf, --number, --seal-key, --issuer, --check-host and -o")
	}
	if f.typeCode > 65535 {
		return usageErrorf("--type-code must be at most 65535")
	}
	day := time.Now().UTC()
	if f.date != "" {
		t, err := parseDay(f.date)
		if err != nil {
			return usageErrorf("--date: %v", err)
		}
		day = t
	}
	opts := &pdfdoc.StampOptions{Number: f.number}
	for _, p := range strings.Split(f.pages, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(p))
		if err != nil || n < 1 {
			return usageErrorf("--pages: %q is not a page number", p)
		}
		opts.Pages = append(opts.Pages, n)
	}
	if f.at != "" {
		var x, y float64
		if _, err := fmt.Sscanf(f.at, "%g,%g", &x, &y); err != nil {
			return usageErrorf("--at: give x,y in millimetres")
		}
		opts.QR = pdfdoc.Rect{X: x, Y: y, W: 30}
	}
	data := []byte(fmt.Sprintf(`{"number":%q}`, f.number))
	if f.data != "" {
		raw, err := readLimited(f.data, pdfdoc.MaxDataSize)
		if err != nil {
			return err
		}
		if data, err = canon.Transform(raw); err != nil {
			return withCode(exitDataErr, fmt.Errorf("--data: %w", err))
		}
	}
	opts.Attachment = &pdfdoc.Attachment{Name: "document.json", MIMEType: "application/json", Data: data}

	in, err := readLimited(fs.Arg(0), pdfdoc.MaxPDFSize)
	if err != nil {
		return err
	}
	opts.QRText, _, _, err = sealDocument(ctx, c, f.sealKey, f.host, &seal.Document{IssuerID: f.issuer,
		DocType: uint16(f.typeCode), Number: f.number, IssueDate: day, HolderName: f.holder, Data: data})
	if errors.Is(err, seal.ErrInvalidDocument) || errors.Is(err, seal.ErrUnsupportedKey) {
		return withCode(exitUsage, err) // the document's fields and the key came from flags
	}
	if err != nil {
		return err
	}
	out, err := pdfdoc.Stamp(ctx, in, opts)
	if err != nil {
		return err
	}
	if err := writeOutput(c, f.out, out); err != nil {
		return err
	}
	if c.json {
		return c.writeJSON(map[string]any{"file": f.out, "number": f.number, "sealURL": opts.QRText})
	}
	fmt.Fprintf(c.stdout, "Stamped %s -> %s\n  seal: %s\nSign it next: tamga sign pades --key REF -o SIGNED.pdf %s\n", fs.Arg(0), f.out, opts.QRText, f.out)
	return nil
}
