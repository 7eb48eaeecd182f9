// Package tui is baton-setup's interactive wizard: one small bubbletea model
// per step, routed by App, each editing a draft copy of the Plan. Side
// effects come in through Deps and run only inside tea.Cmds.
package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/generate"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/runner"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/synctest"
)

// Deps are the wizard's side effects.
type Deps struct {
	Connectors func() []discover.Found
	LoadSchema func(ctx context.Context, f discover.Found) (*schema.Schema, error)
	StartTest  func(ctx context.Context, p *plan.Plan) (*runner.Run, error)
	// StartQuick starts a quick credentials check; nil hides the option.
	StartQuick    func(ctx context.Context, p *plan.Plan) (*runner.Run, error)
	FinishTest    func(ctx context.Context, run *runner.Run) synctest.Outcome
	Generate      func(ctx context.Context, p *plan.Plan) (generate.Result, error)
	DefaultOutDir func(profile string) (string, error)
	Getenv        func(string) string
	Now           func() time.Time
	RandomMinute  func() int
}

// ErrCancelled is returned when the user leaves the wizard before the end.
var ErrCancelled = errors.New("wizard cancelled")

// stepDoneMsg finishes a step with its edited draft, and the review step
// with what it wrote.
type stepDoneMsg struct {
	plan   *plan.Plan
	result *generate.Result
}

// stepBackMsg returns to the previous step, dropping the draft.
type stepBackMsg struct{}

// generatedMsg carries the result of writing the files, and the plan as
// generate left it (it may point the connector at a stable copy).
type generatedMsg struct {
	plan *plan.Plan
	res  generate.Result
	err  error
}

// step is one screen of the wizard.
type step interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (step, tea.Cmd)
	View() string
	Title() string
	// Help is the key line shown in the footer.
	Help() string
}

// closer is a step holding something to release when it is left.
type closer interface{ Close() }

const (
	stepConnector = iota
	stepCredentials
	stepTest
	stepDestination
	stepSchedule
	stepReview
	stepDone
	stepCount
)

// App routes between the steps and keeps the plan history for Back.
type App struct {
	ctx     context.Context
	deps    Deps
	styles  Styles
	plan    *plan.Plan
	history []*plan.Plan
	idx     int
	cur     step
	width   int
	height  int
	result  *generate.Result
	err     error
}

// New returns the wizard model, starting from p (which may be empty).
func New(ctx context.Context, deps Deps, p *plan.Plan) *App {
	if p == nil {
		p = &plan.Plan{}
	}
	a := &App{ctx: ctx, deps: deps, styles: NewStyles(lipgloss.HasDarkBackground()), plan: p, width: 80, height: 24}
	a.cur = a.makeStep(stepConnector, p)
	return a
}

// Run starts the full-screen wizard and returns the final plan and what was
// generated.
func Run(ctx context.Context, deps Deps, p *plan.Plan, opts ...tea.ProgramOption) (*plan.Plan, *generate.Result, error) {
	a := New(ctx, deps, p)
	opts = append([]tea.ProgramOption{tea.WithContext(ctx)}, opts...)
	final, err := tea.NewProgram(a, opts...).Run()
	if err != nil {
		if errors.Is(err, tea.ErrProgramKilled) || errors.Is(err, context.Canceled) {
			return nil, nil, ErrCancelled
		}
		return nil, nil, fmt.Errorf("run wizard: %w", err)
	}
	fa := final.(*App)
	if fa.err != nil {
		return fa.plan, nil, fa.err
	}
	return fa.plan, fa.result, nil
}

// makeStep builds step i editing a copy of from.
func (a *App) makeStep(i int, from *plan.Plan) step {
	draft := from.Clone()
	switch i {
	case stepConnector:
		return newConnectorStep(a.ctx, a.deps, a.styles, draft)
	case stepCredentials:
		return newCredentialsStep(a.styles, draft)
	case stepTest:
		return newTestStep(a.ctx, a.deps, a.styles, draft)
	case stepDestination:
		return newDestinationStep(a.deps, a.styles, draft)
	case stepSchedule:
		return newScheduleStep(a.deps, a.styles, draft)
	case stepReview:
		return newReviewStep(a.ctx, a.deps, a.styles, draft)
	default:
		return newDoneStep(a.styles, draft, a.result)
	}
}

// Init starts the first step.
func (a *App) Init() tea.Cmd {
	return tea.Batch(a.cur.Init(), tea.WindowSize())
}

// enter moves to step i, editing the current plan.
func (a *App) enter(i int) tea.Cmd { return a.enterWith(i, a.plan) }

// enterWith moves to step i, editing a copy of from, and lays it out for
// the current window before its first frame.
func (a *App) enterWith(i int, from *plan.Plan) tea.Cmd {
	if c, ok := a.cur.(closer); ok {
		c.Close()
	}
	a.idx = i
	a.cur = a.makeStep(i, from)
	init := a.cur.Init()
	var size tea.Cmd
	a.cur, size = a.cur.Update(a.bodySize())
	return tea.Batch(init, size)
}

// Lines of the screen that are not the step's own: the header, a blank
// line, a blank line and the key help.
const chromeLines = 4

// bodySize is the part of the window a step may draw in.
func (a *App) bodySize() tea.WindowSizeMsg {
	return tea.WindowSizeMsg{Width: a.width, Height: max(a.height-chromeLines, 1)}
}

// Update routes messages to the current step and moves between steps.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.width, a.height = msg.Width, msg.Height
		var cmd tea.Cmd
		a.cur, cmd = a.cur.Update(a.bodySize())
		return a, cmd
	case tea.KeyMsg:
		if msg.String() == "ctrl+c" {
			if c, ok := a.cur.(closer); ok {
				c.Close()
			}
			if a.idx != stepDone {
				a.err = ErrCancelled
			}
			return a, tea.Quit
		}
	case stepDoneMsg:
		a.history = append(a.history, a.plan)
		a.plan = msg.plan
		if msg.result != nil {
			a.result = msg.result
		}
		if a.idx == stepDone {
			return a, tea.Quit
		}
		return a, a.enter(a.idx + 1)
	case stepBackMsg:
		if a.idx == stepConnector {
			return a, nil
		}
		// The previous step edits what it submitted, so its answers are
		// kept; the plan goes back to what that step started from.
		submitted := a.plan
		if n := len(a.history); n > 0 {
			a.plan = a.history[n-1]
			a.history = a.history[:n-1]
		}
		return a, a.enterWith(a.idx-1, submitted)
	}
	var cmd tea.Cmd
	a.cur, cmd = a.cur.Update(msg)
	return a, cmd
}

// View draws the header, the current step and the key help, each line
// wrapped to the window's width: the terminal would cut longer lines off.
func (a *App) View() string {
	var b strings.Builder
	title := fmt.Sprintf("Step %d/%d · %s", a.idx+1, stepCount, a.cur.Title())
	b.WriteString(a.styles.Header.Render(title))
	if name := a.plan.Connector.Name; name != "" {
		profile := a.plan.Profile
		if profile == "" {
			profile = name
		}
		b.WriteString(a.styles.Muted.Render("  profile " + profile))
	}
	b.WriteString("\n\n")
	b.WriteString(strings.TrimRight(a.cur.View(), "\n"))
	b.WriteString("\n\n")
	b.WriteString(a.styles.Help.Render(a.cur.Help() + " · ctrl+c quit"))
	return fit(b.String(), a.width)
}

// fit wraps every line of s that is wider than width, at spaces where it
// can and inside words where it must.
func fit(s string, width int) string {
	if width <= 0 {
		return s
	}
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if ansi.StringWidth(l) > width {
			lines[i] = ansi.Wrap(l, width, "")
		}
	}
	return strings.Join(lines, "\n")
}
