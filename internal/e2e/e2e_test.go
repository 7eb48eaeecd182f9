// Package e2e runs the real baton-setup binary, with the built-in demo
// connector as a real baton-sdk child process and an in-process S3 server.
package e2e

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/testenv"
)

var bin string

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &bin)) }

const canary = "canary-Secret-9f3e7a1b"

type result struct {
	stdout, stderr string
	code           int
}

func run(t *testing.T, env []string, dir string, name string, args ...string) result {
	t.Helper()
	r := testenv.Run(t, env, dir, nil, name, args...)
	return result{r.Stdout, r.Stderr, r.Code}
}

// TestGenerateRunUpload is the whole automated path: generate the files for
// the demo connector, run sync.sh with /bin/sh, and find a finished sync in
// the bucket.
func TestGenerateRunUpload(t *testing.T) {
	s3 := testenv.NewS3(t, "sync-bucket")
	home := t.TempDir()
	out := filepath.Join(home, "profile")
	env := append(testenv.CleanEnv(home), "BATON_API_KEY="+canary)
	env = append(env, s3.AWSEnv(t, home)...)

	r := run(t, env, home, bin, "generate", "--connector", "demo",
		"--set", "tenant=acme", "--set", "user-count=50",
		"--dest", "s3://sync-bucket/baton/demo/sync.c1z", "--region", "us-east-1", "--endpoint", s3.URL,
		"--schedule", "17 * * * *", "--out", out)
	if r.code != 0 {
		t.Fatalf("generate exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, canary) {
		t.Error("generate printed the secret")
	}
	if !strings.Contains(r.stdout, "17 * * * * "+filepath.Join(out, "sync.sh")+" >>"+filepath.Join(out, "sync.log")+" 2>&1") {
		t.Errorf("crontab line missing from output:\n%s", r.stdout)
	}
	if !strings.Contains(r.stdout, "File name to exactly: baton/demo/sync.c1z") {
		t.Errorf("ConductorOne File name hint missing:\n%s", r.stdout)
	}
	if got := testenv.Mode(t, out); got != 0o700 {
		t.Errorf("dir mode %o, want 700", got)
	}
	if got := testenv.Mode(t, filepath.Join(out, "sync.sh")); got != 0o700 {
		t.Errorf("sync.sh mode %o, want 700", got)
	}
	if got := testenv.Mode(t, filepath.Join(out, "secrets.env")); got != 0o600 {
		t.Errorf("secrets.env mode %o, want 600", got)
	}
	for _, name := range []string{"sync.sh", "plan.json"} {
		data, _ := os.ReadFile(filepath.Join(out, name))
		if bytes.Contains(data, []byte(canary)) {
			t.Errorf("%s contains the secret", name)
		}
	}
	secrets, _ := os.ReadFile(filepath.Join(out, "secrets.env"))
	if !bytes.Contains(secrets, []byte("BATON_API_KEY="+canary)) {
		t.Errorf("secrets.env lacks the key:\n%s", secrets)
	}

	// Cron runs sync.sh with almost nothing in the environment; the AWS
	// variables stand in for an instance role.
	runEnv := append([]string{"PATH=/usr/bin:/bin", "HOME=" + home}, s3.AWSEnv(t, home)...)
	r = run(t, runEnv, "/", "/bin/sh", filepath.Join(out, "sync.sh"))
	if r.code != 0 {
		log, _ := os.ReadFile(filepath.Join(out, "work", "connector.log"))
		t.Fatalf("sync.sh exit %d\nstdout: %s\nstderr: %s\nconnector log tail: %s", r.code, r.stdout, r.stderr, tail(string(log), 5))
	}
	if !strings.Contains(r.stdout, "uploaded to s3://sync-bucket/baton/demo/sync.c1z") {
		t.Errorf("sync.sh output:\n%s", r.stdout)
	}
	if strings.Contains(r.stdout+r.stderr, canary) {
		t.Error("sync.sh printed the secret")
	}
	obj := s3.Get(t, "sync-bucket", "baton/demo/sync.c1z")
	if obj == nil {
		t.Fatal("no object in the bucket")
	}
	state, err := os.ReadFile(filepath.Join(out, "last-upload.json"))
	if err != nil || !bytes.Contains(state, []byte(`"key": "baton/demo/sync.c1z"`)) {
		t.Errorf("upload state: %v\n%s", err, state)
	}
	got := filepath.Join(t.TempDir(), "got.c1z")
	if err := os.WriteFile(got, obj, 0o600); err != nil {
		t.Fatal(err)
	}
	sum, err := c1z.Summarize(context.Background(), got, t.TempDir())
	if err != nil {
		t.Fatalf("summarize uploaded object: %v", err)
	}
	if sum.Count("user") != 50 || sum.Count("role") != 3 || sum.Grants == 0 {
		t.Errorf("uploaded sync: users %d roles %d grants %d", sum.Count("user"), sum.Count("role"), sum.Grants)
	}

	// A failing connector must not replace the good object.
	failEnv := append(runEnv, "BATON_DEMO_FAILURE=fail-midsync")
	r = run(t, failEnv, "/", "/bin/sh", filepath.Join(out, "sync.sh"))
	if r.code == 0 {
		t.Fatalf("sync.sh succeeded with a failing connector:\n%s", r.stdout)
	}
	// Usually "the connector exited with status 13"; under load baton-sdk
	// v0.25.0 has been seen to exit 0 after a failed sync, and then the
	// upload refuses the unfinished file. Either way: one failure line.
	if !strings.Contains(r.stdout, "sync failed: ") {
		t.Errorf("failure not reported loudly:\n%s%s", r.stdout, r.stderr)
	}
	if after := s3.Get(t, "sync-bucket", "baton/demo/sync.c1z"); !bytes.Equal(after, obj) {
		t.Error("a failed run changed the object in the bucket")
	}
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

func TestTestCommand(t *testing.T) {
	home := t.TempDir()
	base := testenv.CleanEnv(home)
	tests := []struct {
		name       string
		env        []string
		args       []string
		wantCode   int
		wantStdout string
		wantStderr string
	}{
		{
			name:       "success",
			env:        []string{"BATON_API_KEY=" + canary},
			args:       []string{"--set", "tenant=acme", "--set", "user-count=120"},
			wantStdout: "user                      120 resources",
		},
		{
			name:     "invalid key",
			env:      []string{"BATON_API_KEY=invalid"},
			args:     []string{"--set", "tenant=acme"},
			wantCode: 1,
			// baton-sdk v0.25.0 usually exits 16 here, but under load it has
			// been seen to exit 0 or 1; the diagnosis must not depend on it.
			wantStderr: "cause: The service rejected the credentials.",
		},
		{
			name:       "missing values",
			args:       []string{},
			wantCode:   2,
			wantStderr: "api-key (secret: set BATON_API_KEY in the environment",
		},
		{
			name:       "secret on argv",
			args:       []string{"--set", "api-key=" + canary},
			wantCode:   2,
			wantStderr: "api-key is secret and must not be on the command line",
		},
		{
			name:       "unknown field",
			env:        []string{"BATON_API_KEY=k"},
			args:       []string{"--set", "nope=1"},
			wantCode:   2,
			wantStderr: `has no field "nope"; its fields are api-key, include-roles, tenant, user-count`,
		},
		{
			name:       "bad int",
			env:        []string{"BATON_API_KEY=k"},
			args:       []string{"--set", "tenant=a", "--set", "user-count=many"},
			wantCode:   2,
			wantStderr: `user-count: "many" is not a whole number`,
		},
		{
			name:       "crash mid-sync",
			env:        []string{"BATON_API_KEY=k", "BATON_DEMO_FAILURE=fail-midsync"},
			args:       []string{"--set", "tenant=a"},
			wantCode:   1,
			wantStderr: "test sync failed: ",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append([]string{"test", "--connector", "demo"}, tt.args...)
			r := run(t, append(append([]string{}, base...), tt.env...), home, bin, args...)
			if r.code != tt.wantCode {
				t.Fatalf("exit %d, want %d\nstdout: %s\nstderr: %s", r.code, tt.wantCode, r.stdout, r.stderr)
			}
			if !strings.Contains(r.stdout, tt.wantStdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantStdout, r.stdout)
			}
			if !strings.Contains(r.stderr, tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, r.stderr)
			}
			if strings.Contains(r.stdout+r.stderr, canary) {
				t.Error("output contains the secret")
			}
		})
	}
}

func TestTestJSON(t *testing.T) {
	home := t.TempDir()
	env := append(testenv.CleanEnv(home), "BATON_API_KEY=k")
	r := run(t, env, home, bin, "test", "--connector", "demo", "--set", "tenant=acme", "--json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	last := lines[len(lines)-1]
	if !strings.HasPrefix(last, `{"type":"summary"`) || !strings.Contains(last, `"resources":24`) {
		t.Errorf("last event: %s", last)
	}
	for _, l := range lines {
		if !strings.HasPrefix(l, "{") {
			t.Errorf("non-JSON line on stdout: %q", l)
		}
	}
}

func TestUploadRefusesBadFiles(t *testing.T) {
	s3 := testenv.NewS3(t, "b-bucket")
	home := t.TempDir()
	env := append(testenv.CleanEnv(home), s3.AWSEnv(t, home)...)
	garbage := filepath.Join(home, "garbage.c1z")
	os.WriteFile(garbage, []byte("not a c1z at all"), 0o600)
	empty := filepath.Join(home, "empty.c1z")
	os.WriteFile(empty, nil, 0o600)
	for _, tt := range []struct{ name, file, want string }{
		{"garbage", garbage, "refuse upload: open sync file"},
		{"empty", empty, "the file is empty"},
		{"missing", filepath.Join(home, "nope.c1z"), "no such file or directory"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := run(t, env, home, bin, "upload", "--file", tt.file, "--dest", "s3://b-bucket/x/sync.c1z", "--endpoint", s3.URL)
			if r.code != 1 || !strings.Contains(r.stderr, tt.want) {
				t.Errorf("exit %d, stderr %q, want 1 and %q", r.code, r.stderr, tt.want)
			}
			if s3.Get(t, "b-bucket", "x/sync.c1z") != nil {
				t.Error("a bad file was uploaded")
			}
		})
	}
	r := run(t, env, home, bin, "upload", "--file", garbage, "--dest", "s3://B/x.c1z")
	if r.code != 2 || !strings.Contains(r.stderr, `bucket "B"`) {
		t.Errorf("bad bucket: exit %d, stderr %q", r.code, r.stderr)
	}
}

// fakeCrontab puts a stand-in for crontab(1) first on PATH that keeps the
// table in a file; the real Debian crontab is exercised in
// internal/schedule's tests. It returns the environment and the table path.
func fakeCrontab(t *testing.T, home string, env []string) ([]string, string) {
	t.Helper()
	table := filepath.Join(home, "table")
	return testenv.FakeCrontab(t, filepath.Join(home, "bin"), table).Env(env), table
}

func TestInstallCronWithFakeCrontab(t *testing.T) {
	home := t.TempDir()
	env, table := fakeCrontab(t, home, append(testenv.CleanEnv(home), "BATON_API_KEY=k"))
	existing := "MAILTO=ops@example.com\n# keep me\n5 4 * * * /usr/bin/backup --at 50%\n"
	os.WriteFile(table, []byte(existing), 0o600)
	for range 2 {
		r := run(t, env, home, bin, "generate", "--connector", "demo", "--set", "tenant=acme",
			"--dest", "local", "--schedule", "7 * * * *", "--profile", "demo-one", "--install-cron")
		if r.code != 0 {
			t.Fatalf("generate: exit %d: %s", r.code, r.stderr)
		}
	}
	got, _ := os.ReadFile(table)
	if !strings.HasPrefix(string(got), existing) {
		t.Errorf("existing entries changed:\n%s", got)
	}
	if n := strings.Count(string(got), "# BEGIN baton-setup profile=demo-one"); n != 1 {
		t.Errorf("block appears %d times:\n%s", n, got)
	}
	sync := filepath.Join(home, ".config", "baton-setup", "demo-one", "sync.sh")
	if !strings.Contains(string(got), "7 * * * * "+sync) {
		t.Errorf("job line missing:\n%s", got)
	}
}

func TestDoctor(t *testing.T) {
	home := t.TempDir()
	env, _ := fakeCrontab(t, home, append(testenv.CleanEnv(home), "BATON_API_KEY=k"))
	r := run(t, env, home, bin, "generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--profile", "doc")
	if r.code != 0 {
		t.Fatalf("generate: %s", r.stderr)
	}
	r = run(t, env, home, bin, "doctor", "--profile", "doc")
	if r.code != 1 || !strings.Contains(r.stdout, "✓ connector binary") || !strings.Contains(r.stdout, "✗ crontab entry installed once\n    the block for profile doc is not installed") {
		t.Fatalf("doctor before install: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, env, home, bin, "generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--profile", "doc", "--install-cron")
	if r.code != 0 {
		t.Fatalf("install: %s", r.stderr)
	}
	r = run(t, env, home, bin, "doctor", "--profile", "doc")
	if r.code != 0 || strings.Contains(r.stdout, "✗") {
		t.Fatalf("doctor after install: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	secrets := filepath.Join(home, ".config", "baton-setup", "doc", "secrets.env")
	os.Chmod(secrets, 0o644)
	r = run(t, env, home, bin, "doctor", "--profile", "doc", "--json")
	if r.code != 1 || !strings.Contains(r.stdout, `"name":"secrets file secrets.env readable only by you","ok":false`) || !strings.Contains(r.stdout, "chmod 600 ") {
		t.Errorf("doctor with a readable secrets file: exit %d\n%s", r.code, r.stdout)
	}
}

func TestQuickAndZeroUsers(t *testing.T) {
	home := t.TempDir()
	env := append(testenv.CleanEnv(home), "BATON_API_KEY=k")
	r := run(t, env, home, bin, "test", "--connector", "demo", "--set", "tenant=acme", "--quick", "--json")
	if r.code != 0 {
		t.Fatalf("quick: exit %d: %s", r.code, r.stderr)
	}
	// Only the user type, without entitlements and grants.
	if !strings.Contains(r.stdout, `"resources":20`) {
		t.Errorf("quick summary: %s", r.stdout)
	}
	if strings.Contains(r.stdout, `"resourceType":"group","resources"`) || strings.Contains(r.stdout, `"grants":40`) {
		t.Errorf("quick check synced more than the user type:\n%s", r.stdout)
	}

	// A finished sync without users is a warning outcome: exit 3.
	r = run(t, append(env, "BATON_DEMO_FAILURE=zero-users"), home, bin, "test", "--connector", "demo", "--set", "tenant=acme")
	if r.code != 3 {
		t.Fatalf("zero users: exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stderr, "⚠ no users were found: the connector's user type user has 0 resources") {
		t.Errorf("no zero-users warning:\n%s", r.stderr)
	}
}

// TestTestSIGTERM stops `baton-setup test` while the connector hangs: it
// must exit 130 and leave no connector process behind.
func TestTestSIGTERM(t *testing.T) {
	home := t.TempDir()
	mark := "e2e-sigterm-" + t.Name()
	tmp := t.TempDir()
	env := append(testenv.CleanEnv(home), "BATON_API_KEY=k", "BATON_DEMO_FAILURE=hang", "E2E_MARK="+mark, "TMPDIR="+tmp)
	cmd := exec.Command(bin, "test", "--connector", "demo", "--set", "tenant=acme")
	cmd.Env, cmd.Dir = env, home
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for !strings.Contains(stderr.String(), "phase: resources") && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	if len(marked(mark)) < 2 {
		t.Fatalf("connector not running: %v\n%s", marked(mark), stderr.String())
	}
	cmd.Process.Signal(os.Interrupt)
	err := cmd.Wait()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 130 {
		t.Fatalf("exit: %v\n%s", err, stderr.String())
	}
	for i := 0; i < 100 && len(marked(mark)) > 0; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if left := marked(mark); len(left) > 0 {
		t.Errorf("processes left: %v", left)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("temp files left in TMPDIR: %v", left)
	}
}

// marked lists processes whose environment holds the marker.
func marked(mark string) []string {
	var out []string
	procs, _ := filepath.Glob("/proc/[0-9]*/environ")
	for _, p := range procs {
		if data, err := os.ReadFile(p); err == nil && strings.Contains(string(data), "E2E_MARK="+mark+"\x00") {
			out = append(out, p)
		}
	}
	return out
}

func TestConnectorsAndProfiles(t *testing.T) {
	home := t.TempDir()
	env := append(testenv.CleanEnv(home), "BATON_API_KEY="+canary)
	r := run(t, env, home, bin, "connectors", "--json")
	if r.code != 0 {
		t.Fatalf("connectors: %s", r.stderr)
	}
	if !strings.HasPrefix(strings.TrimSpace(r.stdout), "[\n  {\n    \"name\": \"demo\"") {
		t.Errorf("demo is not first:\n%.300s", r.stdout)
	}
	for _, want := range []string{`"name": "okta"`, `"env": "BATON_API_TOKEN"`, `"brew": "brew install conductorone/baton/baton-okta"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("connectors --json lacks %s", want)
		}
	}
	r = run(t, env, home, bin, "generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--profile", "demo-a")
	if r.code != 0 {
		t.Fatalf("generate: %s", r.stderr)
	}
	r = run(t, env, home, bin, "profiles")
	if r.code != 0 || !strings.Contains(r.stdout, "demo-a") {
		t.Errorf("profiles: %d %s %s", r.code, r.stdout, r.stderr)
	}
	r = run(t, env, home, bin, "plan", "show", "--profile", "demo-a")
	if r.code != 0 || !strings.Contains(r.stdout, "BATON_API_KEY = ••••") || !strings.Contains(r.stdout, `tenant = "acme"`) {
		t.Errorf("plan show: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout, canary) {
		t.Error("plan show printed the secret")
	}
}

// TestEndpointFromEnvAndSecretFile generates with the endpoint only in
// AWS_ENDPOINT_URL_S3 (no --endpoint) and the API key from --secret-file:
// the endpoint is saved, so a run without that variable, as cron's,
// uploads where the check did.
func TestEndpointFromEnvAndSecretFile(t *testing.T) {
	s3 := testenv.NewS3(t, "env-bucket")
	home := t.TempDir()
	keyFile := filepath.Join(home, "api-key")
	os.WriteFile(keyFile, []byte(canary+"\n"), 0o600)
	env := append(testenv.CleanEnv(home), s3.AWSEnv(t, home)...)
	env = append(env, "AWS_ENDPOINT_URL_S3="+s3.URL)
	r := run(t, env, home, bin, "test", "--connector", "demo", "--set", "tenant=acme", "--secret-file", "api-key="+keyFile)
	if r.code != 0 {
		t.Fatalf("test with --secret-file: exit %d: %s", r.code, r.stderr)
	}
	r = run(t, env, home, bin, "generate", "--connector", "demo", "--set", "tenant=acme", "--secret-file", "api-key="+keyFile,
		"--dest", "s3://env-bucket/a/sync.c1z", "--region", "us-east-1", "--profile", "envtest")
	if r.code != 0 {
		t.Fatalf("generate: %s", r.stderr)
	}
	if !strings.Contains(r.stderr, "the S3 endpoint "+s3.URL+" comes from AWS_ENDPOINT_URL_S3 in this shell; it is saved in the plan") {
		t.Errorf("generate does not say where the endpoint came from:\n%s", r.stderr)
	}
	dir := filepath.Join(home, ".config", "baton-setup", "envtest")
	if data, _ := os.ReadFile(filepath.Join(dir, "plan.json")); !bytes.Contains(data, []byte(`"endpoint": "`+s3.URL+`"`)) {
		t.Fatalf("plan.json does not keep the endpoint:\n%s", data)
	}
	// As cron runs it: none of this shell's variables.
	runEnv := append([]string{"PATH=/usr/bin:/bin", "HOME=" + home, "LOGNAME=root", "SHELL=/bin/sh"}, s3.AWSEnv(t, home)...)
	r = run(t, runEnv, "/", "/bin/sh", filepath.Join(dir, "sync.sh"))
	if r.code != 0 {
		t.Fatalf("sync.sh: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if s3.Get(t, "env-bucket", "a/sync.c1z") == nil {
		t.Error("no object uploaded to the endpoint that was checked")
	}
	r = run(t, env, home, bin, "test", "--connector", "demo", "--set", "tenant=acme", "--secret-file", "api-key="+filepath.Join(home, "nope"))
	if r.code != 2 || !strings.Contains(r.stderr, "--secret-file api-key:") {
		t.Errorf("missing secret file: exit %d: %s", r.code, r.stderr)
	}
}

func TestStatus(t *testing.T) {
	s3 := testenv.NewS3(t, "status-bucket")
	home := t.TempDir()
	env := append(append(testenv.CleanEnv(home), "BATON_API_KEY=k"), s3.AWSEnv(t, home)...)
	for _, args := range [][]string{
		{"generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "s3://status-bucket/p/sync.c1z", "--endpoint", s3.URL, "--profile", "good"},
		{"generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "s3://status-bucket/q/sync.c1z", "--endpoint", s3.URL, "--profile", "never"},
	} {
		if r := run(t, env, home, bin, args...); r.code != 0 {
			t.Fatalf("%v: %s", args, r.stderr)
		}
	}
	dir := filepath.Join(home, ".config", "baton-setup", "good")
	runEnv := append([]string{"PATH=/usr/bin:/bin", "HOME=" + home}, s3.AWSEnv(t, home)...)
	// What cron does: append the script's output to sync.log.
	r := run(t, runEnv, "/", "/bin/sh", "-c", filepath.Join(dir, "sync.sh")+" >>"+filepath.Join(dir, "sync.log")+" 2>&1")
	if r.code != 0 {
		log, _ := os.ReadFile(filepath.Join(dir, "sync.log"))
		t.Fatalf("sync.sh: %s", log)
	}
	r = run(t, env, home, bin, "status", "--json")
	if r.code != 0 {
		t.Fatalf("status: %s", r.stderr)
	}
	for _, want := range []string{`"profile":"good"`, `"lastResult":"ok"`, `"profile":"never"`, `"lastResult":"never ran"`} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("status --json lacks %s:\n%s", want, r.stdout)
		}
	}
	// A profile that never delivered is not late, and says what is missing.
	if !strings.Contains(r.stdout, `"profile":"good","lastRun"`) || strings.Count(r.stdout, `"stale":true`) != 0 || !strings.Contains(r.stdout, "does not exist yet") {
		t.Errorf("no profile should be stale:\n%s", r.stdout)
	}
	r = run(t, env, home, bin, "status", "--remote")
	if r.code != 0 || !strings.Contains(r.stdout, "just now") || strings.Contains(r.stderr, "have not delivered") {
		t.Errorf("status --remote: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestProfileRoundTrip regenerates a saved profile with no other input:
// secrets come back from its secrets.env and every file is byte-identical.
func TestProfileRoundTrip(t *testing.T) {
	home := t.TempDir()
	env := append(testenv.CleanEnv(home), "BATON_API_KEY="+canary)
	r := run(t, env, home, bin, "generate", "--connector", "demo", "--set", "tenant=acme", "--set", "user-count=7",
		"--dest", "s3://rt-bucket/rt/sync.c1z", "--region", "eu-west-1", "--schedule", "daily:02:30", "--profile", "rt")
	if r.code != 0 {
		t.Fatalf("generate: %s", r.stderr)
	}
	dir := filepath.Join(home, ".config", "baton-setup", "rt")
	before := map[string][]byte{}
	for _, name := range []string{"sync.sh", "secrets.env", "plan.json", "README.txt"} {
		before[name], _ = os.ReadFile(filepath.Join(dir, name))
	}
	plain := testenv.CleanEnv(home) // no BATON_API_KEY this time
	r = run(t, plain, home, bin, "generate", "--profile", "rt")
	if r.code != 0 {
		t.Fatalf("regenerate: exit %d: %s", r.code, r.stderr)
	}
	for name, want := range before {
		got, _ := os.ReadFile(filepath.Join(dir, name))
		if !bytes.Equal(got, want) {
			t.Errorf("%s changed on regeneration:\n%s", name, got)
		}
	}
	if bytes.Contains(before["plan.json"], []byte(canary)) {
		t.Error("plan.json holds the secret")
	}
	r = run(t, plain, home, bin, "generate", "--profile", "nope")
	if r.code != 2 || !strings.Contains(r.stderr, "load profile nope: no such profile") {
		t.Errorf("unknown profile: exit %d: %s", r.code, r.stderr)
	}
}

func TestSecretStdin(t *testing.T) {
	home := t.TempDir()
	for _, tt := range []struct {
		stdin    string
		wantCode int
		want     string
	}{
		{canary + "\n", 0, "sync finished"},
		{"", 2, "--secret-stdin api-key: standard input was empty"},
	} {
		cmd := exec.Command(bin, "test", "--connector", "demo", "--set", "tenant=acme", "--secret-stdin", "api-key")
		cmd.Env, cmd.Dir = testenv.CleanEnv(home), home
		cmd.Stdin = strings.NewReader(tt.stdin)
		out, _ := cmd.CombinedOutput()
		if cmd.ProcessState.ExitCode() != tt.wantCode || !strings.Contains(string(out), tt.want) {
			t.Errorf("stdin %q: exit %d\n%s", tt.stdin, cmd.ProcessState.ExitCode(), out)
		}
		if strings.Contains(string(out), canary) {
			t.Error("output contains the secret")
		}
	}
}

// TestSyncShKeepsLastGoodFile runs sync.sh with a connector that exits 0
// but leaves an unfinished file, as an interrupted connector does: the
// last good sync.c1z must stay.
func TestSyncShKeepsLastGoodFile(t *testing.T) {
	home := t.TempDir()
	fake := filepath.Join(home, "baton-fake")
	script := `#!/bin/sh
if [ "$1" = config ]; then echo '{"fields":[{"name":"tenant","stringField":{}}]}'; exit 0; fi
while [ $# -gt 0 ]; do if [ "$1" = --file ]; then FILE=$2; fi; shift; done
echo '{"level":"info","msg":"Syncing resources..."}' >&2
printf 'C1Z3 not finished' > "$FILE"
exit 0
`
	os.WriteFile(fake, []byte(script), 0o755)
	env := testenv.CleanEnv(home)
	r := run(t, env, home, bin, "generate", "--connector", fake, "--set", "tenant=acme", "--dest", "local", "--profile", "keep")
	if r.code != 0 {
		t.Fatalf("generate: %s", r.stderr)
	}
	dir := filepath.Join(home, ".config", "baton-setup", "keep")
	good := []byte("the last good sync")
	os.WriteFile(filepath.Join(dir, "sync.c1z"), good, 0o600)
	r = run(t, []string{"PATH=/usr/bin:/bin", "HOME=" + home}, "/", "/bin/sh", filepath.Join(dir, "sync.sh"))
	if r.code == 0 || !strings.Contains(r.stdout, "sync failed: the connector exited 0 without finishing the sync") {
		t.Errorf("sync.sh: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(dir, "sync.c1z")); !bytes.Equal(got, good) {
		t.Errorf("the last good file was replaced by %q", got)
	}
}
