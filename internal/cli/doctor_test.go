package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/johannesboyne/gofakes3"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/doctor"
	"github.com/conductorone/baton-setup/internal/iostreams"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/setup"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// baton is the binary TestMain built; its demo-connector subcommand is the
// connector doctor runs.
func baton(t *testing.T) string {
	t.Helper()
	return cliBin
}

// fakeCrontab is the tests' crontab stand-in, in a directory of its own.
func fakeCrontab(t *testing.T) (schedule.System, string) {
	t.Helper()
	dir := t.TempDir()
	ct := testenv.FakeCrontab(t, dir, filepath.Join(dir, "table"))
	return schedule.System{Bin: ct.Bin}, ct.Table
}

// opsFactory is a Factory over a private config directory, the fake
// crontab and gofakes3's AWS environment.
func opsFactory(t *testing.T, root string, ct schedule.Crontab, env map[string]string) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	f, _, _ := testFactory(t)
	ios, in, out, errOut := iostreams.Test()
	if env["stdin"] != "" {
		in.WriteString(env["stdin"])
	}
	bin := baton(t)
	f.IO = ios
	f.ConfigDir = func() (string, error) { return root, nil }
	f.DataDir = func() (string, error) { return filepath.Join(root, "data"), nil }
	f.Crontab = ct
	d := discover.System()
	d.Self = func() (string, error) { return bin, nil }
	d.Getenv = func(k string) string { return env[k] }
	d.CacheDir = func() (string, error) { return filepath.Join(root, "cache"), nil }
	f.Discover = d
	f.Getenv = func(k string) string {
		if v, ok := env[k]; ok {
			return v
		}
		return os.Getenv(k)
	}
	return f, out, errOut
}

// healthySetup generates a real S3 profile for the demo connector and
// installs its crontab block through the fake crontab.
func healthySetup(t *testing.T) (root string, p *plan.Plan, ct schedule.System, table string, s3URL string) {
	t.Helper()
	bin := baton(t)
	srv := testenv.NewS3(t, "ops-bucket")
	ct, table = fakeCrontab(t)
	root = filepath.Join(t.TempDir(), "baton-setup")
	found, err := discover.Env{Self: func() (string, error) { return bin, nil }}.Resolve("demo")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	sch, err := discover.Schema(ctx, found)
	if err != nil {
		t.Fatal(err)
	}
	p = &plan.Plan{
		Profile:     "demo",
		Connector:   found.Connector(),
		Destination: plan.Destination{Kind: plan.DestS3, Bucket: "ops-bucket", Key: "baton/demo/sync.c1z", Region: "us-east-1", Endpoint: srv.URL},
		Schedule:    plan.Schedule{Cron: "17 * * * *", Install: true},
		Output:      plan.Output{Dir: filepath.Join(root, "demo")},
	}
	p.Connector.Schema = sch
	for name, v := range map[string]string{"tenant": "acme", "api-key": "demo-key-123"} {
		fld, _ := sch.Field(name)
		p.SetValue(fld, v)
	}
	if _, err := setup.Apply(ctx, setup.Env{Discover: discover.Env{Self: func() (string, error) { return bin, nil }}, Crontab: ct, Now: time.Now}, p, setup.Options{}); err != nil {
		t.Fatal(err)
	}
	return root, p, ct, table, srv.URL
}

func runDoctor(t *testing.T, f *Factory, out, errOut *bytes.Buffer, args ...string) cmdResult {
	t.Helper()
	cmd := newDoctorCmd(f, nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return execute(t, f, cmd.ExecuteContext, cmd.SetArgs, append([]string{"--profile", "demo"}, args...), out, errOut)
}

func TestDoctorHealthy(t *testing.T) {
	root, _, ct, _, _ := healthySetup(t)
	f, out, errOut := opsFactory(t, root, ct, nil)
	res := runDoctor(t, f, out, errOut)
	if res.code != 0 || strings.Contains(res.out, "✗") {
		t.Fatalf("doctor on a healthy setup: exit %d\n%s\n%s", res.code, res.out, res.errOut)
	}
	for _, want := range []string{
		"✓ connector binary", "baton-sdk v0.25.0", "✓ flock command", "✓ timeout command", "✓ crontab command",
		"✓ generated files", "✓ secrets file secrets.env readable only by you", "✓ crontab entry installed once",
		"✓ AWS identity and bucket access (s3://ops-bucket)", "✓ writable work directory",
	} {
		if !strings.Contains(res.out, want) {
			t.Errorf("output lacks %q:\n%s", want, res.out)
		}
	}

	out.Reset()
	res = runDoctor(t, f, out, errOut, "--json")
	var results []doctor.Result
	if err := json.Unmarshal([]byte(res.out), &results); err != nil || res.code != 0 || len(results) < 9 {
		t.Fatalf("--json: exit %d, %v, %d results\n%s", res.code, err, len(results), res.out)
	}
}

func TestDoctorBroken(t *testing.T) {
	for _, tt := range []struct {
		name   string
		break_ func(t *testing.T, p *plan.Plan, table string)
		check  string // the one failing check
		want   []string
	}{
		{"missing binary", func(t *testing.T, p *plan.Plan, _ string) {
			p.Connector.Path = filepath.Join(t.TempDir(), "baton-gone")
			saveTestPlan(t, p)
		}, "connector binary", []string{"no such file or directory", "fix: reinstall the connector", "--connector PATH"}},
		{"secrets readable by others", func(t *testing.T, p *plan.Plan, _ string) {
			os.Chmod(filepath.Join(p.Output.Dir, "secrets.env"), 0o644)
		}, "secrets file", []string{"mode 0644", "fix: chmod 600 " + "DIR/secrets.env"}},
		{"duplicate crontab block", func(t *testing.T, p *plan.Plan, table string) {
			data, err := os.ReadFile(table)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(table, append(data, data...), 0o600)
		}, "crontab entry", []string{"appears 2 times", "fix: ", "schedule install --profile demo"}},
		{"a job left from a block whose BEGIN line was deleted", func(t *testing.T, p *plan.Plan, table string) {
			data, err := os.ReadFile(table)
			if err != nil {
				t.Fatal(err)
			}
			// What a hand-deleted BEGIN line and a later install leave: the
			// old job outside any block, and a new block.
			lines := strings.Split(string(data), "\n")
			orphan := ""
			for _, l := range lines {
				if strings.Contains(l, "/sync.sh ") {
					orphan = strings.Replace(l, "17 ", "42 ", 1)
				}
			}
			if orphan == "" {
				t.Fatalf("no job line in\n%s", data)
			}
			os.WriteFile(table, []byte(orphan+"\n"+string(data)), 0o600)
		}, "crontab entry", []string{"line 1 of the crontab runs DIR/sync.sh outside the block for profile demo", "syncs run 2 times over", "fix: delete the line"}},
		{"a deleted BEGIN line", func(t *testing.T, p *plan.Plan, table string) {
			data, err := os.ReadFile(table)
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(table, regexp.MustCompile(`(?m)^# BEGIN.*\n`).ReplaceAll(data, nil), 0o600)
		}, "crontab entry", []string{"has no BEGIN line above it", "fix: fix the markers with crontab -e"}},
		{"missing bucket", func(t *testing.T, p *plan.Plan, _ string) {
			p.Destination.Bucket = "no-such-bucket"
			saveTestPlan(t, p)
		}, "AWS identity", []string{"bucket no-such-bucket does not exist", "fix: the bucket does not exist"}},
		{"sync.sh's baton-setup is gone", func(t *testing.T, p *plan.Plan, _ string) {
			script := filepath.Join(p.Output.Dir, "sync.sh")
			data, err := os.ReadFile(script)
			if err != nil {
				t.Fatal(err)
			}
			lone := "/opt/lone/baton-setup" // no such file
			fixed := regexp.MustCompile(`(?m)^BATON_SETUP=.*$`).ReplaceAll(data, []byte("BATON_SETUP="+lone))
			if bytes.Equal(fixed, data) {
				t.Fatal("sync.sh has no BATON_SETUP line")
			}
			os.WriteFile(script, fixed, 0o700)
		}, "baton-setup for sync.sh", []string{"/opt/lone/baton-setup, which sync.sh calls, is missing or not executable", "fix: ", "generate --plan "}},
		{"file owned by another user", func(t *testing.T, p *plan.Plan, _ string) {
			if os.Getuid() != 0 {
				t.Skip("only root can give a file away")
			}
			if err := os.Chown(filepath.Join(p.Output.Dir, "sync.sh"), 4242, 4242); err != nil {
				t.Fatal(err)
			}
		}, "generated files", []string{"owned by uid 4242, not by you (uid 0)", "fix: chown root DIR/sync.sh"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			root, p, ct, table, _ := healthySetup(t)
			tt.break_(t, p, table)
			f, out, errOut := opsFactory(t, root, ct, nil)
			res := runDoctor(t, f, out, errOut)
			if res.code != 1 {
				t.Errorf("exit %d, want 1\n%s", res.code, res.out)
			}
			var failed []string
			for _, line := range strings.Split(res.out, "\n") {
				if strings.HasPrefix(line, "✗ ") {
					failed = append(failed, line)
				}
			}
			if len(failed) != 1 || !strings.Contains(failed[0], tt.check) {
				t.Errorf("failed checks %q, want only %q\n%s", failed, tt.check, res.out)
			}
			for _, want := range tt.want {
				want = strings.ReplaceAll(want, "DIR", p.Output.Dir)
				if !strings.Contains(res.out, want) {
					t.Errorf("output lacks %q:\n%s", want, res.out)
				}
			}
			if !strings.Contains(res.errOut, "1 of ") {
				t.Errorf("stderr = %q", res.errOut)
			}
		})
	}
}

func saveTestPlan(t *testing.T, p *plan.Plan) {
	t.Helper()
	if err := p.Save(filepath.Join(p.Output.Dir, "plan.json")); err != nil {
		t.Fatal(err)
	}
}

// TestStatus checks status against gofakes3 holding objects of different
// ages, plus a profile whose object is missing and a service-mode one.
func TestStatus(t *testing.T) {
	now := time.Now().UTC().Truncate(time.Second)
	clock := gofakes3.FixedTimeSource(now.Add(-3 * time.Hour))
	srv := testenv.NewS3Clock(t, clock, "status-bucket")
	root := filepath.Join(t.TempDir(), "baton-setup")
	f, out, errOut := opsFactory(t, root, nil, nil)
	dest := plan.Destination{Kind: plan.DestS3, Bucket: "status-bucket", Region: "us-east-1", Endpoint: srv.URL}
	client, err := f.NewS3(context.Background(), clientOptions(f, dest))
	if err != nil {
		t.Fatal(err)
	}
	put := func(key string) {
		_, err := client.PutObject(context.Background(), &s3.PutObjectInput{Bucket: aws.String("status-bucket"), Key: aws.String(key), Body: strings.NewReader("c1z")})
		if err != nil {
			t.Fatal(err)
		}
	}
	put("old/sync.c1z") // 3h old
	clock.Advance(2*time.Hour + 50*time.Minute)
	put("fresh/sync.c1z") // 10m old

	profiles := map[string]string{"old": "old/sync.c1z", "fresh": "fresh/sync.c1z", "missing": "missing/sync.c1z"}
	for name, key := range profiles {
		dir := filepath.Join(root, name)
		os.MkdirAll(dir, 0o700)
		p := &plan.Plan{
			Profile: name, Connector: plan.Connector{Name: "demo", Path: "/usr/local/bin/baton-setup"},
			Destination: plan.Destination{Kind: plan.DestS3, Bucket: "status-bucket", Key: key, Region: "us-east-1", Endpoint: srv.URL},
			Schedule:    plan.Schedule{Cron: "17 * * * *"}, Output: plan.Output{Dir: dir},
		}
		saveTestPlan(t, p)
	}
	started := now.Add(-20 * time.Minute).Format(time.RFC3339)
	os.WriteFile(filepath.Join(root, "fresh", "sync.log"), []byte(
		started+" baton-setup[fresh]: sync started\n"+started+" baton-setup[fresh]: uploaded to s3://status-bucket/fresh/sync.c1z\n"), 0o600)
	os.WriteFile(filepath.Join(root, "old", "sync.log"), []byte(
		started+" baton-setup[old]: sync started\n"+started+" baton-setup[old]: sync failed: the connector exited with status 16\n"), 0o600)
	svcDir := filepath.Join(root, "svc")
	os.MkdirAll(svcDir, 0o700)
	saveTestPlan(t, &plan.Plan{Profile: "svc", Connector: plan.Connector{Name: "demo", Path: "/usr/local/bin/baton-setup"},
		Output: plan.Output{Dir: svcDir}, Mode: plan.ModeService, Service: plan.Service{ClientID: "fox@acme.conductor.one/pcc"}})

	f.Now = func() time.Time { return now }
	run := func(args ...string) cmdResult {
		out.Reset()
		errOut.Reset()
		cmd := newStatusCmd(f, nil)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		return execute(t, f, cmd.ExecuteContext, cmd.SetArgs, args, out, errOut)
	}
	res := run("--json")
	var got []ProfileStatus
	if err := json.Unmarshal([]byte(res.out), &got); err != nil || res.code != 0 {
		t.Fatalf("status --json: exit %d, %v\n%s\n%s", res.code, err, res.out, res.errOut)
	}
	by := map[string]ProfileStatus{}
	for _, s := range got {
		by[s.Profile] = s
	}
	if s := by["old"]; !s.Stale || s.AgeSeconds != 3*3600 || !strings.HasPrefix(s.LastResult, "failed: ") || !strings.Contains(s.LastLine, "status 16") {
		t.Errorf("old: %+v", s)
	}
	// Nothing runs these profiles (no crontab block): no run is promised.
	if s := by["fresh"]; s.Stale || s.AgeSeconds != 600 || s.LastResult != "ok" || !s.NextRun.IsZero() || s.Scheduled != "" {
		t.Errorf("fresh: %+v", s)
	}
	// Never delivered is not late: the problem says what is missing.
	if s := by["missing"]; s.Stale || !strings.Contains(s.Problem, "does not exist yet") || s.LastResult != "never ran" {
		t.Errorf("missing: %+v", s)
	}
	if s := by["svc"]; s.Mode != plan.ModeService || s.Stale || s.Problem != "" {
		t.Errorf("svc: %+v", s)
	}

	res = run()
	lines := map[string]string{}
	for _, l := range strings.Split(res.out, "\n") {
		name, _, _ := strings.Cut(l, " ")
		lines[name] = l
	}
	if !strings.Contains(lines["old"], "! older than 2h") || !strings.Contains(lines["old"], "3h00m ago") || !strings.Contains(lines["old"], "not scheduled") {
		t.Errorf("old line: %q", lines["old"])
	}
	if strings.Contains(lines["fresh"], "!") || !strings.Contains(lines["fresh"], "10m ago") {
		t.Errorf("fresh line: %q", lines["fresh"])
	}
	if !strings.Contains(lines["svc"], "service") {
		t.Errorf("svc line: %q", lines["svc"])
	}
	if !strings.Contains(res.errOut, "1 profile(s) have not delivered") {
		t.Errorf("stderr: %q", res.errOut)
	}

	// --offline asks S3 nothing: the ages come from last-upload.json only.
	res = run("--offline", "--json")
	got = nil
	json.Unmarshal([]byte(res.out), &got)
	for _, s := range got {
		if !s.ObjectModified.IsZero() {
			t.Errorf("--offline: %s has an S3 time", s.Profile)
		}
	}
}
