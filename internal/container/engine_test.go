package container_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/container"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// These tests run docker mode on a real engine: podman with runc, serving
// the Docker API that the real docker CLI talks to (testenv.NewEngine),
// and a connector image built here from the test binary (no registry is
// reachable). baton-setup runs as nobody, whose group may use the engine's
// socket as the docker group may use docker's, so that the container's
// --user and the owner of the sync file are not root's.

// nobody is the user the binary runs as.
const nobody = 65534

// tenant is a plain value that docker's env file must carry literally.
const tenant = `acme "T" $HOME 'q' # x`

type onEngine struct {
	e       *testenv.Engine
	image   string
	bin     string // a copy nobody may run
	home    string // nobody's
	root    string // 0755, so that nobody reaches home and bin
	setpriv string
}

func newOnEngine(t *testing.T) *onEngine {
	t.Helper()
	o := &onEngine{e: testenv.NewEngine(t), setpriv: testenv.RequireTool(t, "setpriv")}
	o.image = o.e.DemoImage(t, bin)
	root, err := os.MkdirTemp("", "baton-engine-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	o.root, o.home, o.bin = root, filepath.Join(root, "home"), filepath.Join(root, "baton-setup")
	if err := os.Link(bin, o.bin); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(o.home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(o.home, nobody, nobody); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { o.e.NoContainers(t) })
	return o
}

// env is a clean environment in nobody's home that reaches the engine.
func (o *onEngine) env(extra ...string) []string {
	return append(append(testenv.CleanEnv(o.home), o.e.Env()...), extra...)
}

// cmd runs name as nobody.
func (o *onEngine) cmd(ctx context.Context, env []string, name string, args ...string) *exec.Cmd {
	cmd := exec.CommandContext(ctx, o.setpriv, append([]string{fmt.Sprintf("--reuid=%d", nobody), fmt.Sprintf("--regid=%d", nobody), "--clear-groups", "--", name}, args...)...)
	cmd.Env, cmd.Dir = env, o.home
	return cmd
}

func (o *onEngine) run(t *testing.T, env []string, name string, args ...string) result {
	t.Helper()
	r := testenv.Run(t, env, o.home, nil, o.setpriv, append([]string{fmt.Sprintf("--reuid=%d", nobody), fmt.Sprintf("--regid=%d", nobody), "--clear-groups", "--", name}, args...)...)
	return result{r.Stdout, r.Stderr, r.Code}
}

// checkWatch fails on a secret on any command line, on a private env file
// that docker got without the values as they were given, and with
// cleanEnv on BATON_* variables in docker's own environment; want is the
// number of docker runs with an env file.
func checkWatch(t *testing.T, w *testenv.ProcWatch, want int, cleanEnv bool) []testenv.DockerCall {
	t.Helper()
	polls, leaks := w.Stop()
	if polls < 10 {
		t.Errorf("the process watch polled only %d times", polls)
	}
	for _, l := range leaks {
		t.Errorf("secret on a command line: %s", l)
	}
	var withEnv []testenv.DockerCall
	for _, c := range w.DockerCalls() {
		if cleanEnv && len(c.BatonEnv) > 0 {
			t.Errorf("docker %v ran with %v in its own environment", c.Argv[1:], c.BatonEnv)
		}
		if c.EnvFile != nil {
			withEnv = append(withEnv, c)
		}
	}
	if len(withEnv) != want {
		t.Fatalf("saw %d docker runs with their env file, want %d:\n%v", len(withEnv), want, w.DockerCalls())
	}
	for _, c := range withEnv {
		e := c.EnvFile
		if e.Mode != 0o600 || e.DirMode != 0o700 {
			t.Errorf("env file %s: mode %04o in a directory of mode %04o, want 0600 in 0700", e.Path, e.Mode, e.DirMode)
		}
		if !strings.Contains(e.Content, "BATON_API_KEY="+canary+"\n") || !strings.Contains(e.Content, "BATON_TENANT="+tenant+"\n") {
			t.Errorf("env file content:\n%s", e.Content)
		}
		if _, err := os.Stat(filepath.Dir(e.Path)); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("env file directory %s still exists after the run (%v)", filepath.Dir(e.Path), err)
		}
	}
	return withEnv
}

func TestEngineTestCommand(t *testing.T) {
	o := newOnEngine(t)
	runArgv := func(workOut string) *regexp.Regexp {
		return regexp.MustCompile(fmt.Sprintf(`^run --rm --name baton-setup-[0-9a-f]{16} --user %d:%d --env-file \S+/docker-env-\d+/connector.env -v %s:/out %s --file /out/sync.c1z --log-format json$`,
			nobody, nobody, regexp.QuoteMeta(workOut), regexp.QuoteMeta(o.image)))
	}

	t.Run("sync", func(t *testing.T) {
		w := testenv.WatchProcesses(canary)
		r := o.run(t, o.env("BATON_API_KEY="+canary), o.bin, "test", "--connector", "demo", "--set", "tenant="+tenant,
			"--set", "user-count=25", "--docker-image", o.image, "--json")
		calls := checkWatch(t, w, 1, true)
		if r.code != 0 {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if sum := summaryOf(t, r.stdout); sum.Count("user") != 25 || sum.Grants == 0 {
			t.Errorf("summary: %+v", sum)
		}
		noSecret(t, "the output", r.stdout+r.stderr)
		work := filepath.Dir(filepath.Dir(calls[0].EnvFile.Path))
		if argv, want := strings.Join(calls[0].Argv[1:], " "), runArgv(filepath.Join(work, "out")); !want.MatchString(argv) {
			t.Errorf("docker run argv:\n%s\nwant:\n%s", argv, want)
		}
		for _, c := range w.DockerCalls() {
			if c.Argv[1] == "pull" || c.Argv[1] == "rm" {
				t.Errorf("docker %v for a present image and a finished run", c.Argv[1:])
			}
		}
		if _, err := os.Stat(work); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the run's directory %s is left behind", work)
		}
	})

	t.Run("quick", func(t *testing.T) {
		w := testenv.WatchProcesses(canary)
		r := o.run(t, o.env("BATON_API_KEY="+canary), o.bin, "test", "--connector", "demo", "--set", "tenant="+tenant,
			"--set", "user-count=12", "--docker-image", o.image, "--quick", "--json")
		calls := checkWatch(t, w, 2, true) // capabilities, then the sync
		if r.code != 0 {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if sum := summaryOf(t, r.stdout); sum.Count("user") != 12 || sum.Grants != 0 || sum.Entitlements != 0 {
			t.Errorf("summary of a quick sync: %+v", sum)
		}
		if got := calls[0].Argv[len(calls[0].Argv)-1]; got != "capabilities" {
			t.Errorf("first run %v, want the image's capabilities", calls[0].Argv[1:])
		}
		if argv := strings.Join(calls[1].Argv, " "); !strings.HasSuffix(argv, " --sync-resource-types user --skip-entitlements-and-grants") {
			t.Errorf("quick sync argv: %s", argv)
		}
	})

	t.Run("schema from the image", func(t *testing.T) {
		// No --connector: the image's `config` gives the fields, user-count
		// among them (no catalog entry has it).
		w := testenv.WatchProcesses(canary)
		r := o.run(t, o.env("BATON_API_KEY="+canary), o.bin, "test", "--docker-image", o.image,
			"--set", "tenant="+tenant, "--set", "user-count=7", "--json")
		checkWatch(t, w, 1, true)
		if r.code != 0 {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		if sum := summaryOf(t, r.stdout); sum.Count("user") != 7 {
			t.Errorf("summary: %+v", sum)
		}
		config := false
		for _, c := range w.Runs() {
			config = config || strings.HasSuffix(strings.Join(c.Argv, " "), " --network none "+o.image+" config")
		}
		if !config {
			t.Errorf("the schema was not read from the image: %v", w.Runs())
		}
	})

	t.Run("connector not installed", func(t *testing.T) {
		// A name that is no binary here: the schema comes from the image.
		w := testenv.WatchProcesses(canary)
		r := o.run(t, o.env("BATON_API_KEY="+canary), o.bin, "test", "--connector", "acme-demo", "--docker-image", o.image,
			"--set", "tenant="+tenant, "--quick")
		checkWatch(t, w, 2, true)
		if r.code != 0 || !strings.Contains(r.stderr, "testing acme-demo connector (image "+o.image+")") {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
	})

	t.Run("missing value named", func(t *testing.T) {
		r := o.run(t, o.env(), o.bin, "test", "--docker-image", o.image, "--set", "tenant=acme")
		if r.code != 2 || !strings.Contains(r.stderr, "api-key (secret: set BATON_API_KEY in the environment") || strings.Contains(r.stderr, "--connector") {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})

	t.Run("rejected credentials", func(t *testing.T) {
		r := o.run(t, o.env("BATON_API_KEY=invalid"), o.bin, "test", "--connector", "demo", "--set", "tenant=acme", "--docker-image", o.image)
		if r.code != 1 || !strings.Contains(r.stderr, "cause: The service rejected the credentials.") {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
	})

	t.Run("multi-line value", func(t *testing.T) {
		keyFile := filepath.Join(o.home, "key")
		if err := os.WriteFile(keyFile, []byte("line one\nline two\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(keyFile, nobody, nobody); err != nil {
			t.Fatal(err)
		}
		w := testenv.WatchProcesses()
		base := []string{"--connector", "demo", "--set", "tenant=acme", "--secret-file", "api-key=" + keyFile, "--docker-image", o.image}
		for _, args := range [][]string{
			append([]string{"test"}, base...),
			append(append([]string{"generate"}, base...), "--dest", "local", "--out", filepath.Join(o.home, "p")),
		} {
			r := o.run(t, o.env(), o.bin, args...)
			if r.code != 2 || !strings.Contains(r.stderr, "the value of BATON_API_KEY has a line break, which docker's --env-file cannot hold") || strings.Contains(r.stderr, "line two") {
				t.Errorf("%s: exit %d\n%s", args[0], r.code, r.stderr)
			}
		}
		w.Stop()
		if runs := w.Runs(); len(runs) != 0 {
			t.Errorf("docker ran a container: %v", runs)
		}
	})
}

// inspected is what a test reads of a running container.
type inspected struct {
	Config struct {
		User string
		Env  []string
		Cmd  []string
	}
	Mounts []struct {
		Source, Destination string
	}
}

// lockedBuffer is a bytes.Buffer that a command writes while a test reads.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// waitContainer waits until the connector in the engine's one container
// syncs resources (its signal handling is set up by then), as `test`
// reports on stderr, and returns the container's name and what podman
// says of it.
func (o *onEngine) waitContainer(t *testing.T, exited <-chan error, stderr *lockedBuffer) (string, inspected) {
	t.Helper()
	deadline := time.Now().Add(time.Minute)
	for {
		select {
		case err := <-exited:
			t.Fatalf("exited before its container started: %v\n%s", err, stderr)
		default:
		}
		if names := o.e.Containers(t); len(names) == 1 && strings.Contains(stderr.String(), "phase: resources\n") {
			out, err := o.e.Run(context.Background(), t.TempDir(), "container", "inspect", names[0])
			var got []inspected
			if err == nil && json.Unmarshal([]byte(out), &got) == nil && len(got) == 1 {
				return names[0], got[0]
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no container started\n%s", stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// checkContainer checks that the values reached the container literally
// and only through its environment, as the caller, with /out mounted.
func checkContainer(t *testing.T, c inspected, out string) {
	t.Helper()
	env := "\n" + strings.Join(c.Config.Env, "\n") + "\n"
	if !strings.Contains(env, "\nBATON_API_KEY="+canary+"\n") || !strings.Contains(env, "\nBATON_TENANT="+tenant+"\n") {
		t.Errorf("the container's environment lacks the values as given:\n%s", env)
	}
	noSecret(t, "the container's command", strings.Join(c.Config.Cmd, " "))
	if want := fmt.Sprintf("%d:%d", nobody, nobody); c.Config.User != want {
		t.Errorf("container user %q, want %q", c.Config.User, want)
	}
	if len(c.Mounts) != 1 || c.Mounts[0].Source != out || c.Mounts[0].Destination != "/out" {
		t.Errorf("mounts %+v, want %s at /out", c.Mounts, out)
	}
}

// TestEngineStop stops hung docker-mode test syncs through the real
// runner: SIGINT reaches the container through the docker CLI, and the
// container is gone afterwards however the run ended.
func TestEngineStop(t *testing.T) {
	o := newOnEngine(t)
	hang := o.e.DemoFailureImage(t, bin, "hang")
	args := []string{"test", "--connector", "demo", "--set", "tenant=" + tenant, "--docker-image", hang}

	start := func(t *testing.T, extra ...string) (*exec.Cmd, <-chan error, *lockedBuffer) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		t.Cleanup(cancel)
		cmd := o.cmd(ctx, o.env("BATON_API_KEY="+canary), o.bin, append(args, extra...)...)
		// A test that gives up still lets the run clean up after itself.
		cmd.Cancel = func() error { return cmd.Process.Signal(os.Interrupt) }
		cmd.WaitDelay = 30 * time.Second
		stderr := &lockedBuffer{}
		cmd.Stderr = stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		return cmd, exited, stderr
	}
	exitCode := func(err error) int {
		var exit *exec.ExitError
		if errors.As(err, &exit) {
			return exit.ExitCode()
		}
		return -1
	}

	t.Run("cancel", func(t *testing.T) {
		w := testenv.WatchProcesses(canary)
		cmd, exited, stderr := start(t, "--timeout", "5m")
		name, c := o.waitContainer(t, exited, stderr)
		if !strings.HasPrefix(name, container.NamePrefix) {
			t.Errorf("container name %q", name)
		}
		calls := w.Runs()
		if len(calls) != 1 || calls[0].EnvFile == nil {
			t.Fatalf("docker runs seen: %v", calls)
		}
		checkContainer(t, c, filepath.Join(filepath.Dir(filepath.Dir(calls[0].EnvFile.Path)), "out"))
		_ = cmd.Process.Signal(os.Interrupt)
		if code := exitCode(<-exited); code != 130 {
			t.Errorf("exit %d, want 130\n%s", code, stderr)
		}
		checkWatch(t, w, 1, true)
		if left := o.e.Containers(t); len(left) != 0 {
			t.Errorf("containers left: %v", left)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		_, exited, stderr := start(t, "--timeout", "3s")
		if code := exitCode(<-exited); code != 1 || !strings.Contains(stderr.String(), "test sync failed") {
			t.Errorf("exit %d\n%s", code, stderr)
		}
		if left := o.e.Containers(t); len(left) != 0 {
			t.Errorf("containers left: %v", left)
		}
	})

	t.Run("connector ignores the stop", func(t *testing.T) {
		// A frozen container cannot act on the SIGINT the CLI passes on:
		// after the grace period the runner kills the CLI, and only
		// removing the container by name stops it.
		cmd, exited, stderr := start(t, "--timeout", "5m")
		name, _ := o.waitContainer(t, exited, stderr)
		o.e.Podman(t, "pause", name)
		began := time.Now()
		_ = cmd.Process.Signal(os.Interrupt)
		if code := exitCode(<-exited); code != 130 {
			t.Errorf("exit %d, want 130\n%s", code, stderr)
		}
		if d := time.Since(began); d < 5*time.Second {
			t.Errorf("stopped after %s: the container was not frozen", d)
		}
		// podman 4.3 answers `rm --force` of a paused container with
		// "container state improper" once it has stopped it; --rm then
		// removes it a moment later.
		deadline := time.Now().Add(5 * time.Second)
		for len(o.e.Containers(t)) > 0 && time.Now().Before(deadline) {
			time.Sleep(100 * time.Millisecond)
		}
		if left := o.e.Containers(t); len(left) != 0 {
			t.Errorf("containers left: %v", left)
		}
	})
}

// TestEngineSyncScript runs a generated docker-mode sync.sh the way cron
// does, as nobody: docker gets an env file written at run time, the
// container writes the sync file through the volume as nobody, and the
// upload, which runs on the host, reaches the bucket.
func TestEngineSyncScript(t *testing.T) {
	o := newOnEngine(t)
	s3 := testenv.NewS3(t, "docker-bucket")
	dir := filepath.Join(o.home, "profile")
	env := append(o.env("BATON_API_KEY="+canary), s3.AWSEnv(t, o.home)...)
	testenv.ChownAWSFiles(t, o.home, nobody)
	r := o.run(t, env, o.bin, "generate", "--connector", "demo", "--set", "tenant="+tenant, "--set", "user-count=30",
		"--docker-image", o.image, "--dest", "s3://docker-bucket/baton/demo/sync.c1z", "--endpoint", s3.URL,
		"--region", "us-east-1", "--schedule", "hourly:7", "--out", dir)
	if r.code != 0 {
		t.Fatalf("generate: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
	}
	noSecret(t, "generate's output", r.stdout+r.stderr)
	script, _ := os.ReadFile(filepath.Join(dir, "sync.sh"))
	noSecret(t, "sync.sh", string(script))
	if !strings.Contains(string(script), "CONNECTOR="+o.e.Docker+"\n") {
		t.Fatalf("sync.sh does not call docker by its absolute path:\n%s", script)
	}

	// Cron's environment, plus where the engine is (cron would find
	// /var/run/docker.sock).
	cronEnv := append(append([]string{"PATH=/usr/bin:/bin", "HOME=" + o.home}, o.e.Env()...), s3.AWSEnv(t, o.home)...)
	w := testenv.WatchProcesses(canary)
	r = o.run(t, cronEnv, "/bin/sh", filepath.Join(dir, "sync.sh"))
	// sync.sh exports what it loads from secrets.env, so docker's own
	// environment has it; the env file has every value, so docker takes
	// none from there.
	calls := checkWatch(t, w, 1, false)
	if r.code != 0 {
		log, _ := os.ReadFile(filepath.Join(dir, "work", "connector.log"))
		t.Fatalf("sync.sh: exit %d\n%s%s\nconnector.log:\n%s", r.code, r.stdout, r.stderr, log)
	}
	if !strings.Contains(r.stdout, "uploaded to s3://docker-bucket/baton/demo/sync.c1z") {
		t.Errorf("output:\n%s", r.stdout)
	}
	noSecret(t, "sync.sh's output", r.stdout+r.stderr)
	work := filepath.Join(dir, "work")
	want := regexp.MustCompile(fmt.Sprintf(`^run --rm --name baton-setup-[a-z0-9_-]+ --user %d:%d --env-file %s/tmp\.\w+/connector\.env -v %s:/out %s --file /out/next\.c1z --log-format json$`,
		nobody, nobody, regexp.QuoteMeta(work), regexp.QuoteMeta(work), regexp.QuoteMeta(o.image)))
	if got := strings.Join(calls[0].Argv[1:], " "); !want.MatchString(got) {
		t.Errorf("docker run argv:\n%s\nwant:\n%s", got, want)
	}
	if left, _ := filepath.Glob(filepath.Join(work, "tmp.*")); len(left) != 0 {
		t.Errorf("temporary directories left: %v", left)
	}
	var st syscall.Stat_t
	if err := syscall.Stat(filepath.Join(dir, "sync.c1z"), &st); err != nil || st.Uid != nobody || st.Gid != nobody {
		t.Errorf("sync.c1z: owner %d:%d (%v), want %d:%d", st.Uid, st.Gid, err, nobody, nobody)
	}
	obj := s3.Get(t, "docker-bucket", "baton/demo/sync.c1z")
	if obj == nil {
		t.Fatal("no object uploaded")
	}
	got := filepath.Join(t.TempDir(), "got.c1z")
	if err := os.WriteFile(got, obj, 0o600); err != nil {
		t.Fatal(err)
	}
	if sum, err := c1z.Summarize(context.Background(), got, t.TempDir()); err != nil || sum.Count("user") != 30 {
		t.Errorf("uploaded sync: %+v, %v", sum, err)
	}
	if left := o.e.Containers(t); len(left) != 0 {
		t.Errorf("containers left: %v", left)
	}

	t.Run("doctor", func(t *testing.T) {
		r := o.run(t, env, o.bin, "generate", "--connector", "demo", "--set", "tenant=acme",
			"--docker-image", o.image, "--dest", "local", "--profile", "dock")
		if r.code != 0 {
			t.Fatalf("generate: %s", r.stderr)
		}
		r = o.run(t, env, o.bin, "doctor", "--profile", "dock")
		if !strings.Contains(r.stdout, "✓ docker image "+o.image+"\n") {
			t.Errorf("doctor, engine up: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		r = o.run(t, append(env, "DOCKER_HOST=unix://"+filepath.Join(o.root, "no-engine.sock")), o.bin, "doctor", "--profile", "dock")
		if r.code != 1 || !strings.Contains(r.stdout, "✗ docker image "+o.image+"\n    docker: the engine is not running") || !strings.Contains(r.stdout, "    fix: start it") {
			t.Errorf("doctor, engine down: exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		// Regenerating the saved profile keeps docker mode.
		r = o.run(t, o.env(), o.bin, "generate", "--profile", "dock")
		script, _ := os.ReadFile(filepath.Join(o.home, ".config", "baton-setup", "dock", "sync.sh"))
		if r.code != 0 || !strings.Contains(string(script), "IMAGE="+o.image+"\n") {
			t.Errorf("regenerated profile lost docker mode: exit %d\n%s", r.code, r.stderr)
		}
	})

	t.Run("multi-line value in secrets.env", func(t *testing.T) {
		// Edited by hand: the shell loads it, docker's env-file cannot.
		secrets := filepath.Join(dir, "secrets.env")
		if err := os.WriteFile(secrets, []byte("BATON_API_KEY='line one\nline two'\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		before, _ := os.ReadFile(filepath.Join(dir, "sync.c1z"))
		w := testenv.WatchProcesses()
		r := o.run(t, cronEnv, "/bin/sh", filepath.Join(dir, "sync.sh"))
		w.Stop()
		if r.code == 0 || !strings.Contains(r.stdout, "sync failed: the value of BATON_API_KEY has a line break, which docker's --env-file cannot hold") || strings.Contains(r.stdout, "line two") {
			t.Errorf("exit %d\n%s%s", r.code, r.stdout, r.stderr)
		}
		if runs := w.Runs(); len(runs) != 0 {
			t.Errorf("docker ran a container: %v", runs)
		}
		if after, _ := os.ReadFile(filepath.Join(dir, "sync.c1z")); !bytes.Equal(before, after) {
			t.Error("the last good sync file changed")
		}
		if left, _ := filepath.Glob(filepath.Join(work, "tmp.*")); len(left) != 0 {
			t.Errorf("temporary directories left: %v", left)
		}
	})
}

// TestEngineSyncScriptStops runs a docker-mode sync.sh whose connector
// hangs past the timeout, after a run killed outright left a container of
// the profile's name behind: both are removed.
func TestEngineSyncScriptStops(t *testing.T) {
	o := newOnEngine(t)
	hang := o.e.DemoFailureImage(t, bin, "hang")
	dir := filepath.Join(o.home, "profile")
	r := o.run(t, o.env("BATON_API_KEY="+canary), o.bin, "generate", "--connector", "demo", "--set", "tenant=acme",
		"--docker-image", hang, "--dest", "local", "--profile", "hung", "--timeout", "3s", "--out", dir)
	if r.code != 0 {
		t.Fatalf("generate: exit %d\n%s", r.code, r.stderr)
	}
	o.e.Podman(t, "run", "--detach", "--name", "baton-setup-hung", "--env", "BATON_TENANT=acme", "--env", "BATON_API_KEY=k", hang, "--file", "/tmp/left.c1z")

	cronEnv := append([]string{"PATH=/usr/bin:/bin", "HOME=" + o.home}, o.e.Env()...)
	r = o.run(t, cronEnv, "/bin/sh", filepath.Join(dir, "sync.sh"))
	if r.code != 1 || !strings.Contains(r.stdout, "sync failed: the connector ran longer than 3s and was stopped") {
		t.Errorf("sync.sh: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if left := o.e.Containers(t); len(left) != 0 {
		t.Errorf("containers left: %v", left)
	}
}

// TestEnginePreflight checks that an engine that is down, a socket the
// user may not use and an image that cannot be pulled stop test and
// generate before any container runs, with the cause and the fix.
func TestEnginePreflight(t *testing.T) {
	o := newOnEngine(t)
	tests := []struct {
		name  string
		image string
		env   []string
		uid   int
		want  []string
	}{
		{"engine down", o.image, []string{"DOCKER_HOST=unix://" + filepath.Join(o.root, "no-engine.sock")}, nobody,
			[]string{"docker: the engine is not running (Cannot connect to the Docker daemon", "fix: start it"}},
		// 65533 is not in the socket's group.
		{"socket denied", o.image, nil, 65533,
			[]string{"docker: permission denied on the engine's socket (permission denied while trying to connect to the Docker daemon socket", "fix: add yourself to the docker group"}},
		// A localhost registry, so that the pull reaches only 127.0.0.1.
		{"image cannot be pulled", "localhost/baton-nosuch:1", nil, nobody,
			[]string{"docker: the registry cannot be reached (", "connection refused", "fix: check this machine's network"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			home := filepath.Join(o.root, "home-"+strings.ReplaceAll(tt.name, " ", "-"))
			if err := os.Mkdir(home, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chown(home, tt.uid, tt.uid); err != nil {
				t.Fatal(err)
			}
			env := append(append(append(testenv.CleanEnv(home), o.e.Env()...), "BATON_API_KEY="+canary), tt.env...)
			w := testenv.WatchProcesses(canary)
			for _, args := range [][]string{
				{"test", "--connector", "demo", "--set", "tenant=acme", "--docker-image", tt.image},
				// No --connector: the schema would come from the image.
				{"test", "--set", "tenant=acme", "--docker-image", tt.image},
				{"generate", "--connector", "demo", "--set", "tenant=acme", "--docker-image", tt.image, "--dest", "local", "--out", filepath.Join(home, "p")},
			} {
				id := []string{fmt.Sprintf("--reuid=%d", tt.uid), fmt.Sprintf("--regid=%d", tt.uid), "--clear-groups", "--", o.bin}
				tr := testenv.Run(t, env, home, nil, o.setpriv, append(id, args...)...)
				if tr.Code != 1 {
					t.Errorf("%s: exit %d, want 1\n%s", args[0], tr.Code, tr.Stderr)
				}
				for _, want := range tt.want {
					if !strings.Contains(tr.Stderr, want) {
						t.Errorf("%s: stderr lacks %q:\n%s", args[0], want, tr.Stderr)
					}
				}
			}
			w.Stop()
			if runs := w.Runs(); len(runs) != 0 {
				t.Errorf("docker ran a container after a failed preflight: %v", runs)
			}
			if _, err := os.Stat(filepath.Join(home, "p")); !errors.Is(err, os.ErrNotExist) {
				t.Error("generate wrote files after a failed preflight")
			}
		})
	}
}

// TestEngineSchemaFromImage reads the demo image's schema in this process,
// with a BATON_* variable in its environment that must not reach docker's.
func TestEngineSchemaFromImage(t *testing.T) {
	o := newOnEngine(t)
	for _, kv := range o.e.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	t.Setenv("BATON_TENANT", "must-not-reach-the-container")
	w := testenv.WatchProcesses()
	s, err := container.SchemaFromImage(context.Background(), o.e.Docker, o.image)
	w.Stop()
	if err != nil {
		t.Fatal(err)
	}
	key, ok := s.Field("api-key")
	if _, hasTenant := s.Field("tenant"); !ok || !hasTenant || !key.Secret || !key.Required {
		t.Errorf("schema fields: %+v", s.Fields)
	}
	runs := w.Runs()
	if len(runs) != 1 || !regexp.MustCompile(`^run --rm --name baton-setup-[0-9a-f]{16} --network none `+regexp.QuoteMeta(o.image)+` config$`).MatchString(strings.Join(runs[0].Argv[1:], " ")) {
		t.Errorf("docker runs: %v", runs)
	}
	for _, c := range w.DockerCalls() {
		if len(c.BatonEnv) > 0 {
			t.Errorf("docker ran with %v in its environment", c.BatonEnv)
		}
	}
	if _, err := container.SchemaFromImage(context.Background(), o.e.Docker, "localhost/baton-nosuch:1"); !errors.Is(err, container.ErrNetwork) {
		t.Errorf("missing image: %v", err)
	}
}
