package main

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"strconv"
	"testing"

	"github.com/rogpeppe/go-internal/testscript"
)

// TestMain lets the scripts under testdata/script run "tamga" as a real
// program: testscript re-executes this test binary as the command.
func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"tamga": func() {
			os.Exit(newCLI(os.Stdin, os.Stdout, os.Stderr, os.Getenv).run(context.Background(), os.Args[1:]))
		},
	})
}

// TestScripts runs the command-line scenarios in testdata/script, each a
// txtar file: commands, their expected output and exit codes.
func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 "testdata/script",
		RequireExplicitExec: true,
		Cmds: map[string]func(ts *testscript.TestScript, neg bool, args []string){
			// exits N prog args... runs a program and checks its exit code,
			// which "! exec" cannot: the verdict of tamga verify is its exit
			// code, and usage errors must be 64, not just non-zero.
			"exits": func(ts *testscript.TestScript, neg bool, args []string) {
				if neg || len(args) < 2 {
					ts.Fatalf("usage: exits CODE program [args...]")
				}
				want, err := strconv.Atoi(args[0])
				if err != nil {
					ts.Fatalf("exits: %v", err)
				}
				got := 0
				if err := ts.Exec(args[1], args[2:]...); err != nil {
					var ee *exec.ExitError
					if !errors.As(err, &ee) {
						ts.Fatalf("exits: %v", err)
					}
					got = ee.ExitCode()
				}
				if got != want {
					ts.Fatalf("%s exited with %d, want %d", args[1], got, want)
				}
			},
		},
		Setup: func(env *testscript.Env) error {
			// The scripts must not see a developer's own token or PIN.
			env.Setenv("TAMGA_PIN", "")
			env.Setenv("TAMGA_PKCS11_MODULE", "")
			return nil
		},
	})
}
