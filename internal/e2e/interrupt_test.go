package e2e

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// interruptRuns is how many times each command is interrupted.
const interruptRuns = 25

// signalAt starts cmd, sends sig after delay, and waits for it to exit.
func signalAt(t *testing.T, cmd *exec.Cmd, delay time.Duration, sig syscall.Signal) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() {
		select {
		case <-time.After(delay):
			_ = cmd.Process.Signal(sig)
		case <-done:
		}
	}()
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	select {
	case <-exited:
	case <-time.After(30 * time.Second):
		_ = cmd.Process.Kill()
		t.Fatalf("%v did not exit within 30s of %v", cmd.Args, sig)
	}
	close(done)
}

// TestInterruptTestSync interrupts `baton-setup test` at random points with
// SIGINT or SIGTERM: no connector may outlive it and no temporary file may
// stay behind.
func TestInterruptTestSync(t *testing.T) {
	home := t.TempDir()
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range interruptRuns {
		tmp := t.TempDir()
		mark := fmt.Sprintf("interrupt-test-%d-%d", os.Getpid(), i)
		cmd := exec.Command(bin, "test", "--connector", "demo", "--set", "tenant=acme", "--set", "user-count=1200")
		cmd.Env = append(testenv.CleanEnv(home), "BATON_API_KEY=k", "BATON_DEMO_FAILURE=slow", "E2E_MARK="+mark, "TMPDIR="+tmp)
		cmd.Dir = home
		sig := []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}[i%2]
		signalAt(t, cmd, time.Duration(rng.IntN(1500))*time.Millisecond, sig)
		// -1: the signal came before the handler was installed, so it
		// killed the process before anything had started.
		if code := cmd.ProcessState.ExitCode(); code != 0 && code != 130 && code != 1 && code != -1 {
			t.Errorf("run %d (%v): exit %d", i, sig, code)
		}
		for j := 0; j < 100 && len(marked(mark)) > 0; j++ {
			time.Sleep(50 * time.Millisecond)
		}
		if left := marked(mark); len(left) > 0 {
			t.Errorf("run %d (%v): processes left: %v", i, sig, left)
		}
		if left, _ := os.ReadDir(tmp); len(left) > 0 {
			t.Errorf("run %d (%v): temporary files left: %v", i, sig, left)
		}
	}
}

// TestInterruptGenerate interrupts `baton-setup generate` at random points:
// each file is either absent or whole, and no temporary file stays behind.
func TestInterruptGenerate(t *testing.T) {
	home := t.TempDir()
	rng := rand.New(rand.NewPCG(3, 4))
	env := append(testenv.CleanEnv(home), "BATON_API_KEY=k")
	for i := range interruptRuns {
		profile := fmt.Sprintf("int%d", i)
		cmd := exec.Command(bin, "generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--profile", profile)
		cmd.Env, cmd.Dir = env, home
		sig := []syscall.Signal{syscall.SIGINT, syscall.SIGTERM}[i%2]
		signalAt(t, cmd, time.Duration(rng.IntN(400))*time.Millisecond, sig)
		dir := filepath.Join(home, ".config", "baton-setup", profile)
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			name := e.Name()
			path := filepath.Join(dir, name)
			data, _ := os.ReadFile(path)
			switch {
			case e.IsDir():
			case name == "sync.sh":
				if out, err := exec.Command("sh", "-n", path).CombinedOutput(); err != nil || !strings.Contains(string(data), "log \"upload $OUT by hand") {
					t.Errorf("run %d: partial sync.sh (%v): %s", i, err, out)
				}
			case name == "plan.json":
				if !json.Valid(data) {
					t.Errorf("run %d: partial plan.json", i)
				}
			case name == "secrets.env":
				if !strings.Contains(string(data), "BATON_API_KEY=k") {
					t.Errorf("run %d: partial secrets.env", i)
				}
			case name == "README.txt":
			default:
				t.Errorf("run %d: unexpected file %s (a temporary file left behind?)", i, name)
			}
		}
	}
}
