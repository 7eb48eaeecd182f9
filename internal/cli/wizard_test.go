package cli

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/conductorone/baton-setup/internal/discover"
)

// TestCommandFor: the commands the wizard prints start with baton-setup
// only where the user's PATH finds this very program; a `go run` build's
// commands name the copy generate keeps, which no PATH has.
func TestCommandFor(t *testing.T) {
	dir := t.TempDir()
	installed := filepath.Join(dir, "gobin", "baton-setup")
	other := filepath.Join(dir, "other", "baton-setup")
	data := filepath.Join(dir, "data", "baton-setup")
	for _, p := range []string{installed, other, filepath.Join(data, "bin", "baton-setup")} {
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	onPath := func(p string) func(string) (string, error) {
		return func(string) (string, error) {
			if p == "" {
				return "", exec.ErrNotFound
			}
			return p, nil
		}
	}
	temp := filepath.Join(dir, "go-build123", "b001", "exe", "baton-setup")
	for _, tc := range []struct {
		name, running, path, lookPath, want string
	}{
		{"installed on PATH", installed, installed, installed, "baton-setup"},
		{"this program, on PATH", installed, "", installed, "baton-setup"},
		{"another one on PATH", installed, installed, other, installed},
		{"not on PATH", installed, installed, "", installed},
		{"go run: the copy", temp, "", "", filepath.Join(data, "bin", "baton-setup")},
		{"go run: the copy on PATH", temp, "", filepath.Join(data, "bin", "baton-setup"), "baton-setup"},
		{"quoted", installed, "/opt/my tools/baton-setup", "", "'/opt/my tools/baton-setup'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &Factory{
				Discover: discover.Env{Self: func() (string, error) { return tc.running, nil }, LookPath: onPath(tc.lookPath)},
				DataDir:  func() (string, error) { return data, nil },
			}
			if got := commandFor(f, tc.path); got != tc.want {
				t.Errorf("commandFor(%q) = %q, want %q", tc.path, got, tc.want)
			}
		})
	}
}
