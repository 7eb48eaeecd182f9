package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/textinput"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"
	"golang.org/x/term"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/generate"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/synclog"
)

// RunAccessible runs the wizard as plain line prompts, for screen readers
// and terminals that cannot redraw: the same steps, routed by the same App,
// each step's form asked field by field with huh's accessible prompts, the
// test sync reported as text lines and the review as plain text. Nothing it
// writes to out contains an escape sequence. in should be the terminal, so
// that secrets are read without echo.
func RunAccessible(ctx context.Context, deps Deps, p *plan.Plan, in io.Reader, out io.Writer) (*plan.Plan, *generate.Result, error) {
	// No colour, and no question to the terminal about its background:
	// lipgloss would send one the first time a theme's adaptive colour is
	// drawn, and its answer would arrive as typed input.
	lipgloss.SetColorProfile(termenv.Ascii)
	lipgloss.SetHasDarkBackground(true)
	r := &plainRunner{
		ctx:  ctx,
		app:  newApp(ctx, deps, p, NewStyles(true)),
		in:   newLineReader(ctx, in),
		out:  plainWriter{out},
		msgs: make(chan tea.Msg, 256),
	}
	if f, ok := in.(interface{ Fd() uintptr }); ok && term.IsTerminal(int(f.Fd())) {
		r.fd = int(f.Fd())
	} else {
		r.fd = -1
	}
	err := r.run()
	if err != nil {
		if c, ok := r.app.cur.(closer); ok {
			c.Close()
		}
		if errors.Is(err, context.Canceled) {
			err = ErrCancelled
		}
		return r.app.plan, nil, err
	}
	return r.app.plan, r.app.result, nil
}

// plainRunner plays the part of the bubbletea runtime for the App: it runs
// the Cmds and feeds their messages back, but draws nothing; the prompts
// and status lines are its own.
type plainRunner struct {
	ctx context.Context
	app *App
	in  io.Reader
	out io.Writer
	// fd is the terminal behind in, or -1.
	fd int
	// msgs carries the results of running Cmds; inflight counts the Cmds
	// still running.
	msgs     chan tea.Msg
	inflight int
	// shown is the test sync progress already printed.
	shown synclog.Progress
}

func (r *plainRunner) printf(format string, args ...any) { fmt.Fprintf(r.out, format, args...) }

func (r *plainRunner) run() error {
	for {
		title, profile := r.app.title()
		if profile != "" {
			title += " (profile " + profile + ")"
		}
		r.printf("\n%s\n\n", title)
		var err error
		switch s := r.app.cur.(type) {
		case *connectorStep:
			err = r.connectorStep(s)
		case formed:
			err = r.formStep(s.base())
		case *testStep:
			err = r.testStep()
		case *doneStep:
			r.printf("%s\n", strings.TrimRight(s.View(), "\n"))
			return nil
		default:
			err = fmt.Errorf("run step %q: no plain version", s.Title())
		}
		if err != nil {
			return err
		}
	}
}

// exec runs cmd in the background; its message arrives on r.msgs.
func (r *plainRunner) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	r.inflight++
	go func() { r.msgs <- cmd() }()
}

// deliver hands msg to the App, as bubbletea would. Only the wizard's own
// messages pass: the embedded forms' cursor blinks and the spinner's ticks
// have nothing to draw here.
func (r *plainRunner) deliver(msg tea.Msg) {
	switch m := msg.(type) {
	case tea.BatchMsg:
		for _, c := range m {
			r.exec(c)
		}
		return
	case stepDoneMsg, stepBackMsg, formSubmittedMsg, schemaLoadedMsg, generatedMsg, syncStartedMsg, syncDoneMsg, tea.KeyMsg:
	case syncEventMsg:
		_, cmd := r.app.Update(m)
		r.exec(cmd)
		if s, ok := r.app.cur.(*testStep); ok && m.from == s {
			r.showProgress(s.progress)
		}
		return
	default:
		return
	}
	_, cmd := r.app.Update(msg)
	r.exec(cmd)
}

// settle feeds messages to the App until done reports true or no Cmd is
// left running.
func (r *plainRunner) settle(done func() bool) error {
	for r.inflight > 0 && !done() {
		select {
		case msg := <-r.msgs:
			r.inflight--
			r.deliver(msg)
		case <-r.ctx.Done():
			return r.ctx.Err()
		}
	}
	return nil
}

// moved reports whether the App left the step s it showed at index idx.
func (r *plainRunner) moved(idx int, s step) func() bool {
	return func() bool { return r.app.idx != idx || r.app.cur != s }
}

// formStep asks the step's form until the step accepts the answers.
func (r *plainRunner) formStep(fs *formStep) error {
	idx, cur := r.app.idx, r.app.cur
	for {
		if h := strings.TrimRight(fs.header(), "\n"); h != "" {
			r.printf("%s\n\n", h)
		}
		if err := r.askForm(buildForm(fs.questions()), describe(fs.questions())); err != nil {
			return err
		}
		r.deliver(formSubmittedMsg{})
		if err := r.settle(r.moved(idx, cur)); err != nil {
			return err
		}
		if r.moved(idx, cur)() {
			return nil
		}
		// The step refused the answers; its header now says why.
	}
}

// connectorStep offers the installed connectors as a numbered list (the
// live search needs a full screen) and reads the chosen one's schema.
func (r *plainRunner) connectorStep(s *connectorStep) error {
	idx := r.app.idx
	var found []discover.Found
	choice := 0
	for _, it := range s.items {
		if it.found != nil {
			if it.found.Name == s.draft.Connector.Name {
				choice = len(found)
			}
			found = append(found, *it.found)
		}
	}
	if len(found) == 0 {
		return errors.New("pick connector: none is installed; see baton-setup connectors for how to install one")
	}
	for {
		if s.errMsg != "" {
			r.printf("%s\n\n", s.errMsg)
		}
		if err := r.askForm(connectorForm(found, &choice), nil); err != nil {
			return err
		}
		r.exec(s.load(found[choice]))
		if err := r.settle(func() bool { return r.moved(idx, s)() || s.mode == modeNote }); err != nil {
			return err
		}
		for !r.moved(idx, s)() && s.mode == modeNote {
			r.printf("%s\n", s.note)
			k, err := r.choose(s.Keys())
			if err != nil {
				return err
			}
			r.deliver(k)
			if err := r.settle(r.moved(idx, s)); err != nil {
				return err
			}
		}
		if r.moved(idx, s)() {
			return nil
		}
	}
}

// describe returns the help of the question with a key; the line prompts
// print it before asking.
func describe(pages []page) func(key string) string {
	help := map[string]string{}
	for _, p := range pages {
		for _, q := range p.questions {
			if q.key != "" {
				help[q.key] = q.help
			}
		}
	}
	return func(key string) string { return help[key] }
}

// askForm asks every field of the form's visible groups. huh's own
// accessible Run would also ask the fields of hidden groups, so the form
// is walked with its own navigation, which skips them.
func (r *plainRunner) askForm(f *huh.Form, describe func(key string) string) error {
	f.Init()
	for f.State == huh.StateNormal {
		field := f.GetFocusedField()
		if describe != nil {
			// huh's line prompt shows only the title.
			if d := describe(field.GetKey()); d != "" {
				r.printf("%s\n", d)
			}
		}
		if err := r.askField(field); err != nil {
			return err
		}
		f.NextField()
		if f.GetFocusedField() != field {
			continue
		}
		f.NextGroup()
		if f.State == huh.StateNormal && f.GetFocusedField() == field {
			return fmt.Errorf("ask form: the answer to a field was refused: %v", field.Error())
		}
	}
	return nil
}

// askField runs one field's accessible prompt until its answer is valid,
// giving up when the context ends; the terminal is restored then.
func (r *plainRunner) askField(field huh.Field) error {
	var state *term.State
	if r.fd >= 0 {
		state, _ = term.GetState(r.fd)
	}
	done := make(chan error, 1)
	go func() { done <- r.prompt(field) }()
	select {
	case err := <-done:
		if err == nil {
			err = r.ctx.Err()
		}
		return err
	case <-r.ctx.Done():
		if state != nil {
			_ = term.Restore(r.fd, state)
		}
		r.printf("\n")
		return r.ctx.Err()
	}
}

func (r *plainRunner) prompt(field huh.Field) error {
	in, ok := field.(*huh.Input)
	if !ok {
		return field.RunAccessible(r.out, r.in)
	}
	for r.ctx.Err() == nil {
		current, _ := in.GetValue().(string)
		secret := isSecret(in)
		lr, _ := r.in.(interface{ keep(string) })
		if current != "" && !secret && lr != nil {
			r.printf("(Enter keeps %q)\n", current)
			lr.keep(current)
		}
		err := in.RunAccessible(r.out, r.in)
		if lr != nil {
			lr.keep("")
		}
		if err != nil {
			return fmt.Errorf("read %s: %w", fieldName(in), err)
		}
		if err := syncInput(in); err != nil {
			return err
		}
		// huh skips validation at end of input; the step must not get a
		// value its own validator refuses.
		in.Blur()
		if err := in.Error(); err != nil {
			r.printf("%s\n", err)
			in.Focus()
			continue
		}
		return nil
	}
	return r.ctx.Err()
}

// syncInput copies the answer huh's accessible prompt stored into the
// input's text box: the form's navigation reads the text box back into the
// bound variable, and would otherwise restore the old value.
func syncInput(in *huh.Input) error {
	v, _ := in.GetValue().(string)
	in.Focus()
	in.Update(tea.KeyMsg{Type: tea.KeyEnd})
	in.Update(tea.KeyMsg{Type: tea.KeyCtrlU})
	if v != "" {
		in.Update(tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(v)})
	}
	if got, _ := in.GetValue().(string); got != v {
		return fmt.Errorf("set %s: the form kept a different value", fieldName(in))
	}
	return nil
}

// isSecret reports whether the input masks what is typed. huh has no
// getter for it; when the field cannot be read it counts as secret, so
// that a value is never printed by mistake.
func isSecret(in *huh.Input) bool {
	v := reflect.ValueOf(in).Elem().FieldByName("textinput")
	if !v.IsValid() {
		return true
	}
	m := v.FieldByName("EchoMode")
	if !m.IsValid() || m.Kind() != reflect.Int {
		return true
	}
	return textinput.EchoMode(m.Int()) != textinput.EchoNormal
}

func fieldName(f huh.Field) string {
	if k := f.GetKey(); k != "" {
		return k
	}
	return "answer"
}

// testStep runs the test sync with status lines, prints its outcome and
// asks what to do next with the step's own keys.
func (r *plainRunner) testStep() error {
	for {
		s, ok := r.app.cur.(*testStep)
		if !ok {
			return nil
		}
		idx := r.app.idx
		r.shown = synclog.Progress{}
		r.printf("%s\n", s.status())
		if err := r.settle(func() bool { return s.outcome != nil || s.startErr != nil || r.moved(idx, s)() }); err != nil {
			return err
		}
		if r.moved(idx, s)() {
			continue
		}
		for !r.moved(idx, s)() {
			r.printf("\n%s\n", strings.TrimRight(s.View(), "\n"))
			k, err := r.choose(s.Keys())
			if err != nil {
				return err
			}
			r.deliver(k)
			if err := r.settle(r.moved(idx, s)); err != nil {
				return err
			}
		}
	}
}

// status is the line that starts a test sync's report.
func (s *testStep) status() string {
	if s.quick {
		return "Quick check of " + s.draft.Connector.Name + " (one user type, no grants)…"
	}
	return "Running the " + s.draft.Connector.Name + " connector…"
}

// showProgress prints what changed since the last progress line: a new
// phase, more resources of a type, new warnings.
func (r *plainRunner) showProgress(p synclog.Progress) {
	if p.Phase != r.shown.Phase && p.Phase != synclog.PhaseUnknown {
		r.printf("phase: %s\n", p.Phase)
	}
	seen := map[string]int64{}
	for _, t := range r.shown.Types {
		seen[t.ResourceType] = t.Resources
	}
	for _, t := range p.Types {
		if t.Resources > seen[t.ResourceType] {
			r.printf("synced %d %s resources…\n", t.Resources, t.ResourceType)
		}
	}
	if p.Warnings > r.shown.Warnings {
		r.printf("%d warnings so far\n", p.Warnings)
	}
	r.shown = p
	r.shown.Types = append([]synclog.TypeProgress(nil), p.Types...)
}

// choose asks which of keys to press and returns that key.
func (r *plainRunner) choose(keys []key.Binding) (tea.KeyMsg, error) {
	var opts []huh.Option[int]
	for i, k := range keys {
		opts = append(opts, huh.NewOption(k.Help().Desc, i))
	}
	choice := 0
	sel := huh.NewSelect[int]().Title("What next?").Options(opts...).Value(&choice)
	if err := r.askField(sel); err != nil {
		return tea.KeyMsg{}, err
	}
	return keyMsg(keys[choice].Keys()[0]), nil
}

// keyMsg is the message bubbletea sends for the key named s.
func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// plainWriter drops every escape sequence: the prompts are styled by huh's
// theme, and the step views by the wizard's.
type plainWriter struct{ w io.Writer }

func (p plainWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, ansi.Strip(string(b))); err != nil {
		return 0, err
	}
	return len(b), nil
}
