package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// CompatConnector returns baton-compat built from one of the stand-in
// connectors under testdata/connectors (dir is "sdk-v0.25.0", say): a
// connector on a real baton-sdk generation with a hidden deprecated field,
// a one-of group, a PEM field and a path field. Each is built once per
// test process.
func CompatConnector(t testing.TB, dir string) string {
	t.Helper()
	return buildOnce(t, "compat-"+dir, func(out string) (string, error) {
		path := filepath.Join(out, "baton-compat")
		return path, BuildCompat(dir, path)
	})
}

// BuildCompat builds the stand-in connector in testdata/connectors/dir
// into the file out.
func BuildCompat(dir, out string) error {
	_, file, _, _ := runtime.Caller(0)
	cmd := exec.Command("go", "build", "-buildvcs=false", "-o", out, ".")
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..", "testdata", "connectors", dir)
	// Each stand-in is a module of its own, outside any workspace.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off")
	if log, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build the stand-in connector %s: %w\n%s", dir, err, log)
	}
	return nil
}
