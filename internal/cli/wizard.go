package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"al.essio.dev/pkg/shellescape"

	"github.com/conductorone/baton-setup/internal/awsconf"
	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/setup"
	"github.com/conductorone/baton-setup/internal/testsync"
	"github.com/conductorone/baton-setup/internal/upload"
	"github.com/conductorone/baton-setup/internal/verify"
	"github.com/conductorone/baton-setup/tui"
)

// wizardDeps connects the TUI to the same services the commands use.
func wizardDeps(f *Factory, timeout time.Duration) tui.Deps {
	env := setupEnv(f)
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
		Apply: func(ctx context.Context, p *plan.Plan) (setup.Result, error) {
			return setup.Apply(ctx, env, p, setup.Options{})
		},
		Preview: func(ctx context.Context, p *plan.Plan) (setup.Result, error) {
			return setup.Preview(ctx, env, p.Clone(), setup.Options{})
		},
		DefaultOutDir: func(profile string) (string, error) { return setup.DefaultOutDir(env, profile) },
		Getenv:        f.Getenv,
		Getwd:         f.Getwd,
		Now:           f.Now,
		RandomMinute:  schedule.RandomMinute,
		Install:       installDeps(f),
		AWSProfiles: func() []awsconf.Profile {
			// Unreadable files only mean no list: the form then asks for a name.
			ps, _ := awsconf.List(context.Background(), f.Getenv)
			return ps
		},
		Verify: func(ctx context.Context, p *plan.Plan, progress func(string)) (verify.Result, error) {
			return proveProfile(ctx, f, p, p.Output.Dir, progress)
		},
		Command: func(path string) string { return commandFor(f, path) },
		Preflight: func(ctx context.Context, d plan.Destination) (upload.Report, error) {
			co := upload.OptionsFor(d, f.Getenv)
			// Someone is waiting: fail fast rather than retry as cron would.
			co.MaxAttempts, co.ResponseHeaderTimeout = 2, 20*time.Second
			return upload.CheckDestination(ctx, upload.CheckOptions{Client: co, Bucket: d.Bucket, Key: d.Key, NewS3: f.NewS3})
		},
	}
}

// commandFor is how the user's shell runs the baton-setup at path, for the
// commands the wizard prints: by name when PATH finds that very file, else
// by its path. An empty path means this baton-setup as it stays: a
// temporary `go run` build stands for the copy generate keeps of it.
func commandFor(f *Factory, path string) string {
	if path == "" {
		running, err := f.Discover.Self()
		if err != nil {
			return "baton-setup"
		}
		path = running
		if setup.IsTemporary(running) && f.DataDir != nil {
			if data, err := f.DataDir(); err == nil {
				path = filepath.Join(data, "bin", "baton-setup")
			}
		}
	}
	if found, err := f.Discover.LookPath("baton-setup"); err == nil && sameFile(found, path) {
		return "baton-setup"
	}
	return shellescape.Quote(path)
}

// sameFile reports whether a and b name one existing file.
func sameFile(a, b string) bool {
	sa, err := os.Stat(a)
	if err != nil {
		return false
	}
	sb, err := os.Stat(b)
	return err == nil && os.SameFile(sa, sb)
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
		if _, err := os.Stat(filepath.Join(profile.Locate(root, opts.Profile), "plan.json")); err == nil {
			g, err := gatherPlan(ctx, f, connectorFlags{Profile: opts.Profile})
			if err != nil {
				return err
			}
			p = g.Plan
		}
	}
	deps := wizardDeps(f, opts.Timeout)
	var saved []tui.Saved
	if opts.Profile == "" {
		// An unreadable config directory only means no home screen; the
		// wizard then says what is wrong when it writes.
		saved, _ = listSaved(f)
	}
	deps.Home = homeDeps(f, saved)
	var final *plan.Plan
	var res *setup.Result
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
		fmt.Fprintf(f.IO.Out, "wrote %d files; enable the service with: %s\n", len(res.Files), strings.Join(res.Commands, " && "))
	default:
		fmt.Fprintf(f.IO.Out, "wrote %d files; run %s to sync now\n", len(res.Files), res.SyncScript)
	}
	return nil
}
