// Package timelimit runs a command with a time limit, the way coreutils'
// timeout(1) does, for systems without it (macOS): the command runs in its
// own process group, which gets a signal when the limit passes and SIGKILL
// a grace period later. sync.sh falls back to it through
// `baton-setup timelimit`.
package timelimit

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"
)

// Exit statuses, those of timeout(1) and of a shell.
const (
	// ExitTimedOut: the limit passed and the command ended on the signal.
	ExitTimedOut = 124
	// ExitCannotRun: the command exists but could not be executed.
	ExitCannotRun = 126
	// ExitNotFound: there is no such command.
	ExitNotFound = 127
	// ExitKilled is 128+SIGKILL: the command outlived the grace period, so
	// it was killed.
	ExitKilled = 128 + 9
)

// Options say how long the command may run and how it is stopped.
type Options struct {
	// Limit is how long the command may run; zero or less is no limit, as
	// with timeout(1).
	Limit time.Duration
	// Signal goes to the command's process group when Limit passes;
	// zero means SIGTERM, as with timeout(1).
	Signal syscall.Signal
	// KillAfter is how long after Signal the group gets SIGKILL; zero
	// never sends it.
	KillAfter time.Duration

	Stdin          io.Reader
	Stdout, Stderr io.Writer
}

// Run runs argv with o's limit and returns the exit status a shell would
// report for it: the command's own, ExitTimedOut when the limit stopped
// it, ExitKilled when it had to be killed, 128+N when signal N ended it
// otherwise. SIGINT, SIGTERM and SIGHUP sent to this process are passed on
// to the command's group, which then also gets SIGKILL after KillAfter.
// err says why ExitCannotRun or ExitNotFound was returned.
func Run(argv []string, o Options) (int, error) {
	if len(argv) == 0 {
		return ExitNotFound, errors.New("no command to run")
	}
	sig := o.Signal
	if sig == 0 {
		sig = syscall.SIGTERM
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = o.Stdin, o.Stdout, o.Stderr
	// Its own group, so that the connector's children are stopped with it.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	received := make(chan os.Signal, 4)
	signal.Notify(received, syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP)
	defer signal.Stop(received)
	if err := cmd.Start(); err != nil {
		return startStatus(err), fmt.Errorf("run %s: %w", argv[0], err)
	}
	pgid := cmd.Process.Pid
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()

	var limit <-chan time.Time
	if o.Limit > 0 {
		t := time.NewTimer(o.Limit)
		defer t.Stop()
		limit = t.C
	}
	var kill <-chan time.Time
	timedOut, killed := false, false
	stop := func(s syscall.Signal) {
		_ = syscall.Kill(-pgid, s)
		if o.KillAfter > 0 && kill == nil && !killed {
			kill = time.After(o.KillAfter)
		}
	}
	for {
		select {
		case err := <-exited:
			if killed {
				return ExitKilled, nil
			}
			if timedOut {
				return ExitTimedOut, nil
			}
			return exitStatus(cmd.ProcessState, err), nil
		case <-limit:
			timedOut = true
			stop(sig)
		case s := <-received:
			stop(s.(syscall.Signal))
		case <-kill:
			killed, kill = true, nil
			_ = syscall.Kill(-pgid, syscall.SIGKILL)
		}
	}
}

func startStatus(err error) int {
	if errors.Is(err, exec.ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return ExitNotFound
	}
	return ExitCannotRun
}

func exitStatus(st *os.ProcessState, err error) int {
	if st == nil {
		return ExitCannotRun
	}
	if ws, ok := st.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		return 128 + int(ws.Signal())
	}
	if err != nil && st.ExitCode() < 0 {
		return ExitCannotRun
	}
	return st.ExitCode()
}

// signals are the names Signal accepts, with or without "SIG".
var signals = map[string]syscall.Signal{
	"HUP": syscall.SIGHUP, "INT": syscall.SIGINT, "QUIT": syscall.SIGQUIT,
	"KILL": syscall.SIGKILL, "TERM": syscall.SIGTERM, "USR1": syscall.SIGUSR1, "USR2": syscall.SIGUSR2,
}

// ParseSignal reads a signal as timeout(1) takes it: a name such as INT or
// SIGINT, or a number.
func ParseSignal(s string) (syscall.Signal, error) {
	name := strings.TrimPrefix(strings.ToUpper(s), "SIG")
	if sig, ok := signals[name]; ok {
		return sig, nil
	}
	if n, err := strconv.Atoi(s); err == nil && n > 0 && n < 32 {
		return syscall.Signal(n), nil
	}
	return 0, fmt.Errorf("signal %q: want a name such as INT, TERM or KILL, or a number", s)
}

// ParseDuration reads a duration as timeout(1) takes it: a number,
// possibly with a fraction, and an optional unit s (the default), m, h or
// d. Go durations ("1m30s") are accepted too.
func ParseDuration(s string) (time.Duration, error) {
	unit := time.Second
	num := s
	if n := len(s); n > 0 {
		switch s[n-1] {
		case 's':
			num = s[:n-1]
		case 'm':
			num, unit = s[:n-1], time.Minute
		case 'h':
			num, unit = s[:n-1], time.Hour
		case 'd':
			num, unit = s[:n-1], 24*time.Hour
		}
	}
	if f, err := strconv.ParseFloat(num, 64); err == nil && f >= 0 && !strings.ContainsAny(num, "eEnN+-xX") {
		return time.Duration(f * float64(unit)), nil
	}
	if d, err := time.ParseDuration(s); err == nil && d >= 0 {
		return d, nil
	}
	return 0, fmt.Errorf("duration %q: want a number of seconds, optionally with a unit s, m, h or d (e.g. 90, 1.5m, 2h)", s)
}
