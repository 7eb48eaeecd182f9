package tui

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/setup"
)

// homeWorld is a home screen over two saved setups, whose side effects
// are recorded rather than done.
type homeWorld struct {
	mu      sync.Mutex
	saved   []Saved
	calls   []string
	loaded  *plan.Plan
	removed bool
}

func (w *homeWorld) record(call string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.calls = append(w.calls, call)
}

func (w *homeWorld) called() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return strings.Join(w.calls, ",")
}

func newHomeWorld(t *testing.T, deps Deps) (*homeWorld, Deps) {
	root := filepath.Join(t.TempDir(), "config")
	w := &homeWorld{saved: []Saved{
		{Name: "demo", Dir: filepath.Join(root, "demo"), Connector: "demo", Version: "v1.2.0", Destination: plan.DestLocal, Cron: "7 * * * *"},
		{Name: "okta", Dir: filepath.Join(root, "okta"), Connector: "okta", Destination: "s3://bkt/baton/okta/sync.c1z", Cron: "30 * * * *"},
	}}
	sch := &schema.Schema{Fields: []schema.Field{{Name: "tenant", Required: true, Label: "Tenant"}, {Name: "api-key", Required: true, Secret: true, Label: "API key"}}}
	w.loaded = &plan.Plan{Profile: "demo", Connector: plan.Connector{Name: "demo", Path: connectorBin, Args: []string{"demo-connector"}, Schema: sch},
		Destination: plan.Destination{Kind: plan.DestLocal}, Schedule: plan.Schedule{Cron: "7 * * * *"}, Output: plan.Output{Dir: w.saved[0].Dir}}
	w.loaded.SetValue(sch.Fields[0], "acme")
	w.loaded.SetValue(sch.Fields[1], canary)
	deps.Home = HomeDeps{
		Saved: w.saved,
		List: func() ([]Saved, error) {
			w.mu.Lock()
			defer w.mu.Unlock()
			if w.removed {
				return w.saved[:1], nil
			}
			return w.saved, nil
		},
		State: func(_ context.Context, saved []Saved) []Saved {
			out := append([]Saved(nil), saved...)
			for i := range out {
				out[i].Checked = true
				if out[i].Name == "demo" {
					out[i].Installed = true
					out[i].LastRun = fixedNow.Add(-time.Hour)
					out[i].LastResult = "failed: the connector exited with status 16 (credentials)"
					out[i].LastUpload = fixedNow.Add(-26*time.Hour - 5*time.Minute)
				}
			}
			return out
		},
		Drift: func(_ context.Context, name string) (plan.Drift, error) {
			if name == "okta" {
				return plan.Drift{OldVersion: "v0.5.1", NewVersion: "v0.6.0", Missing: []schema.Field{{Name: "region", Required: true}}}, nil
			}
			return plan.Drift{}, nil
		},
		Load: func(_ context.Context, name string) (*plan.Plan, []string, error) {
			w.record("load " + name)
			if name != "demo" {
				return nil, nil, errors.New("no such profile")
			}
			return w.loaded.Clone(), nil, nil
		},
		Schedule: func(_ context.Context, name string, install bool) (string, error) {
			w.record("schedule " + name + map[bool]string{true: " on", false: " off"}[install])
			return "Removed the crontab entry of " + name + ".", nil
		},
		Remove: func(_ context.Context, name string) (setup.Removed, error) {
			w.record("remove " + name)
			w.mu.Lock()
			w.removed = true
			w.mu.Unlock()
			return setup.Removed{Profile: name, Backup: "/cfg/.removed/" + name + ".20250602T093000Z"}, nil
		},
	}
	return w, deps
}

// homeDeps are the wizard's deps with the demo connector and no writes.
func homeDeps(t *testing.T) (*homeWorld, Deps) {
	return newHomeWorld(t, Deps{
		Connectors: func() []discover.Found {
			return []discover.Found{{Name: "demo", Path: connectorBin, Args: []string{"demo-connector"}, Source: "built-in"}}
		},
		LoadSchema:   discover.Schema,
		Getenv:       func(string) string { return "" },
		Now:          func() time.Time { return fixedNow },
		RandomMinute: func() int { return 17 },
	})
}

// TestHomeLines drives the home screen as numbered prompts: the list with
// each setup's state and its connector's changes, an action menu, a
// confirmed removal, the list again, and a new setup.
func TestHomeLines(t *testing.T) {
	t.Parallel()
	w, deps := homeDeps(t)
	out, a, err := runScript(t, deps, &plan.Plan{}, stepHome, []answer{
		{"Which setup?", "2"},
		{"What do you want to do with okta?", "4"}, // edit, test, schedule, remove, back
		{"Remove the setup okta?", "1"},            // What next? remove it
		// "Set up a new connector" is 2 now that one is left.
		{"Removed the setup okta; its files are kept in /cfg/.removed/okta.20250602T093000Z.", "2"},
	})
	if !errors.Is(err, io.EOF) {
		t.Fatalf("run: %v\n%s", err, out)
	}
	for _, want := range []string{
		"baton-setup · Your setups",
		"demo  demo connector v1.2.0  a local file",
		"    installed in crontab: At 7 minutes past the hour (server time)\n",
		"    last run 2025-06-02 ",
		": failed: the connector exited with status 16 (credentials) · last upload 1d 2h ago\n",
		"needs input, the connector changed: version v0.5.1 → v0.6.0; it requires region (BATON_REGION)",
		"1. demo — demo connector, a local file, installed in crontab: At 7 minutes past the hour (server time)",
		"3. Set up a new connector",
		"4. Quit",
		"1. Edit it (every answer pre-filled; Enter keeps each)",
		"3. Install its crontab entry",
		"Its directory moves to " + filepath.Join(filepath.Dir(w.saved[1].Dir), ".removed", "okta.<time>") + ", so nothing is deleted.",
		"2. keep it",
		"Step 1/7 · Connector",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the transcript lacks %q:\n%s", want, out)
		}
	}
	if got := w.called(); got != "remove okta" {
		t.Errorf("calls %q", got)
	}
	if a.idx != stepConnector {
		t.Errorf("step %d, want the connector step", a.idx)
	}
}

// TestHomeCollisionLines picks a connector whose profile exists: the step
// asks what to do, and neither answer writes over the saved setup.
func TestHomeCollisionLines(t *testing.T) {
	t.Parallel()
	t.Run("new name", func(t *testing.T) {
		_, deps := homeDeps(t)
		out, a, err := runScript(t, deps, &plan.Plan{}, stepHome, []answer{
			{"Which setup?", "3"}, // Set up a new connector
			{"Which connector do you want to set up?", "1"},
			{"A setup named demo already exists", "2"},
			{"New profile name", "okta"},
			{"a setup named okta exists too; choose another name", ""},
		})
		if !errors.Is(err, io.EOF) {
			t.Fatalf("run: %v\n%s", err, out)
		}
		if !strings.Contains(out, `(Enter keeps "demo-2")`) || !strings.Contains(out, "Step 2/7 · Settings (profile demo-2)") {
			t.Errorf("transcript:\n%s", out)
		}
		if a.plan.Profile != "demo-2" || a.plan.Output.Dir != "" {
			t.Errorf("plan profile %q dir %q", a.plan.Profile, a.plan.Output.Dir)
		}
	})
	t.Run("edit it", func(t *testing.T) {
		w, deps := homeDeps(t)
		out, a, err := runScript(t, deps, &plan.Plan{}, stepHome, []answer{
			{"Which setup?", "3"},
			{"Which connector do you want to set up?", "1"},
			{"A setup named demo already exists", "1"},
		})
		if !errors.Is(err, io.EOF) {
			t.Fatalf("run: %v\n%s", err, out)
		}
		if !strings.Contains(out, "Step 2/7 · Settings (profile demo)") || !strings.Contains(out, `(Enter keeps "acme")`) {
			t.Errorf("transcript:\n%s", out)
		}
		if a.plan.Output.Dir != w.saved[0].Dir || a.plan.Value("api-key") != canary || w.called() != "load demo" {
			t.Errorf("plan %+v, calls %q", a.plan, w.called())
		}
	})
}

// TestHomeScreen drives the full screen: the list, a removal declined, a
// test sync of a saved setup that comes back to the list, the schedule
// removed, and an edit that opens the wizard pre-filled.
func TestHomeScreen(t *testing.T) {
	t.Parallel()
	w, deps := homeDeps(t)
	base := newWorld(t).deps
	deps.StartTest, deps.FinishTest = base.StartTest, base.FinishTest
	ctx, cancel := context.WithCancel(context.Background())
	a := New(ctx, deps, nil)
	h := runApp(t, a, cancel)

	h.waitFor("baton-setup · Your setups", uiWait)
	h.waitFor("requires region (BATON_REGION)", uiWait)
	s := h.screen()
	for _, want := range []string{"> demo  demo connector v1.2.0  a local file", "  okta  okta connector  s3://bkt/baton/okta/sync.c1z",
		"enter edit · t test now · s remove the schedule · x remove · n new connector", "+ Set up a new connector"} {
		if !strings.Contains(s, want) {
			t.Errorf("home screen lacks %q:\n%s", want, s)
		}
	}
	h.tm.Type("x")
	h.waitFor("Remove the setup demo?", uiWait)
	h.tm.Type("n")
	h.waitFor("> demo", uiWait)

	h.tm.Type("t")
	h.waitFor("✓ Test sync finished", syncWait)
	h.waitFor("enter back to your setups", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("baton-setup · Your setups", uiWait)

	h.tm.Type("s")
	h.waitFor("Removed the crontab entry of demo.", uiWait)

	h.key(tea.KeyEnter)
	h.waitFor("Step 1/7 · Connector", uiWait)
	h.waitFor("profile demo", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("Step 2/7 · Settings", uiWait)
	h.waitFor("leave empty to keep it", uiWait)
	if got := w.called(); got != "load demo,schedule demo off,load demo" {
		t.Errorf("calls %q", got)
	}
	for _, sc := range []string{h.all.String(), h.screen()} {
		if strings.Contains(sc, canary) {
			t.Fatal("the screen shows the secret")
		}
	}
}

// TestHomeRunScheduled offers "run now as the schedule will" once the
// build has it, streams its progress as lines and shows its outcome.
func TestHomeRunScheduled(t *testing.T) {
	t.Parallel()
	w, deps := homeDeps(t)
	deps.Home.RunScheduled = func(_ context.Context, name string, lines chan<- string) (string, error) {
		w.record("run " + name)
		lines <- "running sync.sh in cron's environment"
		lines <- "uploaded to s3://bkt/baton/okta/sync.c1z"
		return "Delivered: s3://bkt/baton/okta/sync.c1z", nil
	}
	out, _, err := runScript(t, deps, &plan.Plan{}, stepHome, []answer{
		{"Which setup?", "1"},
		{"3. Run it now as the schedule will", "3"},
		{"Delivered: s3://bkt/baton/okta/sync.c1z", "4"}, // Quit
	})
	if err != nil {
		t.Fatalf("run: %v\n%s", err, out)
	}
	if !strings.Contains(out, "Running demo as its schedule will…\n\nrunning sync.sh in cron's environment\nuploaded to s3://bkt/baton/okta/sync.c1z\n") {
		t.Errorf("no progress lines:\n%s", out)
	}
	if got := w.called(); got != "run demo" {
		t.Errorf("calls %q", got)
	}
	// Without the dependency the action is not offered.
	_, deps = homeDeps(t)
	out, _, _ = runScript(t, deps, &plan.Plan{}, stepHome, []answer{{"Which setup?", "1"}})
	if strings.Contains(out, "Run it now") {
		t.Errorf("the run is offered without RunScheduled:\n%s", out)
	}
}
