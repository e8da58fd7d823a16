package main

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set at release build time with -ldflags "-X main.version=v1.2.3";
// otherwise the module version recorded by the Go toolchain is used.
var version = ""

func init() {
	commands = append(commands, &command{
		name:    "version",
		summary: "print the version of tamga",
		help: `Examples:
  tamga version
  tamga version --json`,
		run: runVersion,
	})
}

func buildVersion() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" {
		return bi.Main.Version
	}
	return "(devel)"
}

func runVersion(_ context.Context, c *cli, fs *flag.FlagSet) error {
	if fs.NArg() != 0 {
		return usageErrorf("version takes no arguments")
	}
	v := buildVersion()
	if c.json {
		return c.writeJSON(map[string]string{"version": v, "go": runtime.Version()})
	}
	_, err := fmt.Fprintf(c.stdout, "tamga %s (%s)\n", v, runtime.Version())
	return err
}
