package e2e

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/testenv"
)

const (
	tmuxUIWait   = 20 * time.Second
	tmuxSyncWait = 2 * time.Minute
)

// tmuxSession is the wizard running in a detached tmux session on a
// private server socket, so it never meets the user's own tmux.
type tmuxSession struct {
	t       *testing.T
	socket  string
	name    string
	env     []string
	screens []string // every capture, to look for secrets afterwards
	// keys counts the keys pressed, typed the characters typed as text.
	keys, typed int
}

func (s *tmuxSession) tmux(args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "tmux", append([]string{"-S", s.socket, "-f", "/dev/null"}, args...)...)
	cmd.Env = s.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		return string(out), fmt.Errorf("tmux %s: %w: %s", strings.Join(args, " "), err, out)
	}
	return string(out), nil
}

// send types keys: literal text with literal set, else tmux key names.
func (s *tmuxSession) send(literal bool, keys ...string) {
	s.t.Helper()
	args := []string{"send-keys", "-t", s.name}
	if literal {
		args = append(args, "-l")
	}
	if _, err := s.tmux(append(args, keys...)...); err != nil {
		s.t.Fatal(err)
	}
}

func (s *tmuxSession) typeText(text string) { s.t.Helper(); s.typed += len(text); s.send(true, text) }
func (s *tmuxSession) press(key string)     { s.t.Helper(); s.keys++; s.send(false, key) }

// resize makes the window w×h, as a user dragging its corner would.
func (s *tmuxSession) resize(w, h int) {
	s.t.Helper()
	if _, err := s.tmux("resize-window", "-t", s.name, "-x", fmt.Sprint(w), "-y", fmt.Sprint(h)); err != nil {
		s.t.Fatal(err)
	}
}

func (s *tmuxSession) capture() string {
	s.t.Helper()
	out, err := s.tmux("capture-pane", "-p", "-t", s.name)
	if err != nil {
		s.t.Fatal(err)
	}
	s.screens = append(s.screens, out)
	return out
}

// waitFor polls the screen until it shows want, for at most d.
func (s *tmuxSession) waitFor(want string, d time.Duration) string {
	s.t.Helper()
	var screen string
	if !testenv.Poll(d, 50*time.Millisecond, func() bool { screen = s.capture(); return strings.Contains(screen, want) }) {
		s.t.Fatalf("after %s the screen still lacks %q:\n%s", d, want, screen)
	}
	return screen
}

// fillDemoSettings answers the demo connector's settings form, typing the
// tenant and API key over their defaults and keeping the defaults of the
// optional fields.
func (s *tmuxSession) fillDemoSettings(tenant, apiKey string) {
	s.t.Helper()
	s.waitFor("┃ Tenant *", tmuxUIWait)
	// An empty required field is refused where the user can see it: the
	// message sits under the form, inside the 30 visible lines.
	s.press("C-u")
	s.press("Enter")
	s.waitFor("* required", tmuxUIWait)
	s.typeText(tenant)
	s.press("Enter")
	s.waitFor("┃ API key *", tmuxUIWait)
	s.press("Enter") // typed
	s.waitFor("┃ API key value", tmuxUIWait)
	s.press("C-u")
	s.typeText(apiKey)
	s.press("Enter")
	s.waitFor("┃ Number of users", tmuxUIWait)
	s.press("Enter")
	s.waitFor("┃ Include roles", tmuxUIWait)
	s.press("Enter")
}

// writeWithoutRun takes the full-screen wizard from its review to the
// end: the profile name and crontab answer as offered, the files written,
// no run now, and a wizard that exited 0.
func (s *tmuxSession) writeWithoutRun() {
	s.t.Helper()
	s.press("Enter")
	s.waitFor("┃ Install the crontab entry now?", tmuxUIWait)
	s.press("Enter")
	s.waitFor("┃ Write the files?", tmuxUIWait)
	s.press("Enter")
	s.waitFor("✓ Setup written", tmuxUIWait)
	s.waitFor("Run it now as the schedule will?", tmuxUIWait)
	s.press("q")
	if screen := s.waitFor("[baton-setup exited ", tmuxUIWait); !strings.Contains(screen, "[baton-setup exited 0]") {
		s.t.Fatalf("the wizard did not end well:\n%s", screen)
	}
}

// startTmux runs bin in a 100×30 detached session with env. The pane stays
// open after the wizard exits and shows its exit status.
func startTmux(t *testing.T, env []string, args ...string) *tmuxSession {
	t.Helper()
	return startTmuxArgv(t, env, "", append([]string{bin}, args...)...)
}

// startTmuxArgv runs argv as startTmux runs bin, after before: a shell
// command run in the pane first, such as output that puts lines above the
// wizard, as a shell's would.
func startTmuxArgv(t *testing.T, env []string, before string, argv ...string) *tmuxSession {
	t.Helper()
	testenv.RequireTool(t, "tmux")
	// tmux sockets live in a short path: sun_path holds about 100 bytes.
	dir, err := os.MkdirTemp("", "bs-tmux-")
	if err != nil {
		t.Fatal(err)
	}
	s := &tmuxSession{
		t:      t,
		socket: filepath.Join(dir, "sock"),
		name:   fmt.Sprintf("wizard-%d-%d", os.Getpid(), time.Now().UnixNano()),
		env:    env,
	}
	t.Cleanup(func() {
		_, _ = s.tmux("kill-session", "-t", s.name)
		_, _ = s.tmux("kill-server")
		os.RemoveAll(dir)
	})
	script := before + `"$0" "$@"; echo "[baton-setup exited $?]"; exec sleep 600`
	if _, err := s.tmux(append([]string{"new-session", "-d", "-s", s.name, "-x", "100", "-y", "30", "sh", "-c", script}, argv...)...); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestWizardInTmux walks the whole wizard in a real terminal, then lets
// the Done screen run the sync.sh it wrote as cron will: the run delivers
// a finished sync to the bucket, and the screen says so.
func TestWizardInTmux(t *testing.T) {
	t.Parallel()
	s3 := testenv.NewS3(t, "sync-bucket")
	home := t.TempDir()
	// Not the caller's tmux, nor its locale: the pane is UTF-8.
	env := wizardEnv(home, s3.AWSEnv(t, home)...)
	env, table := fakeCrontab(t, home, env)
	existing := "MAILTO=ops@example.com\n5 4 * * * /usr/bin/backup\n"
	if err := os.WriteFile(table, []byte(existing), 0o600); err != nil {
		t.Fatal(err)
	}

	s := startTmux(t, env)
	s.waitFor("Step 1/7 · Connector", tmuxUIWait)
	s.waitFor("demo — built-in demo, no credentials needed", tmuxUIWait)
	s.press("Enter")

	s.waitFor("Step 2/7 · Settings", tmuxUIWait)
	s.fillDemoSettings("acme", canary)

	s.waitFor("Step 3/7 · Test sync", tmuxUIWait)
	screen := s.waitFor("✓ Test sync finished", tmuxSyncWait)
	if !strings.Contains(screen, "user                     20 resources") {
		t.Errorf("test sync summary:\n%s", screen)
	}
	s.press("Enter")

	s.waitFor("Step 4/7 · Destination", tmuxUIWait)
	s.waitFor("┃ > An S3 bucket that ConductorOne reads", tmuxUIWait)
	s.press("Enter")
	s.waitFor("┃ Bucket *", tmuxUIWait)
	s.typeText("sync-bucket")
	s.press("Enter")
	s.waitFor("┃ Object key *", tmuxUIWait)
	s.press("Enter") // keep baton/demo/sync.c1z
	s.waitFor("┃ Region", tmuxUIWait)
	s.waitFor("┃ > us-east-1", tmuxUIWait) // from AWS_REGION
	s.press("Enter")
	s.waitFor("┃ Endpoint (optional)", tmuxUIWait)
	s.typeText(s3.URL)
	s.press("Enter")
	s.waitFor("┃ AWS credentials for the upload", tmuxUIWait)
	// Keys kept in secrets.env: the environment's keys are this shell's
	// alone, and the Done screen runs sync.sh as cron will.
	for range 3 {
		s.press("Down")
	}
	s.waitFor("┃ > Static access keys", tmuxUIWait)
	s.press("Enter")
	s.waitFor("┃ Access key ID *", tmuxUIWait)
	s.typeText(staticKeyID)
	s.press("Enter")
	s.waitFor("┃ Secret access key *", tmuxUIWait)
	s.typeText(staticSecret)
	s.press("Enter")
	s.waitFor("✓ The S3 check passed", tmuxUIWait)
	s.waitFor("File name: baton/demo/sync.c1z", tmuxUIWait)
	s.press("Enter")

	s.waitFor("Step 5/7 · Schedule", tmuxUIWait)
	screen = s.waitFor("┃ > Every hour at minute", tmuxUIWait)
	m := regexp.MustCompile(`Every hour at minute (\d+) `).FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("no minute on the schedule screen:\n%s", screen)
	}
	cron := m[1] + " * * * *"
	s.press("Enter")

	s.waitFor("Step 6/7 · Review", tmuxUIWait)
	screen = s.waitFor("┃ Profile name", tmuxUIWait)
	for _, want := range []string{"s3://sync-bucket/baton/demo/sync.c1z (us-east-1)", s3.URL, "(" + cron + ")"} {
		if !strings.Contains(screen, want) {
			t.Errorf("review lacks %q:\n%s", want, screen)
		}
	}
	s.press("Enter")
	s.waitFor("┃ Install the crontab entry now?", tmuxUIWait)
	s.typeText("y")
	s.waitFor("┃ Write the files?", tmuxUIWait)
	s.press("Enter")

	s.waitFor("Step 7/7 · Done", tmuxUIWait)
	s.waitFor("✓ Setup written", tmuxUIWait)
	s.waitFor("Installed in your crontab:", tmuxUIWait)
	s.waitFor("┃ Run it now as the schedule will?", tmuxUIWait)
	s.press("Enter")
	screen = s.waitFor("✓ Delivered: s3://sync-bucket/baton/demo/sync.c1z, sync ", tmuxSyncWait)
	// The line wraps at the pane's width.
	if !regexp.MustCompile(`Delivered: s3://sync-bucket/baton/demo/sync\.c1z, sync \S+, 24 resources, verified [0-9a-f]{12} at \d\d:\d\d`).MatchString(strings.Join(strings.Fields(screen), " ")) ||
		!strings.Contains(screen, "Step 7/7 · Done") {
		t.Errorf("the proof's outcome:\n%s", screen)
	}
	s.press("Enter")
	screen = s.waitFor("[baton-setup exited ", tmuxUIWait)
	if !strings.Contains(screen, "[baton-setup exited 0]") || !regexp.MustCompile(`wrote \d+ files; run \S+/sync.sh`).MatchString(screen) {
		t.Errorf("the wizard did not end well:\n%s", screen)
	}

	dir := filepath.Join(home, ".config", "baton-setup", "demo")
	for _, f := range []struct {
		name string
		mode os.FileMode
	}{{"", 0o700}, {"sync.sh", 0o700}, {"secrets.env", 0o600}, {"plan.json", 0o600}} {
		if got := testenv.Mode(t, filepath.Join(dir, f.name)); got != f.mode {
			t.Errorf("%s: mode %04o, want %04o", filepath.Join(dir, f.name), got, f.mode)
		}
	}
	syncSh, _ := os.ReadFile(filepath.Join(dir, "sync.sh"))
	if strings.Contains(string(syncSh), canary) {
		t.Error("sync.sh contains the secret")
	}
	secrets, _ := os.ReadFile(filepath.Join(dir, "secrets.env"))
	if !strings.Contains(string(secrets), canary) {
		t.Errorf("secrets.env lacks the secret:\n%s", secrets)
	}
	got, _ := os.ReadFile(table)
	if !strings.HasPrefix(string(got), existing) ||
		strings.Count(string(got), "# BEGIN baton-setup profile=demo ") != 1 ||
		strings.Count(string(got), "# END baton-setup profile=demo\n") != 1 ||
		!strings.Contains(string(got), cron+" "+filepath.Join(dir, "sync.sh")+" >>") {
		t.Errorf("crontab table:\n%s", got)
	}
	for i, sc := range s.screens {
		if strings.Contains(sc, canary) || strings.Contains(sc, staticSecret) {
			t.Fatalf("screen %d shows the secret:\n%s", i, sc)
		}
	}

	log, _ := os.ReadFile(filepath.Join(dir, "sync.log"))
	if strings.Contains(string(log), canary) || strings.Contains(string(log), staticSecret) {
		t.Error("sync.sh logged a secret")
	}
	obj := s3.Get(t, "sync-bucket", "baton/demo/sync.c1z")
	if local, _ := os.ReadFile(filepath.Join(dir, "sync.c1z")); obj == nil || !bytes.Equal(obj, local) {
		t.Fatalf("the bucket does not hold the local sync file; sync.log:\n%s", log)
	}
	file := filepath.Join(t.TempDir(), "got.c1z")
	if err := os.WriteFile(file, obj, 0o600); err != nil {
		t.Fatal(err)
	}
	sum, err := c1z.Summarize(context.Background(), file, t.TempDir())
	if err != nil {
		t.Fatalf("the uploaded object is not a finished sync: %v", err)
	}
	if sum.EndedAt.IsZero() || sum.Count("user") != 20 || sum.Grants == 0 {
		t.Errorf("uploaded sync: ended %v, users %d, grants %d", sum.EndedAt, sum.Count("user"), sum.Grants)
	}
}

// TestWizardTimeoutInTmux runs the wizard with --timeout against a
// connector that never answers: the test step must give up, say why, and
// leave no connector behind.
func TestWizardTimeoutInTmux(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	mark := "tmux-timeout-" + fmt.Sprint(time.Now().UnixNano())
	env := wizardEnv(home, "BATON_DEMO_FAILURE=hang", "E2E_MARK="+mark)
	connectors := func() []string {
		var out []string
		for _, env := range marked(mark) {
			cmdline, _ := os.ReadFile(strings.TrimSuffix(env, "environ") + "cmdline")
			if strings.Contains(string(cmdline), "demo-connector") {
				out = append(out, string(cmdline))
			}
		}
		return out
	}
	s := startTmux(t, env, "--timeout", "3s")
	s.waitFor("Step 1/7 · Connector", tmuxUIWait)
	s.press("Enter")
	s.fillDemoSettings("acme", "k3y")
	s.waitFor("Step 3/7 · Test sync", tmuxUIWait)
	if !testenv.Poll(2*time.Second, 50*time.Millisecond, func() bool { return len(connectors()) > 0 }) {
		t.Error("no running connector seen; the leftover check below would prove nothing")
	}
	screen := s.waitFor("✗ Test sync failed", tmuxSyncWait)
	if !strings.Contains(screen, "timed out") && !strings.Contains(screen, "unreachable") {
		t.Errorf("timeout not explained:\n%s", screen)
	}
	testenv.Poll(5*time.Second, 50*time.Millisecond, func() bool { return len(connectors()) == 0 })
	if left := connectors(); len(left) > 0 {
		t.Errorf("connector processes left after the timeout: %q", left)
	}
	// Answers were given: the first Ctrl-C asks, the second leaves.
	s.press("C-c")
	s.waitFor("Quit without writing the files?", tmuxUIWait)
	s.press("C-c")
	s.waitFor("[baton-setup exited 130]", tmuxUIWait)
}
