package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/setup"
)

// Schedule actions.
const (
	scheduleInstall = "install"
	scheduleRemove  = "remove"
)

// ScheduleOptions are the inputs of `baton-setup schedule install|remove`.
type ScheduleOptions struct {
	Factory *Factory

	Action        string
	Profile       string
	Dir           string
	Scheduler     string
	SystemdSystem bool
	DryRun        bool
}

func newScheduleCmd(f *Factory, runF func(context.Context, *ScheduleOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "schedule",
		Short: "Install or remove a saved profile's schedule",
		Long: `Install or remove the schedule of a profile written by generate or the wizard.

For cron, install puts the profile's marked block into your crontab (after
saving the current table in the profile's backup/ directory) and remove takes
it out; no other line of the crontab changes. For systemd, they print the
systemctl commands to run.`,
		Args: cobra.NoArgs,
	}
	for _, action := range []string{scheduleInstall, scheduleRemove} {
		opts := &ScheduleOptions{Factory: f, Action: action}
		short := "Install the profile's crontab entry, replacing an earlier one"
		if action == scheduleRemove {
			short = "Remove the profile's crontab entry and nothing else"
		}
		sub := &cobra.Command{
			Use:     action + " --profile NAME | --dir DIR",
			Short:   short,
			Example: fmt.Sprintf("  baton-setup schedule %s --profile demo\n  baton-setup schedule %s --dir /srv/baton/okta --dry-run", action, action),
			Args:    cobra.NoArgs,
			RunE: func(cmd *cobra.Command, _ []string) error {
				if err := checkProfileFlags(opts.Profile, opts.Dir); err != nil {
					return err
				}
				switch opts.Scheduler {
				case "", render.SchedulerCron, render.SchedulerSystemd, render.SchedulerLaunchd:
				default:
					return flagErrorf("--scheduler %q: want cron, systemd or launchd", opts.Scheduler)
				}
				if runF != nil {
					return runF(cmd.Context(), opts)
				}
				return scheduleRun(cmd.Context(), opts)
			},
		}
		fl := sub.Flags()
		fl.StringVar(&opts.Profile, "profile", "", "profile name, in <config dir>/baton-setup/NAME")
		fl.StringVar(&opts.Dir, "dir", "", "profile directory, for one written with generate --out")
		fl.StringVar(&opts.Scheduler, "scheduler", "", "cron, systemd or launchd (these two print the commands to run); default: the profile's own")
		fl.BoolVar(&opts.SystemdSystem, "systemd-system", false, "system units rather than user units")
		fl.BoolVar(&opts.DryRun, "dry-run", false, "show the crontab change, change nothing")
		cmd.AddCommand(sub)
	}
	return cmd
}

func scheduleRun(ctx context.Context, opts *ScheduleOptions) error {
	f := opts.Factory
	p, dir, err := loadProfile(f, opts.Profile, opts.Dir)
	if err != nil {
		// A profile whose directory is gone can still leave its block.
		if opts.Action == scheduleRemove && (opts.Scheduler == "" || opts.Scheduler == render.SchedulerCron) && opts.Profile != "" && errors.Is(err, profile.ErrNotFound) {
			return removeCron(ctx, opts, opts.Profile, "")
		}
		return err
	}
	if err := checkPlanDir(p, dir); err != nil {
		return err
	}
	scheduler := opts.Scheduler
	if scheduler == "" {
		scheduler = p.Schedule.Scheduler
	}
	switch scheduler {
	case render.SchedulerSystemd:
		return scheduleSystemd(opts, p)
	case render.SchedulerLaunchd:
		return scheduleLaunchd(opts, p)
	}
	if opts.Action == scheduleRemove {
		return removeCron(ctx, opts, p.Profile, dir)
	}
	return installCron(ctx, opts, p)
}

func installCron(ctx context.Context, opts *ScheduleOptions, p *plan.Plan) error {
	f := opts.Factory
	w := f.IO.Out
	preview, err := schedule.NewPreview(p.Schedule.Cron, f.Now())
	if err != nil {
		return fmt.Errorf("%w\nhint: choose a schedule with baton-setup generate --plan %s --schedule …", err, filepath.Join(p.Output.Dir, "plan.json"))
	}
	if _, err := render.CheckDir(p.Output.Dir); err != nil {
		return err
	}
	script := render.SyncScript(p)
	if st, err := os.Stat(script); err != nil || st.Mode().Perm()&0o100 == 0 {
		return fmt.Errorf("install crontab entry: %s is missing or not executable\nhint: regenerate it with baton-setup generate --plan %s", script, filepath.Join(p.Output.Dir, "plan.json"))
	}
	block, err := render.CronBlock(p)
	if err != nil {
		return err
	}
	res, err := setup.InstallCron(ctx, setupEnv(f), p, block, opts.DryRun)
	if err != nil {
		return err
	}
	switch {
	case !res.Changed:
		fmt.Fprintf(w, "the crontab entry for profile %s is already installed:\n", p.Profile)
		fmt.Fprint(w, block)
	case opts.DryRun:
		fmt.Fprintln(w, "dry run: the crontab is not changed; installing would change it like this:")
		render.Indent(w, res.Diff)
	default:
		fmt.Fprintln(w, "crontab changes:")
		render.Indent(w, res.Diff)
		fmt.Fprintf(w, "installed the crontab entry for profile %s\n", p.Profile)
		if res.Backup != "" {
			fmt.Fprintf(w, "previous crontab saved to %s\n", res.Backup)
		}
	}
	preview.Print(w)
	return nil
}

func removeCron(ctx context.Context, opts *ScheduleOptions, profile, backupDir string) error {
	f := opts.Factory
	w := f.IO.Out
	res, err := setup.RemoveCron(ctx, setupEnv(f), profile, backupDir, opts.DryRun)
	if err != nil {
		return err
	}
	switch {
	case !res.Changed:
		fmt.Fprintf(w, "no crontab entry for profile %s; nothing to remove\n", profile)
	case opts.DryRun:
		fmt.Fprintln(w, "dry run: the crontab is not changed; removing would change it like this:")
		render.Indent(w, res.Diff)
	default:
		fmt.Fprintln(w, "crontab changes:")
		render.Indent(w, res.Diff)
		fmt.Fprintf(w, "removed the crontab entry for profile %s\n", profile)
		if res.Backup != "" {
			fmt.Fprintf(w, "previous crontab saved to %s\n", res.Backup)
		}
	}
	return nil
}

// scheduleSystemd prints the commands rather than running them: enabling
// units is a change to the service manager the user should see and own.
func scheduleSystemd(opts *ScheduleOptions, p *plan.Plan) error {
	w := opts.Factory.IO.Out
	service := filepath.Join(p.Output.Dir, render.ServiceUnit(p.Profile))
	timer := filepath.Join(p.Output.Dir, render.TimerUnit(p.Profile))
	install, remove := render.SystemdCommands(service, timer, opts.SystemdSystem)
	if opts.Action == scheduleRemove {
		fmt.Fprintf(w, "to stop and remove the systemd timer of profile %s, run:\n", p.Profile)
		render.Indent(w, strings.Join(remove, "\n"))
		return nil
	}
	for _, unit := range []string{service, timer} {
		if _, err := os.Stat(unit); err != nil {
			return fmt.Errorf("install systemd timer: %s is missing\nhint: write the units with baton-setup generate --plan %s --scheduler systemd", unit, filepath.Join(p.Output.Dir, "plan.json"))
		}
	}
	fmt.Fprintf(w, "to enable the systemd timer of profile %s, run:\n", p.Profile)
	render.Indent(w, strings.Join(install, "\n"))
	return nil
}

// scheduleLaunchd prints the launchctl commands, as scheduleSystemd does.
func scheduleLaunchd(opts *ScheduleOptions, p *plan.Plan) error {
	w := opts.Factory.IO.Out
	agent := render.LaunchAgent(opts.Factory.Getenv("HOME"), p.Profile)
	install, remove := render.LaunchdCommands(agent, render.LaunchdLabel(p.Profile))
	if opts.Action == scheduleRemove {
		fmt.Fprintf(w, "to unload and remove the launchd agent of profile %s, run:\n", p.Profile)
		render.Indent(w, strings.Join(remove, "\n"))
		return nil
	}
	if _, err := os.Stat(agent); err != nil {
		return fmt.Errorf("install launchd agent: %s is missing\nhint: write it with baton-setup generate --plan %s --scheduler launchd", agent, filepath.Join(p.Output.Dir, "plan.json"))
	}
	fmt.Fprintf(w, "to load the launchd agent of profile %s, run:\n", p.Profile)
	render.Indent(w, strings.Join(install, "\n"))
	return nil
}
