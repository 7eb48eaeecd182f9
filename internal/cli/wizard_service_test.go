package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/servicemode"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// demoUpToDestination answers the accessible wizard from the connector
// question to the end of the test sync: connector, tenant, the API key at
// its no-echo prompt and the optional fields' defaults.
func demoUpToDestination(r *testenv.PTY, connector, tenant, apiKey string) {
	r.Expect("the number 1", 30*time.Second)
	r.SendLine(connector)
	r.Expect("Tenant *", 30*time.Second)
	r.SendLine(tenant)
	r.Expect("API key *", 30*time.Second)
	r.Expect("(Enter keeps 1)", 30*time.Second)
	r.SendLine("") // typed
	r.Expect("API key value", 30*time.Second)
	r.SendSecret(apiKey, 30*time.Second)
	r.Expect("Number of users", 30*time.Second)
	r.SendLine("")
	r.Expect("Include roles", 30*time.Second)
	r.SendLine("")
	r.Expect("✓ Test sync finished", 2*time.Minute)
	r.Expect("What next?", 30*time.Second)
	r.SendLine("1")
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
	r := testenv.StartPTY(t, append(testenv.CleanEnv(home), "TERM=dumb", "LANG=C.UTF-8"), baton(t))

	r.Expect("Step 1/7 · Connector", 30*time.Second)
	demoUpToDestination(r, "1", "acme", apiKey)

	r.Expect("Step 4/7 · Destination", 30*time.Second)
	r.Expect("3. Run as a service (no S3, no schedule: the connector takes tasks from ConductorOne)", 30*time.Second)
	r.SendLine("3")
	r.Expect("Client ID *", 30*time.Second)
	r.SendLine("clever-fox-1234")
	r.Expect("no '@'", 30*time.Second)
	r.SendLine(testClientID)
	r.Expect("Client secret *", 30*time.Second)
	r.SendSecret(testClientSecret, 30*time.Second)

	between := r.Expect("Step 5/6 · Review (profile demo)", 30*time.Second)
	if strings.Contains(between, "Schedule") || strings.Contains(between, "Bucket") {
		t.Errorf("service mode asked for a schedule or a bucket:\n%s", between)
	}
	review := r.Expect("Profile name", 30*time.Second)
	unit := servicemode.UnitName("demo")
	for _, want := range []string{"BATON_CLIENT_ID=" + testClientID, "Restart=always", "systemctl enable --now " + unit, "journalctl -u " + unit} {
		if !strings.Contains(review, want) {
			t.Errorf("review lacks %q:\n%s", want, review)
		}
	}
	r.SendLine("")
	r.Expect("Write the files?", 30*time.Second)
	r.SendLine("")
	r.Expect("Step 6/6 · Done", 30*time.Second)
	r.Expect("✓ Setup written", 30*time.Second)
	r.Expect("wrote 4 files; enable the service with: systemctl link ", 30*time.Second)
	if code := r.Wait(30 * time.Second); code != 0 {
		t.Fatalf("exit %d:\n%s", code, r.Output())
	}
	out := r.Output()
	if strings.Contains(out, "eyJrdHkiOiJPS1Ai") || strings.Contains(out, apiKey) {
		t.Error("a secret was echoed or printed")
	}

	dir := filepath.Join(home, ".config", "baton-setup", "demo")
	for name, want := range map[string]os.FileMode{servicemode.EnvFile: 0o600, unit: 0o600, "plan.json": 0o600} {
		if st, err := os.Stat(filepath.Join(dir, name)); err != nil || st.Mode().Perm() != want {
			t.Errorf("%s: %v, want mode %04o", name, err, want)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "sync.sh")); err == nil {
		t.Error("service mode wrote sync.sh")
	}
	env, err := profile.ReadEnvFile(filepath.Join(dir, servicemode.EnvFile))
	if err != nil || env["BATON_CLIENT_SECRET"] != testClientSecret || env["BATON_CLIENT_ID"] != testClientID || env["BATON_API_KEY"] != apiKey {
		t.Errorf("service.env: %v %v", err, env)
	}
	for _, name := range []string{unit, "plan.json", "README.txt"} {
		if data := mustFile(t, filepath.Join(dir, name)); bytes.Contains(data, []byte("eyJrdHkiOiJPS1Ai")) || bytes.Contains(data, []byte(apiKey)) {
			t.Errorf("%s holds a secret", name)
		}
	}
	if u := string(mustFile(t, filepath.Join(dir, unit))); !strings.Contains(u, "\nEnvironmentFile="+filepath.Join(dir, servicemode.EnvFile)+"\n") {
		t.Errorf("unit:\n%s", u)
	}

	// A re-run of the profile starts in service mode, shows the saved
	// client secret masked, and keeps it on an empty answer.
	r = testenv.StartPTY(t, append(testenv.CleanEnv(home), "TERM=dumb", "LANG=C.UTF-8"), baton(t), "--profile", "demo")
	r.Expect("Step 1/6 · Connector", 30*time.Second)
	demoUpToDestination(r, "", "", apiKey)
	r.Expect("Step 4/6 · Destination", 30*time.Second)
	r.Expect("Where should each sync go?", 30*time.Second)
	r.SendLine("")
	r.Expect(`(Enter keeps "`+testClientID+`")`, 30*time.Second)
	r.SendLine("")
	r.Expect("Client secret * (saved "+plan.NewSecret(testClientSecret).Masked()+"; Enter keeps it)", 30*time.Second)
	r.SendSecret("", 30*time.Second)
	r.Expect("Step 5/6 · Review (profile demo)", 30*time.Second)
	r.Expect("Profile name", 30*time.Second)
	r.SendLine("")
	r.Expect("Write the files?", 30*time.Second)
	r.SendLine("")
	r.Expect("wrote 4 files; enable the service with:", 30*time.Second)
	r.Wait(time.Minute)
	if env, err := profile.ReadEnvFile(filepath.Join(dir, servicemode.EnvFile)); err != nil || env["BATON_CLIENT_SECRET"] != testClientSecret {
		t.Errorf("the re-run lost the client secret: %v", err)
	}
	if strings.Contains(r.Output(), "eyJrdHkiOiJPS1Ai") {
		t.Error("the re-run printed the client secret")
	}
}
