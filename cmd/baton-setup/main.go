// Command baton-setup sets up self-hosted ConductorOne Baton connectors.
package main

import (
	"context"
	"fmt"
	"os"

	"github.com/conductorone/baton-setup/internal/cli"
	"github.com/conductorone/baton-setup/internal/companion"
)

func main() {
	// The built-in demo connector lives in baton-setup-sdk; `baton-setup
	// demo-connector …` becomes that program, so plans and sync.sh scripts
	// can keep naming baton-setup.
	if companion.DemoRouted(os.Args, os.Getenv) {
		err := companion.Exec(context.Background(), os.Args[1:])
		fmt.Fprintf(os.Stderr, "baton-setup: %v\n", err)
		os.Exit(1)
	}
	os.Exit(cli.Main(os.Args[1:]))
}
