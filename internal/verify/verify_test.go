package verify

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/user"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/testenv"
	"github.com/conductorone/baton-setup/internal/upload/uploadtest"
)

var bin string

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &bin)) }

const canary = "canary-Secret-5e1f7a9b"

// noIMDS is the one variable tests add to the scheduler's environment:
// without credentials the AWS SDK would otherwise ask the instance
// metadata address, which tests never reach.
var noIMDS = []string{"AWS_EC2_METADATA_DISABLED=true"}

// envDumpConnector writes a connector that records its environment into
// file, then runs the real demo connector (its schema too).
func envDumpConnector(t *testing.T, dir, file string) string {
	t.Helper()
	path := filepath.Join(dir, "baton-envdump")
	script := "#!/bin/sh\nif [ \"$1\" = config ]; then exec '" + bin + "' demo-connector \"$@\"; fi\n" +
		"env >'" + file + "'\nexec '" + bin + "' demo-connector \"$@\"\n"
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return path
}

// generate writes a profile into home/profile with the real binary, in a
// clean environment with home as HOME, and returns its plan.
func generate(t *testing.T, home string, env []string, args ...string) *plan.Plan {
	t.Helper()
	dir := filepath.Join(home, "profile")
	env = append(testenv.CleanEnv(home), env...)
	args = append([]string{"generate", "--schedule", "hourly:7", "--out", dir}, args...)
	r := testenv.Run(t, env, home, nil, bin, args...)
	if r.Code != 0 {
		t.Fatalf("generate: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	p, err := plan.Load(filepath.Join(dir, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// account is the current user with home as the passwd entry's home: the
// test's HOME stands in for the one cron would read.
func account(t *testing.T, home string) Account {
	t.Helper()
	u, err := user.Current()
	if err != nil {
		t.Fatal(err)
	}
	return Account{Name: u.Username, Home: home}
}

// recorder keeps the progress lines.
type recorder struct {
	mu    sync.Mutex
	lines []string
}

func (r *recorder) add(l string) { r.mu.Lock(); r.lines = append(r.lines, l); r.mu.Unlock() }

func (r *recorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return strings.Join(r.lines, "\n")
}

// envFile reads a recorded environment into a map.
func envFile(t *testing.T, path string) map[string]string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("the connector recorded no environment: %v", err)
	}
	out := map[string]string{}
	for _, l := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(l, "="); ok {
			out[k] = v
		}
	}
	return out
}

// decoyTools puts scripts named like the commands sync.sh and the proof
// use into a directory; each one records that it ran and fails.
func decoyTools(t *testing.T) (dir, record string) {
	t.Helper()
	dir = t.TempDir()
	record = filepath.Join(t.TempDir(), "decoy-ran")
	for _, name := range []string{"sh", "env", "flock", "timeout", "date", "mkdir", "mv", "grep", "find", "mktemp", "rm", "wc", "stat", "baton-setup", "crontab"} {
		script := "#!/bin/sh\necho " + name + " >>'" + record + "'\nexit 97\n"
		if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, record
}

var deliveredLine = regexp.MustCompile(`^Delivered: s3://sync-bucket/baton/demo/sync\.c1z, sync \S+, \d+ resources, verified [0-9a-f]{12} at \d\d:\d\d$`)

// TestCronRunIgnoresCallersEnvironment runs verify while this process
// exports decoys for everything a shell could leak: AWS keys, an endpoint
// on a second server, BATON_* values, a PATH of fake tools, another HOME
// and another working directory. The run must use only what cron gives it:
// the object lands in the bucket the plan names, signed with the keys of
// ~/.aws in the account's home; the decoy server sees nothing; the
// connector sees the profile's values; no fake tool runs.
func TestCronRunIgnoresCallersEnvironment(t *testing.T) {
	s3 := uploadtest.NewServer(t, "sync-bucket")
	decoy := uploadtest.NewServer(t, "sync-bucket")
	home := t.TempDir()
	testenv.WriteAWSFiles(t, home)
	envDump := filepath.Join(home, "connector.env")
	conn := envDumpConnector(t, home, envDump)
	p := generate(t, home, []string{"BATON_API_KEY=" + canary}, "--connector", conn, "--set", "tenant=acme",
		"--dest", "s3://sync-bucket/baton/demo/sync.c1z", "--region", "us-east-1", "--endpoint", s3.URL)

	tools, ran := decoyTools(t)
	decoyHome := t.TempDir()
	if err := os.WriteFile(filepath.Join(decoyHome, "marker"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range map[string]string{
		"AWS_ACCESS_KEY_ID": "AKIADECOYDECOYDECOY", "AWS_SECRET_ACCESS_KEY": "decoy-secret",
		"AWS_ENDPOINT_URL_S3": decoy.URL, "AWS_ENDPOINT_URL": decoy.URL, "AWS_PROFILE": "decoy",
		"AWS_REGION": "eu-west-3", "AWS_CONFIG_FILE": "/nonexistent/config",
		"BATON_TENANT": "decoy-tenant", "BATON_API_KEY": "decoy-key", "BATON_DECOY": "1",
		"PATH": tools + ":" + os.Getenv("PATH"), "HOME": decoyHome, "SHELL": "/bin/bash", "LOGNAME": "decoy",
	} {
		t.Setenv(k, v)
	}
	t.Chdir(decoyHome)

	var rec recorder
	acct := account(t, home)
	res, err := Run(context.Background(), Options{Plan: p, Account: acct, Extra: noIMDS, Progress: rec.add})
	if err != nil {
		t.Fatalf("verify: %v\n%+v\nprogress:\n%s", err, res.Failure, rec.String())
	}
	if !deliveredLine.MatchString(res.Line()) {
		t.Errorf("outcome line: %q", res.Line())
	}
	// gofakes3 keeps the checksum the upload sent and reports it.
	if res.Checked != ByStoreChecksum {
		t.Errorf("checked by %q, want %q", res.Checked, ByStoreChecksum)
	}
	local, err := os.ReadFile(filepath.Join(p.Output.Dir, "sync.c1z"))
	if err != nil {
		t.Fatal(err)
	}
	if obj := s3.Get(t, "sync-bucket", "baton/demo/sync.c1z"); !bytes.Equal(obj, local) {
		t.Errorf("the object (%d bytes) is not the local sync file (%d bytes)", len(obj), len(local))
	}
	if n := len(decoy.Requests()); n != 0 {
		t.Errorf("the decoy endpoint got %d requests: %+v", n, decoy.Requests())
	}
	reqs := s3.Requests()
	if len(reqs) == 0 {
		t.Fatal("the plan's endpoint got no requests")
	}
	for _, r := range reqs {
		if r.AccessKey != testenv.AWSKeyID {
			t.Errorf("%s %s signed with %q, want the key of ~/.aws/credentials", r.Method, r.Path, r.AccessKey)
		}
	}
	env := envFile(t, envDump)
	for k, want := range map[string]string{"HOME": home, "LOGNAME": acct.Name, "BATON_TENANT": "acme", "BATON_API_KEY": canary,
		"AWS_EC2_METADATA_DISABLED": "true", "OLDPWD": home} {
		if env[k] != want {
			t.Errorf("the connector saw %s=%q, want %q", k, env[k], want)
		}
	}
	for k := range env {
		if k == "BATON_DECOY" || (strings.HasPrefix(k, "AWS_") && k != "AWS_EC2_METADATA_DISABLED") {
			t.Errorf("the connector saw %s from the caller", k)
		}
	}
	if strings.Contains(env["PATH"], tools) {
		t.Errorf("the connector's PATH has the decoy tools: %s", env["PATH"])
	}
	if data, err := os.ReadFile(ran); err == nil {
		t.Errorf("decoy tools ran: %s", data)
	}
	if got, want := res.EnvNames, []string{"AWS_EC2_METADATA_DISABLED", "HOME", "LOGNAME", "PATH", "SHELL"}; !slices.Equal(got, want) {
		t.Errorf("environment %v, want %v", got, want)
	}
	if res.WorkDir != home || res.Scheduler != "cron" {
		t.Errorf("ran in %s by %s, want %s by cron", res.WorkDir, res.Scheduler, home)
	}
	progress := rec.String()
	for _, want := range []string{"sync started", "connector: synced 20 user resources", "uploaded to s3://sync-bucket/baton/demo/sync.c1z"} {
		if !strings.Contains(progress, want) {
			t.Errorf("progress lacks %q:\n%s", want, progress)
		}
	}
	if strings.Contains(progress, canary) {
		t.Error("progress shows the secret")
	}
	log, _ := os.ReadFile(filepath.Join(p.Output.Dir, "sync.log"))
	if !strings.Contains(string(log), "sync finished") {
		t.Errorf("the run did not append to sync.log as cron's line does:\n%s", log)
	}
}

// TestCrontabSettingsApply runs the installed entry with the settings the
// crontab makes above it, as cron does: a PATH= line above the block
// reaches sync.sh (which sets its own), and one below it does not.
func TestCrontabSettingsApply(t *testing.T) {
	home := t.TempDir()
	envDump := filepath.Join(home, "connector.env")
	conn := envDumpConnector(t, home, envDump)
	p := generate(t, home, []string{"BATON_API_KEY=" + canary}, "--connector", conn, "--set", "tenant=acme", "--dest", "local")
	block := "# BEGIN baton-setup profile=" + p.Profile + " (managed by baton-setup)\n" +
		"7 * * * * '" + filepath.Join(p.Output.Dir, "sync.sh") + "' >>'" + filepath.Join(home, "other.log") + "' 2>&1\n" +
		"# END baton-setup profile=" + p.Profile + "\n"
	table := "MAILTO=\"\"\nBATON_FROM_CRONTAB = 'above'\n5 4 * * * /usr/bin/true\n" + block + "BATON_BELOW=below\n"
	var rec recorder
	res, err := Run(context.Background(), Options{Plan: p, Account: account(t, home), Crontab: table, Progress: rec.add})
	if err != nil {
		t.Fatalf("verify: %v\n%+v", err, res.Failure)
	}
	if res.Log != filepath.Join(home, "other.log") || !strings.Contains(rec.String(), "sync finished") {
		t.Errorf("did not follow the installed line's log %s:\n%s", res.Log, rec.String())
	}
	env := envFile(t, envDump)
	if _, mailto := env["MAILTO"]; env["BATON_FROM_CRONTAB"] != "above" || !mailto {
		t.Errorf("the crontab's settings above the entry did not reach the run: %v", env)
	}
	if _, ok := env["BATON_BELOW"]; ok {
		t.Error("a setting below the entry reached the run")
	}
	// The installed line, not the rendered one: its log file.
	if log, _ := os.ReadFile(filepath.Join(home, "other.log")); !strings.Contains(string(log), "sync finished") {
		t.Errorf("the installed line's log lacks the run:\n%s", log)
	}
	if res.Dest != filepath.Join(p.Output.Dir, "sync.c1z") || res.Checked != LocalFile || !strings.HasPrefix(res.Line(), "Delivered: "+res.Dest+", sync ") {
		t.Errorf("local outcome: %q (%s)", res.Line(), res.Checked)
	}
}

// TestSystemdUnitRun runs a systemd profile as its user unit would: the
// unit's command in its WorkingDirectory, systemd's PATH, HOME, USER and
// LOGNAME, the output appended to sync.log.
func TestSystemdUnitRun(t *testing.T) {
	home := t.TempDir()
	envDump := filepath.Join(home, "connector.env")
	conn := envDumpConnector(t, home, envDump)
	p := generate(t, home, []string{"BATON_API_KEY=" + canary}, "--connector", conn, "--set", "tenant=acme",
		"--dest", "local", "--scheduler", "systemd")
	t.Setenv("BATON_DECOY", "1")
	var rec recorder
	acct := account(t, home)
	res, err := Run(context.Background(), Options{Plan: p, Account: acct, Progress: rec.add})
	if err != nil {
		t.Fatalf("verify: %v\n%+v\n%s", err, res.Failure, rec.String())
	}
	if got, want := res.EnvNames, []string{"HOME", "LOGNAME", "PATH", "USER"}; !slices.Equal(got, want) {
		t.Errorf("environment %v, want %v", got, want)
	}
	if res.Scheduler != "systemd" || res.WorkDir != p.Output.Dir || res.Command[0] != filepath.Join(p.Output.Dir, "sync.sh") {
		t.Errorf("ran %v in %s by %s", res.Command, res.WorkDir, res.Scheduler)
	}
	env := envFile(t, envDump)
	if env["USER"] != acct.Name || env["HOME"] != home || env["OLDPWD"] != p.Output.Dir || env["BATON_DECOY"] != "" {
		t.Errorf("connector environment: USER=%q HOME=%q OLDPWD=%q BATON_DECOY=%q", env["USER"], env["HOME"], env["OLDPWD"], env["BATON_DECOY"])
	}
	if !strings.Contains(rec.String(), "sync finished") {
		t.Errorf("progress did not follow sync.log:\n%s", rec.String())
	}
}

// TestConnectorFailureExplained proves a profile whose connector refuses
// its key: not delivered, with sync.sh's reason, the connector's innermost
// error, the cause and a fix.
func TestConnectorFailureExplained(t *testing.T) {
	home := t.TempDir()
	p := generate(t, home, []string{"BATON_API_KEY=invalid"}, "--connector", "demo", "--set", "tenant=acme", "--dest", "local")
	res, err := Run(context.Background(), Options{Plan: p, Account: account(t, home)})
	if !errors.Is(err, ErrNotDelivered) || res.Delivered || res.Failure == nil {
		t.Fatalf("verify: %v, %+v", err, res)
	}
	f := res.Failure
	// baton-sdk v0.25.0 exits 16 here, or 0 without a sync file when it
	// notices first that its service child is gone; the cause is the same.
	reason := "the connector exited with status 16"
	if strings.Contains(f.Reason, "exited 0") {
		reason = "the connector exited 0 but wrote no sync file"
	}
	if !strings.HasPrefix(f.Reason, reason) || f.Cause != "credentials" || !strings.Contains(f.Error, "API key (401 from upstream)") || f.Fix == "" {
		t.Errorf("failure: %+v", f)
	}
	if !strings.HasPrefix(res.Line(), "Not delivered: "+reason) || len(res.Details()) != 3 {
		t.Errorf("outcome: %q %q", res.Line(), res.Details())
	}
}

// TestFinishedThenKilledDelivered runs a profile whose connector finishes
// its sync and then exits 1 as baton-sdk before v0.25 does now and then,
// having killed its own service child: sync.sh delivers the file and says
// why it did despite the exit status.
func TestFinishedThenKilledDelivered(t *testing.T) {
	home := t.TempDir()
	conn := filepath.Join(home, "baton-oldsdk")
	script := "#!/bin/sh\nif [ \"$1\" = config ]; then exec '" + bin + "' demo-connector \"$@\"; fi\n" +
		"'" + bin + "' demo-connector \"$@\" || exit $?\n" +
		`echo '{"level":"error","msg":"connector service quit unexpectedly","error":"signal: killed"}' >&2` + "\nexit 1\n"
	if err := os.WriteFile(conn, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	p := generate(t, home, []string{"BATON_API_KEY=" + canary}, "--connector", conn, "--set", "tenant=acme", "--dest", "local")
	res, err := Run(context.Background(), Options{Plan: p, Account: account(t, home)})
	if err != nil || !res.Delivered {
		t.Fatalf("verify: %v, %+v", err, res.Failure)
	}
	log, err := os.ReadFile(filepath.Join(p.Output.Dir, "sync.log"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(log), "exited 1 after it finished the sync") {
		t.Errorf("sync.log does not say why exit 1 was accepted:\n%s", log)
	}
}

// TestConnectorCrashExplained proves a profile whose connector crashes
// mid-sync (the demo's crash mode, turned on by a stand-in that runs it):
// the cause is the crash, not the closed pipe it ends with.
func TestConnectorCrashExplained(t *testing.T) {
	home := t.TempDir()
	conn := filepath.Join(home, "baton-crash")
	script := "#!/bin/sh\nif [ \"$1\" = config ]; then exec '" + bin + "' demo-connector \"$@\"; fi\n" +
		"BATON_DEMO_FAILURE=crash exec '" + bin + "' demo-connector \"$@\"\n"
	if err := os.WriteFile(conn, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	p := generate(t, home, []string{"BATON_API_KEY=" + canary}, "--connector", conn, "--set", "tenant=acme", "--dest", "local")
	res, err := Run(context.Background(), Options{Plan: p, Account: account(t, home)})
	if !errors.Is(err, ErrNotDelivered) || res.Failure == nil {
		t.Fatalf("verify: %v, %+v", err, res)
	}
	if f := res.Failure; f.Cause != "crash" || f.Error != "demo: simulated connector crash" || f.Explanation == "" || f.Fix == "" || !strings.Contains(f.Reason, "connector") {
		t.Errorf("failure: %+v", f)
	}
}

// TestUploadFailureExplained proves a profile whose bucket refuses the
// upload: the reason is sync.sh's, the error and fix the upload's.
func TestUploadFailureExplained(t *testing.T) {
	s3 := uploadtest.NewServer(t, "sync-bucket")
	home := t.TempDir()
	testenv.WriteAWSFiles(t, home)
	p := generate(t, home, []string{"BATON_API_KEY=" + canary}, "--connector", "demo", "--set", "tenant=acme",
		"--dest", "s3://sync-bucket/baton/demo/sync.c1z", "--region", "us-east-1", "--endpoint", s3.URL)
	s3.Always(uploadtest.IsPut, uploadtest.AccessDenied)
	res, err := Run(context.Background(), Options{Plan: p, Account: account(t, home), Extra: noIMDS})
	if !errors.Is(err, ErrNotDelivered) || res.Failure == nil {
		t.Fatalf("verify: %v, %+v", err, res)
	}
	f := res.Failure
	if !strings.Contains(f.Reason, "upload to s3://sync-bucket/baton/demo/sync.c1z failed") || !strings.Contains(f.Error, "AccessDenied") || f.Fix == "" || f.Cause != "" {
		t.Errorf("failure: %+v", f)
	}
}

// TestStopEndsTheRun cancels a run whose connector hangs: Run returns, and
// nothing of the run is left.
func TestStopEndsTheRun(t *testing.T) {
	home := t.TempDir()
	conn := filepath.Join(home, "baton-hang")
	script := "#!/bin/sh\nif [ \"$1\" = config ]; then exec '" + bin + "' demo-connector \"$@\"; fi\nexec sleep 300\n"
	if err := os.WriteFile(conn, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	p := generate(t, home, []string{"BATON_API_KEY=" + canary}, "--connector", conn, "--set", "tenant=acme", "--dest", "local")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	started := make(chan struct{})
	var once sync.Once
	progress := func(l string) {
		if strings.Contains(l, "sync started") {
			once.Do(func() { close(started) })
		}
	}
	done := make(chan error, 1)
	go func() {
		_, err := Run(ctx, Options{Plan: p, Account: account(t, home), Progress: progress, StopGrace: 2 * time.Second})
		done <- err
	}()
	select {
	case <-started:
	case <-time.After(time.Minute):
		t.Fatal("the run did not start")
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, ErrNotDelivered) {
			t.Errorf("stopped run: %v", err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("Run did not return after the stop")
	}
	if left := processesMentioning(p.Output.Dir); len(left) > 0 {
		t.Errorf("processes left: %q", left)
	}
}

// processesMentioning lists command lines that contain s.
func processesMentioning(s string) []string {
	entries, _ := os.ReadDir("/proc")
	var out []string
	for _, e := range entries {
		cmdline, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && bytes.Contains(cmdline, []byte(s)) {
			out = append(out, string(bytes.ReplaceAll(cmdline, []byte{0}, []byte{' '})))
		}
	}
	return out
}
