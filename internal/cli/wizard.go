package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/generate"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/runner"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/synctest"
	"github.com/conductorone/baton-setup/tui"
)

// wizardDeps connects the TUI to the same services the commands use.
func wizardDeps(f *Factory, timeout time.Duration) tui.Deps {
	return tui.Deps{
		Connectors: f.Discover.All,
		LoadSchema: func(ctx context.Context, found discover.Found) (*schema.Schema, error) {
			return discover.Schema(ctx, found)
		},
		StartTest: func(ctx context.Context, p *plan.Plan) (*runner.Run, error) {
			return synctest.Start(ctx, p, synctest.Options{Timeout: timeout, BaseEnv: f.Environ()})
		},
		StartQuick: func(ctx context.Context, p *plan.Plan) (*runner.Run, error) {
			return synctest.Start(ctx, p, synctest.Options{Quick: true, Timeout: timeout, BaseEnv: f.Environ()})
		},
		FinishTest: synctest.Finish,
		Generate: func(ctx context.Context, p *plan.Plan) (generate.Result, error) {
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
		DefaultOutDir: func(profile string) (string, error) { return defaultOutDir(f, profile) },
		Getenv:        f.Getenv,
		Now:           f.Now,
		RandomMinute:  schedule.RandomMinute,
	}
}

func runWizard(ctx context.Context, f *Factory, opts *WizardOptions) error {
	if opts.Accessible {
		return flagErrorf("--accessible: plain line prompts are not available yet\nhint: use the non-interactive commands (baton-setup test, generate)")
	}
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
	_, res, err := tui.Run(ctx, wizardDeps(f, opts.Timeout), p)
	if errors.Is(err, tui.ErrCancelled) {
		return errCancelled
	}
	if err != nil {
		return err
	}
	if res != nil {
		fmt.Fprintf(f.IO.Out, "wrote %d files; run %s to sync now\n", len(res.Files), filepath.Join(filepath.Dir(res.Files[0].Path), "sync.sh"))
	}
	return nil
}
