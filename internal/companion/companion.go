// Package companion finds baton-setup-sdk, the second program of
// baton-setup. It holds the parts built on baton-sdk: the built-in demo
// connector and the sync-file (c1z) reader. They live apart because
// baton-sdk's packages (Pebble, SQLite, gRPC, protobuf registries) take
// about 40 ms to initialise, and every baton-setup command would pay it
// at start-up, even --version.
package companion

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Name is the companion's file name; it is installed next to baton-setup.
const Name = "baton-setup-sdk"

// EnvPath names an explicit companion path, for packagers who keep it
// elsewhere (a libexec directory) and for tests.
const EnvPath = "BATON_SETUP_SDK"

// Module is baton-setup's module path; a development build of it may build
// the companion from the source checkout it runs in.
const Module = "github.com/conductorone/baton-setup"

// Env holds the side effects of finding the companion.
type Env struct {
	Self     func() (string, error)
	LookPath func(string) (string, error)
	Getenv   func(string) string
	Getwd    func() (string, error)
	// CacheDir is where a development build keeps the companion it built.
	CacheDir func() (string, error)
	// Devel reports whether this binary is a development build of Module
	// (`go run` or `go build` in a checkout), which may build the companion
	// from source.
	Devel func() bool
	// Progress receives one line before a build from source starts.
	Progress io.Writer
}

// System returns an Env backed by the real machine.
func System() Env {
	return Env{
		Self: os.Executable, LookPath: exec.LookPath, Getenv: os.Getenv, Getwd: os.Getwd,
		CacheDir: os.UserCacheDir, Devel: develBuild, Progress: os.Stderr,
	}
}

// develBuild reports a build from a source checkout: `go run` or `go build`
// stamp the version control revision (and, since Go 1.24, a version derived
// from it), while `go install …@version` builds from the module cache
// without one.
func develBuild() bool {
	bi, ok := debug.ReadBuildInfo()
	if !ok || bi.Main.Path != Module {
		return false
	}
	if bi.Main.Version == "(devel)" {
		return true
	}
	for _, s := range bi.Settings {
		if s.Key == "vcs" {
			return true
		}
	}
	return false
}

// NotFoundError says where the companion was looked for.
type NotFoundError struct {
	Self string
}

func (e *NotFoundError) Error() string {
	// One line: connectors' callers show the last line of stderr.
	return fmt.Sprintf("find %s (the demo connector and sync-file reader): it is not next to %s nor on PATH; install it with: go install %s/cmd/%s@latest, or set %s to its path",
		Name, e.Self, Module, Name, EnvPath)
}

// Find returns the companion's path: $BATON_SETUP_SDK, then the file next to
// this binary, then, for a development build run inside its source
// checkout, a copy built from that checkout, then PATH.
func (e Env) Find(ctx context.Context) (string, error) {
	p, _, err := e.find(ctx)
	return p, err
}

// find is Find that also reports a build from source.
func (e Env) find(ctx context.Context) (path string, built bool, err error) {
	if p := e.Getenv(EnvPath); p != "" {
		if err := CheckExecutable(p); err != nil {
			return "", false, fmt.Errorf("find %s: %s=%s: %w", Name, EnvPath, p, err)
		}
		return p, false, nil
	}
	self, err := e.Self()
	if err != nil {
		return "", false, fmt.Errorf("find %s: locate baton-setup: %w", Name, err)
	}
	if resolved, err := filepath.EvalSymlinks(self); err == nil {
		self = resolved
	}
	sibling := filepath.Join(filepath.Dir(self), Name)
	if CheckExecutable(sibling) == nil {
		return sibling, false, nil
	}
	if e.Devel != nil && e.Devel() {
		if root, ok := e.checkout(); ok {
			p, err := e.buildFromSource(ctx, root)
			return p, err == nil, err
		}
	}
	if p, err := e.LookPath(Name); err == nil {
		return p, false, nil
	}
	return "", false, &NotFoundError{Self: self}
}

// CheckExecutable reports why p is not a regular file with an execute bit.
func CheckExecutable(p string) error {
	st, err := os.Stat(p)
	if err != nil {
		return err
	}
	if !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return errors.New("not an executable file")
	}
	return nil
}

// checkout finds the baton-setup source tree holding the working directory.
func (e Env) checkout() (string, bool) {
	dir, err := e.Getwd()
	if err != nil {
		return "", false
	}
	for {
		if modulePath(filepath.Join(dir, "go.mod")) == Module {
			return dir, true
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", false
		}
		dir = parent
	}
}

func modulePath(gomod string) string {
	f, err := os.Open(gomod)
	if err != nil {
		return ""
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), "module "); ok {
			return strings.Trim(strings.TrimSpace(rest), `"`)
		}
	}
	return ""
}

// buildFromSource keeps one companion per checkout in the cache and builds
// it again when a Go source, go.mod or go.sum is newer than the copy.
func (e Env) buildFromSource(ctx context.Context, root string) (string, error) {
	cache, err := e.CacheDir()
	if err != nil {
		return "", fmt.Errorf("build %s: %w", Name, err)
	}
	dir := filepath.Join(cache, "baton-setup", "sdk", pathKey(root))
	bin := filepath.Join(dir, Name)
	if st, err := os.Stat(bin); err == nil && !newerSource(root, st.ModTime()) {
		return bin, nil
	}
	goBin, err := e.LookPath("go")
	if err != nil {
		return "", fmt.Errorf("build %s from %s: go is not on PATH", Name, root)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("build %s: %w", Name, err)
	}
	if e.Progress != nil {
		fmt.Fprintf(e.Progress, "Building %s (the demo connector and sync-file reader) from %s; the first build takes a few minutes…\n", Name, root)
	}
	// Build beside the final name, then rename: a concurrent run sees either
	// the old binary or the new one, never a partial file.
	tmp, err := os.MkdirTemp(dir, ".build-*")
	if err != nil {
		return "", fmt.Errorf("build %s: %w", Name, err)
	}
	defer os.RemoveAll(tmp)
	out := filepath.Join(tmp, Name)
	cmd := exec.CommandContext(ctx, goBin, "build", "-o", out, "./cmd/"+Name)
	cmd.Dir = root
	var stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stderr, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build %s from %s: %w\n%s", Name, root, err, strings.TrimSpace(stderr.String()))
	}
	if err := os.Rename(out, bin); err != nil {
		return "", fmt.Errorf("build %s: %w", Name, err)
	}
	return bin, nil
}

func pathKey(root string) string {
	r := strings.NewReplacer(string(filepath.Separator), "_", ":", "_")
	return strings.Trim(r.Replace(root), "_")
}

// newerSource reports whether any file the companion is built from changed
// after t. Dot directories (.git) and testdata are skipped.
func newerSource(root string, t time.Time) bool {
	newer := false
	_ = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || newer {
			return filepath.SkipDir
		}
		name := d.Name()
		if d.IsDir() {
			if p != root && (strings.HasPrefix(name, ".") || name == "testdata") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(name, ".go") && name != "go.mod" && name != "go.sum" {
			return nil
		}
		if info, err := d.Info(); err == nil && info.ModTime().After(t) {
			newer = true
			return filepath.SkipAll
		}
		return nil
	})
	return newer
}

var (
	defaultOnce sync.Once
	defaultPath string
	defaultErr  error
)

// Path is Find on the real machine, done once per process. A companion
// built from source is also put in $BATON_SETUP_SDK: the demo connector runs
// as `baton-setup demo-connector` in a work directory outside the checkout,
// where that child could not find the checkout again.
func Path(ctx context.Context) (string, error) {
	defaultOnce.Do(func() {
		var built bool
		defaultPath, built, defaultErr = System().find(ctx)
		if built {
			defaultErr = os.Setenv(EnvPath, defaultPath)
		}
	})
	return defaultPath, defaultErr
}

// DemoCommand is the companion's subcommand that runs the demo connector;
// baton-setup accepts the same word and hands the whole run over.
const DemoCommand = "demo-connector"

// DemoEnvMarker routes a process into the demo connector. The SDK's
// one-shot runner re-executes its own binary with the same arguments plus
// "_connector-service"; the variable is inherited by that child, whereas
// the subcommand word is already gone from its arguments.
const DemoEnvMarker = "BATON_SETUP_DEMO_CONNECTOR"

// DemoRouted reports whether baton-setup was started as the demo connector.
func DemoRouted(args []string, getenv func(string) string) bool {
	return getenv(DemoEnvMarker) == "1" || (len(args) > 1 && args[1] == DemoCommand)
}

// Exec replaces this process with the companion, given args after its
// name: the connector's pid, signals and exit code are then the
// companion's own, as if it had been started directly.
func Exec(ctx context.Context, args []string) error {
	bin, err := Path(ctx)
	if err != nil {
		return err
	}
	if err := syscall.Exec(bin, append([]string{bin}, args...), os.Environ()); err != nil {
		return fmt.Errorf("run %s: %w", bin, err)
	}
	return nil
}
