package e2e

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// initLines is the GODEBUG=inittrace report of a start of the binary: one
// line per package whose initialisation ran, written as it ends.
func initLines(t *testing.T, env []string) []string {
	t.Helper()
	r := testenv.Run(t, append(env, "GODEBUG=inittrace=1"), "", nil, bin, "--version")
	var lines []string
	for _, l := range strings.Split(r.Stderr, "\n") {
		if strings.HasPrefix(l, "init ") {
			lines = append(lines, l)
		}
	}
	if len(lines) < 50 {
		t.Fatalf("inittrace reported %d packages:\n%s", len(lines), r.Stderr)
	}
	return lines
}

// TestSignalDuringStartUp stops `baton-setup test` with SIGTERM and SIGINT
// while its packages initialise (right after given lines of Go's
// inittrace report, which each package's init writes as it ends) and just
// after: every stop is a cancel, exit 130, not a death by the signal. The
// handler must be installed among the first packages, before baton-sdk's,
// AWS's and the TUI's, which take most of start-up.
func TestSignalDuringStartUp(t *testing.T) {
	home := t.TempDir()
	env := append(testenv.CleanEnv(home), "BATON_API_KEY=k")
	lines := initLines(t, env)
	handler := -1
	for i, l := range lines {
		if strings.HasPrefix(l, "init github.com/conductorone/baton-setup/internal/interrupt ") {
			handler = i
		}
	}
	if handler < 0 || handler > len(lines)/5 {
		t.Errorf("signal handling starts after init %d of %d (-1: never during initialisation); it must start among the first fifth", handler+1, len(lines))
	}
	at := []int{handler + 1, len(lines) / 4, len(lines) / 2, 3 * len(lines) / 4, len(lines)}
	runs := 0
	for _, n := range at {
		for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
			runs++
			mark := fmt.Sprintf("startsignal-%d-%d", os.Getpid(), runs)
			cmd := exec.Command(bin, "test", "--connector", "demo", "--set", "tenant=acme", "--set", "user-count=20000")
			cmd.Env = append(env, "GODEBUG=inittrace=1", "E2E_MARK="+mark)
			cmd.Dir = home
			stderr, err := cmd.StderrPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			sc := bufio.NewScanner(stderr)
			seen := 0
			for seen < n && sc.Scan() {
				if strings.HasPrefix(sc.Text(), "init ") {
					seen++
				}
			}
			_ = cmd.Process.Signal(sig)
			rest, _ := io.ReadAll(stderr)
			exited := make(chan error, 1)
			go func() { exited <- cmd.Wait() }()
			select {
			case <-exited:
			case <-time.After(30 * time.Second):
				_ = cmd.Process.Kill()
				t.Fatalf("%v after init %d: still running 30s later", sig, n)
			}
			if code := cmd.ProcessState.ExitCode(); code != 130 {
				t.Errorf("%v after init %d of %d: exit %d (-1: killed by the signal), want 130\n%s", sig, n, len(lines), code, tail(string(rest), 5))
			}
			for i := 0; i < 100 && len(marked(mark)) > 0; i++ {
				time.Sleep(50 * time.Millisecond)
			}
			if left := marked(mark); len(left) > 0 {
				t.Errorf("%v after init %d: processes left: %v", sig, n, left)
			}
		}
	}
	t.Logf("signals during start-up: %d runs; the handler is init %d of %d", runs, handler+1, len(lines))
}
