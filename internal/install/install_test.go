package install

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/catalog"
	"github.com/conductorone/baton-setup/internal/discover"
)

// fakeTools writes shell scripts named after install tools into a fresh
// directory and returns a lookPath that sees only that directory.
func fakeTools(t *testing.T, scripts map[string]string) (string, func(string) (string, error)) {
	t.Helper()
	dir := t.TempDir()
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("#!/bin/sh\n"+body), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	return dir, func(name string) (string, error) {
		p := filepath.Join(dir, name)
		if _, err := os.Stat(p); err != nil {
			return "", &exec.Error{Name: name, Err: exec.ErrNotFound}
		}
		return p, nil
	}
}

func entry(t *testing.T, name string) catalog.Entry {
	t.Helper()
	e, ok := catalog.Lookup(name)
	if !ok {
		t.Fatalf("%s is not in the catalog", name)
	}
	return e
}

func TestOptions(t *testing.T) {
	okta := entry(t, "okta")
	tests := []struct {
		name  string
		tools []string
		entry catalog.Entry
		want  []Method
	}{
		{name: "none", entry: okta},
		{name: "go only", tools: []string{"go"}, entry: okta, want: []Method{Go}},
		{name: "all, in offer order", tools: []string{"docker", "go", "brew"}, entry: okta, want: []Method{Brew, Go, Docker}},
		{name: "no catalog data", tools: []string{"docker", "go", "brew"}, entry: catalog.Entry{Name: "x", Binary: "baton-x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			scripts := map[string]string{}
			for _, n := range tt.tools {
				scripts[n] = "exit 0\n"
			}
			dir, look := fakeTools(t, scripts)
			var got []Method
			for _, o := range Options(tt.entry, look) {
				got = append(got, o.Method)
				if o.Tool != filepath.Join(dir, string(o.Method)) {
					t.Errorf("%s: tool %s, want the one in %s", o.Method, o.Tool, dir)
				}
				if o.Command != tt.entry.InstallCommands()[string(o.Method)] {
					t.Errorf("%s: command %q differs from the catalog's %q", o.Method, o.Command, tt.entry.InstallCommands()[string(o.Method)])
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("Options = %v, want %v", got, tt.want)
			}
		})
	}
	_, look := fakeTools(t, nil)
	_, err := Find(okta, Brew, look)
	if err == nil || !strings.Contains(err.Error(), "brew install conductorone/baton/baton-okta") {
		t.Errorf("Find without brew: %v; want the command to run by hand", err)
	}
	o, err := Find(okta, Docker, func(string) (string, error) { return "/usr/bin/docker", nil })
	if err != nil || o.Image != "public.ecr.aws/conductorone/baton-okta:latest" || !slices.Equal(o.Args, []string{"pull", o.Image}) {
		t.Errorf("Find docker = %+v, %v", o, err)
	}
}

func TestParseMethod(t *testing.T) {
	for in, want := range map[string]Method{"brew": Brew, " GO ": Go, "docker": Docker} {
		if got, err := ParseMethod(in); err != nil || got != want {
			t.Errorf("ParseMethod(%q) = %q, %v", in, got, err)
		}
	}
	if _, err := ParseMethod("apt"); err == nil {
		t.Error("ParseMethod(apt) succeeded")
	}
}

// collect drains a run's lines and result.
func collect(t *testing.T, r *Run) ([]string, Result) {
	t.Helper()
	var lines []string
	timeout := time.After(time.Minute)
	for {
		select {
		case l, ok := <-r.Lines():
			if !ok {
				return lines, r.Wait()
			}
			lines = append(lines, l)
		case <-timeout:
			t.Fatal("the install did not finish within a minute")
		}
	}
}

// TestGoInstallDropsBinary runs a fake `go` that talks on both streams,
// redraws a progress line with \r and drops a connector into $GOBIN, where
// Locate must find it. BATON_* variables must not reach the tool.
func TestGoInstallDropsBinary(t *testing.T) {
	gobin := t.TempDir()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	_, look := fakeTools(t, map[string]string{"go": `if [ "$1 $2 $3" = "list -m -json" ]; then
	[ -z "$BATON_API_KEY" ] || echo "leaked $BATON_API_KEY"
	echo '{"Path": "github.com/conductorone/baton-okta", "Version": "v0.5.26"}'
	exit 0
fi
[ "$1" = install ] || exit 9
echo "go: downloading $2" >&2
printf 'compiling 10%%\rcompiling 100%%\n'
[ -z "$BATON_API_KEY" ] || echo "leaked $BATON_API_KEY"
cp "` + self + `" "$GOBIN/baton-okta" && echo installed
`})
	e := entry(t, "okta")
	o, err := Find(e, Go, look)
	if err != nil {
		t.Fatal(err)
	}
	env := append(os.Environ(), "GOBIN="+gobin, "BATON_API_KEY=hunter2-secret")
	r, err := Start(context.Background(), o, env)
	if err != nil {
		t.Fatal(err)
	}
	lines, res := collect(t, r)
	want := []string{
		"finding the latest release of github.com/conductorone/baton-okta (go list -m github.com/conductorone/baton-okta@latest)",
		"$ go install github.com/conductorone/baton-okta/cmd/baton-okta@v0.5.26",
		"go: downloading github.com/conductorone/baton-okta/cmd/baton-okta@v0.5.26", "compiling 10%", "compiling 100%", "installed",
	}
	if !slices.Equal(lines, want) {
		t.Errorf("streamed lines %q, want %q", lines, want)
	}
	if res.Err != nil || res.ExitCode != 0 {
		t.Fatalf("result %+v", res)
	}
	denv := discover.Env{
		Self:     os.Executable,
		LookPath: func(string) (string, error) { return "", exec.ErrNotFound },
		Getenv:   func(k string) string { return map[string]string{"GOBIN": gobin, "PATH": ""}[k] },
		HomeDir:  func() (string, error) { return t.TempDir(), nil },
	}
	f, err := Locate(denv, e)
	if err != nil {
		t.Fatal(err)
	}
	if f.Path != filepath.Join(gobin, "baton-okta") || f.Name != "okta" {
		t.Errorf("Locate = %+v, want baton-okta in %s", f, gobin)
	}
	if _, err := Locate(denv, entry(t, "slack")); err == nil || !strings.Contains(err.Error(), "find baton-slack after installing it") {
		t.Errorf("Locate of a connector not installed: %v", err)
	}
}

func TestFailedInstallKeepsTail(t *testing.T) {
	_, look := fakeTools(t, map[string]string{"brew": `i=0
while [ $i -lt 60 ]; do echo "line $i"; i=$((i+1)); done
echo "Error: No available formula with the name \"$2\"" >&2
exit 3
`})
	o, err := Find(entry(t, "okta"), Brew, look)
	if err != nil {
		t.Fatal(err)
	}
	r, err := Start(context.Background(), o, os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	lines, res := collect(t, r)
	if len(lines) != 61 {
		t.Errorf("streamed %d lines, want 61", len(lines))
	}
	if res.ExitCode != 3 || res.Err == nil || !strings.Contains(res.Err.Error(), "run brew install conductorone/baton/baton-okta: exit status 3") {
		t.Errorf("result: exit %d, err %v", res.ExitCode, res.Err)
	}
	if len(res.Tail) != tailLines || res.Tail[len(res.Tail)-1] != `Error: No available formula with the name "conductorone/baton/baton-okta"` || res.Tail[0] != "line 21" {
		t.Errorf("tail %q", res.Tail)
	}
}

func TestCancelStopsTheGroup(t *testing.T) {
	_, look := fakeTools(t, map[string]string{"docker": `echo pulling
sleep 60 &
wait
`})
	o, err := Find(entry(t, "okta"), Docker, look)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	r, err := Start(ctx, o, os.Environ())
	if err != nil {
		t.Fatal(err)
	}
	if l := <-r.Lines(); l != "pulling" {
		t.Fatalf("first line %q", l)
	}
	start := time.Now()
	cancel()
	res := r.Wait()
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("cancel took %s: the sleeping grandchild kept the output open", d)
	}
	if res.Err == nil || !strings.Contains(res.Err.Error(), "context canceled") {
		t.Errorf("err %v, want cancelled", res.Err)
	}
}

func TestManual(t *testing.T) {
	got := Manual(entry(t, "okta"))
	if len(got) != 3 || !strings.HasPrefix(got[0], "brew ") || !strings.HasPrefix(got[1], "go ") || !strings.HasPrefix(got[2], "docker ") {
		t.Errorf("Manual = %q", got)
	}
}
