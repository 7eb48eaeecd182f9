package tui

import (
	"io"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
)

// switchField is the huh field of a question with alternatives: it shows
// and edits the alternative that pick chooses now, so the input under a
// "how will you give it?" choice changes as the choice does. huh hides
// whole groups only; this keeps the choice and its input together.
type switchField struct {
	key  string
	alts []huh.Field
	pick func() int
	// masked, per alternative, is what is drawn in place of the field
	// while it is not focused; nil draws the field. A pasted key is then
	// on screen only while it is entered.
	masked  []func() string
	titles  []string
	focused bool
	theme   *huh.Theme
	width   int
}

var _ huh.Field = (*switchField)(nil)

func newSwitchField(q question) *switchField {
	f := &switchField{key: q.key, pick: q.pick}
	for _, alt := range q.alts {
		f.alts = append(f.alts, alt.field())
		f.titles = append(f.titles, alt.title)
		f.masked = append(f.masked, alt.masked)
	}
	return f
}

// active is the alternative chosen now.
func (f *switchField) active() huh.Field {
	i := f.pick()
	if i < 0 || i >= len(f.alts) {
		i = 0
	}
	return f.alts[i]
}

func (f *switchField) each(fn func(i int, a huh.Field) huh.Field) {
	for i, a := range f.alts {
		f.alts[i] = fn(i, a)
	}
}

// Init initialises every alternative.
func (f *switchField) Init() tea.Cmd {
	var cmds []tea.Cmd
	for _, a := range f.alts {
		cmds = append(cmds, a.Init())
	}
	return tea.Batch(cmds...)
}

// Update gives keys to the chosen alternative and every other message to
// all of them, so each keeps its title, cursor and suggestions current.
func (f *switchField) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if _, ok := msg.(tea.KeyMsg); ok {
		i := f.pick()
		if i < 0 || i >= len(f.alts) {
			i = 0
		}
		m, cmd := f.alts[i].Update(msg)
		f.alts[i] = m.(huh.Field)
		return f, cmd
	}
	var cmds []tea.Cmd
	f.each(func(_ int, a huh.Field) huh.Field {
		m, cmd := a.Update(msg)
		cmds = append(cmds, cmd)
		return m.(huh.Field)
	})
	return f, tea.Batch(cmds...)
}

// View draws the chosen alternative, or its mask while it is not focused.
func (f *switchField) View() string {
	i := f.pick()
	if i < 0 || i >= len(f.alts) {
		i = 0
	}
	if m := f.masked[i]; m != nil && !f.focused {
		if text := m(); text != "" {
			in := huh.NewInput().Title(f.titles[i]).Value(&text)
			var field huh.Field = in
			if f.theme != nil {
				field = field.WithTheme(f.theme)
			}
			if f.width > 0 {
				field = field.WithWidth(f.width)
			}
			return field.View()
		}
	}
	return f.alts[i].View()
}

// Focus focuses the chosen alternative.
func (f *switchField) Focus() tea.Cmd { f.focused = true; return f.active().Focus() }

// Blur blurs the chosen alternative.
func (f *switchField) Blur() tea.Cmd { f.focused = false; return f.active().Blur() }

// Error is the chosen alternative's validation error.
func (f *switchField) Error() error { return f.active().Error() }

// Run runs the chosen alternative alone.
func (f *switchField) Run() error { return f.active().Run() }

// RunAccessible runs the chosen alternative in huh's accessible mode.
func (f *switchField) RunAccessible(w io.Writer, r io.Reader) error {
	return f.active().RunAccessible(w, r)
}

// Skip reports whether the chosen alternative is skipped.
func (f *switchField) Skip() bool { return f.active().Skip() }

// Zoom reports whether the chosen alternative takes the group's height.
func (f *switchField) Zoom() bool { return f.active().Zoom() }

// KeyBinds are the chosen alternative's keys.
func (f *switchField) KeyBinds() []key.Binding { return f.active().KeyBinds() }

// WithTheme themes every alternative.
func (f *switchField) WithTheme(t *huh.Theme) huh.Field {
	f.theme = t
	f.each(func(_ int, a huh.Field) huh.Field { return a.WithTheme(t) })
	return f
}

// WithAccessible sets accessible mode on every alternative.
func (f *switchField) WithAccessible(on bool) huh.Field {
	f.each(func(_ int, a huh.Field) huh.Field { return a.WithAccessible(on) })
	return f
}

// WithKeyMap sets every alternative's keys.
func (f *switchField) WithKeyMap(k *huh.KeyMap) huh.Field {
	f.each(func(_ int, a huh.Field) huh.Field { return a.WithKeyMap(k) })
	return f
}

// WithWidth sets every alternative's width.
func (f *switchField) WithWidth(w int) huh.Field {
	f.width = w
	f.each(func(_ int, a huh.Field) huh.Field { return a.WithWidth(w) })
	return f
}

// WithHeight sets every alternative's height.
func (f *switchField) WithHeight(h int) huh.Field {
	f.each(func(_ int, a huh.Field) huh.Field { return a.WithHeight(h) })
	return f
}

// WithPosition tells every alternative where it is.
func (f *switchField) WithPosition(p huh.FieldPosition) huh.Field {
	f.each(func(_ int, a huh.Field) huh.Field { return a.WithPosition(p) })
	return f
}

// GetKey is the question's key.
func (f *switchField) GetKey() string { return f.key }

// GetValue is the chosen alternative's value.
func (f *switchField) GetValue() any { return f.active().GetValue() }
