package testenv

import (
	"bytes"
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

var driftBuilds sync.Map // generation → *driftBuild

type driftBuild struct {
	once sync.Once
	path string
	err  error
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
	v, _ := driftBuilds.LoadOrStore(generation, &driftBuild{})
	b := v.(*driftBuild)
	b.once.Do(func() {
		root := buildDir
		if root == "" {
			if root, b.err = os.MkdirTemp("", "baton-drift-*"); b.err != nil {
				return
			}
		}
		_, file, _, _ := runtime.Caller(0)
		dir := filepath.Join(root, fmt.Sprintf("drift%d", generation))
		cmd := exec.Command("go", "build", "-o", filepath.Join(dir, "baton-drift"),
			"-ldflags", fmt.Sprintf("-X main.generation=%d -X main.version=%s", generation, DriftVersion(generation)),
			"./testdata/driftconnector")
		cmd.Dir = filepath.Dir(file)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		if err := cmd.Run(); err != nil {
			b.err = fmt.Errorf("build the drift connector: %w\n%s", err, out.String())
			return
		}
		b.path = filepath.Join(dir, "baton-drift")
	})
	if b.err != nil {
		t.Fatal(b.err)
	}
	return b.path
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
