package tui

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/synclog"
	"github.com/conductorone/baton-setup/internal/testsync"
)

// The sync messages name the step that started the run: a step left with
// Back while its sync was stopping must not feed the next one.
type syncStartedMsg struct {
	from *testStep
	run  *testsync.Sync
	err  error
}

type syncEventMsg struct {
	from *testStep
	ev   synclog.Event
}

type syncDoneMsg struct {
	from    *testStep
	outcome testsync.Outcome
}

// testStep runs a test sync and shows its progress, then its summary or a
// diagnosis of the failure.
type testStep struct {
	// parent is the wizard's context; ctx is this run's, cancelled by Close.
	parent   context.Context
	ctx      context.Context
	cancel   context.CancelFunc
	deps     Deps
	styles   Styles
	draft    *plan.Plan
	run      *testsync.Sync
	progress synclog.Progress
	started  time.Time
	outcome  *testsync.Outcome
	startErr error
	spin     spinner.Model
	// quick is a credentials check: one user-like type, no grants.
	quick bool
	// tail holds the last raw log lines (secrets already masked by the
	// runner) for the details view.
	tail     []string
	details  bool
	lastSeen time.Time
	// log says in plain lines what the progress so far brought: phases,
	// resources synced, warnings.
	log []string
	// aside is a test of a saved setup started from the home screen,
	// which both Enter and Esc return to.
	aside bool
	// confirming asks whether to go on with a sync that finished with
	// warnings.
	confirming bool
}

const tailLines = 10

func newTestStep(parent context.Context, deps Deps, st Styles, draft *plan.Plan) *testStep {
	ctx, cancel := context.WithCancel(parent)
	return &testStep{parent: parent, ctx: ctx, cancel: cancel, deps: deps, styles: st, draft: draft, spin: spinner.New(spinner.WithSpinner(spinner.Dot))}
}

// newQuickStep is a test step that runs the quick credentials check.
func newQuickStep(parent context.Context, deps Deps, st Styles, draft *plan.Plan) *testStep {
	s := newTestStep(parent, deps, st, draft)
	s.quick = true
	return s
}

// newStandaloneTestStep tests a saved setup from the home screen.
func newStandaloneTestStep(parent context.Context, deps Deps, st Styles, draft *plan.Plan) *testStep {
	s := newTestStep(parent, deps, st, draft)
	s.aside = true
	return s
}

// again is a fresh run of the same kind of test, quick or full.
func (s *testStep) again(quick bool) *testStep {
	s.Close()
	fresh := newTestStep(s.parent, s.deps, s.styles, s.draft)
	fresh.quick, fresh.aside = quick, s.aside
	return fresh
}

func (s *testStep) Title() string { return "Test sync" }

func (s *testStep) startCmd() tea.Cmd {
	ctx, start, p := s.ctx, s.deps.StartTest, s.draft
	if s.quick && s.deps.StartQuick != nil {
		start = s.deps.StartQuick
	}
	return func() tea.Msg {
		run, err := start(ctx, p)
		if err == nil && ctx.Err() != nil {
			// The step was left while the connector started.
			release(run)
			return nil
		}
		return syncStartedMsg{from: s, run: run, err: err}
	}
}

// release waits in the background for a stopped run and removes its files.
func release(run *testsync.Sync) {
	go func() {
		run.Wait()
		_ = run.Cleanup()
	}()
}

// waitForEvent delivers the next log event, or the outcome once the
// connector has exited and its files are removed.
func (s *testStep) waitForEvent() tea.Cmd {
	ctx, run, finish := s.ctx, s.run, s.deps.FinishTest
	return func() tea.Msg {
		ev, ok := <-run.Events()
		if !ok {
			out := finish(ctx, run)
			_ = run.Cleanup()
			return syncDoneMsg{from: s, outcome: out}
		}
		return syncEventMsg{from: s, ev: ev}
	}
}

func (s *testStep) Init() tea.Cmd {
	s.started = s.deps.Now()
	return tea.Batch(s.startCmd(), s.spin.Tick)
}

// Close stops a running sync and removes its files.
func (s *testStep) Close() {
	s.cancel()
	if s.run != nil {
		release(s.run)
	}
}

func (s *testStep) Update(msg tea.Msg) (step, tea.Cmd) {
	switch msg := msg.(type) {
	case syncStartedMsg:
		if msg.from != s {
			return s, nil
		}
		if msg.err != nil {
			s.startErr = msg.err
			return s, nil
		}
		s.run = msg.run
		return s, s.waitForEvent()
	case syncEventMsg:
		if msg.from != s {
			return s, nil
		}
		before := s.progress
		before.Types = slices.Clone(before.Types)
		s.progress.Apply(msg.ev)
		s.log = append(s.log, s.progress.Since(before)...)
		s.lastSeen = s.deps.Now()
		if msg.ev.Raw != "" {
			s.tail = append(s.tail, msg.ev.Raw)
			if len(s.tail) > tailLines {
				s.tail = s.tail[len(s.tail)-tailLines:]
			}
		}
		return s, s.waitForEvent()
	case syncDoneMsg:
		if msg.from != s {
			return s, nil
		}
		s.outcome = &msg.outcome
		if sum := msg.outcome.Summary; msg.outcome.OK() && sum != nil {
			// The file's counts complete the rows the log left open.
			counts := map[string]int64{}
			for _, t := range sum.ByType {
				counts[t.ResourceType] = t.Resources
			}
			s.progress.Finish(counts)
		}
		return s, nil
	case spinner.TickMsg:
		if s.outcome != nil || s.startErr != nil {
			return s, nil
		}
		var cmd tea.Cmd
		s.spin, cmd = s.spin.Update(msg)
		return s, cmd
	case tea.KeyMsg:
		return s.key(msg)
	}
	return s, nil
}

// over reports whether the test has ended, well or not.
func (s *testStep) over() bool { return s.outcome != nil || s.startErr != nil }

// passed reports whether a full test sync succeeded: its result is what
// the setup goes on with, so nothing may replace it but a deliberate r.
func (s *testStep) passed() bool { return s.outcome != nil && s.outcome.OK() && !s.quick }

// canQuick reports whether k offers a quick check now: the wizard can run
// one, the connector allows one, and no full test has passed.
func (s *testStep) canQuick() bool {
	return s.deps.StartQuick != nil && s.over() && !s.passed() && testsync.QuickSupport(s.draft.Connector).Possible()
}

// key acts on a key pressed on the test screen.
func (s *testStep) key(msg tea.KeyMsg) (step, tea.Cmd) {
	if s.confirming {
		switch msg.String() {
		case "y", "Y":
			d := s.draft
			return s, func() tea.Msg { return stepDoneMsg{plan: d} }
		case "n", "N", "esc":
			s.confirming = false
		}
		return s, nil
	}
	switch msg.String() {
	case "esc":
		return s, s.back()
	case "d":
		s.details = !s.details
	case "k":
		if s.canQuick() {
			fresh := s.again(true)
			return fresh, fresh.Init()
		}
	case "enter":
		if s.aside && s.over() {
			return s, func() tea.Msg { return stepBackMsg{} }
		}
		if s.passed() && s.outcome.Warned() {
			s.confirming = true
			return s, nil
		}
		if s.passed() {
			d := s.draft
			return s, func() tea.Msg { return stepDoneMsg{plan: d} }
		}
	case "r":
		if s.over() {
			fresh := s.again(false)
			return fresh, fresh.Init()
		}
	}
	return s, nil
}

// back leaves the test for the settings: at the setting the failure
// names, when it names one.
func (s *testStep) back() tea.Cmd {
	msg := stepBackMsg{}
	if o := s.outcome; o != nil && !o.OK() && !s.aside && s.draft.Connector.Schema != nil {
		var fields []schema.Field
		for _, f := range s.draft.Connector.Schema.Active(s.draft.AuthMethod) {
			if !f.Hidden {
				fields = append(fields, f)
			}
		}
		if f, ok := o.Setting(fields); ok {
			why := "The test sync failed"
			if o.Diagnosis.Summary != "" {
				why += ": " + strings.TrimSuffix(o.Diagnosis.Summary, ".")
			}
			msg = stepBackMsg{focus: f.Name, why: why + ". Check " + f.Label + " (" + f.EnvName() + ")."}
		}
	}
	return func() tea.Msg { return msg }
}

// Screen is the sync while it runs, with its progress as lines, then its
// outcome and the keys that act on it.
func (s *testStep) Screen() screen {
	if !s.over() {
		return screen{kind: screenBusy, text: s.status(), log: s.log}
	}
	return screen{kind: screenChoose, text: s.View(), actions: s.Keys()}
}

// status is the line that starts a test sync's report.
func (s *testStep) status() string {
	if s.quick {
		return "Quick check of " + s.draft.Connector.Name + " (one user type, no grants)…"
	}
	return "Running the " + s.draft.Connector.Name + " connector…"
}

func (s *testStep) View() string {
	var b strings.Builder
	st := s.styles
	if s.startErr != nil {
		b.WriteString(st.Bad.Render("Could not start the connector: "+s.startErr.Error()) + "\n")
		b.WriteString(s.noQuick())
		return b.String()
	}
	status := "Running " + s.draft.Connector.Name + " connector"
	if s.quick {
		status = "Quick check of " + s.draft.Connector.Name + " (one user type, no grants)"
	}
	if s.outcome == nil {
		now := s.deps.Now()
		elapsed := now.Sub(s.started).Round(time.Second)
		phase := s.progress.Phase.String()
		if s.progress.Phase == synclog.PhaseUnknown {
			phase = "starting"
		}
		fmt.Fprintf(&b, "%s %s · phase: %s · %s\n", s.spin.View(), status, phase, elapsed)
		// The SDK logs per-type progress at most every 10 s; say so rather
		// than look frozen.
		if quiet := now.Sub(s.lastSeen); !s.lastSeen.IsZero() && quiet >= 5*time.Second {
			fmt.Fprintf(&b, "  last log line %s ago (large phases report every 10 s)\n", quiet.Round(time.Second))
		}
	} else {
		fmt.Fprintf(&b, "%s · phase: %s\n", status, s.progress.Phase)
	}
	if len(s.progress.Types) > 0 {
		b.WriteString("\n")
		fmt.Fprintf(&b, "  %-18s %10s %14s %14s\n", "resource type", "resources", "entitlements", "grants")
		for _, t := range s.progress.Types {
			fmt.Fprintf(&b, "  %-18s %10d %14s %14s\n", t.ResourceType, t.Resources,
				ratio(t.EntitlementsSynced, t.EntitlementsTotal, t.EntitlementsDone),
				ratio(t.GrantsSynced, t.GrantsTotal, t.GrantsDone))
		}
	}
	if s.progress.Warnings > 0 {
		b.WriteString("\n" + st.Warn.Render(fmt.Sprintf("%d warnings", s.progress.Warnings)) + "\n")
	}
	if s.details {
		b.WriteString("\n" + st.Label.Render("Log (last lines)") + "\n")
		for _, l := range s.tail {
			fmt.Fprintf(&b, "  %s\n", plan.Redact(l, s.draft.Secrets))
		}
	}
	if s.outcome == nil {
		return b.String()
	}
	b.WriteString("\n")
	o := s.outcome
	if o.OK() {
		sum := o.Summary
		if o.Warned() {
			b.WriteString(st.Warn.Render("⚠ Test sync finished with warnings") + fmt.Sprintf(" in %s\n", o.Result.Duration.Round(10*time.Millisecond)))
		} else {
			b.WriteString(st.Good.Render("✓ Test sync finished") + fmt.Sprintf(" in %s\n", o.Result.Duration.Round(10*time.Millisecond)))
		}
		if sum != nil {
			fmt.Fprintf(&b, "  %d resource types · %d resources · %d entitlements · %d grants\n",
				sum.ResourceTypes, sum.Resources, sum.Entitlements, sum.Grants)
			for _, t := range sum.ByType {
				fmt.Fprintf(&b, "  %-18s %8d resources %8d entitlements %8d grants\n", t.ResourceType, t.Resources, t.Entitlements, t.Grants)
			}
			fmt.Fprintf(&b, "  sync file: format %s (%s), %d bytes\n", sum.Format, sum.Engine, sum.Size)
		}
		b.WriteString(s.warnings())
		if s.quick {
			b.WriteString("  Credentials work. Press r for the full test sync before you continue.\n")
		}
		if s.confirming {
			b.WriteString("\n" + st.Label.Render("Go on with this sync anyway?") + " The schedule will deliver what it found.\n")
		}
		return b.String()
	}
	msg := o.Result.Failure.Message
	if msg == "" {
		msg = o.Err.Error()
	}
	b.WriteString(st.Bad.Render("✗ Test sync failed") + fmt.Sprintf(" (connector exit code %d)\n", o.Result.ExitCode))
	fmt.Fprintf(&b, "  %s\n", plan.Redact(msg, s.draft.Secrets))
	if o.Diagnosis.Summary != "" {
		fmt.Fprintf(&b, "  Likely cause: %s\n", o.Diagnosis.Summary)
	}
	if o.Diagnosis.Hint != "" {
		fmt.Fprintf(&b, "  What to do: %s\n", o.Diagnosis.Hint)
	}
	b.WriteString(s.noQuick())
	return b.String()
}

// warnings lists what makes a finished sync doubtful, each with its hint
// and the first errors the connector logged.
func (s *testStep) warnings() string {
	st := s.styles
	var b strings.Builder
	for _, w := range s.outcome.Warnings {
		b.WriteString(st.Warn.Render("  ⚠ "+plan.Redact(w.Message, s.draft.Secrets)) + "\n")
		if w.Hint != "" {
			fmt.Fprintf(&b, "    %s\n", w.Hint)
		}
		for _, d := range w.Details {
			fmt.Fprintf(&b, "    %s\n", st.Muted.Render("· "+plan.Redact(d, s.draft.Secrets)))
		}
	}
	return b.String()
}

// noQuick says why k offers no quick check, where the wizard could run
// one but this connector cannot.
func (s *testStep) noQuick() string {
	if s.deps.StartQuick == nil || s.quick {
		return ""
	}
	err := testsync.CheckQuick(s.draft.Connector)
	if err == nil {
		return ""
	}
	why := err.Error()
	if _, rest, ok := strings.Cut(why, testsync.ErrNoQuick.Error()+": "); ok {
		why = rest
	}
	return "  No quick check for this connector: " + why + ". r runs the full test, which works with every connector.\n"
}

func ratio(synced, total int64, done bool) string {
	switch {
	case done && total > 0:
		return fmt.Sprintf("%d/%d ✓", total, total)
	case total > 0:
		return fmt.Sprintf("%d/%d", synced, total)
	case done:
		return "✓"
	default:
		return "-"
	}
}
