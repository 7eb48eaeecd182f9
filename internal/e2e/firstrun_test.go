package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// keyBudget is how many keys the first run may take, from an empty HOME
// to the proof that the schedule delivers, text typed aside.
const keyBudget = 12

// TestFirstRunKeys is a newcomer's first run with an empty HOME: the demo,
// its settings as they are, the test sync, a local file, the default
// schedule, no crontab entry, and the proof run the Done screen offers.
// The keys pressed stay within keyBudget; the command printed to install
// the crontab entry later works when pasted.
func TestFirstRunKeys(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env, table := fakeCrontab(t, home, wizardEnv(home))
	s := startTmux(t, env)

	s.waitFor("demo — built-in demo, no credentials needed", tmuxUIWait)
	s.press("Enter")
	s.waitFor("┃ Tenant *", tmuxUIWait)
	s.waitFor("ctrl+s accept all", tmuxUIWait)
	s.press("C-s") // acme and demo-key are the demo's defaults
	s.waitFor("✓ Test sync finished", tmuxSyncWait)
	s.press("Enter")
	s.waitFor("┃ > An S3 bucket", tmuxUIWait)
	s.press("Down")
	s.waitFor("┃ > A local file", tmuxUIWait)
	s.press("Enter")
	s.waitFor("Step 5/7 · Schedule", tmuxUIWait)
	s.press("Enter")
	s.waitFor("┃ Profile name", tmuxUIWait)
	s.press("C-s") // the name demo; no crontab entry, the default
	s.waitFor("┃ Run it now as the schedule will?", tmuxUIWait)
	screen := s.capture()
	s.press("Enter")
	s.waitFor("✓ Delivered: ", tmuxSyncWait)
	s.waitFor("sync.sh ran as cron will run it", tmuxUIWait)
	s.press("Enter")
	end := s.waitFor("[baton-setup exited ", tmuxUIWait)
	if !strings.Contains(end, "[baton-setup exited 0]") {
		t.Fatalf("the wizard did not end well:\n%s", end)
	}
	t.Logf("first run, local file: %d keys (budget %d), %d characters typed", s.keys, keyBudget, s.typed)
	if s.keys > keyBudget || s.typed > 0 {
		t.Errorf("first run took %d keys and %d typed characters; the budget is %d keys", s.keys, s.typed, keyBudget)
	}

	// The Done screen's command installs the entry as printed, pasted into
	// a shell with this PATH (no baton-setup on it).
	m := regexp.MustCompile(`(?m)^\s+(\S+ schedule install --profile demo)\s*$`).FindStringSubmatch(screen)
	if m == nil {
		t.Fatalf("no install command on the Done screen:\n%s", screen)
	}
	cmd := exec.Command("/bin/sh", "-c", m[1])
	cmd.Env, cmd.Dir = env, home
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("the printed command %q failed: %v\n%s", m[1], err, out)
	}
	if got, _ := os.ReadFile(table); !strings.Contains(string(got), "# BEGIN baton-setup profile=demo ") {
		t.Errorf("the printed command did not install the entry:\n%s", got)
	}
}

// TestFirstRunKeysS3 is the first run to a bucket on the local S3 server:
// only the bucket's name is typed; the region, the credentials (the AWS
// files in HOME) and the endpoint (AWS_ENDPOINT_URL_S3) come from what the
// machine has, and the endpoint is saved for the schedule. The proof runs
// sync.sh as cron would, with the passwd entry's HOME, so the wizard runs
// as a user of its own whose home holds the AWS files.
func TestFirstRunKeysS3(t *testing.T) {
	t.Parallel()
	u := testenv.NewUser(t)
	s3 := testenv.NewS3(t, "sync-bucket")
	aws := s3.AWSEnv(t, u.Home)
	self := u.Install(t, bin)
	cron := testenv.FakeCrontab(t, filepath.Join(u.Home, "fakebin"), filepath.Join(u.Home, "crontab.table"))
	u.Own(t, u.Home)
	env := cron.Env(u.Env(append(aws, "AWS_ENDPOINT_URL_S3="+s3.URL)...))
	s := startTmuxArgv(t, env, `cd "$HOME"; `, u.Argv(self)...)

	s.waitFor("demo — built-in demo, no credentials needed", tmuxUIWait)
	s.press("Enter")
	s.waitFor("┃ Tenant *", tmuxUIWait)
	s.press("C-s")
	s.waitFor("✓ Test sync finished", tmuxSyncWait)
	s.press("Enter")
	s.waitFor("┃ > An S3 bucket", tmuxUIWait)
	s.press("Enter")
	s.waitFor("┃ Bucket *", tmuxUIWait)
	s.typeText("sync-bucket")
	s.press("C-s") // key, region, endpoint and credentials as offered
	s.waitFor("✓ The S3 check passed", tmuxSyncWait)
	s.press("Enter")
	s.waitFor("Step 5/7 · Schedule", tmuxUIWait)
	s.press("Enter")
	s.waitFor("┃ Profile name", tmuxUIWait)
	screen := s.capture()
	if !strings.Contains(screen, "through the S3-compatible endpoint "+s3.URL) {
		t.Errorf("the review does not show the endpoint from AWS_ENDPOINT_URL_S3:\n%s", screen)
	}
	s.press("C-s")
	s.waitFor("┃ Run it now as the schedule will?", tmuxUIWait)
	s.press("Enter")
	s.waitFor("✓ Delivered: s3://sync-bucket/baton/demo/sync.c1z", tmuxSyncWait)
	s.press("Enter")
	if end := s.waitFor("[baton-setup exited ", tmuxUIWait); !strings.Contains(end, "[baton-setup exited 0]") {
		t.Fatalf("the wizard did not end well:\n%s", end)
	}
	t.Logf("first run, S3: %d keys (budget %d) and the bucket's name, %d characters", s.keys, keyBudget, s.typed)
	if s.keys > keyBudget || s.typed != len("sync-bucket") {
		t.Errorf("first run to S3 took %d keys and %d typed characters; the budget is %d keys and the bucket's name", s.keys, s.typed, keyBudget)
	}
	planJSON, _ := os.ReadFile(filepath.Join(u.Home, ".config", "baton-setup", "demo", "plan.json"))
	if !strings.Contains(string(planJSON), s3.URL) {
		t.Errorf("plan.json does not keep the endpoint:\n%s", planJSON)
	}
	if s3.Get(t, "sync-bucket", "baton/demo/sync.c1z") == nil {
		t.Error("nothing reached the bucket")
	}
}

// TestResizeFailureScreen resizes the window on the test sync's failure
// screen, with a shell's lines above the wizard: once the window is back,
// the screen holds one header and nothing from before.
func TestResizeFailureScreen(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	s := startTmuxArgv(t, wizardEnv(home), "seq 1 12; ", bin)
	s.waitFor("demo — built-in demo, no credentials needed", tmuxUIWait)
	s.press("Enter")
	s.fillDemoSettings("acme", "invalid")
	s.waitFor("✗ Test sync failed", tmuxSyncWait)
	s.waitFor("esc back to settings", tmuxUIWait)
	s.resize(50, 12)
	s.waitFor("d details", tmuxUIWait)
	s.resize(100, 30)
	const header = "Step 3/7 · Test sync"
	var screen string
	clean := func() bool {
		screen = s.capture()
		return strings.Count(screen, header) == 1 && strings.HasPrefix(screen, header) && strings.Contains(screen, "esc back to settings")
	}
	if !testenv.Poll(5*time.Second, 50*time.Millisecond, clean) {
		t.Errorf("after the resize the screen does not start with one header (%d headers):\n%s", strings.Count(screen, header), screen)
	}
}
