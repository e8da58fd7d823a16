package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strings"
)

// Exit codes, after BSD sysexits(3) so scripts can tell a usage mistake from
// bad data or a missing token. Verification verdicts use 1 and 2 (see the
// verify verb).
const (
	exitOK          = 0
	exitFailed      = 1  // verification: TOTAL_FAILED
	exitIndetermine = 2  // verification: INDETERMINATE
	exitUsage       = 64 // the command line is wrong
	exitDataErr     = 65 // an input file is malformed
	exitNoInput     = 66 // an input file does not exist or cannot be read
	exitSoftware    = 70 // an internal error (a bug: please report it)
	exitUnavailable = 69 // the token, module or a service is not available
	exitCantCreate  = 73 // an output file cannot be created
	exitNoPerm      = 77 // wrong or locked PIN, or no permission
)

const exitCodesHelp = `Exit codes:
  0   success (verify: TOTAL_PASSED)
  1   verify: TOTAL_FAILED
  2   verify: INDETERMINATE
  64  usage error: a wrong verb, flag or argument
  65  bad data: an input is malformed
  66  missing input: a file does not exist or cannot be read
  69  unavailable: the PKCS#11 module, token or a service cannot be reached
  70  internal error (please report it)
  73  an output file cannot be created
  77  PIN or permission problem: wrong or locked PIN, no PIN given`

// exitError carries the exit code an error should end the program with.
type exitError struct {
	code int
	err  error
}

func (e *exitError) Error() string { return e.err.Error() }
func (e *exitError) Unwrap() error { return e.err }

// withCode wraps err so that the program exits with code.
func withCode(code int, err error) error {
	if err == nil {
		return nil
	}
	return &exitError{code: code, err: err}
}

// usageErrorf reports a command-line mistake (exit 64).
func usageErrorf(format string, args ...any) error {
	return withCode(exitUsage, fmt.Errorf(format, args...))
}

// errorClassifiers map library errors to exit codes; each verb's file adds
// the errors of the packages it uses, so this file need not know them all.
var errorClassifiers []func(error) (int, bool)

// exitCode picks the exit code for err.
func exitCode(err error) int {
	var ee *exitError
	if errors.As(err, &ee) {
		return ee.code
	}
	for _, classify := range errorClassifiers {
		if code, ok := classify(err); ok {
			return code
		}
	}
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, fs.ErrPermission) {
		return exitNoInput
	}
	return exitSoftware
}

// command is one verb, or a group of verbs such as "token list".
type command struct {
	name    string
	args    string // the synopsis after the verb, e.g. "[--module PATH]"
	summary string
	help    string // the long description with examples
	flags   func(fs *flag.FlagSet)
	run     func(ctx context.Context, c *cli, fs *flag.FlagSet) error
	sub     []*command
}

// commands is the verb table; each verb's file registers itself in init.
var commands []*command

// cli holds what a run of the program talks to, so that tests can run it in
// process with their own streams and environment.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	getenv         func(string) string
	json           bool // --json: machine-readable output on stdout
}

func newCLI(stdin io.Reader, stdout, stderr io.Writer, getenv func(string) string) *cli {
	return &cli{stdin: stdin, stdout: stdout, stderr: stderr, getenv: getenv}
}

func (c *cli) run(ctx context.Context, args []string) int {
	if len(args) == 0 {
		c.printTopHelp(c.stderr)
		return exitUsage
	}
	switch args[0] {
	case "help", "-h", "-help", "--help":
		if len(args) > 1 {
			return c.run(ctx, append(args[1:], "--help"))
		}
		c.printTopHelp(c.stdout)
		return exitOK
	}
	cmd, path, rest := lookup(commands, args, nil)
	if cmd == nil {
		fmt.Fprintf(c.stderr, "tamga: unknown verb %q; run \"tamga help\" for the list\n", strings.Join(path, " "))
		return exitUsage
	}
	name := "tamga " + strings.Join(path, " ")
	if cmd.run == nil { // a group such as "tamga token" with no sub-verb
		c.printGroupHelp(c.stderr, name, cmd)
		return exitUsage
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	fs.BoolVar(&c.json, "json", false, "print machine-readable JSON on standard output")
	if cmd.flags != nil {
		cmd.flags(fs)
	}
	// StringVar and friends reset their variable to the default when
	// defined; a repeatable flag (fs.Var) must be emptied here, or values
	// would carry over between runs in one process (tests, a server).
	fs.VisitAll(func(f *flag.Flag) {
		if r, ok := f.Value.(interface{ reset() }); ok {
			r.reset()
		}
	})
	if err := parseInterspersed(fs, rest); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			c.printCommandHelp(c.stdout, name, cmd, fs)
			return exitOK
		}
		fmt.Fprintf(c.stderr, "%s: %v\nRun \"%s --help\" for usage.\n", name, err, name)
		return exitUsage
	}
	err := cmd.run(ctx, c, fs)
	if err == nil {
		return exitOK
	}
	code := exitCode(err)
	if code == exitFailed || code == exitIndetermine {
		// The verdict has been printed already; the error only carries the code.
		return code
	}
	if c.json {
		c.writeJSON(map[string]any{"error": err.Error(), "exitCode": code})
	}
	fmt.Fprintf(c.stderr, "%s: %v\n", name, err)
	if code == exitUsage {
		fmt.Fprintf(c.stderr, "Run \"%s --help\" for usage.\n", name)
	}
	return code
}

// parseInterspersed parses flags that come before, between or after the
// positional arguments ("tamga verify FILE --json"), as people type them;
// everything after "--" is positional.
func parseInterspersed(fs *flag.FlagSet, args []string) error {
	var positional []string
	for len(args) > 0 {
		if err := fs.Parse(args); err != nil {
			return err
		}
		rest := fs.Args()
		if consumed := len(args) - len(rest); consumed > 0 && args[consumed-1] == "--" {
			positional = append(positional, rest...)
			break
		}
		if len(rest) == 0 {
			break
		}
		positional = append(positional, rest[0])
		args = rest[1:]
	}
	return fs.Parse(append([]string{"--"}, positional...))
}

// lookup walks the verb table along args and returns the command found, the
// verbs that named it and the remaining arguments.
func lookup(table []*command, args, path []string) (*command, []string, []string) {
	if len(args) == 0 {
		return nil, path, args
	}
	for _, cmd := range table {
		if cmd.name != args[0] {
			continue
		}
		path = append(path, cmd.name)
		if len(cmd.sub) > 0 && len(args) > 1 && !strings.HasPrefix(args[1], "-") {
			if sub, p, rest := lookup(cmd.sub, args[1:], path); sub != nil {
				return sub, p, rest
			}
			return nil, append(path, args[1]), nil
		}
		return cmd, path, args[1:]
	}
	return nil, append(path, args[0]), nil
}

// writeJSON prints v as indented JSON on standard output.
func (c *cli) writeJSON(v any) error {
	enc := json.NewEncoder(c.stdout)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func (c *cli) printTopHelp(w io.Writer) {
	fmt.Fprintf(w, "tamga signs and verifies electronic documents with qualified electronic signatures.\n\n")
	fmt.Fprintf(w, "Usage:\n  tamga <verb> [flags] [arguments]\n\nVerbs:\n")
	var walk func(prefix string, table []*command)
	walk = func(prefix string, table []*command) {
		for _, cmd := range table {
			if cmd.run != nil {
				fmt.Fprintf(w, "  %-22s %s\n", prefix+cmd.name, cmd.summary)
			}
			walk(prefix+cmd.name+" ", cmd.sub)
		}
	}
	walk("", commands)
	fmt.Fprintf(w, "\nRun \"tamga <verb> --help\" for the flags and examples of a verb.\n")
	fmt.Fprintf(w, "Every verb takes --json to print machine-readable output.\n\n%s\n", exitCodesHelp)
}

func (c *cli) printGroupHelp(w io.Writer, name string, cmd *command) {
	fmt.Fprintf(w, "%s: %s\n\nVerbs:\n", name, cmd.summary)
	for _, sub := range cmd.sub {
		fmt.Fprintf(w, "  %s %-10s %s\n", name, sub.name, sub.summary)
	}
}

func (c *cli) printCommandHelp(w io.Writer, name string, cmd *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "Usage: %s [flags] %s\n\n%s\n", name, cmd.args, cmd.summary)
	if cmd.help != "" {
		fmt.Fprintf(w, "\n%s\n", strings.TrimSpace(cmd.help))
	}
	fmt.Fprintf(w, "\nFlags:\n")
	fs.VisitAll(func(f *flag.Flag) {
		kind, usage := flag.UnquoteUsage(f)
		fmt.Fprintf(w, "  --%s %s\n      %s", f.Name, kind, usage)
		if f.DefValue != "" && f.DefValue != "false" {
			fmt.Fprintf(w, " (default %s)", f.DefValue)
		}
		fmt.Fprintln(w)
	})
	fmt.Fprintf(w, "\n%s\n", exitCodesHelp)
}

// openInput opens the input file name and returns it with its size; a
// missing or unreadable file exits with exitNoInput.
func openInput(name string) (*os.File, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, withCode(exitNoInput, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, withCode(exitNoInput, err)
	}
	return f, st.Size(), nil
}
