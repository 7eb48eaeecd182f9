package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/runlog"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/setup"
	"github.com/conductorone/baton-setup/internal/upload"
	"github.com/conductorone/baton-setup/internal/verify"
	"github.com/conductorone/baton-setup/tui"
)

// homeDeps connects the wizard's home screen to the saved profiles. saved
// are the profiles found at start.
func homeDeps(f *Factory, saved []tui.Saved) tui.HomeDeps {
	env := setupEnv(f)
	return tui.HomeDeps{
		Saved: saved,
		List:  func() ([]tui.Saved, error) { return listSaved(f) },
		State: func(ctx context.Context, saved []tui.Saved) []tui.Saved { return savedState(ctx, f, saved) },
		Drift: func(ctx context.Context, name string) (plan.Drift, error) { return setup.CheckDrift(ctx, env, name) },
		Load: func(ctx context.Context, name string) (*plan.Plan, []string, error) {
			g, err := setup.Gather(ctx, env, setup.Sources{Profile: name, KeepSaved: true})
			if err != nil {
				return nil, nil, err
			}
			return g.Plan, g.Notes, nil
		},
		Schedule: func(ctx context.Context, name string, install bool) (string, error) {
			return toggleSchedule(ctx, f, name, install)
		},
		Remove: func(ctx context.Context, name string) (setup.Removed, error) { return setup.Remove(ctx, env, name) },
		RunScheduled: func(ctx context.Context, name string, lines chan<- string) (string, error) {
			return runScheduled(ctx, f, name, lines)
		},
	}
}

// runScheduled proves a saved setup as baton-setup verify does, sending
// the run's lines as they come (the caller closes the channel), and
// returns its one-line outcome.
func runScheduled(ctx context.Context, f *Factory, name string, lines chan<- string) (string, error) {
	p, dir, err := loadProfile(f, name, "")
	if err != nil {
		return "", err
	}
	res, err := proveProfile(ctx, f, p, dir, func(l string) { lines <- l })
	if err != nil && !errors.Is(err, verify.ErrNotDelivered) {
		return "", err
	}
	return res.Line(), nil
}

// listSaved reads every profile's plan.json: what the home screen shows
// before anything slower is known.
func listSaved(f *Factory) ([]tui.Saved, error) {
	root, err := f.ConfigDir()
	if err != nil {
		return nil, fmt.Errorf("find config directory: %w", err)
	}
	list, err := profile.List(root)
	if err != nil {
		return nil, err
	}
	var out []tui.Saved
	for _, info := range list {
		p, err := plan.Load(filepath.Join(info.Dir, "plan.json"))
		if err != nil {
			continue
		}
		sv := tui.Saved{
			Name: info.Name, Dir: info.Dir, Connector: p.Connector.Name, Version: p.Connector.Version,
			Service: p.Mode == plan.ModeService, Systemd: p.Schedule.Scheduler == setup.SchedulerSystemd, Cron: p.Schedule.Cron,
		}
		if !sv.Service {
			sv.Destination = p.Destination.String()
		}
		out = append(out, sv)
	}
	return out, nil
}

// savedState fills in, from this machine only, whether each profile is
// scheduled, how its last run went and when it last uploaded.
func savedState(ctx context.Context, f *Factory, saved []tui.Saved) []tui.Saved {
	table, tableErr := "", errors.New("no crontab")
	if f.Crontab != nil {
		table, tableErr = f.Crontab.Read(ctx)
	}
	out := make([]tui.Saved, len(saved))
	for i, sv := range saved {
		sv.Checked = true
		sv.Installed = tableErr == nil && schedule.Count(table, sv.Name) > 0
		if !sv.Service {
			run, err := runlog.Last(filepath.Join(sv.Dir, "sync.log"))
			sv.LastRun, sv.LastResult = run.Started, run.Text()
			if errors.Is(err, fs.ErrNotExist) {
				sv.LastResult = ""
			}
			if s, err := upload.ReadState(filepath.Join(sv.Dir, "last-upload.json")); err == nil {
				sv.LastUpload = s.LastSuccess
			}
		}
		out[i] = sv
	}
	return out
}

// toggleSchedule installs or removes a profile's crontab block as
// `schedule install|remove` does, and says what it did. For a systemd
// timer it says which commands enable or disable it.
func toggleSchedule(ctx context.Context, f *Factory, name string, install bool) (string, error) {
	p, dir, err := loadProfile(f, name, "")
	if err != nil {
		return "", err
	}
	env := setupEnv(f)
	if p.Schedule.Scheduler == setup.SchedulerSystemd {
		on, off := render.SystemdCommands(filepath.Join(dir, render.ServiceUnit(name)), filepath.Join(dir, render.TimerUnit(name)), p.Schedule.System)
		return "baton-setup does not change systemd itself. Enable the timer with:\n  " + strings.Join(on, "\n  ") +
			"\nor disable it with:\n  " + strings.Join(off, "\n  "), nil
	}
	if !install {
		res, err := setup.RemoveCron(ctx, env, name, dir, false)
		if err != nil {
			return "", err
		}
		if !res.Changed {
			return "No crontab entry was installed for " + name + ".", nil
		}
		return "Removed the crontab entry of " + name + "; the previous crontab is in " + res.Backup + ".", nil
	}
	script := render.SyncScript(p)
	if st, err := os.Stat(script); err != nil || st.Mode().Perm()&0o100 == 0 {
		return "", fmt.Errorf("%s is missing or not executable; regenerate it first (baton-setup regenerate --profile %s)", script, name)
	}
	block, err := render.CronBlock(p)
	if err != nil {
		return "", err
	}
	res, err := setup.InstallCron(ctx, env, p, block, false)
	if err != nil {
		return "", err
	}
	if !res.Changed {
		return "The crontab entry of " + name + " was already installed.", nil
	}
	return "Installed the crontab entry of " + name + ": " + schedule.Describe(p.Schedule.Cron) + ".", nil
}
