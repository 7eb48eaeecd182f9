package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestCompanionMissing runs a baton-setup copied alone, outside any
// checkout and with no companion on PATH: the commands that need
// baton-setup-sdk fail with one line that says how to install it, and the
// others still work.
func TestCompanionMissing(t *testing.T) {
	home := t.TempDir()
	lone := filepath.Join(home, "bin", "baton-setup")
	os.MkdirAll(filepath.Dir(lone), 0o755)
	data, err := os.ReadFile(bin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(lone, data, 0o755); err != nil {
		t.Fatal(err)
	}
	env := append(testenv.CleanEnv(home), "PATH=/usr/bin:/bin")
	want := "find baton-setup-sdk (the demo connector and sync-file reader): it is not next to " + lone +
		" nor on PATH; install it with: go install github.com/conductorone/baton-setup/cmd/baton-setup-sdk@latest, or set BATON_SETUP_SDK to its path"

	r := run(t, env, home, lone, "demo-connector", "--version")
	if r.code != 1 || r.stderr != "baton-setup: "+want+"\n" {
		t.Errorf("demo-connector: exit %d\n%s", r.code, r.stderr)
	}
	file := filepath.Join(home, "x.c1z")
	os.WriteFile(file, []byte("C1Z3\x00whatever"), 0o600)
	r = run(t, env, home, lone, "inspect", file)
	if r.code != 1 || !strings.Contains(r.stderr, "read sync file "+file+": "+want) {
		t.Errorf("inspect: exit %d\n%s", r.code, r.stderr)
	}
	r = run(t, env, home, lone, "--version")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "baton-setup version ") {
		t.Errorf("--version: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
