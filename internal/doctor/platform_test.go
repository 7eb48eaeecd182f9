package doctor

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schema"
)

// table is a crontab held in memory.
type table struct{ text string }

func (c *table) Read(context.Context) (string, error)    { return c.text, nil }
func (c *table) Write(_ context.Context, t string) error { c.text = t; return nil }

// scheduledProfile writes a real scheduled profile (render.Files and
// render.Write) for a connector script that answers --version, with its
// crontab block installed, or its launchd agent in home for
// render.SchedulerLaunchd.
func scheduledProfile(t *testing.T, scheduler string) Env {
	t.Helper()
	root := t.TempDir()
	home := filepath.Join(root, "home")
	conn := filepath.Join(root, "baton-okta")
	if err := os.WriteFile(conn, []byte("#!/bin/sh\necho 'baton-okta version v0.5.26'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	sch := &schema.Schema{Fields: []schema.Field{{Name: "domain", Kind: schema.KindString, Required: true}}}
	p := &plan.Plan{
		Profile: "okta", Connector: plan.Connector{Name: "okta", Path: conn, Schema: sch},
		Destination: plan.Destination{Kind: plan.DestLocal}, Schedule: plan.Schedule{Cron: "17 * * * *"},
		Output: plan.Output{Dir: filepath.Join(root, "okta")},
	}
	p.SetValue(sch.Fields[0], "acme.okta.com")
	files, err := render.Files(p, render.Options{Self: conn, Scheduler: scheduler, Home: home})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(filepath.Join(home, "Library", "LaunchAgents"), 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := render.Write(p.Output.Dir, files, render.WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	block, err := render.CronBlock(p)
	if err != nil {
		t.Fatal(err)
	}
	return Env{Plan: p, Dir: p.Output.Dir, Home: home, UID: os.Getuid(), Crontab: &table{block}}
}

// on makes only the named commands exist.
func on(names ...string) func(string) (string, error) {
	return func(name string) (string, error) {
		if slices.Contains(names, name) {
			return "/usr/bin/" + name, nil
		}
		return "", exec.ErrNotFound
	}
}

// launchd answers launchctl print as for a loaded agent, or as for none.
func launchd(loaded bool, calls *[]string) func(context.Context, ...string) (string, error) {
	return func(_ context.Context, args ...string) (string, error) {
		*calls = append(*calls, strings.Join(args, " "))
		if loaded {
			return "gui/501/com.conductorone.baton-setup.okta = {\n\tstate = not running\n}\n", nil
		}
		return "", errors.New(`Could not find service "com.conductorone.baton-setup.okta" in domain for user gui: 501`)
	}
}

func names(results []Result) (ok, failed []string) {
	for _, r := range results {
		if r.OK {
			ok = append(ok, r.Name)
		} else {
			failed = append(failed, r.Name+": "+r.Err+"\nfix: "+r.Fix)
		}
	}
	return ok, failed
}

// TestDoctorPlatforms runs the checks for macOS and Linux on this machine,
// with the platform and its commands injected: macOS has launchctl and
// crontab but neither flock nor timeout, which sync.sh does without.
func TestDoctorPlatforms(t *testing.T) {
	ctx := context.Background()
	t.Run("macOS, launchd", func(t *testing.T) {
		e := scheduledProfile(t, render.SchedulerLaunchd)
		var calls []string
		e.Platform, e.LookPath, e.Launchctl = "darwin", on("launchctl", "crontab"), launchd(true, &calls)
		ok, failed := names(Run(ctx, Checks(e)))
		if len(failed) > 0 {
			t.Fatalf("failed: %q", failed)
		}
		for _, want := range []string{
			"flock command (not here; sync.sh uses a lock directory)", "timeout command (not here; sync.sh uses baton-setup timelimit)",
			"launchctl command", "launchd agent com.conductorone.baton-setup.okta loaded",
		} {
			if !slices.Contains(ok, want) {
				t.Errorf("no check %q in %q", want, ok)
			}
		}
		if want := "print gui/" + strconv.Itoa(e.UID) + "/com.conductorone.baton-setup.okta"; !slices.Equal(calls, []string{want}) {
			t.Errorf("launchctl calls %q, want %q", calls, want)
		}
	})
	t.Run("macOS, launchd agent not loaded", func(t *testing.T) {
		e := scheduledProfile(t, render.SchedulerLaunchd)
		var calls []string
		e.Platform, e.LookPath, e.Launchctl = "darwin", on("launchctl", "crontab"), launchd(false, &calls)
		_, failed := names(Run(ctx, Checks(e)))
		agent := filepath.Join(e.Home, "Library", "LaunchAgents", "com.conductorone.baton-setup.okta.plist")
		if len(failed) != 1 || !strings.Contains(failed[0], "the agent is not loaded") || !strings.Contains(failed[0], "Could not find service") ||
			!strings.Contains(failed[0], "fix: launchctl enable gui/$(id -u)/com.conductorone.baton-setup.okta && launchctl bootstrap gui/$(id -u) "+agent) {
			t.Errorf("failed: %q", failed)
		}
	})
	t.Run("macOS, a sync.sh without the fallbacks", func(t *testing.T) {
		e := scheduledProfile(t, render.SchedulerLaunchd)
		var calls []string
		e.Platform, e.LookPath, e.Launchctl = "darwin", on("launchctl", "crontab"), launchd(true, &calls)
		script := filepath.Join(e.Dir, "sync.sh")
		data, _ := os.ReadFile(script)
		// As written before sync.sh had the fallbacks: no lock directory,
		// no baton-setup timelimit.
		old := strings.NewReplacer(`mkdir "$LOCK_DIR"`, "false", `"$BATON_SETUP" timelimit`, "false").Replace(string(data))
		if old == string(data) {
			t.Fatal("sync.sh has neither fallback")
		}
		os.WriteFile(script, []byte(old), 0o700)
		_, failed := names(Run(ctx, Checks(e)))
		if len(failed) != 2 {
			t.Fatalf("failed: %q", failed)
		}
		for i, tool := range []string{"flock", "timeout"} {
			if !strings.HasPrefix(failed[i], tool+" command: "+tool+" is not installed") ||
				!strings.Contains(failed[i], "fix: regenerate sync.sh, which then needs no "+tool+" (macOS has none): baton-setup generate --plan "+filepath.Join(e.Dir, "plan.json")) {
				t.Errorf("%q", failed[i])
			}
		}
	})
	t.Run("macOS, cron", func(t *testing.T) {
		e := scheduledProfile(t, render.SchedulerCron)
		var calls []string
		e.Platform, e.LookPath, e.Launchctl = "darwin", on("launchctl"), launchd(true, &calls)
		ok, failed := names(Run(ctx, Checks(e)))
		if len(failed) != 1 || !strings.Contains(failed[0], "crontab command: crontab is not installed") ||
			!strings.Contains(failed[0], "fix: regenerate with launchd, macOS's own scheduler: baton-setup generate --plan "+filepath.Join(e.Dir, "plan.json")+" --scheduler launchd") {
			t.Errorf("failed: %q", failed)
		}
		if !slices.Contains(ok, "crontab entry installed once") || len(calls) != 0 {
			t.Errorf("passed %q; launchctl calls %q", ok, calls)
		}
	})
	t.Run("Linux, cron", func(t *testing.T) {
		e := scheduledProfile(t, render.SchedulerCron)
		e.Platform, e.LookPath = "linux", on("flock", "timeout", "crontab")
		ok, failed := names(Run(ctx, Checks(e)))
		if len(failed) > 0 {
			t.Fatalf("failed: %q", failed)
		}
		for _, want := range []string{"flock command", "timeout command", "crontab command", "crontab entry installed once"} {
			if !slices.Contains(ok, want) {
				t.Errorf("no check %q in %q", want, ok)
			}
		}
		e.LookPath = on("timeout")
		_, failed = names(Run(ctx, Checks(e)))
		if len(failed) != 1 || !strings.Contains(failed[0], "fix: apt-get install cron") {
			t.Errorf("without crontab: %q", failed)
		}
	})
}
