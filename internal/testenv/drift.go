package testenv

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
)

// buildDir keeps what the test process builds; Main sets and removes it.
var buildDir string

// builds holds one *build per stand-in program, so each is built once per
// test process.
var builds sync.Map

type build struct {
	once sync.Once
	path string
	err  error
}

// buildOnce returns the program key names, made the first time by make in
// a directory of its own.
func buildOnce(t testing.TB, key string, make func(dir string) (string, error)) string {
	t.Helper()
	v, _ := builds.LoadOrStore(key, &build{})
	b := v.(*build)
	b.once.Do(func() {
		root := buildDir
		if root == "" {
			if root, b.err = os.MkdirTemp("", "baton-standin-*"); b.err != nil {
				return
			}
		}
		b.path, b.err = make(filepath.Join(root, key))
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
}

// DriftVersion is the --version of each generation of the stand-in.
func DriftVersion(generation int) string { return fmt.Sprintf("v%d.0.0", generation) }

// DriftConnector returns baton-drift, a stand-in connector on baton-sdk
// v0.25.0 (testdata/driftconnector) whose settings change between
// generations: 1 has tenant, api-key (secret) and legacy-mode; 2 drops
// legacy-mode and requires region. Each generation is built once per test
// process, with DriftVersion as its version.
func DriftConnector(t testing.TB, generation int) string {
	t.Helper()
	return buildOnce(t, fmt.Sprintf("drift%d", generation), func(dir string) (string, error) {
		_, file, _, _ := runtime.Caller(0)
		out := filepath.Join(dir, "baton-drift")
		cmd := exec.Command("go", "build", "-o", out,
			"-ldflags", fmt.Sprintf("-X main.generation=%d -X main.version=%s", generation, DriftVersion(generation)),
			"./testdata/driftconnector")
		cmd.Dir = filepath.Dir(file)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if log, err := cmd.CombinedOutput(); err != nil {
			return "", fmt.Errorf("build the drift connector: %w\n%s", err, log)
		}
		return out, nil
	})
}

// InstallDrift copies generation's baton-drift to dir/baton-drift, over
// what is there, as an upgrade would, and returns its path.
func InstallDrift(t testing.TB, dir string, generation int) string {
	t.Helper()
	data, err := os.ReadFile(DriftConnector(t, generation))
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "baton-drift")
	tmp := dst + ".new"
	if err := os.WriteFile(tmp, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
	return dst
}
