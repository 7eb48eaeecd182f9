package setup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/conductorone/baton-setup/internal/kube"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/servicemode"
)

// Target is one way a setup runs: what it writes and what starts it.
type Target interface {
	// Name is how results and messages name the target.
	Name() string
	// Check refuses a plan the target cannot set up.
	Check(p *plan.Plan) error
	// UsesSelf reports whether the written files call baton-setup on this
	// machine, which then must outlive a temporary build.
	UsesSelf() bool
	// Write renders the target's files into res and writes them, or in a
	// dry run works out the changes.
	Write(ctx context.Context, env Env, p *plan.Plan, opts Options, res *Result) error
	// Activate does what makes the written files run, as far as
	// baton-setup does it itself; the rest goes into res.Commands.
	Activate(ctx context.Context, env Env, p *plan.Plan, opts Options, res *Result) error
}

// Names of targets and schedulers.
const (
	SchedulerCron    = render.SchedulerCron
	SchedulerSystemd = render.SchedulerSystemd
	SchedulerLaunchd = render.SchedulerLaunchd
	TargetService    = "service"
	TargetKubernetes = kube.TargetKubernetes
	// TargetHost is this machine: the plan's mode and scheduler decide.
	TargetHost = kube.TargetHost
)

// TargetFor is the target that sets up p: Kubernetes when asked for, else
// service mode or the plan's scheduler.
func TargetFor(p *plan.Plan, opts Options) (Target, error) {
	switch {
	case opts.Target == TargetKubernetes:
		return kubeTarget{}, nil
	case opts.Target != "" && opts.Target != TargetHost:
		return nil, plan.SettingErrorf(plan.SettingScheduler, "target %q: want host or kubernetes", opts.Target)
	case p.Mode == plan.ModeService:
		return serviceTarget{}, nil
	}
	switch p.Schedule.Scheduler {
	case "", SchedulerCron:
		return cronTarget{}, nil
	case SchedulerSystemd:
		return systemdTarget{}, nil
	case SchedulerLaunchd:
		return launchdTarget{}, nil
	}
	return nil, plan.SettingErrorf(plan.SettingScheduler, "scheduler %q: want cron, systemd or launchd", p.Schedule.Scheduler)
}

// syncTarget holds what cron and systemd share: sync.sh and its files.
type syncTarget struct {
	scheduler string
	// home holds a launchd agent's Library/LaunchAgents.
	home string
}

func (syncTarget) UsesSelf() bool { return true }

func (syncTarget) Check(p *plan.Plan) error {
	if err := CheckScheduled(p); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return CheckFileVars(p)
}

func (t syncTarget) Write(_ context.Context, env Env, p *plan.Plan, opts Options, res *Result) error {
	preview, err := schedule.NewPreview(p.Schedule.Cron, env.now())
	if err != nil {
		return plan.AsSetting(plan.SettingSchedule, err)
	}
	res.Schedule = &preview
	files, err := render.Files(p, render.Options{Self: res.Self, Timeout: opts.timeout(), Scheduler: t.scheduler, SystemdSystem: p.Schedule.System, Home: t.home})
	if err != nil {
		return err
	}
	res.SyncScript = render.SyncScript(p)
	if p.Destination.Kind == plan.DestS3 {
		res.Dest, res.Key = p.Destination.String(), p.Destination.Key
	} else {
		res.SyncFile = filepath.Join(p.Output.Dir, "sync.c1z")
	}
	return writeFiles(env, p, files, opts, res)
}

// cronTarget runs sync.sh from the user's crontab, in a marked block.
type cronTarget struct{ syncTarget }

func (cronTarget) Name() string { return SchedulerCron }

func (t cronTarget) Write(ctx context.Context, env Env, p *plan.Plan, opts Options, res *Result) error {
	t.scheduler = SchedulerCron
	block, err := render.CronBlock(p)
	if err != nil {
		return err
	}
	res.Cron = &CronState{Block: block, Wanted: p.Schedule.Install}
	return t.syncTarget.Write(ctx, env, p, opts, res)
}

func (cronTarget) Activate(ctx context.Context, env Env, p *plan.Plan, opts Options, res *Result) error {
	if !p.Schedule.Install {
		return nil
	}
	cr, err := InstallCron(ctx, env, p, res.Cron.Block, opts.DryRun)
	res.Cron.Diff, res.Cron.Backup = cr.Diff, cr.Backup
	res.Cron.Installed = err == nil && !opts.DryRun
	return err
}

// systemdTarget runs sync.sh from a persistent systemd timer.
type systemdTarget struct{ syncTarget }

func (systemdTarget) Name() string { return SchedulerSystemd }

func (t systemdTarget) Write(ctx context.Context, env Env, p *plan.Plan, opts Options, res *Result) error {
	t.scheduler = SchedulerSystemd
	return t.syncTarget.Write(ctx, env, p, opts, res)
}

func (systemdTarget) Activate(_ context.Context, _ Env, p *plan.Plan, _ Options, res *Result) error {
	res.Commands, _ = render.SystemdCommands(
		filepath.Join(p.Output.Dir, render.ServiceUnit(p.Profile)),
		filepath.Join(p.Output.Dir, render.TimerUnit(p.Profile)), p.Schedule.System)
	return nil
}

// launchdTarget runs sync.sh from a launchd agent of the user, macOS's
// counterpart of the systemd timer.
type launchdTarget struct{ syncTarget }

func (launchdTarget) Name() string { return SchedulerLaunchd }

func (t launchdTarget) Write(ctx context.Context, env Env, p *plan.Plan, opts Options, res *Result) error {
	t.scheduler, t.home = SchedulerLaunchd, env.Getenv("HOME")
	if t.home == "" {
		return errors.New("render launchd agent: HOME is not set")
	}
	if !opts.DryRun {
		// The agent is written in place, next to the user's other agents.
		if err := os.MkdirAll(filepath.Dir(render.LaunchAgent(t.home, p.Profile)), 0o755); err != nil {
			return fmt.Errorf("write launchd agent: %w", err)
		}
	}
	return t.syncTarget.Write(ctx, env, p, opts, res)
}

func (launchdTarget) Activate(_ context.Context, env Env, p *plan.Plan, _ Options, res *Result) error {
	res.Commands, _ = render.LaunchdCommands(render.LaunchAgent(env.Getenv("HOME"), p.Profile), render.LaunchdLabel(p.Profile))
	return nil
}

// serviceTarget runs the connector all the time as a systemd service that
// takes its tasks from ConductorOne.
type serviceTarget struct{}

func (serviceTarget) Name() string   { return TargetService }
func (serviceTarget) UsesSelf() bool { return true }

func (serviceTarget) Check(p *plan.Plan) error {
	if err := CheckScheduled(p); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	return CheckFileVars(p)
}

func (serviceTarget) Write(_ context.Context, env Env, p *plan.Plan, opts Options, res *Result) error {
	sr, err := servicemode.Generate(p, servicemode.Options{Self: res.Self, DryRun: opts.DryRun, Now: env.Now})
	res.Files, res.Changes = sr.Files, sr.Changes
	res.Unit, res.Commands, res.CheckCommands = sr.Unit, sr.SystemdCommands, sr.CheckCommands
	return err
}

func (serviceTarget) Activate(context.Context, Env, *plan.Plan, Options, *Result) error { return nil }

// kubeTarget writes Kubernetes manifests into the profile directory's
// kubernetes/ folder: a CronJob, or a Deployment in service mode.
type kubeTarget struct{}

func (kubeTarget) Name() string   { return TargetKubernetes }
func (kubeTarget) UsesSelf() bool { return false }

func (kubeTarget) Check(p *plan.Plan) error {
	if err := plan.ValidateProfile(p.Profile); err != nil {
		return err
	}
	return p.ValidateConnector()
}

func (kubeTarget) Write(_ context.Context, env Env, p *plan.Plan, opts Options, res *Result) error {
	kr, err := kube.Run(p, kube.Options{
		Namespace: opts.Namespace, UploaderImage: opts.UploaderImage,
		Timeout: opts.timeout(), DryRun: opts.DryRun, Now: env.Now,
	})
	res.Dir, res.Files, res.Changes = kr.Dir, kr.Files, kr.Changes
	if err != nil {
		return err
	}
	res.Schedule, res.TimeZone = kr.Schedule, kr.TimeZone
	res.Commands = kr.ApplyCommands
	res.Dest, res.Key = kr.Dest, kr.Key
	res.Kubernetes = &KubeFacts{Namespace: kr.Namespace, Name: kr.Name, ConnectorImage: kr.ConnectorImage,
		UploaderImage: kr.UploaderImage, RolePlaceholder: kr.RolePlaceholder}
	return nil
}

func (kubeTarget) Activate(context.Context, Env, *plan.Plan, Options, *Result) error { return nil }
