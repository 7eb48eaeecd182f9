package cli

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/iostreams"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// tableCrontab is the tests' crontab stand-in with its table at hand.
type tableCrontab struct {
	*testenv.Crontab
	t *testing.T
}

func newTableCrontab(t *testing.T, table string) tableCrontab {
	dir := t.TempDir()
	ct := tableCrontab{testenv.FakeCrontab(t, dir, filepath.Join(dir, "table")), t}
	if table != "" {
		ct.Set(t, table)
	}
	return ct
}

func (c tableCrontab) table() string { return c.Content(c.t) }

// scheduleFactory returns a Factory whose config directory holds one
// profile, "demo", with plan.json and an executable sync.sh.
func scheduleFactory(t *testing.T, ct tableCrontab) (*Factory, *bytes.Buffer, string) {
	t.Helper()
	root := filepath.Join(t.TempDir(), "baton-setup")
	dir := filepath.Join(root, "demo")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	p := &plan.Plan{
		Profile:     "demo",
		Connector:   plan.Connector{Name: "demo", Path: "/usr/local/bin/baton-setup"},
		Destination: plan.Destination{Kind: plan.DestLocal},
		Schedule:    plan.Schedule{Cron: "17 * * * *"},
		Output:      plan.Output{Dir: dir},
	}
	if err := p.Save(filepath.Join(dir, "plan.json")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "sync.sh"), []byte("#!/bin/sh\n"), 0o700)
	io, _, out, _ := iostreams.Test()
	f := &Factory{
		IO:        io,
		Now:       func() time.Time { return time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC) },
		ConfigDir: func() (string, error) { return root, nil },
		Crontab:   schedule.System{Bin: ct.Bin},
	}
	return f, out, dir
}

func runSchedule(t *testing.T, f *Factory, args ...string) error {
	t.Helper()
	cmd := newScheduleCmd(f, nil)
	cmd.SetArgs(args)
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return cmd.ExecuteContext(context.Background())
}

func TestScheduleInstallRemove(t *testing.T) {
	const mine = "MAILTO=ops@example.com\n# mine\n5 4 * * * /usr/bin/backup 50%\n"
	ct := newTableCrontab(t, mine)
	f, out, dir := scheduleFactory(t, ct)
	job := "17 * * * * " + filepath.Join(dir, "sync.sh") + " >>" + filepath.Join(dir, "sync.log") + " 2>&1\n"

	if err := runSchedule(t, f, "install", "--profile", "demo", "--dry-run"); err != nil {
		t.Fatal(err)
	}
	if ct.table() != mine || !strings.Contains(out.String(), "+"+job) || !strings.Contains(out.String(), "dry run") {
		t.Fatalf("dry run changed the table or showed no diff:\n%s", out)
	}

	out.Reset()
	if err := runSchedule(t, f, "install", "--profile", "demo"); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(ct.table(), mine+"# BEGIN baton-setup profile=demo ") || !strings.Contains(ct.table(), "\n"+job) {
		t.Fatalf("table:\n%s", ct.table())
	}
	backup := filepath.Join(dir, "backup", "crontab.20260504T030201Z")
	if data, err := os.ReadFile(backup); err != nil || string(data) != mine {
		t.Errorf("backup: %q %v", data, err)
	}
	for _, want := range []string{"installed the crontab entry for profile demo", "previous crontab saved to " + backup,
		"schedule: At 17 minutes past the hour (server time, UTC) [17 * * * *]", "next runs: Mon 2026-05-04 03:17 UTC, Mon 2026-05-04 04:17 UTC, Mon 2026-05-04 05:17 UTC"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}

	out.Reset()
	installed := ct.table()
	if err := runSchedule(t, f, "install", "--dir", dir); err != nil || ct.table() != installed || !strings.Contains(out.String(), "already installed") {
		t.Errorf("reinstall: %v\n%s", err, out)
	}

	out.Reset()
	if err := runSchedule(t, f, "remove", "--profile", "demo"); err != nil {
		t.Fatal(err)
	}
	if ct.table() != mine || !strings.Contains(out.String(), "removed the crontab entry for profile demo") {
		t.Errorf("remove: %q\n%s", ct.table(), out)
	}
	out.Reset()
	if err := runSchedule(t, f, "remove", "--profile", "demo"); err != nil || !strings.Contains(out.String(), "nothing to remove") {
		t.Errorf("second remove: %v\n%s", err, out)
	}

	// A profile whose directory is gone can still take its block out.
	ct.Set(t, installed)
	os.RemoveAll(dir)
	out.Reset()
	if err := runSchedule(t, f, "remove", "--profile", "demo"); err != nil || ct.table() != mine {
		t.Errorf("remove without a directory: %v %q", err, ct.table())
	}
}

func TestScheduleErrors(t *testing.T) {
	ct := newTableCrontab(t, "")
	f, _, dir := scheduleFactory(t, ct)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"install"}, "exactly one of --profile NAME (see baton-setup profiles) and --dir DIR"},
		{[]string{"install", "--profile", "demo", "--dir", dir}, "exactly one of"},
		{[]string{"install", "--profile", "Bad Name"}, "profile \"Bad Name\""},
		{[]string{"install", "--profile", "other"}, "no such profile"},
		{[]string{"install", "--dir", t.TempDir()}, "hint: write the profile first"},
		{[]string{"install", "--profile", "demo", "--scheduler", "at"}, "want cron, systemd or launchd"},
	} {
		err := runSchedule(t, f, tt.args...)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: %v, want %q", tt.args, err, tt.want)
		}
	}
	os.Remove(filepath.Join(dir, "sync.sh"))
	if err := runSchedule(t, f, "install", "--profile", "demo"); err == nil || !strings.Contains(err.Error(), "missing or not executable") {
		t.Errorf("missing sync.sh: %v", err)
	}
	if ct.table() != "" {
		t.Errorf("a failed install changed the crontab: %q", ct.table())
	}
	os.Chmod(dir, 0o777)
	os.WriteFile(filepath.Join(dir, "sync.sh"), []byte("#!/bin/sh\n"), 0o700)
	if err := runSchedule(t, f, "install", "--profile", "demo"); err == nil || !strings.Contains(err.Error(), "every user may write") {
		t.Errorf("world-writable profile: %v", err)
	}
}

func TestScheduleSystemd(t *testing.T) {
	f, out, dir := scheduleFactory(t, newTableCrontab(t, ""))
	if err := runSchedule(t, f, "install", "--profile", "demo", "--scheduler", "systemd"); err == nil || !strings.Contains(err.Error(), "--scheduler systemd") {
		t.Errorf("no units: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "baton-demo.service"), nil, 0o600)
	os.WriteFile(filepath.Join(dir, "baton-demo.timer"), nil, 0o600)
	if err := runSchedule(t, f, "install", "--profile", "demo", "--scheduler", "systemd"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "systemctl --user enable --now "+filepath.Join(dir, "baton-demo.timer")) {
		t.Errorf("install output:\n%s", out)
	}
	out.Reset()
	if err := runSchedule(t, f, "remove", "--profile", "demo", "--scheduler", "systemd", "--systemd-system"); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "  systemctl disable --now baton-demo.timer\n  systemctl disable baton-demo.service\n") {
		t.Errorf("remove output:\n%s", out)
	}
}
