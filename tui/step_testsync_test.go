package tui

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/spinner"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/runner"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/synclog"
	"github.com/conductorone/baton-setup/internal/testsync"
)

// newSyncStep returns a test step that never starts a connector: its Init
// Cmds (the start and the spinner tick) are dropped, and the test makes up
// the messages a running sync would send.
func newSyncStep(t *testing.T) *testStep {
	t.Helper()
	draft := &plan.Plan{
		Connector: plan.Connector{Name: "demo"},
		Secrets:   map[string]plan.Secret{"api-key": plan.NewSecret(canary)},
	}
	s := newTestStep(context.Background(), Deps{Now: func() time.Time { return fixedNow }}, NewStyles(true), draft)
	_ = s.Init()
	t.Cleanup(s.Close)
	return s
}

// send runs one Update on the step; the returned Cmd is not run.
func send(t *testing.T, s *testStep, msg tea.Msg) (*testStep, tea.Cmd) {
	t.Helper()
	next, cmd := s.Update(msg)
	ts, ok := next.(*testStep)
	if !ok {
		t.Fatalf("Update returned %T, want *testStep", next)
	}
	return ts, cmd
}

func requireContains(t *testing.T, view string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(view, w) {
			t.Errorf("view lacks %q:\n%s", w, view)
		}
	}
}

func requireNotContains(t *testing.T, view string, unwanted ...string) {
	t.Helper()
	for _, w := range unwanted {
		if strings.Contains(view, w) {
			t.Errorf("view has %q:\n%s", w, view)
		}
	}
}

func progressEvents() []synclog.Event {
	return []synclog.Event{
		{Kind: synclog.KindPhase, Phase: synclog.PhaseResourceTypes, Msg: "Syncing resource types..."},
		{Kind: synclog.KindProgress, Phase: synclog.PhaseResourceTypes, Msg: "Synced resource types", Count: 3},
		{Kind: synclog.KindProgress, Phase: synclog.PhaseResources, Msg: "Synced resources", ResourceType: "user", Count: 20},
		{Kind: synclog.KindProgress, Phase: synclog.PhaseResources, Msg: "Synced resources", ResourceType: "role", Count: 3},
		{Kind: synclog.KindProgress, Phase: synclog.PhaseEntitlements, Msg: "Synced entitlements", ResourceType: "role", Count: 3, Total: 3},
		{Kind: synclog.KindProgress, Phase: synclog.PhaseGrants, Msg: "Syncing grants", ResourceType: "role", Synced: 1, Total: 3},
		{Kind: synclog.KindWarning, Level: "warn", Msg: "rate limited, retrying"},
	}
}

func TestTestStepProgress(t *testing.T) {
	s := newSyncStep(t)
	// ⣾ Running demo connector · phase: starting · 0s
	view := ansi.Strip(s.View())
	requireContains(t, view, "Running demo connector · phase: starting · 0s")
	requireContains(t, keyHelp(s.Keys()), "esc stop and go back")

	s, cmd := send(t, s, syncStartedMsg{from: s})
	if cmd == nil {
		t.Fatal("a started sync must wait for its first event")
	}
	for _, ev := range progressEvents() {
		if s, cmd = send(t, s, syncEventMsg{from: s, ev: ev}); cmd == nil {
			t.Fatalf("event %q: no Cmd to wait for the next one", ev.Msg)
		}
	}
	// ⣾ Running demo connector · phase: grants · 0s
	//
	//   resource type       resources   entitlements         grants
	//   user                       20              -              -
	//   role                        3          3/3 ✓            1/3
	//
	// 1 warnings
	view = ansi.Strip(s.View())
	requireContains(t, view,
		"Running demo connector · phase: grants · 0s",
		"  resource type       resources   entitlements         grants\n",
		"  user                       20              -              -\n",
		"  role                        3          3/3 ✓            1/3\n",
		"1 warnings")
	requireNotContains(t, view, "Test sync finished", "Test sync failed")

	// Enter does nothing while the sync runs.
	if _, cmd := send(t, s, tea.KeyMsg{Type: tea.KeyEnter}); cmd != nil {
		t.Errorf("enter during the sync returned a Cmd (%T)", cmd())
	}
}

func TestTestStepFinished(t *testing.T) {
	s := newSyncStep(t)
	s, _ = send(t, s, syncStartedMsg{from: s})
	for _, ev := range progressEvents()[:4] {
		s, _ = send(t, s, syncEventMsg{from: s, ev: ev})
	}
	out := testsync.Outcome{
		Result: runner.Result{Duration: 1234 * time.Millisecond, SawComplete: true},
		Summary: &c1z.Summary{ResourceTypes: 3, Resources: 24, Entitlements: 4, Grants: 40, ByType: []c1z.TypeCount{
			{ResourceType: "group", Resources: 1, Entitlements: 1, Grants: 20},
			{ResourceType: "role", Resources: 3, Entitlements: 3, Grants: 20},
			{ResourceType: "user", Resources: 20},
		}},
	}
	s, cmd := send(t, s, syncDoneMsg{from: s, outcome: out})
	if cmd != nil {
		t.Error("a finished sync returned a Cmd")
	}
	// Running demo connector · phase: done
	// …
	// ✓ Test sync finished in 1.23s
	//   3 resource types · 24 resources · 4 entitlements · 40 grants
	//   group                     1 resources        1 entitlements       20 grants
	//   role                      3 resources        3 entitlements       20 grants
	//   user                     20 resources        0 entitlements        0 grants
	view := ansi.Strip(s.View())
	requireContains(t, view,
		"Running demo connector · phase: done\n",
		"✓ Test sync finished in 1.23s\n",
		"  3 resource types · 24 resources · 4 entitlements · 40 grants\n",
		"  group                     1 resources        1 entitlements       20 grants\n",
		"  user                     20 resources        0 entitlements        0 grants\n")
	requireNotContains(t, view, "No users were found", "⣾")
	requireContains(t, keyHelp(s.Keys()), "enter continue")

	// The spinner stops: a late tick schedules no other.
	if _, cmd := send(t, s, spinner.TickMsg{}); cmd != nil {
		t.Error("a tick after the end scheduled another tick")
	}
	_, cmd = send(t, s, tea.KeyMsg{Type: tea.KeyEnter})
	if cmd == nil {
		t.Fatal("enter after a good sync did not continue")
	}
	if msg, ok := cmd().(stepDoneMsg); !ok || msg.plan != s.draft {
		t.Errorf("enter: %#v, want stepDoneMsg with the draft", msg)
	}
}

// TestTestStepFinishesRows: the live table's rows end with the sync file's
// counts, every phase ticked, whatever the log's last lines said.
func TestTestStepFinishesRows(t *testing.T) {
	s := newSyncStep(t)
	s, _ = send(t, s, syncStartedMsg{from: s})
	for _, ev := range []synclog.Event{
		{Kind: synclog.KindProgress, Phase: synclog.PhaseResources, Msg: "Synced resources", ResourceType: "role", Count: 20},
		{Kind: synclog.KindProgress, Phase: synclog.PhaseGrants, Msg: "Syncing grants", ResourceType: "role", Synced: 1, Total: 20},
	} {
		s, _ = send(t, s, syncEventMsg{from: s, ev: ev})
	}
	requireContains(t, ansi.Strip(s.View()), "  role                       20              -           1/20\n")
	s, _ = send(t, s, syncDoneMsg{from: s, outcome: testsync.Outcome{
		Result: runner.Result{SawComplete: true},
		Summary: &c1z.Summary{ResourceTypes: 2, Resources: 19, ByType: []c1z.TypeCount{
			{ResourceType: "database", Resources: 1}, {ResourceType: "role", Resources: 18, Traits: []string{c1z.TraitUser}},
		}},
	}})
	//   resource type       resources   entitlements         grants
	//   role                       18              ✓        18/18 ✓
	//   database                    1              ✓              ✓
	view := ansi.Strip(s.View())
	requireContains(t, view,
		"Running demo connector · phase: done\n",
		"  role                       18              ✓        18/18 ✓\n",
		"  database                    1              ✓              ✓\n")
	requireNotContains(t, view, "1/20")
}

// TestTestStepWarnings: a sync that finished but found no users, or
// logged errors, shows ⚠ with the reasons, and asks before going on.
func TestTestStepWarnings(t *testing.T) {
	s := newSyncStep(t)
	sum := &c1z.Summary{ResourceTypes: 2, Resources: 1, ByType: []c1z.TypeCount{
		{ResourceType: "group", Resources: 1}, {ResourceType: "role", Traits: []string{c1z.TraitUser}},
	}}
	s, _ = send(t, s, syncDoneMsg{from: s, outcome: testsync.Outcome{
		Result:   runner.Result{SawComplete: true},
		Summary:  sum,
		Warnings: testsync.Judge(sum, "demo", []string{"Unknown column 'Create_role_priv' (key " + canary + ")"}, 5),
	}})
	// ⚠ Test sync finished with warnings in 0s
	//   …
	//   ⚠ no users were found: the connector's user type role has 0 resources
	//     the credentials probably lack permission to read users
	//   ⚠ the connector logged 5 errors during a sync that finished
	//     the sync file may lack what those errors skipped; read them before relying on it
	//     · Unknown column 'Create_role_priv' (key ••••)
	view := ansi.Strip(s.View())
	requireContains(t, view, "⚠ Test sync finished with warnings",
		"  ⚠ no users were found: the connector's user type role has 0 resources\n",
		"  ⚠ the connector logged 5 errors during a sync that finished\n",
		"    · Unknown column 'Create_role_priv' (key ••••)\n")
	requireNotContains(t, view, "✓ Test sync finished", canary)
	requireContains(t, keyHelp(s.Keys()), "enter go on anyway…")

	// Enter asks first; n stays on the report, y goes on.
	s, cmd := send(t, s, tea.KeyMsg{Type: tea.KeyEnter})
	if cmd != nil {
		t.Fatalf("enter went on without asking (%T)", cmd())
	}
	requireContains(t, ansi.Strip(s.View()), "Go on with this sync anyway?")
	if sc := s.Screen(); sc.kind != screenChoose || keyHelp(sc.actions) != "y go on with this sync · n stay" {
		t.Errorf("the question's actions: %q", keyHelp(sc.actions))
	}
	s, _ = send(t, s, keyMsg("n"))
	requireNotContains(t, ansi.Strip(s.View()), "Go on with this sync anyway?")
	s, _ = send(t, s, tea.KeyMsg{Type: tea.KeyEnter})
	_, cmd = send(t, s, keyMsg("y"))
	if cmd == nil {
		t.Fatal("y did not go on")
	}
	if msg, ok := cmd().(stepDoneMsg); !ok || msg.plan != s.draft {
		t.Errorf("y: %#v, want stepDoneMsg with the draft", msg)
	}
}

func TestTestStepFailed(t *testing.T) {
	s := newSyncStep(t)
	s, _ = send(t, s, syncStartedMsg{from: s})
	failure := synclog.Failure{Message: "demo: invalid API key " + canary + " (401 from upstream)", Code: "Unauthenticated"}
	s, _ = send(t, s, syncDoneMsg{from: s, outcome: testsync.Outcome{
		Result:    runner.Result{ExitCode: 16, Failure: failure},
		Diagnosis: synclog.Diagnose(failure, 16, false),
		Err:       errors.New("the connector failed"),
	}})
	// Running demo connector · phase: unknown
	//
	// ✗ Test sync failed (connector exit code 16)
	//   demo: invalid API key •••• (401 from upstream)
	//   Likely cause: The service rejected the credentials.
	//   What to do: Check the username and password, API key or token, …
	view := ansi.Strip(s.View())
	requireContains(t, view,
		"✗ Test sync failed (connector exit code 16)\n",
		"  demo: invalid API key •••• (401 from upstream)\n",
		"  Likely cause: The service rejected the credentials.\n",
		"  What to do: Check the username and password, API key or token")
	requireNotContains(t, view, canary, "Test sync finished")
	requireContains(t, keyHelp(s.Keys()), "r full test sync · d details · esc back to settings")

	if _, cmd := send(t, s, tea.KeyMsg{Type: tea.KeyEnter}); cmd != nil {
		t.Errorf("enter after a failed sync returned a Cmd (%T)", cmd())
	}
	_, cmd := send(t, s, tea.KeyMsg{Type: tea.KeyEsc})
	if cmd == nil {
		t.Fatal("esc did nothing")
	}
	if _, ok := cmd().(stepBackMsg); !ok {
		t.Error("esc did not go back")
	}

	// r starts over in a fresh step and stops this one.
	fresh, cmd := send(t, s, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("r")})
	if fresh == s || cmd == nil {
		t.Fatal("r did not start a fresh run")
	}
	t.Cleanup(fresh.Close)
	if s.ctx.Err() == nil {
		t.Error("r left the old run's context alive")
	}
	if fresh.ctx.Err() != nil || fresh.outcome != nil {
		t.Error("the fresh step is not running")
	}
	requireContains(t, ansi.Strip(fresh.View()), "phase: starting")
}

func TestTestStepStartError(t *testing.T) {
	s := newSyncStep(t)
	s, cmd := send(t, s, syncStartedMsg{from: s, err: errors.New("start connector /opt/baton-x: permission denied")})
	if cmd != nil {
		t.Error("a failed start returned a Cmd")
	}
	requireContains(t, ansi.Strip(s.View()), "Could not start the connector: start connector /opt/baton-x: permission denied")
	requireContains(t, keyHelp(s.Keys()), "r full test sync")
}

// TestTestStepIgnoresOtherRuns feeds a step the messages of a run it did
// not start, as happens after Back while a sync was stopping.
func TestTestStepIgnoresOtherRuns(t *testing.T) {
	old := newSyncStep(t)
	s := newSyncStep(t)
	s, _ = send(t, s, syncStartedMsg{from: s})
	s, cmd := send(t, s, syncEventMsg{from: old, ev: progressEvents()[2]})
	if cmd != nil || len(s.progress.Types) != 0 {
		t.Errorf("an event of another run was applied (cmd %v, types %v)", cmd != nil, s.progress.Types)
	}
	s, cmd = send(t, s, syncDoneMsg{from: old, outcome: testsync.Outcome{Err: errors.New("the test sync was cancelled")}})
	if cmd != nil || s.outcome != nil {
		t.Error("the outcome of another run was applied")
	}
	s, cmd = send(t, s, syncStartedMsg{from: old, err: errors.New("boom")})
	if cmd != nil || s.startErr != nil {
		t.Error("the start of another run was applied")
	}
	requireContains(t, ansi.Strip(s.View()), "phase: starting")
}

func TestTestStepDetailsShowsMaskedTail(t *testing.T) {
	s := newSyncStep(t)
	s, _ = send(t, s, syncStartedMsg{from: s})
	s, _ = send(t, s, syncEventMsg{from: s, ev: synclog.Event{Kind: synclog.KindInfo, Raw: `{"msg":"connecting with ` + canary + `"}`}})
	if strings.Contains(ansi.Strip(s.View()), "Log (last lines)") {
		t.Error("details shown before d")
	}
	s, _ = send(t, s, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("d")})
	v := ansi.Strip(s.View())
	requireContains(t, v, "Log (last lines)")
	requireContains(t, v, `{"msg":"connecting with ••••"}`)
	if strings.Contains(v, canary) {
		t.Error("details show the secret")
	}
	for i := range 30 {
		s, _ = send(t, s, syncEventMsg{from: s, ev: synclog.Event{Kind: synclog.KindInfo, Raw: fmt.Sprintf("line %d", i)}})
	}
	if len(s.tail) != tailLines || s.tail[tailLines-1] != "line 29" {
		t.Errorf("tail = %v", s.tail)
	}
}

func TestTestStepQuickCheck(t *testing.T) {
	s := newSyncStep(t)
	// The Cmds are never run here; the function only has to exist.
	s.deps.StartQuick = func(context.Context, *plan.Plan) (*testsync.Sync, error) { return nil, errors.New("not run") }
	s, _ = send(t, s, syncStartedMsg{from: s})
	s, _ = send(t, s, syncDoneMsg{from: s, outcome: testsync.Outcome{Err: errors.New("the connector failed")}})
	requireContains(t, keyHelp(s.Keys()), "k quick check")
	s, cmd := send(t, s, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune("k")})
	if !s.quick || cmd == nil {
		t.Fatalf("k did not start a quick check (quick %v)", s.quick)
	}
	requireContains(t, ansi.Strip(s.View()), "Quick check of demo (one user type, no grants)")
	s, _ = send(t, s, syncStartedMsg{from: s})
	s, _ = send(t, s, syncDoneMsg{from: s, outcome: testsync.Outcome{
		Result:  runner.Result{SawComplete: true},
		Summary: &c1z.Summary{ResourceTypes: 1, Resources: 20, ByType: []c1z.TypeCount{{ResourceType: "user", Resources: 20}}},
	}})
	requireContains(t, ansi.Strip(s.View()), "Credentials work. Press r for the full test sync")
	if _, cmd := send(t, s, tea.KeyMsg{Type: tea.KeyEnter}); cmd != nil {
		t.Error("enter continued after only a quick check")
	}
}

// TestTestStepKeepsGoodResult: once a full test passed, k offers no quick
// check that would replace the ✓ and hide "enter continue".
func TestTestStepKeepsGoodResult(t *testing.T) {
	s := newSyncStep(t)
	s.deps.StartQuick = func(context.Context, *plan.Plan) (*testsync.Sync, error) { return nil, errors.New("not run") }
	s, _ = send(t, s, syncStartedMsg{from: s})
	s, _ = send(t, s, syncDoneMsg{from: s, outcome: testsync.Outcome{
		Result:  runner.Result{SawComplete: true},
		Summary: &c1z.Summary{ResourceTypes: 1, Resources: 20, ByType: []c1z.TypeCount{{ResourceType: "user", Resources: 20}}},
	}})
	requireNotContains(t, keyHelp(s.Keys()), "quick check")
	next, cmd := send(t, s, keyMsg("k"))
	if next != s || cmd != nil || next.quick {
		t.Fatal("k replaced a good full test with a quick check")
	}
	requireContains(t, ansi.Strip(next.View()), "✓ Test sync finished")
	requireContains(t, keyHelp(next.Keys()), "enter continue")
}

// TestTestStepNoQuick: a connector that cannot narrow a sync (baton-sdk
// v0.2.65, whose --help has no --skip-entitlements-and-grants) is not
// offered k; the failure screen says why and offers the full test.
func TestTestStepNoQuick(t *testing.T) {
	s := newSyncStep(t)
	s.deps.StartQuick = func(context.Context, *plan.Plan) (*testsync.Sync, error) { return nil, errors.New("not run") }
	s.draft.Connector.SDKVersion = "v0.2.65"
	s.draft.Connector.Schema = &schema.Schema{Flags: []string{"file", "log-level", "password"}}
	s, _ = send(t, s, syncStartedMsg{from: s})
	s, _ = send(t, s, syncDoneMsg{from: s, outcome: testsync.Outcome{Err: errors.New("the connector failed")}})
	requireNotContains(t, keyHelp(s.Keys()), "quick check")
	requireContains(t, keyHelp(s.Keys()), "r full test sync")
	requireContains(t, ansi.Strip(s.View()), "No quick check for this connector: its --help lists no --skip-entitlements-and-grants. r runs the full test")
	if next, cmd := send(t, s, keyMsg("k")); next != s || cmd != nil {
		t.Error("k started a quick check the connector cannot run")
	}
}

// TestTestStepScreen: while the sync runs the step is busy and logs its
// progress as lines; once it is over it offers its keys.
func TestTestStepScreen(t *testing.T) {
	s := newSyncStep(t)
	if sc := s.Screen(); sc.kind != screenBusy || sc.text != "Running the demo connector…" || len(sc.log) != 0 {
		t.Fatalf("before the sync: %+v", sc)
	}
	s, _ = send(t, s, syncStartedMsg{from: s})
	for _, ev := range progressEvents() {
		s, _ = send(t, s, syncEventMsg{from: s, ev: ev})
	}
	want := []string{
		"phase: resource types",
		"phase: resources",
		"synced 20 user resources",
		"synced 3 role resources",
		"phase: entitlements",
		"phase: grants",
		"1 warnings so far",
	}
	if sc := s.Screen(); sc.kind != screenBusy || strings.Join(sc.log, "\n") != strings.Join(want, "\n") {
		t.Errorf("log:\n%s\nwant:\n%s", strings.Join(sc.log, "\n"), strings.Join(want, "\n"))
	}
	s, _ = send(t, s, syncDoneMsg{from: s, outcome: testsync.Outcome{Summary: &c1z.Summary{Resources: 1}}})
	sc := s.Screen()
	if sc.kind != screenChoose || !strings.Contains(sc.text, "✓ Test sync finished") {
		t.Errorf("after the sync: kind %d, text:\n%s", sc.kind, sc.text)
	}
	requireContains(t, keyHelp(sc.actions), "enter continue", "esc back")
}
