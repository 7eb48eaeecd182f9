package tui

import (
	"errors"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
)

// credentialsStep asks for the connector's own settings, built from its
// schema: the auth method first when there are several, then only that
// method's fields.
type credentialsStep struct {
	formStep
	draft  *plan.Plan
	sch    *schema.Schema
	method string
	strs   map[string]*string
	bools  map[string]*bool
}

func newCredentialsStep(st Styles, draft *plan.Plan) *credentialsStep {
	s := &credentialsStep{draft: draft, sch: draft.Connector.Schema}
	if s.sch == nil {
		s.sch = &schema.Schema{}
	}
	s.method = draft.AuthMethod
	if s.method == "" {
		s.method = s.sch.DefaultGroup()
	}
	s.strs, s.bools = map[string]*string{}, map[string]*bool{}
	for _, f := range s.sch.Fields {
		v := draft.Value(f.Name)
		if v == "" {
			v = f.Default
		}
		if f.Kind == schema.KindBool {
			b, _ := strconv.ParseBool(v)
			s.bools[f.Name] = &b
			continue
		}
		s.strs[f.Name] = &v
	}
	s.formStep = formStep{
		title:  "Settings",
		styles: st,
		build:  s.buildForm,
		submit: s.submitValues,
		intro: func() string {
			name := s.sch.DisplayName
			if name == "" {
				name = draft.Connector.Name
			}
			return st.Muted.Render("Settings for " + name + ". Secrets are masked and saved only in secrets.env (0600).")
		},
	}
	return s
}

func (s *credentialsStep) fieldWidget(f schema.Field) huh.Field {
	title := f.Label
	if f.Required {
		title += " *"
	}
	desc := f.Help
	if desc != "" {
		desc += "\n"
	}
	if f.Hint != "" {
		desc += "Where to find it: " + f.Hint + "\n"
	}
	desc += f.EnvName()
	if f.Deprecated {
		title += " (deprecated)"
	}
	if f.Kind == schema.KindBool {
		return huh.NewConfirm().Key(f.Name).Title(title).Description(desc).Value(s.bools[f.Name])
	}
	if len(f.Options) > 0 {
		var opts []huh.Option[string]
		if !f.Required {
			opts = append(opts, huh.NewOption("(not set)", ""))
		}
		for _, o := range f.Options {
			opts = append(opts, huh.NewOption(o, o))
		}
		return huh.NewSelect[string]().Key(f.Name).Title(title).Description(desc).Options(opts...).Value(s.strs[f.Name])
	}
	in := huh.NewInput().Key(f.Name).Title(title).Description(desc).Placeholder(f.Placeholder).Value(s.strs[f.Name]).
		Validate(func(v string) error {
			if f.Required && strings.TrimSpace(v) == "" {
				return errors.New("required")
			}
			return f.Validate(v)
		})
	if f.Secret {
		in = in.EchoMode(huh.EchoModePassword)
	}
	return in
}

func (s *credentialsStep) buildForm() *huh.Form {
	var groups []*huh.Group
	if len(s.sch.Groups) > 1 {
		var opts []huh.Option[string]
		for _, g := range s.sch.Groups {
			opts = append(opts, huh.NewOption(g.Label, g.Name))
		}
		groups = append(groups, huh.NewGroup(
			huh.NewSelect[string]().Title("How do you want to authenticate?").Options(opts...).Value(&s.method),
		))
	}
	grouped := map[string]bool{}
	for _, g := range s.sch.Groups {
		for _, n := range g.Fields {
			grouped[n] = true
		}
	}
	var common []huh.Field
	for _, f := range s.sch.Fields {
		if !grouped[f.Name] {
			common = append(common, s.fieldWidget(f))
		}
	}
	if len(common) > 0 {
		groups = append(groups, huh.NewGroup(common...))
	}
	for _, g := range s.sch.Groups {
		var fields []huh.Field
		for _, n := range g.Fields {
			if f, ok := s.sch.Field(n); ok {
				fields = append(fields, s.fieldWidget(f))
			}
		}
		if len(fields) == 0 {
			continue
		}
		name := g.Name
		groups = append(groups, huh.NewGroup(fields...).Title(g.Label).WithHideFunc(func() bool { return s.method != name }))
	}
	if len(groups) == 0 {
		groups = append(groups, huh.NewGroup(huh.NewNote().Title("This connector needs no settings.").Next(true)))
	}
	return huh.NewForm(groups...)
}

func (s *credentialsStep) submitValues() (tea.Cmd, error) {
	if len(s.sch.Groups) > 0 {
		s.draft.AuthMethod = s.method
	}
	active := map[string]bool{}
	for _, f := range s.sch.Active(s.method) {
		active[f.Name] = true
	}
	for _, f := range s.sch.Fields {
		v := ""
		if active[f.Name] {
			if b, ok := s.bools[f.Name]; ok {
				v = strconv.FormatBool(*b)
			} else {
				v = strings.TrimSpace(*s.strs[f.Name])
				if f.Secret {
					v = *s.strs[f.Name]
				}
			}
		}
		s.draft.SetValue(f, v)
	}
	if err := s.draft.ValidateConnector(); err != nil {
		return nil, err
	}
	d := s.draft
	return func() tea.Msg { return stepDoneMsg{plan: d} }, nil
}
