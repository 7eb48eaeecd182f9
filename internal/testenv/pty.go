package testenv

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"
)

// Poll calls done every interval until it returns true or d has passed,
// and reports whether it returned true.
func Poll(d, interval time.Duration, done func() bool) bool {
	deadline := time.Now().Add(d)
	for {
		if done() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(interval)
	}
}

// PTY is a program on the slave side of a 100×30 pseudo-terminal; the test
// is the terminal. It answers the cursor position query, as a terminal
// would, so that colour detection does not wait for a timeout.
type PTY struct {
	t    testing.TB
	cmd  *exec.Cmd
	tty  *os.File // the master side
	mu   sync.Mutex
	out  bytes.Buffer
	mark int
	done chan struct{}
	err  error
}

// cursorQuery is the "report cursor position" request (CSI 6n).
var cursorQuery = []byte("\x1b[6n")

// StartPTY starts name in a pseudo-terminal with env, in an empty working
// directory. The program is killed when the test ends.
func StartPTY(t testing.TB, env []string, name string, args ...string) *PTY {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Env = env
	cmd.Dir = t.TempDir()
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatalf("start %s in a pty: %v", name, err)
	}
	p := &PTY{t: t, cmd: cmd, tty: tty, done: make(chan struct{})}
	go p.read()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-p.done
		tty.Close()
	})
	return p
}

func (p *PTY) read() {
	defer close(p.done)
	buf := make([]byte, 4096)
	for {
		n, err := p.tty.Read(buf)
		if n > 0 {
			p.mu.Lock()
			p.out.Write(buf[:n])
			p.mu.Unlock()
			if bytes.Contains(buf[:n], cursorQuery) {
				_, _ = p.tty.Write([]byte("\x1b[1;1R"))
			}
		}
		if err != nil {
			p.err = p.cmd.Wait()
			return
		}
	}
}

// Output returns everything the program has written so far.
func (p *PTY) Output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

// Expect waits until want appears after the previous match and returns the
// output from the previous match to the end of this one. On timeout it
// fails the test with the output since the previous match.
func (p *PTY) Expect(want string, d time.Duration) string {
	p.t.Helper()
	var out string
	i := -1
	if !Poll(d, 20*time.Millisecond, func() bool {
		out = p.Output()
		i = strings.Index(out[p.mark:], want)
		return i >= 0
	}) {
		p.t.Fatalf("after %s the output still lacks %q; since the last match:\n%s", d, want, out[p.mark:])
	}
	from := p.mark
	p.mark += i + len(want)
	return out[from:p.mark]
}

// Send types text as is; "\x03" is Ctrl-C.
func (p *PTY) Send(text string) {
	p.t.Helper()
	if _, err := p.tty.Write([]byte(text)); err != nil {
		p.t.Fatalf("type into the pty: %v", err)
	}
}

// SendLine types line and Enter.
func (p *PTY) SendLine(line string) {
	p.t.Helper()
	p.Send(line + "\r")
}

// EchoOn reports whether the terminal echoes what is typed.
func (p *PTY) EchoOn() bool {
	p.t.Helper()
	tio, err := unix.IoctlGetTermios(int(p.tty.Fd()), getTermios)
	if err != nil {
		p.t.Fatalf("read terminal modes: %v", err)
	}
	return tio.Lflag&unix.ECHO != 0
}

// WaitEchoOff waits until the program has turned echo off, as a secret
// prompt does once it reads.
func (p *PTY) WaitEchoOff(d time.Duration) {
	p.t.Helper()
	if !Poll(d, 20*time.Millisecond, func() bool { return !p.EchoOn() }) {
		p.t.Fatal("echo never went off at the secret prompt")
	}
}

// SendSecret types line and Enter once echo is off, as a person at a
// secret prompt would.
func (p *PTY) SendSecret(line string, d time.Duration) {
	p.t.Helper()
	p.WaitEchoOff(d)
	p.SendLine(line)
}

// Kill stops the program now.
func (p *PTY) Kill() { _ = p.cmd.Process.Kill() }

// Wait waits at most d for the program to end and returns its exit code.
// It fails the test with the whole output when the program still runs.
func (p *PTY) Wait(d time.Duration) int {
	p.t.Helper()
	select {
	case <-p.done:
	case <-time.After(d):
		p.t.Fatalf("still running after %s; output:\n%s", d, p.Output())
	}
	var exit *exec.ExitError
	if errors.As(p.err, &exit) {
		return exit.ExitCode()
	}
	if p.err != nil {
		p.t.Fatalf("wait for %s: %v", p.cmd.Path, p.err)
	}
	return 0
}
