package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/setup"
)

// legacyConnector is a connector too old for `config` whose --help lists
// no settings, so that its variables can only be added by hand.
const legacyConnector = `#!/bin/sh
case "$1" in
config) echo 'Error: unknown command "config" for "baton-legacy"' >&2; exit 1 ;;
--help) echo 'Usage:'; echo '  baton-legacy [flags]'; exit 0 ;;
esac
exit 1
`

// TestExtraVarsSurviveProfile saves a setup the way the wizard does when
// the connector describes no settings and the user adds BATON_* variables
// by hand, then regenerates it with generate --profile.
func TestExtraVarsSurviveProfile(t *testing.T) {
	const secret = "canary-extra-secret-42"
	root := filepath.Join(t.TempDir(), "baton-setup")
	bin := baton(t)
	script := filepath.Join(t.TempDir(), "baton-legacy")
	if err := os.WriteFile(script, []byte(legacyConnector), 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	found, err := discover.Env{}.Resolve(script)
	if err != nil {
		t.Fatal(err)
	}
	sch, err := discover.Schema(ctx, found)
	if err != nil || len(sch.Fields) != 0 {
		t.Fatalf("legacy schema: %+v, %v", sch, err)
	}
	p := &plan.Plan{
		Profile:     "legacy",
		Connector:   found.Connector(),
		Destination: plan.Destination{Kind: plan.DestLocal},
		Schedule:    plan.Schedule{Cron: "17 * * * *"},
		Output:      plan.Output{Dir: filepath.Join(root, "legacy")},
	}
	p.Connector.Schema = sch
	// What the settings step records for each variable added by hand.
	for _, v := range []struct {
		extra plan.ExtraVar
		value string
	}{{plan.ExtraVar{Name: "BATON_REGION"}, "eu-1"}, {plan.ExtraVar{Name: "BATON_API_SECRET", Secret: true}, secret}} {
		p.Extra = append(p.Extra, v.extra)
		p.MergeExtra()
		p.SetValue(plan.ExtraField(v.extra), v.value)
	}
	ct, _ := fakeCrontab(t)
	if _, err := setup.Apply(ctx, setup.Env{Discover: discover.Env{Self: func() (string, error) { return bin, nil }}, Crontab: ct, Now: time.Now}, p, setup.Options{}); err != nil {
		t.Fatal(err)
	}
	dir := p.Output.Dir
	planText := string(mustFile(t, filepath.Join(dir, "plan.json")))
	if !strings.Contains(planText, `"extraVars"`) || !strings.Contains(planText, `"BATON_API_SECRET"`) || strings.Contains(planText, secret) {
		t.Errorf("plan.json:\n%s", planText)
	}
	before := string(mustFile(t, filepath.Join(dir, "sync.sh")))

	f, out, errOut := opsFactory(t, root, ct, map[string]string{})
	res := runGenerate(t, f, out, errOut, "--profile", "legacy")
	if res.code != 0 {
		t.Fatalf("generate --profile: exit %d\n%s\n%s", res.code, res.out, res.errOut)
	}
	if strings.Contains(res.out, "updated") || !strings.Contains(res.out, "unchanged "+filepath.Join(dir, "sync.sh")) {
		t.Errorf("regenerating changed files:\n%s", res.out)
	}
	if after := string(mustFile(t, filepath.Join(dir, "sync.sh"))); after != before || !strings.Contains(after, "BATON_REGION=eu-1\n") {
		t.Errorf("sync.sh after regeneration:\n%s", after)
	}
	saved, err := profile.ReadEnvFile(filepath.Join(dir, "secrets.env"))
	if err != nil || saved["BATON_API_SECRET"] != secret {
		t.Errorf("secrets.env: %v, %v", saved, err)
	}
	for _, name := range []string{"sync.sh", "plan.json", "README.txt"} {
		if strings.Contains(string(mustFile(t, filepath.Join(dir, name))), secret) {
			t.Errorf("%s holds the secret", name)
		}
	}
	if strings.Contains(res.out+res.errOut, secret) {
		t.Error("the output holds the secret")
	}

	t.Run("--set by variable or field name", func(t *testing.T) {
		for _, set := range []string{"BATON_REGION=us-2", "region=us-2"} {
			res := runGenerate(t, f, out, errOut, "--profile", "legacy", "--set", set, "--dry-run")
			if res.code != 0 || !strings.Contains(res.out, "+BATON_REGION=us-2") {
				t.Errorf("--set %s: exit %d\n%s\n%s", set, res.code, res.out, res.errOut)
			}
		}
		res := runGenerate(t, f, out, errOut, "--profile", "legacy", "--set", "BATON_API_SECRET=x", "--dry-run")
		if res.code != 2 || !strings.Contains(res.errOut, "is secret and must not be on the command line") {
			t.Errorf("secret on --set: exit %d\n%s", res.code, res.errOut)
		}
	})

	t.Run("bad name in plan.json", func(t *testing.T) {
		bad := strings.Replace(planText, `"BATON_REGION"`, `"BATON_FILE"`, 1)
		file := filepath.Join(t.TempDir(), "plan.json")
		if err := os.WriteFile(file, []byte(bad), 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := plan.Load(file); err == nil || !strings.Contains(err.Error(), "BATON_FILE is set by baton-setup or the scheduler itself") {
			t.Errorf("load: %v", err)
		}
	})
}
