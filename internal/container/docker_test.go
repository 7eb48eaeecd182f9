package container_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/container"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// These tests run the real baton-setup binary against testenv.FakeDocker,
// a stand-in for the docker CLI (this machine has no container engine)
// that records each argv and env file and runs the demo connector as the
// image would, apart from the CLI.

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

// vars is what the stand-ins need in an environment built from scratch.
func (f *fake) vars() []string {
	return append(f.Env(), "TABLE="+filepath.Join(f.home, "table"))
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

func TestTestCommand(t *testing.T) {
	uidgid := fmt.Sprintf("%d:%d", os.Getuid(), os.Getgid())
	t.Run("present image", func(t *testing.T) {
		f := newFake(t, "baton-demo:test", "")
		env := append(f.env, "BATON_API_KEY="+canary)
		r := run(t, env, bin, "test", "--connector", "demo", "--set", "tenant=acme", "--set", "user-count=25",
			"--docker-image", "baton-demo:test", "--json")
		if r.code != 0 {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if sum := summaryOf(t, r.stdout); sum.Count("user") != 25 || sum.Grants == 0 {
			t.Errorf("summary: %+v", sum)
		}
		argv := f.Argv(t)
		noSecret(t, "docker's argv", argv)
		noSecret(t, "the output", r.stdout+r.stderr)
		checkEnvFiles(t, f, 1)
		if own, _ := os.ReadFile(filepath.Join(f.Rec, "own-env")); len(own) != 0 {
			t.Errorf("docker's own environment has %s", own)
		}
		runLine := ""
		for _, l := range strings.Split(argv, "\n") {
			if strings.HasPrefix(l, "run ") {
				runLine = l
			}
		}
		envFile := f.EnvFiles(t)[0].Path
		work := filepath.Dir(filepath.Dir(envFile))
		want := regexp.MustCompile("^run --rm --name baton-setup-[0-9a-f]{16} --user " + uidgid + " --env-file " + regexp.QuoteMeta(envFile) +
			" -v " + regexp.QuoteMeta(filepath.Join(work, "out")) + ":/out baton-demo:test --file /out/sync.c1z --log-format json$")
		if !want.MatchString(runLine) {
			t.Errorf("docker run argv:\n%s\nwant:\n%s", runLine, want)
		}
		if strings.Contains(argv, "rm --force") {
			t.Errorf("a finished run removed its container:\n%s", argv)
		}
		if strings.Contains(argv, "pull") {
			t.Errorf("a present image was pulled:\n%s", argv)
		}
		if _, err := os.Stat(work); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the run's directory %s is left behind", work)
		}
	})

	t.Run("pulled image, quick", func(t *testing.T) {
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
	})

	t.Run("rejected credentials", func(t *testing.T) {
		f := newFake(t, "baton-demo:test", "")
		r := run(t, append(f.env, "BATON_API_KEY=invalid"), bin, "test", "--connector", "demo", "--set", "tenant=acme", "--docker-image", "baton-demo:test")
		if r.code != 1 || !strings.Contains(r.stderr, "cause: ") {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})
}

// TestPreflightFailures checks that docker problems stop test and generate
// before any connector runs, with the cause and the fix.
func TestPreflightFailures(t *testing.T) {
	tests := []struct {
		name   string
		image  string
		engine string
		want   []string
	}{
		{"engine down", "baton-demo:test", "down", []string{"docker: the engine is not running (Cannot connect to the Docker daemon", "fix: start it"}},
		{"image cannot be pulled", "nosuch/baton-x:1", "up", []string{"docker: the image does not exist or needs a login (Error response from daemon: pull access denied for nosuch/baton-x", "fix: check the image name nosuch/baton-x:1, or docker login"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFake(t, "baton-demo:test", "")
			env := append(f.env, "BATON_API_KEY="+canary, "FAKE_DOCKER_ENGINE="+tt.engine)
			for _, args := range [][]string{
				{"test", "--connector", "demo", "--set", "tenant=acme", "--docker-image", tt.image},
				{"generate", "--connector", "demo", "--set", "tenant=acme", "--docker-image", tt.image, "--dest", "local", "--out", filepath.Join(f.home, "p")},
			} {
				r := run(t, env, bin, args...)
				if r.code != 1 {
					t.Errorf("%s: exit %d, want 1\n%s", args[0], r.code, r.stderr)
				}
				for _, w := range tt.want {
					if !strings.Contains(r.stderr, w) {
						t.Errorf("%s: stderr lacks %q:\n%s", args[0], w, r.stderr)
					}
				}
			}
			if argv := f.Argv(t); strings.Contains(argv, "run ") {
				t.Errorf("docker ran a container after a failed preflight:\n%s", argv)
			}
			if _, err := os.Stat(filepath.Join(f.home, "p")); !errors.Is(err, os.ErrNotExist) {
				t.Error("generate wrote files after a failed preflight")
			}
		})
	}

	t.Run("multi-line value", func(t *testing.T) {
		f := newFake(t, "baton-demo:test", "")
		keyFile := filepath.Join(f.home, "key")
		os.WriteFile(keyFile, []byte("line one\nline two\n"), 0o600)
		base := []string{"--connector", "demo", "--set", "tenant=acme", "--secret-file", "api-key=" + keyFile, "--docker-image", "baton-demo:test"}
		for _, args := range [][]string{
			append([]string{"test"}, base...),
			append(append([]string{"generate"}, base...), "--dest", "local", "--out", filepath.Join(f.home, "p")),
		} {
			r := run(t, f.env, bin, args...)
			if r.code != 2 || !strings.Contains(r.stderr, "the value of BATON_API_KEY has a line break, which docker's --env-file cannot hold") || strings.Contains(r.stderr, "line two") {
				t.Errorf("%s: exit %d\n%s", args[0], r.code, r.stderr)
			}
		}
		if strings.Contains(f.Argv(t), "run ") {
			t.Error("docker ran a container")
		}
	})
}

func TestSchemaFromImage(t *testing.T) {
	f := newFake(t, "baton-demo:test", "")
	for _, kv := range f.vars() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("BATON_TENANT", "must-not-reach-the-container")
	docker := f.Path
	s, err := container.SchemaFromImage(context.Background(), docker, "baton-demo:test")
	if err != nil {
		t.Fatal(err)
	}
	key, ok := s.Field("api-key")
	if _, hasTenant := s.Field("tenant"); !ok || !hasTenant || !key.Secret || !key.Required {
		t.Errorf("schema fields: %+v", s.Fields)
	}
	if argv := f.Argv(t); !regexp.MustCompile(`^run --rm --name baton-setup-[0-9a-f]{16} --network none baton-demo:test config\n$`).MatchString(argv) {
		t.Errorf("docker argv: %q", argv)
	}
	if _, err := container.SchemaFromImage(context.Background(), docker, "nosuch:1"); !errors.Is(err, container.ErrImageAccess) {
		t.Errorf("missing image: %v", err)
	}
}

// TestSyncScript runs a generated docker-mode sync.sh the way cron does:
// docker gets an env file written at run time, the sync file comes back
// through /out, and the upload reaches the bucket.
func TestSyncScript(t *testing.T) {
	s3 := testenv.NewS3(t, "docker-bucket")
	f := newFake(t, "baton-demo:test", "")
	dir := filepath.Join(f.home, "profile")
	env := append(append(f.env, "BATON_API_KEY="+canary), s3.AWSEnv(t, f.home)...)
	r := run(t, env, bin, "generate", "--connector", "demo", "--set", "tenant=acme", "--set", "user-count=30",
		"--docker-image", "baton-demo:test", "--dest", "s3://docker-bucket/baton/demo/sync.c1z", "--endpoint", s3.URL,
		"--region", "us-east-1", "--schedule", "hourly:7", "--out", dir)
	if r.code != 0 {
		t.Fatalf("generate: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	noSecret(t, "generate's output", r.stdout+r.stderr)
	script, _ := os.ReadFile(filepath.Join(dir, "sync.sh"))
	noSecret(t, "sync.sh", string(script))
	if !strings.Contains(string(script), "CONNECTOR="+f.Path+"\n") {
		t.Fatalf("sync.sh does not call docker by its absolute path:\n%s", script)
	}
	if !strings.Contains(f.Argv(t), "version --format") {
		t.Errorf("generate ran no preflight:\n%s", f.Argv(t))
	}

	cronEnv := append([]string{"PATH=/usr/bin:/bin", "HOME=" + f.home}, f.vars()...)
	cronEnv = append(cronEnv, s3.AWSEnv(t, f.home)...)
	r = run(t, cronEnv, "/bin/sh", filepath.Join(dir, "sync.sh"))
	if r.code != 0 {
		log, _ := os.ReadFile(filepath.Join(dir, "work", "connector.log"))
		t.Fatalf("sync.sh: exit %d\n%s%s\nconnector.log:\n%s", r.code, r.stdout, r.stderr, log)
	}
	if !strings.Contains(r.stdout, "uploaded to s3://docker-bucket/baton/demo/sync.c1z") {
		t.Errorf("output:\n%s", r.stdout)
	}
	noSecret(t, "sync.sh's output", r.stdout+r.stderr)
	argv := f.Argv(t)
	noSecret(t, "docker's argv", argv)
	work := filepath.Join(dir, "work")
	if !strings.Contains(argv, " --env-file "+work+"/tmp.") || !strings.Contains(argv, "/connector.env -v "+work+":/out baton-demo:test --file /out/next.c1z --log-format json\n") {
		t.Errorf("docker argv:\n%s", argv)
	}
	checkEnvFiles(t, f, 1)
	if left, _ := filepath.Glob(filepath.Join(work, "tmp.*")); len(left) != 0 {
		t.Errorf("temporary directories left: %v", left)
	}
	obj := s3.Get(t, "docker-bucket", "baton/demo/sync.c1z")
	if obj == nil {
		t.Fatal("no object uploaded")
	}
	got := filepath.Join(t.TempDir(), "got.c1z")
	os.WriteFile(got, obj, 0o600)
	if sum, err := c1z.Summarize(context.Background(), got, t.TempDir()); err != nil || sum.Count("user") != 30 {
		t.Errorf("uploaded sync: %+v, %v", sum, err)
	}

	t.Run("multi-line value in secrets.env", func(t *testing.T) {
		// Edited by hand: the shell loads it, docker's env-file cannot.
		secrets := filepath.Join(dir, "secrets.env")
		os.WriteFile(secrets, []byte("BATON_API_KEY='line one\nline two'\n"), 0o600)
		before, _ := os.ReadFile(filepath.Join(dir, "sync.c1z"))
		r := run(t, cronEnv, "/bin/sh", filepath.Join(dir, "sync.sh"))
		if r.code == 0 || !strings.Contains(r.stdout, "sync failed: the value of BATON_API_KEY has a line break, which docker's --env-file cannot hold") || strings.Contains(r.stdout, "line two") {
			t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if after, _ := os.ReadFile(filepath.Join(dir, "sync.c1z")); !bytes.Equal(before, after) {
			t.Error("the last good sync file changed")
		}
		if left, _ := filepath.Glob(filepath.Join(work, "tmp.*")); len(left) != 0 {
			t.Errorf("temporary directories left: %v", left)
		}
	})

	t.Run("doctor", func(t *testing.T) {
		// doctor reads the profile from the config dir; point it at this one.
		prof := filepath.Join(f.home, ".config", "baton-setup", "dock")
		r := run(t, env, bin, "generate", "--connector", "demo", "--set", "tenant=acme",
			"--docker-image", "baton-demo:test", "--dest", "local", "--profile", "dock")
		if r.code != 0 {
			t.Fatalf("generate: %s", r.stderr)
		}
		r = run(t, env, bin, "doctor", "--profile", "dock")
		if !strings.Contains(r.stdout, "✓ docker image baton-demo:test\n") {
			t.Errorf("doctor, engine up: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = run(t, append(env, "FAKE_DOCKER_ENGINE=down"), bin, "doctor", "--profile", "dock")
		if r.code != 1 || !strings.Contains(r.stdout, "✗ docker image baton-demo:test\n    docker: the engine is not running") || !strings.Contains(r.stdout, "    fix: start it") {
			t.Errorf("doctor, engine down: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if _, err := os.Stat(prof); err != nil {
			t.Error(err)
		}
	})
}
