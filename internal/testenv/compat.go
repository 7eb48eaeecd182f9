package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// CompatConnector returns baton-compat built on one baton-sdk generation
// (gen is "sdk-v0.25.0", "sdk-v0.3.10" or "sdk-v0.2.65"), from the stand-in
// connector in testdata/connectors/compat: a connector on a real baton-sdk
// release with a hidden deprecated field, a one-of group, a PEM field and a
// path field. Each is built once per test process.
func CompatConnector(t testing.TB, gen string) string {
	t.Helper()
	return buildOnce(t, "compat-"+gen, func(out string) (string, error) {
		path := filepath.Join(out, "baton-compat")
		return path, BuildCompat(gen, path)
	})
}

// compatBuilds are the go build arguments of each generation: its own
// go.mod (and go.sum beside it) and the build tag that picks its code.
var compatBuilds = map[string][]string{
	"sdk-v0.25.0": nil,
	"sdk-v0.3.10": {"-modfile", "v0.3.10.mod", "-tags", "sdk_v0_3"},
	"sdk-v0.2.65": {"-modfile", "v0.2.65.mod", "-tags", "sdk_v0_2"},
}

// BuildCompat builds the stand-in connector on generation gen into the
// file out.
func BuildCompat(gen, out string) error {
	extra, ok := compatBuilds[gen]
	if !ok {
		return fmt.Errorf("build the stand-in connector: no generation %s", gen)
	}
	_, file, _, _ := runtime.Caller(0)
	args := append([]string{"build", "-buildvcs=false", "-o", out}, extra...)
	cmd := exec.Command("go", append(args, ".")...)
	cmd.Dir = filepath.Join(filepath.Dir(file), "..", "..", "testdata", "connectors", "compat")
	// The stand-in is a module of its own, outside any workspace.
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOWORK=off")
	if log, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("build the stand-in connector on %s: %w\n%s", gen, err, log)
	}
	return nil
}
