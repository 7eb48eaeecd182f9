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

	"github.com/charmbracelet/bubbles/help"
	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/conductorone/baton-setup/internal/awsconf"
	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/setup"
	"github.com/conductorone/baton-setup/internal/testsync"
	"github.com/conductorone/baton-setup/internal/upload"
	"github.com/conductorone/baton-setup/internal/verify"
)

// Deps are the wizard's side effects.
type Deps struct {
	Connectors func() []discover.Found
	LoadSchema func(ctx context.Context, f discover.Found) (*schema.Schema, error)
	StartTest  func(ctx context.Context, p *plan.Plan) (*testsync.Sync, error)
	// StartQuick starts a quick credentials check; nil hides the option.
	StartQuick func(ctx context.Context, p *plan.Plan) (*testsync.Sync, error)
	FinishTest func(ctx context.Context, run *testsync.Sync) testsync.Outcome
	// Apply writes the plan's files and installs what it asks for, as
	// baton-setup generate does.
	Apply         func(ctx context.Context, p *plan.Plan) (setup.Result, error)
	DefaultOutDir func(profile string) (string, error)
	Getenv        func(string) string
	// Getwd is where relative paths typed into the settings are relative
	// to; nil leaves them as typed.
	Getwd        func() (string, error)
	Now          func() time.Time
	RandomMinute func() int
	// AWSProfiles lists the AWS shared-config profiles for the upload's
	// credentials; nil lists none.
	AWSProfiles func() []awsconf.Profile
	// Preflight checks an S3 destination before it is scheduled; nil skips
	// the check.
	Preflight func(ctx context.Context, d plan.Destination) (upload.Report, error)
	// Install installs a missing connector from the picker.
	Install InstallDeps
	// Preview works out what Apply would write and do, without touching
	// anything; nil shows none.
	Preview func(ctx context.Context, p *plan.Plan) (setup.Result, error)
	// Verify runs the written sync.sh as its schedule will and proves what
	// it delivered, as baton-setup verify does; progress gets each line as
	// it comes. nil offers no such run.
	Verify func(ctx context.Context, p *plan.Plan, progress func(line string)) (verify.Result, error)
	// Home lists the saved setups and acts on them; the wizard opens on
	// them when there are some and it has no plan to edit.
	Home HomeDeps
	// Command is how the user's shell runs the baton-setup at path, for
	// the commands the wizard prints: its name when PATH finds that very
	// program, else its path. An empty path means this baton-setup as it
	// will stay (a `go run` build's stable copy). nil prints the name.
	Command func(path string) string
}

// command is the word that starts a printed baton-setup command for the
// baton-setup at path (see Deps.Command).
func (d Deps) command(path string) string {
	if d.Command == nil {
		return "baton-setup"
	}
	return d.Command(path)
}

// ErrCancelled is returned when the user leaves the wizard before the end.
var ErrCancelled = errors.New("wizard cancelled")

// stepDoneMsg finishes a step with its edited draft, and the review step
// with what it wrote.
type stepDoneMsg struct {
	plan   *plan.Plan
	result *setup.Result
}

// stepBackMsg returns to the previous step, dropping the draft. focus names
// a question of that step to open on, and why says why: a failed test
// sends back to the setting its error names.
type stepBackMsg struct{ focus, why string }

// generatedMsg carries the result of writing the files, and the plan as
// generate left it (it may point the connector at a stable copy).
type generatedMsg struct {
	plan *plan.Plan
	res  setup.Result
	err  error
}

// step is one screen of the wizard. The full screen draws View; any front
// end can drive it through Screen instead (see screen.go).
type step interface {
	Init() tea.Cmd
	Update(msg tea.Msg) (step, tea.Cmd)
	View() string
	Title() string
	// Keys are the step's own keys in its current state, for the footer.
	Keys() []key.Binding
	// Screen describes what the step shows now for any front end.
	Screen() screen
}

// formed is a step made of a huh form (it embeds formStep).
type formed interface{ base() *formStep }

// keyTaker is a step with its own text entry that wants some of the App's
// keys (q, ?, Esc) in its current state.
type keyTaker interface{ takesKey(tea.KeyMsg) bool }

// closer is a step holding something to release when it is left.
type closer interface{ Close() }

// focuser is a step that can open on one of its questions, saying why.
type focuser interface{ focusOn(key, why string) }

// stepHome is the saved setups, before the numbered steps.
const stepHome = -1

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
	result  *setup.Result
	err     error
	keys    appKeys
	help    help.Model
	// touched is set once a step was submitted: leaving then loses answers,
	// so it asks first.
	touched bool
	// confirming shows the "quit without writing?" dialog.
	confirming bool
	// home is set when the wizard opened on the saved setups, which Esc
	// on the first step goes back to; aside is set while the current step
	// is an action started there (a test), which ends back there too.
	home  bool
	aside bool
	// notes are shown on the first step of an edit: what changed in the
	// setup's connector since it was written.
	notes []string
	// sized is set once the terminal told its size.
	sized bool
}

// New returns the wizard model, starting from p (which may be empty).
func New(ctx context.Context, deps Deps, p *plan.Plan) *App {
	if p == nil {
		p = &plan.Plan{}
	}
	return newApp(ctx, deps, p, NewStyles(lipgloss.HasDarkBackground()))
}

// newApp is New with the styles given: the line prompts must not ask the
// terminal for its background.
func newApp(ctx context.Context, deps Deps, p *plan.Plan, st Styles) *App {
	if p == nil {
		p = &plan.Plan{}
	}
	a := &App{ctx: ctx, deps: deps, styles: st, plan: p, width: 80, height: 24, keys: newAppKeys(), help: newHelp(st)}
	if len(deps.Home.Saved) > 0 && p.Profile == "" && !p.HasConnector() {
		a.home, a.idx = true, stepHome
		a.cur = a.makeStep(stepHome, p)
		return a
	}
	a.cur = a.makeStep(stepConnector, p)
	return a
}

// Run starts the full-screen wizard and returns the final plan and what was
// generated.
func Run(ctx context.Context, deps Deps, p *plan.Plan, opts ...tea.ProgramOption) (*plan.Plan, *setup.Result, error) {
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
	case stepHome:
		return newHomeStep(a.ctx, a.deps, a.styles)
	case stepConnector:
		s := newConnectorStep(a.ctx, a.deps, a.styles, draft)
		s.notes, a.notes = a.notes, nil
		return s
	case stepCredentials:
		return newCredentialsStep(a.styles, draft)
	case stepTest:
		return newTestStep(a.ctx, a.deps, a.styles, draft)
	case stepDestination:
		return newDestinationStep(a.ctx, a.deps, a.styles, draft)
	case stepSchedule:
		return newScheduleStep(a.deps, a.styles, draft)
	case stepReview:
		return newReviewStep(a.ctx, a.deps, a.styles, draft)
	default:
		return newDoneStep(a.ctx, a.deps, a.styles, draft, a.result)
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
	return a.enterStep(i, a.makeStep(i, from))
}

// enterStep makes s, built for step i, the current step.
func (a *App) enterStep(i int, s step) tea.Cmd {
	if c, ok := a.cur.(closer); ok {
		c.Close()
	}
	a.idx = i
	a.cur = s
	init := a.cur.Init()
	var size tea.Cmd
	a.cur, size = a.cur.Update(a.bodySize())
	return tea.Batch(init, size)
}

// bodySize is the part of the window a step may draw in: all but the
// header, two blank lines and the key help.
func (a *App) bodySize() tea.WindowSizeMsg {
	chrome := 3 + lipgloss.Height(a.footerView())
	return tea.WindowSizeMsg{Width: a.width, Height: max(a.height-chrome, 1)}
}

// stepTakes reports whether msg belongs to the current step even though
// the App has a use for it: text typed into a field, and Esc while a
// picker clears its filter.
func (a *App) stepTakes(msg tea.KeyMsg) bool {
	switch s := a.cur.(type) {
	case keyTaker:
		return s.takesKey(msg)
	case formed:
		if msg.Type == tea.KeyEsc {
			return s.base().fieldBinds(msg)
		}
		return s.base().typing()
	}
	return false
}

// goHome returns to the saved setups, dropping what was answered since.
func (a *App) goHome() tea.Cmd {
	a.plan, a.history, a.touched, a.aside = &plan.Plan{}, nil, false, false
	return a.enter(stepHome)
}

// leave quits, after asking when answers would be lost.
func (a *App) leave() tea.Cmd {
	if a.touched && a.idx != stepDone && a.idx != stepHome {
		a.confirming = true
		return nil
	}
	return a.quit()
}

// quit stops whatever the step runs and ends the program.
func (a *App) quit() tea.Cmd {
	if c, ok := a.cur.(closer); ok {
		c.Close()
	}
	if a.idx != stepDone && a.idx != stepHome {
		a.err = ErrCancelled
	}
	return tea.Quit
}

// handleKey takes the keys that belong to the App rather than the step;
// it reports false for every other key.
func (a *App) handleKey(msg tea.KeyMsg) (tea.Cmd, bool) {
	k := a.keys
	if a.confirming {
		switch {
		case key.Matches(msg, k.Yes):
			return a.quit(), true
		case key.Matches(msg, k.No):
			a.confirming = false
		}
		return nil, true
	}
	if t, ok := a.cur.(keyTaker); ok && !key.Matches(msg, k.Quit) && t.takesKey(msg) {
		return nil, false
	}
	if key.Matches(msg, k.Quit) {
		return a.leave(), true
	}
	if a.stepTakes(msg) {
		return nil, false
	}
	switch {
	case key.Matches(msg, k.QuitQ) && a.idx != stepDone:
		return a.leave(), true
	case key.Matches(msg, k.Help):
		a.help.ShowAll = !a.help.ShowAll
		var cmd tea.Cmd
		a.cur, cmd = a.cur.Update(a.bodySize())
		return cmd, true
	case key.Matches(msg, k.Leave) && a.idx == stepConnector && a.home:
		return a.goHome(), true
	case key.Matches(msg, k.Leave) && (a.idx == stepConnector || a.idx == stepHome):
		return a.leave(), true
	}
	return nil, false
}

// Update routes messages to the current step and moves between steps.
func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		resized := a.sized && (msg.Width != a.width || msg.Height != a.height)
		a.width, a.height, a.sized = msg.Width, msg.Height, true
		var cmd tea.Cmd
		a.cur, cmd = a.cur.Update(a.bodySize())
		if resized {
			// The terminal re-wraps what is on screen to the new width, so
			// the lines the renderer counts to move back over are no longer
			// the lines there: the next frame would start below the old one.
			// Clearing lets it draw from the top.
			cmd = tea.Batch(tea.ClearScreen, cmd)
		}
		return a, cmd
	case tea.KeyMsg:
		if cmd, ok := a.handleKey(msg); ok {
			return a, cmd
		}
	case homeEditMsg:
		a.plan, a.history, a.notes = msg.plan, nil, msg.notes
		return a, a.enter(stepConnector)
	case homeNewMsg:
		a.plan, a.history = &plan.Plan{}, nil
		return a, a.enter(stepConnector)
	case homeTestMsg:
		a.aside, a.plan = true, msg.plan
		return a, a.enterStep(stepTest, newStandaloneTestStep(a.ctx, a.deps, a.styles, msg.plan))
	case homeQuitMsg:
		return a, a.quit()
	case stepDoneMsg:
		if a.aside {
			return a, a.goHome()
		}
		a.touched = true
		if a.idx == stepCredentials && a.deps.Getwd != nil {
			// The connector never runs where the wizard was started.
			if wd, err := a.deps.Getwd(); err == nil {
				setup.AbsolutePaths(msg.plan, wd)
			}
		}
		a.history = append(a.history, a.plan)
		a.plan = msg.plan
		if msg.result != nil {
			a.result = msg.result
		}
		if a.idx == stepDone {
			return a, tea.Quit
		}
		return a, a.enter(a.next(a.idx))
	case stepBackMsg:
		if a.aside || (a.idx == stepConnector && a.home) {
			return a, a.goHome()
		}
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
		i := prev(a.idx, submitted)
		s := a.makeStep(i, submitted)
		if f, ok := s.(focuser); ok && msg.focus != "" {
			f.focusOn(msg.focus, msg.why)
		}
		return a, a.enterStep(i, s)
	}
	var cmd tea.Cmd
	a.cur, cmd = a.cur.Update(msg)
	return a, cmd
}

// skipped reports whether step i has nothing to ask for plan p: service
// mode has no schedule, since the connector takes its tasks from
// ConductorOne.
func skipped(i int, p *plan.Plan) bool {
	return i == stepSchedule && p.Mode == plan.ModeService
}

// next is the step after i for the current plan.
func (a *App) next(i int) int {
	i++
	for skipped(i, a.plan) {
		i++
	}
	return i
}

// prev is the step before i for the plan submitted so far.
func prev(i int, submitted *plan.Plan) int {
	i--
	for i > stepConnector && skipped(i, submitted) {
		i--
	}
	return i
}

// title is the header's text: "Step N/M · Title", counting only the steps
// of the plan's mode, and the profile once a connector is chosen.
func (a *App) title() (step, profile string) {
	switch {
	case a.idx == stepHome:
		return "baton-setup · " + a.cur.Title(), ""
	case a.aside:
		return a.cur.Title(), a.plan.Profile
	}
	n, total := a.idx+1, stepCount
	for i := range stepCount {
		if skipped(i, a.plan) {
			total--
			if i < a.idx {
				n--
			}
		}
	}
	step = fmt.Sprintf("Step %d/%d · %s", n, total, a.cur.Title())
	if name := a.plan.Connector.Name; name != "" {
		profile = a.plan.Profile
		if profile == "" {
			profile = name
		}
	}
	return step, profile
}

// footerKeys are the keys the footer lists: the step's, then the App's.
func (a *App) footerKeys() footer {
	k := a.keys
	if a.confirming {
		return footer{app: []key.Binding{k.Yes, k.No}}
	}
	f := footer{step: a.cur.Keys()}
	switch _, ok := a.cur.(formed); {
	case a.idx == stepHome:
		f.app = append(f.app, k.QuitQ)
	case a.idx == stepConnector && a.home && !a.stepTakes(tea.KeyMsg{Type: tea.KeyEsc}):
		f.app = append(f.app, k.Back)
	case a.idx == stepConnector && !a.stepTakes(tea.KeyMsg{Type: tea.KeyEsc}):
		f.app = append(f.app, k.Leave)
	case ok && !a.stepTakes(keyMsg("esc")):
		f.app = append(f.app, k.Back)
	}
	// ? and q are offered only where they are not typed into a field.
	if !a.stepTakes(keyMsg("?")) {
		help := k.Help
		if a.help.ShowAll {
			help.SetHelp("?", "fewer keys")
		}
		f.app = append(f.app, help)
	}
	f.app = append(f.app, k.Quit)
	if a.help.ShowAll && a.idx != stepDone && !a.stepTakes(keyMsg("q")) {
		f.app = append(f.app, k.QuitQ)
	}
	return f
}

func (a *App) footerView() string {
	a.help.Width = a.width
	return a.help.View(a.footerKeys())
}

// confirmView is the dialog shown in place of the step when leaving would
// lose answers.
func (a *App) confirmView() string {
	text := a.styles.Label.Render("Quit without writing the files?") + "\n" +
		"The answers given so far are lost; nothing has been written.\n\n" +
		"y quit · n stay"
	return a.styles.Dialog.Render(text)
}

// View draws the header, the current step and the key help, each line
// wrapped to the window's width: the terminal would cut longer lines off.
func (a *App) View() string {
	var b strings.Builder
	title, profile := a.title()
	b.WriteString(a.styles.Header.Render(title))
	if profile != "" {
		b.WriteString(a.styles.Muted.Render("  profile " + profile))
	}
	b.WriteString("\n\n")
	if a.confirming {
		b.WriteString(a.confirmView())
	} else {
		b.WriteString(strings.TrimRight(a.cur.View(), "\n"))
	}
	b.WriteString("\n\n")
	b.WriteString(a.footerView())
	return fit(b.String(), a.width)
}

// noWrap starts a line that fit leaves whole, such as a crontab entry: a
// wrapped one pastes as two broken lines. It is an escape sequence that
// terminals ignore and fit removes, so a line front end never shows it.
const noWrap = "\x1b_baton-setup:nowrap\x1b\\"

// fit wraps every line of s that is wider than width, at spaces where it
// can and inside words where it must; lines marked noWrap stay whole.
func fit(s string, width int) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		if rest, ok := strings.CutPrefix(l, noWrap); ok {
			lines[i] = rest
			continue
		}
		if width > 0 && ansi.StringWidth(l) > width {
			lines[i] = ansi.Wrap(l, width, "")
		}
	}
	return strings.Join(lines, "\n")
}
