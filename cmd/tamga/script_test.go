package main

import (
	"context"
	"os"
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
		Setup: func(env *testscript.Env) error {
			// The scripts must not see a developer's own token or PIN.
			env.Setenv("TAMGA_PIN", "")
			env.Setenv("TAMGA_PKCS11_MODULE", "")
			return nil
		},
	})
}
