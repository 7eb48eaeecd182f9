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
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/schema"
)

// demoEnv is an Env with the real demo connector (the test binary's
// baton-setup), a config directory under root, vars as the environment
// and ct as the crontab.
func demoEnv(root string, vars map[string]string, ct schedule.Crontab) Env {
	return Env{
		Discover:  discover.Env{Self: func() (string, error) { return bin, nil }, LookPath: func(string) (string, error) { return "", os.ErrNotExist }, Getenv: func(string) string { return "" }, HomeDir: func() (string, error) { return root, nil }},
		Getenv:    func(k string) string { return vars[k] },
		Now:       fixedNow,
		ConfigDir: func() (string, error) { return filepath.Join(root, "config"), nil },
		Crontab:   ct,
	}
}

// writeDemo writes a demo profile as generate does.
func writeDemo(t *testing.T, env Env, name string, install bool) *plan.Plan {
	t.Helper()
	ctx := context.Background()
	g, err := Gather(ctx, env, Sources{Connector: "demo", Values: []Assignment{{"tenant", "acme"}}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := Complete(ctx, env, g, Choices{Profile: name, Dest: "local", Schedule: "7 * * * *", InstallSchedule: install}); err != nil {
		t.Fatal(err)
	}
	if _, err := Apply(ctx, env, g.Plan, Options{Timeout: 90 * time.Minute}); err != nil {
		t.Fatal(err)
	}
	return g.Plan
}

func TestRegenerate(t *testing.T) {
	root := t.TempDir()
	ct := fakeCrontab(t, "# mine\n5 4 * * * /bin/true\n")
	env := demoEnv(root, map[string]string{"BATON_API_KEY": "saved-key-1234"}, schedule.System{Bin: ct.Bin})
	p := writeDemo(t, env, "demo", true)
	dir := p.Output.Dir
	if p.Connector.Version == "" || p.Connector.SchemaFingerprint == "" || p.Connector.SDKVersion == "" {
		t.Errorf("the plan does not record the connector: %+v", p.Connector)
	}
	secretsBefore := read(t, filepath.Join(dir, "secrets.env"))
	tableBefore := ct.Content(t)
	// An older baton-setup wrote a different sync.sh.
	script := filepath.Join(dir, "sync.sh")
	current := read(t, script)
	old := strings.Replace(current, "set -eu\n", "set -e\n", 1)
	old = strings.Replace(old, "umask 077\n", "umask 022\nOLD_TEMPLATE=1\n", 1)
	if err := os.WriteFile(script, []byte(old), 0o700); err != nil {
		t.Fatal(err)
	}

	// Another shell's variables must not reach a saved profile.
	env.Getenv = func(k string) string {
		return map[string]string{"BATON_API_KEY": "other-shell", "BATON_TENANT": "other", "BATON_USER_COUNT": "3"}[k]
	}
	dry, err := Regenerate(context.Background(), env, "demo", true)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, script); got != old {
		t.Error("a dry run changed sync.sh")
	}
	var diff string
	for _, c := range dry.Result.Changes {
		switch c.Name {
		case "sync.sh":
			diff = c.Diff
			if c.Action != render.Update {
				t.Errorf("sync.sh: %s", c.Action)
			}
		default:
			if c.Action != render.Keep {
				t.Errorf("%s: %s\n%s", c.Name, c.Action, c.Diff)
			}
		}
	}
	if n := changedLines(diff); n != 3+2 || !strings.Contains(diff, "-OLD_TEMPLATE=1") {
		t.Errorf("sync.sh diff is not minimal (%d lines):\n%s", n, diff)
	}

	res, err := Regenerate(context.Background(), env, "demo", false)
	if err != nil {
		t.Fatal(err)
	}
	if got := read(t, script); got != current {
		t.Errorf("sync.sh not regenerated:\n%s", render.UnifiedDiff("want", "got", current, got))
	}
	if got := read(t, filepath.Join(dir, "secrets.env")); got != secretsBefore {
		t.Errorf("secrets.env changed:\n%s", got)
	}
	if ct.Content(t) != tableBefore {
		t.Errorf("crontab changed:\n%s", ct.Content(t))
	}
	if !strings.Contains(current, "TIMEOUT_SECONDS=5400\n") {
		t.Errorf("the time limit of the old sync.sh was not kept")
	}
	saved, err := profile.LoadPlan(filepath.Join(root, "config"), "demo")
	if err != nil || saved.Values["tenant"] != "acme" || saved.Values["user-count"] != "" {
		t.Errorf("plan.json took the environment's values: %v %v", err, saved.Values)
	}
	var backup string
	for _, c := range res.Result.Changes {
		if c.Name == "sync.sh" {
			backup = c.Backup
		}
	}
	if backup == "" || read(t, backup) != old {
		t.Errorf("no backup of the old sync.sh: %q", backup)
	}
}

func TestRegenerateKeepsAnUninstalledSchedule(t *testing.T) {
	root := t.TempDir()
	ct := fakeCrontab(t, "")
	env := demoEnv(root, map[string]string{"BATON_API_KEY": "k"}, schedule.System{Bin: ct.Bin})
	writeDemo(t, env, "demo", true)
	// Removed by hand since: regenerate must not put it back.
	if _, err := RemoveCron(context.Background(), env, "demo", "", false); err != nil {
		t.Fatal(err)
	}
	if _, err := Regenerate(context.Background(), env, "demo", false); err != nil {
		t.Fatal(err)
	}
	if got := ct.Content(t); strings.Contains(got, "baton-setup") {
		t.Errorf("regenerate installed the schedule again:\n%s", got)
	}
}

func TestRegenerateNeedsInput(t *testing.T) {
	root := t.TempDir()
	env := demoEnv(root, map[string]string{"BATON_API_KEY": "k"}, nil)
	writeDemo(t, env, "demo", false)
	// A secrets.env that lost its key: the setup cannot be rewritten
	// without asking.
	dir := filepath.Join(root, "config", "demo")
	if err := os.WriteFile(filepath.Join(dir, "secrets.env"), []byte("# empty\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env.Getenv = func(string) string { return "" }
	_, err := Regenerate(context.Background(), env, "demo", false)
	var missing *MissingError
	if !errors.As(err, &missing) || !NeedsInput(err) || missing.Fields[0].Name != "api-key" {
		t.Fatalf("err %v", err)
	}
	if NeedsInput(errors.New("disk full")) {
		t.Error("a broken disk does not need input")
	}
}

func TestGatherDropsRemovedSettings(t *testing.T) {
	root := t.TempDir()
	env := demoEnv(root, map[string]string{"BATON_API_KEY": "k"}, nil)
	p := writeDemo(t, env, "demo", false)
	// Written by a connector that had one more setting.
	p.Values["legacy-mode"] = "on"
	p.Connector.Schema = &schema.Schema{Fields: append(p.Connector.Schema.Fields, schema.Field{Name: "legacy-mode"})}
	p.Connector.SchemaFingerprint = p.ConnectorFingerprint()
	if err := p.Save(filepath.Join(p.Output.Dir, "plan.json")); err != nil {
		t.Fatal(err)
	}
	g, err := Gather(context.Background(), env, Sources{Profile: "demo", KeepSaved: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := g.Plan.Values["legacy-mode"]; ok || !g.Drift.SettingsChanged || len(g.Drift.Removed) != 1 {
		t.Errorf("values %v drift %+v", g.Plan.Values, g.Drift)
	}
	if !strings.Contains(strings.Join(g.Notes, "\n"), "no longer has the setting legacy-mode") {
		t.Errorf("notes %q", g.Notes)
	}
	// A plan file naming a setting its unchanged connector lacks is bad
	// input, as before.
	p.Connector.SchemaFingerprint = ""
	file := filepath.Join(t.TempDir(), "plan.json")
	if err := p.Save(file); err != nil {
		t.Fatal(err)
	}
	if _, err := Gather(context.Background(), env, Sources{PlanFile: file}); err == nil || !strings.Contains(err.Error(), "no such field") {
		t.Errorf("err %v", err)
	}
}

func TestRemove(t *testing.T) {
	root := t.TempDir()
	ct := fakeCrontab(t, "# mine\n")
	env := demoEnv(root, map[string]string{"BATON_API_KEY": "k"}, schedule.System{Bin: ct.Bin})
	writeDemo(t, env, "demo", true)
	writeDemo(t, env, "other", true)
	dir := filepath.Join(root, "config", "demo")
	secrets := read(t, filepath.Join(dir, "secrets.env"))

	res, err := Remove(context.Background(), env, "demo")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("the profile directory is still there: %v", err)
	}
	if want := filepath.Join(root, "config", RemovedDir, "demo.20260504T030201Z"); res.Backup != want {
		t.Errorf("backup %s, want %s", res.Backup, want)
	}
	if got := read(t, filepath.Join(res.Backup, "secrets.env")); got != secrets {
		t.Error("the backup lost secrets.env")
	}
	if table := ct.Content(t); strings.Contains(table, "profile=demo ") || !strings.Contains(table, "profile=other ") || !strings.HasPrefix(table, "# mine\n") {
		t.Errorf("crontab:\n%s", table)
	}
	if !res.Cron.Changed || res.Cron.Backup == "" || !strings.HasPrefix(res.Cron.Backup, dir) {
		t.Errorf("crontab change %+v", res.Cron)
	}
	list, _ := profile.List(filepath.Join(root, "config"))
	if len(list) != 1 || list[0].Name != "other" {
		t.Errorf("profiles after removal: %+v", list)
	}
	// A second removal of the same name keeps both backups.
	writeDemo(t, env, "demo", false)
	again, err := Remove(context.Background(), env, "demo")
	if err != nil || again.Backup == res.Backup {
		t.Errorf("second removal: %v, backup %s", err, again.Backup)
	}
}

func read(t *testing.T, path string) string {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

// changedLines counts the removed and added lines of a unified diff.
func changedLines(diff string) int {
	n := 0
	for _, l := range strings.Split(diff, "\n") {
		if (strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---")) || (strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++")) {
			n++
		}
	}
	return n
}
