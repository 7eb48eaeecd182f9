package main

import (
	"os/exec"
	"strings"
	"testing"
)

// TestLightDependencies keeps baton-sdk's storage and RPC stack out of
// baton-setup: they belong in baton-setup-sdk, and linking them here would
// add their ~40 ms of package initialisation to every command's start-up.
func TestLightDependencies(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	deps := strings.Fields(string(out))
	if len(deps) < 50 {
		t.Fatalf("go list printed %d packages; expected the whole dependency list", len(deps))
	}
	heavy := []string{
		"github.com/conductorone/baton-sdk/pkg/dotc1z",
		"github.com/conductorone/baton-sdk/pkg/connectorbuilder",
		"github.com/cockroachdb/pebble",
		"modernc.org/sqlite",
		"google.golang.org/grpc",
		"github.com/conductorone/baton-setup/internal/demo",
		"github.com/conductorone/baton-setup/internal/c1z/reader",
	}
	for _, d := range deps {
		for _, h := range heavy {
			if d == h || strings.HasPrefix(d, h+"/") {
				t.Errorf("baton-setup links %s", d)
			}
		}
	}
}
