package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/setup"
)

// HomeDeps are the side effects of the home screen, which lists the saved
// setups and acts on them. Without Saved there is no home screen.
type HomeDeps struct {
	// Saved are the setups found when the wizard started. When there are
	// some, a wizard started without a plan to edit opens on them.
	Saved []Saved
	// List reads the saved setups again, after one changed.
	List func() ([]Saved, error)
	// State fills in what takes a moment to learn from local files and
	// the crontab: whether each setup is scheduled, its last run and its
	// last upload. It never asks the network.
	State func(ctx context.Context, saved []Saved) []Saved
	// Drift compares a setup's connector as installed now with what the
	// setup recorded of it; it may run the connector's --version and
	// config.
	Drift func(ctx context.Context, name string) (plan.Drift, error)
	// Load reads a saved setup as the wizard edits it, its secrets
	// included, with notes on what changed since it was written.
	Load func(ctx context.Context, name string) (*plan.Plan, []string, error)
	// Schedule installs or removes a setup's crontab entry and says what
	// it did; for a systemd timer it says which commands to run.
	Schedule func(ctx context.Context, name string, install bool) (string, error)
	// Remove takes a setup out of use, keeping its files under the
	// config directory.
	Remove func(ctx context.Context, name string) (setup.Removed, error)
	// RunScheduled runs a setup's sync now, as its schedule will, and
	// returns the outcome in a sentence: what was delivered, or the cause
	// and the fix. It sends progress on lines as it goes and never after
	// it returns. nil hides the action.
	RunScheduled func(ctx context.Context, name string, lines chan<- string) (string, error)
}

// Saved is one saved setup as the home screen shows it.
type Saved struct {
	Name string
	Dir  string
	// Connector is the connector's name, and Version its version as the
	// setup recorded it.
	Connector string
	Version   string
	// Destination is where each sync goes, "" in service mode.
	Destination string
	Service     bool
	Systemd     bool
	Cron        string

	// Checked is set once State filled in the rest.
	Checked   bool
	Installed bool
	// LastRun and LastResult are from sync.log; LastResult names the
	// cause of a failed run.
	LastRun    time.Time
	LastResult string
	// LastUpload is when the last sync was delivered to S3, as this
	// machine recorded it.
	LastUpload time.Time
}

// The home screen's messages to the App.
type (
	// homeEditMsg opens the wizard on a saved setup.
	homeEditMsg struct {
		plan  *plan.Plan
		notes []string
	}
	// homeTestMsg runs a test sync of a saved setup, then comes back.
	homeTestMsg struct{ plan *plan.Plan }
	// homeNewMsg opens the wizard on a new setup.
	homeNewMsg struct{}
	// homeQuitMsg leaves the wizard.
	homeQuitMsg struct{}
)

// The home screen's own messages.
type (
	homeStateMsg struct{ saved []Saved }
	homeDriftMsg struct{ drift map[string]driftResult }
	homeListMsg  struct {
		saved []Saved
		err   error
	}
	homeLoadedMsg struct {
		action string
		plan   *plan.Plan
		notes  []string
		err    error
	}
	homeDoneMsg struct {
		notice string
		err    error
	}
	homeRunStartedMsg struct {
		lines <-chan string
		done  <-chan homeRunDoneMsg
	}
	homeRunLineMsg struct{ line string }
	homeRunDoneMsg struct {
		summary string
		err     error
	}
)

type driftResult struct {
	drift plan.Drift
	err   error
}

// Home actions, as the line prompts name them.
const (
	actEdit     = "edit"
	actTest     = "test"
	actRun      = "run"
	actSchedule = "schedule"
	actRemove   = "remove"
	actBack     = "back"
	choiceNew   = "new"
	choiceQuit  = "quit"
)

type homeMode int

const (
	homeList    homeMode = iota
	homeActions          // the line prompts ask what to do with the chosen setup
	homeConfirm          // remove the chosen setup?
	homeBusy
)

// homeStep lists the saved setups: what each is, whether it is scheduled,
// how its last run went and whether its connector changed since; and it
// acts on the chosen one or starts a new setup.
type homeStep struct {
	ctx    context.Context
	deps   HomeDeps
	styles Styles

	saved []Saved
	drift map[string]driftResult
	// cursor is an index into saved; len(saved) is "set up a new connector".
	cursor int
	mode   homeMode
	// choice and action are the line prompts' answers.
	choice string
	action string
	notice string
	bad    bool
	status string
	log    []string
	run    homeRunStartedMsg
	now    func() time.Time
	width  int
	height int
	// self starts the commands it prints (see Deps.Command).
	self string
}

func newHomeStep(ctx context.Context, deps Deps, st Styles) *homeStep {
	now := deps.Now
	if now == nil {
		now = time.Now
	}
	return &homeStep{ctx: ctx, deps: deps.Home, styles: st, saved: deps.Home.Saved, now: now, width: 80, height: 20, self: deps.command("")}
}

func (s *homeStep) Title() string { return "Your setups" }

// takesKey keeps the App's Esc and q for the confirmation, where they
// answer it.
func (s *homeStep) takesKey(msg tea.KeyMsg) bool {
	return s.mode == homeConfirm && (msg.Type == tea.KeyEsc || msg.Type == tea.KeyRunes)
}

// Init learns each setup's state and whether its connector changed, in
// the background: the first frame shows what plan.json says.
func (s *homeStep) Init() tea.Cmd { return tea.Batch(s.stateCmd(s.saved), s.driftCmd(s.saved)) }

func (s *homeStep) stateCmd(saved []Saved) tea.Cmd {
	if s.deps.State == nil {
		return nil
	}
	ctx, state := s.ctx, s.deps.State
	saved = append([]Saved(nil), saved...)
	return func() tea.Msg { return homeStateMsg{saved: state(ctx, saved)} }
}

func (s *homeStep) driftCmd(saved []Saved) tea.Cmd {
	if s.deps.Drift == nil {
		return nil
	}
	ctx, drift := s.ctx, s.deps.Drift
	var names []string
	for _, sv := range saved {
		names = append(names, sv.Name)
	}
	return func() tea.Msg {
		out := map[string]driftResult{}
		for _, n := range names {
			d, err := drift(ctx, n)
			out[n] = driftResult{d, err}
		}
		return homeDriftMsg{drift: out}
	}
}

// refresh lists the setups again after a change, then their state.
func (s *homeStep) refresh() tea.Cmd {
	if s.deps.List == nil {
		return nil
	}
	list := s.deps.List
	return func() tea.Msg {
		saved, err := list()
		return homeListMsg{saved: saved, err: err}
	}
}

// chosen is the setup under the cursor, or nil on "set up a new connector".
func (s *homeStep) chosen() *Saved {
	if s.cursor < len(s.saved) {
		return &s.saved[s.cursor]
	}
	return nil
}

var homeKeys = struct {
	Move, Edit, Test, Run, Schedule, Remove, New, Pick, Yes, No key.Binding
}{
	Move:     key.NewBinding(key.WithKeys("up", "down", "k", "j"), key.WithHelp("↑/↓", "choose")),
	Edit:     key.NewBinding(key.WithKeys("enter", "e"), key.WithHelp("enter", "edit")),
	Test:     key.NewBinding(key.WithKeys("t"), key.WithHelp("t", "test now")),
	Run:      key.NewBinding(key.WithKeys("r"), key.WithHelp("r", "run now as the schedule will")),
	Schedule: key.NewBinding(key.WithKeys("s"), key.WithHelp("s", "install the schedule")),
	Remove:   key.NewBinding(key.WithKeys("x"), key.WithHelp("x", "remove")),
	New:      key.NewBinding(key.WithKeys("n"), key.WithHelp("n", "new connector")),
	Pick:     key.NewBinding(key.WithKeys("enter", "n"), key.WithHelp("enter", "set up a new connector")),
	Yes:      key.NewBinding(key.WithKeys("y"), key.WithHelp("y", "remove it (its files are kept aside)")),
	No:       key.NewBinding(key.WithKeys("n", "esc"), key.WithHelp("n", "keep it")),
}

// actions are what can be done with sv, in the order they are offered;
// an action whose side effect is missing from HomeDeps is not.
func (s *homeStep) actions(sv Saved) []string {
	var acts []string
	if s.deps.Load != nil {
		acts = append(acts, actEdit, actTest)
	}
	if s.deps.RunScheduled != nil && !sv.Service {
		acts = append(acts, actRun)
	}
	if s.deps.Schedule != nil && !sv.Service {
		acts = append(acts, actSchedule)
	}
	if s.deps.Remove != nil {
		acts = append(acts, actRemove)
	}
	return acts
}

// scheduleKey is the schedule action as it applies to sv.
func scheduleKey(sv Saved) key.Binding {
	k := homeKeys.Schedule
	switch {
	case sv.Systemd:
		k.SetHelp("s", "how to enable the timer")
	case sv.Installed:
		k.SetHelp("s", "remove the schedule")
	}
	return k
}

// Keys are the home screen's keys for the row under the cursor.
func (s *homeStep) Keys() []key.Binding {
	k := homeKeys
	switch s.mode {
	case homeConfirm:
		return []key.Binding{k.Yes, k.No}
	case homeBusy:
		return nil
	}
	sv := s.chosen()
	if sv == nil {
		return []key.Binding{k.Move, k.Pick}
	}
	out := []key.Binding{k.Move}
	for _, a := range s.actions(*sv) {
		switch a {
		case actEdit:
			out = append(out, k.Edit)
		case actTest:
			out = append(out, k.Test)
		case actRun:
			out = append(out, k.Run)
		case actSchedule:
			out = append(out, scheduleKey(*sv))
		case actRemove:
			out = append(out, k.Remove)
		}
	}
	return append(out, k.New)
}

func (s *homeStep) Update(msg tea.Msg) (step, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		s.width, s.height = msg.Width, msg.Height
	case homeStateMsg:
		s.merge(msg.saved)
	case homeDriftMsg:
		s.drift = msg.drift
	case homeListMsg:
		if msg.err != nil {
			s.notice, s.bad = "Could not list the saved setups: "+msg.err.Error(), true
			return s, nil
		}
		s.saved = msg.saved
		s.cursor = min(s.cursor, len(s.saved))
		return s, s.stateCmd(s.saved)
	case homeLoadedMsg:
		return s, s.loaded(msg)
	case homeDoneMsg:
		s.mode, s.status = homeList, ""
		if msg.err != nil {
			s.notice, s.bad = errorText(msg.err), true
			return s, nil
		}
		s.notice, s.bad = msg.notice, false
		return s, s.refresh()
	case homeRunStartedMsg:
		s.run = msg
		return s, s.nextRunLine()
	case homeRunLineMsg:
		s.log = append(s.log, msg.line)
		return s, s.nextRunLine()
	case homeRunDoneMsg:
		s.mode, s.status = homeList, ""
		if msg.err != nil {
			s.notice, s.bad = errorText(msg.err), true
		} else {
			s.notice, s.bad = msg.summary, false
		}
		return s, s.stateCmd(s.saved)
	case formSubmittedMsg:
		return s, s.answered()
	case tea.KeyMsg:
		return s, s.key(msg)
	}
	return s, nil
}

// merge takes State's facts for the setups still listed.
func (s *homeStep) merge(saved []Saved) {
	for _, sv := range saved {
		for i := range s.saved {
			if s.saved[i].Name == sv.Name {
				s.saved[i] = sv
			}
		}
	}
}

func (s *homeStep) key(msg tea.KeyMsg) tea.Cmd {
	k := homeKeys
	switch s.mode {
	case homeConfirm:
		switch {
		case key.Matches(msg, k.Yes):
			return s.remove(s.chosen().Name)
		case key.Matches(msg, k.No):
			s.mode = homeList
		}
		return nil
	case homeBusy, homeActions:
		return nil
	}
	switch msg.String() {
	case "up", "k":
		s.cursor = max(s.cursor-1, 0)
		return nil
	case "down", "j":
		s.cursor = min(s.cursor+1, len(s.saved))
		return nil
	}
	sv := s.chosen()
	if sv == nil {
		if key.Matches(msg, k.Pick) {
			return func() tea.Msg { return homeNewMsg{} }
		}
		return nil
	}
	if key.Matches(msg, k.New) {
		return func() tea.Msg { return homeNewMsg{} }
	}
	for _, a := range s.actions(*sv) {
		var b key.Binding
		switch a {
		case actEdit:
			b = k.Edit
		case actTest:
			b = k.Test
		case actRun:
			b = k.Run
		case actSchedule:
			b = k.Schedule
		case actRemove:
			b = k.Remove
		}
		if key.Matches(msg, b) {
			return s.act(a, *sv)
		}
	}
	return nil
}

// act starts action a on sv.
func (s *homeStep) act(a string, sv Saved) tea.Cmd {
	s.notice, s.log = "", nil
	switch a {
	case actEdit, actTest:
		s.mode, s.status = homeBusy, "Reading the setup "+sv.Name+"…"
		ctx, load := s.ctx, s.deps.Load
		return func() tea.Msg {
			p, notes, err := load(ctx, sv.Name)
			return homeLoadedMsg{action: a, plan: p, notes: notes, err: err}
		}
	case actRun:
		s.mode, s.status = homeBusy, "Running "+sv.Name+" as its schedule will…"
		ctx, run, name := s.ctx, s.deps.RunScheduled, sv.Name
		return func() tea.Msg {
			lines := make(chan string, 64)
			done := make(chan homeRunDoneMsg, 1)
			go func() {
				summary, err := run(ctx, name, lines)
				close(lines)
				done <- homeRunDoneMsg{summary: summary, err: err}
			}()
			return homeRunStartedMsg{lines: lines, done: done}
		}
	case actSchedule:
		install := !sv.Installed
		verb := "Installing"
		if !install {
			verb = "Removing"
		}
		s.mode, s.status = homeBusy, verb+" the schedule of "+sv.Name+"…"
		ctx, sched := s.ctx, s.deps.Schedule
		return func() tea.Msg {
			notice, err := sched(ctx, sv.Name, install)
			return homeDoneMsg{notice: notice, err: err}
		}
	case actRemove:
		s.mode = homeConfirm
	}
	return nil
}

// nextRunLine waits for the next progress line of a scheduled run, or its
// end.
func (s *homeStep) nextRunLine() tea.Cmd {
	run := s.run
	return func() tea.Msg {
		if line, ok := <-run.lines; ok {
			return homeRunLineMsg{line: line}
		}
		return <-run.done
	}
}

func (s *homeStep) remove(name string) tea.Cmd {
	s.mode, s.status = homeBusy, "Removing the setup "+name+"…"
	ctx, remove := s.ctx, s.deps.Remove
	return func() tea.Msg {
		res, err := remove(ctx, name)
		if err != nil {
			return homeDoneMsg{err: err}
		}
		return homeDoneMsg{notice: removedText(res)}
	}
}

// removedText says where a removed setup's files went and what is left to
// do by hand.
func removedText(r setup.Removed) string {
	text := "Removed the setup " + r.Profile + "; its files are kept in " + r.Backup + "."
	if r.Cron.Changed {
		text += " Its crontab entry is removed (the previous crontab is in that folder's backup/)."
	}
	if len(r.Commands) > 0 {
		text += "\nStop what systemd still runs from it:\n  " + strings.Join(r.Commands, "\n  ")
	}
	return text
}

// loaded hands a read setup to the App: to edit, or to test when it has
// every required value.
func (s *homeStep) loaded(m homeLoadedMsg) tea.Cmd {
	s.mode, s.status = homeList, ""
	if m.err != nil {
		s.notice, s.bad = "Could not read the setup: "+errorText(m.err), true
		return nil
	}
	p, notes := m.plan, m.notes
	if m.action == actTest {
		if missing := p.Missing(); len(missing) > 0 {
			s.notice, s.bad = fmt.Sprintf("The setup %s has no value for %s, which its connector requires; edit it first.", p.Profile, missing[0].Name), true
			return nil
		}
		return func() tea.Msg { return homeTestMsg{plan: p} }
	}
	return func() tea.Msg { return homeEditMsg{plan: p, notes: notes} }
}

// answered acts on the line prompts' answers: first which setup, then
// what to do with it.
func (s *homeStep) answered() tea.Cmd {
	switch s.mode {
	case homeList:
		switch s.choice {
		case choiceNew:
			return func() tea.Msg { return homeNewMsg{} }
		case choiceQuit:
			return func() tea.Msg { return homeQuitMsg{} }
		}
		i, err := strconv.Atoi(s.choice)
		if err != nil || i < 0 || i >= len(s.saved) {
			return nil
		}
		s.cursor, s.mode, s.action = i, homeActions, actEdit
	case homeActions:
		s.mode = homeList
		sv := s.chosen()
		if s.action == actBack || sv == nil {
			return nil
		}
		return s.act(s.action, *sv)
	}
	return nil
}

// actionLabel names action a on sv for the line prompts.
func actionLabel(a string, sv Saved) string {
	switch a {
	case actEdit:
		return "Edit it (every answer pre-filled; Enter keeps each)"
	case actTest:
		return "Test it now"
	case actRun:
		return "Run it now as the schedule will"
	case actSchedule:
		switch {
		case sv.Systemd:
			return "Show how to enable its systemd timer"
		case sv.Installed:
			return "Remove its crontab entry"
		}
		return "Install its crontab entry"
	case actRemove:
		return "Remove this setup (its files are kept aside)"
	}
	return "Back to the list"
}

// Screen is the list as a question, then what to do with the chosen
// setup, a confirmation before a removal, or a wait.
func (s *homeStep) Screen() screen {
	switch s.mode {
	case homeBusy:
		return screen{kind: screenBusy, text: s.status, log: s.log}
	case homeConfirm:
		return screen{kind: screenChoose, text: s.confirmText(), actions: s.Keys()}
	case homeActions:
		sv := *s.chosen()
		q := question{kind: askSelect, title: "What do you want to do with " + sv.Name + "?", value: &s.action}
		for _, a := range append(s.actions(sv), actBack) {
			q.options = append(q.options, option{actionLabel(a, sv), a})
		}
		return screen{kind: screenAsk, pages: []page{{questions: []question{q}}}}
	}
	var b strings.Builder
	s.noticeView(&b)
	for _, sv := range s.saved {
		s.setupView(&b, sv, false, false)
	}
	if i, err := strconv.Atoi(s.choice); s.choice != choiceNew && (err != nil || i < 0 || i >= len(s.saved)) {
		// Enter picks the first setup, or the one acted on last.
		s.choice = strconv.Itoa(min(s.cursor, len(s.saved)-1))
		if len(s.saved) == 0 {
			s.choice = choiceNew
		}
	}
	q := question{kind: askSelect, title: "Which setup?", value: &s.choice}
	for i, sv := range s.saved {
		q.options = append(q.options, option{sv.Name + " — " + s.summary(sv), strconv.Itoa(i)})
	}
	q.options = append(q.options, option{"Set up a new connector", choiceNew}, option{"Quit", choiceQuit})
	return screen{kind: screenAsk, text: b.String(), pages: []page{{questions: []question{q}}}}
}

// summary is a setup in a few words: connector, destination, schedule.
func (s *homeStep) summary(sv Saved) string {
	return sv.Connector + " connector, " + destText(sv) + ", " + scheduleText(sv)
}

func destText(sv Saved) string {
	switch {
	case sv.Service:
		return "service mode"
	case sv.Destination == plan.DestLocal:
		return "a local file"
	}
	return sv.Destination
}

// scheduleText says whether anything runs the setup.
func scheduleText(sv Saved) string {
	switch {
	case sv.Service:
		return "runs as a service"
	case sv.Systemd:
		return "systemd timer, " + schedule.Describe(sv.Cron)
	case !sv.Checked:
		return "schedule: " + schedule.Describe(sv.Cron)
	case sv.Installed:
		return "installed in crontab: " + schedule.Describe(sv.Cron)
	}
	return "not scheduled (no crontab entry)"
}

// lastRunText is the last run and how it went, and how old the last
// upload is.
func lastRunText(sv Saved, now time.Time) string {
	if !sv.Checked {
		return "…"
	}
	text := "never ran"
	if !sv.LastRun.IsZero() {
		text = "last run " + sv.LastRun.Local().Format("2006-01-02 15:04")
		if sv.LastResult != "" {
			text += ": " + sv.LastResult
		}
	} else if sv.LastResult != "" {
		text = sv.LastResult
	}
	if !sv.LastUpload.IsZero() {
		text += " · last upload " + age(now.Sub(sv.LastUpload)) + " ago"
	}
	return text
}

// age is a duration as people say it: 3m, 2h 5m, 4d 3h.
func age(d time.Duration) string {
	switch {
	case d < time.Minute:
		return "less than a minute"
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d/time.Minute))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d/time.Hour), int(d%time.Hour/time.Minute))
	}
	return fmt.Sprintf("%dd %dh", int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour))
}

// driftText says what changed in the setup's connector, "" when nothing
// did or it is not known yet.
func (s *homeStep) driftText(sv Saved) (string, bool) {
	r, ok := s.drift[sv.Name]
	switch {
	case !ok || r.err != nil:
		return "", false
	case r.drift.NeedsInput():
		return "needs input, the connector changed: " + r.drift.Summary(), true
	case r.drift.Changed():
		return "the connector changed: " + r.drift.Summary() + " (" + s.self + " regenerate --profile " + sv.Name + " records it)", false
	}
	return "", false
}

func (s *homeStep) noticeView(b *strings.Builder) {
	if s.notice == "" {
		return
	}
	if s.bad {
		b.WriteString(s.styles.Bad.Render(s.notice) + "\n\n")
	} else {
		b.WriteString(s.styles.Good.Render(s.notice) + "\n\n")
	}
}

// setupView draws one setup: name, connector and destination, then its
// schedule and last run, then what changed in its connector.
func (s *homeStep) setupView(b *strings.Builder, sv Saved, cursor, wrap bool) {
	st := s.styles
	prefix := "  "
	head := sv.Name + "  " + st.Muted.Render(sv.Connector+" connector")
	if sv.Version != "" {
		head += st.Muted.Render(" " + sv.Version)
	}
	head += "  " + destText(sv)
	if cursor {
		prefix = "> "
		head = st.Header.Render(sv.Name) + strings.TrimPrefix(head, sv.Name)
	}
	b.WriteString(prefix + head + "\n")
	b.WriteString(s.indent(scheduleText(sv), wrap))
	b.WriteString(s.indent(lastRunText(sv, s.now()), wrap))
	if text, bad := s.driftText(sv); text != "" {
		style := st.Warn
		if bad {
			style = st.Bad
		}
		b.WriteString(s.indent(style.Render(text), wrap))
	}
}

// indent is text as lines under a setup's name, each indented and, with
// wrap, wrapped to the width: a line front end leaves that to the terminal.
func (s *homeStep) indent(text string, wrap bool) string {
	const pad = "    "
	width := s.width - len(pad)
	if !wrap || width < 20 {
		return pad + text + "\n"
	}
	var b strings.Builder
	for _, l := range strings.Split(ansi.Wrap(text, width, ""), "\n") {
		b.WriteString(pad + l + "\n")
	}
	return b.String()
}

// confirmText asks before a setup is removed and says what happens.
func (s *homeStep) confirmText() string {
	sv := s.chosen()
	var b strings.Builder
	fmt.Fprintf(&b, "Remove the setup %s?\n", sv.Name)
	if !sv.Service && !sv.Systemd {
		b.WriteString("Its crontab entry is removed. ")
	}
	fmt.Fprintf(&b, "Its directory moves to %s, so nothing is deleted.", filepath.Join(filepath.Dir(sv.Dir), setup.RemovedDir, sv.Name+".<time>"))
	if sv.Systemd || sv.Service {
		b.WriteString("\nsystemd units that point into it stop working: disable them first (baton-setup prints the commands).")
	}
	return b.String()
}

func (s *homeStep) View() string {
	st := s.styles
	var b strings.Builder
	switch s.mode {
	case homeConfirm:
		b.WriteString(st.Dialog.Render(s.confirmText()+"\n\n"+"y remove it · n keep it") + "\n")
		return fit(b.String(), s.width)
	case homeBusy:
		b.WriteString(st.Muted.Render(s.status) + "\n")
		for _, l := range s.log[max(len(s.log)-max(s.height-3, 3), 0):] {
			b.WriteString("  " + l + "\n")
		}
		return fit(b.String(), s.width)
	}
	s.noticeView(&b)
	b.WriteString(st.Label.Render("Your saved setups") + st.Muted.Render("  (edit one, act on it, or set up a new connector)") + "\n\n")
	for i, sv := range s.saved {
		s.setupView(&b, sv, i == s.cursor, true)
	}
	newRow := "  + Set up a new connector"
	if s.cursor == len(s.saved) {
		newRow = st.Header.Render("> + Set up a new connector")
	}
	b.WriteString("\n" + newRow + "\n")
	return fit(b.String(), s.width)
}
