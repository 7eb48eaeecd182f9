package setup

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"time"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/servicemode"
)

// Regenerated is what regenerating one profile did, or would do.
type Regenerated struct {
	Profile string `json:"profile"`
	Result  Result `json:"result"`
	// Notes say what changed on the way, such as settings the connector
	// no longer has.
	Notes []string   `json:"notes,omitempty"`
	Drift plan.Drift `json:"drift"`
}

// Regenerate rewrites a saved profile's files from its plan.json and the
// values in its secrets file, with this baton-setup's templates and the
// connector as it is installed now. The saved values win over the
// environment, which only fills in what the profile lacks (a setting the
// connector gained). A crontab block is updated only if it is installed,
// and the time limit of the existing sync.sh is kept. Earlier versions of
// changed files go to backup/.
func Regenerate(ctx context.Context, env Env, name string, dryRun bool) (Regenerated, error) {
	out := Regenerated{Profile: name}
	g, err := Gather(ctx, env, Sources{Profile: name, KeepSaved: true, NoPull: dryRun})
	if err != nil {
		return out, err
	}
	out.Notes, out.Drift = g.Notes, g.Drift
	p := g.Plan
	installed := false
	if env.Crontab != nil && p.Mode != plan.ModeService {
		if table, err := env.Crontab.Read(ctx); err == nil {
			installed = schedule.Count(table, p.Profile) > 0
		}
	}
	notes, err := Complete(ctx, env, g, Choices{InstallSchedule: installed, DryRun: dryRun})
	if err != nil {
		return out, err
	}
	out.Notes = append(out.Notes, notes...)
	opts := Options{DryRun: dryRun, Timeout: scriptTimeout(p.Output.Dir)}
	out.Result, err = Apply(ctx, env, p, opts)
	return out, err
}

// scriptTimeout is the time limit an existing sync.sh gives the connector,
// which plan.json does not keep; zero when there is none.
func scriptTimeout(dir string) time.Duration {
	v, err := profile.ScriptAssignment(filepath.Join(dir, "sync.sh"), "TIMEOUT_SECONDS")
	if err != nil {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return 0
	}
	return time.Duration(n) * time.Second
}

// NeedsInput reports whether a regeneration failed for want of an answer
// only the user can give (a value the connector now requires, a secret
// that is not saved), rather than because something is broken.
func NeedsInput(err error) bool {
	var missing *MissingError
	if errors.As(err, &missing) {
		return true
	}
	for _, se := range plan.SettingErrors(err) {
		if !se.Refused {
			return true
		}
	}
	return false
}

// Removed is what removing a profile did.
type Removed struct {
	Profile string `json:"profile"`
	// Backup is where the profile's directory now is.
	Backup string `json:"backup"`
	// Cron is the crontab change; Changed is false when no block was
	// installed.
	Cron CronResult `json:"cron"`
	// Commands stop and disable systemd units that pointed into the
	// directory; baton-setup does not run them.
	Commands []string `json:"commands,omitempty"`
}

// RemovedDir is the directory, under the config directory, that keeps
// removed profiles.
const RemovedDir = ".removed"

// Remove takes a saved profile out of use: its crontab block goes (the
// table saved in the profile's backup/ first), and its directory moves to
// <config dir>/.removed/<name>.<UTC time>, so that nothing is lost. The
// systemctl commands for a timer or service are returned, not run.
func Remove(ctx context.Context, env Env, name string) (Removed, error) {
	out := Removed{Profile: name}
	if err := plan.ValidateProfile(name); err != nil {
		return out, err
	}
	root, err := env.ConfigDir()
	if err != nil {
		return out, fmt.Errorf("find config directory: %w", err)
	}
	dir := profile.Dir(root, name)
	if p, err := profile.LoadPlan(root, name); err == nil {
		out.Commands = disableCommands(p)
	}
	if env.Crontab != nil {
		if out.Cron, err = RemoveCron(ctx, env, name, dir, false); err != nil {
			return out, fmt.Errorf("remove the crontab entry of %s: %w", name, err)
		}
	}
	if err := mkdirPrivate(filepath.Join(root, RemovedDir)); err != nil {
		return out, err
	}
	out.Backup = filepath.Join(root, RemovedDir, name+"."+env.now().UTC().Format("20060102T150405Z"))
	if err := renameNew(dir, &out.Backup); err != nil {
		return out, fmt.Errorf("move %s aside: %w", dir, err)
	}
	return out, nil
}

// disableCommands stop and disable what systemd runs for a profile.
func disableCommands(p *plan.Plan) []string {
	switch {
	case p.Mode == plan.ModeService:
		_, remove := servicemode.Commands(filepath.Join(p.Output.Dir, ServiceUnit(p.Profile)))
		return remove
	case p.Schedule.Scheduler == SchedulerSystemd:
		_, remove := render.SystemdCommands(filepath.Join(p.Output.Dir, render.ServiceUnit(p.Profile)),
			filepath.Join(p.Output.Dir, render.TimerUnit(p.Profile)), p.Schedule.System)
		return remove
	}
	return nil
}

// mkdirPrivate makes dir, mode 0700, unless it exists.
func mkdirPrivate(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	return nil
}

// renameNew moves from to to, or to to-2, to-3… when to is taken, and
// sets to to the name used.
func renameNew(from string, to *string) error {
	base := *to
	for n := 2; ; n++ {
		if _, err := os.Lstat(*to); errors.Is(err, fs.ErrNotExist) {
			break
		}
		*to = fmt.Sprintf("%s-%d", base, n)
	}
	return os.Rename(from, *to)
}
