package runner

import (
	"bytes"
	"context"
	"errors"
	"os/exec"
	"syscall"
	"time"
)

// Call is a short helper run of a connector: `config`, `--help`,
// `capabilities`, `--version`; anything but a sync, which Start runs.
type Call struct {
	Path string
	Args []string
	Dir  string
	// Env is the whole environment of the call.
	Env []string
	// Timeout bounds the call within ctx's own deadline; zero leaves ctx's
	// alone.
	Timeout time.Duration
}

// callWaitDelay is how long a call's output may stay open after the
// connector exits or is killed: a child it left behind can hold its
// stdout, and the group kill that ends the child comes after Wait.
const callWaitDelay = time.Second

// Output runs the call and returns what it wrote to stdout and stderr.
// The connector runs in a process group of its own. When ctx ends (Ctrl-C,
// SIGTERM, the caller's deadline) or Timeout passes, the whole group is
// killed at once; when the connector exits, whatever it left in its group
// is killed too. So a child that keeps the connector's output open can
// neither hang the call nor outlive it. The error is ctx's own when ctx
// ended, context.DeadlineExceeded when Timeout passed, and the exec error
// when the connector failed.
func Output(ctx context.Context, c Call) (stdout, stderr []byte, err error) {
	callCtx, cancel := context.WithCancel(ctx)
	if c.Timeout > 0 {
		callCtx, cancel = context.WithTimeout(ctx, c.Timeout)
	}
	defer cancel()
	cmd := exec.CommandContext(callCtx, c.Path, c.Args...)
	cmd.Dir = c.Dir
	cmd.Env = c.Env
	if cmd.Env == nil {
		cmd.Env = []string{}
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = callWaitDelay
	var out, errOut bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errOut
	if err := cmd.Start(); err != nil {
		return nil, nil, err
	}
	err = cmd.Wait()
	// The group's leader has been reaped, but its group lives on while any
	// member does; what the connector started goes with it.
	_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
	switch {
	case ctx.Err() != nil:
		err = ctx.Err()
	case callCtx.Err() != nil:
		err = context.DeadlineExceeded
	case errors.Is(err, exec.ErrWaitDelay):
		// The connector exited 0 and a child of its held the output open.
		err = nil
	}
	return out.Bytes(), errOut.Bytes(), err
}
