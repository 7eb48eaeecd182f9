package e2e

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/servicemode"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// demoSettings answers the demo connector's settings as line prompts: the
// tenant, the API key at its no-echo prompt, and the defaults of the rest.
func demoSettings(s *testenv.PTY, tenant, apiKey string) {
	s.Expect("Tenant *", uiWait)
	s.SendLine(tenant)
	typeSecret(s, "API key", apiKey)
	s.Expect("Number of users", uiWait)
	s.SendLine("")
	s.Expect("Include roles", uiWait)
	s.SendLine("")
}

// typeSecret answers a secret setting's two prompts: how it is given
// (typed, the first way and the default), then its value without echo.
func typeSecret(s *testenv.PTY, label, value string) {
	s.Expect(label+" *", uiWait)
	s.Expect("(Enter keeps 1)", uiWait)
	s.SendLine("")
	s.Expect(label+" value", uiWait)
	s.SendSecret(value, uiWait)
}

// passSync waits for a passing test sync and continues.
func passSync(s *testenv.PTY) {
	s.Expect("✓ Test sync finished", syncWait)
	s.Expect("What next?", uiWait)
	s.Expect("1. continue", uiWait)
	s.SendLine("1")
}

// readPlan reads a profile's plan.json.
func readPlan(t *testing.T, dir string) *plan.Plan {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "plan.json"))
	if err != nil {
		t.Fatal(err)
	}
	var p plan.Plan
	if err := json.Unmarshal(data, &p); err != nil {
		t.Fatalf("plan.json: %v\n%s", err, data)
	}
	return &p
}

// requireExit waits for the wizard to end with code 0.
func requireExit(t *testing.T, s *testenv.PTY) string {
	t.Helper()
	if code := s.Wait(uiWait); code != 0 {
		t.Fatalf("exit %d; output:\n%s", code, tail(s.Output(), 3000))
	}
	return s.Output()
}

// writeWithoutRun takes the line prompts from the review to the end: the
// profile name and crontab answer as offered, the files written, no run
// now. It returns the whole output of a wizard that exited 0.
func writeWithoutRun(t *testing.T, s *testenv.PTY) string {
	t.Helper()
	s.SendLine("")
	s.Expect("Install the crontab entry now?", uiWait)
	s.SendLine("")
	s.Expect("Write the files?", uiWait)
	s.SendLine("")
	s.Expect("✓ Setup written", uiWait)
	s.Expect("Run it now as the schedule will? [Y/n]", uiWait)
	s.SendLine("n")
	return requireExit(t, s)
}

// TestAccessibleS3Destination goes through an S3 destination as line
// prompts: bucket, key, region and endpoint, static keys, the S3 check
// against a local server, then on to the schedule and the review, which
// writes a plan that names the bucket; the Done screen then runs sync.sh
// as cron will and reports the delivery in text lines.
func TestAccessibleS3Destination(t *testing.T) {
	t.Parallel()
	s3 := testenv.NewS3(t, "acc-bucket")
	home := t.TempDir()
	env, _ := fakeCrontab(t, home, append(wizardEnv(home, "TERM=xterm-256color"), s3.AWSEnv(t, home)...))
	s := testenv.StartPTY(t, env, bin, "--accessible")

	s.Expect("the number 1", uiWait)
	s.SendLine("1")
	demoSettings(s, "acme", canary)
	passSync(s)

	s.Expect("Step 4/7 · Destination", uiWait)
	s.Expect("1. An S3 bucket that ConductorOne reads (automated)", uiWait)
	s.SendLine("1")
	s.Expect("The bucket your ConductorOne S3 data source reads.", uiWait)
	s.Expect("Bucket *", uiWait)
	s.SendLine("acc-bucket")
	s.Expect(`(Enter keeps "baton/demo/sync.c1z")`, uiWait)
	s.Expect("Object key *", uiWait)
	s.SendLine("")
	s.Expect(`(Enter keeps "us-east-1")`, uiWait)
	s.Expect("Region", uiWait)
	s.SendLine("")
	s.Expect("Endpoint (optional)", uiWait)
	s.SendLine(s3.URL)
	s.Expect("AWS credentials for the upload", uiWait)
	s.Expect("4. Static access keys", uiWait)
	s.SendLine("4")
	s.Expect("Access key ID *", uiWait)
	s.SendLine(staticKeyID)
	s.Expect("Secret access key *", uiWait)
	s.SendSecret(staticSecret, uiWait)

	s.Expect("✓ The S3 check passed", uiWait)
	s.Expect("File name: baton/demo/sync.c1z", uiWait)
	s.Expect("What next?", uiWait)
	s.Expect("1. continue", uiWait)
	s.SendLine("1")

	between := s.Expect("Step 5/7 · Schedule", uiWait)
	if strings.Contains(between, "Where should each sync go?") {
		t.Errorf("the destination was asked again after the check:\n%s", between)
	}
	s.Expect("ConductorOne reads the bucket once an hour.", uiWait)
	s.Expect("How often should the sync run?", uiWait)
	s.Expect("Enter a number between 1 and 2", uiWait)
	s.SendLine("")

	review := s.Expect("Profile name", uiWait)
	for _, want := range []string{"s3://acc-bucket/baton/demo/sync.c1z", "through the S3-compatible endpoint " + s3.URL} {
		if !strings.Contains(review, want) {
			t.Errorf("review lacks %q:\n%s", want, review)
		}
	}
	s.SendLine("")
	s.Expect("Install the crontab entry now?", uiWait)
	s.SendLine("n")
	s.Expect("Write the files?", uiWait)
	s.SendLine("")
	s.Expect("✓ Setup written", uiWait)
	s.Expect("Not scheduled yet: install the crontab entry", uiWait)
	s.Expect("Run it now as the schedule will? [Y/n]", uiWait)
	s.SendLine("")
	s.Expect("with only what cron gives it", uiWait)
	s.Expect("sync started", syncWait)
	proof := s.Expect("✓ Delivered: s3://acc-bucket/baton/demo/sync.c1z, sync ", syncWait)
	if !strings.Contains(proof, "connector: synced 20 user resources") {
		t.Errorf("the run's progress was not reported:\n%s", proof)
	}
	if out := requireExit(t, s); strings.Contains(out, canary) || strings.Contains(out, staticSecret) {
		t.Error("a secret was echoed or printed")
	}
	if obj := s3.Get(t, "acc-bucket", "baton/demo/sync.c1z"); obj == nil {
		t.Error("the proof delivered nothing to the bucket")
	}

	p := readPlan(t, filepath.Join(home, ".config", "baton-setup", "demo"))
	if d := p.Destination; d.Kind != plan.DestS3 || d.Bucket != "acc-bucket" || d.Key != "baton/demo/sync.c1z" || d.Endpoint != s3.URL || d.Region != "us-east-1" {
		t.Errorf("plan.json destination: %+v", d)
	}
}

// TestAccessibleServiceMode picks service mode as line prompts: a refused
// client ID is asked again, the client secret is read without echo, the
// schedule is skipped, and service.env gets both.
func TestAccessibleServiceMode(t *testing.T) {
	t.Parallel()
	const (
		clientID     = "clever-fox-1234@acme.conductor.one/pcc"
		clientSecret = "secret-token:acme.conductor.one:v1:eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6ImNhbmFyeSJ9"
	)
	home := t.TempDir()
	s := testenv.StartPTY(t, wizardEnv(home, "TERM=dumb"), bin)

	s.Expect("the number 1", uiWait)
	s.SendLine("1")
	demoSettings(s, "acme", canary)
	passSync(s)

	s.Expect("Step 4/7 · Destination", uiWait)
	s.Expect("3. Run as a service", uiWait)
	s.SendLine("3")
	s.Expect("Client ID *", uiWait)
	s.SendLine("clever-fox-1234")
	s.Expect("no '@'", uiWait)
	s.Expect("Client ID *", uiWait)
	s.SendLine(clientID)
	s.Expect("Client secret *", uiWait)
	s.SendSecret(clientSecret, uiWait)

	between := s.Expect("Step 5/6 · Review (profile demo)", uiWait)
	if strings.Contains(between, "How often") || strings.Contains(between, "Bucket") {
		t.Errorf("service mode asked for a schedule or a bucket:\n%s", between)
	}
	s.Expect("Profile name", uiWait)
	s.SendLine("")
	s.Expect("Write the files?", uiWait)
	s.SendLine("")
	s.Expect("Step 6/6 · Done", uiWait)
	s.Expect("systemctl", uiWait)
	out := requireExit(t, s)
	if strings.Contains(out, canary) || strings.Contains(out, "eyJrdHkiOiJPS1Ai") {
		t.Error("a secret was echoed or printed")
	}

	dir := filepath.Join(home, ".config", "baton-setup", "demo")
	env, err := profile.ReadEnvFile(filepath.Join(dir, servicemode.EnvFile))
	if err != nil || env["BATON_CLIENT_ID"] != clientID || env["BATON_CLIENT_SECRET"] != clientSecret || env["BATON_API_KEY"] != canary {
		t.Errorf("service.env: %v %v", err, env)
	}
	if p := readPlan(t, dir); p.Mode != plan.ModeService || p.Service.ClientID != clientID {
		t.Errorf("plan.json: mode %q, client ID %q", p.Mode, p.Service.ClientID)
	}
}

// TestAccessibleFailedSyncAndBack runs a test sync that the connector
// refuses, goes back to the settings from its report, fixes the API key,
// and goes on once the second sync passes.
func TestAccessibleFailedSyncAndBack(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env, _ := fakeCrontab(t, home, wizardEnv(home, "TERM=xterm-256color", "ACCESSIBLE=1"))
	s := testenv.StartPTY(t, env, bin)

	s.Expect("the number 1", uiWait)
	s.SendLine("1")
	demoSettings(s, "acme", "invalid")

	s.Expect("Step 3/7 · Test sync", uiWait)
	s.Expect("✗ Test sync failed", syncWait)
	s.Expect("API key (401 from upstream)", uiWait)
	s.Expect("What next?", uiWait)
	screen := s.Expect("Enter a number", uiWait)
	n := optionNumber(t, screen, "back to settings")
	s.SendLine(n)

	s.Expect("Step 2/7 · Settings (profile demo)", uiWait)
	s.Expect(`(Enter keeps "acme")`, uiWait)
	s.Expect("Tenant *", uiWait)
	s.SendLine("")
	// The refused key is kept, masked, until another is typed.
	s.Expect("Saved value", uiWait)
	typeSecret(s, "API key", canary)
	s.Expect("Number of users", uiWait)
	s.SendLine("")
	s.Expect("Include roles", uiWait)
	s.SendLine("")

	s.Expect("Step 3/7 · Test sync", uiWait)
	passSync(s)
	s.Expect("Step 4/7 · Destination", uiWait)
	s.Expect("2. A local file that I upload by hand", uiWait)
	s.SendLine("2")
	s.Expect("Step 5/7 · Schedule", uiWait)
	s.Expect("Enter a number between 1 and 2", uiWait)
	s.SendLine("")
	s.Expect("Profile name", uiWait)
	writeWithoutRun(t, s)

	secrets, err := profile.ReadEnvFile(filepath.Join(home, ".config", "baton-setup", "demo", "secrets.env"))
	if err != nil || secrets["BATON_API_KEY"] != canary {
		t.Errorf("secrets.env: %v %v", err, secrets)
	}
}

// optionNumber finds the numbered choice whose label is label in a line
// prompt's list.
func optionNumber(t *testing.T, screen, label string) string {
	t.Helper()
	for _, line := range strings.Split(screen, "\n") {
		num, text, ok := strings.Cut(strings.TrimSpace(line), ". ")
		if ok && text == label {
			return num
		}
	}
	t.Fatalf("no choice %q in:\n%s", label, screen)
	return ""
}

// TestAccessibleReturningUser edits a saved profile as line prompts:
// every answer is offered again, Enter keeps the saved secret, one setting
// changes, and the files are rewritten with it.
func TestAccessibleReturningUser(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	env, _ := fakeCrontab(t, home, wizardEnv(home, "TERM=xterm-256color"))
	r := run(t, append(env, "BATON_API_KEY="+canary), home, bin, "generate", "--connector", "demo",
		"--set", "tenant=acme", "--set", "user-count=20", "--dest", "local", "--schedule", "7 * * * *", "--profile", "demo")
	if r.code != 0 {
		t.Fatalf("generate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	dir := filepath.Join(home, ".config", "baton-setup", "demo")

	s := testenv.StartPTY(t, env, bin, "--profile", "demo", "--accessible")
	s.Expect("Step 1/7 · Connector", uiWait)
	s.Expect("the number 1", uiWait)
	s.SendLine("")
	s.Expect("Step 2/7 · Settings (profile demo)", uiWait)
	s.Expect(`(Enter keeps "acme")`, uiWait)
	s.Expect("Tenant *", uiWait)
	s.SendLine("")
	s.Expect("Saved value "+plan.NewSecret(canary).Masked()+"; leave empty to keep it.", uiWait)
	typeSecret(s, "API key", "")
	s.Expect(`(Enter keeps "20")`, uiWait)
	s.Expect("Number of users", uiWait)
	s.SendLine("35")
	s.Expect("Include roles", uiWait)
	s.SendLine("")

	s.Expect("synced 35 user resources", syncWait)
	passSync(s)
	s.Expect("Step 4/7 · Destination", uiWait)
	s.Expect("Where should each sync go?", uiWait)
	s.SendLine("")
	s.Expect("Step 5/7 · Schedule", uiWait)
	s.Expect("Every hour at minute 7 ", uiWait)
	s.SendLine("")
	review := s.Expect("Profile name", uiWait)
	if !strings.Contains(review, "35") || !strings.Contains(review, "(7 * * * *)") {
		t.Errorf("review lacks the new user count or the kept schedule:\n%s", review)
	}
	if out := writeWithoutRun(t, s); strings.Contains(out, canary) {
		t.Error("the secret was echoed or printed")
	}

	p := readPlan(t, dir)
	if p.Values["user-count"] != "35" || p.Values["tenant"] != "acme" || p.Schedule.Cron != "7 * * * *" {
		t.Errorf("plan.json: values %v, schedule %q", p.Values, p.Schedule.Cron)
	}
	secrets, err := profile.ReadEnvFile(filepath.Join(dir, "secrets.env"))
	if err != nil || secrets["BATON_API_KEY"] != canary {
		t.Errorf("secrets.env lost the kept key: %v %v", err, secrets)
	}
	sync, _ := os.ReadFile(filepath.Join(dir, "sync.sh"))
	if !regexp.MustCompile(`\nBATON_USER_COUNT='?35'?\n`).Match(sync) {
		t.Errorf("sync.sh does not pass the new user count:\n%s", sync)
	}
}
