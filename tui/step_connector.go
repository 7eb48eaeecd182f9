package tui

import (
	"context"
	"fmt"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
)

// schemaLoadedMsg carries a connector's schema, read in the background.
type schemaLoadedMsg struct {
	found  discover.Found
	schema *schema.Schema
	err    error
}

// connectorStep picks the connector and reads its schema.
type connectorStep struct {
	formStep
	ctx     context.Context
	deps    Deps
	draft   *plan.Plan
	found   []discover.Found
	choice  int
	loading bool
}

func newConnectorStep(ctx context.Context, deps Deps, st Styles, draft *plan.Plan) *connectorStep {
	s := &connectorStep{ctx: ctx, deps: deps, draft: draft, found: deps.Connectors()}
	for i, f := range s.found {
		if f.Name == draft.Connector.Name {
			s.choice = i
		}
	}
	s.formStep = formStep{
		title:  "Connector",
		styles: st,
		help:   "↑/↓ choose · / filter · enter select",
		build:  s.buildForm,
		submit: s.submitChoice,
		intro: func() string {
			if s.loading {
				return st.Muted.Render("Reading the connector's settings…")
			}
			return ""
		},
	}
	return s
}

func (s *connectorStep) buildForm() *huh.Form {
	opts := make([]huh.Option[int], len(s.found))
	for i, f := range s.found {
		label := f.Name
		switch {
		case f.Source == "built-in":
			label += " — built-in demo, no credentials needed"
		default:
			label += " — " + f.Path
		}
		if f.SDKVersion != "" {
			label += " (baton-sdk " + f.SDKVersion + ")"
		}
		opts[i] = huh.NewOption(label, i)
	}
	return huh.NewForm(huh.NewGroup(
		huh.NewSelect[int]().
			Title("Which connector do you want to set up?").
			Description("Connectors installed on this machine; the demo needs nothing else.").
			Options(opts...).
			Value(&s.choice),
	))
}

func (s *connectorStep) submitChoice() (tea.Cmd, error) {
	if len(s.found) == 0 {
		return nil, fmt.Errorf("no connector found")
	}
	f := s.found[s.choice]
	s.loading = true
	ctx, load := s.ctx, s.deps.LoadSchema
	return func() tea.Msg {
		sch, err := load(ctx, f)
		return schemaLoadedMsg{found: f, schema: sch, err: err}
	}, nil
}

func (s *connectorStep) Update(msg tea.Msg) (step, tea.Cmd) {
	if m, ok := msg.(schemaLoadedMsg); ok {
		s.loading = false
		if m.err != nil {
			s.errMsg = m.err.Error()
			return s, s.newForm()
		}
		if s.draft.Connector.Name != m.found.Name || s.draft.Connector.Path != m.found.Path {
			// A different connector: earlier answers do not apply.
			s.draft.Values, s.draft.Secrets, s.draft.AuthMethod = nil, nil, ""
		}
		s.draft.Connector = m.found.Connector()
		s.draft.Connector.Schema = m.schema
		d := s.draft
		return s, func() tea.Msg { return stepDoneMsg{plan: d} }
	}
	_, cmd := s.formStep.Update(msg)
	return s, cmd
}
