package tui

import (
	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/huh"
)

// appKeys are the keys the App handles itself, on every screen.
type appKeys struct {
	Back key.Binding
	// Leave is Esc on the first step, where there is nothing to go back to.
	Leave key.Binding
	Help  key.Binding
	Quit  key.Binding
	// QuitQ is q, offered only where q is not typed into a field.
	QuitQ key.Binding
	Yes   key.Binding
	No    key.Binding
}

func newAppKeys() appKeys {
	return appKeys{
		Back:  key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
		Leave: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "quit")),
		Help:  key.NewBinding(key.WithKeys("?"), key.WithHelp("?", "more keys")),
		Quit:  key.NewBinding(key.WithKeys("ctrl+c"), key.WithHelp("ctrl+c", "quit")),
		QuitQ: key.NewBinding(key.WithKeys("q"), key.WithHelp("q", "quit")),
		Yes:   key.NewBinding(key.WithKeys("y", "Y", "enter", "ctrl+c"), key.WithHelp("y", "quit")),
		No:    key.NewBinding(key.WithKeys("n", "N", "esc"), key.WithHelp("n/esc", "stay")),
	}
}

// formKeyMap is huh's key map with help texts that fit a step: enter on
// the last field finishes the step rather than "submitting" something.
func formKeyMap() *huh.KeyMap {
	km := huh.NewDefaultKeyMap()
	km.Input.Submit.SetHelp("enter", "next")
	km.Input.Prev.SetHelp("shift+tab", "previous field")
	km.Select.Submit.SetHelp("enter", "next")
	km.Select.Prev.SetHelp("shift+tab", "previous field")
	km.Confirm.Submit.SetHelp("enter", "next")
	km.Confirm.Prev.SetHelp("shift+tab", "previous field")
	km.Note.Submit.SetHelp("enter", "next")
	km.Note.Prev.SetHelp("shift+tab", "previous field")
	return km
}

// testStepKeys are the keys of the test sync screen.
var testStepKeys = struct {
	Continue, GoOnAnyway, Yes, No, Again, Full, Quick, Details, Back, BackToSettings, Stop, Home key.Binding
}{
	Continue:       key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "continue")),
	GoOnAnyway:     key.NewBinding(key.WithKeys("enter"), key.WithHelp("enter", "go on anyway…")),
	Yes:            key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "go on with this sync")),
	No:             key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "stay")),
	Again:          key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "run again")),
	Full:           key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "full test sync")),
	Quick:          key.NewBinding(key.WithKeys("k"), key.WithHelp("k", "quick check")),
	Details:        key.NewBinding(key.WithKeys("d"), key.WithHelp("d", "details")),
	Back:           key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back")),
	BackToSettings: key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "back to settings")),
	Stop:           key.NewBinding(key.WithKeys("esc"), key.WithHelp("esc", "stop and go back")),
	Home:           key.NewBinding(key.WithKeys("enter", "esc"), key.WithHelp("enter", "back to your setups")),
}

// Keys are the test step's keys in its current state.
func (s *testStep) Keys() []key.Binding {
	k := testStepKeys
	var quick []key.Binding
	if s.canQuick() {
		quick = []key.Binding{k.Quick}
	}
	switch {
	case s.confirming:
		return []key.Binding{k.Yes, k.No}
	case s.aside && s.over():
		return append(append([]key.Binding{k.Home, k.Full}, quick...), k.Details)
	case s.passed() && s.outcome.Warned():
		return []key.Binding{k.GoOnAnyway, k.Again, k.Details, k.BackToSettings}
	case s.passed():
		return []key.Binding{k.Continue, k.Again, k.Details, k.Back}
	case s.over():
		return append(append([]key.Binding{k.Full}, quick...), k.Details, k.BackToSettings)
	default:
		return []key.Binding{k.Details, k.Stop}
	}
}

// Keys are the done screen's keys.
func (s *doneStep) Keys() []key.Binding {
	if s.proof != nil {
		if k := s.proof.Keys(); k != nil {
			return k
		}
	}
	return []key.Binding{key.NewBinding(key.WithKeys("enter", "q"), key.WithHelp("enter or q", "quit"))}
}

// footer is the App's help.KeyMap: the step's own keys, then the App's.
type footer struct {
	step []key.Binding
	app  []key.Binding
}

// ShortHelp is the one-line footer.
func (f footer) ShortHelp() []key.Binding {
	return append(append([]key.Binding{}, f.step...), f.app...)
}

// FullHelp is the footer that ? opens: the step's keys, then the App's.
func (f footer) FullHelp() [][]key.Binding { return [][]key.Binding{f.step, f.app} }

// newHelp is the footer's help model in the wizard's styles.
func newHelp(st Styles) help.Model {
	h := help.New()
	h.ShortSeparator = " · "
	h.Styles.ShortKey = st.HelpKey
	h.Styles.ShortDesc = st.Help
	h.Styles.ShortSeparator = st.Help
	h.Styles.FullKey = st.HelpKey
	h.Styles.FullDesc = st.Help
	h.Styles.FullSeparator = st.Help
	h.Styles.Ellipsis = st.Help
	return h
}
