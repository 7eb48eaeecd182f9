// Package runner runs a connector as a child process for one sync: in its
// own process group, with its own work and temp directories, values passed
// as BATON_* environment variables only, and its log turned into events.
package runner

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/synclog"
)

// EnvVar is one environment assignment for the connector; it is the plan's
// own type, so a plan's values pass straight through.
type EnvVar = plan.EnvVar

// Options describe one run.
type Options struct {
	// Binary is the connector executable; Args come before the flags.
	Binary string
	Args   []string
	Env    []EnvVar
	// ExtraArgs are appended flags that hold no secret, e.g. a quick check's
	// --skip-entitlements-and-grants.
	ExtraArgs []string
	// Timeout bounds the whole run; zero means no limit.
	Timeout time.Duration
	// Grace is how long the group has after SIGINT before SIGKILL.
	Grace time.Duration
	// BaseEnv is the environment the connector inherits before Env is added;
	// nil means os.Environ(). BATON_CLIENT_ID and BATON_CLIENT_SECRET are
	// always dropped, since either turns a one-shot sync into a daemon, and
	// the variables Env sets replace inherited ones.
	BaseEnv []string
	// TailLines bounds the raw log kept for details and errors.
	TailLines int
	// Image, when set, runs the connector from this container image and
	// Binary is the docker CLI. Env then goes only into a private env file,
	// removed as soon as docker exits; see internal/container.
	Image string
}

// ExitTimedOut is the exit code of a run stopped by its time limit, as
// timeout(1) reports it: whatever the connector exits with while it is
// stopped (v0.25.0 exits 0) says nothing about the run.
const ExitTimedOut = 124

// Result is how a run ended.
type Result struct {
	// ExitCode is the connector's exit code, or ExitTimedOut.
	ExitCode    int
	Duration    time.Duration
	TimedOut    bool
	Canceled    bool
	SawComplete bool
	// RunFailed is set when the SDK logged "error running connector": the
	// run failed whatever its exit code.
	RunFailed bool
	// FinishedThenKilled is set when the connector exited 1 only because its
	// SDK killed its own service child after a finished sync (see
	// synclog.Collector.FinishedThenKilled): the exit code does not count.
	FinishedThenKilled bool
	// File is the sync file the connector was told to write.
	File string
	// Failure is the error the run ended with; after a timeout it says so,
	// whatever the SDK printed while it was stopped.
	Failure  synclog.Failure
	Tail     []string
	Warnings int
	// Errors are the first distinct messages of error-level log lines, and
	// ErrorCount how many there were, the SDK's shutdown noise left out.
	Errors     []string
	ErrorCount int
	// Err is set when the process could not be started or waited for.
	Err error
}

// Succeeded reports the first two of the three success conditions: exit 0
// (or the exit FinishedThenKilled excuses) and "Sync complete." seen, with
// no "error running connector". The caller must still open File and find a
// finished sync in it.
func (r Result) Succeeded() bool {
	exitOK := r.ExitCode == 0 || (r.ExitCode == 1 && r.FinishedThenKilled)
	return r.Err == nil && exitOK && r.SawComplete && !r.RunFailed && !r.TimedOut && !r.Canceled
}

// Run is a started connector process.
type Run struct {
	cmd     *exec.Cmd
	events  chan synclog.Event
	done    chan struct{}
	result  Result
	workDir string
	cancel  context.CancelFunc
	canceld chan struct{}
}

// Start launches the connector. The caller must drain Events (or call Wait,
// which drains what is left) and call Cleanup when done with the file.
func Start(ctx context.Context, opts Options) (*Run, error) {
	if opts.Binary == "" {
		return nil, errors.New("start connector: no connector binary")
	}
	if opts.Grace == 0 {
		opts.Grace = 10 * time.Second
	}
	if opts.TailLines == 0 {
		opts.TailLines = 200
	}
	workDir, err := os.MkdirTemp("", "baton-setup-run-*")
	if err != nil {
		return nil, fmt.Errorf("start connector: create work dir: %w", err)
	}
	tmpDir := filepath.Join(workDir, "tmp")
	if err := os.Mkdir(tmpDir, 0o700); err != nil {
		_ = os.RemoveAll(workDir)
		return nil, fmt.Errorf("start connector: create temp dir: %w", err)
	}
	file := filepath.Join(workDir, "sync.c1z")

	args := append([]string{}, opts.Args...)
	args = append(args, "--file", file, "--log-format", "json")
	args = append(args, opts.ExtraArgs...)
	env := connectorEnv(opts, tmpDir)
	envDir, containerName := "", ""
	if opts.Image != "" {
		if args, env, file, envDir, containerName, err = containerRun(opts, workDir, tmpDir); err != nil {
			_ = os.RemoveAll(workDir)
			return nil, fmt.Errorf("start connector: %w", err)
		}
	}
	cmd := exec.Command(opts.Binary, args...)
	cmd.Dir = workDir
	cmd.Env = env
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Stdin = nil
	pr, pw, err := os.Pipe()
	if err != nil {
		_ = os.RemoveAll(workDir)
		return nil, fmt.Errorf("start connector: %w", err)
	}
	// One pipe for both streams keeps the interleaving the connector wrote.
	cmd.Stdout, cmd.Stderr = pw, pw
	if err := cmd.Start(); err != nil {
		_ = pr.Close()
		_ = pw.Close()
		_ = os.RemoveAll(workDir)
		return nil, fmt.Errorf("start connector %s: %w", opts.Binary, err)
	}
	_ = pw.Close()

	runCtx, cancel := context.WithCancel(ctx)
	if opts.Timeout > 0 {
		runCtx, cancel = context.WithTimeout(ctx, opts.Timeout)
	}
	r := &Run{
		cmd:     cmd,
		events:  make(chan synclog.Event, 64),
		done:    make(chan struct{}),
		workDir: workDir,
		cancel:  cancel,
		canceld: make(chan struct{}),
		result:  Result{File: file},
	}
	red := synclog.NewRedactor(secretValues(opts.Env))
	start := time.Now()
	readDone := make(chan struct{})
	collector := synclog.NewCollector(opts.TailLines)
	go func() {
		defer close(readDone)
		r.read(pr, collector, red)
	}()
	exited := make(chan struct{})
	go r.watch(runCtx, ctx, opts.Grace, exited)
	go func() {
		err := cmd.Wait()
		close(exited)
		if envDir != "" {
			// docker read the env file when it created the container.
			_ = os.RemoveAll(envDir)
		}
		if containerName != "" && runCtx.Err() != nil {
			// Before the output is drained: a container left running would
			// keep the pipe open.
			stopContainer(ctx, opts.Binary, containerName)
		}
		<-readDone
		_ = pr.Close()
		res := &r.result
		res.Duration = time.Since(start)
		res.ExitCode = cmd.ProcessState.ExitCode()
		if errors.Is(runCtx.Err(), context.DeadlineExceeded) {
			res.TimedOut = true
		} else if ctx.Err() != nil || isClosed(r.canceld) {
			res.Canceled = true
		}
		var exitErr *exec.ExitError
		if err != nil && !errors.As(err, &exitErr) {
			res.Err = fmt.Errorf("wait for connector: %w", err)
		}
		// The failure is found in what the connector wrote, then masked.
		res.Tail = red.Lines(collector.Tail())
		res.Failure = red.Failure(collector.Failure())
		res.RunFailed = collector.RunFailed()
		res.FinishedThenKilled = collector.FinishedThenKilled()
		res.Errors, res.ErrorCount = collector.Errors()
		res.Errors = red.Lines(res.Errors)
		if res.TimedOut {
			res.ExitCode = ExitTimedOut
			res.Failure = synclog.Failure{Message: fmt.Sprintf("timed out after %s", opts.Timeout), Code: "DeadlineExceeded", Full: res.Failure.Full}
		}
		cancel()
		close(r.events)
		close(r.done)
	}()
	return r, nil
}

func isClosed(c chan struct{}) bool {
	select {
	case <-c:
		return true
	default:
		return false
	}
}

// watch stops the process group when the run is cancelled or times out:
// SIGINT first so the SDK can stop its service child, SIGKILL after grace.
func (r *Run) watch(runCtx, parent context.Context, grace time.Duration, exited chan struct{}) {
	select {
	case <-exited:
		return
	case <-runCtx.Done():
	}
	pgid := r.cmd.Process.Pid
	_ = syscall.Kill(-pgid, syscall.SIGINT)
	select {
	case <-exited:
	case <-time.After(grace):
		_ = syscall.Kill(-pgid, syscall.SIGKILL)
	}
	// The SDK's service child may outlive the parent briefly; make sure the
	// whole group is gone.
	_ = syscall.Kill(-pgid, syscall.SIGKILL)
}

// read parses each line as the connector wrote it, so that a secret that
// happens to be part of "Sync complete." cannot hide it, and passes on
// events with every secret masked (see synclog.Redactor). The collector
// keeps the lines unmasked until the failure has been found in them.
func (r *Run) read(pr io.Reader, c *synclog.Collector, red *synclog.Redactor) {
	sc := bufio.NewScanner(pr)
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		ev := synclog.Parse(sc.Bytes())
		c.Add(ev.Raw, ev)
		switch ev.Kind {
		case synclog.KindDone:
			r.result.SawComplete = true
		case synclog.KindWarning:
			r.result.Warnings++
		}
		if ev.Kind != synclog.KindNoise {
			r.events <- red.Event(ev)
		}
	}
	// A line longer than the buffer ends the scan; keep draining so the child
	// never blocks on a full pipe.
	_, _ = io.Copy(io.Discard, pr)
}

// Events delivers parsed log events until the process exits.
func (r *Run) Events() <-chan synclog.Event { return r.events }

// Cancel stops the run: SIGINT to the group, SIGKILL after the grace period.
func (r *Run) Cancel() {
	select {
	case <-r.canceld:
	default:
		close(r.canceld)
	}
	r.cancel()
}

// Wait drains any unread events, waits for the exit and returns the result.
func (r *Run) Wait() Result {
	for range r.events {
	}
	<-r.done
	return r.result
}

// WorkDir is the run's private directory; it holds the sync file.
func (r *Run) WorkDir() string { return r.workDir }

// Cleanup removes the work directory, sync file and temp files included.
func (r *Run) Cleanup() error { return os.RemoveAll(r.workDir) }

func secretValues(env []EnvVar) []string {
	var out []string
	for _, e := range env {
		if e.Secret {
			out = append(out, e.Value)
		}
	}
	return out
}

func connectorEnv(opts Options, tmpDir string) []string {
	base := opts.BaseEnv
	if base == nil {
		base = os.Environ()
	}
	return Environ(base, append([]EnvVar{{Name: "TMPDIR", Value: tmpDir}, {Name: "BATON_TMPDIR", Value: tmpDir}}, opts.Env...))
}

// Environ returns base with env applied: variables env sets replace
// inherited ones, and BATON_CLIENT_ID and BATON_CLIENT_SECRET are dropped,
// since either turns a one-shot connector run into a daemon.
func Environ(base []string, env []EnvVar) []string {
	set := map[string]bool{"BATON_CLIENT_ID": true, "BATON_CLIENT_SECRET": true}
	for _, e := range env {
		set[e.Name] = true
	}
	out := make([]string, 0, len(base)+len(env))
	for _, kv := range base {
		name, _, _ := strings.Cut(kv, "=")
		if !set[name] {
			out = append(out, kv)
		}
	}
	for _, e := range env {
		out = append(out, e.Name+"="+e.Value)
	}
	return out
}
