package tui

import (
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
)

// TestFormStepsStayThemselves updates every step built on formStep: the
// App must keep holding the step itself, not the form inside it, or the
// step's own Screen, focus and answers are lost after the first key.
func TestFormStepsStayThemselves(t *testing.T) {
	st := NewStyles(true)
	draft := &plan.Plan{Connector: plan.Connector{Name: "demo", Path: "/bin/true", Schema: &schema.Schema{Fields: []schema.Field{{Name: "tenant", Kind: schema.KindString}}}}}
	for name, s := range map[string]step{
		"credentials": newCredentialsStep(st, draft),
		"schedule":    newScheduleStep(Deps{RandomMinute: func() int { return 17 }}, st, draft),
	} {
		s.Init()
		for _, msg := range []tea.Msg{tea.WindowSizeMsg{Width: 80, Height: 24}, tea.KeyMsg{Type: tea.KeyDown}} {
			got, _ := s.Update(msg)
			if got != s {
				t.Errorf("%s: Update(%T) returned %T, not the step", name, msg, got)
			}
		}
	}
}
