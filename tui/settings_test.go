package tui

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/conductorone/baton-setup/internal/catalog"
	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/runner"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/synclog"
	"github.com/conductorone/baton-setup/internal/testenv"
	"github.com/conductorone/baton-setup/internal/testsync"
)

// testPEM is a PEM private key, as the stand-in connector checks it.
const testPEM = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBlqsVqx8jQ0sBvXNtHiU0tBxSvfnVw1HHZcL8DvYdqX\n-----END PRIVATE KEY-----"

// compatSchema is the schema of the stand-in connector on baton-sdk
// v0.25.0, read as the wizard reads it (`config` and --help): hidden,
// deprecated domain; url and domain one of; a PEM private key; a
// FILE_UPLOAD CA file; two auth methods.
func compatSchema(t *testing.T) *schema.Schema {
	t.Helper()
	found := discover.Found{Name: "compat", Path: testenv.CompatConnector(t, "sdk-v0.25.0"), Source: "PATH"}
	sch, err := discover.Schema(context.Background(), found)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// asked lists the questions a screen asks on its pages that are not hidden,
// by key, as the alternative chosen now.
func asked(sc screen) map[string]question {
	out := map[string]question{}
	for _, p := range sc.pages {
		if p.hidden != nil && p.hidden() {
			continue
		}
		for _, q := range p.questions {
			out[q.key] = q.chosen()
		}
	}
	return out
}

func optionValues(q question) []string {
	var out []string
	for _, o := range q.options {
		out = append(out, o.value)
	}
	return out
}

// TestSettingsHonourSchema: the form leaves out the hidden deprecated
// domain, marks url required since it is the one-of group's only field on
// the form, offers the PEM key as a file or pasted lines, and the CA file
// as a path.
func TestSettingsHonourSchema(t *testing.T) {
	sch := compatSchema(t)
	s := newCredentialsStep(NewStyles(true), &plan.Plan{Connector: plan.Connector{Name: "compat", Schema: sch}})
	s.ans.method = "private-key"
	qs := asked(s.Screen())
	if _, ok := qs["domain"]; ok {
		t.Error("the hidden, deprecated domain is on the form")
	}
	if q := qs["url"]; q.title != "Server URL *" {
		t.Errorf("url title %q, want it marked required", q.title)
	}
	if err := qs["url"].validate(""); err == nil {
		t.Error("an empty url was accepted: nothing else of its one-of group is on the form")
	}
	if got := optionValues(qs["private-key-given"]); !slices.Equal(got, []string{giveFile, givePaste}) {
		t.Errorf("the PEM key is given as %v, want a file or pasted lines", got)
	}
	if q := qs["private-key"]; q.kind != askPath || !strings.Contains(q.help, "saved in secrets.env") {
		t.Errorf("the PEM key's default way: kind %v, help %q", q.kind, q.help)
	}
	if q := qs["ca-file"]; q.kind != askPath {
		t.Errorf("ca-file kind %v, want a path", q.kind)
	}
	s.ans.method = "password"
	if got := optionValues(asked(s.Screen())["password-given"]); !slices.Equal(got, []string{giveTyped, giveFile, givePaste}) {
		t.Errorf("the password is given as %v, want typed, a file or lines", got)
	}
	// Hidden stays hidden even when a saved setup holds a value for it; the
	// value is kept as it was.
	p := &plan.Plan{Connector: plan.Connector{Name: "compat", Schema: sch}, Values: map[string]string{"domain": "db.example"}}
	s = newCredentialsStep(NewStyles(true), p)
	if _, ok := asked(s.Screen())["domain"]; ok {
		t.Error("the hidden domain is on the form")
	}
}

// TestSettingsOneOfBothShown: a deprecated field that holds a value stays
// on the form; then each of the group says the other will do, and the
// deprecation note keeps pointing at a field that exists.
func TestSettingsOneOfBothShown(t *testing.T) {
	ldap := loadSample(t, "baton-ldap.config.json")
	p := &plan.Plan{Connector: plan.Connector{Name: "ldap", Schema: ldap}, Values: map[string]string{"domain": "baton.example.com"}}
	qs := asked(newCredentialsStep(NewStyles(true), p).Screen())
	if q := qs["url"]; q.title != "URL * (or Domain)" {
		t.Errorf("url title %q", q.title)
	}
	if q := qs["domain"]; q.title != "Domain * (or URL) (deprecated)" || !strings.Contains(q.help, "Set this or URL, not both.") {
		t.Errorf("domain: title %q, help %q", q.title, q.help)
	}
	if _, ok := qs["user-dn"]; ok {
		t.Error("the deprecated, unset user-dn is on the form")
	}
	// Unset, the deprecated domain leaves the form; url alone is required.
	qs = asked(newCredentialsStep(NewStyles(true), &plan.Plan{Connector: plan.Connector{Name: "ldap", Schema: ldap}}).Screen())
	if _, ok := qs["domain"]; ok || qs["url"].title != "URL *" {
		t.Errorf("without a domain: url %q, domain shown %v", qs["url"].title, ok)
	}
}

// TestSettingsDeprecatedHelp never points at a field that does not exist.
func TestSettingsDeprecatedHelp(t *testing.T) {
	ldap := loadSample(t, "baton-ldap.config.json")
	p := &plan.Plan{Connector: plan.Connector{Name: "ldap", Schema: ldap}, Values: map[string]string{"user-dn": "cn=old"}}
	q := asked(newCredentialsStep(NewStyles(true), p).Screen())["user-dn"]
	if strings.Contains(q.help, "user-bind-dn") || !strings.Contains(q.help, "(deprecated)") {
		t.Errorf("user-dn help %q", q.help)
	}
}

func loadSample(t *testing.T, name string) *schema.Schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "internal", "schema", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	sch, err := schema.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	return sch
}

// TestSettingsTitleDisplayName: a connector without a display name of its
// own (baton-postgresql) is named as the catalog names it.
func TestSettingsTitleDisplayName(t *testing.T) {
	sch := loadSample(t, "baton-postgresql.config.json")
	e, _ := catalog.Lookup("postgresql")
	discover.Enrich(sch, e)
	s := newCredentialsStep(NewStyles(true), &plan.Plan{Connector: plan.Connector{Name: "postgresql", Schema: sch}})
	requireContains(t, ansi.Strip(s.Screen().text), "Settings for PostgreSQL.")
}

// TestSettingsOktaKeyID: okta-private-key-id is a public ID the connector
// does not mark secret, so it is typed in the clear, while the PEM key
// next to it is read from a file.
func TestSettingsOktaKeyID(t *testing.T) {
	okta := loadSample(t, "baton-okta.config.json")
	s := newCredentialsStep(NewStyles(true), &plan.Plan{Connector: plan.Connector{Name: "okta", Schema: okta}})
	s.ans.method = "private-key-group"
	qs := asked(s.Screen())
	if q, ok := qs["okta-private-key-id"]; !ok || q.kind != askText {
		t.Errorf("okta-private-key-id kind %v, want plain text", q.kind)
	}
	if _, ok := qs["okta-private-key-id-given"]; ok {
		t.Error("okta-private-key-id is asked as a secret")
	}
	if q := qs["okta-private-key"]; q.kind != askPath {
		t.Errorf("okta-private-key kind %v, want a file path", q.kind)
	}
}

// TestSettingsPEMFromFile reads the key from a file: its lines are kept,
// it goes to the secrets, and a directory or a missing file is refused.
func TestSettingsPEMFromFile(t *testing.T) {
	sch := compatSchema(t)
	dir := t.TempDir()
	key := filepath.Join(dir, "client.key")
	if err := os.WriteFile(key, []byte(testPEM+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &plan.Plan{Connector: plan.Connector{Name: "compat", Schema: sch}}
	s := newCredentialsStep(NewStyles(true), p)
	s.ans.method = "private-key"
	*s.ans.strs["url"] = "postgres://db.example:5432"
	q := asked(s.Screen())["private-key"]
	for path, want := range map[string]string{dir: "is not a regular file", filepath.Join(dir, "nope"): "cannot read"} {
		if err := q.validate(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("validate(%s) = %v, want %q", path, err, want)
		}
	}
	*s.ans.files["private-key"] = key
	if _, err := s.submitValues(); err != nil {
		t.Fatal(err)
	}
	if got := p.Secrets["private-key"].Reveal(); got != testPEM {
		t.Errorf("private-key = %q, want the file's PEM", got)
	}
	if _, ok := p.Values["private-key"]; ok {
		t.Error("the key is in the plain values")
	}
}

// TestWizardPastePEM pastes a PEM key into the full screen: its line
// breaks reach the plan, and once the field is left only a mask is drawn.
func TestWizardPastePEM(t *testing.T) {
	t.Parallel()
	sch := compatSchema(t)
	h := startWizardAt(t, acmeDeps(sch), nil)
	h.waitFor("acme — ✓ /opt/bin/baton-acme", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("┃ How do you want to authenticate?", uiWait)
	h.key(tea.KeyDown)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Private key *", uiWait)
	h.waitFor("> Read it from a file", uiWait)
	h.key(tea.KeyDown)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Private key (pasted)", uiWait)
	h.tm.Send(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(testPEM + "\n"), Paste: true})
	h.waitFor("-----END PRIVATE KEY-----", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Server URL *", uiWait)
	if s := h.screen(); strings.Contains(s, "MC4CAQ") || strings.Contains(s, "END PRIVATE KEY") || !strings.Contains(s, "> •••• (3 lines, hidden)") {
		t.Errorf("the key is on screen after it was entered, or not masked:\n%s", s)
	}
	h.tm.Type("postgres://db.example:5432")
	h.key(tea.KeyTab)
	h.key(tea.KeyCtrlS)
	p := h.settingsDone()
	if got := p.Secrets["private-key"].Reveal(); got != testPEM {
		t.Errorf("private-key = %q, want the pasted PEM with its line breaks", got)
	}
	if p.AuthMethod != "private-key" {
		t.Errorf("auth method %q", p.AuthMethod)
	}
}

// TestEscGoesToNamedSetting: after a failed test, Esc opens the settings
// on the setting the error names, and says why.
func TestEscGoesToNamedSetting(t *testing.T) {
	sch := compatSchema(t)
	p := &plan.Plan{Connector: plan.Connector{Name: "compat", Schema: sch}, AuthMethod: "private-key",
		Values: map[string]string{"url": "postgres://db.example:5432", "role-count": "20"}}
	p.SetValue(schema.Field{Name: "private-key", Secret: true}, "not a key")
	deps := Deps{Connectors: func() []discover.Found { return nil }, Now: func() time.Time { return fixedNow }}
	a := New(context.Background(), deps, p)
	_ = a.enter(stepTest) // the test's Cmds are not run
	t.Cleanup(func() {
		if c, ok := a.cur.(closer); ok {
			c.Close()
		}
	})
	resize(a, termW, termH)
	ts := a.cur.(*testStep)
	failure := synclog.Failure{Message: "private-key: not a PEM private key"}
	a.Update(syncDoneMsg{from: ts, outcome: testsync.Outcome{
		Result: runner.Result{ExitCode: 3, Failure: failure}, Diagnosis: synclog.Diagnose(failure, 3, false), Err: errors.New("the connector failed"),
	}})
	_, msg := press(t, a, keyMsg("esc"))
	back, ok := msg.(stepBackMsg)
	if !ok || back.focus != "private-key" {
		t.Fatalf("esc: %#v, want back to private-key", msg)
	}
	a.Update(back)
	if a.idx != stepCredentials {
		t.Fatalf("step %d, want the settings", a.idx)
	}
	if got := a.cur.(formed).base().form.GetFocusedField().GetKey(); got != "private-key" {
		t.Errorf("focused %q, want private-key", got)
	}
	view := ansi.Strip(a.View())
	requireContains(t, view, "┃ Private key file")
	requireContains(t, strings.Join(strings.Fields(view), " "), "The test sync failed", "Check Private key (BATON_PRIVATE_KEY).")
}

// TestDemoDefaults: the demo's tenant and API key are defaults, so its
// settings are accepted as they open.
func TestDemoDefaults(t *testing.T) {
	a := newAppAt(t, stepCredentials, demoConnectorPlan(t), nil)
	view := resize(a, termW, termH)
	requireContains(t, view, "┃ Tenant *", "> acme")
	_, msg := press(t, a, tea.KeyMsg{Type: tea.KeyCtrlS})
	if _, ok := msg.(formSubmittedMsg); !ok {
		t.Fatalf("ctrl+s: %#v, want the form submitted", msg)
	}
	_, cmd := a.Update(msg)
	if cmd == nil {
		t.Fatalf("the defaults were refused:\n%s", ansi.Strip(a.View()))
	}
	done, ok := cmd().(stepDoneMsg)
	if !ok {
		t.Fatalf("the defaults were refused:\n%s", ansi.Strip(a.View()))
	}
	if got, key := done.plan.Values["tenant"], done.plan.Secrets["api-key"].Reveal(); got != "acme" || key != "demo-key" {
		t.Errorf("tenant %q, api-key %q; want the demo's defaults", got, key)
	}
}

// TestLinesPastePEM pastes a PEM key at the line prompts: its lines are
// read, without echo where there is a terminal, up to an empty line, and
// reach the plan with their line breaks.
func TestLinesPastePEM(t *testing.T) {
	sch := compatSchema(t)
	p := &plan.Plan{Connector: plan.Connector{Name: "compat", Path: "/opt/bin/baton-compat", Schema: sch}}
	lines := strings.Split(testPEM, "\n")
	answers := []answer{
		{"How do you want to authenticate?", "2"},
		{"Private key *", "2"}, // paste several lines
		{"Private key (pasted) (end with an empty line)", lines[0]},
	}
	for _, l := range lines[1:] {
		answers = append(answers, answer{"", l})
	}
	answers = append(answers,
		answer{"", ""},
		answer{"Server URL *", "postgres://db.example:5432"},
		answer{"CA certificate", ""},
		answer{"Role Count", ""},
	)
	out, a, err := runScript(t, acmeDeps(sch), p, stepCredentials, answers)
	if !errors.Is(err, io.EOF) || !strings.Contains(out, "Could not start the connector") {
		t.Fatalf("run: %v, want the end of the script at the test; output:\n%s", err, out)
	}
	if got := a.plan.Secrets["private-key"].Reveal(); got != testPEM {
		t.Errorf("private-key = %q, want the PEM with its line breaks", got)
	}
	if strings.Contains(out, "MC4CAQ") {
		t.Errorf("the key was printed:\n%s", out)
	}
}
