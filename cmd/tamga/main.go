// Command tamga signs and verifies electronic documents with qualified
// electronic signatures: CAdES and PAdES signatures made with keys on
// PKCS#11 tokens, result documents with a signed seal in their barcodes, and
// a public verifier.
//
// Usage:
//
//	tamga <verb> [flags] [arguments]
//
// Run "tamga help" for the list of verbs and "tamga <verb> --help" for the
// flags and examples of one. Exit codes are listed by "tamga help".
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	code := newCLI(os.Stdin, os.Stdout, os.Stderr, os.Getenv).run(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
