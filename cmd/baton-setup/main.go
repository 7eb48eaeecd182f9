// Command baton-setup sets up self-hosted ConductorOne Baton connectors.
package main

import (
	"context"
	"os"

	"github.com/conductorone/baton-setup/internal/cli"
	"github.com/conductorone/baton-setup/internal/demo"
	"github.com/conductorone/baton-setup/internal/interrupt"
)

func main() {
	// The built-in demo connector is this binary; the SDK re-executes it for
	// its service child, so the route must be decided before anything else
	// (interrupt decides it the same way, and leaves it its signals).
	if demo.Routed() {
		demo.Main()
		return
	}
	ctx, stop := interrupt.Context(context.Background())
	code := cli.Main(ctx, os.Args[1:])
	stop()
	os.Exit(code)
}
