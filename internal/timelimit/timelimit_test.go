package timelimit

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The commands are real /bin/sh processes.

func run(t *testing.T, o Options, script string) (int, error, time.Duration) {
	t.Helper()
	// A file, as sync.sh gives: a pipe would make Wait wait for every
	// process that holds it.
	out, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	o.Stdout, o.Stderr = out, out
	start := time.Now()
	code, err := Run([]string{"/bin/sh", "-c", script}, o)
	took := time.Since(start)
	written, _ := os.ReadFile(out.Name())
	t.Logf("exit %d after %s, err %v, output %q", code, took.Round(time.Millisecond), err, written)
	return code, err, took
}

func TestRunPassesTheExitStatus(t *testing.T) {
	for script, want := range map[string]int{"exit 0": 0, "exit 7": 7, "kill -USR1 $$": 128 + int(syscall.SIGUSR1)} {
		if code, err, _ := run(t, Options{Limit: time.Minute}, script); code != want || err != nil {
			t.Errorf("%q: exit %d, %v; want %d", script, code, err, want)
		}
	}
}

func TestRunStopsAtTheLimit(t *testing.T) {
	// The signal the command gets is the one asked for: it traps INT.
	code, _, took := run(t, Options{Limit: 200 * time.Millisecond, Signal: syscall.SIGINT, KillAfter: time.Minute},
		`trap 'exit 3' INT; while :; do sleep 0.05; done`)
	if code != ExitTimedOut || took > 10*time.Second {
		t.Errorf("exit %d after %s, want %d soon after the limit", code, took, ExitTimedOut)
	}
	// No limit: the command ends by itself.
	if code, _, _ := run(t, Options{}, "sleep 0.3; exit 5"); code != 5 {
		t.Errorf("without a limit: exit %d, want 5", code)
	}
}

// TestRunKillsTheGroup gives a command that ignores the signal and leaves a
// child behind: after the grace period both are killed.
func TestRunKillsTheGroup(t *testing.T) {
	ticks := filepath.Join(t.TempDir(), "ticks")
	code, _, took := run(t, Options{Limit: 100 * time.Millisecond, Signal: syscall.SIGINT, KillAfter: 300 * time.Millisecond},
		`trap '' INT; (while :; do echo x >>'`+ticks+`'; sleep 0.05; done) & wait`)
	if code != ExitKilled || took > 10*time.Second {
		t.Fatalf("exit %d after %s, want %d", code, took, ExitKilled)
	}
	before, _ := os.ReadFile(ticks)
	time.Sleep(400 * time.Millisecond)
	after, _ := os.ReadFile(ticks)
	if len(before) == 0 || len(after) != len(before) {
		t.Errorf("the command's child still runs: %d bytes of ticks, then %d", len(before), len(after))
	}
}

// TestRunPassesSignalsOn sends SIGHUP to this process, as a scheduler
// stopping sync.sh's group would: the command gets it.
func TestRunPassesSignalsOn(t *testing.T) {
	started := filepath.Join(t.TempDir(), "started")
	go func() {
		for range 200 {
			if _, err := os.Stat(started); err == nil {
				_ = syscall.Kill(os.Getpid(), syscall.SIGHUP)
				return
			}
			time.Sleep(25 * time.Millisecond)
		}
	}()
	code, _, took := run(t, Options{Limit: time.Minute}, `: >'`+started+`'; exec sleep 30`)
	if code != 128+int(syscall.SIGHUP) || took > 10*time.Second {
		t.Errorf("exit %d after %s, want %d at once", code, took, 128+int(syscall.SIGHUP))
	}
}

func TestRunCannotRun(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "not-executable")
	if err := os.WriteFile(plain, []byte("#!/bin/sh\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		argv []string
		want int
	}{
		{[]string{filepath.Join(dir, "missing")}, ExitNotFound},
		{[]string{"baton-setup-no-such-command"}, ExitNotFound},
		{[]string{plain}, ExitCannotRun},
		{nil, ExitNotFound},
	} {
		code, err := Run(tt.argv, Options{Limit: time.Minute})
		if code != tt.want || err == nil {
			t.Errorf("%q: exit %d, %v; want %d and an error", tt.argv, code, err, tt.want)
		}
	}
}

func TestParseDuration(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"90": 90 * time.Second, "3600": time.Hour, "60s": time.Minute, "1.5m": 90 * time.Second,
		"2h": 2 * time.Hour, "1d": 24 * time.Hour, "0": 0, "1m30s": 90 * time.Second, "0.25": 250 * time.Millisecond,
	} {
		if got, err := ParseDuration(in); err != nil || got != want {
			t.Errorf("ParseDuration(%q) = %s, %v; want %s", in, got, err, want)
		}
	}
	for _, in := range []string{"", "s", "-5", "5x", "inf", "NaN", "1e3", "0x10", "+5"} {
		if got, err := ParseDuration(in); err == nil {
			t.Errorf("ParseDuration(%q) = %s, want an error", in, got)
		}
	}
}

func TestParseSignal(t *testing.T) {
	for in, want := range map[string]syscall.Signal{"INT": syscall.SIGINT, "sigterm": syscall.SIGTERM, "KILL": syscall.SIGKILL, "9": syscall.SIGKILL} {
		if got, err := ParseSignal(in); err != nil || got != want {
			t.Errorf("ParseSignal(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	for _, in := range []string{"", "BOGUS", "0", "99"} {
		if _, err := ParseSignal(in); err == nil || !strings.Contains(err.Error(), in) {
			t.Errorf("ParseSignal(%q): %v", in, err)
		}
	}
}
