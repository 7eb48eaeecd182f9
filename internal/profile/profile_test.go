package profile

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"al.essio.dev/pkg/shellescape"

	"github.com/conductorone/baton-setup/internal/plan"
)

func TestReadEnvFileRoundTrip(t *testing.T) {
	values := map[string]string{
		"BATON_A": "plain",
		"BATON_B": "it's \"quoted\" $HOME `cmd` \\ back",
		"BATON_C": "-----BEGIN KEY-----\nline two\n-----END KEY-----\n",
		"BATON_D": "",
		"BATON_E": "ünïcødé ☃",
	}
	var b strings.Builder
	b.WriteString("# comment\n")
	for k, v := range values {
		b.WriteString(k + "=" + shellescape.Quote(v) + "\n")
	}
	path := filepath.Join(t.TempDir(), "secrets.env")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	got, err := ReadEnvFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range values {
		if got[k] != v {
			t.Errorf("%s = %q, want %q", k, got[k], v)
		}
	}
	os.Chmod(path, 0o644)
	if _, err := ReadEnvFile(path); err == nil || !strings.Contains(err.Error(), "lets other users read it") {
		t.Errorf("world-readable file accepted: %v", err)
	}
	os.WriteFile(path, []byte("rm -rf /\n"), 0o600)
	os.Chmod(path, 0o600)
	if _, err := ReadEnvFile(path); err == nil || !strings.Contains(err.Error(), "not a NAME=value assignment") {
		t.Errorf("command accepted: %v", err)
	}
}

func TestListAndLoad(t *testing.T) {
	root := t.TempDir()
	p := &plan.Plan{Profile: "okta-prod", Connector: plan.Connector{Name: "okta", Path: "/usr/bin/baton-okta"},
		Destination: plan.Destination{Kind: plan.DestLocal}, Schedule: plan.Schedule{Cron: "5 * * * *"}}
	dir := Dir(root, "okta-prod")
	os.MkdirAll(dir, 0o700)
	if err := p.Save(filepath.Join(dir, "plan.json")); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "secrets.env"), []byte("BATON_API_TOKEN='tok'\n"), 0o600)
	os.MkdirAll(filepath.Join(root, "not-a-profile"), 0o700)
	list, err := List(root)
	if err != nil || len(list) != 1 || list[0].Name != "okta-prod" || list[0].Schedule != "5 * * * *" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	got, secrets, err := Load(root, "okta-prod")
	if err != nil || got.Connector.Name != "okta" || secrets["BATON_API_TOKEN"] != "tok" {
		t.Fatalf("Load = %+v, %v, %v", got, secrets, err)
	}
	if _, _, err := Load(root, "missing"); err == nil || !strings.Contains(err.Error(), "no such profile") {
		t.Errorf("missing profile: %v", err)
	}
	if _, _, err := Load(root, "../etc"); err == nil {
		t.Error("path-like profile name accepted")
	}
}

// TestExtraVarsRoundTrip saves a plan with variables added by hand and
// loads it back as a profile: the names survive, the secret value does not
// reach plan.json, and merging gives the fields back.
func TestExtraVarsRoundTrip(t *testing.T) {
	root := t.TempDir()
	extra := []plan.ExtraVar{{Name: "BATON_REGION"}, {Name: "BATON_API_SECRET", Secret: true}}
	p := &plan.Plan{Profile: "legacy", Connector: plan.Connector{Name: "legacy", Path: "/opt/baton-legacy"}, Extra: extra}
	p.MergeExtra()
	p.SetValue(plan.ExtraField(extra[0]), "eu-1")
	p.SetValue(plan.ExtraField(extra[1]), "canary-profile-secret")
	if err := os.MkdirAll(Dir(root, "legacy"), 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(Dir(root, "legacy"), "plan.json")
	if err := p.Save(file); err != nil {
		t.Fatal(err)
	}
	if data, _ := os.ReadFile(file); strings.Contains(string(data), "canary-profile-secret") {
		t.Errorf("plan.json holds the secret:\n%s", data)
	}
	got, err := LoadPlan(root, "legacy")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Extra) != 2 || got.Extra[0] != extra[0] || got.Extra[1] != extra[1] || got.Values["region"] != "eu-1" {
		t.Fatalf("loaded: %+v", got)
	}
	got.MergeExtra()
	if f, ok := got.Connector.Schema.Field("api-secret"); !ok || !f.Secret || f.EnvName() != "BATON_API_SECRET" {
		t.Errorf("merged fields: %+v", got.Connector.Schema.Fields)
	}
	if env := got.ConnectorEnv(); len(env) != 1 || env[0] != (plan.EnvVar{Name: "BATON_REGION", Value: "eu-1"}) {
		t.Errorf("connector env without the secret: %+v", env)
	}
}
