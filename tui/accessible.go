package tui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/charmbracelet/bubbles/cursor"
	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/muesli/termenv"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/setup"
)

// RunAccessible runs the wizard as plain line prompts, for screen readers
// and terminals that cannot redraw: the same App and steps as the full
// screen, each step driven through what its Screen describes. Questions
// are asked one per prompt with their help first, a busy step reports in
// text lines, and a report is followed by its actions as numbered choices.
// Nothing it writes to out contains an escape sequence. in should be the
// terminal, so that secrets are read without echo.
func RunAccessible(ctx context.Context, deps Deps, p *plan.Plan, in io.Reader, out io.Writer) (*plan.Plan, *setup.Result, error) {
	// No colour, and no question to the terminal about its background:
	// lipgloss would send one the first time a theme's adaptive colour is
	// drawn, and its answer would arrive as typed input.
	lipgloss.SetColorProfile(termenv.Ascii)
	lipgloss.SetHasDarkBackground(true)
	if p == nil {
		p = &plan.Plan{}
	}
	a := newApp(ctx, deps, p, NewStyles(true))
	if err := runLines(ctx, a, in, out); err != nil {
		// Stops a running test sync or check.
		_ = a.quit()
		if errors.Is(err, context.Canceled) {
			err = ErrCancelled
		}
		return a.plan, nil, err
	}
	if a.err != nil {
		return a.plan, nil, a.err
	}
	return a.plan, a.result, nil
}

// runLines drives a with line prompts on in and out until its last screen.
func runLines(ctx context.Context, a *App, in io.Reader, out io.Writer) error {
	out = plainWriter{out}
	r := &lineRunner{ctx: ctx, app: a, prompt: newLinePrompter(ctx, in, out), out: out, msgs: make(chan tea.Msg, 64)}
	return r.run()
}

// lineRunner plays the part of the bubbletea runtime for the App: it runs
// the Cmds in the background and hands their messages back, but draws
// nothing. When the current step waits for the user, it asks on a line
// what the step's Screen describes, and answers the way a key press or a
// finished form would.
type lineRunner struct {
	ctx    context.Context
	app    *App
	prompt *linePrompter
	out    io.Writer
	// msgs carries the messages of the Cmds that ran; inflight counts the
	// Cmds still running.
	msgs     chan tea.Msg
	inflight int
	quit     bool
	// shown is the step whose title was printed last; status is its busy
	// status as printed, and logged how many of its log lines were.
	shown  step
	status string
	logged int
}

func (r *lineRunner) printf(format string, args ...any) { fmt.Fprintf(r.out, format, args...) }

func (r *lineRunner) run() error {
	r.exec(r.app.Init())
	for {
		sc, err := r.settle()
		if err != nil || r.quit {
			return err
		}
		switch sc.kind {
		case screenAsk:
			r.block(sc.text)
			if err := r.prompt.askPages(sc.pages); err != nil {
				return err
			}
			r.send(formSubmittedMsg{})
		case screenChoose:
			r.block(sc.text)
			k, err := r.choose(sc.actions)
			if err != nil {
				return err
			}
			r.send(k)
		case screenEnd:
			r.block(sc.text)
			return nil
		}
	}
}

// settle hands the App the messages of its Cmds until the current step
// waits for the user: no Cmd left running, and a screen that is not busy.
// A step that is busy with nothing running would wait forever; that is an
// error.
func (r *lineRunner) settle() (screen, error) {
	for {
		sc := r.look()
		if r.quit {
			return sc, nil
		}
		if r.inflight == 0 {
			if sc.kind == screenBusy {
				return sc, fmt.Errorf("run step %q: it waits, but nothing runs", r.app.cur.Title())
			}
			return sc, nil
		}
		select {
		case msg := <-r.msgs:
			r.inflight--
			r.deliver(msg)
		case <-r.ctx.Done():
			return sc, r.ctx.Err()
		}
	}
}

// look returns the current step's screen. It first prints the title of a
// step not shown before, and for a busy step its status when it changes
// and the lines it logged since the last look.
func (r *lineRunner) look() screen {
	cur := r.app.cur
	if cur != r.shown {
		title, profile := r.app.title()
		if profile != "" {
			title += " (profile " + profile + ")"
		}
		r.printf("\n%s\n\n", title)
		r.shown, r.status, r.logged = cur, "", 0
	}
	sc := cur.Screen()
	if sc.kind != screenBusy {
		r.status = ""
		return sc
	}
	if sc.text != r.status {
		r.block(sc.text)
		r.status = sc.text
	}
	for _, l := range sc.log[min(r.logged, len(sc.log)):] {
		r.printf("%s\n", l)
	}
	r.logged = len(sc.log)
	return sc
}

// block prints text, if any, and a blank line after it.
func (r *lineRunner) block(text string) {
	if t := strings.TrimRight(text, "\n"); t != "" {
		r.printf("%s\n\n", t)
	}
}

// exec runs cmd in the background; its message arrives on r.msgs.
func (r *lineRunner) exec(cmd tea.Cmd) {
	if cmd == nil {
		return
	}
	r.inflight++
	go func() { r.msgs <- cmd() }()
}

// deliver hands a Cmd's message to the App, as bubbletea would, but drops
// the frames of animations: a line has nothing to animate, and handling
// one would only ask for the next.
func (r *lineRunner) deliver(msg tea.Msg) {
	switch m := msg.(type) {
	case nil, spinner.TickMsg, cursor.BlinkMsg:
		return
	case tea.BatchMsg:
		for _, c := range m {
			r.exec(c)
		}
		return
	case tea.QuitMsg:
		r.quit = true
		return
	}
	if msg == cursor.Blink() {
		return
	}
	r.send(msg)
}

// send gives msg to the App and runs what it returns.
func (r *lineRunner) send(msg tea.Msg) {
	_, cmd := r.app.Update(msg)
	r.exec(cmd)
}

// choose asks which of actions to take, and returns its key.
func (r *lineRunner) choose(actions []key.Binding) (tea.KeyMsg, error) {
	var usable []key.Binding
	for _, k := range actions {
		if k.Enabled() && len(k.Keys()) > 0 {
			usable = append(usable, k)
		}
	}
	answer := "0"
	q := question{kind: askSelect, title: "What next?", value: &answer}
	for i, k := range usable {
		q.options = append(q.options, option{k.Help().Desc, strconv.Itoa(i)})
	}
	if err := r.prompt.ask(q); err != nil {
		return tea.KeyMsg{}, err
	}
	i, _ := strconv.Atoi(answer)
	return keyMsg(usable[i].Keys()[0]), nil
}

// keyMsg is the message bubbletea sends for the key named s.
func keyMsg(s string) tea.KeyMsg {
	switch s {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(s)}
}

// plainWriter drops every escape sequence: the steps' text is drawn with
// the wizard's styles.
type plainWriter struct{ w io.Writer }

func (p plainWriter) Write(b []byte) (int, error) {
	if _, err := io.WriteString(p.w, ansi.Strip(string(b))); err != nil {
		return 0, err
	}
	return len(b), nil
}
