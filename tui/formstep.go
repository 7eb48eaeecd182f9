package tui

import (
	"strings"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
)

// formSubmittedMsg says the embedded form was completed.
type formSubmittedMsg struct{}

// formStep is a step that asks questions. questions describes them, bound
// to the step's variables: the full screen shows them as one huh form, the
// line prompts ask them one by one. submit reads the answers into the draft
// and returns the next command, or an error that is shown above the
// questions, asked again.
type formStep struct {
	title     string
	styles    Styles
	intro     func() string
	questions func() []page
	submit    func() (tea.Cmd, error)
	form      *huh.Form
	errMsg    string
	// focusKey names the question the next form opens on; empty opens on
	// the first.
	focusKey string
	// width and height are the space the step may draw in; 0 until the
	// first WindowSizeMsg.
	width, height int
}

// acceptKey finishes a form with every answer as it stands, once they are
// all valid: a form that is filled in already (defaults, a saved setup)
// takes one key instead of one per field.
var acceptKey = key.NewBinding(key.WithKeys("ctrl+s"), key.WithHelp("ctrl+s", "accept all"))

// maxFormWidth keeps forms readable on wide terminals.
const maxFormWidth = 100

func (s *formStep) newForm() tea.Cmd {
	s.form = buildForm(s.questions()).WithTheme(s.styles.Theme).WithShowHelp(false).WithKeyMap(formKeyMap())
	// Without these, completing the form would quit the whole program.
	s.form.SubmitCmd = func() tea.Msg { return formSubmittedMsg{} }
	s.form.CancelCmd = func() tea.Msg { return stepBackMsg{} }
	init := s.form.Init()
	var focus tea.Cmd
	if s.focusKey != "" {
		focus, s.focusKey = s.focus(s.focusKey), ""
	}
	return tea.Batch(init, focus, s.layout())
}

// focus moves the new form to the question keyed k: through the pages
// before it that are not hidden, then through the questions before it on
// its page. A question on a hidden page, or none, leaves the first focused.
func (s *formStep) focus(k string) tea.Cmd {
	pages := s.questions()
	at, field := -1, 0
	for i, p := range pages {
		// huh skips a note without a button.
		n := 0
		for _, q := range p.questions {
			if q.key == k && at < 0 {
				at, field = i, n
			}
			if q.kind != askNote || q.next {
				n++
			}
		}
	}
	if at < 0 || (pages[at].hidden != nil && pages[at].hidden()) {
		return nil
	}
	// huh starts on the first page and moves to the next one that is not
	// hidden, as this count does.
	var cmds []tea.Cmd
	for i := 1; i <= at; i++ {
		if pages[i].hidden == nil || !pages[i].hidden() {
			cmds = append(cmds, s.form.NextGroup())
		}
	}
	for range field {
		cmds = append(cmds, s.form.NextField())
	}
	return tea.Batch(cmds...)
}

// accept finishes the form when every question that is asked holds a
// valid answer; otherwise it opens the form on the first that does not,
// with what is wrong above it.
func (s *formStep) accept() tea.Cmd {
	for _, p := range s.questions() {
		if p.hidden != nil && p.hidden() {
			continue
		}
		for _, q := range p.questions {
			c := q.chosen()
			if c.validate == nil || c.value == nil {
				continue
			}
			if err := c.validate(*c.value); err != nil {
				title := strings.TrimSuffix(strings.TrimSpace(c.title), " *")
				s.errMsg = title + ": " + errorText(err)
				s.focusKey = q.key
				return s.newForm()
			}
		}
	}
	return func() tea.Msg { return formSubmittedMsg{} }
}

// layout fits the form to the width and to the height left under the
// intro and the error; huh scrolls a group that is taller than that.
func (s *formStep) layout() tea.Cmd {
	if s.width <= 0 || s.height <= 0 {
		return nil
	}
	s.form = s.form.WithWidth(min(s.width, maxFormWidth))
	h := s.height - strings.Count(s.header(), "\n")
	m, cmd := s.form.Update(tea.WindowSizeMsg{Width: min(s.width, maxFormWidth), Height: max(h, 3)})
	if f, ok := m.(*huh.Form); ok {
		s.form = f
	}
	return cmd
}

func (s *formStep) Init() tea.Cmd { return s.newForm() }

func (s *formStep) Update(msg tea.Msg) (step, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		s.width, s.height = msg.Width, msg.Height
		return s, s.layout()
	case tea.KeyMsg:
		if msg.String() == "esc" {
			return s, s.escape(msg)
		}
		if key.Matches(msg, acceptKey) && s.form != nil {
			return s, s.accept()
		}
	case formSubmittedMsg:
		cmd, err := s.submit()
		if err != nil {
			s.errMsg = errorText(err)
			return s, s.newForm()
		}
		s.errMsg = ""
		return s, cmd
	}
	m, cmd := s.form.Update(msg)
	if f, ok := m.(*huh.Form); ok {
		s.form = f
	}
	return s, cmd
}

// header is the text above the form: the intro and the last error, each
// followed by a blank line and wrapped to the width.
func (s *formStep) header() string { return fit(s.headerText(), s.width) }

// headerText is header not wrapped: a line front end leaves that to the
// terminal.
func (s *formStep) headerText() string {
	out := ""
	if s.intro != nil {
		if t := strings.TrimRight(s.intro(), "\n"); t != "" {
			out += t + "\n\n"
		}
	}
	if s.errMsg != "" {
		out += s.styles.Bad.Render(s.errMsg) + "\n\n"
	}
	return out
}

// Screen asks the step's questions under its intro and last error.
func (s *formStep) Screen() screen {
	return screen{kind: screenAsk, text: s.headerText(), pages: s.questions()}
}

func (s *formStep) View() string {
	return s.header() + s.form.View()
}

// escape handles Esc: a picker that is filtering, or shows filtered
// options, clears its filter; otherwise the step goes back.
func (s *formStep) escape(esc tea.KeyMsg) tea.Cmd {
	var cmds []tea.Cmd
	// huh's first Esc while filtering only ends typing ("set filter"); the
	// second clears it. Both are the field's own bindings, so this stops
	// once the filter is gone.
	for i := 0; i < 2 && s.fieldBinds(esc); i++ {
		m, cmd := s.form.Update(esc)
		if f, ok := m.(*huh.Form); ok {
			s.form = f
		}
		cmds = append(cmds, cmd)
	}
	if len(cmds) > 0 {
		return tea.Batch(cmds...)
	}
	return func() tea.Msg { return stepBackMsg{} }
}

// fieldBinds reports whether the focused field has an enabled binding for k.
func (s *formStep) fieldBinds(k tea.KeyMsg) bool {
	if s.form == nil {
		return false
	}
	for _, b := range s.form.KeyBinds() {
		if b.Enabled() && key.Matches(k, b) {
			return true
		}
	}
	return false
}

// typing reports whether printable keys go into the focused field as text:
// an input, or a picker's filter.
func (s *formStep) typing() bool {
	if s.form == nil {
		return false
	}
	switch f := s.form.GetFocusedField().(type) {
	case *huh.Input, *huh.Text:
		return true
	case interface{ GetFiltering() bool }:
		return f.GetFiltering()
	}
	return false
}

func (s *formStep) Title() string { return s.title }

// Keys are the focused field's enabled key bindings, and ctrl+s where
// there is more than one question to answer.
func (s *formStep) Keys() []key.Binding {
	if s.form == nil {
		return nil
	}
	var out []key.Binding
	for _, b := range s.form.KeyBinds() {
		if b.Enabled() {
			out = append(out, b)
		}
	}
	if s.asks() > 1 {
		out = append(out, acceptKey)
	}
	return out
}

// asks counts the questions that take an answer on the pages not hidden.
func (s *formStep) asks() int {
	n := 0
	for _, p := range s.questions() {
		if p.hidden != nil && p.hidden() {
			continue
		}
		for _, q := range p.questions {
			if q.kind != askNote || len(q.alts) > 0 {
				n++
			}
		}
	}
	return n
}

// base gives the App the step's form, for the keys typed into it.
func (s *formStep) base() *formStep { return s }
