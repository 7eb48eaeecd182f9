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
	"slices"
	"strings"
	"time"

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
}

// Start launches the plan's connector for a test sync. A quick check syncs
// one user-like resource type without entitlements and grants, which is
// enough to prove the credentials in seconds.
//
// opts.Timeout bounds the whole test, the quick check's capabilities call
// included.
func Start(ctx context.Context, p *plan.Plan, opts Options) (*Sync, error) {
	env := p.ConnectorEnv()
	var extra []string
	if opts.Quick {
		started := time.Now()
		capsCtx, cancel := ctx, context.CancelFunc(func() {})
		if opts.Timeout > 0 {
			capsCtx, cancel = context.WithTimeout(ctx, opts.Timeout)
		}
		rt, err := UserType(capsCtx, p, opts.BaseEnv)
		cancel()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		if err == nil && rt != "" {
			extra = append(extra, "--sync-resource-types", rt)
		}
		extra = append(extra, "--skip-entitlements-and-grants")
		if opts.Timeout > 0 {
			// Zero would mean no limit.
			opts.Timeout = max(opts.Timeout-time.Since(started), time.Millisecond)
		}
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
	return &Sync{Run: run}, nil
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

// NoUsers reports whether a finished sync found no user-like resources: a
// sync that "succeeds" that way usually means the credentials lack read
// permission.
func NoUsers(s *c1z.Summary) bool {
	if s == nil {
		return false
	}
	for _, t := range s.ByType {
		id := strings.ToLower(t.ResourceType)
		if t.Resources > 0 && (strings.Contains(id, "user") || strings.Contains(id, "account") || strings.Contains(id, "member")) {
			return false
		}
	}
	return true
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

func crashed(tail []string) bool {
	for _, l := range tail {
		if strings.Contains(l, "connector service quit unexpectedly") {
			return true
		}
	}
	return false
}

// ErrNoComplete means the connector exited 0 without logging the end of a
// sync, as a v0.25.0 connector does when interrupted.
var ErrNoComplete = errors.New("the connector exited without finishing a sync")

// Finish waits for the run and reads the sync file's summary.
func Finish(ctx context.Context, run *Sync) Outcome {
	res := run.Wait()
	out := Outcome{Result: res}
	if !res.Succeeded() {
		f := res.Failure
		// The innermost error of a crash is about a closed pipe; the crash
		// itself is logged earlier, so judge by the whole tail then.
		if crashed(res.Tail) {
			f.Full = strings.Join(res.Tail, "\n")
		}
		out.Diagnosis = synclog.Diagnose(f, res.ExitCode, res.TimedOut)
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
