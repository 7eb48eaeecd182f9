// Package testsync runs a test sync for a plan and judges it: the one code
// path behind both `baton-setup test` and the wizard's test step.
package testsync

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"al.essio.dev/pkg/shellescape"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/container"
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

// Sync is a started test sync: the connector's run.
type Sync struct {
	*runner.Run
	connector plan.Connector
	timeout   time.Duration
	// quick holds the flags a quick check added; nil for a full test.
	quick []string
}

// Start launches the plan's connector for a test sync. A quick check syncs
// only the user type's resources, or every type's resources without
// entitlements and grants, as far as the connector allows (QuickSupport);
// that is enough to prove the credentials in seconds. A connector that
// allows neither gets an error wrapping ErrNoQuick, and no run.
//
// opts.Timeout bounds the whole test, the quick check's capabilities call
// included.
func Start(ctx context.Context, p *plan.Plan, opts Options) (*Sync, error) {
	env := p.ConnectorEnv()
	var extra []string
	limit := opts.Timeout
	if opts.Quick {
		q := QuickSupport(p.Connector)
		if !q.Possible() {
			return nil, CheckQuick(p.Connector)
		}
		rt := ""
		if q == QuickOneType || q == QuickUnknown {
			started := time.Now()
			capsCtx, cancel := ctx, context.CancelFunc(func() {})
			if opts.Timeout > 0 {
				capsCtx, cancel = context.WithTimeout(ctx, opts.Timeout)
			}
			rt, _ = UserType(capsCtx, p, opts.BaseEnv)
			cancel()
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if opts.Timeout > 0 {
				// Zero would mean no limit.
				opts.Timeout = max(opts.Timeout-time.Since(started), time.Millisecond)
			}
		}
		extra = quickArgs(q, rt)
	}
	binary := p.Connector.Path
	if p.Connector.Image != "" {
		var err error
		if binary, err = dockerPath(p); err != nil {
			return nil, err
		}
	}
	run, err := runner.Start(ctx, runner.Options{
		Binary:    binary,
		Image:     p.Connector.Image,
		Args:      p.Connector.Args,
		Env:       env,
		ExtraArgs: extra,
		Timeout:   opts.Timeout,
		BaseEnv:   opts.BaseEnv,
	})
	if err != nil {
		return nil, err
	}
	return &Sync{Run: run, connector: p.Connector, timeout: limit, quick: extra}, nil
}

// UserType asks the connector for its resource types (`capabilities`, which
// builds the connector without validating it) and returns the first one
// with the user trait, else the first one.
func UserType(ctx context.Context, p *plan.Plan, base []string) (string, error) {
	dir, err := os.MkdirTemp("", "baton-setup-caps-*")
	if err != nil {
		return "", fmt.Errorf("read capabilities: %w", err)
	}
	defer os.RemoveAll(dir)
	if base == nil {
		base = os.Environ()
	}
	var out []byte
	if p.Connector.Image != "" {
		docker, err := dockerPath(p)
		if err != nil {
			return "", err
		}
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		if out, err = container.Output(ctx, docker, p.Connector.Image, p.ConnectorEnv(), append(slices.Clone(p.Connector.Args), "capabilities")...); err != nil {
			return "", fmt.Errorf("read capabilities: %w", err)
		}
		return userType(out)
	}
	out, _, err = runner.Output(ctx, runner.Call{
		Path: p.Connector.Path, Args: append(slices.Clone(p.Connector.Args), "capabilities"), Dir: dir,
		Env: runner.Environ(base, append(p.ConnectorEnv(), runner.EnvVar{Name: "TMPDIR", Value: dir})), Timeout: time.Minute,
	})
	if err != nil {
		return "", fmt.Errorf("read capabilities: %w", err)
	}
	return userType(out)
}

// dockerPath is the docker CLI of a docker-mode plan: the one generate
// recorded, else the one on PATH.
func dockerPath(p *plan.Plan) (string, error) {
	if p.Connector.Docker != "" {
		return p.Connector.Docker, nil
	}
	path, err := exec.LookPath("docker")
	if err != nil {
		return "", fmt.Errorf("run %s: %w", p.Connector.Image, &container.Error{Cause: container.ErrNoCLI, Fix: "install Docker Engine (https://docs.docker.com/engine/install/), or test the connector binary instead of its image"})
	}
	return path, nil
}

func userType(out []byte) (string, error) {
	var caps struct {
		ResourceTypeCapabilities []struct {
			ResourceType struct {
				ID     string   `json:"id"`
				Traits []string `json:"traits"`
			} `json:"resourceType"`
		} `json:"resourceTypeCapabilities"`
	}
	if err := json.Unmarshal(out, &caps); err != nil {
		return "", fmt.Errorf("read capabilities: %w", err)
	}
	first := ""
	for _, c := range caps.ResourceTypeCapabilities {
		rt := c.ResourceType
		if first == "" {
			first = rt.ID
		}
		if slices.Contains(rt.Traits, "TRAIT_USER") {
			return rt.ID, nil
		}
	}
	return first, nil
}

// Outcome is a judged test sync.
type Outcome struct {
	Result    runner.Result
	Summary   *c1z.Summary
	Diagnosis synclog.Diagnosis
	// Err says why the sync does not count as a success; nil on success.
	Err error
	// Warnings make a successful sync doubtful (see Judge); the sync file
	// is good, but the user should look before relying on it.
	Warnings []Warning
}

// OK reports whether the sync succeeded on all three counts: exit 0,
// "Sync complete." logged, and a finished sync in the file. A sync with
// warnings is OK too.
func (o Outcome) OK() bool { return o.Err == nil }

// Warned reports whether the sync succeeded with warnings.
func (o Outcome) Warned() bool { return o.Err == nil && len(o.Warnings) > 0 }

// ErrNoComplete means the connector exited 0 without logging the end of a
// sync, as a v0.25.0 connector does when interrupted.
var ErrNoComplete = errors.New("the connector exited without finishing a sync")

// Finish waits for the run and reads the sync file's summary.
func Finish(ctx context.Context, run *Sync) Outcome {
	res := run.Wait()
	if res.TimedOut && run.timeout > 0 {
		// The connector got what was left of the limit; the user gave the
		// whole of it.
		res.Failure.Message = fmt.Sprintf("timed out after %s", run.timeout)
	}
	out := Outcome{Result: res}
	if !res.Succeeded() {
		f, d := synclog.Refine(res.Failure, res.Tail, res.ExitCode, res.TimedOut)
		out.Diagnosis, out.Result.Failure = d, f
		if d, ok := quickDiagnosis(run.quick, f); ok {
			out.Diagnosis = d
		}
		if out.Diagnosis.ReadLog {
			if h := LogHint(run.connector); h != "" {
				out.Diagnosis.Hint += " " + h
			}
		}
		switch {
		case res.Err != nil:
			out.Err = res.Err
		case res.TimedOut:
			out.Err = fmt.Errorf("the test sync timed out after %s", run.timeout)
		case res.Canceled:
			out.Err = errors.New("the test sync was cancelled")
		case res.ExitCode != 0 || res.RunFailed:
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
	out.Warnings = Judge(&sum, run.connector.Name, res.Errors, res.ErrorCount)
	return out
}

// quickDiagnosis explains a quick check that failed on a flag it added,
// which the user never typed: the connector cannot narrow a sync that way.
func quickDiagnosis(added []string, f synclog.Failure) (synclog.Diagnosis, bool) {
	for _, a := range added {
		if strings.HasPrefix(a, "--") && strings.Contains(f.Full+" "+f.Message, "unknown flag: "+a) {
			return synclog.Diagnosis{
				Cause:   synclog.CauseConfiguration,
				Summary: fmt.Sprintf("This connector cannot run a quick check: it has no %s flag.", a),
				Hint:    "Run the full test instead; it works with every connector.",
			}, true
		}
	}
	return synclog.Diagnosis{}, false
}

// LogHint says how to read the connector's own log at debug level, which
// baton-setup's test does not show: with --set log-level=debug when the
// connector takes that as a setting, else by running the connector itself
// with its --log-level flag. It is "" when neither is known to work
// (a docker image, or a binary of unknown make).
func LogHint(c plan.Connector) string {
	if c.Schema == nil {
		return ""
	}
	if _, ok := c.Schema.Field("log-level"); ok && c.Image == "" {
		return "For its full log, test again with --set log-level=debug."
	}
	has, known := c.Schema.HasFlag("log-level")
	if c.Image != "" || c.Path == "" || (!has && (known || c.SDKVersion == "")) {
		return ""
	}
	argv := append([]string{c.Path}, c.Args...)
	argv = append(argv, "--log-level", "debug", "--log-format", "console", "--file", filepath.Join(os.TempDir(), "baton-debug.c1z"))
	return "For its full log, run it yourself with the same BATON_* settings in the environment (the profile's secrets.env holds the secret ones): " +
		shellescape.QuoteCommand(argv)
}
