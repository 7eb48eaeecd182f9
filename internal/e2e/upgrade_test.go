package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// driftLine is doctor's line about the connector compared with what the
// setup recorded.
func driftLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "connector as the setup recorded it") || strings.Contains(l, "connector unchanged") ||
			strings.Contains(l, "connector changed") {
			return l
		}
	}
	return ""
}

// TestConnectorUpgrade sets up the stand-in connector, then replaces it
// with a build whose settings changed: a required setting added and one
// removed. doctor, regenerate and test --profile each say what changed,
// regenerate refuses to go on without the new value (exit 2, naming it),
// and with it rewrites the profile, dropping the removed setting and
// keeping the secret.
func TestConnectorUpgrade(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	binDir := filepath.Join(home, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	testenv.InstallDrift(t, binDir, 1)
	env, _ := fakeCrontab(t, home, testenv.PrependPath(testenv.CleanEnv(home), binDir))
	dir := filepath.Join(home, ".config", "baton-setup", "drift")

	r := run(t, append(env, "BATON_API_KEY="+canary), home, bin, "generate", "--connector", "drift",
		"--set", "tenant=acme", "--set", "legacy-mode=on", "--dest", "local", "--schedule", "hourly:05")
	if r.code != 0 {
		t.Fatalf("generate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	saved := readPlan(t, dir)
	c := saved.Connector
	if c.Version != "v1.0.0" || c.SDKVersion != "v0.25.0" || len(c.SchemaFingerprint) != 16 {
		t.Fatalf("plan.json does not record the connector: %+v", c)
	}
	r = run(t, env, home, bin, "doctor", "--profile", "drift")
	if l := driftLine(r.stdout); l != "✓ connector unchanged since the setup was written (version v1.0.0)" {
		t.Errorf("doctor before the upgrade: %q\n%s", l, r.stdout)
	}

	testenv.InstallDrift(t, binDir, 2)
	before := snapshot(t, dir)

	r = run(t, env, home, bin, "doctor", "--profile", "drift")
	if r.code != 1 || driftLine(r.stdout) != "✗ connector as the setup recorded it" ||
		!strings.Contains(r.stdout, "the connector changed since the setup was written: version v1.0.0 → v2.0.0; it requires region (BATON_REGION), which this setup has no value for; it no longer has legacy-mode") ||
		!strings.Contains(r.stdout, "fix: answer it in the wizard") {
		t.Errorf("doctor after the upgrade: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}

	for _, args := range [][]string{{"regenerate", "--profile", "drift"}, {"regenerate", "--all", "--dry-run"}} {
		r = run(t, env, home, bin, args...)
		if r.code != 2 || !strings.Contains(r.stderr, "profile drift: needs input: the connector requires settings this profile has no value for:\n  region (BATON_REGION)\nhint: answer them in the wizard (baton-setup --profile drift)") ||
			!strings.Contains(r.stderr, "needs input: drift\n") {
			t.Errorf("%s: exit %d\nstdout: %s\nstderr: %s", args, r.code, r.stdout, r.stderr)
		}
	}
	r = run(t, env, home, bin, "test", "--profile", "drift")
	if r.code != 2 || !strings.Contains(r.stderr, "region (--set region=VALUE or BATON_REGION)") {
		t.Errorf("test --profile without the new value: exit %d\n%s", r.code, r.stderr)
	}
	if diff := snapDiff(before, snapshot(t, dir)); len(diff) > 0 {
		t.Errorf("a refused regenerate changed files: %v", diff)
	}

	withRegion := append(env, "BATON_REGION=eu-1")
	r = run(t, withRegion, home, bin, "regenerate", "--profile", "drift")
	if r.code != 0 || !strings.Contains(r.stdout, "note: the drift connector no longer has the setting legacy-mode; its value is dropped") ||
		!strings.Contains(r.stdout, "updated "+filepath.Join(dir, "plan.json")) {
		t.Fatalf("regenerate with the new value: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	now := readPlan(t, dir)
	if now.Connector.Version != "v2.0.0" || now.Connector.SchemaFingerprint == c.SchemaFingerprint ||
		now.Values["region"] != "eu-1" || now.Values["legacy-mode"] != "" || now.Values["tenant"] != "acme" {
		t.Errorf("plan.json after regenerate: %+v %v", now.Connector, now.Values)
	}
	if secrets, err := profile.ReadEnvFile(filepath.Join(dir, "secrets.env")); err != nil || secrets["BATON_API_KEY"] != canary {
		t.Errorf("secrets.env lost the key: %v", err)
	}
	script, _ := os.ReadFile(filepath.Join(dir, "sync.sh"))
	if !strings.Contains(string(script), "BATON_REGION=eu-1") || strings.Contains(string(script), "LEGACY") {
		t.Errorf("sync.sh:\n%s", script)
	}

	r = run(t, env, home, bin, "doctor", "--profile", "drift")
	if l := driftLine(r.stdout); l != "✓ connector unchanged since the setup was written (version v2.0.0)" {
		t.Errorf("doctor after regenerate: %q\n%s", l, r.stdout)
	}
	// The saved secret reaches the connector; the shell has none.
	r = run(t, env, home, bin, "test", "--profile", "drift")
	if r.code != 0 || !strings.Contains(r.stdout, "user                        3 resources") {
		t.Errorf("test --profile: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if strings.Contains(r.stdout+r.stderr, canary) {
		t.Error("test printed the secret")
	}
}

// TestConnectorUpgradeInWizard comes back after the same upgrade through
// the wizard: the home screen flags the setup, and editing it asks for the
// new setting, keeps the secret and drops the removed setting.
func TestConnectorUpgradeInWizard(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	binDir := filepath.Join(home, "bin")
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		t.Fatal(err)
	}
	testenv.InstallDrift(t, binDir, 1)
	env, _ := fakeCrontab(t, home, testenv.PrependPath(wizardEnv(home, "TERM=dumb"), binDir))
	dir := filepath.Join(home, ".config", "baton-setup", "drift")
	r := run(t, append(env, "BATON_API_KEY="+canary), home, bin, "generate", "--connector", "drift",
		"--set", "tenant=acme", "--set", "legacy-mode=on", "--dest", "local", "--schedule", "hourly:05")
	if r.code != 0 {
		t.Fatalf("generate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	testenv.InstallDrift(t, binDir, 2)

	s := testenv.StartPTY(t, env, bin)
	s.Expect("baton-setup · Your setups", uiWait)
	s.Expect("drift  drift connector v1.0.0  a local file", uiWait)
	s.Expect("needs input, the connector changed: version v1.0.0 → v2.0.0; it requires region (BATON_REGION), which this setup has no value for; it no longer has legacy-mode", uiWait)
	s.Expect("Which setup?", uiWait)
	s.SendLine("1")
	s.Expect("What do you want to do with drift?", uiWait)
	s.SendLine("1")
	s.Expect("Step 1/7 · Connector (profile drift)", uiWait)
	s.Expect("Since this setup was written: the drift connector no longer has the setting legacy-mode; its value is dropped.", uiWait)
	s.Expect("Enter keeps", uiWait)
	s.SendLine("")
	s.Expect(`(Enter keeps "acme")`, uiWait)
	s.SendLine("")
	typeSecret(s, "API key", "")
	s.Expect("Region *", uiWait)
	s.SendLine("eu-1")
	s.Expect("synced 3 user resources", syncWait)
	passSync(s)
	s.Expect("Where should each sync go?", uiWait)
	s.SendLine("")
	s.Expect("Every hour at minute 5 ", uiWait)
	s.SendLine("")
	s.Expect("Profile name", uiWait)
	if out := writeWithoutRun(t, s); strings.Contains(out, canary) {
		t.Error("the secret was printed")
	}
	p := readPlan(t, dir)
	if p.Connector.Version != "v2.0.0" || p.Values["region"] != "eu-1" || p.Values["legacy-mode"] != "" || p.Values["tenant"] != "acme" {
		t.Errorf("plan.json: %+v %v", p.Connector, p.Values)
	}
	if secrets, err := profile.ReadEnvFile(filepath.Join(dir, "secrets.env")); err != nil || secrets["BATON_API_KEY"] != canary {
		t.Errorf("secrets.env lost the key: %v", err)
	}
}
