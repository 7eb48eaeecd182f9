// Package synctest runs a test sync for a plan and judges it: the one code
// path behind both `baton-setup test` and the wizard's test step.
package synctest

import (
	"context"
	"errors"
	"time"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/runner"
	"github.com/conductorone/baton-setup/internal/synclog"
)

// Options tune a test sync.
type Options struct {
	Timeout time.Duration
	// Quick syncs resources only, to check credentials in seconds.
	Quick bool
	// BaseEnv overrides the inherited environment; nil means os.Environ().
	BaseEnv []string
}

// Start launches the plan's connector for a test sync.
func Start(ctx context.Context, p *plan.Plan, opts Options) (*runner.Run, error) {
	var env []runner.EnvVar
	for _, e := range p.ConnectorEnv() {
		env = append(env, runner.EnvVar{Name: e.Name, Value: e.Value, Secret: e.Secret})
	}
	var extra []string
	if opts.Quick {
		extra = append(extra, "--skip-entitlements-and-grants")
	}
	return runner.Start(ctx, runner.Options{
		Binary:    p.Connector.Path,
		Args:      p.Connector.Args,
		Env:       env,
		ExtraArgs: extra,
		Timeout:   opts.Timeout,
		BaseEnv:   opts.BaseEnv,
	})
}

// Outcome is a judged test sync.
type Outcome struct {
	Result    runner.Result
	Summary   *c1z.Summary
	Diagnosis synclog.Diagnosis
	// Err says why the sync does not count as a success; nil on success.
	Err error
}

// OK reports whether the sync succeeded on all three counts: exit 0,
// "Sync complete." logged, and a finished sync in the file.
func (o Outcome) OK() bool { return o.Err == nil }

// ErrNoComplete means the connector exited 0 without logging the end of a
// sync, as a v0.25.0 connector does when interrupted.
var ErrNoComplete = errors.New("the connector exited without finishing a sync")

// Finish waits for the run and reads the sync file's summary.
func Finish(ctx context.Context, run *runner.Run) Outcome {
	res := run.Wait()
	out := Outcome{Result: res}
	if !res.Succeeded() {
		out.Diagnosis = synclog.Diagnose(res.Failure, res.ExitCode, res.TimedOut)
		switch {
		case res.Err != nil:
			out.Err = res.Err
		case res.TimedOut:
			out.Err = errors.New("the test sync timed out")
		case res.Canceled:
			out.Err = errors.New("the test sync was cancelled")
		case res.ExitCode != 0:
			out.Err = errors.New("the connector failed")
		default:
			out.Err = ErrNoComplete
		}
		return out
	}
	sum, err := c1z.Summarize(ctx, res.File, run.WorkDir())
	if err != nil {
		out.Err = err
		return out
	}
	out.Summary = &sum
	return out
}
