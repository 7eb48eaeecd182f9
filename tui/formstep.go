package tui

import (
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
)

// formSubmittedMsg says the embedded form was completed.
type formSubmittedMsg struct{}

// formStep is a step made of one huh form. build creates the form bound to
// the step's variables; submit reads them into the draft and returns the
// next command, or an error that is shown above a fresh form.
type formStep struct {
	title  string
	help   string
	styles Styles
	intro  func() string
	build  func() *huh.Form
	submit func() (tea.Cmd, error)
	form   *huh.Form
	errMsg string
	width  int
}

func (s *formStep) newForm() tea.Cmd {
	s.form = s.build().WithTheme(s.styles.Theme).WithShowHelp(false)
	if s.width > 0 {
		s.form = s.form.WithWidth(min(s.width, 100))
	}
	// Without these, completing the form would quit the whole program.
	s.form.SubmitCmd = func() tea.Msg { return formSubmittedMsg{} }
	s.form.CancelCmd = func() tea.Msg { return stepBackMsg{} }
	return s.form.Init()
}

func (s *formStep) Init() tea.Cmd { return s.newForm() }

func (s *formStep) Update(msg tea.Msg) (step, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		s.width = msg.Width
		s.form = s.form.WithWidth(min(msg.Width, 100))
	case tea.KeyMsg:
		if msg.String() == "esc" {
			return s, func() tea.Msg { return stepBackMsg{} }
		}
	case formSubmittedMsg:
		cmd, err := s.submit()
		if err != nil {
			s.errMsg = err.Error()
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

func (s *formStep) View() string {
	out := ""
	if s.intro != nil {
		if t := s.intro(); t != "" {
			out += t + "\n\n"
		}
	}
	if s.errMsg != "" {
		out += s.styles.Bad.Render(s.errMsg) + "\n\n"
	}
	return out + s.form.View()
}

func (s *formStep) Title() string { return s.title }

func (s *formStep) Help() string {
	if s.help != "" {
		return s.help
	}
	return "enter next · shift+tab previous field · esc back"
}
