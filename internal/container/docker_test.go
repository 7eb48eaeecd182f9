package container_test

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// The tests in this file and image_test.go run the real baton-setup
// binary against testenv.FakeDocker, a stand-in for the docker CLI that
// records each argv and env file and runs the demo connector as the image
// would. They cover only what the real engine of engine_test.go cannot
// give here: a registry to pull from (none is reachable) and an image
// older than the `config` command.

var bin string

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &bin)) }

// canary is the secret; its quotes, $ and spaces must reach the connector
// literally.
const canary = `canary-Docker 'q' "$HOME" x=1`

type fake struct {
	*testenv.Docker
	home, binDir string
	env          []string
}

// newFake puts docker and crontab stand-ins first on PATH. Images in local
// are present, images in remote can be pulled.
func newFake(t *testing.T, local, remote string) *fake {
	t.Helper()
	home := t.TempDir()
	f := &fake{home: home, binDir: filepath.Join(home, "bin")}
	f.Docker = testenv.FakeDocker(t, f.binDir, bin, local, remote)
	f.env = append(testenv.FakeCrontab(t, f.binDir, filepath.Join(home, "table")).Env(testenv.CleanEnv(home)), f.Env()...)
	return f
}

type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, env []string, name string, args ...string) result {
	t.Helper()
	r := testenv.Run(t, env, "/", nil, name, args...)
	return result{r.Stdout, r.Stderr, r.Code}
}

// checkEnvFiles checks each env file docker got: private, holding the
// secret literally, and gone after the run.
func checkEnvFiles(t *testing.T, f *fake, want int) {
	t.Helper()
	files := f.EnvFiles(t)
	if len(files) != want {
		t.Fatalf("docker got %d env files, want %d", len(files), want)
	}
	for _, e := range files {
		if e.Mode != "600" || e.DirMode != "700" {
			t.Errorf("env file %s: mode %s in a directory of mode %s, want 600 in 700", e.Path, e.Mode, e.DirMode)
		}
		if !strings.Contains(e.Content, "BATON_API_KEY="+canary+"\n") || !strings.Contains(e.Content, "BATON_TENANT=acme\n") {
			t.Errorf("env file content:\n%s", e.Content)
		}
		if _, err := os.Stat(e.Path); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("env file %s still exists after the run (%v)", e.Path, err)
		}
		if _, err := os.Stat(filepath.Dir(e.Path)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("env file directory %s still exists after the run", filepath.Dir(e.Path))
		}
	}
}

func noSecret(t *testing.T, where, text string) {
	t.Helper()
	if strings.Contains(text, "canary-Docker") {
		t.Errorf("%s holds the secret:\n%s", where, text)
	}
}

// summaryOf returns the summary event of `test --json` output.
func summaryOf(t *testing.T, stdout string) *c1z.Summary {
	t.Helper()
	sc := bufio.NewScanner(strings.NewReader(stdout))
	for sc.Scan() {
		var ev struct {
			Type    string       `json:"type"`
			Summary *c1z.Summary `json:"summary"`
		}
		if err := json.Unmarshal(sc.Bytes(), &ev); err != nil {
			t.Fatalf("not JSON: %s", sc.Text())
		}
		if ev.Type == "summary" {
			return ev.Summary
		}
	}
	t.Fatalf("no summary event:\n%s", stdout)
	return nil
}

// TestPulledImage is a test sync whose image is pulled first.
func TestPulledImage(t *testing.T) {
	f := newFake(t, "", "baton-demo:remote")
	env := append(f.env, "BATON_API_KEY="+canary)
	r := run(t, env, bin, "test", "--connector", "demo", "--set", "tenant=acme", "--docker-image", "baton-demo:remote", "--quick")
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	argv := f.Argv(t)
	for _, want := range []string{"pull --quiet baton-demo:remote\n", " baton-demo:remote capabilities\n",
		"--log-format json --sync-resource-types user --skip-entitlements-and-grants\n"} {
		if !strings.Contains(argv, want) {
			t.Errorf("docker argv lacks %q:\n%s", want, argv)
		}
	}
	noSecret(t, "docker's argv", argv)
	noSecret(t, "the output", r.stdout+r.stderr)
	checkEnvFiles(t, f, 2) // capabilities, then the sync
	if !strings.Contains(r.stdout, "sync finished") || !strings.Contains(r.stderr, "testing demo connector (image baton-demo:remote)") {
		t.Errorf("output:\n%s\n%s", r.stdout, r.stderr)
	}
}
