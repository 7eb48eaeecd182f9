// Package demo is a small but real Baton connector built into baton-setup.
//
// It lets people try baton-setup without credentials for a real system, and
// gives the tests and benchmarks a connector on baton-sdk v0.25.0 whose data
// size and failure behaviour can be chosen through its configuration.
package demo

import (
	"context"
	"os"
	"runtime/debug"

	"github.com/conductorone/baton-sdk/pkg/config"
)

// EnvMarker routes a process into the demo connector. The SDK's one-shot
// runner re-executes its own binary with the same arguments plus
// "_connector-service"; the variable is inherited by that child, whereas
// the subcommand word is already gone from its arguments.
const EnvMarker = "BATON_SETUP_DEMO_CONNECTOR"

// Subcommand is the first argument that selects the demo connector, as in
// []string{exe, demo.Subcommand, "--file", path}.
const Subcommand = "demo-connector"

// ConnectorName is the name the demo connector reports to the SDK.
const ConnectorName = "baton-demo"

// Routed reports whether this process should run the demo connector. When
// os.Args[1] is Subcommand it removes that word from os.Args and sets
// EnvMarker so the SDK's child process takes the same route.
func Routed() bool {
	if os.Getenv(EnvMarker) == "1" {
		return true
	}
	if len(os.Args) > 1 && os.Args[1] == Subcommand {
		// Setenv only fails for invalid names; the name is a constant.
		_ = os.Setenv(EnvMarker, "1")
		os.Args = append(os.Args[:1:1], os.Args[2:]...)
		return true
	}
	return false
}

// Main runs the demo connector's command line on os.Args and exits the
// process with the SDK's exit code on failure.
func Main() {
	config.RunConnector(context.Background(), ConnectorName, version(), Schema, newConnector)
}

func version() string {
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}
