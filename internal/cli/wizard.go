package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/conductorone/baton-setup/internal/awsconf"
	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/generate"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/servicemode"
	"github.com/conductorone/baton-setup/internal/testsync"
	"github.com/conductorone/baton-setup/internal/upload"
	"github.com/conductorone/baton-setup/tui"
)

// wizardDeps connects the TUI to the same services the commands use.
func wizardDeps(f *Factory, timeout time.Duration) tui.Deps {
	return tui.Deps{
		Connectors: f.Discover.All,
		LoadSchema: func(ctx context.Context, found discover.Found) (*schema.Schema, error) {
			return f.Discover.Schema(ctx, found)
		},
		StartTest: func(ctx context.Context, p *plan.Plan) (*testsync.Sync, error) {
			return testsync.Start(ctx, p, testsync.Options{Timeout: timeout, BaseEnv: f.Environ()})
		},
		StartQuick: func(ctx context.Context, p *plan.Plan) (*testsync.Sync, error) {
			return testsync.Start(ctx, p, testsync.Options{Quick: true, Timeout: timeout, BaseEnv: f.Environ()})
		},
		FinishTest: testsync.Finish,
		Generate: func(ctx context.Context, p *plan.Plan) (generate.Result, error) {
			if p.Mode == plan.ModeService {
				return wizardService(f, p)
			}
			self, err := f.Discover.Self()
			if err != nil {
				return generate.Result{}, fmt.Errorf("locate baton-setup: %w", err)
			}
			data, err := f.DataDir()
			if err != nil {
				return generate.Result{}, err
			}
			return generate.Run(ctx, p, generate.Options{
				Self: self, BinDir: filepath.Join(data, "bin"), Timeout: time.Hour, Crontab: f.Crontab, Now: f.Now,
			})
		},
		PreviewService: func(p *plan.Plan) (servicemode.Result, error) {
			p = p.Clone()
			self, _, err := serviceSelf(f, p, true)
			if err != nil {
				return servicemode.Result{}, err
			}
			return servicemode.Preview(p, self)
		},
		DefaultOutDir: func(profile string) (string, error) { return defaultOutDir(f, profile) },
		Getenv:        f.Getenv,
		Now:           f.Now,
		RandomMinute:  schedule.RandomMinute,
		Install:       installDeps(f),
		AWSProfiles: func() []awsconf.Profile {
			// Unreadable files only mean no list: the form then asks for a name.
			ps, _ := awsconf.List(context.Background(), f.Getenv)
			return ps
		},
		Preflight: func(ctx context.Context, d plan.Destination) (upload.Report, error) {
			co := upload.OptionsFor(d, f.Getenv)
			// Someone is waiting: fail fast rather than retry as cron would.
			co.MaxAttempts, co.ResponseHeaderTimeout = 2, 20*time.Second
			return upload.CheckDestination(ctx, upload.CheckOptions{Client: co, Bucket: d.Bucket, Key: d.Key, NewS3: f.NewS3})
		},
	}
}

// wizardService writes service mode's files as generate --mode service
// does, in the shape of the wizard's result.
func wizardService(f *Factory, p *plan.Plan) (generate.Result, error) {
	res, self, copied, err := generateService(f, p, false)
	if err != nil {
		return generate.Result{}, err
	}
	return generate.Result{Files: res.Files, Changes: res.Changes, Self: self, CopiedSelf: copied, SystemdCommands: res.SystemdCommands}, nil
}

func runWizard(ctx context.Context, f *Factory, opts *WizardOptions) error {
	p := &plan.Plan{Profile: opts.Profile}
	if opts.Profile != "" {
		if err := plan.ValidateProfile(opts.Profile); err != nil {
			return &FlagError{err: err}
		}
		root, err := f.ConfigDir()
		if err != nil {
			return fmt.Errorf("find config directory: %w", err)
		}
		// A saved profile pre-fills every answer, secrets included (read
		// back from its secrets.env and shown masked).
		if _, err := os.Stat(filepath.Join(profile.Dir(root, opts.Profile), "plan.json")); err == nil {
			if p, err = gatherPlan(ctx, f, connectorFlags{Profile: opts.Profile}); err != nil {
				return err
			}
		}
	}
	deps := wizardDeps(f, opts.Timeout)
	var final *plan.Plan
	var res *generate.Result
	var err error
	// huh and baton-setup agree: a terminal that cannot move the cursor
	// gets the line prompts.
	if opts.Accessible || f.Getenv("TERM") == "dumb" {
		final, res, err = tui.RunAccessible(ctx, deps, p, f.IO.In, f.IO.Out)
	} else {
		final, res, err = tui.Run(ctx, deps, p)
	}
	if errors.Is(err, tui.ErrCancelled) {
		return errCancelled
	}
	if err != nil {
		return err
	}
	switch {
	case res == nil:
	case final != nil && final.Mode == plan.ModeService:
		fmt.Fprintf(f.IO.Out, "wrote %d files; enable the service with: %s\n", len(res.Files), strings.Join(res.SystemdCommands, " && "))
	default:
		fmt.Fprintf(f.IO.Out, "wrote %d files; run %s to sync now\n", len(res.Files), filepath.Join(filepath.Dir(res.Files[0].Path), "sync.sh"))
	}
	return nil
}
