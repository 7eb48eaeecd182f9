// Package setup owns turning a plan into a working setup, for the commands
// and the wizard alike: Gather builds a plan from what the user gave,
// Complete fills in what is left, Preview shows what would be written
// (secret values masked), and Apply writes the files and installs the
// schedule. What gets written, and how it is started, is a Target's:
// cron, a systemd timer, service mode or Kubernetes manifests.
package setup

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"time"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schedule"
)

// Env holds the side effects of setting up.
type Env struct {
	Discover discover.Env
	Getenv   func(string) string
	Now      func() time.Time
	// ConfigDir is the root of profile directories.
	ConfigDir func() (string, error)
	// DataDir is where a copy of a temporary `go run` build is kept.
	DataDir func() (string, error)
	Crontab schedule.Crontab
	// RandomMinute picks the minute of an "hourly" schedule.
	RandomMinute func() int
	// Getwd is the directory relative paths the user gives are in.
	Getwd func() (string, error)
	// Platform is the operating system (runtime.GOOS), which picks a new
	// profile's scheduler.
	Platform string
}

func (e Env) now() time.Time {
	if e.Now != nil {
		return e.Now()
	}
	return time.Now()
}

// Options say how to apply a plan, beyond the plan itself.
type Options struct {
	// Target is TargetKubernetes for manifests; otherwise the plan's mode
	// and scheduler choose.
	Target string
	// Timeout bounds one scheduled sync; an hour when zero.
	Timeout time.Duration
	// Namespace and UploaderImage are the Kubernetes target's.
	Namespace     string
	UploaderImage string
	// DryRun computes every change and writes nothing: no files, no copy
	// of baton-setup, no crontab.
	DryRun bool
}

func (o Options) timeout() time.Duration {
	if o.Timeout > 0 {
		return o.Timeout
	}
	return time.Hour
}

// Result says what was written, or would be in a dry run, and what the user
// does next. One Result serves every target; Print shows it.
type Result struct {
	Target  string          `json:"target"`
	Profile string          `json:"profile"`
	Dir     string          `json:"dir"`
	Files   []render.File   `json:"files"`
	Changes []render.Change `json:"changes"`
	DryRun  bool            `json:"dryRun,omitempty"`
	// Self is the baton-setup the files call; CopiedSelf says it is a copy
	// of a temporary build.
	Self       string `json:"self,omitempty"`
	CopiedSelf bool   `json:"copiedSelf,omitempty"`
	// Schedule is set for scheduled syncs; TimeZone when it is not the
	// server's.
	Schedule *schedule.Preview `json:"schedule,omitempty"`
	TimeZone string            `json:"timeZone,omitempty"`
	// Cron is set for the cron target.
	Cron *CronState `json:"cron,omitempty"`
	// Commands start what was written (systemctl, kubectl); baton-setup
	// prints them and does not run them.
	Commands []string `json:"commands,omitempty"`
	// CheckCommands show whether it runs well.
	CheckCommands []string `json:"checkCommands,omitempty"`
	// Unit is the systemd unit of service mode.
	Unit string `json:"unit,omitempty"`
	// Kubernetes holds the manifests' facts.
	Kubernetes *KubeFacts `json:"kubernetes,omitempty"`
	// Dest is the destination; Key is what to type into ConductorOne.
	Dest string `json:"dest,omitempty"`
	Key  string `json:"key,omitempty"`
	// SyncScript is sync.sh of a scheduled sync on this machine, and
	// SyncFile the file a local destination leaves.
	SyncScript string `json:"syncScript,omitempty"`
	SyncFile   string `json:"syncFile,omitempty"`
	// Notes are cautions and facts the user should read.
	Notes []string `json:"notes,omitempty"`
}

// CronState is the crontab side of a cron target.
type CronState struct {
	// Block is the profile's marked crontab block.
	Block string `json:"block"`
	// Wanted is set when the plan asks for the block to be installed.
	Wanted    bool   `json:"wanted"`
	Installed bool   `json:"installed"`
	Diff      string `json:"diff,omitempty"`
	Backup    string `json:"backup,omitempty"`
}

// KubeFacts are the Kubernetes target's names and images.
type KubeFacts struct {
	Namespace      string `json:"namespace"`
	Name           string `json:"name"`
	ConnectorImage string `json:"connectorImage"`
	UploaderImage  string `json:"uploaderImage,omitempty"`
	// RolePlaceholder is set when serviceaccount.yaml needs the user's IAM
	// role ARN before it is applied.
	RolePlaceholder bool `json:"rolePlaceholder,omitempty"`
}

// Preview works out what Apply would write and do, masked, and changes
// nothing.
func Preview(ctx context.Context, env Env, p *plan.Plan, opts Options) (Result, error) {
	opts.DryRun = true
	return Apply(ctx, env, p, opts)
}

// Apply validates the plan, refuses a profile directory or a program that
// is not the user's alone (checkProfileDir, checkPrograms), writes its
// target's files atomically (keeping earlier versions in backup/) while it
// holds the profile's lock, and installs what the target installs
// itself: the crontab block when the plan asks for it. It may point the
// plan's connector at a copy of a temporary baton-setup, and records the
// connector's version and settings fingerprint in the plan (plan.json).
func Apply(ctx context.Context, env Env, p *plan.Plan, opts Options) (Result, error) {
	t, err := TargetFor(p, opts)
	if err != nil {
		return Result{}, err
	}
	if err := t.Check(p); err != nil {
		return Result{}, err
	}
	if !opts.DryRun {
		unlock, err := lockProfile(ctx, p.Profile)
		if err != nil {
			return Result{}, err
		}
		defer unlock()
	}
	if err := checkProfileDir(env, p, t.Name() == TargetKubernetes); err != nil {
		return Result{}, err
	}
	res := Result{Target: t.Name(), Profile: p.Profile, Dir: p.Output.Dir, DryRun: opts.DryRun}
	if t.UsesSelf() {
		// Before Retarget: a dry run's copy of a temporary build does not
		// exist to be asked.
		stamp(ctx, p)
		running, err := env.Discover.Self()
		if err != nil {
			return Result{}, fmt.Errorf("locate baton-setup: %w", err)
		}
		binDir := ""
		if env.DataDir != nil {
			data, err := env.DataDir()
			if err != nil {
				return Result{}, err
			}
			binDir = filepath.Join(data, "bin")
		}
		if res.Self, res.CopiedSelf, err = StableSelf(running, binDir, opts.DryRun); err != nil {
			return Result{}, err
		}
		Retarget(p, running, res.Self)
		if err := checkPrograms(p, res.Self, t.Name() == TargetService); err != nil {
			return Result{}, err
		}
	}
	if err := t.Write(ctx, env, p, opts, &res); err != nil {
		return res, err
	}
	if !opts.DryRun && env.ConfigDir != nil && slices.ContainsFunc(res.Files, func(f render.File) bool { return f.Name == "plan.json" }) {
		// A profile written elsewhere (--out) is found by every command.
		root, err := env.ConfigDir()
		if err == nil {
			err = profile.Register(root, p.Profile, p.Output.Dir)
		}
		if err != nil {
			return res, err
		}
	}
	return res, t.Activate(ctx, env, p, opts, &res)
}

// writeFiles writes a host target's files into the profile directory, or
// works out the changes in a dry run.
func writeFiles(env Env, p *plan.Plan, files []render.File, opts Options, res *Result) error {
	res.Files = files
	var err error
	res.Changes, err = render.Write(p.Output.Dir, files, render.WriteOptions{DryRun: opts.DryRun, Now: env.Now})
	return err
}

// ErrNoCrontab is returned when a crontab change is asked for without a
// crontab to change.
var ErrNoCrontab = errors.New("no crontab available")
