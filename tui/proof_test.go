package tui

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/setup"
	"github.com/conductorone/baton-setup/internal/verify"
)

// fakeVerify reports lines and then res (or its failure), as Deps.Verify
// does; release, when set, holds the outcome back until it is closed.
func fakeVerify(t *testing.T, res verify.Result, release chan struct{}) func(context.Context, *plan.Plan, func(string)) (verify.Result, error) {
	return func(ctx context.Context, p *plan.Plan, progress func(string)) (verify.Result, error) {
		if p.Profile != "demo-production" {
			t.Errorf("verify got profile %q", p.Profile)
		}
		progress("2025-06-02T09:30:00Z baton-setup[demo-production]: sync started")
		progress("connector: synced 20 user resources")
		if release != nil {
			select {
			case <-release:
			case <-ctx.Done():
				return verify.Result{}, ctx.Err()
			}
		}
		if !res.Delivered {
			return res, verify.ErrNotDelivered
		}
		return res, nil
	}
}

var (
	delivered = verify.Result{Delivered: true, Scheduler: "cron", Log: "/h/sync.log", Dest: "s3://sync-bucket/baton/demo/sync.c1z",
		SyncID: "2xYz", Resources: 24, SHA256: "0123456789abcdef0123", At: fixedNow}
	refused = verify.Result{Scheduler: "cron", Failure: &verify.Failure{
		Reason: "the connector exited with status 16; see /h/work/connector.log", Error: "demo: invalid API key (401 from upstream)",
		Cause: "credentials", Explanation: "The service rejected the credentials.", Fix: "Check the API key."}}
)

// doneApp is an App on the Done screen of donePlan, with Verify.
func doneApp(t *testing.T, v func(context.Context, *plan.Plan, func(string)) (verify.Result, error)) (*App, context.CancelFunc) {
	t.Helper()
	p, res := donePlan(t)
	res.SyncScript = render.SyncScript(p)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	a := New(ctx, Deps{Connectors: func() []discover.Found { return nil }, Verify: v}, p)
	a.result = res
	a.plan = p
	a.idx, a.cur = stepDone, a.makeStep(stepDone, p)
	return a, cancel
}

// TestProofLines answers the Done screen's offer as line prompts: the run
// is reported line by line, and ends with its outcome.
func TestProofLines(t *testing.T) {
	for _, tc := range []struct {
		name   string
		res    verify.Result
		answer string
		want   []string
		ran    bool
	}{
		{"delivered", delivered, "", []string{"Running " + "/home/operator-with-a-long-name/.config/baton-setup/demo-production/sync.sh with only what cron gives it",
			"sync started", "connector: synced 20 user resources",
			"✓ Delivered: s3://sync-bucket/baton/demo/sync.c1z, sync 2xYz, 24 resources, verified 0123456789ab at 09:30"}, true},
		{"not delivered", refused, "y", []string{"✗ Not delivered: the connector exited with status 16",
			"Error: demo: invalid API key (401 from upstream)", "Likely cause: The service rejected the credentials.",
			"Fix: Check the API key.", "baton-setup verify --profile demo-production"}, true},
		{"declined", delivered, "n", []string{"Not run. To run it later", "baton-setup verify --profile demo-production"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ran := false
			v := fakeVerify(t, tc.res, nil)
			a, _ := doneApp(t, func(ctx context.Context, p *plan.Plan, progress func(string)) (verify.Result, error) {
				ran = true
				return v(ctx, p, progress)
			})
			out := &transcript{}
			err := runLines(context.Background(), a, &script{t: t, out: out, answers: []answer{
				{"Run it now as the schedule will? [Y/n]", tc.answer},
			}}, out)
			if err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			text := out.String()
			requireContains(t, text, "✓ Setup written", "Runs sync.sh with only what cron gives it")
			requireContains(t, text, tc.want...)
			if ran != tc.ran {
				t.Errorf("verify ran: %v, want %v", ran, tc.ran)
			}
			if n := strings.Count(text, "✓ Setup written"); n != 1 {
				t.Errorf("the report was printed %d times:\n%s", n, text)
			}
		})
	}
}

// TestProofFullScreen runs the proof on the full screen: the offer under
// the report, the run's lines while it runs, then the outcome; ctrl+c
// while it runs stops it.
func TestProofFullScreen(t *testing.T) {
	release := make(chan struct{})
	a, cancel := doneApp(t, fakeVerify(t, delivered, release))
	h := runApp(t, a, cancel)
	h.waitFor("Step 7/7 · Done", uiWait)
	h.waitFor("Run it now as the schedule will?", uiWait)
	if s := h.screen(); !strings.Contains(s, "✓ Setup written") || !strings.Contains(s, "Run it now") || !strings.Contains(s, "esc or q quit without running") {
		t.Errorf("offer:\n%s", s)
	}
	h.key(tea.KeyEnter)
	h.waitFor("connector: synced 20 user resources", uiWait)
	if s := h.screen(); !strings.Contains(s, "what cron gives it") || !strings.Contains(s, "sync started") {
		t.Errorf("running:\n%s", s)
	}
	close(release)
	h.waitFor("Delivered: s3://sync-bucket/baton/demo/sync.c1z, sync 2xYz", uiWait)
	s := h.screen()
	requireContains(t, s, "✓ Delivered:", "sync.sh ran as cron will run it", "The same setup without prompts", "enter or q quit")
	requireFits(t, s, termW)
	h.key(tea.KeyEnter)
	h.final()
}

// TestProofStopped quits while the proof runs: the run's context ends.
func TestProofStopped(t *testing.T) {
	stopped := make(chan struct{})
	v := func(ctx context.Context, p *plan.Plan, progress func(string)) (verify.Result, error) {
		progress("sync started")
		<-ctx.Done()
		close(stopped)
		return verify.Result{}, ctx.Err()
	}
	a, cancel := doneApp(t, v)
	h := runApp(t, a, cancel)
	h.waitFor("Run it now as the schedule will?", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("sync started", uiWait)
	h.tm.Send(tea.KeyMsg{Type: tea.KeyCtrlC})
	select {
	case <-stopped:
	case <-time.After(uiWait):
		t.Fatal("quitting did not stop the proof")
	}
	h.final()
}

// TestNoProofWithoutVerify keeps the Done screen as it was when nothing
// can be proved: no Verify, or service mode.
func TestNoProofWithoutVerify(t *testing.T) {
	p, res := donePlan(t)
	res.SyncScript = render.SyncScript(p)
	if pr := newProof(context.Background(), Deps{}, NewStyles(true), p, res, nil, nil); pr != nil {
		t.Error("a proof without Deps.Verify")
	}
	p.Mode = plan.ModeService
	v := func(context.Context, *plan.Plan, func(string)) (verify.Result, error) {
		return verify.Result{}, errors.New("no")
	}
	if pr := newProof(context.Background(), Deps{Verify: v}, NewStyles(true), p, &setup.Result{}, nil, nil); pr != nil {
		t.Error("a proof in service mode")
	}
}

// TestDoneCommandsPaste: every command the Done screen prints starts with
// what runs this baton-setup from the user's shell, as Deps.Command says:
// in a `go run` session, the stable copy's path, since no baton-setup is
// on PATH there.
func TestDoneCommandsPaste(t *testing.T) {
	const copied = "/home/operator/.local/share/baton-setup/bin/baton-setup"
	command := func(path string) string {
		if path != copied {
			t.Errorf("Command(%q), want the stable copy", path)
		}
		return path
	}
	p, res := donePlan(t)
	res.SyncScript = render.SyncScript(p)
	res.Self, res.CopiedSelf = copied, true
	res.Cron.Installed = false
	deps := Deps{Connectors: func() []discover.Found { return nil }, Command: command,
		Verify: func(context.Context, *plan.Plan, func(string)) (verify.Result, error) {
			return refused, verify.ErrNotDelivered
		}}
	for _, tc := range []struct {
		name   string
		deps   Deps
		answer string
		want   []string
	}{
		{"proof declined", deps, "n", []string{
			"Not scheduled yet: install the crontab entry (At 17 minutes past the hour (server time) (17 * * * *)) with\n    " + copied + " schedule install --profile demo-production",
			"To run it later as the schedule will and check what it delivers:\n  " + copied + " verify --profile demo-production"}},
		{"proof failed", deps, "y", []string{"Run it again after the fix with: " + copied + " verify --profile demo-production"}},
		{"no proof", Deps{Connectors: deps.Connectors, Command: command}, "", []string{
			"Crontab entry, not installed. Install it with:\n  " + copied + " schedule install --profile demo-production",
			"  " + copied + " generate --connector demo"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := New(context.Background(), tc.deps, p)
			a.result, a.plan = res, p
			a.idx, a.cur = stepDone, a.makeStep(stepDone, p)
			out := &transcript{}
			var answers []answer
			if tc.answer != "" {
				answers = []answer{{"Run it now as the schedule will? [Y/n]", tc.answer}}
			}
			if err := runLines(context.Background(), a, &script{t: t, out: out, answers: answers}, out); err != nil {
				t.Fatalf("run: %v\n%s", err, out.String())
			}
			text := out.String()
			requireContains(t, text, tc.want...)
			if strings.Contains(text, "  baton-setup ") || strings.Contains(text, " baton-setup schedule") {
				t.Errorf("a command starts with a baton-setup that is not on PATH:\n%s", text)
			}
		})
	}
}
