// Package discover finds connector binaries on this machine, reads which
// baton-sdk they were built with, and asks them for their schema.
package discover

import (
	"context"
	"crypto/sha256"
	"debug/buildinfo"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/google/renameio/v2"
	"golang.org/x/sys/unix"

	"github.com/conductorone/baton-setup/internal/catalog"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/runner"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/userdir"
)

// DemoName is the built-in demo connector's name.
const DemoName = "demo"

// DemoSubcommand routes baton-setup to the demo connector; it is
// internal/demo's Subcommand, which this package cannot import without
// linking baton-sdk's connector packages.
const DemoSubcommand = "demo-connector"

// Env holds the side effects discovery needs.
type Env struct {
	// Self returns the running baton-setup binary.
	Self     func() (string, error)
	LookPath func(string) (string, error)
	Getenv   func(string) string
	HomeDir  func() (string, error)
	// CacheDir keeps connectors' schemas between runs; nil keeps none.
	CacheDir func() (string, error)
}

// System returns an Env backed by the real machine.
func System() Env {
	return Env{
		Self: os.Executable, LookPath: exec.LookPath, Getenv: os.Getenv, HomeDir: os.UserHomeDir,
		CacheDir: userdir.Cache, // Depends on XDG_CACHE_HOME / HOME.
	}
}

// Found is a connector that can be run.
type Found struct {
	Name       string   `json:"name"`
	Path       string   `json:"path"`
	Args       []string `json:"args,omitempty"`
	Source     string   `json:"source"`
	SDKVersion string   `json:"sdkVersion,omitempty"`
}

// Connector converts a Found into the plan's connector section.
func (f Found) Connector() plan.Connector {
	return plan.Connector{Name: f.Name, Path: f.Path, Args: f.Args, SDKVersion: f.SDKVersion}
}

// searchDirs lists where connectors are installed besides PATH: Homebrew's
// prefixes and Go's bin directories, which cron's PATH never has.
func (e Env) searchDirs() []string {
	var dirs []string
	for _, d := range filepath.SplitList(e.Getenv("PATH")) {
		if d != "" {
			dirs = append(dirs, d)
		}
	}
	dirs = append(dirs, "/opt/homebrew/bin", "/home/linuxbrew/.linuxbrew/bin", "/usr/local/bin")
	if gobin := e.Getenv("GOBIN"); gobin != "" {
		dirs = append(dirs, gobin)
	}
	if gopath := e.Getenv("GOPATH"); gopath != "" {
		dirs = append(dirs, filepath.Join(gopath, "bin"))
	}
	if home, err := e.HomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "bin"))
	}
	var out []string
	for _, d := range dirs {
		if abs, err := filepath.Abs(d); err == nil && !slices.Contains(out, abs) {
			out = append(out, abs)
		}
	}
	return out
}

func sourceOf(dir string) string {
	switch {
	case strings.Contains(dir, "homebrew") || strings.Contains(dir, "linuxbrew"):
		return "homebrew"
	case strings.HasSuffix(dir, filepath.Join("go", "bin")):
		return "go install"
	default:
		return dir
	}
}

// Demo returns the built-in demo connector: baton-setup's own subcommand.
func (e Env) Demo() (Found, error) {
	self, err := e.Self()
	if err != nil {
		return Found{}, fmt.Errorf("locate baton-setup: %w", err)
	}
	return Found{Name: DemoName, Path: self, Args: []string{DemoSubcommand}, Source: "built-in", SDKVersion: SDKVersion(self)}, nil
}

// All lists the demo connector first, then every baton-* executable found,
// one per name (the first in search order wins, as PATH would).
func (e Env) All() []Found {
	var out []Found
	if d, err := e.Demo(); err == nil {
		out = append(out, d)
	}
	seen := map[string]bool{}
	for _, dir := range e.searchDirs() {
		entries, err := os.ReadDir(dir)
		if err != nil {
			continue
		}
		for _, ent := range entries {
			name := ent.Name()
			if !strings.HasPrefix(name, "baton-") || name == "baton-setup" || seen[name] {
				continue
			}
			p := filepath.Join(dir, name)
			if !isExecutable(p) {
				continue
			}
			seen[name] = true
			out = append(out, Found{Name: strings.TrimPrefix(name, "baton-"), Path: p, Source: sourceOf(dir), SDKVersion: SDKVersion(p)})
		}
	}
	return out
}

// isExecutable reports whether p is a regular file that someone may execute.
func isExecutable(p string) bool {
	st, err := os.Stat(p)
	return err == nil && st.Mode().IsRegular() && st.Mode().Perm()&0o111 != 0
}

// Resolve turns what the user typed into a runnable connector: "demo", a
// catalog name such as "okta" (binary baton-okta), "baton-okta", or a path.
func (e Env) Resolve(name string) (Found, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "":
		return Found{}, errors.New("resolve connector: no name given")
	case name == DemoName:
		return e.Demo()
	case strings.ContainsRune(name, os.PathSeparator):
		p, err := filepath.Abs(name)
		if err != nil {
			return Found{}, fmt.Errorf("resolve connector %s: %w", name, err)
		}
		if !isExecutable(p) {
			why := "not an executable file"
			if st, err := os.Stat(p); err != nil {
				why = "no such file"
			} else if st.IsDir() {
				why = "a directory, not a connector binary"
			}
			return Found{}, fmt.Errorf("resolve connector %s: %s", p, why)
		}
		return Found{Name: strings.TrimPrefix(filepath.Base(p), "baton-"), Path: p, Source: "path", SDKVersion: SDKVersion(p)}, nil
	}
	bin := name
	if !strings.HasPrefix(bin, "baton-") {
		bin = "baton-" + bin
	}
	short := strings.TrimPrefix(bin, "baton-")
	if p, err := e.LookPath(bin); err == nil {
		if abs, err := filepath.Abs(p); err == nil {
			return Found{Name: short, Path: abs, Source: "PATH", SDKVersion: SDKVersion(abs)}, nil
		}
	}
	for _, dir := range e.searchDirs() {
		p := filepath.Join(dir, bin)
		if isExecutable(p) {
			return Found{Name: short, Path: p, Source: sourceOf(dir), SDKVersion: SDKVersion(p)}, nil
		}
	}
	return Found{}, fmt.Errorf("resolve connector %s: %s is not installed\nhint: install it with `brew install conductorone/baton/%s` or `go install github.com/conductorone/%s/cmd/%s@latest`, or pass its path", name, bin, bin, bin, bin)
}

// SDKVersion reads the baton-sdk version a binary was built with, or "" when
// it is not a Go binary or does not use the SDK. Asking the binary is no
// good: v0.25.0 reports v0.24.6.
func SDKVersion(path string) string {
	info, err := buildinfo.ReadFile(path)
	if err != nil {
		return ""
	}
	for _, d := range info.Deps {
		if d.Path == "github.com/conductorone/baton-sdk" {
			if d.Replace != nil {
				return d.Replace.Version
			}
			return d.Version
		}
	}
	return ""
}

// Schema runs `<connector> config` and parses its output. It needs no
// credentials and no network; a clean environment and a scratch directory
// keep a stray .baton.yaml or BATON_* variable out of it. Connectors too old
// for `config` (baton-sdk before v0.2.68) are read from --help instead. The
// flags --help lists are kept too (Schema.Flags): they say which of the
// SDK's options the connector has. The catalog adds where to find each
// value.
func Schema(ctx context.Context, f Found) (*schema.Schema, error) {
	return Env{}.Schema(ctx, f)
}

// cacheEntry is what the schema cache keeps of a connector binary: its
// `config` output (none for connectors too old to have one) and its --help
// output (none when --help failed).
type cacheEntry struct {
	Config json.RawMessage `json:"config,omitempty"`
	Help   *string         `json:"help,omitempty"`
}

// schema parses the entry; ok is false for an entry that holds neither a
// schema nor a help text, such as a damaged one.
func (c cacheEntry) schema() (*schema.Schema, bool) {
	var s *schema.Schema
	switch {
	case len(c.Config) > 0:
		var err error
		if s, err = schema.Parse(c.Config); err != nil {
			return nil, false
		}
	case c.Help != nil:
		s = schema.ParseHelp(*c.Help)
	default:
		return nil, false
	}
	if c.Help != nil {
		s.SetFlags(schema.HelpFlags(*c.Help))
	}
	return s, true
}

// Schema is the package's Schema with e's cache: a connector binary's
// `config` and --help output are kept under e.CacheDir, keyed by the
// binary's path, inode, size and times, so a test or regenerate run skips
// both processes until the binary changes.
func (e Env) Schema(ctx context.Context, f Found) (*schema.Schema, error) {
	cacheFile := e.schemaCacheFile(f)
	if cacheFile != "" {
		if data, err := os.ReadFile(cacheFile); err == nil {
			var entry cacheEntry
			if json.Unmarshal(data, &entry) == nil {
				if s, ok := entry.schema(); ok {
					return enriched(s, f), nil
				}
			}
		}
	}
	// --help runs beside `config`, so reading the flags costs no extra wait.
	type result struct {
		out, errText string
		err          error
	}
	helpDone := make(chan result, 1)
	go func() {
		out, errText, err := runQuiet(ctx, f, "--help")
		helpDone <- result{out, errText, err}
	}()
	out, errText, err := runQuiet(ctx, f, "config")
	help := <-helpDone
	var entry cacheEntry
	if help.err == nil {
		entry.Help = &help.out
	}
	switch {
	case err != nil && strings.Contains(errText, `unknown command "config"`):
		if help.err != nil {
			return nil, fmt.Errorf("read %s schema: the connector has no `config` command and `--help` failed: %w", f.Name, help.err)
		}
	case err != nil && errText == "":
		return nil, fmt.Errorf("read %s schema: %w", f.Name, err)
	case err != nil:
		return nil, fmt.Errorf("read %s schema: %w: %s", f.Name, err, lastLine(errText))
	default:
		if _, err := schema.Parse([]byte(out)); err != nil {
			return nil, fmt.Errorf("read %s schema: %w", f.Name, err)
		}
		entry.Config = json.RawMessage(out)
	}
	s, _ := entry.schema()
	if cacheFile != "" {
		// A cache that cannot be written only costs the next run a process.
		if data, err := json.Marshal(entry); err == nil {
			_ = writeCache(cacheFile, data)
		}
	}
	return enriched(s, f), nil
}

func enriched(s *schema.Schema, f Found) *schema.Schema {
	if e, ok := catalog.Lookup(f.Name); ok {
		Enrich(s, e)
	}
	return s
}

// cacheFormat changes whenever cacheEntry does, so entries written by an
// older baton-setup are never misread.
const cacheFormat = "config+help"

// schemaCacheFile names the cache entry of f's binary as it is now, or ""
// when there is no cache or the binary cannot be identified.
func (e Env) schemaCacheFile(f Found) string {
	if e.CacheDir == nil || f.Path == "" {
		return ""
	}
	dir, err := e.CacheDir()
	if err != nil || dir == "" {
		return ""
	}
	// x/sys/unix names the change time Ctim on Linux and macOS alike, where
	// syscall.Stat_t has Ctim on one and Ctimespec on the other.
	var st unix.Stat_t
	if err := unix.Stat(f.Path, &st); err != nil || st.Mode&unix.S_IFMT != unix.S_IFREG {
		return ""
	}
	// Replacing the binary gives a new inode; rewriting it in place changes
	// its size or times. The arguments pick a subcommand (the demo).
	h := sha256.New()
	fmt.Fprintf(h, "%s\x00%s\x00%q\x00%d\x00%d\x00%d\x00%d\x00%d.%d", cacheFormat, f.Path, f.Args, st.Dev, st.Ino, st.Size,
		st.Mtim.Nano(), st.Ctim.Sec, st.Ctim.Nsec)
	return filepath.Join(dir, "schema", hex.EncodeToString(h.Sum(nil))+".json")
}

// writeCache writes a cache entry atomically in a private directory.
func writeCache(path string, data []byte) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	return renameio.WriteFile(path, data, 0o600)
}

// Enrich adds the catalog's hints to a connector's own schema. The schema
// always wins on names, types and required marks; the catalog only adds
// where to find a value, its display name when the connector gives none,
// and, for schemas read from --help (which cannot say what is secret), its
// secret marks.
func Enrich(s *schema.Schema, e catalog.Entry) {
	for i := range s.Fields {
		f := &s.Fields[i]
		for _, cf := range e.Fields {
			if cf.Name != f.Name {
				continue
			}
			f.Hint = cf.Help
			if s.FromHelp && cf.Secret {
				f.Secret = true
			}
			if f.Label == "" && cf.DisplayName != "" {
				f.Label = cf.DisplayName
			}
		}
	}
	if s.HelpURL == "" {
		s.HelpURL = e.DocsURL
	}
	if s.DisplayName == "" {
		s.DisplayName = e.DisplayName
	}
}

func runQuiet(ctx context.Context, f Found, arg string) (string, string, error) {
	dir, err := os.MkdirTemp("", "baton-setup-schema-*")
	if err != nil {
		return "", "", fmt.Errorf("create scratch directory: %w\nhint: TMPDIR (%s) must be a directory you can write to", err, os.TempDir())
	}
	defer os.RemoveAll(dir)
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BATON_") || strings.HasPrefix(kv, "BATON_SETUP_") {
			env = append(env, kv)
		}
	}
	stdout, stderr, err := runner.Output(ctx, runner.Call{
		Path: f.Path, Args: append(slices.Clone(f.Args), arg), Dir: dir, Env: env, Timeout: 30 * time.Second,
	})
	if ctx.Err() != nil {
		return "", "", ctx.Err()
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return "", "", fmt.Errorf("`%s` did not answer within 30s", arg)
	}
	return string(stdout), strings.TrimSpace(string(stderr)), err
}

func lastLine(s string) string {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}
