package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Engine is a real OCI engine: podman with runc, its storage in a
// directory of its own, serving the Docker API on a unix socket that the
// real docker CLI reaches through DOCKER_HOST. One engine serves all the
// tests of a test process; Main removes it, and everything it holds, when
// they are done.
//
// podman 4.3's Docker API loses the exit status of `docker run --rm`: the
// CLI exits 0 whatever the container did. Tests must not rely on it.
type Engine struct {
	// Docker is the docker CLI's absolute path.
	Docker string
	// Socket is the Docker API socket: root's, group EngineGroup, mode
	// 0660, as /var/run/docker.sock is with the docker group.
	Socket string

	podman string
	dir    string
	conf   []string
	svc    *exec.Cmd
	svcEnd chan struct{}
	images []string
	mu     sync.Mutex
}

// EngineGroup may use the engine's socket, as members of the docker group
// may use docker's: gid 65534 (nogroup), so that tests can run the docker
// CLI as nobody.
const EngineGroup = 65534

// containersConf is what podman needs on these machines: crun (the default
// runtime) fails on their cgroup v1 hierarchy and on raising RLIMIT_NOFILE,
// and no systemd manages cgroups. tmp_dir keeps the engine's state out of
// the machine's /run/libpod.
const containersConf = `[containers]
default_ulimits = []

[engine]
cgroup_manager = "cgroupfs"
runtime = "runc"
events_logger = "file"
tmp_dir = %q
`

// storageConf names the driver from the start: podman records it in its
// database, and a database created without it refuses the cleanup process
// that conmon starts when a container exits, which then takes 20 seconds.
const storageConf = `[storage]
driver = "overlay"
graphroot = %q
runroot = %q
`

var engine struct {
	sync.Mutex
	e   *Engine
	err error
}

// NewEngine returns the test process's engine, starting it on first use.
// The engine needs root, podman, runc and the docker CLI: a test without
// them skips, or fails under CI=true, where .ci/run installs them.
func NewEngine(t testing.TB) *Engine {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the container engine tests run as root, as CI does")
		}
		t.Skip("the container engine tests run as root")
	}
	podman := RequireTool(t, "podman")
	RequireTool(t, "runc")
	docker, err := exec.LookPath("docker")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("the docker CLI is required in CI (this kind of machine has it; .ci/run does not install it): %v", err)
		}
		t.Skip("the docker CLI is not installed")
	}
	engine.Lock()
	defer engine.Unlock()
	if engine.e == nil && engine.err == nil {
		engine.e, engine.err = startEngine(podman, docker)
	}
	if engine.err != nil {
		t.Fatalf("start the container engine: %v", engine.err)
	}
	return engine.e
}

func startEngine(podman, docker string) (*Engine, error) {
	dir, err := os.MkdirTemp("", "baton-setup-engine-*")
	if err != nil {
		return nil, err
	}
	e := &Engine{Docker: docker, podman: podman, Socket: filepath.Join(dir, "docker.sock"), dir: dir, svcEnd: make(chan struct{})}
	fail := func(err error) (*Engine, error) {
		e.close()
		return nil, err
	}
	// The socket's directory is traversable, as /var/run is; the socket
	// itself is not.
	if err := os.Chmod(dir, 0o755); err != nil {
		return fail(err)
	}
	for _, d := range []string{"docker-config", "tmp"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o755); err != nil {
			return fail(err)
		}
	}
	files := map[string]string{
		// podman also reads DOCKER_CONFIG, and fails on a directory
		// without this file.
		"docker-config/config.json": "{}\n",
		"containers.conf":           fmt.Sprintf(containersConf, filepath.Join(dir, "tmp")),
		"storage.conf":              fmt.Sprintf(storageConf, filepath.Join(dir, "root"), filepath.Join(dir, "run")),
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			return fail(err)
		}
	}
	e.conf = []string{"CONTAINERS_CONF=" + filepath.Join(dir, "containers.conf"),
		"CONTAINERS_STORAGE_CONF=" + filepath.Join(dir, "storage.conf")}

	logf, err := os.Create(filepath.Join(dir, "service.log"))
	if err != nil {
		return fail(err)
	}
	defer logf.Close()
	e.svc = exec.Command(podman, "system", "service", "--time=0", "unix://"+e.Socket)
	e.svc.Env = append(os.Environ(), e.conf...)
	e.svc.Stdout, e.svc.Stderr = logf, logf
	// The service must not outlive a test process that is killed.
	e.svc.SysProcAttr = dieWithParent()
	started := make(chan error, 1)
	go func() {
		// Pdeathsig fires when the thread that started the child exits:
		// keep this one until the service ends.
		runtime.LockOSThread()
		if err := e.svc.Start(); err != nil {
			started <- err
			close(e.svcEnd)
			return
		}
		started <- nil
		_ = e.svc.Wait()
		close(e.svcEnd)
	}()
	if err := <-started; err != nil {
		e.svc = nil
		return fail(fmt.Errorf("podman system service: %w", err))
	}
	deadline := time.Now().Add(30 * time.Second)
	for {
		out, err := e.docker("version", "--format", "{{.Server.Version}}")
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "service.log"))
			return fail(fmt.Errorf("docker version against podman's socket: %v: %s\nservice log:\n%s", err, out, log))
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := os.Chown(e.Socket, 0, EngineGroup); err != nil {
		return fail(err)
	}
	if err := os.Chmod(e.Socket, 0o660); err != nil {
		return fail(err)
	}
	return e, nil
}

// Env returns what the docker CLI needs to reach this engine: DOCKER_HOST,
// and DOCKER_CONFIG, so that no configuration of this machine's applies.
func (e *Engine) Env() []string {
	return []string{"DOCKER_HOST=unix://" + e.Socket, "DOCKER_CONFIG=" + filepath.Join(e.dir, "docker-config")}
}

func (e *Engine) docker(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, e.Docker, args...)
	cmd.Env = append(os.Environ(), e.Env()...)
	out, err := cmd.CombinedOutput()
	return string(out), err
}

// Run runs podman with args on this engine and returns its standard
// output; err includes its standard error.
func (e *Engine) Run(ctx context.Context, dir string, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, e.podman, args...)
	cmd.Env = append(os.Environ(), e.conf...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return stdout.String(), fmt.Errorf("podman %s: %w\n%s", strings.Join(args, " "), err, stderr.String())
	}
	return stdout.String(), nil
}

// Logs returns what container name wrote, its stderr as well as its
// stdout; "" when podman cannot say.
func (e *Engine) Logs(ctx context.Context, name string) string {
	cmd := exec.CommandContext(ctx, e.podman, "logs", name)
	cmd.Env = append(os.Environ(), e.conf...)
	cmd.Dir = e.dir
	out, _ := cmd.CombinedOutput()
	return string(out)
}

// Podman runs podman with args on this engine from a directory of its
// own, and fails the test when it fails.
func (e *Engine) Podman(t testing.TB, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	out, err := e.Run(ctx, e.dir, args...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// Containers returns the names of every container the engine has, running
// or not.
func (e *Engine) Containers(t testing.TB) []string {
	t.Helper()
	return strings.Fields(e.Podman(t, "ps", "--all", "--format", "{{.Names}}"))
}

// NoContainers fails the test when the engine has a container left, and
// removes each one by name.
func (e *Engine) NoContainers(t testing.TB) {
	t.Helper()
	left := e.Containers(t)
	if len(left) == 0 {
		return
	}
	t.Errorf("containers left on the engine: %v", left)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if _, err := e.Run(ctx, e.dir, append([]string{"rm", "--force"}, left...)...); err != nil {
		// Main removes whatever is left with the engine.
		t.Log(err)
	}
}

// ImageFile is one entry of an image's build context: the file Src
// (linked when it can be, so it keeps its mode), or without Src an empty
// directory of mode Dir.
type ImageFile struct {
	Src string
	Dir os.FileMode
}

// BuildImage builds the image name (localhost/NAME:TAG) once per test
// process from containerfile and the build context files, keyed by path
// inside the context; a later call with the same name reuses it. Images
// are removed when the engine is.
func (e *Engine) BuildImage(t testing.TB, name, containerfile string, files map[string]ImageFile) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	if slices.Contains(e.images, name) {
		return
	}
	ctxDir := t.TempDir()
	for rel, f := range files {
		path := filepath.Join(ctxDir, rel)
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if f.Src != "" {
			if err := linkOrCopy(f.Src, path); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.Mkdir(path, 0o700); err != nil {
			t.Fatal(err)
		}
		// After Mkdir, since the umask applies there.
		if err := os.Chmod(path, f.Dir); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(ctxDir, "Containerfile"), []byte(containerfile), 0o644); err != nil {
		t.Fatal(err)
	}
	e.Podman(t, "build", "--quiet", "--tag", name, "--file", filepath.Join(ctxDir, "Containerfile"), ctxDir)
	e.images = append(e.images, name)
}

// BuildFrom builds the image name from a Dockerfile outside its context
// directory with build arguments, and removes it when the engine goes.
func (e *Engine) BuildFrom(t testing.TB, name, dockerfile, ctxDir string, buildArgs ...string) {
	t.Helper()
	e.mu.Lock()
	defer e.mu.Unlock()
	args := []string{"build", "--quiet", "--tag", name, "--file", dockerfile}
	for _, a := range buildArgs {
		args = append(args, "--build-arg", a)
	}
	if !slices.Contains(e.images, name) {
		e.images = append(e.images, name)
	}
	e.Podman(t, append(args, ctxDir)...)
}

// linkOrCopy puts the file src (symbolic links followed) at dst.
func linkOrCopy(src, dst string) error {
	src, err := filepath.EvalSymlinks(src)
	if err != nil {
		return err
	}
	if err := os.Link(src, dst); err == nil {
		return nil
	}
	st, err := os.Stat(src)
	if err != nil {
		return err
	}
	data, err := os.ReadFile(src)
	if err != nil {
		return err
	}
	return os.WriteFile(dst, data, st.Mode().Perm())
}

// DemoImage builds localhost/baton-demo:test, a connector image of the
// demo connector: FROM scratch, the static baton-setup binary bin and an
// empty /tmp (mode 1777), since baton-sdk needs a temporary directory.
// Its entrypoint is `baton-setup demo-connector`, so the image takes a
// connector's arguments. It returns the image's name.
func (e *Engine) DemoImage(t testing.TB, bin string) string {
	t.Helper()
	const name = "localhost/baton-demo:test"
	e.BuildImage(t, name, `FROM scratch
COPY rootfs/ /
COPY baton-setup /usr/local/bin/baton-setup
ENTRYPOINT ["/usr/local/bin/baton-setup", "demo-connector"]
`, map[string]ImageFile{
		"rootfs/tmp":  {Dir: 0o777 | os.ModeSticky},
		"baton-setup": {Src: bin},
	})
	return name
}

// DemoFailureImage builds localhost/baton-demo:FAILURE, DemoImage with the
// demo connector's failure mode set (BATON_DEMO_FAILURE), and returns its
// name.
func (e *Engine) DemoFailureImage(t testing.TB, bin, failure string) string {
	t.Helper()
	from := e.DemoImage(t, bin)
	name := "localhost/baton-demo:" + failure
	e.BuildImage(t, name, fmt.Sprintf("FROM %s\nENV BATON_DEMO_FAILURE=%s\n", from, failure), nil)
	return name
}

// closeEngine removes the process's engine, if it started one: its
// containers, pods, volumes and images by name, the service, and its
// directory.
func closeEngine() {
	engine.Lock()
	defer engine.Unlock()
	if engine.e != nil {
		engine.e.close()
		engine.e = nil
	}
}

func (e *Engine) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var errs []error
	if e.svc != nil {
		cleanup := [][]string{{"pod", "rm", "--all", "--force"}, {"rm", "--all", "--force"}, {"volume", "rm", "--all", "--force"}}
		if len(e.images) > 0 {
			cleanup = append(cleanup, append([]string{"rmi", "--force"}, e.images...))
		}
		for _, args := range cleanup {
			if _, err := e.Run(ctx, e.dir, args...); err != nil {
				errs = append(errs, err)
			}
		}
	}
	if e.svc != nil {
		_ = e.svc.Process.Signal(syscall.SIGTERM)
		select {
		case <-e.svcEnd:
		case <-time.After(10 * time.Second):
			_ = e.svc.Process.Kill()
			<-e.svcEnd
		}
	}
	if err := os.RemoveAll(e.dir); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		fmt.Fprintf(os.Stderr, "testenv: remove the container engine in %s: %v\n", e.dir, err)
	}
}
