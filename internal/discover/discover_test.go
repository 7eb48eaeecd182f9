package discover

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/testenv"
)

var bin string

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &bin)) }

func writeExec(t *testing.T, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
}

func testEnv(t *testing.T, home, pathDirs string) Env {
	vars := map[string]string{"PATH": pathDirs}
	return Env{
		Self: func() (string, error) { return bin, nil },
		LookPath: func(name string) (string, error) {
			for _, d := range filepath.SplitList(pathDirs) {
				p := filepath.Join(d, name)
				if isExecutable(p) {
					return p, nil
				}
			}
			return "", exec.ErrNotFound
		},
		Getenv:  func(k string) string { return vars[k] },
		HomeDir: func() (string, error) { return home, nil },
	}
}

func TestSDKVersionFromBuildInfo(t *testing.T) {
	if got := SDKVersion(bin); got != "v0.25.0" {
		t.Errorf("SDKVersion(baton-setup) = %q, want v0.25.0", got)
	}
	script := filepath.Join(t.TempDir(), "baton-script")
	writeExec(t, script, "#!/bin/sh\n")
	if got := SDKVersion(script); got != "" {
		t.Errorf("SDKVersion(script) = %q", got)
	}
}

func TestResolveAndAll(t *testing.T) {
	home := t.TempDir()
	pathDir := filepath.Join(home, "path")
	writeExec(t, filepath.Join(pathDir, "baton-okta"), "#!/bin/sh\n")
	writeExec(t, filepath.Join(home, "go", "bin", "baton-github"), "#!/bin/sh\n")
	os.WriteFile(filepath.Join(pathDir, "baton-notexec"), []byte("x"), 0o644)
	writeExec(t, filepath.Join(pathDir, "baton-setup"), "#!/bin/sh\n")
	env := testEnv(t, home, pathDir)

	tests := []struct {
		in, wantPath, wantSource, wantErr string
	}{
		{in: "demo", wantPath: bin, wantSource: "built-in"},
		{in: "okta", wantPath: filepath.Join(pathDir, "baton-okta"), wantSource: "PATH"},
		{in: "baton-okta", wantPath: filepath.Join(pathDir, "baton-okta"), wantSource: "PATH"},
		{in: "github", wantPath: filepath.Join(home, "go", "bin", "baton-github"), wantSource: "go install"},
		{in: filepath.Join(pathDir, "baton-okta"), wantPath: filepath.Join(pathDir, "baton-okta"), wantSource: "path"},
		{in: "slack", wantErr: "brew install conductorone/baton/baton-slack"},
		{in: filepath.Join(pathDir, "baton-notexec"), wantErr: "not an executable file"},
		{in: "", wantErr: "no name given"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := env.Resolve(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got.Path != tt.wantPath || got.Source != tt.wantSource {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
	var names []string
	for _, f := range env.All() {
		names = append(names, f.Name)
	}
	if got := strings.Join(names, ","); got != "demo,okta,github" {
		t.Errorf("All = %s", got)
	}
}

func TestSchemaFromDemo(t *testing.T) {
	env := testEnv(t, t.TempDir(), "")
	demo, err := env.Demo()
	if err != nil {
		t.Fatal(err)
	}
	s, err := Schema(context.Background(), demo)
	if err != nil {
		t.Fatal(err)
	}
	key, ok := s.Field("api-key")
	if !ok || !key.Secret || !key.Required {
		t.Errorf("api-key = %+v", key)
	}
	if _, ok := s.Field("demo-failure"); ok {
		t.Error("a CLI-only field was exported")
	}
	// --help tells what config does not: the SDK's own one-shot flags.
	for _, flag := range []string{"sync-resource-types", "skip-entitlements-and-grants", "log-level", "demo-failure"} {
		if has, known := s.HasFlag(flag); !has || !known {
			t.Errorf("HasFlag(%s) = %v, %v; flags %v", flag, has, known, s.Flags)
		}
	}
}

// TestSchemaFallsBackToHelp runs a stand-in for a connector built on an SDK
// older than v0.2.68, which answers `config` the way cobra does.
func TestSchemaFallsBackToHelp(t *testing.T) {
	dir := t.TempDir()
	old := filepath.Join(dir, "baton-github")
	writeExec(t, old, `#!/bin/sh
if [ "$1" = "config" ]; then
	echo 'Error: unknown command "config" for "baton-github"' >&2
	exit 1
fi
cat <<'EOF'
Flags:
  -f, --file string       The path to the c1z file to sync with ($BATON_FILE) (default "sync.c1z")
      --token string      required: The GitHub access token used to connect to the Github API. ($BATON_TOKEN)
      --orgs strings      Limit syncing to specific organizations. ($BATON_ORGS)
EOF
`)
	s, err := Schema(context.Background(), Found{Name: "github", Path: old})
	if err != nil {
		t.Fatal(err)
	}
	if !s.FromHelp || len(s.Fields) != 2 {
		t.Fatalf("schema = %+v", s)
	}
	tok, _ := s.Field("token")
	if !tok.Required || !tok.Secret || tok.Hint == "" {
		t.Errorf("token = %+v (want required, secret, and a catalog hint)", tok)
	}
	if s.HelpURL == "" {
		t.Error("no docs URL from the catalog")
	}
	if !slices.Equal(s.Flags, []string{"file", "token", "orgs"}) {
		t.Errorf("flags = %v", s.Flags)
	}

	broken := filepath.Join(dir, "baton-broken")
	writeExec(t, broken, "#!/bin/sh\necho 'panic: boom' >&2\nexit 3\n")
	_, err = Schema(context.Background(), Found{Name: "broken", Path: broken})
	var exit *exec.ExitError
	if err == nil || !errors.As(err, &exit) || !strings.Contains(err.Error(), "panic: boom") {
		t.Errorf("err = %v", err)
	}
}

// TestSchemaCache runs a connector stand-in that counts its `config` and
// --help runs: a second read comes from the cache, flags included, and
// replacing or rewriting the binary, or a damaged entry, makes it run
// again. Failures are not kept.
func TestSchemaCache(t *testing.T) {
	dir := t.TempDir()
	runs := filepath.Join(dir, "runs")
	sample, err := os.ReadFile(filepath.Join("..", "schema", "testdata", "baton-okta.config.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "okta.json"), sample, 0o644)
	connector := filepath.Join(dir, "baton-okta")
	script := func(extra string) string {
		return "#!/bin/sh\necho \"$1\" >>'" + runs + "'\n" + extra +
			"if [ \"$1\" = --help ]; then echo '      --sync-resource-types strings   The resource type IDs to sync'; exit 0; fi\n" +
			"cat '" + filepath.Join(dir, "okta.json") + "'\n"
	}
	writeExec(t, connector, script(""))
	cache := filepath.Join(dir, "cache")
	env := Env{CacheDir: func() (string, error) { return cache, nil }}
	found := Found{Name: "okta", Path: connector}
	count := func() int {
		data, _ := os.ReadFile(runs)
		if n := strings.Count(string(data), "--help\n"); n != strings.Count(string(data), "config\n") {
			t.Errorf("--help ran %d times, config %d", n, strings.Count(string(data), "config\n"))
		}
		return strings.Count(string(data), "config\n")
	}
	read := func(want int) {
		t.Helper()
		s, err := env.Schema(context.Background(), found)
		if err != nil {
			t.Fatal(err)
		}
		if f, ok := s.Field("api-token"); !ok || !f.Secret || f.Hint == "" {
			t.Errorf("api-token = %+v (want secret, with the catalog's hint)", f)
		}
		if !slices.Equal(s.Flags, []string{"sync-resource-types"}) {
			t.Errorf("flags = %v", s.Flags)
		}
		if got := count(); got != want {
			t.Errorf("config ran %d times, want %d", got, want)
		}
	}

	read(1)
	read(1) // from the cache
	entries, _ := filepath.Glob(filepath.Join(cache, "schema", "*.json"))
	if len(entries) != 1 {
		t.Fatalf("cache entries: %v", entries)
	}
	if st, _ := os.Stat(entries[0]); st.Mode().Perm() != 0o600 {
		t.Errorf("cache entry mode %o", st.Mode().Perm())
	}
	if st, _ := os.Stat(filepath.Dir(entries[0])); st.Mode().Perm() != 0o700 {
		t.Errorf("cache dir mode %o", st.Mode().Perm())
	}

	// Replaced by an upgrade: a new inode.
	tmp := connector + ".new"
	writeExec(t, tmp, script("# v2\n"))
	if err := os.Rename(tmp, connector); err != nil {
		t.Fatal(err)
	}
	read(2)
	read(2)

	// Rewritten in place: same inode, new size and times.
	if err := os.WriteFile(connector, []byte(script("# v3, longer\n")), 0o755); err != nil {
		t.Fatal(err)
	}
	read(3)

	// Rewritten in place with the same size, its modification time put
	// back: only the change time tells.
	st, err := os.Stat(connector)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(connector, []byte(script("# v4, longer\n")), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chtimes(connector, st.ModTime(), st.ModTime()); err != nil {
		t.Fatal(err)
	}
	read(4)

	// A damaged entry is read again from the connector.
	entries, _ = filepath.Glob(filepath.Join(cache, "schema", "*.json"))
	for _, e := range entries {
		os.WriteFile(e, []byte("{not json"), 0o600)
	}
	read(5)
	read(5)

	// A failing connector is not cached.
	broken := filepath.Join(dir, "baton-broken")
	writeExec(t, broken, "#!/bin/sh\necho \"$1\" >>'"+runs+"'\necho 'panic: boom' >&2\nexit 3\n")
	for i := 0; i < 2; i++ {
		if _, err := env.Schema(context.Background(), Found{Name: "broken", Path: broken}); err == nil {
			t.Fatal("a failing connector gave a schema")
		}
	}
	if got := count(); got != 7 {
		t.Errorf("runs after two failures: %d, want 7", got)
	}
}
