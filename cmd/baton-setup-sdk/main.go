// Command baton-setup-sdk holds the parts of baton-setup that are built on
// baton-sdk: the built-in demo connector and the sync-file reader.
// baton-setup runs it; it is installed next to baton-setup and is not meant
// to be run by hand.
//
//	baton-setup-sdk demo-connector [connector flags]
//	baton-setup-sdk summary [--tmp-dir DIR] [--] FILE
//	baton-setup-sdk --version
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/c1z/reader"
	"github.com/conductorone/baton-setup/internal/demo"
)

// version is set with -ldflags "-X main.version=…", as baton-setup's.
var version = "dev"

func main() {
	// The SDK re-executes this binary for its service child with the
	// subcommand word gone, so the demo route is decided by demo.Routed.
	if demo.Routed() {
		demo.Main()
		return
	}
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "usage: baton-setup-sdk demo-connector [flags] | summary [--tmp-dir DIR] FILE | --version\nbaton-setup runs this program; see baton-setup --help\n")
		return 2
	}
	switch args[0] {
	case "--version", "version":
		fmt.Fprintf(stdout, "baton-setup-sdk version %s\n", version)
		return 0
	case c1z.SummaryCommand:
		return summary(args[1:], stdout, stderr)
	}
	fmt.Fprintf(stderr, "baton-setup-sdk: unknown command %q\n", args[0])
	return 2
}

func summary(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(c1z.SummaryCommand, flag.ContinueOnError)
	fs.SetOutput(stderr)
	tmpDir := fs.String("tmp-dir", "", "directory for the extracted database")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "baton-setup-sdk summary: want one FILE")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sum, err := reader.Summarize(ctx, fs.Arg(0), *tmpDir)
	res := c1z.NewResult(sum, err)
	if err := json.NewEncoder(stdout).Encode(res); err != nil {
		fmt.Fprintf(stderr, "baton-setup-sdk summary: write result: %v\n", err)
		return 1
	}
	if res.Error != "" {
		return 1
	}
	return 0
}
