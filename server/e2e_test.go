package server

// End-to-end test of the verifier's pages in a real browser: Debian's
// Chromium, headless, driven over the DevTools protocol by chromedp, on a
// phone-sized viewport, against the server on a loopback port. It uploads
// signed PDFs through the form, opens a seal URL before and after the
// document is annulled, and switches languages with the page's own links;
// each step leaves a full-page screenshot. The same flow runs once with the
// registry in SQLite and once in a real PostgreSQL server (internal/pgtest),
// in one browser: starting Chromium is most of the test's fixed cost.

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"github.com/tamgasign/tamga/internal/pgtest"
	"github.com/tamgasign/tamga/internal/testtool"
	"github.com/tamgasign/tamga/registry"
)

// Verdict box colours of static/style.css, as getComputedStyle gives them.
const (
	greenBackground = "rgb(216, 245, 221)"
	redBackground   = "rgb(251, 220, 220)"
)

// browser is one headless Chromium tab, the test driving it and where its
// screenshots go.
type browser struct {
	t         *testing.T
	ctx       context.Context
	artifacts string
}

// newBrowser starts Chromium with a throw-away profile and nothing that
// reaches the network on its own, and emulates a 390×844 phone screen.
func newBrowser(t *testing.T, acceptLanguage string) *browser {
	t.Helper()
	exe := testtool.Require(t, "chromium")
	artifacts := os.Getenv("TAMGA_ARTIFACTS")
	if artifacts == "" {
		artifacts = t.TempDir()
	}
	artifacts = filepath.Join(artifacts, "e2e")

	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(),
		chromedp.ExecPath(exe),
		chromedp.Flag("headless", true),
		chromedp.Flag("no-sandbox", true), // CI runs as root, where Chromium's sandbox cannot start
		chromedp.Flag("disable-gpu", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("no-first-run", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(390, 844),
	)
	t.Cleanup(cancelAlloc)
	ctx, cancel := chromedp.NewContext(allocCtx, chromedp.WithErrorf(t.Logf))
	t.Cleanup(cancel)
	// The first Run starts the browser and lives as long as ctx, so it
	// takes no timeout; the steps below each get one.
	require.NoError(t, chromedp.Do(ctx,
		chromedp.EmulateViewport(390, 844, chromedp.EmulateScale(2), chromedp.EmulateMobile, chromedp.EmulateTouch),
		func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
			if _, err := cdp.Call(ctx, tg, network.Enable, network.EnableParams{}); err != nil {
				return chromedp.Void{}, err
			}
			_, err := cdp.Call(ctx, tg, network.SetExtraHTTPHeaders,
				network.SetExtraHTTPHeadersParams{Headers: network.Headers{"Accept-Language": acceptLanguage}})
			return chromedp.Void{}, err
		},
	), "starting %s", exe)
	return &browser{t: t, ctx: ctx, artifacts: artifacts}
}

// on returns the same tab driven by test t (a subtest of the one that made
// it), with its screenshots in the subdirectory dir ("" keeps b's).
func (b *browser) on(t *testing.T, dir string) *browser {
	t.Helper()
	c := *b
	c.t = t
	if dir != "" {
		c.artifacts = filepath.Join(b.artifacts, dir)
	}
	require.NoError(t, os.MkdirAll(c.artifacts, 0o755))
	return &c
}

// do runs steps with a time limit, so that a page that never shows what is
// awaited fails the test instead of hanging it.
func (b *browser) do(steps ...chromedp.Action[chromedp.Void]) {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	require.NoError(b.t, chromedp.Do(ctx, steps...))
}

func run[T any](b *browser, a chromedp.Action[T]) T {
	b.t.Helper()
	ctx, cancel := context.WithTimeout(b.ctx, 20*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	require.NoError(b.t, err)
	return v
}

// verdict waits for the verdict box and returns its text and background.
func (b *browser) verdict() (text, background string) {
	b.t.Helper()
	b.do(chromedp.WaitVisible(chromedp.CSS(".verdict")))
	text = run(b, chromedp.Text(chromedp.CSS(".verdict")))
	background = run(b, chromedp.Evaluate[string](`getComputedStyle(document.querySelector(".verdict")).backgroundColor`))
	return text, background
}

// screenshot saves the whole page as name.png.
func (b *browser) screenshot(name string) {
	b.t.Helper()
	png := run(b, chromedp.FullScreenshot(100))
	require.True(b.t, bytes.HasPrefix(png, []byte("\x89PNG")), "screenshot is not a PNG")
	require.NoError(b.t, os.WriteFile(filepath.Join(b.artifacts, name+".png"), png, 0o644))
}

// pageLang is the lang attribute of the shown page.
func (b *browser) pageLang() string {
	return run(b, chromedp.Evaluate[string](`document.documentElement.lang`))
}

// e2eDatabases are the registry back ends the browser flow runs on: a fresh
// SQLite file, and a fresh database on a real PostgreSQL server (pgtest:
// skipped, or failed in CI, when PostgreSQL is missing).
var e2eDatabases = []struct {
	name string
	dsn  func(t *testing.T) string
}{
	{"sqlite", func(t *testing.T) string { return "sqlite:" + filepath.Join(t.TempDir(), "registry.db") }},
	{"postgres", func(t *testing.T) string { return pgtest.Start(t) }},
}

func TestBrowserEndToEnd(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a browser")
	}
	b := newBrowser(t, "ky")
	for _, db := range e2eDatabases {
		t.Run(db.name, func(t *testing.T) {
			browserFlow(t, b.on(t, db.name), newFixtureOn(t, db.dsn(t)))
		})
	}
}

// browserFlow is the done-when in the browser, on f's registry:
// the signed PDF uploaded is green in Kyrgyz, with one byte changed red with
// the reason in Kyrgyz; the seal page is green, then says annulled once the
// document is annulled in the registry; the language links work.
func browserFlow(t *testing.T, b *browser, f *fixture) {
	start := time.Now()
	pdf := signedPDF(t, f)
	// One byte of the page text, inside the signed byte range.
	i := bytes.Index(pdf, []byte("residence"))
	require.Positive(t, i)
	tampered := bytes.Clone(pdf)
	tampered[i+1] = 'X'
	dir := t.TempDir()
	validPath, tamperedPath := filepath.Join(dir, "result.pdf"), filepath.Join(dir, "tampered.pdf")
	require.NoError(t, os.WriteFile(validPath, pdf, 0o644))
	require.NoError(t, os.WriteFile(tamperedPath, tampered, 0o644))

	// Record what the browser asks for, to show the language came from its
	// Accept-Language header and not from the server's default.
	var (
		mu      sync.Mutex
		accepts []string
	)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		accepts = append(accepts, r.Header.Get("Accept-Language"))
		mu.Unlock()
		f.srv.ServeHTTP(w, r)
	}))
	defer ts.Close()

	upload := func(b *browser, path string) {
		b.do(chromedp.Navigate(ts.URL+"/"),
			chromedp.WaitVisible(chromedp.CSS(`form[action^="/verify"] input[name="file"]`)),
			chromedp.SetUploadFiles(chromedp.CSS(`form[action^="/verify"] input[name="file"]`), []string{path}),
			chromedp.Click(chromedp.CSS(`form[action^="/verify"] button[type="submit"]`)),
		)
	}

	t.Run("upload signed PDF: green, in Kyrgyz", func(t *testing.T) {
		b := b.on(t, "")
		upload(b, validPath)
		text, bg := b.verdict()
		b.screenshot("1-upload-valid-ky")
		assert.Contains(t, text, "ЖАРАКТУУ")
		assert.Contains(t, text, "TOTAL_PASSED")
		assert.Equal(t, greenBackground, bg)
		assert.Equal(t, "ky", b.pageLang())
		body := run(b, chromedp.Text(chromedp.CSS("main")))
		assert.Contains(t, body, f.pki.PKI.Executor.Cert.Subject.CommonName)
		assert.Contains(t, body, "result.pdf")
		mu.Lock()
		assert.Contains(t, accepts, "ky")
		mu.Unlock()
	})

	t.Run("upload PDF changed in the signed range: red", func(t *testing.T) {
		b := b.on(t, "")
		upload(b, tamperedPath)
		text, bg := b.verdict()
		b.screenshot("2-upload-tampered-ky")
		assert.Contains(t, text, "ЖАРАКСЫЗ")
		assert.Contains(t, text, "TOTAL_FAILED")
		assert.NotContains(t, text, "ЖАРАКТУУ")
		assert.Equal(t, redBackground, bg)
		main := run(b, chromedp.Text(chromedp.CSS("main")))
		assert.Contains(t, main, "tampered.pdf")
		// Why, in Kyrgyz: the verify catalogue's DIGEST_MISMATCH, with its
		// English algorithm name in place.
		assert.Contains(t, main, "Кол коюлган маалымат кол коюлгандан кийин өзгөртүлгөн: анын SHA-256 хэши кол тамгага дал келбейт.")
		assert.NotContains(t, main, "was changed after signing")
	})

	const number = "20250417000555"
	f.register(t, number)
	sealURL := ts.URL + f.sealPath(t, number)

	// A second handle on the same database, as "tamga registry annul" or
	// another verifier instance behind the load balancer would have: what
	// the server shows must come from the database, not from its memory.
	other, err := registry.Open(t.Context(), f.dsn)
	require.NoError(t, err)
	defer other.Close()

	t.Run("seal page: green, then annulled after a reload", func(t *testing.T) {
		b := b.on(t, "")
		b.do(chromedp.Navigate(sealURL))
		text, bg := b.verdict()
		b.screenshot("3-seal-valid-ky")
		assert.Contains(t, text, "ЖАРАКТУУ")
		assert.Equal(t, greenBackground, bg)
		main := run(b, chromedp.Text(chromedp.CSS("main")))
		assert.Contains(t, main, number)
		assert.NotContains(t, main, "Асанова", "the seal page shows the full name")

		require.NoError(t, other.Annul(t.Context(), number, "issued in error"))
		b.do(chromedp.Reload())
		text, bg = b.verdict()
		b.screenshot("4-seal-annulled-ky")
		assert.Contains(t, text, "ЖОККО ЧЫГАРЫЛГАН")
		assert.NotContains(t, text, "ЖАРАКТУУ")
		assert.Equal(t, redBackground, bg)
		assert.Contains(t, run(b, chromedp.Text(chromedp.CSS("main"))), "issued in error")
	})

	t.Run("language switch links", func(t *testing.T) {
		b := b.on(t, "")
		for _, tc := range []struct{ lang, title, verdict string }{
			{"ru", "Проверка подлинности документа", "АННУЛИРОВАН"},
			{"kk", "Құжаттың түпнұсқалығын тексеру", "ЖОЙЫЛҒАН"},
			{"en", "Document authenticity check", "ANNULLED"},
			{"ky", "Документтин аныктыгын текшерүү", "ЖОККО ЧЫГАРЫЛГАН"},
		} {
			// Start from another language, so that the awaited
			// aria-current can only be the new page's.
			from := "en"
			if tc.lang == from {
				from = "ru"
			}
			link := chromedp.CSS(`nav.langs a[href="?lang=` + tc.lang + `"]`)
			current := chromedp.CSS(`nav.langs a[aria-current][href="?lang=` + tc.lang + `"]`)
			// On the upload page.
			b.do(chromedp.Navigate(ts.URL+"/?lang="+from), chromedp.Click(link), chromedp.WaitVisible(current))
			assert.Equal(t, tc.lang, b.pageLang())
			assert.Equal(t, tc.title, run(b, chromedp.Title()))
			b.screenshot("5-index-" + tc.lang)
			// On the seal page, where the link keeps the seal.
			b.do(chromedp.Navigate(sealURL+"?lang="+from), chromedp.Click(link), chromedp.WaitVisible(current))
			text, _ := b.verdict()
			assert.Contains(t, text, tc.verdict, tc.lang)
			assert.Equal(t, sealURL+"?lang="+tc.lang, run(b, chromedp.Location()), "the link left the seal page")
		}
	})

	// Every check the browser made is in this database's audit log, read
	// through the second handle: the two uploads by their digests, the seal
	// page valid then annulled, and the eight seal pages of the language
	// switch (two per language; the upload page records nothing).
	t.Run("audit log", func(t *testing.T) {
		digest := func(b []byte) string { d := sha256.Sum256(b); return hex.EncodeToString(d[:16]) }
		want := []string{"upload " + digest(pdf) + " TOTAL_PASSED", "upload " + digest(tampered) + " TOTAL_FAILED",
			"seal " + number + " VALID"}
		for range 1 + 2*4 {
			want = append(want, "seal "+number+" ANNULLED")
		}
		var got []string
		// Records are committed by the registry's group-commit writer,
		// which may finish after the page was shown.
		assert.Eventually(t, func() bool {
			checks, err := other.Audit(t.Context(), start)
			if err != nil {
				t.Logf("audit: %v", err)
				return false
			}
			got = got[:0]
			for _, c := range checks {
				got = append(got, c.Kind+" "+c.Subject+" "+c.Outcome)
			}
			return len(got) >= len(want)
		}, 10*time.Second, 20*time.Millisecond)
		assert.Equal(t, want, got)
	})
	t.Logf("screenshots in %s", b.artifacts)
}
