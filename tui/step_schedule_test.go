package tui

import (
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/conductorone/baton-setup/internal/plan"
)

// TestScheduleCadenceNote: the schedule step says ConductorOne polls the
// bucket only when there is one; a local file waits for a manual upload.
func TestScheduleCadenceNote(t *testing.T) {
	deps := Deps{RandomMinute: func() int { return 17 }}
	for _, tt := range []struct {
		kind      string
		want, not string
	}{
		{plan.DestS3, "ConductorOne reads the bucket once an hour.", "upload it"},
		{plan.DestLocal, "ConductorOne sees it only when you upload it.", "reads the bucket"},
	} {
		draft := &plan.Plan{Destination: plan.Destination{Kind: tt.kind}}
		s := newScheduleStep(deps, NewStyles(true), draft)
		s.Init()
		s.Update(tea.WindowSizeMsg{Width: termW, Height: termH - 4})
		view := s.View()
		if !strings.Contains(view, tt.want) || strings.Contains(view, tt.not) {
			t.Errorf("%s destination:\n%s", tt.kind, view)
		}
	}
}
