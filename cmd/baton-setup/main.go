// Command baton-setup sets up self-hosted ConductorOne Baton connectors.
package main

import (
	"os"

	"github.com/conductorone/baton-setup/internal/cli"
	"github.com/conductorone/baton-setup/internal/demo"
)

func main() {
	// The built-in demo connector is this binary; the SDK re-executes it for
	// its service child, so the route must be decided before anything else.
	if demo.Routed() {
		demo.Main()
		return
	}
	os.Exit(cli.Main(os.Args[1:]))
}
