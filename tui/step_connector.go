package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/conductorone/baton-setup/internal/catalog"
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

// connectorStep picks the connector and reads its schema. Installed
// connectors come first; the rest of the catalog follows, so that choosing
// one that is missing says how to install it.
type connectorStep struct {
	formStep
	ctx     context.Context
	deps    Deps
	draft   *plan.Plan
	found   []discover.Found
	missing []catalog.Entry
	choice  int
	loading bool
}

func newConnectorStep(ctx context.Context, deps Deps, st Styles, draft *plan.Plan) *connectorStep {
	s := &connectorStep{ctx: ctx, deps: deps, draft: draft, found: deps.Connectors()}
	installed := map[string]bool{}
	for i, f := range s.found {
		installed[f.Name] = true
		if f.Name == draft.Connector.Name {
			s.choice = i
		}
	}
	for _, e := range catalog.All() {
		if !installed[e.Name] {
			s.missing = append(s.missing, e)
		}
	}
	s.formStep = formStep{
		title:  "Connector",
		styles: st,
		help:   "↑/↓ choose · / search · enter select",
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
	for i, e := range s.missing {
		opts = append(opts, huh.NewOption(fmt.Sprintf("%s — %s [%s, not installed]", e.Name, e.Description, e.Kind), len(s.found)+i))
	}
	return huh.NewForm(huh.NewGroup(
		huh.NewSelect[int]().
			Title("Which connector do you want to set up?").
			Description("Installed connectors first, then every public Baton connector; / searches.").
			Options(opts...).
			Height(12).
			Value(&s.choice),
	))
}

// installHelp says how to get a connector that is not on this machine.
func installHelp(e catalog.Entry) error {
	cmds := e.InstallCommands()
	var b strings.Builder
	fmt.Fprintf(&b, "%s is not installed on this machine. Install it, then run baton-setup again:\n", e.Binary)
	for _, k := range []string{"brew", "go", "docker"} {
		if c, ok := cmds[k]; ok {
			fmt.Fprintf(&b, "  %s\n", c)
		}
	}
	fmt.Fprintf(&b, "Where to find its credentials: %s", e.DocsURL)
	return errors.New(b.String())
}

func (s *connectorStep) submitChoice() (tea.Cmd, error) {
	if len(s.found) == 0 {
		return nil, fmt.Errorf("no connector found")
	}
	if s.choice >= len(s.found) {
		return nil, installHelp(s.missing[s.choice-len(s.found)])
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
