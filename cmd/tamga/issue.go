package main

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/tamgasign/tamga/barcode/seal"
	"github.com/tamgasign/tamga/internal/testpki"
	"github.com/tamgasign/tamga/pdfdoc"
	"github.com/tamgasign/tamga/registry"
	"github.com/tamgasign/tamga/sign"
)

type issueFlags struct {
	template, data, key, sealKey, host, level, tsa, out, db string
}

func init() {
	var f issueFlags
	commands = append(commands, &command{
		name:    "issue",
		args:    "--template T.json --data D.json --key REF --seal-key REF -o OUT.pdf",
		summary: "issue a result document: PDF with a sealed QR code and a Code 128, signed",
		help: `Makes a result document from a template and its data (formats in
pdfdoc/TEMPLATES.md): an A4 PDF/A-3 with the data embedded as document.json,
a QR code holding the document's seal (barcode/SEAL.md) as a check URL, and a
Code 128 with the document number; then signs it with the executor's key
(PAdES). The seal is signed with --seal-key, an ECDSA P-256 key the seal
trust list names for the template's issuer code.

Examples:
  tamga issue --template testdata/templates/residence-ky.template.json \
      --data testdata/templates/residence-ky.data.json \
      --key 'file:demo-pki/executor.p12?pin-source=file:demo-pki/pin.txt' \
      --seal-key 'file:demo-pki/seal.p12?pin-source=file:demo-pki/pin.txt' \
      --check-host check.tunduk.kg -o residence.pdf
  tamga seal verify --trust-list demo-pki/seal-trust-list.json --operator-key demo-pki/operator.pem --data document.json URL`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&f.template, "template", "", "the template `file` (JSON)")
			fs.StringVar(&f.data, "data", "", "the data `file` (JSON)")
			fs.StringVar(&f.key, "key", "", "the executor's signing key `REF`")
			fs.StringVar(&f.sealKey, "seal-key", "", "the seal key `REF` (ECDSA P-256)")
			fs.StringVar(&f.host, "check-host", "", "the `host` of the check page the QR opens, such as check.tunduk.kg")
			fs.StringVar(&f.level, "level", "B-B", "PAdES `level`: B-B or B-T")
			fs.StringVar(&f.tsa, "tsa", "", "time-stamp authority `URL` (needed for B-T)")
			fs.StringVar(&f.out, "o", "", "write the signed PDF to `FILE`")
			fs.StringVar(&f.db, "db", "", "register the document in this registry (`sqlite:PATH` or postgres://...) and print its check code")
		},
		run: func(ctx context.Context, c *cli, fs *flag.FlagSet) error { return runIssue(ctx, c, fs, &f) },
	})
	errorClassifiers = append(errorClassifiers, func(err error) (int, bool) {
		if errors.Is(err, pdfdoc.ErrTemplate) || errors.Is(err, pdfdoc.ErrData) || errors.Is(err, seal.ErrInvalidDocument) {
			return exitDataErr, true
		}
		return 0, false
	})
}

func runIssue(ctx context.Context, c *cli, fs *flag.FlagSet, f *issueFlags) error {
	if fs.NArg() != 0 || f.template == "" || f.data == "" || f.key == "" || f.sealKey == "" || f.out == "" {
		return usageErrorf("--template, --data, --key, --seal-key and -o are required")
	}
	level, err := sign.ParseLevel(f.level)
	if err != nil {
		return withCode(exitUsage, err)
	}
	tb, err := readLimited(f.template, pdfdoc.MaxTemplateSize)
	if err != nil {
		return err
	}
	db, err := readLimited(f.data, pdfdoc.MaxDataSize)
	if err != nil {
		return err
	}
	tmpl, err := pdfdoc.ParseTemplate(tb)
	if err != nil {
		return err
	}
	data, err := pdfdoc.ParseData(db)
	if err != nil {
		return err
	}
	info, ok := tmpl.Seal()
	if !ok {
		return withCode(exitDataErr, fmt.Errorf("%s has no \"seal\" section: add the issuer code and type code (see pdfdoc/TEMPLATES.md)", f.template))
	}
	host := f.host
	if host == "" {
		return usageErrorf("give the check page's host with --check-host")
	}

	doc := &seal.Document{IssuerID: info.Issuer, DocType: info.TypeCode, Number: data.Number(), IssueDate: data.Date(), Data: data.Canonical()}
	if info.HolderKey != "" {
		doc.HolderName, _ = data.Value(info.HolderKey)
	}
	if info.ExpiryKey != "" {
		v, _ := data.Value(info.ExpiryKey)
		if doc.ExpiryDate, err = parseDay(v); err != nil {
			return withCode(exitDataErr, fmt.Errorf("data value %s: %w", info.ExpiryKey, err))
		}
	}
	sealURL, sealBytes, sealPub, err := sealDocument(ctx, c, f.sealKey, host, doc)
	if err != nil {
		return err
	}
	pdfBytes, err := pdfdoc.Issue(ctx, tmpl, data, &pdfdoc.IssueOptions{QRText: sealURL})
	if err != nil {
		return err
	}

	key, err := openKey(ctx, c, f.key)
	if err != nil {
		return err
	}
	defer key.Close()
	if err := signPDFTo(ctx, key, bytes.NewReader(pdfBytes), int64(len(pdfBytes)), f.out,
		&sign.Options{Level: level, TSA: f.tsa}, &sign.PDFOptions{Reason: "Result document No. " + data.Number()}); err != nil {
		return err
	}
	var checkCode string
	if f.db != "" {
		if checkCode, err = registerIssued(ctx, f.db, f.out, doc, sealPub); err != nil {
			return err
		}
	}
	if c.json {
		return c.writeJSON(map[string]any{"file": f.out, "number": data.Number(), "sealURL": sealURL, "sealBytes": len(sealBytes),
			"level": string(level), "checkCode": checkCode})
	}
	fmt.Fprintf(c.stdout, "Issued document No. %s -> %s (PAdES-%s)\n  seal (%d bytes): %s\n", data.Number(), f.out, level, len(sealBytes), sealURL)
	if checkCode != "" {
		fmt.Fprintf(c.stdout, "  registered in %s; check code for the holder: %s\n", f.db, checkCode)
	}
	return nil
}

// sealDocument signs doc's seal with the key sealKeyRef and returns it as
// the check URL on host that the QR code carries, with the seal's bytes
// and the key's public half. Errors from seal.Sign come back unwrapped.
func sealDocument(ctx context.Context, c *cli, sealKeyRef, host string, doc *seal.Document) (string, []byte, crypto.PublicKey, error) {
	key, err := openKey(ctx, c, sealKeyRef)
	if err != nil {
		return "", nil, nil, err
	}
	defer key.Close()
	sealBytes, err := seal.Sign(ctx, doc, key)
	if err != nil {
		return "", nil, nil, err
	}
	u, err := seal.EncodeURL(host, sealBytes)
	if err != nil {
		return "", nil, nil, withCode(exitUsage, err)
	}
	return u, sealBytes, key.Public(), nil
}

// registerIssued records an issued document in the registry of issued
// documents, with the SHA-256 of the signed file, and returns the check
// code the holder gives to whoever checks the document by number.
func registerIssued(ctx context.Context, dsn, file string, doc *seal.Document, sealPub crypto.PublicKey) (string, error) {
	in, err := os.Open(file)
	if err != nil {
		return "", withCode(exitNoInput, err)
	}
	defer in.Close()
	h := sha256.New()
	if _, err := io.Copy(h, in); err != nil {
		return "", withCode(exitNoInput, err)
	}
	kid, err := seal.KeyIDOf(sealPub)
	if err != nil {
		return "", err
	}
	reg, err := registry.Open(ctx, dsn)
	if err != nil {
		return "", withCode(exitUnavailable, err)
	}
	defer reg.Close()
	rd := registry.Document{Number: doc.Number, Type: doc.DocType, Issuer: doc.IssuerID, HolderName: doc.HolderName,
		IssueDate: doc.IssueDate, SealKeyID: kid.String()}
	copy(rd.PDFSHA256[:], h.Sum(nil))
	return reg.Register(ctx, rd)
}

// parseDay reads a date as dd.mm.yyyy or yyyy-mm-dd.
func parseDay(s string) (time.Time, error) {
	for _, layout := range []string{"02.01.2006", time.DateOnly} {
		if t, err := time.Parse(layout, strings.TrimSpace(s)); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not a date (dd.mm.yyyy or yyyy-mm-dd)", s)
}

// writeDemoSeal adds to a demo PKI directory what sealing needs: a seal key
// (seal.p12, under the PIN) issued by the PKI, a list operator key, and the
// signed seal trust list naming the seal key for the example templates'
// issuers.
func writeDemoSeal(ctx context.Context, dir string, p *testpki.PKI, pin string) error {
	id, err := p.Issue(testpki.LeafSpec{Name: "seal", KeyAlg: testpki.ECDSAP256})
	if err != nil {
		return err
	}
	p12, err := id.PKCS12(pin)
	if err != nil {
		return err
	}
	operator, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	kid, err := seal.KeyIDOf(id.Key.Public())
	if err != nil {
		return err
	}
	now := p.Now().UTC()
	tl := &seal.TrustList{Sequence: 1, Issued: now, NextUpdate: now.AddDate(1, 0, 0)}
	for _, issuer := range []string{"KG-SDA", "KZ-EGOV"} {
		tl.Keys = append(tl.Keys, seal.TrustedKey{
			KeyID: kid, IssuerID: issuer, Algorithm: seal.ECDSAP256, PublicKey: id.Key.Public(),
			NotBefore: now.AddDate(-10, 0, 0), NotAfter: now.AddDate(1, 0, 0), Status: seal.KeyActive,
			Names: map[string]string{"en": "Demo agency " + issuer + " (TEST ONLY)"},
		})
	}
	payload, sig, err := seal.SignTrustList(ctx, tl, operator)
	if err != nil {
		return err
	}
	opDER, err := x509.MarshalPKIXPublicKey(operator.Public())
	if err != nil {
		return err
	}
	files := []struct {
		name string
		data []byte
		mode os.FileMode
	}{
		{"seal.p12", p12, 0o600},
		{"seal-trust-list.json", payload, 0o644},
		{"seal-trust-list.sig", sig, 0o644},
		{"operator.pem", pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: opDER}), 0o644},
	}
	for _, f := range files {
		if err := os.WriteFile(filepath.Join(dir, f.name), f.data, f.mode); err != nil {
			return err
		}
	}
	readme, err := os.OpenFile(filepath.Join(dir, "README.txt"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		return err
	}
	_, err = fmt.Fprint(readme, `
Document seals (also TEST ONLY):
  seal.p12               the seal key (ECDSA P-256) that signs the seal in a
                         result document's QR code; PIN as above
  seal-trust-list.json   the signed list of seal keys, naming seal.p12's key
  seal-trust-list.sig    for the issuer codes KG-SDA and KZ-EGOV, and its
  operator.pem           signature and the list operator's public key, for
                         "tamga seal verify"
`)
	if cerr := readme.Close(); err == nil {
		err = cerr
	}
	return err
}
