package tui

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/conductorone/baton-setup/internal/catalog"
	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/install"
	"github.com/conductorone/baton-setup/internal/plan"
)

func runeKeys(s string) []tea.KeyMsg {
	var out []tea.KeyMsg
	for _, r := range s {
		out = append(out, tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune{r}})
	}
	return out
}

func pickerStep(t *testing.T, deps Deps) *connectorStep {
	t.Helper()
	s := newConnectorStep(context.Background(), deps, NewStyles(true), &plan.Plan{})
	s.Update(tea.WindowSizeMsg{Width: termW, Height: termH - 4})
	return s
}

func (s *connectorStep) current() string {
	if len(s.shown) == 0 {
		return ""
	}
	return s.items[s.shown[s.cursor]].entry.Name
}

func TestConnectorPickerSearch(t *testing.T) {
	deps := Deps{Connectors: func() []discover.Found {
		return []discover.Found{
			{Name: "demo", Path: "/bin/true", Source: "built-in"},
			{Name: "okta", Path: "/opt/bin/baton-okta", Source: "PATH", SDKVersion: "v0.25.0"},
		}
	}}
	s := pickerStep(t, deps)
	if len(s.items) < 150 || s.current() != "demo" {
		t.Fatalf("%d items, first %q", len(s.items), s.current())
	}
	seen := map[string]int{}
	for _, it := range s.items {
		seen[it.entry.Name]++
	}
	if seen["okta"] != 1 || seen["demo"] != 1 {
		t.Errorf("installed connectors listed %d (okta) and %d (demo) times", seen["okta"], seen["demo"])
	}
	view := ansi.Strip(s.View())
	for _, want := range []string{"> demo — built-in demo, no credentials needed", "okta — ✓ /opt/bin/baton-okta (baton-sdk v0.25.0) [identity]", "1password — Syncs 1Password users, groups and vault access. [security]"} {
		if !strings.Contains(view, want) {
			t.Errorf("picker lacks %q:\n%s", want, view)
		}
	}

	for _, k := range runeKeys("gthb") {
		s.Update(k)
	}
	if s.current() != "github" {
		t.Errorf("after typing gthb the cursor is on %q, want github", s.current())
	}
	if !s.takesKey(tea.KeyMsg{Type: tea.KeyEsc}) {
		t.Error("Esc with a search typed must stay with the picker")
	}
	s.Update(tea.KeyMsg{Type: tea.KeyDown})
	if s.current() != "github-enterprise" {
		t.Errorf("down moved to %q", s.current())
	}
	s.Update(tea.KeyMsg{Type: tea.KeyEsc})
	if s.search.Value() != "" || len(s.shown) != len(s.items) || s.current() != "demo" {
		t.Errorf("Esc left search %q with %d of %d shown", s.search.Value(), len(s.shown), len(s.items))
	}
	if s.takesKey(tea.KeyMsg{Type: tea.KeyEsc}) {
		t.Error("Esc without a search must go to the App")
	}
	for _, k := range runeKeys("qzx?") {
		if !s.takesKey(k) {
			t.Errorf("%q is typed into the search, not given to the App", k)
		}
	}
	for _, k := range runeKeys("zzzzqqq") {
		s.Update(k)
	}
	if v := ansi.Strip(s.View()); !strings.Contains(v, "No connector matches") {
		t.Errorf("no-match view:\n%s", v)
	}
}

// TestConnectorPickerWithoutTools chooses a missing connector on a machine
// without brew, go or docker: the commands are printed.
func TestConnectorPickerWithoutTools(t *testing.T) {
	deps := Deps{
		Connectors: func() []discover.Found { return nil },
		Install: InstallDeps{
			Options: func(catalog.Entry) []install.Option { return nil },
			Start:   func(context.Context, install.Option) (*install.Run, error) { return nil, exec.ErrNotFound },
			Locate:  func(e catalog.Entry) (discover.Found, error) { return discover.Found{}, exec.ErrNotFound },
		},
	}
	s := pickerStep(t, deps)
	for _, k := range runeKeys("slack") {
		s.Update(k)
	}
	_, cmd := s.Update(tea.KeyMsg{Type: tea.KeyEnter})
	if cmd != nil || s.mode != modeMethod {
		t.Fatalf("enter on a missing connector: mode %d, cmd %v", s.mode, cmd)
	}
	v := ansi.Strip(s.View())
	for _, want := range []string{"baton-slack is not installed on this machine.", "brew install conductorone/baton/baton-slack", "go install github.com/conductorone/baton-slack", "docker pull public.ecr.aws/conductorone/baton-slack:latest", "Where to find its credentials: https://"} {
		if !strings.Contains(v, want) {
			t.Errorf("install help lacks %q:\n%s", want, v)
		}
	}
	s.Update(tea.KeyMsg{Type: tea.KeyEsc})
	if s.mode != modePick || s.current() != "slack" {
		t.Errorf("Esc went to mode %d on %q, want the list on slack", s.mode, s.current())
	}
}

// installWorld adds fake install tools to a test world: brew fails, go
// drops a baton-okta script (which prints a schema) into GOBIN.
func installWorld(t *testing.T, w *world) string {
	t.Helper()
	tools, gobin := t.TempDir(), t.TempDir()
	okta := `#!/bin/sh
[ "$1" = config ] || exit 3
echo '{"fields":[{"name":"domain","displayName":"Okta domain","isRequired":true,"stringField":{}},{"name":"api-token","isRequired":true,"isSecret":true,"stringField":{}}]}'
`
	scripts := map[string]string{
		"go": `echo "$*" >>"$GOBIN/go-args"
if [ "$1" = list ]; then echo '{"Path": "github.com/conductorone/baton-okta", "Version": "v0.5.26"}'; exit 0; fi
echo "go: downloading $2" >&2
i=0; while [ $i -lt 30 ]; do echo "build step $i"; i=$((i+1)); done
cat > "$GOBIN/baton-okta" <<'EOF'
` + okta + `EOF
chmod 755 "$GOBIN/baton-okta"
echo "go install done"
sleep 0.5
`,
		"brew": `echo "==> Tapping conductorone/baton"
echo "Error: Failure while executing; git clone exited with 128." >&2
exit 1
`,
	}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(tools, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	look := func(name string) (string, error) {
		p := filepath.Join(tools, name)
		if _, err := os.Stat(p); err != nil {
			return "", exec.ErrNotFound
		}
		return p, nil
	}
	home := t.TempDir()
	env := discover.Env{
		Self:     func() (string, error) { return connectorBin, nil },
		LookPath: func(string) (string, error) { return "", exec.ErrNotFound },
		Getenv:   func(k string) string { return map[string]string{"GOBIN": gobin}[k] },
		HomeDir:  func() (string, error) { return home, nil },
	}
	base := append(os.Environ(), "GOBIN="+gobin)
	w.deps.Install = InstallDeps{
		Options: func(e catalog.Entry) []install.Option { return install.Options(e, look) },
		Start: func(ctx context.Context, o install.Option) (*install.Run, error) {
			return install.Start(ctx, o, base)
		},
		Locate: func(e catalog.Entry) (discover.Found, error) { return install.Locate(env, e) },
	}
	return gobin
}

// TestWizardInstallsConnector types a search in the running wizard, picks a
// connector that is not installed, sees brew fail with its output and the
// command, then installs it with (a fake) go install and lands on its
// settings, read from the new binary.
func TestWizardInstallsConnector(t *testing.T) {
	t.Parallel()
	w := newWorld(t)
	gobin := installWorld(t, w)
	h := startWizard(t, w.deps)

	h.waitFor("Step 1/7 · Connector", uiWait)
	h.waitFor("demo — built-in demo, no credentials needed", uiWait)
	h.tm.Type("okt")
	h.waitFor("> okta — ", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("baton-okta is not installed on this machine.", uiWait)
	h.waitFor("> brew install conductorone/baton/baton-okta", uiWait)
	h.waitFor("go install github.com/conductorone/baton-okta/cmd/baton-okta@latest", uiWait)
	h.waitFor("I will install it myself", uiWait)
	h.key(tea.KeyEnter)

	h.waitFor("✗ Installing baton-okta failed: run brew install conductorone/baton/baton-okta: exit status 1", uiWait)
	h.waitFor("Error: Failure while executing; git clone exited with 128.", uiWait)
	h.waitFor("Run it yourself to see everything: brew install conductorone/baton/baton-okta", uiWait)
	h.key(tea.KeyEnter) // look again: still missing, so the methods again
	h.waitFor("How do you want to install it?", uiWait)
	h.key(tea.KeyDown)
	h.waitFor("> go install github.com/conductorone/baton-okta/cmd/baton-okta@latest", uiWait)
	h.key(tea.KeyEnter)

	h.waitFor("$ go install github.com/conductorone/baton-okta/cmd/baton-okta@latest", uiWait)
	h.waitFor("go install done", uiWait)
	h.waitFor("Step 2/7 · Settings", uiWait)
	h.waitFor("Okta domain *", uiWait)
	h.key(tea.KeyCtrlC)
	h.waitFor("Quit without writing the files?", uiWait)
	h.tm.Type("y")
	app := h.final()
	if got, want := app.plan.Connector.Path, filepath.Join(gobin, "baton-okta"); got != want {
		t.Errorf("connector path %q, want the installed %q", got, want)
	}
	if sch := app.plan.Connector.Schema; sch == nil || len(sch.Fields) != 2 {
		t.Errorf("schema %+v, want the two fields the new binary printed", sch)
	}
	// go installed the latest release it was shown, not a branch.
	if args, _ := os.ReadFile(filepath.Join(gobin, "go-args")); string(args) != "list -m -json github.com/conductorone/baton-okta@latest\ninstall github.com/conductorone/baton-okta/cmd/baton-okta@v0.5.26\n" {
		t.Errorf("go ran with %q", args)
	}
}

// TestConnectorDockerWithoutImageSchema finishes a docker pull when the
// image's schema cannot be read: the catalog's fields are used, and the
// step says so before going on.
func TestConnectorDockerWithoutImageSchema(t *testing.T) {
	s := pickerStep(t, Deps{Connectors: func() []discover.Found { return nil }})
	e, _ := catalog.Lookup("okta")
	s.target = e
	s.running = install.Option{Method: install.Docker, Tool: "/usr/bin/docker", Image: e.ImageRef(), Command: "docker pull " + e.ImageRef()}
	s.stop = func() {}
	cmd := s.installDone(install.Result{})
	if cmd == nil || s.mode != modeLoading {
		t.Fatalf("mode %d after the pull", s.mode)
	}
	s.Update(cmd())
	if s.mode != modeNote || !strings.Contains(ansi.Strip(s.View()), "using the catalog's fields") {
		t.Fatalf("mode %d, view:\n%s", s.mode, ansi.Strip(s.View()))
	}
	_, done := s.Update(tea.KeyMsg{Type: tea.KeyEnter})
	msg, ok := done().(stepDoneMsg)
	if !ok {
		t.Fatalf("enter gave %T", done())
	}
	c := msg.plan.Connector
	if c.Image != e.ImageRef() || c.Docker != "/usr/bin/docker" || c.Path != "" || c.Schema == nil || len(c.Schema.Fields) != len(e.Fields) {
		t.Errorf("docker-mode connector %+v", c)
	}
}
