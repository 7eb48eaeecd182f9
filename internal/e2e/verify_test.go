package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/testenv"
	"github.com/conductorone/baton-setup/internal/upload/uploadtest"
	"github.com/conductorone/baton-setup/internal/verify"
)

// Static upload keys that the wizard tests type in; gofakes3 takes any.
const (
	staticKeyID  = "AKIAWIZARDSTATIC0001"
	staticSecret = "wizard-Secret/4c2e+9d0"
)

// TestVerifyCommandIgnoresCallersEnvironment runs `baton-setup verify` as
// a throwaway user whose ~/.aws holds the upload's credentials, from a
// shell that exports decoys for everything it could leak: AWS keys, an
// endpoint on a second server, an AWS profile, BATON_* values, a PATH of
// recording fake tools, another HOME and another working directory. The
// run must have only what cron gives it: the passwd entry's HOME, the
// crontab's own setting, the plan's endpoint and the keys of ~/.aws.
func TestVerifyCommandIgnoresCallersEnvironment(t *testing.T) {
	u := testenv.NewUser(t)
	crontab := testenv.RequireTool(t, "crontab")
	s3 := uploadtest.NewServer(t, "sync-bucket")
	decoy := uploadtest.NewServer(t, "sync-bucket")
	testenv.WriteAWSFiles(t, u.Home)
	self := u.Install(t, bin)

	envDump := filepath.Join(u.Home, "connector.env")
	conn := filepath.Join(u.Home, "bin", "baton-envdump")
	script := "#!/bin/sh\nif [ \"$1\" = config ]; then exec '" + self + "' demo-connector \"$@\"; fi\n" +
		"env >'" + envDump + "'\nexec '" + self + "' demo-connector \"$@\"\n"
	if err := os.WriteFile(conn, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	decoyHome := filepath.Join(u.Home, "decoy-home")
	tools := filepath.Join(u.Home, "decoy-tools")
	ran := filepath.Join(u.Home, "decoy-ran")
	for _, d := range []string{decoyHome, tools} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	for _, name := range []string{"sh", "env", "flock", "timeout", "date", "mkdir", "mv", "grep", "find", "mktemp", "rm", "baton-setup"} {
		if err := os.WriteFile(filepath.Join(tools, name), []byte("#!/bin/sh\necho "+name+" >>'"+ran+"'\nexit 97\n"), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	u.Own(t, u.Home)
	// The one setting tests add to the scheduler's environment, as a real
	// crontab line, which verify applies as cron would.
	if r := testenv.Run(t, nil, "/", strings.NewReader("AWS_EC2_METADATA_DISABLED=true\n"), crontab, "-u", u.Name, "-"); r.Code != 0 {
		t.Fatalf("crontab -u %s: exit %d: %s", u.Name, r.Code, r.Stderr)
	}

	r := u.Run(t, u.Env("BATON_API_KEY="+canary, "AWS_EC2_METADATA_DISABLED=true"), u.Home, nil, self, "generate",
		"--connector", conn, "--set", "tenant=acme", "--dest", "s3://sync-bucket/baton/demo/sync.c1z",
		"--region", "us-east-1", "--endpoint", s3.URL, "--schedule", "hourly:7", "--profile", "decoy")
	if r.Code != 0 {
		t.Fatalf("generate: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	dir := filepath.Join(u.Home, ".config", "baton-setup", "decoy")
	before := len(s3.Requests())

	decoys := []string{
		"HOME=" + decoyHome, "USER=decoy", "LOGNAME=decoy", "SHELL=/bin/bash", "PATH=" + tools + ":/usr/bin:/bin",
		"AWS_ACCESS_KEY_ID=AKIADECOYDECOYDECOY", "AWS_SECRET_ACCESS_KEY=decoy-secret", "AWS_PROFILE=decoy",
		"AWS_ENDPOINT_URL_S3=" + decoy.URL, "AWS_ENDPOINT_URL=" + decoy.URL, "AWS_REGION=eu-west-3",
		"BATON_TENANT=decoy-tenant", "BATON_API_KEY=decoy-key", "BATON_DECOY=1",
	}
	r = u.Run(t, decoys, decoyHome, nil, self, "verify", "--dir", dir)
	if r.Code != 0 {
		t.Fatalf("verify: exit %d\n%s%s", r.Code, r.Stdout, r.Stderr)
	}
	if !regexp.MustCompile(`^Delivered: s3://sync-bucket/baton/demo/sync\.c1z, sync \S+, 24 resources, verified [0-9a-f]{12} at \d\d:\d\d\n$`).MatchString(r.Stdout) {
		t.Errorf("verify said:\n%s", r.Stdout)
	}
	if !strings.Contains(r.Stderr, "with only AWS_EC2_METADATA_DISABLED, HOME, LOGNAME, PATH, SHELL, in "+u.Home) {
		t.Errorf("verify did not say how it ran sync.sh:\n%s", r.Stderr)
	}
	if n := len(decoy.Requests()); n != 0 {
		t.Errorf("the decoy endpoint got %d requests: %+v", n, decoy.Requests())
	}
	reqs := s3.Requests()[before:]
	if len(reqs) == 0 {
		t.Fatal("the plan's endpoint got no requests from the run")
	}
	for _, req := range reqs {
		if req.AccessKey != testenv.AWSKeyID {
			t.Errorf("%s %s signed with %q, want the key of ~/.aws/credentials", req.Method, req.Path, req.AccessKey)
		}
	}
	env := readEnv(t, envDump)
	for k, want := range map[string]string{"HOME": u.Home, "LOGNAME": u.Name, "SHELL": "/bin/sh", "OLDPWD": u.Home,
		"BATON_TENANT": "acme", "BATON_API_KEY": canary, "AWS_EC2_METADATA_DISABLED": "true"} {
		if env[k] != want {
			t.Errorf("the connector saw %s=%q, want %q", k, env[k], want)
		}
	}
	for k := range env {
		if k == "BATON_DECOY" || k == "USER" || (strings.HasPrefix(k, "AWS_") && k != "AWS_EC2_METADATA_DISABLED") {
			t.Errorf("the connector saw %s from the caller", k)
		}
	}
	if data, err := os.ReadFile(ran); err == nil {
		t.Errorf("decoy tools ran: %s", data)
	}

	// The same as JSON.
	r = u.Run(t, decoys, decoyHome, nil, self, "verify", "--dir", dir, "--json")
	var res verify.Result
	if err := json.Unmarshal([]byte(r.Stdout), &res); r.Code != 0 || err != nil {
		t.Fatalf("verify --json: exit %d, %v\n%s%s", r.Code, err, r.Stdout, r.Stderr)
	}
	if !res.Delivered || res.Scheduler != "cron" || res.WorkDir != u.Home || res.Dest != "s3://sync-bucket/baton/demo/sync.c1z" || len(res.SHA256) != 64 {
		t.Errorf("verify --json: %+v", res)
	}
}

// readEnv reads an `env` dump into a map.
func readEnv(t *testing.T, path string) map[string]string {
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

// TestGenerateVerify writes a local profile with generate --verify and
// proves it; then one whose connector refuses its key: generate and verify
// exit 1 with the cause and the fix.
func TestGenerateVerify(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env := append(testenv.CleanEnv(home), "BATON_API_KEY="+canary)
	dir := filepath.Join(home, "good")
	r := run(t, env, home, bin, "generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local",
		"--schedule", "hourly:7", "--out", dir, "--verify")
	if r.code != 0 {
		t.Fatalf("generate --verify: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	want := regexp.MustCompile(`(?m)^Delivered: ` + regexp.QuoteMeta(filepath.Join(dir, "sync.c1z")) + `, sync \S+, 24 resources, verified [0-9a-f]{12} at \d\d:\d\d$`)
	if !strings.Contains(r.stdout, "wrote "+filepath.Join(dir, "sync.sh")) || !want.MatchString(r.stdout) {
		t.Errorf("generate --verify said:\n%s", r.stdout)
	}
	if !strings.Contains(r.stderr, "sync started") || strings.Contains(r.stdout+r.stderr, canary) {
		t.Errorf("progress:\n%s", r.stderr)
	}

	env = append(testenv.CleanEnv(home), "BATON_API_KEY=invalid")
	dir = filepath.Join(home, "refused")
	r = run(t, env, home, bin, "generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local",
		"--schedule", "hourly:7", "--out", dir, "--verify", "--json")
	var out struct {
		Dir    string        `json:"dir"`
		Verify verify.Result `json:"verify"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &out); r.code != 1 || err != nil {
		t.Fatalf("generate --verify --json of a refused key: exit %d, %v\n%s%s", r.code, err, r.stdout, r.stderr)
	}
	if f := out.Verify.Failure; out.Dir != dir || out.Verify.Delivered || f == nil || f.Cause != "credentials" || f.Fix == "" {
		t.Errorf("generate --verify --json: %+v", out)
	}
	r = run(t, env, home, bin, "verify", "--dir", dir)
	if r.code != 1 || !strings.HasPrefix(r.stdout, "Not delivered: the connector exited ") || !testenv.RefusedKey.MatchString(r.stdout) ||
		!strings.Contains(r.stdout, "Likely cause: The service rejected the credentials.") || !strings.Contains(r.stdout, "Fix: ") {
		t.Errorf("verify of a refused key: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if r = run(t, env, home, bin, "verify"); r.code != 2 || !strings.Contains(r.stderr, "give exactly one of --profile NAME (see baton-setup profiles) and --dir DIR") {
		t.Errorf("verify without a profile: exit %d: %s", r.code, r.stderr)
	}
	if r = run(t, env, home, bin, "generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--dry-run", "--verify"); r.code != 2 {
		t.Errorf("generate --dry-run --verify: exit %d: %s", r.code, r.stderr)
	}
}

// TestDoctorRun adds the proof to doctor's checks: a delivering profile
// passes, one whose connector refuses its key fails with the cause.
func TestDoctorRun(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	for _, tc := range []struct {
		key  string
		code int
		want string
	}{
		{canary, 0, "✓ a run as the schedule runs it delivers: " + filepath.Join(home, ".config", "baton-setup", "demo", "sync.c1z") + ", sync "},
		{"invalid", 1, "✗ a run as the schedule runs it delivers\n    Not delivered: the connector exited "},
	} {
		env, _ := fakeCrontab(t, home, append(testenv.CleanEnv(home), "BATON_API_KEY="+tc.key))
		if r := run(t, env, home, bin, "generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local",
			"--schedule", "hourly:7", "--install-cron"); r.code != 0 {
			t.Fatalf("generate: exit %d: %s", r.code, r.stderr)
		}
		r := run(t, env, home, bin, "doctor", "--profile", "demo", "--run")
		if r.code != tc.code || !strings.Contains(r.stdout, tc.want) || (tc.code != 0 && (!strings.Contains(r.stdout, "    fix: Check the") || !testenv.RefusedKey.MatchString(r.stdout))) {
			t.Errorf("doctor --run with key %s: exit %d\n%s%s", tc.key, r.code, r.stdout, r.stderr)
		}
	}
}
