package main

import (
	"bytes"
	"context"
	"flag"
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
