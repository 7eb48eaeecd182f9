package tui

import (
	"context"
	"fmt"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/setup"
)

// donePlan is a finished setup with paths long enough to overflow.
func donePlan(t *testing.T) (*plan.Plan, *setup.Result) {
	t.Helper()
	dir := "/home/operator-with-a-long-name/.config/baton-setup/demo-production"
	p := &plan.Plan{
		Profile:     "demo-production",
		Connector:   plan.Connector{Name: "demo", Path: "/usr/local/bin/baton-setup", Args: []string{"demo-connector"}},
		Values:      map[string]string{"tenant": "acme", "user-count": "20"},
		Secrets:     map[string]plan.Secret{"api-key": plan.NewSecret(canary)},
		Destination: plan.Destination{Kind: plan.DestS3, Bucket: "sync-bucket", Key: "baton/demo/sync.c1z", Region: "us-east-1"},
		Schedule:    plan.Schedule{Cron: "17 * * * *", Install: true},
		Output:      plan.Output{Dir: dir},
	}
	block, err := render.CronBlock(p)
	if err != nil {
		t.Fatal(err)
	}
	return p, &setup.Result{
		Files: []render.File{
			{Name: "sync.sh", Path: dir + "/sync.sh", Mode: 0o700},
			{Name: "secrets.env", Path: dir + "/secrets.env", Mode: 0o600},
			{Name: "plan.json", Path: dir + "/plan.json", Mode: 0o600},
		},
		Cron: &setup.CronState{Block: block, Wanted: true, Installed: true},
	}
}

// newAppAt returns an App showing step i for p, laid out in no window yet.
func newAppAt(t *testing.T, i int, p *plan.Plan, res *setup.Result) *App {
	t.Helper()
	deps := Deps{Connectors: func() []discover.Found { return nil }}
	a := New(context.Background(), deps, p)
	a.result = res
	_ = a.enter(i) // the step's Init Cmds are not run
	t.Cleanup(func() {
		if c, ok := a.cur.(closer); ok {
			c.Close()
		}
	})
	return a
}

// resize sends a WindowSizeMsg and returns the screen without ANSI codes.
func resize(a *App, w, h int) string {
	a.Update(tea.WindowSizeMsg{Width: w, Height: h})
	return ansi.Strip(a.View())
}

func requireFits(t *testing.T, view string, width int) {
	t.Helper()
	for _, l := range strings.Split(view, "\n") {
		if n := ansi.StringWidth(l); n > width {
			t.Errorf("line is %d columns, more than %d: %q", n, width, l)
		}
	}
}

// requireCronBlock checks that the crontab block is on screen as it is in
// the crontab: no box, no line wrapped, so that it pastes whole.
func requireCronBlock(t *testing.T, view, block string) {
	t.Helper()
	if !strings.Contains(view, "\n"+strings.TrimRight(block, "\n")+"\n") {
		t.Errorf("the crontab block is not on screen as it is:\n%s\nwant:\n%s", view, block)
	}
	requireNotContains(t, view, "┌", "│", "└")
}

// requireFitsBut is requireFits for every line but those of block.
func requireFitsBut(t *testing.T, view string, width int, block string) {
	t.Helper()
	whole := map[string]bool{}
	for _, l := range strings.Split(block, "\n") {
		whole[l] = true
	}
	var rest []string
	for _, l := range strings.Split(view, "\n") {
		if !whole[l] {
			rest = append(rest, l)
		}
	}
	requireFits(t, strings.Join(rest, "\n"), width)
}

// TestDoneScreenFitsWindow resizes the last screen: the long command wraps
// to each width, and widens again; the crontab block is never boxed nor
// wrapped, and says when the window cuts it off.
func TestDoneScreenFitsWindow(t *testing.T) {
	p, res := donePlan(t)
	a := newAppAt(t, stepDone, p, res)
	var first string
	for i, size := range []struct{ w, h int }{{100, 30}, {60, 40}, {40, 60}, {100, 30}} {
		t.Run(fmt.Sprintf("%d_%dx%d", i, size.w, size.h), func(t *testing.T) {
			view := resize(a, size.w, size.h)
			requireFitsBut(t, view, size.w, res.Cron.Block)
			requireCronBlock(t, view, res.Cron.Block)
			if size.w < 100 {
				requireContains(t, strings.Join(strings.Fields(view), " "), "(Wider than this window, so the terminal cuts it off; crontab -l shows it whole.)")
			}
			requireContains(t, view, "Step 7/7 · Done", "✓ Setup written", "enter or q quit")
			requireNotContains(t, view, canary)
			// The command is continued with " \" so that it pastes whole.
			var cmd []string
			for _, l := range strings.Split(view, "\n") {
				if strings.HasPrefix(l, "  baton-setup generate") || (len(cmd) > 0 && strings.HasPrefix(l, "    ")) {
					cmd = append(cmd, strings.TrimSuffix(strings.TrimSpace(l), " \\"))
				}
			}
			if got, want := strings.Join(cmd, " "), EquivalentCommand(p); got != want {
				t.Errorf("command on screen:\n%s\nwant:\n%s", got, want)
			}
			if i < 2 {
				teatest.RequireEqualOutput(t, []byte(view))
			} else if i == 3 && view != first {
				t.Errorf("not the same screen after widening again:\n%s", view)
			}
			if i == 0 {
				first = view
			}
		})
	}
}

// TestSettingsRelayout checks that a form takes the window's size: on a
// short window the header stays on screen, and the form grows back.
func TestSettingsRelayout(t *testing.T) {
	a := newAppAt(t, stepCredentials, demoConnectorPlan(t), nil)

	view := resize(a, 100, 16)
	if n := strings.Count(view, "\n") + 1; n > 16 {
		t.Errorf("%d lines on a 16-line window:\n%s", n, view)
	}
	requireContains(t, view, "Step 2/7 · Settings", "┃ Tenant *", "enter next")

	view = resize(a, 50, 40)
	requireFits(t, view, 50)
	requireContains(t, view, "Step 2/7 · Settings", "┃ Tenant *", "Include roles")

	view = resize(a, 100, 30)
	if n := strings.Count(view, "\n") + 1; n > 30 {
		t.Errorf("%d lines on a 30-line window:\n%s", n, view)
	}
	requireContains(t, view, "Settings for Baton Setup Demo. Secrets are masked", "┃ Tenant *", "API key *", "Include roles")
}

// TestDoneScreenNotInstalled checks that a crontab entry the wizard did not
// install comes with the one command that installs it: the boxed block is
// wrapped on narrow windows and cannot be pasted into crontab -e whole.
func TestDoneScreenNotInstalled(t *testing.T) {
	p, res := donePlan(t)
	p.Schedule.Install, res.Cron.Installed = false, false
	a := newAppAt(t, stepDone, p, res)
	view := resize(a, 60, 40)
	requireContains(t, view, "Crontab entry, not installed. Install it with:\n  baton-setup schedule install --profile "+p.Profile+"\n")
	requireCronBlock(t, view, res.Cron.Block)
	requireNotContains(t, view, "Installed in your crontab:")
}
