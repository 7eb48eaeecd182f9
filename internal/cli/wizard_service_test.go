package cli

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/creack/pty"
	"golang.org/x/sys/unix"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/service"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// ptyRun is the binary on the slave side of a pseudo-terminal; the test
// types on the master side and reads everything the program writes.
type ptyRun struct {
	t    *testing.T
	tty  *os.File
	cmd  *exec.Cmd
	mu   sync.Mutex
	out  bytes.Buffer
	mark int
	done chan struct{}
	err  error
}

func startPTYRun(t *testing.T, env []string, args ...string) *ptyRun {
	t.Helper()
	cmd := exec.Command(baton(t), args...)
	cmd.Env, cmd.Dir = env, t.TempDir()
	tty, err := pty.StartWithSize(cmd, &pty.Winsize{Rows: 30, Cols: 100})
	if err != nil {
		t.Fatal(err)
	}
	r := &ptyRun{t: t, tty: tty, cmd: cmd, done: make(chan struct{})}
	go func() {
		defer close(r.done)
		buf := make([]byte, 4096)
		for {
			n, err := tty.Read(buf)
			r.mu.Lock()
			r.out.Write(buf[:n])
			r.mu.Unlock()
			if err != nil {
				r.err = cmd.Wait()
				return
			}
		}
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-r.done
		tty.Close()
	})
	return r
}

func (r *ptyRun) output() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.out.String()
}

// waitFor waits until want appears after the previous match and returns
// the output from the previous match to the end of this one.
func (r *ptyRun) waitFor(want string, d time.Duration) string {
	r.t.Helper()
	deadline := time.Now().Add(d)
	for {
		out := r.output()
		if i := strings.Index(out[r.mark:], want); i >= 0 {
			from := r.mark
			r.mark += i + len(want)
			return out[from:r.mark]
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("after %s the output still lacks %q; since the last match:\n%s", d, want, out[r.mark:])
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *ptyRun) answer(line string) {
	r.t.Helper()
	if _, err := r.tty.Write([]byte(line + "\r")); err != nil {
		r.t.Fatal(err)
	}
}

// secret types line once the prompt has turned echo off, as a person
// would see it.
func (r *ptyRun) secret(line string) {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		tio, err := unix.IoctlGetTermios(int(r.tty.Fd()), unix.TCGETS)
		if err != nil {
			r.t.Fatal(err)
		}
		if tio.Lflag&unix.ECHO == 0 {
			break
		}
		if time.Now().After(deadline) {
			r.t.Fatal("echo never went off at the secret prompt")
		}
		time.Sleep(20 * time.Millisecond)
	}
	r.answer(line)
}

// TestWizardServiceModeAccessible runs the wizard binary as line prompts
// in a pseudo-terminal and picks service mode: the client ID is checked,
// both secrets are read without echo, the schedule is skipped, and the
// real Generate wiring writes service.env (0600) and the unit without any
// secret, as generate --mode service does.
func TestWizardServiceModeAccessible(t *testing.T) {
	t.Parallel()
	const apiKey = "wizard-api-Key-73c1d9"
	home := t.TempDir()
	r := startPTYRun(t, append(testenv.CleanEnv(home), "TERM=dumb", "LANG=C.UTF-8"))

	r.waitFor("Step 1/7 · Connector", 30*time.Second)
	r.waitFor("the number 1", 30*time.Second)
	r.answer("1")
	r.waitFor("Tenant *", 30*time.Second)
	r.answer("acme")
	r.waitFor("API key *", 30*time.Second)
	r.secret(apiKey)
	r.waitFor("Number of users", 30*time.Second)
	r.answer("")
	r.waitFor("Include roles", 30*time.Second)
	r.answer("")
	r.waitFor("✓ Test sync finished", 2*time.Minute)
	r.waitFor("What next?", 30*time.Second)
	r.answer("1")

	r.waitFor("Step 4/7 · Destination", 30*time.Second)
	r.waitFor("3. Run as a service (no S3, no schedule: the connector takes tasks from ConductorOne)", 30*time.Second)
	r.answer("3")
	r.waitFor("Client ID *", 30*time.Second)
	r.answer("clever-fox-1234")
	r.waitFor("no '@'", 30*time.Second)
	r.answer(testClientID)
	r.waitFor("Client secret *", 30*time.Second)
	r.secret(testClientSecret)

	between := r.waitFor("Step 5/6 · Review (profile demo)", 30*time.Second)
	if strings.Contains(between, "Schedule") || strings.Contains(between, "Bucket") {
		t.Errorf("service mode asked for a schedule or a bucket:\n%s", between)
	}
	review := r.waitFor("Profile name", 30*time.Second)
	unit := service.UnitName("demo")
	for _, want := range []string{"BATON_CLIENT_ID=" + testClientID, "Restart=always", "systemctl enable --now " + unit, "journalctl -u " + unit} {
		if !strings.Contains(review, want) {
			t.Errorf("review lacks %q:\n%s", want, review)
		}
	}
	r.answer("")
	r.waitFor("Write the files?", 30*time.Second)
	r.answer("")
	r.waitFor("Step 6/6 · Done", 30*time.Second)
	r.waitFor("✓ Setup written", 30*time.Second)
	r.waitFor("wrote 4 files; enable the service with: systemctl link ", 30*time.Second)
	select {
	case <-r.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("still running:\n%s", r.output())
	}
	var exit *exec.ExitError
	if errors.As(r.err, &exit) {
		t.Fatalf("exit %d:\n%s", exit.ExitCode(), r.output())
	}
	out := r.output()
	if strings.Contains(out, "eyJrdHkiOiJPS1Ai") || strings.Contains(out, apiKey) {
		t.Error("a secret was echoed or printed")
	}

	dir := filepath.Join(home, ".config", "baton-setup", "demo")
	for name, want := range map[string]os.FileMode{service.EnvFile: 0o600, unit: 0o600, "plan.json": 0o600} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: %v, want mode %04o", name, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "sync.sh")); err == nil {
		t.Error("service mode wrote sync.sh")
	}
	env, err := profile.ReadEnvFile(filepath.Join(dir, service.EnvFile))
	if err != nil || env["BATON_CLIENT_SECRET"] != testClientSecret || env["BATON_CLIENT_ID"] != testClientID || env["BATON_API_KEY"] != apiKey {
		t.Errorf("service.env: %v %v", err, env)
	}
	for _, name := range []string{unit, "plan.json", "README.txt"} {
		if data := mustFile(t, filepath.Join(dir, name)); bytes.Contains(data, []byte("eyJrdHkiOiJPS1Ai")) || bytes.Contains(data, []byte(apiKey)) {
			t.Errorf("%s holds a secret", name)
		}
	}
	if u := string(mustFile(t, filepath.Join(dir, unit))); !strings.Contains(u, "\nEnvironmentFile="+filepath.Join(dir, service.EnvFile)+"\n") {
		t.Errorf("unit:\n%s", u)
	}

	// A re-run of the profile starts in service mode, shows the saved
	// client secret masked, and keeps it on an empty answer.
	r = startPTYRun(t, append(testenv.CleanEnv(home), "TERM=dumb", "LANG=C.UTF-8"), "--profile", "demo")
	r.waitFor("Step 1/6 · Connector", 30*time.Second)
	r.waitFor("the number 1", 30*time.Second)
	r.answer("")
	r.waitFor("Tenant *", 30*time.Second)
	r.answer("")
	r.waitFor("API key *", 30*time.Second)
	r.secret(apiKey)
	r.waitFor("Number of users", 30*time.Second)
	r.answer("")
	r.waitFor("Include roles", 30*time.Second)
	r.answer("")
	r.waitFor("✓ Test sync finished", 2*time.Minute)
	r.waitFor("What next?", 30*time.Second)
	r.answer("1")
	r.waitFor("Step 4/6 · Destination", 30*time.Second)
	r.waitFor("Where should each sync go?", 30*time.Second)
	r.answer("")
	r.waitFor(`(Enter keeps "`+testClientID+`")`, 30*time.Second)
	r.answer("")
	r.waitFor("Client secret * (saved "+plan.NewSecret(testClientSecret).Masked()+"; Enter keeps it)", 30*time.Second)
	r.secret("")
	r.waitFor("Step 5/6 · Review (profile demo)", 30*time.Second)
	r.waitFor("Profile name", 30*time.Second)
	r.answer("")
	r.waitFor("Write the files?", 30*time.Second)
	r.answer("")
	r.waitFor("wrote 4 files; enable the service with:", 30*time.Second)
	<-r.done
	if env, err := profile.ReadEnvFile(filepath.Join(dir, service.EnvFile)); err != nil || env["BATON_CLIENT_SECRET"] != testClientSecret {
		t.Errorf("the re-run lost the client secret: %v", err)
	}
	if strings.Contains(r.output(), "eyJrdHkiOiJPS1Ai") {
		t.Error("the re-run printed the client secret")
	}
}
