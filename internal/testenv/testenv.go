// Package testenv provides the real parts tests run against: a baton-setup
// binary built once per test process, an in-process S3 server on
// 127.0.0.1, and a clean environment for child processes.
package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"strings"
	"testing"

	"github.com/johannesboyne/gofakes3"
	"github.com/johannesboyne/gofakes3/backend/s3mem"
)

// Build compiles ./cmd/baton-setup into dir and returns its path. It also
// points XDG_CACHE_HOME into dir: in-process code keeps locks and caches
// in the user's cache directory, and tests must not touch the real one.
// Call it once from TestMain; the Go build cache makes repeats cheap.
func Build(dir string) (string, error) {
	// Go's own build cache defaults to the cache directory too: pin it
	// first, so that builds here and in child processes stay warm.
	if os.Getenv("GOCACHE") == "" {
		out, err := exec.Command("go", "env", "GOCACHE").Output()
		if err != nil {
			return "", fmt.Errorf("find the Go build cache: %w", err)
		}
		if err := os.Setenv("GOCACHE", strings.TrimSpace(string(out))); err != nil {
			return "", err
		}
	}
	if err := os.Setenv("XDG_CACHE_HOME", filepath.Join(dir, "cache")); err != nil {
		return "", err
	}
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	cmd := exec.Command("go", "build", "-o", dir+string(filepath.Separator), "./cmd/baton-setup")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("build baton-setup: %w\n%s", err, out.String())
	}
	return filepath.Join(dir, "baton-setup"), nil
}

// S3 is an in-process S3 protocol server.
type S3 struct {
	URL     string
	Backend *s3mem.Backend
}

// NewS3 starts gofakes3 on 127.0.0.1 with the given buckets; it stops when
// the test ends.
func NewS3(t testing.TB, buckets ...string) *S3 {
	t.Helper()
	backend := s3mem.New()
	for _, b := range buckets {
		if err := backend.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(gofakes3.New(backend).Server())
	t.Cleanup(srv.Close)
	return &S3{URL: srv.URL, Backend: backend}
}

// NewS3Clock is NewS3 with a clock that stamps the LastModified of each
// object uploaded through the server, so tests can make objects of any age.
// The request-time skew check is off, since the clock is meant to be wrong.
func NewS3Clock(t testing.TB, clock gofakes3.TimeSource, buckets ...string) *S3 {
	t.Helper()
	backend := s3mem.New(s3mem.WithTimeSource(clock))
	for _, b := range buckets {
		if err := backend.CreateBucket(b); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(gofakes3.New(backend, gofakes3.WithTimeSource(clock), gofakes3.WithTimeSkewLimit(0)).Server())
	t.Cleanup(srv.Close)
	return &S3{URL: srv.URL, Backend: backend}
}

// Get returns an object's bytes, or nil when it does not exist.
func (s *S3) Get(t testing.TB, bucket, key string) []byte {
	t.Helper()
	return Object(t, s.Backend, bucket, key)
}

// Object returns an object's bytes straight from a gofakes3 memory backend,
// or nil when it does not exist.
func Object(t testing.TB, backend *s3mem.Backend, bucket, key string) []byte {
	t.Helper()
	obj, err := backend.GetObject(bucket, key, nil)
	if err != nil {
		return nil
	}
	defer obj.Contents.Close()
	data, err := io.ReadAll(obj.Contents)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// AWSEnv gives home the AWS shared files that a user's scheduled run
// reads (~/.aws/credentials with the server's dummy keys as the default
// profile, ~/.aws/config with its region) and returns what the
// environment adds: AWS_EC2_METADATA_DISABLED, so that no test probes the
// instance-metadata address, and AWS_REGION, which the wizard offers as
// the bucket's region (and the plan then keeps). Credentials and endpoint
// never come from the environment, which a scheduled run does not have.
func (s *S3) AWSEnv(t testing.TB, home string) []string {
	t.Helper()
	WriteAWSFiles(t, home)
	return []string{"AWS_EC2_METADATA_DISABLED=true", "AWS_REGION=us-east-1"}
}

// KeyEnv is the server's dummy keys as environment variables, for a
// container that gets its credentials that way (a Kubernetes Secret), and
// no instance metadata lookups.
func (s *S3) KeyEnv() []string {
	return []string{
		"AWS_ACCESS_KEY_ID=" + AWSKeyID, "AWS_SECRET_ACCESS_KEY=" + AWSSecretKey,
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true",
	}
}

// ChownAWSFiles gives home's AWS files to uid, for a test that runs
// baton-setup as another user.
func ChownAWSFiles(t testing.TB, home string, uid int) {
	t.Helper()
	for _, p := range []string{".aws", ".aws/credentials", ".aws/config"} {
		if err := os.Chown(filepath.Join(home, p), uid, uid); err != nil {
			t.Fatal(err)
		}
	}
}

// CleanEnv returns the process environment without BATON_* and AWS_*
// variables and with HOME and the XDG directories inside home.
func CleanEnv(home string) []string {
	var env []string
	for _, kv := range os.Environ() {
		name, _, _ := strings.Cut(kv, "=")
		switch {
		case strings.HasPrefix(name, "BATON_"), strings.HasPrefix(name, "AWS_"),
			name == "HOME", strings.HasPrefix(name, "XDG_"):
			continue
		}
		env = append(env, kv)
	}
	return append(env, "HOME="+home,
		"XDG_CONFIG_HOME="+filepath.Join(home, ".config"),
		"XDG_DATA_HOME="+filepath.Join(home, ".local", "share"))
}

// Main builds the binary into a temporary directory, stores its path in
// *bin, runs the package's tests and removes the directory, and the
// container engine if a test started one (NewEngine). Use it as
// `func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &bin)) }`.
func Main(m *testing.M, bin *string) int {
	dir, err := os.MkdirTemp("", "baton-setup-test-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	buildDir = dir
	if *bin, err = Build(dir); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer closeEngine()
	return m.Run()
}

// RequireTool returns the path of a command a test needs. It skips when the
// command is missing locally and fails when CI=true, since .ci/run installs
// every such command.
func RequireTool(t testing.TB, name string) string {
	t.Helper()
	path, err := exec.LookPath(name)
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("%s is required in CI (.ci/run installs it): %v", name, err)
		}
		t.Skipf("%s is not installed", name)
	}
	return path
}

// DemoSync runs the real demo connector (bin demo-connector) into
// file with tenant acme, a clean environment plus env, and extra flags. It
// returns the exit code and the combined output; err is set only when the
// connector could not be run at all.
func DemoSync(ctx context.Context, bin, file string, env []string, args ...string) (int, []byte, error) {
	cmd := exec.CommandContext(ctx, bin, append([]string{"demo-connector", "--file", file, "--log-format", "json"}, args...)...)
	cmd.Dir = filepath.Dir(file)
	cmd.Env = append(append(CleanEnv(cmd.Dir), "BATON_TENANT=acme", "BATON_API_KEY=k", "TMPDIR="+cmd.Dir), env...)
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode(), out, nil
	}
	return 0, out, err
}

// DemoSyncFailing is DemoSync for a run that must fail (a failure mode in
// env), tried again while it exits 0: after a failed sync baton-sdk
// v0.25.0 now and then exits 0 instead, when it notices first that its
// service child is gone (see DemoFailed).
func DemoSyncFailing(ctx context.Context, bin, file string, env []string, args ...string) (int, []byte, error) {
	for range 3 {
		code, out, err := DemoSync(ctx, bin, file, env, args...)
		if err != nil || code != 0 {
			return code, out, err
		}
		_ = os.Remove(file)
	}
	return DemoSync(ctx, bin, file, env, args...)
}

// DemoFailed matches how sync.sh words the end of a demo run that failed
// with status: baton-sdk v0.25.0 exits with it, or 0 when it notices first
// that its service child is gone, with no sync file or an unfinished one.
func DemoFailed(status int) *regexp.Regexp {
	return regexp.MustCompile(fmt.Sprintf(`the connector exited (with status %d|0 but wrote no sync file|0 without finishing the sync)`, status))
}

// RefusedKey is how sync.sh words the end of a demo run whose key was
// refused (status 16, Unauthenticated).
var RefusedKey = DemoFailed(16)
