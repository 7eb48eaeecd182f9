package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"slices"
	"strings"
	"testing"
)

// TestHeavyImportsStayInTwoPackages keeps baton-sdk's storage, connector
// builder and RPC packages behind internal/c1z and internal/demo: the rest
// of baton-setup reaches them only through those two, so they could move
// into a separate program again without touching anything else.
func TestHeavyImportsStayInTwoPackages(t *testing.T) {
	cmd := exec.Command("go", "list", "-json", "github.com/conductorone/baton-setup/...")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	allowed := []string{
		"github.com/conductorone/baton-setup/internal/c1z",
		"github.com/conductorone/baton-setup/internal/demo",
	}
	heavy := func(path string) bool {
		switch {
		case path == "github.com/conductorone/baton-sdk/pb/c1/config/v1":
			// The schema types: plain protobuf messages.
			return false
		case strings.HasPrefix(path, "github.com/conductorone/baton-sdk/"),
			strings.HasPrefix(path, "google.golang.org/grpc"),
			strings.HasPrefix(path, "github.com/cockroachdb/pebble"),
			strings.HasPrefix(path, "modernc.org/sqlite"):
			return true
		}
		return false
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	packages, importers := 0, 0
	for {
		var pkg struct {
			ImportPath string
			Imports    []string
		}
		if err := dec.Decode(&pkg); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		packages++
		for _, imp := range pkg.Imports {
			if !heavy(imp) {
				continue
			}
			if slices.Contains(allowed, pkg.ImportPath) {
				importers++
				continue
			}
			t.Errorf("%s imports %s; only internal/c1z and internal/demo may", pkg.ImportPath, imp)
		}
	}
	// The rule is only checked if the two packages really import them.
	if packages < 20 || importers < 2 {
		t.Fatalf("go list gave %d packages and %d heavy imports in the allowed ones; is the list complete?", packages, importers)
	}
}
