package main

// This file holds the "registry" verbs: the operators' view of the register
// of issued documents and its audit log.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/tamgasign/tamga/registry"
)

// defaultDB is the registry used when --db is not given: an SQLite file in
// the working directory.
const defaultDB = "sqlite:tamga-registry.db"

type registryFlags struct {
	db, reason, since string
}

func init() {
	var f registryFlags
	dbFlag := func(fs *flag.FlagSet) {
		fs.StringVar(&f.db, "db", defaultDB, "the registry: sqlite:`PATH` or a postgres:// URL")
	}
	commands = append(commands, &command{
		name:    "registry",
		summary: "show, annul and audit documents in the registry of issued documents",
		sub: []*command{{
			name:    "show",
			args:    "NUMBER",
			summary: "show a document's registry record and history",
			help: `Prints the record of an issued document: type, issuer, holder, issue date,
the SHA-256 of the signed PDF, the seal key, the status and its history.

Examples:
  tamga registry show --db sqlite:/var/lib/tamga/registry.db 20250417000123
  tamga registry show --db postgres://tamga@db/tamga --json 20250417000123`,
			flags: dbFlag,
			run:   func(ctx context.Context, c *cli, fs *flag.FlagSet) error { return runRegistryShow(ctx, c, fs, &f) },
		}, {
			name:    "annul",
			args:    "NUMBER --reason TEXT",
			summary: "annul an issued document",
			help: `Marks the document ANNULLED with the reason given; the public check pages
and lookups say so from then on. An annulment cannot be undone.

Example:
  tamga registry annul --reason "issued in error, replaced by 20250418000007" 20250417000123`,
			flags: func(fs *flag.FlagSet) {
				dbFlag(fs)
				fs.StringVar(&f.reason, "reason", "", "why the document is annulled (shown to whoever checks it)")
			},
			run: func(ctx context.Context, c *cli, fs *flag.FlagSet) error { return runRegistryAnnul(ctx, c, fs, &f) },
		}, {
			name:    "audit",
			args:    "[--since TIME]",
			summary: "list the public checks made since a time",
			help: `Lists the audit log of checks: time, kind (upload, lookup, seal), what was
checked, the answer given and the salted hash of the client's address (the
address itself is never stored). At most 10000 entries are printed.

Examples:
  tamga registry audit --since 2026-01-15T00:00:00Z
  tamga registry audit --since 24h --json`,
			flags: func(fs *flag.FlagSet) {
				dbFlag(fs)
				fs.StringVar(&f.since, "since", "24h", "an RFC 3339 `time`, or a duration back from now such as 24h")
			},
			run: func(ctx context.Context, c *cli, fs *flag.FlagSet) error { return runRegistryAudit(ctx, c, fs, &f) },
		}},
	})
	errorClassifiers = append(errorClassifiers, func(err error) (int, bool) {
		switch {
		case errors.Is(err, registry.ErrDSN):
			return exitUsage, true
		case errors.Is(err, registry.ErrNotFound), errors.Is(err, registry.ErrAlreadyAnnulled),
			errors.Is(err, registry.ErrExists), errors.Is(err, registry.ErrInvalid):
			return exitDataErr, true
		case errors.Is(err, registry.ErrSchemaTooNew):
			return exitUnavailable, true
		}
		return 0, false
	})
}

// openRegistry opens --db; a database that cannot be reached is
// unavailable (69).
func openRegistry(ctx context.Context, dsn string) (*registry.Registry, error) {
	r, err := registry.Open(ctx, dsn)
	if err != nil && !errors.Is(err, registry.ErrDSN) && !errors.Is(err, registry.ErrSchemaTooNew) {
		return nil, withCode(exitUnavailable, err)
	}
	return r, err
}

func runRegistryShow(ctx context.Context, c *cli, fs *flag.FlagSet, f *registryFlags) error {
	if fs.NArg() != 1 {
		return usageErrorf("give exactly one document number")
	}
	r, err := openRegistry(ctx, f.db)
	if err != nil {
		return err
	}
	defer r.Close()
	doc, err := r.Show(ctx, fs.Arg(0))
	if err != nil {
		return err
	}
	if c.json {
		type event struct {
			At     time.Time `json:"at"`
			Kind   string    `json:"kind"`
			Reason string    `json:"reason,omitempty"`
		}
		hist := make([]event, 0, len(doc.History))
		for _, e := range doc.History {
			hist = append(hist, event(e))
		}
		return c.writeJSON(map[string]any{
			"number": doc.Number, "type": doc.Type, "issuer": doc.Issuer, "holder": doc.HolderName,
			"issueDate": doc.IssueDate.Format(time.DateOnly), "pdfSHA256": fmt.Sprintf("%x", doc.PDFSHA256),
			"sealKeyId": doc.SealKeyID, "status": doc.Status, "reason": doc.Reason, "history": hist,
		})
	}
	fmt.Fprintf(c.stdout, "Document %s: %s\n", doc.Number, doc.Status)
	if doc.Reason != "" {
		fmt.Fprintf(c.stdout, "  Reason:     %s\n", doc.Reason)
	}
	fmt.Fprintf(c.stdout, "  Type:       %d\n  Issuer:     %s\n  Holder:     %s\n  Issued:     %s\n  PDF SHA-256: %x\n  Seal key:   %s\n  History:\n",
		doc.Type, doc.Issuer, doc.HolderName, doc.IssueDate.Format(time.DateOnly), doc.PDFSHA256, doc.SealKeyID)
	for _, e := range doc.History {
		fmt.Fprintf(c.stdout, "    %s  %s", e.At.Format(time.RFC3339), e.Kind)
		if e.Reason != "" {
			fmt.Fprintf(c.stdout, ": %s", e.Reason)
		}
		fmt.Fprintln(c.stdout)
	}
	return nil
}

func runRegistryAnnul(ctx context.Context, c *cli, fs *flag.FlagSet, f *registryFlags) error {
	if fs.NArg() != 1 {
		return usageErrorf("give exactly one document number")
	}
	if f.reason == "" {
		return usageErrorf("--reason is required: say why the document is annulled")
	}
	r, err := openRegistry(ctx, f.db)
	if err != nil {
		return err
	}
	defer r.Close()
	if err := r.Annul(ctx, fs.Arg(0), f.reason); err != nil {
		return err
	}
	if c.json {
		return c.writeJSON(map[string]any{"number": fs.Arg(0), "status": registry.StatusAnnulled})
	}
	fmt.Fprintf(c.stdout, "Document %s is now ANNULLED.\n", fs.Arg(0))
	return nil
}

func runRegistryAudit(ctx context.Context, c *cli, fs *flag.FlagSet, f *registryFlags) error {
	if fs.NArg() != 0 {
		return usageErrorf("audit takes no arguments")
	}
	since, err := parseSince(f.since, time.Now())
	if err != nil {
		return err
	}
	r, err := openRegistry(ctx, f.db)
	if err != nil {
		return err
	}
	defer r.Close()
	checks, err := r.Audit(ctx, since)
	if err != nil {
		return err
	}
	if c.json {
		type check struct {
			At         time.Time `json:"at"`
			Kind       string    `json:"kind"`
			Subject    string    `json:"subject"`
			Outcome    string    `json:"outcome"`
			ClientHash string    `json:"clientHash"`
		}
		out := make([]check, 0, len(checks))
		for _, ch := range checks {
			out = append(out, check(ch))
		}
		return c.writeJSON(out)
	}
	for _, ch := range checks {
		fmt.Fprintf(c.stdout, "%s  %-6s  %-32s  %-18s  %s\n", ch.At.Format(time.RFC3339), ch.Kind, ch.Subject, ch.Outcome, ch.ClientHash)
	}
	return nil
}

// parseSince reads --since: an RFC 3339 time or a duration before now.
func parseSince(s string, now time.Time) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return now.Add(-d), nil
	}
	return time.Time{}, usageErrorf("--since %q: give an RFC 3339 time (2026-01-15T00:00:00Z) or a duration (24h)", s)
}
