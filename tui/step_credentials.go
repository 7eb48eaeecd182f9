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
	// give says how each secret or key-material field is given (giveTyped,
	// giveFile or givePaste); files and pastes are the answers of the last
	// two.
	give   map[string]*string
	files  map[string]*string
	pastes map[string]*string
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

// The ways to give a secret or key material.
const (
	giveTyped = "typed"
	giveFile  = "file"
	givePaste = "paste"
)

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
	// why says why the form opened on the setting it focuses: the failed
	// test that named it.
	why string
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
			out := st.Muted.Render(intro)
			if s.why != "" {
				out += "\n" + st.Warn.Render(s.why)
			}
			return out
		},
	}
	return s
}

// focusOn opens the form on the field named, with why above it.
func (s *credentialsStep) focusOn(name, why string) {
	s.focusKey, s.why = name, why
}

// newCredentials pre-fills the answers from the draft and the defaults.
func newCredentials(sch *schema.Schema, draft *plan.Plan) *credentials {
	c := &credentials{method: draft.AuthMethod, strs: map[string]*string{}, bools: map[string]*bool{}, kept: map[string]plan.Secret{},
		give: map[string]*string{}, files: map[string]*string{}, pastes: map[string]*string{}}
	if c.method == "" {
		c.method = sch.DefaultGroup()
	}
	c.manual.action = manualAdd
	for _, f := range sch.Fields {
		v := draft.Value(f.Name)
		kept := f.Secret && v != ""
		if kept {
			c.kept[f.Name] = draft.Secrets[f.Name]
			v = ""
		}
		if v == "" && !kept {
			v = f.Default
		}
		if f.Kind == schema.KindBool {
			b, _ := strconv.ParseBool(v)
			c.bools[f.Name] = &b
			continue
		}
		if givable(f) {
			way, file, paste := giveTyped, "", ""
			if f.KeyMaterial() {
				way = giveFile
			}
			if strings.ContainsAny(v, "\n\r") {
				way, paste, v = givePaste, v, ""
			}
			c.give[f.Name], c.files[f.Name], c.pastes[f.Name] = &way, &file, &paste
		}
		c.strs[f.Name] = &v
	}
	return c
}

// givable reports whether a field's value can be given in several ways:
// typed, read from a file or pasted as lines. Secrets can, as can key
// material and certificates, which are several lines of PEM.
func givable(f schema.Field) bool {
	return f.Kind == schema.KindString && len(f.Options) == 0 && (f.Secret || f.KeyMaterial())
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
	return credentialQuestions(s.sch, s.ans, formFields(s.sch, s.draft))
}

// fieldDescription is what is shown with a field's title: its help, where
// to find it, what the schema says of it with others, a kept secret's mask
// and its variable name.
func fieldDescription(f schema.Field, c *credentials, sh shown) string {
	var desc []string
	if sh.help != "" {
		desc = append(desc, sh.help)
	}
	if f.Hint != "" {
		desc = append(desc, "Where to find it: "+f.Hint)
	}
	desc = append(desc, sh.notes...)
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

// shown is what the form says of a field beyond the field itself: its
// help as the schema puts it, whether it must be set (marked or made so by
// a one-of group it is alone in on the form), the others of its group, and
// notes on how it relates to other fields.
type shown struct {
	help     string
	required bool
	// others are the labels of the one-of group's other fields on the form.
	others []string
	notes  []string
}

// fieldTitle is a field's title: its label, * when it must be set (or with
// the others of its one-of group), and (deprecated).
func fieldTitle(f schema.Field, sh shown) string {
	title := f.Label
	switch {
	case len(sh.others) > 0:
		title += " * (or " + strings.Join(sh.others, ", ") + ")"
	case sh.required:
		title += " *"
	}
	if f.Deprecated {
		title += " (deprecated)"
	}
	return title
}

// checkValue is the validation of a field's answer: required unless a
// secret is kept, then the schema's own rules on what the answer means.
func checkValue(f schema.Field, sh shown, kept bool, value func(string) (string, error)) func(string) error {
	return func(v string) error {
		if strings.TrimSpace(v) == "" {
			if sh.required && !kept {
				return errors.New("required")
			}
			return nil
		}
		meant, err := value(v)
		if err != nil {
			return err
		}
		return f.Validate(meant)
	}
}

// fieldQuestions are the questions of one schema field: one, or for a
// secret or key material, how it will be given and then the answer in that
// way.
func fieldQuestions(f schema.Field, c *credentials, sh shown) []question {
	q := question{key: f.Name, title: fieldTitle(f, sh), help: fieldDescription(f, c, sh)}
	old, kept := c.kept[f.Name]

	if f.Kind == schema.KindBool {
		q.kind, q.flag = askConfirm, c.bools[f.Name]
		return []question{q}
	}
	q.value = c.strs[f.Name]
	if len(f.Options) > 0 {
		q.kind = askSelect
		if !sh.required {
			q.options = append(q.options, option{"(not set)", ""})
		}
		for _, o := range f.Options {
			q.options = append(q.options, option{o, o})
		}
		return []question{q}
	}
	if givable(f) {
		return givenQuestions(f, c, sh, q)
	}
	q.kind, q.placeholder = askText, f.Placeholder
	q.validate = checkValue(f, sh, kept, func(v string) (string, error) {
		if f.Kind == schema.KindFile {
			return expandHome(strings.TrimSpace(v)), nil
		}
		return v, nil
	})
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
	return []question{q}
}

// givenQuestions ask how a secret or key material will be given, then for
// it in that way: typed on one line (secrets only), the path of a file to
// read it from, or pasted lines, which keep their line breaks. Key
// material is read from a file unless the user chooses otherwise.
func givenQuestions(f schema.Field, c *credentials, sh shown, q question) []question {
	old, kept := c.kept[f.Name]
	way := c.give[f.Name]
	var opts []option
	if !f.KeyMaterial() {
		opts = append(opts, option{"Type or paste it on one line", giveTyped})
	}
	opts = append(opts, option{"Read it from a file", giveFile}, option{"Paste several lines (a PEM key or certificate)", givePaste})
	how := question{key: f.Name + "-given", kind: askSelect, title: q.title, help: q.help, options: opts, value: way}

	keeps := ""
	if kept {
		keeps = "; leave empty to keep the saved value"
	}
	typed := question{key: f.Name, kind: askText, title: f.Label + " value", value: c.strs[f.Name], placeholder: f.Placeholder,
		validate: checkValue(f, sh, kept, func(v string) (string, error) { return v, nil })}
	if f.Secret {
		typed.kind = askSecret
		if kept {
			typed.placeholder = old.Masked() + " (enter keeps it)"
		}
	}
	path := c.files[f.Name]
	file := question{key: f.Name, kind: askPath, title: f.Label + " file", value: path,
		help:    "The path of the file that holds it; its content is saved" + savedWhere(f) + ". ctrl+e completes" + keeps + ".",
		suggest: func() []string { return pathSuggestions(*path) },
		validate: checkValue(f, sh, kept, func(v string) (string, error) {
			return schema.ReadValueFile(expandHome(strings.TrimSpace(v)))
		})}
	pasted := c.pastes[f.Name]
	paste := question{key: f.Name, kind: askMultiline, title: f.Label + " (pasted)", value: pasted, secret: f.Secret,
		help:     "Paste it whole; line breaks are kept. Enter or tab goes on" + keeps + ".",
		validate: checkValue(f, sh, kept, func(v string) (string, error) { return pastedValue(v), nil })}
	if f.Secret {
		paste.masked = func() string {
			if v := pastedValue(*pasted); v != "" {
				return fmt.Sprintf("•••• (%d lines, hidden)", strings.Count(v, "\n")+1)
			}
			return ""
		}
	}
	alts := []question{typed, file, paste}
	byWay := map[string]int{giveTyped: 0, giveFile: 1, givePaste: 2}
	value := question{key: f.Name, alts: alts, pick: func() int { return byWay[*way] }}
	return []question{how, value}
}

// savedWhere says where a given value is written.
func savedWhere(f schema.Field) string {
	if f.Secret {
		return " in secrets.env (0600), not its path"
	}
	return " in plan.json"
}

// pastedValue is pasted lines as a value: line ends as \n, no blank lines
// or spaces around it.
func pastedValue(v string) string {
	v = strings.ReplaceAll(v, "\r\n", "\n")
	return strings.Trim(v, " \t\r\n")
}

// formFields decides which fields the form shows and what it says of each.
// Hidden fields are never shown, deprecated ones only while they hold a
// value; a one-of group shown with one field makes that field required.
func formFields(sch *schema.Schema, draft *plan.Plan) map[string]shown {
	out := map[string]shown{}
	for _, f := range sch.Fields {
		has := draft.Value(f.Name) != ""
		if f.Hidden || (f.Deprecated && !has) {
			continue
		}
		out[f.Name] = shown{help: sch.HelpOf(f), required: f.Required}
	}
	label := func(n string) string {
		f, _ := sch.Field(n)
		return f.Label
	}
	for _, c := range sch.Constraints {
		var on []string
		for _, n := range c.Fields {
			if _, ok := out[n]; ok {
				on = append(on, n)
			}
		}
		switch {
		case c.Kind == schema.AtLeastOne && len(on) == 1:
			sh := out[on[0]]
			sh.required = true
			out[on[0]] = sh
		case c.Kind == schema.AtLeastOne:
			for _, n := range on {
				sh := out[n]
				for _, o := range on {
					if o != n {
						sh.others = append(sh.others, label(o))
					}
				}
				out[n] = sh
			}
		case c.Kind == schema.MutuallyExclusive && len(on) > 1:
			for _, n := range on {
				sh := out[n]
				var others []string
				for _, o := range on {
					if o != n {
						others = append(others, label(o))
					}
				}
				sh.notes = append(sh.notes, "Set this or "+strings.Join(others, " or ")+", not both.")
				out[n] = sh
			}
		}
	}
	return out
}

// credentialQuestions are the settings over answers c: the auth method
// when there are several, the fields every method shares, then a page per
// method that only its choice shows.
func credentialQuestions(sch *schema.Schema, c *credentials, on map[string]shown) []page {
	var pages []page
	if len(sch.Groups) > 1 {
		var opts []option
		for _, g := range sch.Groups {
			opts = append(opts, option{g.Label, g.Name})
		}
		pages = append(pages, page{questions: []question{
			{key: "auth-method", kind: askSelect, title: "How do you want to authenticate?", options: opts, value: &c.method},
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
		if sh, ok := on[f.Name]; ok && !grouped[f.Name] {
			common = append(common, fieldQuestions(f, c, sh)...)
		}
	}
	if len(common) > 0 {
		pages = append(pages, page{questions: common})
	}
	for _, g := range sch.Groups {
		var qs []question
		for _, n := range g.Fields {
			if f, ok := sch.Field(n); ok {
				if sh, ok := on[n]; ok {
					qs = append(qs, fieldQuestions(f, c, sh)...)
				}
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
	on := formFields(s.sch, s.draft)
	for _, f := range s.sch.Fields {
		v := ""
		_, asked := on[f.Name]
		if active[f.Name] {
			switch {
			case !asked:
				// Not on the form (hidden, or deprecated and unset): what
				// it held stays.
				v = s.draft.Value(f.Name)
			case f.Kind == schema.KindBool:
				v = strconv.FormatBool(*c.bools[f.Name])
			case givable(f):
				var err error
				if v, err = c.given(f); err != nil {
					return nil, err
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

// given is a secret's or key material's value as it was given: typed,
// read from the file named, or pasted; a kept secret when the answer is
// empty.
func (c *credentials) given(f schema.Field) (string, error) {
	v := ""
	switch *c.give[f.Name] {
	case giveFile:
		if path := expandHome(strings.TrimSpace(*c.files[f.Name])); path != "" {
			var err error
			if v, err = schema.ReadValueFile(path); err != nil {
				return "", fmt.Errorf("%s: %w", f.Name, err)
			}
		}
	case givePaste:
		v = pastedValue(*c.pastes[f.Name])
	default:
		v = *c.strs[f.Name]
		if !f.Secret {
			v = strings.TrimSpace(v)
		}
	}
	if strings.TrimSpace(v) == "" {
		v = c.kept[f.Name].Reveal()
	}
	return v, nil
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

// Update runs the form and stays the settings step.
func (s *credentialsStep) Update(msg tea.Msg) (step, tea.Cmd) {
	_, cmd := s.formStep.Update(msg)
	return s, cmd
}
