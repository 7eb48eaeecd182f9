package cli

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/servicemode"
)

const (
	testClientID     = "clever-fox-1234@acme.conductor.one/pcc"
	testClientSecret = "secret-token:conductorone.com:v1:eyJrdHkiOiJPS1AiLCJ4IjoiYWJjZGVmIn0"
)

func runGenerate(t *testing.T, f *Factory, out, errOut *bytes.Buffer, args ...string) cmdResult {
	t.Helper()
	out.Reset()
	errOut.Reset()
	cmd := newGenerateCmd(f, nil)
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return execute(t, f, cmd.ExecuteContext, cmd.SetArgs, args, out, errOut)
}

func TestGenerateServiceMode(t *testing.T) {
	root := filepath.Join(t.TempDir(), "baton-setup")
	dir := filepath.Join(root, "demo")
	env := map[string]string{"BATON_API_KEY": "demo-key-123", "BATON_CLIENT_SECRET": testClientSecret}
	f, out, errOut := opsFactory(t, root, nil, env)
	args := []string{"--connector", "demo", "--set", "tenant=acme", "--mode", "service", "--client-id", testClientID}
	res := runGenerate(t, f, out, errOut, args...)
	if res.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", res.code, res.out, res.errOut)
	}
	unit := servicemode.UnitName("demo")
	for name, mode := range map[string]os.FileMode{"service.env": 0o600, unit: 0o600, "plan.json": 0o600, "README.txt": 0o600, "work": 0o700 | os.ModeDir, ".": 0o700 | os.ModeDir} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if st.Mode() != mode {
			t.Errorf("%s: mode %v, want %v", name, st.Mode(), mode)
		}
	}
	for _, name := range []string{"sync.sh", "secrets.env", "baton-demo.timer"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("service mode wrote %s", name)
		}
	}
	saved, err := profile.ReadEnvFile(filepath.Join(dir, "service.env"))
	if err != nil {
		t.Fatal(err)
	}
	if saved["BATON_CLIENT_SECRET"] != testClientSecret || saved["BATON_CLIENT_ID"] != testClientID ||
		saved["BATON_TENANT"] != "acme" || saved["BATON_API_KEY"] != "demo-key-123" {
		t.Errorf("service.env holds %v", saved)
	}
	unitText := string(mustFile(t, filepath.Join(dir, unit)))
	bin := baton(t)
	// The demo connector is baton-setup's own subcommand.
	if !strings.Contains(unitText, "\nExecStart="+bin+" demo-connector --health-check\n") ||
		!strings.Contains(unitText, "\nEnvironmentFile="+filepath.Join(dir, "service.env")+"\n") {
		t.Errorf("unit:\n%s", unitText)
	}
	for _, name := range []string{unit, "plan.json", "README.txt"} {
		if data := mustFile(t, filepath.Join(dir, name)); bytes.Contains(data, []byte("eyJrdHkiOiJPS1Ai")) || bytes.Contains(data, []byte("demo-key-123")) {
			t.Errorf("%s holds a secret", name)
		}
	}
	if strings.Contains(res.out+res.errOut, "eyJrdHkiOiJPS1Ai") || strings.Contains(strings.Join(args, " "), "eyJrdHkiOiJPS1Ai") {
		t.Errorf("the secret reached the output or argv:\n%s", res.out)
	}
	for _, want := range []string{"systemctl enable --now " + unit, "journalctl -u " + unit, "demo-connector health-check"} {
		if !strings.Contains(res.out, want) {
			t.Errorf("output lacks %q:\n%s", want, res.out)
		}
	}
	if !strings.Contains(string(mustFile(t, filepath.Join(dir, "plan.json"))), `"mode": "service"`) {
		t.Errorf("plan.json does not record service mode")
	}

	// Regenerating from plan.json with no secret in the environment keeps
	// the one in service.env.
	f2, out2, errOut2 := opsFactory(t, root, nil, map[string]string{"BATON_API_KEY": "demo-key-123"})
	res = runGenerate(t, f2, out2, errOut2, "--plan", filepath.Join(dir, "plan.json"))
	if res.code != 0 {
		t.Fatalf("regenerate: exit %d\n%s\n%s", res.code, res.out, res.errOut)
	}
	if again, _ := profile.ReadEnvFile(filepath.Join(dir, "service.env")); again["BATON_CLIENT_SECRET"] != testClientSecret {
		t.Errorf("regenerating lost the client secret")
	}

	// --secret-stdin client-secret replaces it.
	other := "secret-token:conductorone.com:v1:b3RoZXI"
	f3, out3, errOut3 := opsFactory(t, root, nil, map[string]string{"BATON_API_KEY": "demo-key-123", "stdin": other + "\n"})
	res = runGenerate(t, f3, out3, errOut3, "--plan", filepath.Join(dir, "plan.json"), "--secret-stdin", "client-secret")
	if res.code != 0 {
		t.Fatalf("--secret-stdin: exit %d\n%s\n%s", res.code, res.out, res.errOut)
	}
	if again, _ := profile.ReadEnvFile(filepath.Join(dir, "service.env")); again["BATON_CLIENT_SECRET"] != other {
		t.Errorf("--secret-stdin did not replace the client secret")
	}
	if !strings.Contains(res.out, "BATON_CLIENT_SECRET=•••• (new value)") || strings.Contains(res.out, "b3RoZXI") {
		t.Errorf("the diff must mask the changed secret:\n%s", res.out)
	}
}

func TestGenerateServiceModeRefuses(t *testing.T) {
	root := filepath.Join(t.TempDir(), "baton-setup")
	secretFile := filepath.Join(t.TempDir(), "secret")
	os.WriteFile(secretFile, []byte("secret-token:conductorone.com:v2:c2VjcmV0LXZhbHVl\n"), 0o600)
	base := []string{"--connector", "demo", "--set", "tenant=acme", "--mode", "service"}
	for _, tt := range []struct {
		name   string
		args   []string
		secret string
		want   string
	}{
		{"no client id", nil, testClientSecret, "service mode needs the ConductorOne client ID\nhint: give it with --client-id"},
		{"client id without @", []string{"--client-id", "clever-fox"}, testClientSecret, `client ID "clever-fox": no '@'`},
		{"client id without suffix", []string{"--client-id", "fox@acme.conductor.one"}, testClientSecret, "no '/' after the tenant host"},
		{"secret as client id", []string{"--client-id", testClientSecret}, testClientSecret, "looks like a client secret"},
		{"no secret", []string{"--client-id", testClientID}, "", "client secret: not set"},
		{"secret with 3 parts", []string{"--client-id", testClientID}, "secret-token:v1:c2VjcmV0LXZhbHVl", "has 3 colon-separated parts, want 4"},
		{"secret not v1", []string{"--client-id", testClientID, "--secret-file", "client-secret=" + secretFile}, "", "third colon-separated part must be v1"},
		{"secret with a space", []string{"--client-id", testClientID}, "secret-token:conductorone.com:v1:c2Vj cmV0LXZhbHVl", "white space"},
		{"dest in service mode", []string{"--client-id", testClientID, "--dest", "local"}, testClientSecret, "--dest: service mode has no sync file"},
		{"schedule in service mode", []string{"--client-id", testClientID, "--schedule", "hourly"}, testClientSecret, "--schedule: service mode"},
		{"unknown mode", []string{"--mode", "daemon"}, "", `--mode "daemon": want sync or service`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			env := map[string]string{"BATON_API_KEY": "demo-key-123"}
			if tt.secret != "" {
				env["BATON_CLIENT_SECRET"] = tt.secret
			}
			f, out, errOut := opsFactory(t, root, nil, env)
			res := runGenerate(t, f, out, errOut, append(append([]string{}, base...), tt.args...)...)
			if res.code != 2 || !strings.Contains(res.errOut, tt.want) {
				t.Errorf("exit %d, stderr %q; want exit 2 and %q", res.code, res.errOut, tt.want)
			}
			for _, s := range []string{"c2VjcmV0LXZhbHVl", "eyJrdHkiOiJPS1Ai", "c2Vj cmV0"} {
				if tt.name != "secret as client id" && strings.Contains(res.errOut+res.out, s) {
					t.Errorf("the message shows the secret: %q", res.errOut)
				}
			}
			if tt.name == "secret as client id" && strings.Contains(res.errOut, "eyJrdHkiOiJPS1Ai") {
				t.Errorf("the message shows the secret given as client ID: %q", res.errOut)
			}
		})
	}
	if _, err := os.Stat(filepath.Join(root, "demo")); err == nil {
		t.Errorf("a refused generate wrote the profile directory")
	}
}
