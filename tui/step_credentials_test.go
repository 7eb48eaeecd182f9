package tui

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/testsync"
)

// startWizardAt is startWizard from a given plan, e.g. a saved profile.
func startWizardAt(t *testing.T, deps Deps, p *plan.Plan) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	return runApp(t, New(ctx, deps, p), cancel)
}

// acmeDeps offers one connector, acme, whose schema is sch; the test sync
// refuses to start, so a test can stop on the step after the settings.
func acmeDeps(sch *schema.Schema) Deps {
	return Deps{
		Connectors: func() []discover.Found {
			return []discover.Found{{Name: "acme", Path: "/opt/bin/baton-acme", Source: "PATH"}}
		},
		LoadSchema: func(context.Context, discover.Found) (*schema.Schema, error) {
			c := *sch
			return &c, nil
		},
		StartTest: func(context.Context, *plan.Plan) (*testsync.Sync, error) {
			return nil, errors.New("start connector: not in this test")
		},
		Now: func() time.Time { return fixedNow },
	}
}

// settingsDone leaves the wizard once the settings were accepted and
// returns the plan they produced.
func (h *harness) settingsDone() *plan.Plan {
	h.t.Helper()
	h.waitFor("Step 3/7 · Test sync", uiWait)
	h.key(tea.KeyCtrlC)
	h.waitFor("Quit without writing the files?", uiWait)
	h.tm.Type("y")
	return h.final().plan
}

func (h *harness) clearInput() { h.key(tea.KeyCtrlU) }

// TestWizardPickerFuzzy types a fuzzy query into the live picker, clears
// it with Esc, and leaves with a second Esc.
func TestWizardPickerFuzzy(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := startWizard(t, w.deps)
	h.waitFor("demo — built-in demo, no credentials needed", uiWait)
	h.tm.Type("gthb")
	h.waitFor("> github — ", uiWait)
	h.waitFor("github-enterprise — ", uiWait)
	s := goldenPaths(h.screen())
	t.Run("picker", func(t *testing.T) { teatest.RequireEqualOutput(t, []byte(s)) })
	if !strings.Contains(s, "Search: gthb") || strings.Contains(s, "demo — built-in") {
		t.Errorf("filtered picker:\n%s", s)
	}
	h.key(tea.KeyEsc)
	h.waitFor("> demo — built-in demo, no credentials needed", uiWait)
	h.key(tea.KeyEsc)
	if app := h.final(); app.err != ErrCancelled {
		t.Errorf("second Esc: err %v, want the wizard left", app.err)
	}
}

// TestWizardFileField checks a FILE_UPLOAD field: a missing file and a
// directory are refused in the form, a readable file is kept as an
// absolute path.
func TestWizardFileField(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key := filepath.Join(dir, "service-account.json")
	if err := os.WriteFile(key, []byte("{}"), 0o600); err != nil {
		t.Fatal(err)
	}
	sch := &schema.Schema{Fields: []schema.Field{
		{Name: "credentials-json", Label: "Credentials file", Kind: schema.KindFile, Required: true, Help: "The service account's JSON key.", Hint: "Console → IAM → Service accounts → Keys."},
	}}
	h := startWizardAt(t, acmeDeps(sch), nil)
	h.waitFor("acme — ✓ /opt/bin/baton-acme", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Credentials file *", uiWait)
	h.waitFor("Where to find it: Console → IAM → Service accounts → Keys.", uiWait)
	h.waitFor("A path to a file the connector reads; ctrl+e completes.", uiWait)

	h.tm.Type(filepath.Join(dir, "missing.json"))
	h.key(tea.KeyEnter)
	h.waitFor("cannot read "+filepath.Join(dir, "missing.json"), uiWait)
	h.clearInput()
	h.tm.Type(dir)
	h.key(tea.KeyEnter)
	h.waitFor("is not a regular file", uiWait)
	h.clearInput()
	h.tm.Type(filepath.Join(dir, "serv"))
	// Suggestions arrive asynchronously; complete once the field offers it.
	for deadline := time.Now().Add(uiWait); !strings.Contains(h.screen(), "> "+key); {
		if time.Now().After(deadline) {
			t.Fatalf("no completion offered:\n%s", h.screen())
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.key(tea.KeyCtrlE)
	h.key(tea.KeyEnter)
	p := h.settingsDone()
	if got := p.Values["credentials-json"]; got != key {
		t.Errorf("credentials-json = %q, want %q", got, key)
	}
}

// TestWizardManualEntry adds BATON_* variables by hand for a connector that
// declares no settings: a bad and a reserved name are refused, a secret is
// masked, and both reach the connector's environment.
func TestWizardManualEntry(t *testing.T) {
	t.Parallel()
	h := startWizardAt(t, acmeDeps(&schema.Schema{}), nil)
	h.waitFor("acme — ✓ /opt/bin/baton-acme", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("No variables yet.", uiWait)
	h.waitFor("Add its BATON_* variables by hand?", uiWait)
	h.key(tea.KeyEnter) // Add a variable
	h.waitFor("┃ Variable name", uiWait)
	h.tm.Type("9_TOKEN")
	h.key(tea.KeyEnter)
	h.waitFor("use letters, digits and _, not starting with a digit", uiWait)
	h.clearInput()
	h.tm.Type("BATON_CLIENT_SECRET")
	h.key(tea.KeyEnter)
	h.waitFor("BATON_CLIENT_SECRET is set by baton-setup or the scheduler itself", uiWait)
	h.clearInput()
	h.tm.Type("baton_api_token")
	h.key(tea.KeyEnter)
	h.waitFor("Is it a secret?", uiWait)
	h.tm.Type("y")
	h.waitFor("┃ Value", uiWait)
	h.tm.Type(canary)
	h.key(tea.KeyEnter)

	h.waitFor("BATON_API_TOKEN=••••7a1b", uiWait)
	h.key(tea.KeyEnter) // Add another
	h.waitFor("┃ Variable name", uiWait)
	h.tm.Type("BATON_API_TOKEN")
	h.key(tea.KeyEnter)
	h.waitFor("BATON_API_TOKEN is already set", uiWait)
	h.clearInput()
	h.tm.Type("BATON_DOMAIN")
	h.key(tea.KeyEnter)
	h.waitFor("Is it a secret?", uiWait)
	h.tm.Type("n")
	h.waitFor("┃ Value", uiWait)
	h.tm.Type("acme.example.com")
	h.key(tea.KeyEnter)
	h.waitFor("BATON_DOMAIN=acme.example.com", uiWait)
	h.waitFor("Continue with these 2 variables", uiWait)
	h.key(tea.KeyDown)
	h.key(tea.KeyEnter)

	p := h.settingsDone()
	env := map[string]plan.EnvVar{}
	for _, e := range p.ConnectorEnv() {
		env[e.Name] = e
	}
	if e := env["BATON_API_TOKEN"]; e.Value != canary || !e.Secret {
		t.Errorf("BATON_API_TOKEN = %+v", e)
	}
	if e := env["BATON_DOMAIN"]; e.Value != "acme.example.com" || e.Secret {
		t.Errorf("BATON_DOMAIN = %+v", e)
	}
	if len(env) != 2 {
		t.Errorf("environment %v, want the two variables", env)
	}
	if strings.Contains(h.all.String(), canary) {
		t.Error("the secret was drawn on the screen")
	}
}

// TestWizardMaskedRerun starts from a saved profile: the secret shows as
// its last four characters, Enter keeps it, and it is never drawn.
func TestWizardMaskedRerun(t *testing.T) {
	t.Parallel()
	sch := &schema.Schema{Fields: []schema.Field{
		{Name: "domain", Label: "Domain", Required: true, Placeholder: "example.okta.com"},
		{Name: "api-token", Label: "API token", Required: true, Secret: true, Hint: "Admin console → Security → API → Tokens."},
	}}
	saved := &plan.Plan{
		Profile:   "acme-prod",
		Connector: plan.Connector{Name: "acme", Path: "/opt/bin/baton-acme"},
		Values:    map[string]string{"domain": "acme.example.com"},
		Secrets:   map[string]plan.Secret{"api-token": plan.NewSecret(canary)},
	}
	h := startWizardAt(t, acmeDeps(sch), saved)
	h.waitFor("> acme — ✓ /opt/bin/baton-acme", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Domain *", uiWait)
	s := h.screen()
	for _, want := range []string{"> acme.example.com", "> ••••7a1b (enter keeps it)", "Saved value ••••7a1b; leave empty to keep it.", "Where to find it: Admin console → Security → API → Tokens.", "BATON_API_TOKEN"} {
		if !strings.Contains(s, want) {
			t.Errorf("re-run settings lack %q:\n%s", want, s)
		}
	}
	h.key(tea.KeyEnter)
	h.waitFor("┃ API token *", uiWait)
	h.key(tea.KeyEnter) // typed, as before
	h.waitFor("┃ API token value", uiWait)
	h.key(tea.KeyEnter)
	p := h.settingsDone()
	if got := p.Secrets["api-token"].Reveal(); got != canary {
		t.Error("Enter on the masked secret did not keep it")
	}
	if strings.Contains(h.all.String(), canary) {
		t.Error("the secret was drawn on the screen")
	}
}

// TestCredentialsReplaceKeptSecret types a new value over a kept secret,
// and checks a required secret without a saved value is still required.
func TestCredentialsReplaceKeptSecret(t *testing.T) {
	sch := &schema.Schema{Fields: []schema.Field{{Name: "api-token", Label: "API token", Required: true, Secret: true}}}
	p := &plan.Plan{Connector: plan.Connector{Name: "acme", Schema: sch}, Secrets: map[string]plan.Secret{"api-token": plan.NewSecret("short")}}
	s := newCredentialsStep(NewStyles(true), p)
	if *s.ans.strs["api-token"] != "" {
		t.Fatal("the saved secret was put in the input")
	}
	*s.ans.strs["api-token"] = "new-token-value"
	if _, err := s.submitValues(); err != nil {
		t.Fatal(err)
	}
	if got := p.Secrets["api-token"].Reveal(); got != "new-token-value" {
		t.Errorf("secret %q, want the new one", got)
	}

	empty := &plan.Plan{Connector: plan.Connector{Name: "acme", Schema: sch}}
	s = newCredentialsStep(NewStyles(true), empty)
	if _, err := s.submitValues(); err == nil {
		t.Error("a required secret with no saved value was accepted empty")
	}
}

func TestValidateManualName(t *testing.T) {
	sch := &schema.Schema{Fields: []schema.Field{{Name: "domain"}}}
	for name, want := range map[string]string{
		"BATON_API_TOKEN": "",
		"BATON_X9_Y":      "",
		"":                "type a name",
		"API_TOKEN":       "", // a variable the connector reads as is
		"9X":              "not starting with a digit",
		"BATON_A-B":       "use letters, digits and _",
		"BATON_FILE":      "set by baton-setup",
		"PATH":            "set by baton-setup or the scheduler",
		"BATON_DOMAIN":    "already set",
	} {
		err := validateManualName(sch, name)
		if (want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), want)) {
			t.Errorf("validateManualName(%q) = %v, want %q", name, err, want)
		}
	}
	if got := schema.EnvName(manualFieldName("BATON_API_TOKEN")); got != "BATON_API_TOKEN" {
		t.Errorf("manual field name does not round-trip: %s", got)
	}
}

func TestPathSuggestions(t *testing.T) {
	dir := t.TempDir()
	for _, d := range []string{"keys", ".hidden"} {
		if err := os.Mkdir(filepath.Join(dir, d), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "key.pem"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	got := pathSuggestions(dir + "/k")
	want := []string{dir + "/key.pem", dir + "/keys/"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Errorf("pathSuggestions = %q, want %q", got, want)
	}
	if got := pathSuggestions(dir + "/"); len(got) != 2 {
		t.Errorf("hidden entries offered without a leading dot: %q", got)
	}
	if got := pathSuggestions(dir + "/."); len(got) != 1 || got[0] != dir+"/.hidden/" {
		t.Errorf("pathSuggestions(.) = %q", got)
	}
}
