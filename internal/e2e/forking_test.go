package e2e

import (
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestQuickCheckForkingConnector runs `test --quick` against a stand-in
// connector whose `capabilities` hangs and leaves a child holding its
// output: --timeout bounds the whole command, SIGTERM ends it at once, and
// neither leaves the child running.
func TestQuickCheckForkingConnector(t *testing.T) {
	home := t.TempDir()
	env := append(testenv.CleanEnv(home), "BATON_API_KEY=k")

	c := testenv.NewForkingConnector(t, t.TempDir(), "capabilities", true)
	start := time.Now()
	r := run(t, env, home, bin, "test", "--connector", c.Path, "--set", "tenant=acme", "--quick", "--timeout", "3s")
	took := time.Since(start)
	if r.code != 1 || !strings.Contains(r.stderr, "test sync failed: timed out after 3s") {
		t.Errorf("exit %d, want 1 and a timeout\n%s", r.code, r.stderr)
	}
	if took > 10*time.Second {
		t.Errorf("test --quick --timeout 3s took %s", took)
	}
	c.RequireGone(t)

	c = testenv.NewForkingConnector(t, t.TempDir(), "capabilities", true)
	cmd := exec.Command(bin, "test", "--connector", c.Path, "--set", "tenant=acme", "--quick")
	cmd.Env, cmd.Dir = env, home
	start = time.Now()
	signalAt(t, cmd, time.Second, syscall.SIGTERM)
	if code := cmd.ProcessState.ExitCode(); code != 130 {
		t.Errorf("SIGTERM during capabilities: exit %d, want 130", code)
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("SIGTERM after 1s: exited after %s", took)
	}
	c.RequireGone(t)
}
