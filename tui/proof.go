package tui

import (
	"context"
	"fmt"
	"strings"

	"github.com/charmbracelet/bubbles/key"
	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/setup"
	"github.com/conductorone/baton-setup/internal/verify"
)

// brief is the Done screen's report in a few lines, above the proof.
func (s *doneStep) brief() string {
	st, p := s.styles, s.draft
	var b strings.Builder
	names := make([]string, len(s.res.Files))
	for i, f := range s.res.Files {
		names[i] = f.Name
	}
	fmt.Fprintf(&b, "%s %s in %s\n", st.Good.Render("✓ Setup written:"), strings.Join(names, ", "), p.Output.Dir)
	if s.res.CopiedSelf {
		note := setup.CopyNote(s.res.Self, false, "sync.sh")
		fmt.Fprintf(&b, "  %s%s.\n", strings.ToUpper(note[:1]), note[1:])
	}
	when := schedule.Describe(p.Schedule.Cron) + " (" + p.Schedule.Cron + ")"
	switch {
	case s.res.Cron != nil && s.res.Cron.Installed:
		fmt.Fprintf(&b, "  Installed in your crontab: %s.\n", when)
	case s.res.Cron != nil:
		fmt.Fprintf(&b, "  Not scheduled yet: install the crontab entry (%s) with\n    %s schedule install --profile %s\n", when, s.self, p.Profile)
	default:
		for _, c := range s.res.Commands {
			fmt.Fprintf(&b, "  Enable the timer: %s\n", c)
		}
	}
	if p.Destination.Kind == plan.DestS3 {
		fmt.Fprintf(&b, "  In ConductorOne, set the S3 data source's File name to exactly: %s\n", p.Destination.Key)
	} else {
		b.WriteString("  Upload each run's sync.c1z in ConductorOne: Import app data > From file.\n")
	}
	return b.String()
}

// The proof messages name the proof that sent them.
type proofLineMsg struct {
	from *proof
	line string
}

type proofDoneMsg struct {
	from *proof
	res  verify.Result
	err  error
}

// proofState is where the Done screen's proof is.
type proofState int

const (
	proofOffered proofState = iota
	proofRunning
	proofFinished
	proofDeclined
)

// proof is the Done screen's last question and its answer: run sync.sh
// now as the schedule will (Deps.Verify), following its progress, and
// show what it delivered or why it did not.
type proof struct {
	parent context.Context
	ctx    context.Context
	cancel context.CancelFunc
	deps   Deps
	styles Styles
	draft  *plan.Plan
	// report and tail are the Done screen's text above and below the
	// proof.
	report, tail func() string
	ask          formStep
	run          bool
	state        proofState
	lines        []string
	result       *verify.Result
	err          error
	msgs         chan tea.Msg
	spin         spinner.Model
	height       int
	// self starts the commands it prints (see doneStep.self).
	self string
}

// newProof returns the proof for a setup that was written and runs on a
// schedule here, or nil.
func newProof(ctx context.Context, deps Deps, st Styles, draft *plan.Plan, res *setup.Result, report, tail func() string) *proof {
	if deps.Verify == nil || res == nil || res.SyncScript == "" || draft.Mode == plan.ModeService {
		return nil
	}
	pctx, cancel := context.WithCancel(ctx)
	p := &proof{parent: ctx, ctx: pctx, cancel: cancel, deps: deps, styles: st, draft: draft, report: report, tail: tail,
		run: true, spin: spinner.New(spinner.WithSpinner(spinner.Dot)), self: "baton-setup"}
	p.ask = formStep{title: "Done", styles: st, intro: report, questions: p.questions, submit: p.submit}
	return p
}

// schedulerText says what the run will have, as the question's help.
func (p *proof) schedulerText() string {
	if p.draft.Schedule.Scheduler == render.SchedulerSystemd {
		return "with only what its systemd unit gives it (systemd's PATH, HOME, USER, LOGNAME), in its working directory"
	}
	return "with only what cron gives it (HOME, LOGNAME, SHELL=/bin/sh, PATH=/usr/bin:/bin), in your home directory"
}

func (p *proof) questions() []page {
	help := "Runs sync.sh " + p.schedulerText() + ", then checks "
	if p.draft.Destination.Kind == plan.DestS3 {
		help += "the object in " + p.draft.Destination.String() + " against the local file."
	} else {
		help += "that it left a finished sync file."
	}
	return []page{{questions: []question{{kind: askConfirm, key: "prove", title: "Run it now as the schedule will?",
		help: help, yes: "Run it now", no: "Not now", flag: &p.run}}}}
}

func (p *proof) Init() tea.Cmd { return p.ask.Init() }

// submit starts the run, or ends the wizard without it.
func (p *proof) submit() (tea.Cmd, error) {
	if !p.run {
		p.state = proofDeclined
		return nil, nil
	}
	p.state = proofRunning
	p.msgs = make(chan tea.Msg, 64)
	ctx, run, draft, msgs := p.ctx, p.deps.Verify, p.draft.Clone(), p.msgs
	send := func(m tea.Msg) {
		select {
		case msgs <- m:
		case <-ctx.Done():
		}
	}
	go func() {
		res, err := run(ctx, draft, func(l string) { send(proofLineMsg{from: p, line: l}) })
		send(proofDoneMsg{from: p, res: res, err: err})
	}()
	return tea.Batch(p.next(), p.spin.Tick), nil
}

// next delivers the run's next message.
func (p *proof) next() tea.Cmd {
	ctx, msgs := p.ctx, p.msgs
	return func() tea.Msg {
		select {
		case m := <-msgs:
			return m
		case <-ctx.Done():
			return nil
		}
	}
}

// Update handles what belongs to the proof and reports whether it did.
func (p *proof) Update(msg tea.Msg) (tea.Cmd, bool) {
	switch msg := msg.(type) {
	case proofLineMsg:
		if msg.from != p {
			return nil, true
		}
		p.lines = append(p.lines, msg.line)
		return p.next(), true
	case proofDoneMsg:
		if msg.from != p {
			return nil, true
		}
		p.state, p.result, p.err = proofFinished, &msg.res, msg.err
		return nil, true
	case spinner.TickMsg:
		if p.state != proofRunning {
			return nil, true
		}
		var cmd tea.Cmd
		p.spin, cmd = p.spin.Update(msg)
		return cmd, true
	case tea.WindowSizeMsg:
		p.height = msg.Height
		if p.ask.form == nil {
			return nil, false
		}
		_, cmd := p.ask.Update(msg)
		return cmd, false
	case tea.KeyMsg:
		switch {
		case p.state == proofRunning:
			// Only ctrl+c (the App's) stops the run.
			return nil, true
		case msg.String() == "esc" || msg.String() == "q":
			// The Done screen's own: quit.
			return nil, false
		}
	}
	if p.state != proofOffered {
		return nil, false
	}
	// The rest is the form's: keys, its own messages, the submission.
	_, cmd := p.ask.Update(msg)
	return cmd, true
}

// Close stops a running proof.
func (p *proof) Close() { p.cancel() }

// Keys are the proof's keys in its current state; nil leaves the Done
// screen's own.
func (p *proof) Keys() []key.Binding {
	switch p.state {
	case proofOffered:
		return append(p.ask.Keys(), key.NewBinding(key.WithKeys("esc", "q"), key.WithHelp("esc or q", "quit without running")))
	case proofRunning:
		return []key.Binding{}
	}
	return nil
}

// status is the busy line of a running proof.
func (p *proof) status() string {
	return "Running " + render.SyncScript(p.draft) + " " + p.schedulerText() + "…"
}

// outcome is the proof's last word: the delivered line, or the reason,
// the innermost error, the likely cause and the fix.
func (p *proof) outcome() string {
	st := p.styles
	r := p.result
	if r == nil {
		return ""
	}
	var b strings.Builder
	if r.Delivered {
		b.WriteString(st.Good.Render("✓ "+r.Line()) + "\n")
		fmt.Fprintf(&b, "  sync.sh ran as %s will run it; its output is in %s.\n", r.Scheduler, r.Log)
	} else {
		b.WriteString(st.Bad.Render("✗ "+r.Line()) + "\n")
		for _, d := range r.Details() {
			b.WriteString("  " + d + "\n")
		}
		fmt.Fprintf(&b, "  Run it again after the fix with: %s verify --profile %s\n", p.self, p.draft.Profile)
	}
	for _, n := range r.Notes {
		b.WriteString(st.Muted.Render("  note: "+n) + "\n")
	}
	return b.String()
}

// declined is what the Done screen says when the proof was not run.
func (p *proof) declined() string {
	return fmt.Sprintf("Not run. To run it later as the schedule will and check what it delivers:\n  %s verify --profile %s\n", p.self, p.draft.Profile)
}

func (p *proof) View() string {
	switch p.state {
	case proofOffered:
		return p.ask.View()
	case proofRunning:
		report := p.report()
		var b strings.Builder
		b.WriteString(report + "\n")
		b.WriteString(p.spin.View() + " " + p.status() + "\n")
		// The lines that fit under the report, newest last.
		room := max(p.height-lipgloss.Height(report)-3, 3)
		lines := p.lines[max(len(p.lines)-room, 0):]
		for _, l := range lines {
			b.WriteString(p.styles.Muted.Render("  "+l) + "\n")
		}
		return b.String()
	case proofDeclined:
		return p.report() + "\n" + p.declined() + p.tail()
	}
	return p.report() + "\n" + p.outcome() + p.tail()
}

// Screen is the offer under the report, the run as it goes, then its
// outcome; a line front end has printed the report with the offer.
func (p *proof) Screen() screen {
	switch p.state {
	case proofOffered:
		return p.ask.Screen()
	case proofRunning:
		return screen{kind: screenBusy, text: p.status(), log: p.lines}
	case proofDeclined:
		return screen{kind: screenEnd, text: p.declined()}
	}
	return screen{kind: screenEnd, text: p.outcome()}
}
