// This file holds the "tamga token" verbs and the exit codes of the token
// package's errors.

package main

import (
	"context"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/tamgasign/tamga/token"
)

func init() {
	var module string
	var login bool
	commands = append(commands, &command{
		name:    "token",
		summary: "work with PKCS#11 tokens",
		sub: []*command{{
			name:    "list",
			args:    "[--module PATH] [--login]",
			summary: "list the slots, tokens, keys and certificates of a PKCS#11 module",
			help: `Shows every slot of the PKCS#11 module, the token in it (label, serial,
PIN state) and the objects on the token: keys with their type and size, and
certificates with subject, issuer, serial and validity. For each private key
it prints the key URI to give to the signing verbs.

Private keys are private objects: they are listed only with --login, which
logs in to each token that needs it. The PIN is read from the TAMGA_PIN
environment variable, else asked on the terminal without echo; it is never
taken from the command line. A wrong PIN is not retried (tokens lock after a
few wrong PINs).

The module is --module, else $TAMGA_PKCS11_MODULE, else the first of
/usr/lib/softhsm/libsofthsm2.so, /usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so
and /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so that exists; the first line
of the output says which was used.

Examples:
  tamga token list
  tamga token list --login
  tamga token list --module /usr/lib/x86_64-linux-gnu/opensc-pkcs11.so --login
  tamga token list --login --json`,
			flags: func(fs *flag.FlagSet) {
				fs.StringVar(&module, "module", "", "the PKCS#11 module `path`")
				fs.BoolVar(&login, "login", false, "log in to list private keys too (PIN from TAMGA_PIN or the terminal)")
			},
			run: func(ctx context.Context, c *cli, fs *flag.FlagSet) error {
				return runTokenList(ctx, c, fs, module, login)
			},
		}},
	})
	errorClassifiers = append(errorClassifiers, classifyTokenError)
}

// classifyTokenError maps the token package's errors to exit codes.
func classifyTokenError(err error) (int, bool) {
	is := func(targets ...error) bool {
		for _, t := range targets {
			if errors.Is(err, t) {
				return true
			}
		}
		return false
	}
	switch {
	case is(token.ErrPINIncorrect, token.ErrPINLocked, token.ErrPINRequired):
		return exitNoPerm, true
	case is(token.ErrTokenNotPresent, token.ErrModule):
		return exitUnavailable, true
	case is(token.ErrBadReference):
		return exitUsage, true
	case is(token.ErrKeyNotFound, token.ErrAmbiguousKey, token.ErrCertificateNotFound, token.ErrKeyMismatch,
		token.ErrBadKeyFile, token.ErrUnsupported):
		// The reference is well formed, but what it names is missing,
		// ambiguous or unusable.
		return exitDataErr, true
	}
	var pe *token.PKCS11Error
	if errors.As(err, &pe) {
		return exitUnavailable, true // the module or token failed
	}
	return 0, false
}

func runTokenList(ctx context.Context, c *cli, fs *flag.FlagSet, module string, login bool) error {
	if fs.NArg() != 0 {
		return usageErrorf("token list takes no arguments; name the module with --module")
	}
	source := "--module"
	if module == "" {
		source = token.EnvModule
		if module = c.getenv(token.EnvModule); module == "" {
			source = "found at a common path"
			var err error
			if module, err = token.FindModule(c.getenv); err != nil {
				return err
			}
		}
	}
	slots, err := token.List(ctx, module, &token.Options{Login: login, Getenv: c.getenv, PIN: token.TerminalPIN})
	if err != nil {
		return err
	}
	if c.json {
		return c.writeJSON(tokenListJSON(module, source, slots))
	}
	return printTokenList(c.stdout, module, source, login, slots)
}

// date formats a time as the listing shows it.
func date(t time.Time) string { return t.UTC().Format("2006-01-02") }

func printTokenList(w io.Writer, module, source string, login bool, slots []token.Slot) error {
	var b strings.Builder
	fmt.Fprintf(&b, "Module: %s (%s)\n", module, source)
	if len(slots) == 0 {
		b.WriteString("\nNo slots: is the token's reader connected?\n")
	}
	for _, s := range slots {
		fmt.Fprintf(&b, "\nSlot %d: %s", s.ID, s.Description)
		if s.Manufacturer != "" {
			fmt.Fprintf(&b, " (%s)", s.Manufacturer)
		}
		b.WriteString("\n")
		t := s.Token
		switch {
		case !s.TokenPresent || t == nil:
			b.WriteString("  no token\n")
			continue
		case !t.Initialized:
			b.WriteString("  token not initialised\n")
			continue
		}
		fmt.Fprintf(&b, "  Token %q: %s %s, serial %s\n", t.Label, t.Manufacturer, t.Model, t.Serial)
		fmt.Fprintf(&b, "  Flags: %s\n", strings.Join(tokenFlags(t), ", "))
		switch {
		case t.LoggedIn:
			b.WriteString("  Logged in: all objects listed\n")
		case !t.LoginRequired:
			b.WriteString("  No login required: all objects listed\n")
		case login:
			b.WriteString("  Not logged in (the PIN is locked or not set): public objects only\n")
		default:
			b.WriteString("  Not logged in: public objects only; use --login to list private keys\n")
		}
		if len(t.Objects) == 0 {
			b.WriteString("  No objects\n")
		}
		for _, o := range t.Objects {
			fmt.Fprintf(&b, "  %s", objectSummary(o))
			b.WriteString("\n")
			if o.URI != "" {
				fmt.Fprintf(&b, "      URI:     %s\n", o.URI)
			}
			if c := o.Certificate; c != nil {
				fmt.Fprintf(&b, "      Subject: %s\n", c.Subject)
				fmt.Fprintf(&b, "      Issuer:  %s\n", c.Issuer)
				fmt.Fprintf(&b, "      Serial:  %s\n", hex.EncodeToString(c.SerialNumber.Bytes()))
				fmt.Fprintf(&b, "      Valid:   %s to %s\n", date(c.NotBefore), date(c.NotAfter))
			}
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func objectSummary(o token.Object) string {
	kind := map[token.ObjectClass]string{
		token.ClassPrivateKey:  "Private key",
		token.ClassPublicKey:   "Public key",
		token.ClassCertificate: "Certificate",
		token.ClassSecretKey:   "Secret key",
		token.ClassData:        "Data",
		token.ClassOther:       "Other object",
	}[o.Class]
	parts := []string{fmt.Sprintf("%-12s", kind)}
	if o.KeyType != "" {
		k := o.KeyType
		switch {
		case o.Curve != "":
			k += " " + o.Curve
		case o.Bits > 0:
			k += fmt.Sprintf(" %d", o.Bits)
		}
		parts = append(parts, k)
	}
	parts = append(parts, fmt.Sprintf("label %q", o.Label))
	if len(o.ID) > 0 {
		parts = append(parts, "id "+hex.EncodeToString(o.ID))
	}
	if o.AlwaysAuthenticate {
		parts = append(parts, "PIN for every signature")
	}
	if o.Class == token.ClassCertificate && o.Certificate == nil {
		parts = append(parts, "(not an X.509 certificate tamga can read)")
	}
	return strings.Join(parts, "  ")
}

func tokenFlags(t *token.TokenInfo) []string {
	var f []string
	add := func(on bool, s string) {
		if on {
			f = append(f, s)
		}
	}
	add(t.LoginRequired, "login required")
	add(t.UserPINInitialized, "user PIN set")
	add(!t.UserPINInitialized, "NO USER PIN SET")
	add(t.ProtectedAuthPath, "PIN pad")
	add(t.PINCountLow, "a wrong PIN was entered")
	add(t.PINFinalTry, "FINAL PIN TRY: a wrong PIN locks the token")
	add(t.PINLocked, "PIN LOCKED")
	add(t.PINToBeChanged, "PIN must be changed")
	add(t.WriteProtected, "write-protected")
	return f
}

// The JSON form of "token list".
type (
	tokenListOutput struct {
		Module       string       `json:"module"`
		ModuleSource string       `json:"moduleSource"`
		Slots        []slotOutput `json:"slots"`
	}
	slotOutput struct {
		ID           uint         `json:"id"`
		Description  string       `json:"description"`
		Manufacturer string       `json:"manufacturer"`
		TokenPresent bool         `json:"tokenPresent"`
		Token        *tokenOutput `json:"token,omitempty"`
	}
	tokenOutput struct {
		Label              string         `json:"label"`
		Manufacturer       string         `json:"manufacturer"`
		Model              string         `json:"model"`
		Serial             string         `json:"serial"`
		Initialized        bool           `json:"initialized"`
		LoginRequired      bool           `json:"loginRequired"`
		UserPINInitialized bool           `json:"userPinInitialized"`
		PINCountLow        bool           `json:"pinCountLow"`
		PINFinalTry        bool           `json:"pinFinalTry"`
		PINLocked          bool           `json:"pinLocked"`
		PINToBeChanged     bool           `json:"pinToBeChanged"`
		ProtectedAuthPath  bool           `json:"protectedAuthenticationPath"`
		WriteProtected     bool           `json:"writeProtected"`
		LoggedIn           bool           `json:"loggedIn"`
		Objects            []objectOutput `json:"objects"`
	}
	objectOutput struct {
		Class              string      `json:"class"`
		Label              string      `json:"label"`
		ID                 string      `json:"id"`
		KeyType            string      `json:"keyType,omitempty"`
		Bits               int         `json:"bits,omitempty"`
		Curve              string      `json:"curve,omitempty"`
		AlwaysAuthenticate bool        `json:"alwaysAuthenticate,omitempty"`
		URI                string      `json:"uri,omitempty"`
		Certificate        *certOutput `json:"certificate,omitempty"`
	}
	certOutput struct {
		Subject   string    `json:"subject"`
		Issuer    string    `json:"issuer"`
		Serial    string    `json:"serial"`
		NotBefore time.Time `json:"notBefore"`
		NotAfter  time.Time `json:"notAfter"`
	}
)

func tokenListJSON(module, source string, slots []token.Slot) tokenListOutput {
	out := tokenListOutput{Module: module, ModuleSource: source, Slots: []slotOutput{}}
	for _, s := range slots {
		so := slotOutput{ID: s.ID, Description: s.Description, Manufacturer: s.Manufacturer, TokenPresent: s.TokenPresent}
		if t := s.Token; t != nil {
			to := &tokenOutput{
				Label: t.Label, Manufacturer: t.Manufacturer, Model: t.Model, Serial: t.Serial,
				Initialized: t.Initialized, LoginRequired: t.LoginRequired, UserPINInitialized: t.UserPINInitialized,
				PINCountLow: t.PINCountLow, PINFinalTry: t.PINFinalTry, PINLocked: t.PINLocked, PINToBeChanged: t.PINToBeChanged,
				ProtectedAuthPath: t.ProtectedAuthPath, WriteProtected: t.WriteProtected, LoggedIn: t.LoggedIn,
				Objects: []objectOutput{},
			}
			for _, o := range t.Objects {
				oo := objectOutput{Class: string(o.Class), Label: o.Label, ID: hex.EncodeToString(o.ID), KeyType: o.KeyType,
					Bits: o.Bits, Curve: o.Curve, AlwaysAuthenticate: o.AlwaysAuthenticate, URI: o.URI}
				if c := o.Certificate; c != nil {
					oo.Certificate = &certOutput{Subject: c.Subject.String(), Issuer: c.Issuer.String(),
						Serial: hex.EncodeToString(c.SerialNumber.Bytes()), NotBefore: c.NotBefore.UTC(), NotAfter: c.NotAfter.UTC()}
				}
				to.Objects = append(to.Objects, oo)
			}
			so.Token = to
		}
		out.Slots = append(out.Slots, so)
	}
	return out
}
