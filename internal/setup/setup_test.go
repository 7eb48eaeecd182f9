package setup

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/testenv"
)

var bin string

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &bin)) }

var clock = time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)

func fixedNow() time.Time { return clock }

// fakeCrontab is the tests' crontab stand-in holding table.
func fakeCrontab(t *testing.T, table string) *testenv.Crontab {
	t.Helper()
	dir := t.TempDir()
	ct := testenv.FakeCrontab(t, dir, filepath.Join(dir, "table"))
	if table != "" {
		ct.Set(t, table)
	}
	return ct
}

func newPlan(dir, token string) *plan.Plan {
	sch := &schema.Schema{Fields: []schema.Field{
		{Name: "domain", Required: true},
		{Name: "api-token", Secret: true, Required: true},
		{Name: "client-id"},
		{Name: "client-secret", Secret: true},
	}}
	p := &plan.Plan{
		Profile:     "okta-prod",
		Connector:   plan.Connector{Name: "okta", Path: "/opt/baton/bin/baton-okta", Schema: sch},
		Destination: plan.Destination{Kind: plan.DestLocal},
		Schedule:    plan.Schedule{Cron: "17 * * * *"},
		Output:      plan.Output{Dir: dir},
	}
	p.SetValue(sch.Fields[0], "example.okta.com")
	p.SetValue(sch.Fields[1], token)
	return p
}

// testEnv is an Env whose baton-setup is installed and whose crontab is ct.
func testEnv(ct *testenv.Crontab) Env {
	return Env{
		Discover: discover.Env{Self: func() (string, error) { return "/usr/local/bin/baton-setup", nil }},
		Crontab:  schedule.System{Bin: ct.Bin},
		Now:      fixedNow,
	}
}

func TestRunRefusesServiceMode(t *testing.T) {
	for _, field := range []string{"client-id", "client-secret"} {
		dir := filepath.Join(t.TempDir(), "p")
		p := newPlan(dir, "tok-1234")
		f, _ := p.Connector.Schema.Field(field)
		p.SetValue(f, "abc")
		_, err := Apply(context.Background(), testEnv(fakeCrontab(t, "")), p, Options{})
		if !errors.Is(err, ErrServiceMode) || !strings.Contains(err.Error(), "service mode") || !strings.Contains(err.Error(), "hint:") {
			t.Errorf("%s: %v", field, err)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("%s: files were written", field)
		}
	}
}

func TestRunDryRunWritesNothing(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	p := newPlan(dir, "tok-canary-1234")
	p.Schedule.Install = true
	ct := fakeCrontab(t, "MAILTO=me@example.com\n")
	res, err := Preview(context.Background(), testEnv(ct), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Error("dry run created the directory")
	}
	if ct.Content(t) != "MAILTO=me@example.com\n" || res.Cron.Installed {
		t.Errorf("dry run changed the crontab: %q", ct.Content(t))
	}
	if !strings.Contains(res.Cron.Diff, "+# BEGIN baton-setup profile=okta-prod") {
		t.Errorf("crontab diff: %s", res.Cron.Diff)
	}
	for i, c := range res.Changes {
		if c.Action != render.Create {
			t.Errorf("%s: %s", c.Name, c.Action)
		}
		if res.Files[i].Secret && strings.Contains(res.Files[i].Shown(), "canary") {
			t.Error("Shown reveals the secret")
		}
	}
	if res.Schedule.Spec != "17 * * * *" || len(res.Schedule.Next) != 3 || !res.Schedule.Next[0].Equal(time.Date(2026, 5, 4, 3, 17, 0, 0, time.UTC)) {
		t.Errorf("preview: %+v", res.Schedule)
	}
}

func TestRunRegenerates(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	ct := fakeCrontab(t, "# mine\n5 4 * * * /bin/true\n")
	p := newPlan(dir, "tok-canary-1111")
	p.Schedule.Install = true
	res, err := Apply(context.Background(), testEnv(ct), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !res.Cron.Installed || !strings.HasPrefix(ct.Content(t), "# mine\n5 4 * * * /bin/true\n# BEGIN baton-setup profile=okta-prod") {
		t.Fatalf("crontab: %q", ct.Content(t))
	}
	backup := filepath.Join(dir, "backup", "crontab.20260504T030201Z")
	if data, err := os.ReadFile(backup); err != nil || string(data) != "# mine\n5 4 * * * /bin/true\n" || res.Cron.Backup != backup {
		t.Errorf("crontab backup %q: %q, %v", res.Cron.Backup, data, err)
	}

	clock = clock.Add(time.Hour)
	defer func() { clock = clock.Add(-time.Hour) }()
	p = newPlan(dir, "tok-canary-2222")
	p.Schedule.Cron = "5 */6 * * *"
	p.Schedule.Install = true
	res, err = Apply(context.Background(), testEnv(ct), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]render.Change{}
	for _, c := range res.Changes {
		byName[c.Name] = c
	}
	if byName["sync.sh"].Action != render.Keep {
		t.Errorf("sync.sh: %s\n%s", byName["sync.sh"].Action, byName["sync.sh"].Diff)
	}
	sec := byName["secrets.env"]
	if sec.Action != render.Update || strings.Contains(sec.Diff, "canary") || !strings.Contains(sec.Diff, "+BATON_API_TOKEN=•••• (new value)") {
		t.Errorf("secrets.env change: %+v", sec)
	}
	if data, _ := os.ReadFile(sec.Backup); !strings.Contains(string(data), "tok-canary-1111") {
		t.Errorf("secrets.env backup %s holds %q", sec.Backup, data)
	}
	if c := byName["README.txt"]; c.Action != render.Update || !strings.Contains(c.Diff, "+5 */6 * * *") {
		t.Errorf("README.txt change: %+v", c)
	}
	if table := ct.Content(t); strings.Count(table, "# BEGIN baton-setup profile=okta-prod") != 1 || !strings.Contains(table, "5 */6 * * * ") {
		t.Errorf("crontab after reinstall: %q", table)
	}

	res2, err := RemoveCron(context.Background(), testEnv(ct), "okta-prod", dir, false)
	if err != nil || !res2.Changed || ct.Content(t) != "# mine\n5 4 * * * /bin/true\n" {
		t.Errorf("remove: %+v %v %q", res2, err, ct.Content(t))
	}
	if res2, _ := RemoveCron(context.Background(), testEnv(ct), "okta-prod", dir, false); res2.Changed || res2.Backup != "" {
		t.Errorf("second remove: %+v", res2)
	}
}

func TestRunSystemd(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "p")
	p := newPlan(dir, "tok")
	p.Schedule.Scheduler = SchedulerSystemd
	p.Schedule.Install = true // ignored: systemd is not cron
	res, err := Apply(context.Background(), testEnv(fakeCrontab(t, "")), p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, unit := range []string{"baton-okta-prod.service", "baton-okta-prod.timer"} {
		if _, err := os.Stat(filepath.Join(dir, unit)); err != nil {
			t.Error(err)
		}
	}
	want := []string{
		"systemctl --user link " + filepath.Join(dir, "baton-okta-prod.service"),
		"systemctl --user enable --now " + filepath.Join(dir, "baton-okta-prod.timer"),
		`loginctl enable-linger "$USER"`,
	}
	if strings.Join(res.Commands, "\n") != strings.Join(want, "\n") || res.Cron != nil || res.Target != SchedulerSystemd {
		t.Errorf("commands: %q, cron %+v", res.Commands, res.Cron)
	}
}

func TestStableSelf(t *testing.T) {
	root := t.TempDir()
	tmpBuild := filepath.Join(root, "go-build123", "b001", "exe", "baton-setup")
	os.MkdirAll(filepath.Dir(tmpBuild), 0o755)
	os.WriteFile(tmpBuild, []byte("binary"), 0o755)
	binDir := filepath.Join(root, "share", "bin")

	got, copied, err := StableSelf(tmpBuild, binDir, true)
	if err != nil || !copied || got != filepath.Join(binDir, "baton-setup") {
		t.Fatalf("dry run: %q %v %v", got, copied, err)
	}
	if _, err := os.Stat(binDir); !os.IsNotExist(err) {
		t.Error("dry run copied the binary")
	}
	got, copied, err = StableSelf(tmpBuild, binDir, false)
	if err != nil || !copied {
		t.Fatal(err)
	}
	if st, err := os.Stat(got); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("copy: %v %v", st, err)
	}
	if b, err := os.ReadFile(got); err != nil || string(b) != "binary" {
		t.Errorf("copy holds %q, %v", b, err)
	}
	if note := CopyNote(got, false, "sync.sh"); note != "copied this temporary build of baton-setup to "+got+" so that sync.sh can run it" {
		t.Errorf("note: %q", note)
	}
	if note := CopyNote(got, true, "the service"); !strings.HasPrefix(note, "would copy this temporary build") || !strings.HasSuffix(note, "so that the service can run it") {
		t.Errorf("dry-run note: %q", note)
	}
	if got, copied, _ := StableSelf("/usr/local/bin/baton-setup", binDir, false); copied || got != "/usr/local/bin/baton-setup" {
		t.Errorf("stable binary: %q %v", got, copied)
	}
	if _, _, err := StableSelf(tmpBuild, "", false); err == nil {
		t.Error("no bin dir accepted")
	}
}

// TestRetargetCompanion rewrites a plan written when the demo connector
// lived in baton-setup-sdk, so that regenerating it points at baton-setup.
func TestRetargetCompanion(t *testing.T) {
	p := &plan.Plan{Connector: plan.Connector{Name: "demo", Path: "/home/u/.local/share/baton-setup/bin/baton-setup-sdk", Args: []string{"demo-connector"}}}
	Retarget(p, "/tmp/go-build1/exe/baton-setup", "/usr/local/bin/baton-setup")
	if p.Connector.Path != "/usr/local/bin/baton-setup" {
		t.Errorf("path %s", p.Connector.Path)
	}
	other := &plan.Plan{Connector: plan.Connector{Name: "okta", Path: "/usr/bin/baton-okta"}}
	Retarget(other, "/tmp/go-build1/exe/baton-setup", "/usr/local/bin/baton-setup")
	if other.Connector.Path != "/usr/bin/baton-okta" {
		t.Errorf("a real connector was retargeted: %s", other.Connector.Path)
	}
}

// TestLaunchd writes a macOS profile: the agent next to the user's other
// agents, the commands that load it, and launchd chosen for a new profile
// on darwin.
func TestLaunchd(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, "p")
	p := newPlan(dir, "tok")
	p.Schedule.Scheduler = SchedulerLaunchd
	env := testEnv(fakeCrontab(t, ""))
	env.Getenv = func(k string) string { return map[string]string{"HOME": home}[k] }
	res, err := Apply(context.Background(), env, p, Options{})
	if err != nil {
		t.Fatal(err)
	}
	agent := filepath.Join(home, "Library", "LaunchAgents", "com.conductorone.baton-setup.okta-prod.plist")
	if data, err := os.ReadFile(agent); err != nil || !strings.Contains(string(data), filepath.Join(dir, "sync.sh")) {
		t.Errorf("agent %s: %v\n%s", agent, err, data)
	}
	if res.Target != SchedulerLaunchd || !strings.Contains(strings.Join(res.Commands, "\n"), "launchctl bootstrap gui/") || res.Cron != nil {
		t.Errorf("result: target %s, commands %q", res.Target, res.Commands)
	}

	g := &Gathered{Plan: newPlan(filepath.Join(home, "q"), "tok")}
	g.Plan.Schedule = plan.Schedule{}
	env.Platform = "darwin"
	env.RandomMinute = func() int { return 9 }
	env.ConfigDir = func() (string, error) { return home, nil }
	if _, err := Complete(context.Background(), env, g, Choices{Dest: "local"}); err != nil {
		t.Fatal(err)
	}
	if g.Plan.Schedule.Scheduler != SchedulerLaunchd {
		t.Errorf("a new profile on darwin gets scheduler %q", g.Plan.Schedule.Scheduler)
	}
}
