package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/testenv"
)

const otherCanary = "canary-Other-4c2d8e6f"

// twoProfiles writes the setups a returning user has: demo (a local file,
// not scheduled) and other (S3, installed in the crontab). It returns the
// environment for the wizard and the crontab's file.
func twoProfiles(t *testing.T, home string, extra ...string) ([]string, string) {
	t.Helper()
	s3 := testenv.NewS3(t, "sync-bucket")
	env, table := fakeCrontab(t, home, append(wizardEnv(home, extra...), s3.AWSEnv(t, home)...))
	r := run(t, append(env, "BATON_API_KEY="+canary), home, bin, "generate", "--connector", "demo", "--profile", "demo",
		"--set", "tenant=acme", "--set", "user-count=20", "--dest", "local", "--schedule", "hourly:07")
	if r.code != 0 {
		t.Fatalf("generate demo: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = run(t, append(env, "BATON_API_KEY="+otherCanary), home, bin, "generate", "--connector", "demo", "--profile", "other",
		"--set", "tenant=globex", "--dest", "s3://sync-bucket/baton/other/sync.c1z", "--region", "us-east-1", "--endpoint", s3.URL,
		"--schedule", "hourly:31", "--install-cron")
	if r.code != 0 {
		t.Fatalf("generate other: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	return env, table
}

// TestHomeInTmux comes back to two saved setups in a real terminal: the
// wizard opens on them, edits one (one setting changed, the secret kept
// with Enter) and leaves the other byte for byte as it was; then a new
// setup of a connector whose profile exists asks before anything, and is
// written under another name.
func TestHomeInTmux(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env, table := twoProfiles(t, home)
	root := filepath.Join(home, ".config", "baton-setup")
	other := snapshot(t, filepath.Join(root, "other"))
	cron, _ := os.ReadFile(table)

	s := startTmux(t, env)
	s.waitFor("baton-setup · Your setups", tmuxUIWait)
	screen := s.waitFor("installed in crontab: At 31 minutes past the hour", tmuxUIWait)
	for _, want := range []string{"> demo  demo connector dev  a local file", "  other  demo connector dev  s3://sync-bucket/baton/other/sync.c1z",
		"not scheduled (no crontab entry)", "never ran", "+ Set up a new connector", "enter edit · t test now"} {
		if !strings.Contains(screen, want) {
			t.Errorf("home screen lacks %q:\n%s", want, screen)
		}
	}
	s.press("Enter") // edit demo
	s.waitFor("Step 1/7 · Connector  profile demo", tmuxUIWait)
	s.press("Enter")
	s.waitFor("Step 2/7 · Settings", tmuxUIWait)
	s.waitFor("┃ > acme", tmuxUIWait)
	s.press("Enter") // keep the tenant
	s.waitFor("leave empty to keep it.", tmuxUIWait)
	s.press("Enter") // typed, as before
	s.waitFor("┃ API key value", tmuxUIWait)
	s.press("Enter") // keep the secret
	s.waitFor("┃ > 20", tmuxUIWait)
	s.press("BSpace")
	s.press("BSpace")
	s.typeText("35")
	s.press("Enter")
	s.waitFor("┃ Include roles", tmuxUIWait)
	s.press("Enter")
	s.waitFor("Step 3/7 · Test sync", tmuxUIWait)
	screen = s.waitFor("✓ Test sync finished", tmuxSyncWait)
	if !strings.Contains(screen, "user                     35 resources") {
		t.Errorf("the test did not use the new user count:\n%s", screen)
	}
	s.press("Enter")
	s.waitFor("Step 4/7 · Destination", tmuxUIWait)
	s.waitFor("┃ > A local file", tmuxUIWait)
	s.press("Enter")
	s.waitFor("Step 5/7 · Schedule", tmuxUIWait)
	s.waitFor("┃ > Every hour at minute 7 ", tmuxUIWait)
	s.press("Enter")
	s.waitFor("Step 6/7 · Review", tmuxUIWait)
	s.waitFor("┃ Profile name", tmuxUIWait)
	s.writeWithoutRun() // no run now: this test is about the edit

	demo := filepath.Join(root, "demo")
	p := readPlan(t, demo)
	if p.Values["user-count"] != "35" || p.Values["tenant"] != "acme" || p.Destination.Kind != plan.DestLocal || p.Schedule.Cron != "7 * * * *" {
		t.Errorf("demo's plan: %v %+v %q", p.Values, p.Destination, p.Schedule.Cron)
	}
	if secrets, err := profile.ReadEnvFile(filepath.Join(demo, "secrets.env")); err != nil || secrets["BATON_API_KEY"] != canary {
		t.Errorf("demo lost its secret: %v", err)
	}
	if d := snapDiff(other, snapshot(t, filepath.Join(root, "other"))); len(d) > 0 {
		t.Errorf("editing demo changed other: %v", d)
	}
	if got, _ := os.ReadFile(table); string(got) != string(cron) {
		t.Errorf("the crontab changed:\n%s", got)
	}

	// A new setup of the demo connector: its profile name is taken.
	demoSnap := snapshot(t, demo)
	s = startTmux(t, env)
	s.waitFor("baton-setup · Your setups", tmuxUIWait)
	s.typeText("n")
	s.waitFor("Step 1/7 · Connector", tmuxUIWait)
	s.waitFor("demo — built-in demo, no credentials needed", tmuxUIWait)
	s.press("Enter")
	screen = s.waitFor("A setup named demo already exists", tmuxUIWait)
	if !strings.Contains(screen, "Edit the setup demo (every answer pre-filled)") || !strings.Contains(screen, "Set up a new one under another profile name") {
		t.Errorf("no choice offered:\n%s", screen)
	}
	s.press("Down")
	s.press("Enter")
	s.waitFor("┃ > demo-2", tmuxUIWait)
	s.press("BSpace")
	s.typeText("eu")
	s.press("Enter")
	s.waitFor("Step 2/7 · Settings  profile demo-eu", tmuxUIWait)
	s.fillDemoSettings("initech", "k3y-eu")
	s.waitFor("✓ Test sync finished", tmuxSyncWait)
	s.press("Enter")
	s.waitFor("Step 4/7 · Destination", tmuxUIWait)
	s.waitFor("┃ > An S3 bucket", tmuxUIWait)
	s.press("Down")
	s.waitFor("┃ > A local file", tmuxUIWait)
	s.press("Enter")
	s.waitFor("Step 5/7 · Schedule", tmuxUIWait)
	s.press("Enter")
	s.waitFor("┃ Profile name", tmuxUIWait)
	s.waitFor("demo-eu", tmuxUIWait)
	s.writeWithoutRun() // no run now: this test is about the edit
	if p := readPlan(t, filepath.Join(root, "demo-eu")); p.Profile != "demo-eu" || p.Values["tenant"] != "initech" {
		t.Errorf("demo-eu: %+v", p)
	}
	if d := snapDiff(demoSnap, snapshot(t, demo)); len(d) > 0 {
		t.Errorf("the new setup changed demo: %v", d)
	}
	if d := snapDiff(other, snapshot(t, filepath.Join(root, "other"))); len(d) > 0 {
		t.Errorf("the new setup changed other: %v", d)
	}
	for i, sc := range s.screens {
		if strings.Contains(sc, canary) || strings.Contains(sc, otherCanary) {
			t.Fatalf("screen %d shows a secret:\n%s", i, sc)
		}
	}
}

// TestAccessibleHome is TestHomeInTmux as line prompts: the saved setups
// as numbered choices, an edit that keeps the secret and leaves the other
// setup alone, a name collision that asks first, and a confirmed removal
// that keeps the files aside and takes out only that crontab entry.
func TestAccessibleHome(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env, table := twoProfiles(t, home, "TERM=xterm-256color")
	root := filepath.Join(home, ".config", "baton-setup")
	other := snapshot(t, filepath.Join(root, "other"))
	cron, _ := os.ReadFile(table)

	s := testenv.StartPTY(t, env, bin, "--accessible")
	s.Expect("baton-setup · Your setups", uiWait)
	list := s.Expect("Which setup?", uiWait)
	for _, want := range []string{"demo  demo connector dev  a local file\n", "    not scheduled (no crontab entry)\n",
		"other  demo connector dev  s3://sync-bucket/baton/other/sync.c1z\n", "    installed in crontab: At 31 minutes past the hour (server time)\n"} {
		if !strings.Contains(strings.ReplaceAll(list, "\r\n", "\n"), want) {
			t.Errorf("the list lacks %q:\n%s", want, list)
		}
	}
	s.Expect("1. demo — demo connector, a local file, not scheduled (no crontab entry)", uiWait)
	s.Expect("3. Set up a new connector", uiWait)
	s.Expect("4. Quit", uiWait)
	s.SendLine("1")
	s.Expect("What do you want to do with demo?", uiWait)
	s.Expect("1. Edit it (every answer pre-filled; Enter keeps each)", uiWait)
	s.SendLine("1")
	s.Expect("Step 1/7 · Connector (profile demo)", uiWait)
	s.Expect("the number 1", uiWait)
	s.SendLine("")
	s.Expect(`(Enter keeps "acme")`, uiWait)
	s.SendLine("")
	s.Expect("Saved value "+plan.NewSecret(canary).Masked()+"; leave empty to keep it.", uiWait)
	typeSecret(s, "API key", "")
	s.Expect(`(Enter keeps "20")`, uiWait)
	s.SendLine("35")
	s.Expect("Include roles", uiWait)
	s.SendLine("")
	s.Expect("synced 35 user resources", syncWait)
	passSync(s)
	s.Expect("Where should each sync go?", uiWait)
	s.SendLine("")
	s.Expect("Every hour at minute 7 ", uiWait)
	s.SendLine("")
	s.Expect("Profile name", uiWait)
	writeWithoutRun(t, s)
	demo := filepath.Join(root, "demo")
	if p := readPlan(t, demo); p.Values["user-count"] != "35" {
		t.Errorf("demo's values: %v", p.Values)
	}
	if secrets, err := profile.ReadEnvFile(filepath.Join(demo, "secrets.env")); err != nil || secrets["BATON_API_KEY"] != canary {
		t.Errorf("demo lost its secret: %v", err)
	}
	if d := snapDiff(other, snapshot(t, filepath.Join(root, "other"))); len(d) > 0 {
		t.Errorf("editing demo changed other: %v", d)
	}

	// The demo connector again: its profile name is taken.
	demoSnap := snapshot(t, demo)
	s = testenv.StartPTY(t, env, bin, "--accessible")
	s.Expect("Which setup?", uiWait)
	s.SendLine("3")
	s.Expect("Which connector do you want to set up?", uiWait)
	s.Expect("the number 1", uiWait)
	s.SendLine("1")
	s.Expect("A setup named demo already exists: demo connector, a local file", uiWait)
	s.Expect("What do you want to do?", uiWait)
	s.Expect("2. Set up a new one under another profile name", uiWait)
	s.SendLine("2")
	s.Expect(`(Enter keeps "demo-2")`, uiWait)
	s.Expect("New profile name", uiWait)
	s.SendLine("")
	s.Expect("Step 2/7 · Settings (profile demo-2)", uiWait)
	s.Expect("Tenant *", uiWait)
	s.Send("\x03")
	s.Wait(uiWait)
	if d := snapDiff(demoSnap, snapshot(t, demo)); len(d) > 0 {
		t.Errorf("the new setup changed demo: %v", d)
	}
	if _, err := os.Stat(filepath.Join(root, "demo-2")); !os.IsNotExist(err) {
		t.Errorf("a cancelled setup wrote demo-2: %v", err)
	}

	// Remove other, after a confirmation.
	s = testenv.StartPTY(t, env, bin, "--accessible")
	s.Expect("Which setup?", uiWait)
	s.SendLine("2")
	s.Expect("What do you want to do with other?", uiWait)
	menu := s.Expect("Enter a number between", uiWait)
	s.SendLine(optionNumber(t, strings.ReplaceAll(menu, "\r", ""), "Remove this setup (its files are kept aside)"))
	s.Expect("Remove the setup other?", uiWait)
	s.Expect("Its crontab entry is removed. Its directory moves to "+filepath.Join(root, ".removed", "other.<time>")+", so nothing is deleted.", uiWait)
	s.Expect("1. remove it (its files are kept aside)", uiWait)
	s.Expect("2. keep it", uiWait)
	s.SendLine("1")
	s.Expect("Removed the setup other; its files are kept in "+filepath.Join(root, ".removed", "other."), uiWait)
	s.Expect("Which setup?", uiWait)
	s.Expect("3. Quit", uiWait)
	s.SendLine("3")
	requireExit(t, s)

	if _, err := os.Stat(filepath.Join(root, "other")); !os.IsNotExist(err) {
		t.Errorf("other's directory is still in place: %v", err)
	}
	kept, _ := filepath.Glob(filepath.Join(root, ".removed", "other.*"))
	if len(kept) != 1 {
		t.Fatalf("backups of other: %v", kept)
	}
	if secrets, err := profile.ReadEnvFile(filepath.Join(kept[0], "secrets.env")); err != nil || secrets["BATON_API_KEY"] != otherCanary {
		t.Errorf("the backup lost other's secret: %v", err)
	}
	got, _ := os.ReadFile(table)
	if strings.Contains(string(got), "profile=other") || !strings.Contains(string(cron), "profile=other") {
		t.Errorf("crontab before:\n%s\nafter:\n%s", cron, got)
	}
	if out := s.Output(); strings.Contains(out, canary) || strings.Contains(out, otherCanary) {
		t.Error("a secret was printed")
	}
}
