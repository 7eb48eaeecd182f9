package tui

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/conductorone/baton-setup/internal/catalog"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
)

// credentials are the answers the settings form binds to.
type credentials struct {
	method string
	strs   map[string]*string
	bools  map[string]*bool
	// kept are secrets already known (a saved profile, or Back): the input
	// starts empty, shows them masked, and an empty answer keeps them.
	kept map[string]plan.Secret
	// manual is the hand-made variable being added when the connector
	// declares no fields.
	manual manualVar
}

// manualVar is one BATON_* variable typed by hand.
type manualVar struct {
	action string // manualAdd or manualDone
	name   string
	secret bool
	value  string
}

const (
	manualAdd  = "add"
	manualDone = "done"
	// manualHelp marks fields that were added by hand.
	manualHelp = plan.ExtraHelp
)

// credentialsStep asks for the connector's own settings, built from its
// schema: the auth method first when there are several, then only that
// method's fields. A connector that declares nothing gets its BATON_*
// variables typed by hand.
type credentialsStep struct {
	formStep
	draft *plan.Plan
	sch   *schema.Schema
	// source says where the fields came from when not from the connector.
	source string
	ans    *credentials
}

func newCredentialsStep(st Styles, draft *plan.Plan) *credentialsStep {
	// Variables added by hand earlier (a saved profile, or Back) are not in
	// a schema read afresh from the connector.
	draft.MergeExtra()
	s := &credentialsStep{draft: draft, sch: draft.Connector.Schema}
	if s.sch == nil {
		s.sch = &schema.Schema{}
	}
	if len(s.sch.Fields) == 0 {
		if e, ok := catalog.Lookup(draft.Connector.Name); ok && len(e.Fields) > 0 {
			s.sch, s.source = e.Schema(), "The connector did not describe its settings; these are the catalog's."
		}
	}
	s.ans = newCredentials(s.sch, draft)
	s.formStep = formStep{
		title:     "Settings",
		styles:    st,
		questions: s.questions,
		submit:    s.submitValues,
		intro: func() string {
			name := s.sch.DisplayName
			if name == "" {
				name = draft.Connector.Name
			}
			intro := "Settings for " + name + ". Secrets are masked and saved only in secrets.env (0600)."
			if s.source != "" {
				intro += "\n" + s.source
			}
			if s.manualMode() {
				intro += "\n" + manualSummary(s.sch, draft)
			}
			return st.Muted.Render(intro)
		},
	}
	return s
}

// newCredentials pre-fills the answers from the draft and the defaults.
func newCredentials(sch *schema.Schema, draft *plan.Plan) *credentials {
	c := &credentials{method: draft.AuthMethod, strs: map[string]*string{}, bools: map[string]*bool{}, kept: map[string]plan.Secret{}}
	if c.method == "" {
		c.method = sch.DefaultGroup()
	}
	c.manual.action = manualAdd
	for _, f := range sch.Fields {
		v := draft.Value(f.Name)
		if f.Secret && v != "" {
			c.kept[f.Name] = draft.Secrets[f.Name]
			v = ""
		}
		if v == "" && !f.Secret {
			v = f.Default
		}
		if f.Kind == schema.KindBool {
			b, _ := strconv.ParseBool(v)
			c.bools[f.Name] = &b
			continue
		}
		c.strs[f.Name] = &v
	}
	return c
}

// manualMode reports whether the connector declared no fields, so that the
// user adds its variables by hand.
func (s *credentialsStep) manualMode() bool {
	for _, f := range s.sch.Fields {
		if f.Help != manualHelp {
			return false
		}
	}
	return true
}

func (s *credentialsStep) questions() []page {
	if s.manualMode() {
		return manualQuestions(s.sch, &s.ans.manual)
	}
	return credentialQuestions(s.sch, s.ans)
}

// fieldDescription is what is shown with a field's title: its help, where
// to find it, a kept secret's mask and its variable name.
func fieldDescription(f schema.Field, c *credentials) string {
	var desc []string
	if f.Help != "" {
		desc = append(desc, f.Help)
	}
	if f.Hint != "" {
		desc = append(desc, "Where to find it: "+f.Hint)
	}
	old, kept := c.kept[f.Name]
	if kept {
		desc = append(desc, "Saved value "+old.Masked()+"; leave empty to keep it.")
	}
	if f.Kind == schema.KindFile {
		desc = append(desc, "A path to a file the connector reads; ctrl+e completes.")
	}
	desc = append(desc, f.EnvName())
	return strings.Join(desc, "\n")
}

// fieldQuestion is the question for one schema field, with its
// description, where to find it, and its variable name.
func fieldQuestion(f schema.Field, c *credentials) question {
	title := f.Label
	if f.Required {
		title += " *"
	}
	if f.Deprecated {
		title += " (deprecated)"
	}
	q := question{key: f.Name, title: title, help: fieldDescription(f, c)}
	old, kept := c.kept[f.Name]

	if f.Kind == schema.KindBool {
		q.kind, q.flag = askConfirm, c.bools[f.Name]
		return q
	}
	q.value = c.strs[f.Name]
	if len(f.Options) > 0 {
		q.kind = askSelect
		if !f.Required {
			q.options = append(q.options, option{"(not set)", ""})
		}
		for _, o := range f.Options {
			q.options = append(q.options, option{o, o})
		}
		return q
	}
	q.kind, q.placeholder = askText, f.Placeholder
	q.validate = func(v string) error {
		if strings.TrimSpace(v) == "" {
			if f.Required && !kept {
				return errors.New("required")
			}
			return nil
		}
		if f.Kind == schema.KindFile {
			v = expandHome(strings.TrimSpace(v))
		}
		return f.Validate(v)
	}
	switch {
	case f.Secret:
		q.kind = askSecret
		if kept {
			q.placeholder = old.Masked() + " (enter keeps it)"
		}
	case f.Kind == schema.KindFile:
		val := q.value
		q.kind, q.suggest = askPath, func() []string { return pathSuggestions(*val) }
	}
	return q
}

// credentialQuestions are the settings over answers c: the auth method
// when there are several, the fields every method shares, then a page per
// method that only its choice shows.
func credentialQuestions(sch *schema.Schema, c *credentials) []page {
	var pages []page
	if len(sch.Groups) > 1 {
		var opts []option
		for _, g := range sch.Groups {
			opts = append(opts, option{g.Label, g.Name})
		}
		pages = append(pages, page{questions: []question{
			{kind: askSelect, title: "How do you want to authenticate?", options: opts, value: &c.method},
		}})
	}
	grouped := map[string]bool{}
	for _, g := range sch.Groups {
		for _, n := range g.Fields {
			grouped[n] = true
		}
	}
	var common []question
	for _, f := range sch.Fields {
		if !grouped[f.Name] {
			common = append(common, fieldQuestion(f, c))
		}
	}
	if len(common) > 0 {
		pages = append(pages, page{questions: common})
	}
	for _, g := range sch.Groups {
		var qs []question
		for _, n := range g.Fields {
			if f, ok := sch.Field(n); ok {
				qs = append(qs, fieldQuestion(f, c))
			}
		}
		if len(qs) == 0 {
			continue
		}
		name := g.Name
		pages = append(pages, page{title: g.Label, hidden: func() bool { return c.method != name }, questions: qs})
	}
	if len(pages) == 0 {
		pages = append(pages, page{questions: []question{{kind: askNote, title: "This connector needs no settings.", next: true}}})
	}
	return pages
}

// validateManualName checks a hand-typed variable name against the rules
// and the variables already added.
func validateManualName(sch *schema.Schema, name string) error {
	name = strings.TrimSpace(name)
	if err := plan.ValidateExtraName(name); err != nil {
		return err
	}
	for _, f := range sch.Fields {
		if f.EnvName() == name {
			return fmt.Errorf("%s is already set; it is listed above", name)
		}
	}
	return nil
}

// manualFieldName turns BATON_API_TOKEN into the field name api-token, which
// schema.EnvName turns back.
func manualFieldName(env string) string { return plan.ExtraFieldName(env) }

// manualQuestions ask for one BATON_* variable at a time, for connectors
// that describe no settings at all.
func manualQuestions(sch *schema.Schema, m *manualVar) []page {
	done := fmt.Sprintf("Continue with these %d variables", len(sch.Fields))
	if len(sch.Fields) == 0 {
		done = "Continue without any (the connector needs none)"
	}
	adding := func() bool { return m.action != manualAdd }
	return []page{
		{questions: []question{{
			kind:    askSelect,
			title:   "This connector does not describe its settings. Add its BATON_* variables by hand?",
			help:    "Its documentation lists them; each one is passed to the connector in its environment.",
			options: []option{{"Add a variable", manualAdd}, {done, manualDone}},
			value:   &m.action,
		}}},
		{hidden: adding, questions: []question{
			{kind: askText, title: "Variable name", placeholder: "BATON_API_TOKEN", value: &m.name,
				validate: func(v string) error { return validateManualName(sch, strings.ToUpper(v)) }},
			{kind: askConfirm, title: "Is it a secret?", help: "Secrets are masked and written only to secrets.env.", flag: &m.secret},
		}},
		{hidden: func() bool { return adding() || !m.secret }, questions: []question{
			{kind: askSecret, title: "Value", value: &m.value},
		}},
		{hidden: func() bool { return adding() || m.secret }, questions: []question{
			{kind: askText, title: "Value", value: &m.value},
		}},
	}
}

// manualSummary lists the variables added by hand, secrets masked.
func manualSummary(sch *schema.Schema, draft *plan.Plan) string {
	if len(sch.Fields) == 0 {
		return "No variables yet."
	}
	var b strings.Builder
	b.WriteString("Variables so far:")
	for _, f := range sch.Fields {
		v := draft.Values[f.Name]
		if f.Secret {
			v = draft.Secrets[f.Name].Masked()
		}
		fmt.Fprintf(&b, "\n  %s=%s", f.EnvName(), v)
	}
	return b.String()
}

// addManual records the variable just typed and asks for the next one.
func (s *credentialsStep) addManual() (tea.Cmd, error) {
	m := s.ans.manual
	name := strings.ToUpper(strings.TrimSpace(m.name))
	if err := validateManualName(s.sch, name); err != nil {
		return nil, err
	}
	extra := plan.ExtraVar{Name: name, Secret: m.secret}
	f := plan.ExtraField(extra)
	// plan.json keeps the name, so that generate --profile knows it.
	s.draft.Extra = append(slices.Clone(s.draft.Extra), extra)
	// The schema is shared with earlier plans (Back restores them), so it
	// is copied, not changed.
	sch := *s.sch
	sch.Fields = append(slices.Clone(s.sch.Fields), f)
	s.sch = &sch
	s.draft.Connector.Schema = s.sch
	v := m.value
	if !m.secret {
		v = strings.TrimSpace(v)
	}
	s.draft.SetValue(f, v)
	s.ans.manual = manualVar{action: manualAdd}
	return s.newForm(), nil
}

func (s *credentialsStep) submitValues() (tea.Cmd, error) {
	if s.manualMode() {
		if s.ans.manual.action == manualAdd {
			return s.addManual()
		}
		s.draft.Connector.Schema = s.sch
		d := s.draft
		return func() tea.Msg { return stepDoneMsg{plan: d} }, nil
	}
	c := s.ans
	if len(s.sch.Groups) > 0 {
		s.draft.AuthMethod = c.method
	}
	active := map[string]bool{}
	for _, f := range s.sch.Active(c.method) {
		active[f.Name] = true
	}
	for _, f := range s.sch.Fields {
		v := ""
		if active[f.Name] {
			switch {
			case f.Kind == schema.KindBool:
				v = strconv.FormatBool(*c.bools[f.Name])
			case f.Secret:
				v = *c.strs[f.Name]
				if strings.TrimSpace(v) == "" {
					v = c.kept[f.Name].Reveal()
				}
			case f.Kind == schema.KindFile:
				// sync.sh runs from cron in another directory: keep the
				// path absolute.
				if v = expandHome(strings.TrimSpace(*c.strs[f.Name])); v != "" {
					if abs, err := filepath.Abs(v); err == nil {
						v = abs
					}
				}
			default:
				v = strings.TrimSpace(*c.strs[f.Name])
			}
		}
		s.draft.SetValue(f, v)
	}
	s.draft.Connector.Schema = s.sch
	if err := s.draft.ValidateConnector(); err != nil {
		return nil, err
	}
	d := s.draft
	return func() tea.Msg { return stepDoneMsg{plan: d} }, nil
}

// expandHome turns a leading ~/ into the home directory, as a shell would.
func expandHome(p string) string {
	if rest, ok := strings.CutPrefix(p, "~/"); ok {
		if home, err := os.UserHomeDir(); err == nil {
			return filepath.Join(home, rest)
		}
	}
	return p
}

// pathSuggestions completes a typed path from its directory's entries,
// directories with a trailing slash; hidden files only when asked for.
func pathSuggestions(typed string) []string {
	typed = strings.TrimSpace(typed)
	dir, base := filepath.Split(typed)
	list := dir
	if list == "" {
		list = "."
	}
	entries, err := os.ReadDir(expandHome(list))
	if err != nil {
		return nil
	}
	var out []string
	for _, e := range entries {
		n := e.Name()
		if !strings.HasPrefix(n, base) || (strings.HasPrefix(n, ".") && !strings.HasPrefix(base, ".")) {
			continue
		}
		if e.IsDir() {
			n += "/"
		}
		out = append(out, dir+n)
		if len(out) == 50 {
			break
		}
	}
	return out
}
