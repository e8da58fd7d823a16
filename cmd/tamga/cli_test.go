package main

import (
	"bytes"
	"context"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// runCLI runs tamga in process with the given environment and returns the
// exit code and both outputs.
func runCLI(t *testing.T, env map[string]string, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errOut bytes.Buffer
	getenv := func(k string) string { return env[k] }
	code = newCLI(strings.NewReader(""), &out, &errOut, getenv).run(context.Background(), args)
	return code, out.String(), errOut.String()
}

func TestParseInterspersed(t *testing.T) {
	tests := []struct {
		args     []string
		wantJSON bool
		wantPos  []string
	}{
		{[]string{"a"}, false, []string{"a"}},
		{[]string{"--json", "a"}, true, []string{"a"}},
		{[]string{"a", "--json"}, true, []string{"a"}},
		{[]string{"a", "--json", "b"}, true, []string{"a", "b"}},
		{[]string{"a", "--", "--json"}, false, []string{"a", "--json"}},
		{[]string{"--", "-x", "b"}, false, []string{"-x", "b"}},
		{[]string{"-"}, false, []string{"-"}},
		{nil, false, []string{}},
	}
	for _, tt := range tests {
		fs := flag.NewFlagSet("t", flag.ContinueOnError)
		j := fs.Bool("json", false, "")
		if err := parseInterspersed(fs, tt.args); err != nil {
			t.Fatalf("%q: %v", tt.args, err)
		}
		if *j != tt.wantJSON || !slices.Equal(fs.Args(), tt.wantPos) {
			t.Errorf("%q: json=%v args=%q, want %v %q", tt.args, *j, fs.Args(), tt.wantJSON, tt.wantPos)
		}
	}
}

func TestExitCodes(t *testing.T) {
	tests := []struct {
		name string
		args []string
		want int
	}{
		{"no verb", nil, exitUsage},
		{"help", []string{"help"}, exitOK},
		{"unknown verb", []string{"nope"}, exitUsage},
		{"unknown flag", []string{"version", "--nope"}, exitUsage},
		{"stray argument", []string{"version", "x"}, exitUsage},
		{"verb help", []string{"version", "--help"}, exitOK},
		{"help verb", []string{"help", "version"}, exitOK},
		{"version", []string{"version"}, exitOK},
		{"missing key file", []string{"sign", "cades", "--key", "file:/nonexistent.p12", "-o", "/tmp/x.p7s", "cli_test.go"}, exitNoInput},
		{"missing input", []string{"verify", "/nonexistent.p7s"}, exitNoInput},
		{"level needs TSA", []string{"sign", "cades", "--key", "file:x.p12", "--level", "B-T", "-o", "x", "cli_test.go"}, exitUsage},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, stderr := runCLI(t, nil, tt.args...)
			if code != tt.want {
				t.Errorf("tamga %v: exit %d, want %d; stderr:\n%s", tt.args, code, tt.want, stderr)
			}
		})
	}
}

func TestPKIDemoNeverPrintsThePIN(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "pki")
	for _, args := range [][]string{{"pki", "demo", "--out", dir}, {"pki", "demo", "--out", dir, "--json"}} {
		code, stdout, stderr := runCLI(t, nil, args...)
		pin, err := os.ReadFile(filepath.Join(dir, "pin.txt"))
		if err != nil {
			t.Fatal(err)
		}
		p := strings.TrimSpace(string(pin))
		if strings.Contains(stdout, p) || strings.Contains(stderr, p) {
			t.Fatalf("tamga %v printed the PIN", args)
		}
		if args[len(args)-1] == "--json" {
			if code != exitCantCreate {
				t.Fatalf("a second demo into the same directory: exit %d, want %d", code, exitCantCreate)
			}
		} else if code != exitOK {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	}
}
