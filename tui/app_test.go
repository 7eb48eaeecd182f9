package tui

import (
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"
	"github.com/muesli/termenv"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/setup"
	"github.com/conductorone/baton-setup/internal/testenv"
	"github.com/conductorone/baton-setup/internal/testsync"
)

// connectorBin is baton-setup built once for the package; its hidden
// demo-connector subcommand is the real demo connector.
var connectorBin string

func TestMain(m *testing.M) {
	// Goldens must not depend on how `go test` was started.
	lipgloss.SetColorProfile(termenv.Ascii)
	lipgloss.SetHasDarkBackground(true)
	os.Exit(testenv.Main(m, &connectorBin))
}

const (
	canary   = "canary-Secret-9f3e7a1b"
	termW    = 100
	termH    = 30
	uiWait   = 15 * time.Second
	syncWait = 2 * time.Minute
)

var fixedNow = time.Date(2025, 6, 2, 9, 30, 0, 0, time.UTC)

// world is one test's machine: a home directory, a crontab kept in a file
// by a stand-in crontab(1), and Deps wired to the real services.
type world struct {
	home  string
	table string
	deps  Deps
}

// existingCron is a crontab the wizard must keep.
const existingCron = "MAILTO=ops@example.com\n5 4 * * * /usr/bin/backup\n"

func newWorld(t *testing.T) *world {
	t.Helper()
	home := t.TempDir()
	w := &world{home: home, table: filepath.Join(home, "crontab.table")}
	if err := os.WriteFile(w.table, []byte(existingCron), 0o600); err != nil {
		t.Fatal(err)
	}
	// A stand-in for crontab(1): tests never touch the real one.
	fake := filepath.Join(home, "crontab")
	script := "#!/bin/sh\nT='" + w.table + "'\n" + `case "$1" in
-l) if [ -s "$T" ]; then cat "$T"; else echo "no crontab for tester" >&2; exit 1; fi ;;
-) cat > "$T" ;;
*) exit 2 ;;
esac
`
	if err := os.WriteFile(fake, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	crontab := schedule.System{Bin: fake}
	env := map[string]string{"AWS_REGION": "us-east-1"}
	baseEnv := testenv.CleanEnv(home)
	now := func() time.Time { return fixedNow }
	w.deps = Deps{
		Connectors: func() []discover.Found {
			return []discover.Found{{Name: "demo", Path: connectorBin, Args: []string{"demo-connector"}, Source: "built-in"}}
		},
		LoadSchema: discover.Schema,
		StartTest: func(ctx context.Context, p *plan.Plan) (*testsync.Sync, error) {
			return testsync.Start(ctx, p, testsync.Options{Timeout: syncWait, BaseEnv: baseEnv})
		},
		FinishTest: testsync.Finish,
		Apply: func(ctx context.Context, p *plan.Plan) (setup.Result, error) {
			env := setup.Env{Discover: discover.Env{Self: func() (string, error) { return connectorBin, nil }}, Crontab: crontab, Now: now}
			return setup.Apply(ctx, env, p, setup.Options{})
		},
		DefaultOutDir: func(profile string) (string, error) {
			return filepath.Join(home, ".config", "baton-setup", profile), nil
		},
		Getenv:       func(k string) string { return env[k] },
		Now:          now,
		RandomMinute: func() int { return 17 },
	}
	return w
}

// probe wraps the App so that a test can read the screen from inside the
// program's event loop, without racing the renderer.
type probe struct{ app *App }

// viewRequest asks the probe for the current screen without ANSI codes.
type viewRequest chan string

func (p probe) Init() tea.Cmd { return p.app.Init() }
func (p probe) View() string  { return p.app.View() }

func (p probe) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	if req, ok := msg.(viewRequest); ok {
		req <- ansi.Strip(p.app.View())
		return p, nil
	}
	_, cmd := p.app.Update(msg)
	return p, cmd
}

// harness drives one wizard through teatest. all keeps every byte the
// program wrote; mark is where the last expected text was found, so each
// expectation must appear at or after the previous one.
type harness struct {
	t    *testing.T
	tm   *teatest.TestModel
	out  io.Reader
	all  bytes.Buffer
	mark int
}

func startWizard(t *testing.T, deps Deps) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	return runApp(t, New(ctx, deps, nil), cancel)
}

// runApp runs a in a test terminal; cancel is the context a was made
// with, cancelled when the test ends.
func runApp(t *testing.T, a *App, cancel context.CancelFunc) *harness {
	t.Helper()
	tm := teatest.NewTestModel(t, probe{a}, teatest.WithInitialTermSize(termW, termH))
	h := &harness{t: t, tm: tm}
	h.out = io.TeeReader(tm.Output(), &h.all)
	t.Cleanup(func() {
		cancel() // stops a running test sync
		_ = tm.Quit()
		tm.WaitFinished(t, teatest.WithFinalTimeout(20*time.Second))
	})
	return h
}

// waitFor waits until want appears in the output after the previous match.
func (h *harness) waitFor(want string, d time.Duration) {
	h.t.Helper()
	teatest.WaitFor(h.t, h.out, func([]byte) bool {
		i := bytes.Index(h.all.Bytes()[h.mark:], []byte(want))
		if i < 0 {
			return false
		}
		h.mark += i
		return true
	}, teatest.WithDuration(d), teatest.WithCheckInterval(10*time.Millisecond))
}

func (h *harness) key(k tea.KeyType) { h.tm.Send(tea.KeyMsg{Type: k}) }

// screen returns the current view, read inside the event loop.
func (h *harness) screen() string {
	h.t.Helper()
	req := make(viewRequest, 1)
	h.tm.Send(req)
	select {
	case v := <-req:
		return v
	case <-time.After(uiWait):
		h.t.Fatal("the program did not answer a view request")
		return ""
	}
}

// final waits for the program to end, keeps the rest of its output and
// returns the App.
func (h *harness) final() *App {
	h.t.Helper()
	m := h.tm.FinalModel(h.t, teatest.WithFinalTimeout(uiWait))
	if _, err := io.ReadAll(h.out); err != nil {
		h.t.Fatal(err)
	}
	return m.(probe).app
}

// settings fills the demo connector's form: tenant and API key over their
// defaults (the key typed, its default way), then keeps the defaults of the
// last two fields.
func (h *harness) settings(tenant, apiKey string) {
	h.t.Helper()
	h.waitFor("Step 2/7 · Settings", uiWait)
	h.waitFor("┃ Tenant *", uiWait)
	h.clearInput()
	h.tm.Type(tenant)
	h.key(tea.KeyEnter)
	h.waitFor("┃ API key *", uiWait)
	h.waitFor("> Type or paste it on one line", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("┃ API key value", uiWait)
	h.clearInput()
	h.tm.Type(apiKey)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Number of users", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Include roles", uiWait)
	h.key(tea.KeyEnter)
}

// pickDemo chooses the demo connector on the first screen.
func (h *harness) pickDemo() {
	h.t.Helper()
	h.waitFor("Step 1/7 · Connector", uiWait)
	h.waitFor("demo — built-in demo, no credentials needed", uiWait)
	h.key(tea.KeyEnter)
}

// destinationAndSchedule fills the S3 destination and keeps the hourly
// schedule, ending on the review screen.
func (h *harness) destinationAndSchedule() {
	h.t.Helper()
	// The region is prefilled from AWS_REGION.
	h.s3Answers("sync-bucket", "")
	h.key(tea.KeyEnter) // the default chain; Deps.Preflight is nil here
	h.waitFor("Step 5/7 · Schedule", uiWait)
	h.waitFor("Every hour at minute 17 (recommended; 17 * * * *)", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("Step 6/7 · Review", uiWait)
}

// TestWizardWalkthrough walks every step with the real demo connector and
// writes the files.
func TestWizardWalkthrough(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := startWizard(t, w.deps)

	h.pickDemo()
	h.settings("acme", canary)

	h.waitFor("Step 3/7 · Test sync", uiWait)
	h.waitFor("✓ Test sync finished", syncWait)
	h.waitFor("3 resource types · 24 resources · 4 entitlements · 40 grants", uiWait)
	h.waitFor("user                     20 resources        0 entitlements        0 grants", uiWait)
	if s := h.screen(); !strings.Contains(s, "role                      3 resources        3 entitlements       20 grants") ||
		!strings.Contains(s, "enter continue · r run again · d details · esc back") {
		t.Errorf("test sync screen:\n%s", s)
	}
	h.key(tea.KeyEnter)

	h.destinationAndSchedule()
	h.waitFor("s3://sync-bucket/baton/demo/sync.c1z (us-east-1)", uiWait)
	h.waitFor("In ConductorOne, set the S3 data source's File name to exactly: baton/demo/sync.c1z", uiWait)
	h.waitFor("(17 * * * *)", uiWait)
	h.waitFor("┃ Profile name", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Install the crontab entry now?", uiWait)
	h.tm.Type("y")
	h.waitFor("┃ Write the files?", uiWait)
	h.key(tea.KeyEnter)

	h.waitFor("Step 7/7 · Done", uiWait)
	h.waitFor("✓ Setup written", uiWait)
	h.waitFor("Installed in your crontab:", uiWait)
	h.waitFor("# END baton-setup profile=demo", uiWait)
	done := h.screen()
	cronLine := "17 * * * * " + filepath.Join(w.home, ".config", "baton-setup", "demo", "sync.sh")
	for _, line := range strings.Split(done, "\n") {
		// The crontab entry stays whole, to paste as it is.
		if n := ansi.StringWidth(line); n > termW && !strings.HasPrefix(line, cronLine) {
			t.Errorf("done screen line is %d columns wide, more than %d: %q", n, termW, line)
		}
	}
	if !strings.Contains(done, "\n"+cronLine+" >>") {
		t.Errorf("the crontab entry is not on a line of its own:\n%s", done)
	}
	h.key(tea.KeyEnter)
	app := h.final()

	if app.err != nil || app.result == nil {
		t.Fatalf("final: err %v, result %v", app.err, app.result)
	}
	dir := filepath.Join(w.home, ".config", "baton-setup", "demo")
	if app.plan.Output.Dir != dir || app.plan.Schedule.Cron != "17 * * * *" || !app.plan.Schedule.Install {
		t.Errorf("final plan: dir %q cron %q install %v", app.plan.Output.Dir, app.plan.Schedule.Cron, app.plan.Schedule.Install)
	}
	for _, f := range []struct {
		name string
		mode os.FileMode
	}{{"", 0o700}, {"sync.sh", 0o700}, {"secrets.env", 0o600}, {"plan.json", 0o600}} {
		if got := testenv.Mode(t, filepath.Join(dir, f.name)); got != f.mode {
			t.Errorf("%s: mode %04o, want %04o", filepath.Join(dir, f.name), got, f.mode)
		}
	}
	syncSh, _ := os.ReadFile(filepath.Join(dir, "sync.sh"))
	planJSON, _ := os.ReadFile(filepath.Join(dir, "plan.json"))
	secrets, _ := os.ReadFile(filepath.Join(dir, "secrets.env"))
	if bytes.Contains(syncSh, []byte(canary)) || bytes.Contains(planJSON, []byte(canary)) {
		t.Error("sync.sh or plan.json contains the secret")
	}
	if !bytes.Contains(secrets, []byte("BATON_API_KEY="+canary)) {
		t.Errorf("secrets.env lacks the key:\n%s", secrets)
	}
	if !bytes.Contains(syncSh, []byte("sync-bucket")) || !bytes.Contains(syncSh, []byte(connectorBin)) {
		t.Errorf("sync.sh does not upload to the bucket with the connector binary:\n%s", syncSh)
	}
	table, _ := os.ReadFile(w.table)
	if !strings.HasPrefix(string(table), existingCron) ||
		strings.Count(string(table), "# BEGIN baton-setup profile=demo ") != 1 ||
		!strings.Contains(string(table), "17 * * * * "+filepath.Join(dir, "sync.sh")) {
		t.Errorf("crontab table:\n%s", table)
	}
	// The old table is backed up under the injected clock's time.
	backup, err := os.ReadFile(app.result.Cron.Backup)
	if err != nil || string(backup) != existingCron || !strings.Contains(filepath.Base(app.result.Cron.Backup), "20250602T093000Z") {
		t.Errorf("crontab backup %q: %q, %v", app.result.Cron.Backup, backup, err)
	}
	if bytes.Contains(h.all.Bytes(), []byte(canary)) {
		t.Error("the secret was drawn on the screen")
	}
}

// TestWizardBackKeepsSettings goes back from a finished test sync: the
// form shows the values typed before, and submitting it unchanged runs a
// second sync with the same secret.
func TestWizardBackKeepsSettings(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := startWizard(t, w.deps)

	h.pickDemo()
	h.settings("globex", canary)
	h.waitFor("✓ Test sync finished", syncWait)
	h.key(tea.KeyEsc)

	h.waitFor("Step 2/7 · Settings", uiWait)
	h.waitFor("┃ Tenant *", uiWait)
	s := h.screen()
	if !strings.Contains(s, "> globex") || !strings.Contains(s, "> ••••7a1b (enter keeps it)") {
		t.Fatalf("settings after Back lost the values:\n%s", s)
	}
	for _, want := range []string{"┃ API key *", "┃ API key value", "┃ Number of users", "┃ Include roles"} {
		h.key(tea.KeyEnter)
		h.waitFor(want, uiWait)
	}
	h.key(tea.KeyEnter)
	h.waitFor("Step 3/7 · Test sync", uiWait)
	h.waitFor("✓ Test sync finished", syncWait)

	// Answers were given: the first ctrl+c asks, the second leaves.
	h.key(tea.KeyCtrlC)
	h.waitFor("Quit without writing the files?", uiWait)
	h.key(tea.KeyCtrlC)
	app := h.final()
	if app.err != ErrCancelled {
		t.Errorf("ctrl+c: err %v, want ErrCancelled", app.err)
	}
	if got := app.plan.Values["tenant"]; got != "globex" {
		t.Errorf("tenant %q, want globex", got)
	}
	if got := app.plan.Secrets["api-key"].Reveal(); got != canary {
		t.Error("api-key was not kept")
	}
	if bytes.Contains(h.all.Bytes(), []byte(canary)) {
		t.Error("the secret was drawn on the screen")
	}
}

// TestWizardInvalidKey shows the diagnosis of rejected credentials and
// stays on the test step.
func TestWizardInvalidKey(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	h := startWizard(t, w.deps)

	h.pickDemo()
	h.settings("acme", "invalid")
	h.waitFor("Step 3/7 · Test sync", uiWait)
	// Usually exit code 16 (Unauthenticated). baton-sdk v0.25.0 races two
	// exits on this path: its service child, killed when the run's context
	// ends, makes the parent exit 0 now and then. The wizard must judge the
	// run failed, and diagnose it from the log, either way.
	h.waitFor("✗ Test sync failed (connector exit code ", syncWait)
	h.waitFor("API key (401 from upstream)", uiWait)
	h.waitFor("Likely cause: The service rejected the credentials.", uiWait)
	h.waitFor("What to do: Check the username and password, API key or token", uiWait)

	h.key(tea.KeyEnter)
	// Enter's Cmd, if Update returned one, would deliver its message well
	// within this time.
	time.Sleep(300 * time.Millisecond)
	s := h.screen()
	if !strings.HasPrefix(s, "Step 3/7 · Test sync") || !strings.Contains(s, "✗ Test sync failed") ||
		!strings.Contains(s, "r full test sync · d details · esc back to settings") {
		t.Fatalf("enter left the failed test step:\n%s", s)
	}
	h.key(tea.KeyEsc)
	h.waitFor("Step 2/7 · Settings", uiWait)
}

// goldenPaths replaces this machine's temporary paths in a screen.
func goldenPaths(s string) string {
	return strings.ReplaceAll(s, connectorBin, "$BIN")
}

// TestWizardGoldenScreens compares the first screen and the review screen
// with testdata; run with -update to rewrite them.
func TestWizardGoldenScreens(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	// Nothing is written here: a fixed directory keeps the screen stable.
	w.deps.DefaultOutDir = func(profile string) (string, error) {
		return "/home/operator/.config/baton-setup/" + profile, nil
	}
	h := startWizard(t, w.deps)

	h.waitFor("Step 1/7 · Connector", uiWait)
	h.waitFor("demo — built-in demo, no credentials needed", uiWait)
	first := h.screen()
	t.Run("connector", func(t *testing.T) { teatest.RequireEqualOutput(t, []byte(first)) })
	h.key(tea.KeyEnter)

	h.settings("acme", canary)
	h.waitFor("✓ Test sync finished", syncWait)
	h.key(tea.KeyEnter)
	h.destinationAndSchedule()
	h.waitFor("┃ Profile name", uiWait)
	review := goldenPaths(h.screen())
	t.Run("review", func(t *testing.T) { teatest.RequireEqualOutput(t, []byte(review)) })
}
