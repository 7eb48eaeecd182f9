// Package install gets a missing connector onto this machine with Homebrew,
// `go install` or `docker pull`, run as a child process whose output is
// streamed line by line. The commands are the catalog's, so what runs is
// exactly what the user would type by hand, except that `go install` is
// pinned to the module's latest release before it runs.
package install

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/conductorone/baton-setup/internal/catalog"
	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/lazyre"
	"github.com/conductorone/baton-setup/internal/runner"
)

// Method is a way to install a connector.
type Method string

// The install methods, in the order they are offered: a Homebrew formula
// brings updates with it, `go install` needs only Go, and docker changes how
// the connector runs (docker mode).
const (
	Brew   Method = "brew"
	Go     Method = "go"
	Docker Method = "docker"
)

// Methods lists every method in the order they are offered.
var Methods = []Method{Brew, Go, Docker}

// ParseMethod reads a method name as typed on the command line.
func ParseMethod(s string) (Method, error) {
	m := Method(strings.ToLower(strings.TrimSpace(s)))
	if !slices.Contains(Methods, m) {
		return "", fmt.Errorf("install method %q: want brew, go or docker", s)
	}
	return m, nil
}

// Option is one install method that can run on this machine.
type Option struct {
	Method Method
	// Tool is the absolute path of brew, go or docker.
	Tool string
	// Args follow the tool.
	Args []string
	// Command is the command as the catalog prints it, to run by hand.
	Command string
	// Image is the image reference docker mode runs; set for Docker only.
	Image string
	// Module and Package are the Go module and main package; set for Go
	// only. Version is the release to install, which Resolve finds.
	Module, Package, Version string
}

// String is the command as typed by hand.
func (o Option) String() string { return o.Command }

// Options returns the methods that can install e here: the catalog knows
// the command and the tool is found with lookPath.
func Options(e catalog.Entry, lookPath func(string) (string, error)) []Option {
	var out []Option
	for _, m := range Methods {
		if o, err := Find(e, m, lookPath); err == nil {
			out = append(out, o)
		}
	}
	return out
}

// Find returns the option for one method, or an error that says why it
// cannot run here and what to run instead.
func Find(e catalog.Entry, m Method, lookPath func(string) (string, error)) (Option, error) {
	argv, ok := e.InstallArgs()[string(m)]
	if !ok {
		return Option{}, fmt.Errorf("install %s with %s: the catalog has no %s install for it", e.Binary, m, m)
	}
	cmd := strings.Join(argv, " ")
	tool, err := lookPath(argv[0])
	if err != nil {
		return Option{}, fmt.Errorf("install %s with %s: %s is not installed on this machine\nhint: run it where %s is available: %s", e.Binary, m, argv[0], argv[0], cmd)
	}
	if abs, err := filepath.Abs(tool); err == nil {
		tool = abs
	}
	o := Option{Method: m, Tool: tool, Args: slices.Clone(argv[1:]), Command: cmd}
	switch m {
	case Docker:
		o.Image = e.ImageRef()
	case Go:
		o.Module, o.Package = e.GoModule(), e.GoPackage()
	}
	return o, nil
}

// pseudoVersion matches a Go pseudo-version, which names a commit rather
// than a release (golang.org/x/mod/module.IsPseudoVersion).
var pseudoVersion = lazyre.New(`^v[0-9]+\.(0\.0-|\d+\.\d+-([^+]*\.)?0\.)\d{14}-[A-Za-z0-9]+(\+[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?$`)

// Resolve pins a go install to the module's latest release, the newest
// version tag the module proxy lists (go list -m MODULE@latest), so that
// what is installed is a release that can be named, shown before it runs
// and found again, not whatever a branch holds that day. Other methods
// come back as they are.
func Resolve(ctx context.Context, o Option, env []string) (Option, error) {
	if o.Method != Go || o.Version != "" {
		return o, nil
	}
	dir, err := os.MkdirTemp("", "baton-setup-resolve-*")
	if err != nil {
		return o, fmt.Errorf("find the latest release of %s: %w", o.Module, err)
	}
	defer os.RemoveAll(dir)
	// Outside any module or workspace, and without the user's -mod flags,
	// which apply to a module the query has none of.
	env = append(toolEnv(env), "GOWORK=off", "GOFLAGS=")
	stdout, stderr, err := runner.Output(ctx, runner.Call{
		Path: o.Tool, Args: []string{"list", "-m", "-json", o.Module + "@latest"}, Dir: dir, Env: env, Timeout: 2 * time.Minute,
	})
	if ctx.Err() != nil {
		return o, fmt.Errorf("find the latest release of %s: %w", o.Module, ctx.Err())
	}
	if err != nil {
		msg := strings.TrimSpace(string(stderr))
		if i := strings.LastIndexByte(msg, '\n'); i >= 0 {
			msg = msg[i+1:]
		}
		if msg == "" {
			msg = err.Error()
		}
		return o, fmt.Errorf("find the latest release of %s: go list -m %s@latest: %s", o.Module, o.Module, msg)
	}
	var mod struct{ Version string }
	if err := json.Unmarshal(stdout, &mod); err != nil || mod.Version == "" {
		return o, fmt.Errorf("find the latest release of %s: go list -m printed no version", o.Module)
	}
	if pseudoVersion().MatchString(mod.Version) {
		return o, fmt.Errorf("find the latest release of %s: the module proxy lists no release, only commits (newest %s)\nhint: install a development build by hand if you trust it: go install %s@%s", o.Module, mod.Version, o.Package, mod.Version)
	}
	o.Version = mod.Version
	o.Args = []string{"install", o.Package + "@" + mod.Version}
	o.Command = "go install " + o.Package + "@" + mod.Version
	return o, nil
}

// toolEnv is env without BATON_* variables: a package manager has no use
// for connector secrets.
func toolEnv(env []string) []string {
	out := []string{}
	for _, kv := range env {
		if !strings.HasPrefix(kv, "BATON_") {
			out = append(out, kv)
		}
	}
	return out
}

// Manual lists every install command the catalog knows for e, in the order
// methods are offered, for the user to run by hand.
func Manual(e catalog.Entry) []string {
	cmds := e.InstallCommands()
	var out []string
	for _, m := range Methods {
		if c, ok := cmds[string(m)]; ok {
			out = append(out, c)
		}
	}
	return out
}

// Result is how an install ended.
type Result struct {
	ExitCode int
	Duration time.Duration
	// Command is what ran; for go, Version is the release it installed.
	Command, Version string
	// Tail is the last lines of output, for an error message.
	Tail []string
	// Err is set when the command failed to start, was cancelled or exited
	// non-zero.
	Err error
}

// tailLines bounds the output kept for Result.Tail.
const tailLines = 40

// Run is a started install command.
type Run struct {
	cmd    *exec.Cmd
	lines  chan string
	done   chan struct{}
	result Result
}

// Start runs the option's command in its own process group, with env as its
// environment minus any BATON_* variable. Cancelling ctx sends SIGTERM to
// the group, then SIGKILL after ten seconds. A go install not yet pinned
// to a version is resolved first (see Resolve): the run's first lines say
// which release it is and show the command, before anything is
// installed. The caller must drain Lines or call Wait.
func Start(ctx context.Context, o Option, env []string) (*Run, error) {
	if o.Tool == "" {
		return nil, errors.New("start install: no command")
	}
	r := &Run{lines: make(chan string, 64), done: make(chan struct{})}
	start := time.Now()
	if o.Method == Go && o.Version == "" {
		go func() {
			r.lines <- "finding the latest release of " + o.Module + " (go list -m " + o.Module + "@latest)"
			pinned, err := Resolve(ctx, o, env)
			if err == nil {
				r.lines <- "$ " + pinned.Command
				err = r.start(ctx, pinned, env, start)
			}
			if err != nil {
				r.result = Result{ExitCode: -1, Duration: time.Since(start), Command: o.Command, Err: err}
				close(r.lines)
				close(r.done)
			}
		}()
		return r, nil
	}
	if err := r.start(ctx, o, env, start); err != nil {
		return nil, err
	}
	return r, nil
}

// start starts the command and streams its output until it ends.
func (r *Run) start(ctx context.Context, o Option, env []string, start time.Time) error {
	cmd := exec.CommandContext(ctx, o.Tool, o.Args...)
	cmd.Env = toolEnv(env)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM) }
	cmd.WaitDelay = 10 * time.Second
	out, err := cmd.StdoutPipe()
	if err != nil {
		return fmt.Errorf("start %s: %w", o.Command, err)
	}
	// One pipe for both streams keeps the order the tool wrote them in.
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", o.Command, err)
	}
	r.cmd = cmd
	go func() {
		// The output is read to its end before Wait, so WaitDelay cannot
		// help a group that ignores SIGTERM; kill it here instead.
		select {
		case <-r.done:
		case <-ctx.Done():
			select {
			case <-r.done:
			case <-time.After(cmd.WaitDelay):
				_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			}
		}
	}()
	go func() {
		defer close(r.done)
		var tail []string
		sc := bufio.NewScanner(out)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		sc.Split(scanLines)
		for sc.Scan() {
			line := strings.TrimRight(sc.Text(), " \t")
			if line == "" {
				continue
			}
			tail = append(tail, line)
			if len(tail) > tailLines {
				tail = tail[1:]
			}
			r.lines <- line
		}
		close(r.lines)
		err := cmd.Wait()
		res := Result{ExitCode: -1, Duration: time.Since(start), Command: o.Command, Version: o.Version, Tail: tail}
		if cmd.ProcessState != nil {
			res.ExitCode = cmd.ProcessState.ExitCode()
		}
		switch {
		case ctx.Err() != nil:
			res.Err = fmt.Errorf("run %s: %w", o.Command, ctx.Err())
		case err != nil:
			res.Err = fmt.Errorf("run %s: %w", o.Command, err)
		}
		r.result = res
	}()
	return nil
}

// Lines delivers the command's output, stdout and stderr interleaved, one
// line at a time; it is closed when the output ends.
func (r *Run) Lines() <-chan string { return r.lines }

// Wait drains what is left of the output and returns how the command ended.
func (r *Run) Wait() Result {
	for range r.lines {
	}
	<-r.done
	return r.result
}

// scanLines splits at "\n", "\r\n" and a lone "\r": progress bars redraw
// themselves with "\r", and each redraw is worth showing as a line.
func scanLines(data []byte, atEOF bool) (int, []byte, error) {
	if i := bytes.IndexAny(data, "\r\n"); i >= 0 {
		n := i + 1
		if data[i] == '\r' && n < len(data) && data[n] == '\n' {
			n++
		} else if data[i] == '\r' && n == len(data) && !atEOF {
			return 0, nil, nil // wait: a "\n" may follow
		}
		return n, data[:i], nil
	}
	if atEOF && len(data) > 0 {
		return len(data), data, nil
	}
	return 0, nil, nil
}

// Locate finds the connector a brew or go install just put on this machine,
// with the same search the connector picker uses.
func Locate(env discover.Env, e catalog.Entry) (discover.Found, error) {
	f, err := env.Resolve(e.Binary)
	if err != nil {
		return discover.Found{}, fmt.Errorf("find %s after installing it: not in PATH, the Homebrew prefixes, $GOBIN or ~/go/bin\nhint: add the directory the install put it in to PATH, or name the connector by its path", e.Binary)
	}
	return f, nil
}
