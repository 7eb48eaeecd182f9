package tui

import (
	"context"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/charmbracelet/bubbles/key"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
)

// keyHelp is the footer text of keys, as the short help shows it.
func keyHelp(keys []key.Binding) string {
	var parts []string
	for _, k := range keys {
		if k.Enabled() {
			parts = append(parts, k.Help().Key+" "+k.Help().Desc)
		}
	}
	return strings.Join(parts, " · ")
}

// press sends one key to the App and returns the screen without ANSI codes
// and the message of the Cmd it returned, when that comes at once.
func press(t *testing.T, a *App, k tea.KeyMsg) (string, tea.Msg) {
	t.Helper()
	_, cmd := a.Update(k)
	var msg tea.Msg
	if cmd != nil {
		got := make(chan tea.Msg, 1)
		go func() { got <- cmd() }()
		select {
		case msg = <-got:
		case <-time.After(100 * time.Millisecond): // a cursor blink, not an answer
		}
	}
	return ansi.Strip(a.View()), msg
}

func schedulePlan() *plan.Plan {
	return &plan.Plan{Connector: plan.Connector{Name: "demo"}, Schedule: plan.Schedule{Cron: "17 * * * *"}}
}

func scheduleApp(t *testing.T) *App {
	t.Helper()
	deps := Deps{Connectors: func() []discover.Found { return nil }, RandomMinute: func() int { return 17 }}
	a := New(context.Background(), deps, schedulePlan())
	_ = a.enter(stepSchedule)
	resize(a, termW, termH)
	return a
}

// TestQuitConfirm: leaving with answers asks first; ctrl+c twice, or y,
// leaves; n stays. With nothing entered, Esc on the first step leaves at once.
func TestQuitConfirm(t *testing.T) {
	t.Run("nothing entered", func(t *testing.T) {
		a := newAppAt(t, stepConnector, &plan.Plan{}, nil)
		if _, msg := press(t, a, keyMsg("esc")); msg != (tea.QuitMsg{}) || a.err != ErrCancelled {
			t.Errorf("esc on the first step: msg %#v, err %v", msg, a.err)
		}
	})
	for _, tc := range []struct {
		name   string
		leave  tea.KeyMsg
		answer tea.KeyMsg
	}{
		{"ctrl+c twice", tea.KeyMsg{Type: tea.KeyCtrlC}, tea.KeyMsg{Type: tea.KeyCtrlC}},
		{"q then y", keyMsg("q"), keyMsg("y")},
	} {
		t.Run(tc.name, func(t *testing.T) {
			a := scheduleApp(t)
			a.touched = true
			view, msg := press(t, a, tc.leave)
			if msg != nil || !strings.Contains(view, "Quit without writing the files?") || !strings.Contains(view, "y quit · n/esc stay") {
				t.Fatalf("first %s: msg %#v, screen:\n%s", tc.leave, msg, view)
			}
			view, _ = press(t, a, keyMsg("n"))
			requireNotContains(t, view, "Quit without writing")
			requireContains(t, view, "Step 5/7 · Schedule", "How often should the sync run?")
			press(t, a, tc.leave)
			if _, msg := press(t, a, tc.answer); msg != (tea.QuitMsg{}) || a.err != ErrCancelled {
				t.Errorf("confirmed: msg %#v, err %v", msg, a.err)
			}
		})
	}
}

// TestHelpToggle: ? opens the full key help and closes it again; the step
// gets the lines it loses back.
func TestHelpToggle(t *testing.T) {
	a := scheduleApp(t)
	short, _ := press(t, a, tea.KeyMsg{Type: tea.KeyDown})
	// A custom schedule shows one more group, so enter moves to it.
	requireContains(t, short, "↑ up · ↓ down · / filter · enter select · ctrl+s accept all · esc back · ? more keys · ctrl+c quit")
	full, _ := press(t, a, keyMsg("?"))
	if !regexp.MustCompile(`\?\s+fewer keys`).MatchString(full) || !regexp.MustCompile(`q\s+quit`).MatchString(full) {
		t.Errorf("full help:\n%s", full)
	}
	requireFits(t, full, termW)
	if n := strings.Count(full, "\n"); n >= termH {
		t.Errorf("full help screen has %d lines, more than the window's %d", n+1, termH)
	}
	again, _ := press(t, a, keyMsg("?"))
	requireContains(t, again, "? more keys")
	requireNotContains(t, again, "fewer keys")
}

// TestEscClearsFilter: Esc while a picker filters clears the filter and
// stays; the next Esc goes back.
func TestEscClearsFilter(t *testing.T) {
	a := scheduleApp(t)
	press(t, a, keyMsg("/"))
	view, _ := press(t, a, keyMsg("x"))
	requireNotContains(t, view, "Every hour at minute", "esc back") // filtered out by "x"; esc is the filter's
	requireContains(t, view, "A custom cron expression")
	view, msg := press(t, a, keyMsg("esc"))
	if _, back := msg.(stepBackMsg); back || a.idx != stepSchedule {
		t.Fatalf("esc while filtering went back")
	}
	requireContains(t, view, "Every hour at minute 17", "A custom cron expression")
	sel := a.cur.(formed).base().form.GetFocusedField().(interface{ GetFiltering() bool })
	if sel.GetFiltering() || a.cur.(formed).base().fieldBinds(keyMsg("esc")) {
		t.Error("the filter is still on after esc")
	}
	if _, msg := press(t, a, keyMsg("esc")); msg != (stepBackMsg{}) {
		t.Errorf("second esc: %#v, want stepBackMsg", msg)
	}
}
