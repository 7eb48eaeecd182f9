// Package interrupt catches SIGINT and SIGTERM from the start of the
// process, before the packages baton-setup is made of have initialised,
// so that a stop during start-up ends as any later one does: the command
// is cancelled, cleans up and exits 130. Without it, Go's default ends
// the process on the spot (exit 143 for SIGTERM) until the command line
// has been read.
//
// Import it from package main only: its init takes those signals over.
package interrupt

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

// The route into the built-in demo connector (internal/demo), which
// baton-sdk runs and stops with its own signal handling. They are repeated
// here, and checked against demo's by a test, because importing demo would
// make this package initialise after baton-sdk's, late in start-up.
const (
	demoEnv        = "BATON_SETUP_DEMO_CONNECTOR"
	demoSubcommand = "demo-connector"
)

// caught receives the signals from init on; nil in the demo connector.
var caught chan os.Signal

func init() {
	if os.Getenv(demoEnv) == "1" || (len(os.Args) > 1 && os.Args[1] == demoSubcommand) {
		return
	}
	// One is enough: the first signal cancels, and a later one while the
	// command cleans up changes nothing.
	caught = make(chan os.Signal, 1)
	signal.Notify(caught, os.Interrupt, syscall.SIGTERM)
}

// Context returns a context that is cancelled when SIGINT or SIGTERM has
// arrived since the process started, as signal.NotifyContext does from
// the moment it is called. stop releases the signals, so that the next
// one ends the process as Go does by default.
func Context(parent context.Context) (ctx context.Context, stop context.CancelFunc) {
	if caught == nil {
		return signal.NotifyContext(parent, os.Interrupt, syscall.SIGTERM)
	}
	ctx, cancel := context.WithCancel(parent)
	go func() {
		select {
		case <-caught:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, func() {
		signal.Stop(caught)
		cancel()
	}
}
