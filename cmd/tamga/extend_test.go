package main

import (
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/tamgasign/tamga/internal/pdftest"
	"github.com/tamgasign/tamga/internal/testpki"
)

// TestExtendCLI signs a PDF at B-T with "tamga sign pades", raises it with
// "tamga extend" to B-LT, B-LTA and a renewed B-LTA, and checks each with
// "tamga verify" offline; refusals have their documented exit codes and
// leave no output file.
func TestExtendCLI(t *testing.T) {
	srv := testpki.NewTestServer(t)
	tsaURL, err := srv.ServeTSA()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := srv.PKI.WriteDemo(filepath.Join(dir, "pki"), "47114711"); err != nil {
		t.Fatal(err)
	}
	key := "file:" + filepath.Join(dir, "pki", "executor.p12") + "?pin-source=file:" + filepath.Join(dir, "pki", "pin.txt")
	root := filepath.Join(dir, "pki", "root.pem")
	path := func(name string) string { return filepath.Join(dir, name) }
	if err := os.WriteFile(path("in.pdf"), pdftest.OnePage("Extract No. 20261123000417"), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, _, stderr := runCLI(t, nil, "sign", "pades", "--key", key, "--level", "B-T", "--tsa", tsaURL, "-o", path("bt.pdf"), path("in.pdf")); code != exitOK {
		t.Fatalf("sign pades: exit %d: %s", code, stderr)
	}

	steps := []struct {
		args  []string
		out   string
		level string
		valid int // VALID lines: the verdict, the signature and document time-stamps
	}{
		{[]string{"--level", "B-LT"}, "lt.pdf", "PAdES-BASELINE-LT", 2},
		{[]string{"--level", "lta", "--tsa", tsaURL}, "lta.pdf", "PAdES-BASELINE-LTA", 3},
		{[]string{"--level", "B-LTA", "--tsa", tsaURL, "--json"}, "lta2.pdf", "PAdES-BASELINE-LTA", 4},
	}
	in := path("bt.pdf")
	for _, st := range steps {
		args := append(append([]string{"extend", "--trust", root}, st.args...), "-o", path(st.out), in)
		code, stdout, stderr := runCLI(t, nil, args...)
		if code != exitOK {
			t.Fatalf("extend %v: exit %d: %s", st.args, code, stderr)
		}
		if strings.Contains(strings.Join(st.args, " "), "--json") {
			var res map[string]string
			if err := json.Unmarshal([]byte(stdout), &res); err != nil || res["level"] != "B-LTA" || res["extended"] != path(st.out) {
				t.Fatalf("extend --json: %v: %s", err, stdout)
			}
		} else if !strings.Contains(stderr, "extended ") {
			t.Errorf("extend said: %s", stderr)
		}
		code, stdout, stderr = runCLI(t, nil, "verify", "--trust", root, path(st.out))
		if code != exitOK || strings.Count(stdout, "VALID (TOTAL_PASSED)") != st.valid || !strings.Contains(stdout, st.level) {
			t.Fatalf("verify %s offline: exit %d\n%s\n%s", st.out, code, stdout, stderr)
		}
		in = path(st.out)
	}

	b, err := os.ReadFile(path("bt.pdf"))
	if err != nil {
		t.Fatal(err)
	}
	b[strings.Index(string(b), "20261123000417")] = '3'
	if err := os.WriteFile(path("changed.pdf"), b, 0o644); err != nil {
		t.Fatal(err)
	}
	refusals := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--level", "B-T", "--tsa", tsaURL, "--trust", root, path("bt.pdf")}, exitUsage, "sign again"},
		{[]string{"--level", "B-LTA", "--trust", root, path("bt.pdf")}, exitUsage, "--tsa"},
		{[]string{"--level", "B-LT", path("bt.pdf")}, exitUsage, "--trust"},
		{[]string{"--level", "B-LT", "--trust", root, path("lt.pdf")}, exitDataErr, "already at this level"},
		{[]string{"--level", "B-LT", "--trust", root, path("in.pdf")}, exitDataErr, "no signature"},
		{[]string{"--level", "B-LT", "--trust", root, path("changed.pdf")}, exitFailed, "TOTAL_FAILED/HASH_FAILURE"},
		{[]string{"--level", "B-LT", "--trust", root, path("missing.pdf")}, exitNoInput, "missing.pdf"},
		{[]string{"--level", "B-LT", "--trust", root, root}, exitDataErr, "neither a PDF nor a well-formed CMS signature"},
	}
	for _, rf := range refusals {
		out := path("refused.pdf")
		code, _, stderr := runCLI(t, nil, append([]string{"extend", "-o", out}, rf.args...)...)
		if code != rf.code || !strings.Contains(stderr, rf.want) {
			t.Errorf("extend %v: exit %d, want %d with %q:\n%s", rf.args, code, rf.code, rf.want, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("extend %v left %s", rf.args, out)
		}
	}
	// No temporary files are left beside the output either.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind: %s", e.Name())
		}
	}
}

// TestExtendCLICAdES signs a file detached (.p7s) and attached (.p7m) at
// B-T with "tamga sign cades", raises each with "tamga extend" to B-LT,
// B-LTA and a renewed B-LTA (PEM input for the last step), and checks each
// with "tamga verify" offline; refusals have their documented exit codes
// and leave no output file.
func TestExtendCLICAdES(t *testing.T) {
	srv := testpki.NewTestServer(t)
	tsaURL, err := srv.ServeTSA()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	if _, err := srv.PKI.WriteDemo(filepath.Join(dir, "pki"), "47114711"); err != nil {
		t.Fatal(err)
	}
	key := "file:" + filepath.Join(dir, "pki", "applicant.p12") + "?pin-source=file:" + filepath.Join(dir, "pki", "pin.txt")
	root := filepath.Join(dir, "pki", "root.pem")
	path := func(name string) string { return filepath.Join(dir, name) }
	app := path("app.txt")
	if err := os.WriteFile(app, []byte("Арыз / Application No. 0001234567\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	for _, form := range []struct {
		ext     string
		sign    []string
		content []string // --content for extend and verify
	}{
		{".p7s", nil, []string{"--content", app}},
		{".p7m", []string{"--attached"}, nil},
	} {
		in := path("bt" + form.ext)
		args := append(append([]string{"sign", "cades", "--key", key, "--level", "B-T", "--tsa", tsaURL}, form.sign...), "-o", in, app)
		if code, _, stderr := runCLI(t, nil, args...); code != exitOK {
			t.Fatalf("sign cades %v: exit %d: %s", form.sign, code, stderr)
		}
		steps := []struct {
			args  []string
			out   string
			level string
		}{
			{[]string{"--level", "B-LT"}, "lt", "CAdES-BASELINE-LT"},
			{[]string{"--level", "B-LTA", "--tsa", tsaURL}, "lta", "CAdES-BASELINE-LTA"},
			{[]string{"--level", "B-LTA", "--tsa", tsaURL, "--json"}, "lta2", "CAdES-BASELINE-LTA"},
		}
		for i, st := range steps {
			out := path(st.out + form.ext)
			if i == len(steps)-1 {
				// The last input as PEM, as some archives keep signatures.
				der, err := os.ReadFile(in)
				if err != nil {
					t.Fatal(err)
				}
				in = path("pem" + form.ext)
				if err := os.WriteFile(in, pem.EncodeToMemory(&pem.Block{Type: "CMS", Bytes: der}), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			args := append(append(append([]string{"extend", "--trust", root}, st.args...), form.content...), "-o", out, in)
			code, stdout, stderr := runCLI(t, nil, args...)
			if code != exitOK {
				t.Fatalf("extend %s %v: exit %d: %s", form.ext, st.args, code, stderr)
			}
			if slices.Contains(st.args, "--json") {
				var res map[string]string
				if err := json.Unmarshal([]byte(stdout), &res); err != nil || res["level"] != "B-LTA" || res["format"] != "CAdES" || res["extended"] != out {
					t.Fatalf("extend --json: %v: %s", err, stdout)
				}
			} else if !strings.Contains(stderr, "to CAdES-"+st.args[1]) {
				t.Errorf("extend said: %s", stderr)
			}
			args = append(append([]string{"verify", "--trust", root}, form.content...), out)
			code, stdout, stderr = runCLI(t, nil, args...)
			if code != exitOK || !strings.Contains(stdout, "VALID (TOTAL_PASSED)") || !strings.Contains(stdout, st.level) {
				t.Fatalf("verify %s offline: exit %d\n%s\n%s", out, code, stdout, stderr)
			}
			in = out
		}
	}

	if err := os.WriteFile(path("changed.txt"), []byte("Арыз / Application No. 0001234568\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	refusals := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"--level", "B-LT", "--content", path("changed.txt"), path("bt.p7s")}, exitFailed, "TOTAL_FAILED/HASH_FAILURE"},
		{[]string{"--level", "B-LT", path("bt.p7s")}, exitUsage, "detached"},
		{[]string{"--level", "B-LT", "--content", app, path("bt.p7m")}, exitUsage, "attached"},
		{[]string{"--level", "B-LT", "--content", app, path("lt.p7s")}, exitDataErr, "already at CAdES-BASELINE-LT"},
		{[]string{"--level", "B-LT", "--content", path("missing.txt"), path("bt.p7s")}, exitNoInput, "missing.txt"},
		{[]string{"--level", "B-LT", "--content", app, app}, exitDataErr, "neither a PDF nor a well-formed CMS signature"},
	}
	for _, rf := range refusals {
		out := path("refused.p7s")
		code, _, stderr := runCLI(t, nil, append([]string{"extend", "--trust", root, "-o", out}, rf.args...)...)
		if code != rf.code || !strings.Contains(stderr, rf.want) {
			t.Errorf("extend %v: exit %d, want %d with %q:\n%s", rf.args, code, rf.code, rf.want, stderr)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("extend %v left %s", rf.args, out)
		}
	}
}
