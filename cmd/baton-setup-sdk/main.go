// Command baton-setup-sdk holds the parts of baton-setup that are built on
// baton-sdk: the built-in demo connector and the sync-file reader.
// baton-setup runs it; it is installed next to baton-setup and is not meant
// to be run by hand.
//
//	baton-setup-sdk demo-connector [connector flags]
//	baton-setup-sdk summary [--tmp-dir DIR] [[--] FILE]   (no FILE: a JSON request on stdin)
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
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintf(stderr, "usage: baton-setup-sdk demo-connector [flags] | summary [--tmp-dir DIR] [FILE] | --version\nbaton-setup runs this program; see baton-setup --help\n")
		return 2
	}
	switch args[0] {
	case "--version", "version":
		fmt.Fprintf(stdout, "baton-setup-sdk version %s\n", version)
		return 0
	case c1z.SummaryCommand:
		return summary(args[1:], stdin, stdout, stderr)
	}
	fmt.Fprintf(stderr, "baton-setup-sdk: unknown command %q\n", args[0])
	return 2
}

func summary(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet(c1z.SummaryCommand, flag.ContinueOnError)
	fs.SetOutput(stderr)
	tmpDir := fs.String("tmp-dir", "", "directory for the extracted database")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	var path string
	switch fs.NArg() {
	case 1:
		path = fs.Arg(0)
	case 0:
		// Started ahead of the sync: wait for the file's name. No request
		// means the sync failed and nothing is to be read.
		var req c1z.Request
		if err := json.NewDecoder(stdin).Decode(&req); err == io.EOF {
			return 0
		} else if err != nil {
			fmt.Fprintf(stderr, "baton-setup-sdk summary: read request: %v\n", err)
			return 2
		}
		path = req.Path
	default:
		fmt.Fprintln(stderr, "baton-setup-sdk summary: want one FILE")
		return 2
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	sum, err := reader.Summarize(ctx, path, *tmpDir)
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
