package main

// This file holds the "serve" verb: the public verifier over HTTP.

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tamgasign/tamga/barcode/seal"
	"github.com/tamgasign/tamga/server"
	"github.com/tamgasign/tamga/verify"
)

type serveFlags struct {
	addr, db           string
	trust, onlineHosts stringList
	sealList, sealSig  string
	sealOperator       string
	maxUpload          string
	trustedProxies     stringList
	workers            int
	shutdownGrace      time.Duration
	sealListCheck      time.Duration
}

func init() {
	var f serveFlags
	commands = append(commands, &command{
		name:    "serve",
		args:    "--trust ROOTS [--addr HOST:PORT] [--db DSN] [--seal-trust-list LIST --seal-operator-key KEY.pem]",
		summary: "run the public document verifier (web pages and JSON API)",
		help: `Serves the public check of documents: upload a signed file, look a
document up by number and check code, or open the page a result document's
QR code points to (/s/SEAL). Pages are in Kyrgyz, Russian, Kazakh and English.

  POST /api/v1/verify                 multipart "file" (and "content" for a
                                      detached signature): the report of
                                      "tamga verify --json"
  GET  /api/v1/documents/NUMBER?code= the registry's status of a document
  GET  /s/SEAL                        the seal check page
  GET  /healthz                       200 when the registry answers

Nothing an uploaded file names (OCSP, CRL addresses) is fetched unless
--online-host allows that host. Logs go to standard error as JSON lines,
without names, addresses or document numbers. SIGINT or SIGTERM stops the
server after the requests in progress finish.

The seal trust list is read again on SIGHUP, and when its file or
signature file changes (looked at every --seal-trust-list-check). A new
list is used only if its signature verifies with the operator's key read
at start and its sequence is not lower than the list's in use; otherwise
the list in use stays and the error is logged.

Examples:
  tamga serve --trust /etc/tamga/roots/ --db sqlite:/var/lib/tamga/registry.db \
      --seal-trust-list /etc/tamga/seal-trust-list.json --seal-operator-key /etc/tamga/operator.pem
  tamga serve --addr :8080 --trust root.pem --db postgres://tamga@db/tamga --online-host ocsp.pki.gov.kg`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&f.addr, "addr", "127.0.0.1:8080", "the `address` to listen on")
			fs.StringVar(&f.db, "db", defaultDB, "the registry: sqlite:`PATH` or a postgres:// URL")
			fs.Var(&f.trust, "trust", "a trusted root: a PEM file or a directory of them (repeatable)")
			fs.Var(&f.onlineHosts, "online-host", "a `host` OCSP responses and CRLs may be fetched from (repeatable; none: no fetching)")
			fs.StringVar(&f.sealList, "seal-trust-list", "", "the seal trust list `file` (its signature is read beside it, .json replaced by .sig)")
			fs.StringVar(&f.sealSig, "seal-trust-list-sig", "", "the seal trust list's signature `file`")
			fs.StringVar(&f.sealOperator, "seal-operator-key", "", "the seal trust list operator's public key (PEM `file`)")
			fs.DurationVar(&f.sealListCheck, "seal-trust-list-check", time.Minute, "how often to look whether the seal trust list's files changed (0: only on SIGHUP)")
			fs.StringVar(&f.maxUpload, "max-upload", "20MB", "the largest upload, in bytes or with KB/MB")
			fs.Var(&f.trustedProxies, "trusted-proxy", "a reverse proxy's `address or CIDR` whose X-Forwarded-For names the client (repeatable)")
			fs.IntVar(&f.workers, "workers", 0, "verifications run at once (0: two per CPU)")
			fs.DurationVar(&f.shutdownGrace, "shutdown-grace", 15*time.Second, "how long requests in progress may take to finish on shutdown")
		},
		run: func(ctx context.Context, c *cli, fs *flag.FlagSet) error { return runServe(ctx, c, fs, &f) },
	})
}

func runServe(ctx context.Context, c *cli, fs *flag.FlagSet, f *serveFlags) error {
	if fs.NArg() != 0 {
		return usageErrorf("serve takes no arguments")
	}
	if len(f.trust) == 0 {
		return usageErrorf("--trust is required: the roots that uploaded signatures must chain to")
	}
	if (f.sealList == "") != (f.sealOperator == "") {
		return usageErrorf("give --seal-trust-list and --seal-operator-key together")
	}
	maxUpload, err := parseSize(f.maxUpload)
	if err != nil {
		return usageErrorf("--max-upload: %v", err)
	}
	var proxies []netip.Prefix
	for _, p := range f.trustedProxies {
		pfx, err := netip.ParsePrefix(p)
		if err != nil {
			addr, aerr := netip.ParseAddr(p)
			if aerr != nil {
				return usageErrorf("--trusted-proxy %q: give an IP address or a CIDR such as 10.0.0.0/8", p)
			}
			pfx = netip.PrefixFrom(addr, addr.BitLen())
		}
		proxies = append(proxies, pfx)
	}
	roots, err := loadTrust(f.trust)
	if err != nil {
		return err
	}
	cfg := server.Config{
		Policy:         verify.Policy{Roots: roots, OnlineHosts: f.onlineHosts},
		MaxUpload:      maxUpload,
		Workers:        f.workers,
		TrustedProxies: proxies,
		Logger:         slog.New(slog.NewJSONHandler(c.stderr, nil)),
	}
	var loadSealList func() (*seal.TrustList, error)
	var sealFiles []string
	if f.sealList != "" {
		if loadSealList, sealFiles, err = sealListLoader(f); err != nil {
			return err
		}
		if cfg.SealTrustList, err = loadSealList(); err != nil {
			return err
		}
	}
	if cfg.Registry, err = openRegistry(ctx, f.db); err != nil {
		return err
	}
	defer cfg.Registry.Close()
	srv, err := server.New(cfg)
	if err != nil {
		return withCode(exitSoftware, err)
	}
	ln, err := net.Listen("tcp", f.addr)
	if err != nil {
		return withCode(exitUnavailable, fmt.Errorf("cannot listen on %s: %w", f.addr, err))
	}
	hs := &http.Server{
		Handler:           srv,
		ReadHeaderTimeout: 10 * time.Second,
		// An upload of --max-upload over a slow mobile link must fit.
		ReadTimeout:    2 * time.Minute,
		WriteTimeout:   3 * time.Minute,
		IdleTimeout:    2 * time.Minute,
		MaxHeaderBytes: 64 << 10,
		ErrorLog:       slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	cfg.Logger.Info("listening", slog.String("addr", ln.Addr().String()))
	if loadSealList != nil {
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		wctx, stopWatch := context.WithCancel(ctx)
		defer stopWatch()
		go srv.WatchSealTrustList(wctx, loadSealList, sealFiles, f.sealListCheck, hup)
	}
	errc := make(chan error, 1)
	go func() { errc <- hs.Serve(ln) }()
	select {
	case err := <-errc:
		return withCode(exitUnavailable, err)
	case <-ctx.Done():
	}
	cfg.Logger.Info("shutting down")
	sctx, cancel := context.WithTimeout(context.Background(), f.shutdownGrace)
	defer cancel()
	if err := hs.Shutdown(sctx); err != nil {
		return withCode(exitSoftware, fmt.Errorf("shutdown: %w", err))
	}
	if err := <-errc; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return withCode(exitUnavailable, err)
	}
	return nil
}

// sealListLoader returns the function that reads and checks the seal
// trust list and its signature file, and the two files' names. The
// operator's key is read once, here: it is the trust anchor of every list
// loaded later, and a file changed while the server runs must not change it.
func sealListLoader(f *serveFlags) (func() (*seal.TrustList, error), []string, error) {
	op, err := readPublicKey(f.sealOperator)
	if err != nil {
		return nil, nil, err
	}
	sigName := f.sealSig
	if sigName == "" {
		sigName = strings.TrimSuffix(f.sealList, filepath.Ext(f.sealList)) + ".sig"
	}
	load := func() (*seal.TrustList, error) {
		payload, err := readLimited(f.sealList, 2<<20)
		if err != nil {
			return nil, err
		}
		sig, err := readLimited(sigName, 4096)
		if err != nil {
			return nil, err
		}
		tl, err := seal.ParseTrustList(payload, sig, op)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f.sealList, err)
		}
		return tl, nil
	}
	return load, []string{f.sealList, sigName}, nil
}

// parseSize reads a byte count: "20MB", "512KB" or plain bytes (binary
// units: 1 MB = 1 MiB).
func parseSize(s string) (int64, error) {
	t := strings.ToUpper(strings.TrimSpace(s))
	mult := int64(1)
	for _, u := range []struct {
		suffix string
		mult   int64
	}{{"MIB", 1 << 20}, {"KIB", 1 << 10}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"M", 1 << 20}, {"K", 1 << 10}, {"B", 1}} {
		if strings.HasSuffix(t, u.suffix) {
			t, mult = strings.TrimSuffix(t, u.suffix), u.mult
			break
		}
	}
	n, err := strconv.ParseInt(strings.TrimSpace(t), 10, 64)
	if err != nil || n <= 0 || n > (1<<40)/mult {
		return 0, fmt.Errorf("%q is not a size such as 20MB", s)
	}
	return n * mult, nil
}
