package tui

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
)

// TestManualVarsRecordedInPlan adds variables by hand for a connector that
// describes nothing, and checks that the plan keeps their names (what
// plan.json saves) and that a later settings step shows them again.
func TestManualVarsRecordedInPlan(t *testing.T) {
	const secret = "canary-manual-secret"
	draft := &plan.Plan{Connector: plan.Connector{Name: "nocatalog-legacy", Path: "/opt/baton-nocatalog-legacy", Schema: &schema.Schema{}}}
	s := newCredentialsStep(NewStyles(true), draft)
	if !s.manualMode() {
		t.Fatal("not in manual mode")
	}
	for _, m := range []manualVar{
		{action: manualAdd, name: "baton_region", value: " eu-1 "},
		{action: manualAdd, name: "BATON_API_SECRET", secret: true, value: secret},
	} {
		s.ans.manual = m
		if _, err := s.submitValues(); err != nil {
			t.Fatal(err)
		}
	}
	s.ans.manual = manualVar{action: manualDone}
	if _, err := s.submitValues(); err != nil {
		t.Fatal(err)
	}
	want := []plan.ExtraVar{{Name: "BATON_REGION"}, {Name: "BATON_API_SECRET", Secret: true}}
	if !slices.Equal(draft.Extra, want) {
		t.Errorf("plan.Extra = %+v, want %+v", draft.Extra, want)
	}
	if draft.Values["region"] != "eu-1" || draft.Secrets["api-secret"].Reveal() != secret {
		t.Errorf("values %v, secrets %v", draft.Values, draft.SecretNames())
	}
	saved, err := json.Marshal(draft)
	if err != nil || strings.Contains(string(saved), secret) || !strings.Contains(string(saved), `"extraVars":[{"name":"BATON_REGION"},{"name":"BATON_API_SECRET","secret":true}]`) {
		t.Errorf("saved plan: %s (%v)", saved, err)
	}

	// A profile loaded again has a schema without them: the step merges them back.
	reloaded := draft.Clone()
	reloaded.Connector.Schema = &schema.Schema{}
	s = newCredentialsStep(NewStyles(true), reloaded)
	if !s.manualMode() || len(s.sch.Fields) != 2 {
		t.Fatalf("fields after reload: %+v", s.sch.Fields)
	}
	if sum := manualSummary(s.sch, reloaded); !strings.Contains(sum, "BATON_REGION=eu-1") || strings.Contains(sum, secret) {
		t.Errorf("summary:\n%s", sum)
	}
	if err := validateManualName(s.sch, "BATON_REGION"); err == nil {
		t.Error("a variable already added was accepted again")
	}
}
