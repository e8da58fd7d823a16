// Package testtool finds the external programs that tamga's tests use to
// check its output against real implementations (openssl, SoftHSM2, poppler,
// qpdf, zbar, ...).
//
// On a developer's machine a missing tool skips the test with a message that
// names the Debian package to install; in CI (CI=true) it fails the test, so
// a missing install step in .ci/run cannot hide behind a green run.
package testtool

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// packages maps a program to the Debian package that ships it, for the
// message a developer sees when it is missing.
var packages = map[string]string{
	"openssl":        "openssl",
	"softhsm2-util":  "softhsm2",
	"pkcs11-tool":    "opensc",
	"pdfsig":         "poppler-utils",
	"pdftoppm":       "poppler-utils",
	"pdfinfo":        "poppler-utils",
	"qpdf":           "qpdf",
	"zbarimg":        "zbar-tools",
	"certutil":       "libnss3-tools",
	"pk12util":       "libnss3-tools",
	"pdftotext":      "poppler-utils",
	"pdffonts":       "poppler-utils",
	"pdfdetach":      "poppler-utils",
	"pdfimages":      "poppler-utils",
	"chromium":       "chromium",
	"pg_ctlcluster":  "postgresql",
	"dmtxread":       "dmtx-utils",
	"node":           "nodejs",
	"libsofthsm2.so": "softhsm2",
}

// InCI reports whether the tests run in continuous integration, where a
// missing tool is a failure rather than a reason to skip.
func InCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1"
}

// Require returns the path of the named program. When the program is not on
// PATH the test is skipped, or failed when running in CI.
func Require(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		Missing(t, name)
	}
	return path
}

// RequireFile returns the first of the candidate paths that exists, for
// things that are files rather than programs (a PKCS#11 module). When none
// exists the test is skipped, or failed in CI.
func RequireFile(t testing.TB, what string, candidates ...string) string {
	t.Helper()
	for _, c := range candidates {
		if c == "" {
			continue
		}
		if st, err := os.Stat(c); err == nil && !st.IsDir() {
			return c
		}
	}
	Missing(t, what)
	return ""
}

// Missing skips the test (developer machine) or fails it (CI) because the
// named tool is not installed.
func Missing(t testing.TB, name string) {
	t.Helper()
	msg := name + " is not installed"
	if pkg, ok := packages[name]; ok {
		msg += "; install it with: apt-get install " + pkg + " (or run .ci/run)"
	}
	if InCI() {
		t.Fatalf("%s: CI=true, so this test must not be skipped", msg)
	}
	t.Skip(msg)
}

// Shared returns the path of ../shared/<name> beside the repository root
// (the corpora of signed files and PDF attacks), which tests read in place
// and never copy. When it is missing the test is skipped, or failed in CI.
func Shared(t testing.TB, name string) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			break
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("testtool: no go.mod above %s", dir)
		}
		dir = parent
	}
	p := filepath.Join(dir, "..", "shared", name)
	if _, err := os.Stat(p); err != nil {
		Missing(t, "../shared/"+name)
	}
	return p
}
