package install

import (
	"archive/zip"
	"context"
	"debug/buildinfo"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/catalog"
	"github.com/conductorone/baton-setup/internal/testenv"
)

const fakeModule = "github.com/conductorone/baton-fake"

// goProxy writes a module proxy directory (GOPROXY=file://…) holding
// fakeModule's releases v1.0.0 and v1.1.0 and a later prerelease, each a
// module whose cmd/baton-fake builds, and devModule, which has no release,
// only a commit.
func goProxy(t *testing.T) string {
	t.Helper()
	root := t.TempDir()
	at := filepath.Join(root, fakeModule, "@v")
	if err := os.MkdirAll(at, 0o755); err != nil {
		t.Fatal(err)
	}
	versions := []string{"v1.0.0", "v1.1.0", "v1.2.0-rc.1"}
	write := func(name, content string) {
		if err := os.WriteFile(filepath.Join(at, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	write("list", strings.Join(versions, "\n")+"\n")
	gomod := "module " + fakeModule + "\n\ngo 1.21\n"
	for _, v := range versions {
		write(v+".info", `{"Version":"`+v+`","Time":"2025-01-01T00:00:00Z"}`)
		write(v+".mod", gomod)
		f, err := os.Create(filepath.Join(at, v+".zip"))
		if err != nil {
			t.Fatal(err)
		}
		z := zip.NewWriter(f)
		for name, body := range map[string]string{
			"go.mod":                 gomod,
			"cmd/baton-fake/main.go": "package main\n\nfunc main() { println(\"baton-fake " + v + "\") }\n",
		} {
			w, err := z.Create(fakeModule + "@" + v + "/" + name)
			if err != nil {
				t.Fatal(err)
			}
			w.Write([]byte(body))
		}
		if err := z.Close(); err != nil {
			t.Fatal(err)
		}
		f.Close()
	}
	dev := filepath.Join(root, "github.com/conductorone/baton-dev")
	if err := os.MkdirAll(filepath.Join(dev, "@v"), 0o755); err != nil {
		t.Fatal(err)
	}
	const pseudo = "v0.0.0-20250101000000-0123456789ab"
	for name, content := range map[string]string{
		"@latest":                `{"Version":"` + pseudo + `","Time":"2025-01-01T00:00:00Z"}`,
		"@v/list":                "",
		"@v/" + pseudo + ".info": `{"Version":"` + pseudo + `","Time":"2025-01-01T00:00:00Z"}`,
		"@v/" + pseudo + ".mod":  "module github.com/conductorone/baton-dev\n",
	} {
		if err := os.WriteFile(filepath.Join(dev, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// goEnv is an environment for the real go command that reaches only the
// proxy directory: no network, no checksum database, a module cache and
// GOBIN of the test's own, and the machine's build cache.
func goEnv(t *testing.T, proxy, gobin string) []string {
	t.Helper()
	cache, err := exec.Command("go", "env", "GOCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	home := t.TempDir()
	modcache := filepath.Join(home, "modcache")
	t.Cleanup(func() { exec.Command("chmod", "-R", "u+w", modcache).Run() })
	return []string{
		"PATH=" + os.Getenv("PATH"), "HOME=" + home, "GOPROXY=file://" + proxy, "GOSUMDB=off", "GOENV=off",
		"GOTOOLCHAIN=local", "GOMODCACHE=" + modcache, "GOPATH=" + filepath.Join(home, "gopath"),
		"GOCACHE=" + strings.TrimSpace(string(cache)), "GOBIN=" + gobin, "GOFLAGS=-modcacherw", "CGO_ENABLED=0",
		"BATON_API_KEY=not-for-go",
	}
}

// TestGoInstallLatestRelease installs a connector with the real go
// command from a local module proxy: the latest release (not the
// prerelease, not a branch) is found, shown as the exact command before it
// runs, installed, and recorded in the result and in the binary's build
// information.
func TestGoInstallLatestRelease(t *testing.T) {
	goTool := testenv.RequireTool(t, "go")
	gobin := t.TempDir()
	env := goEnv(t, goProxy(t), gobin)
	e := catalog.Entry{Name: "fake", Binary: "baton-fake", GoInstall: fakeModule + "/cmd/baton-fake@main"}
	o, err := Find(e, Go, func(string) (string, error) { return goTool, nil })
	if err != nil {
		t.Fatal(err)
	}
	if o.Command != "go install "+fakeModule+"/cmd/baton-fake@latest" {
		t.Errorf("offered %q, want the latest release", o.Command)
	}
	r, err := Start(context.Background(), o, env)
	if err != nil {
		t.Fatal(err)
	}
	lines, res := collect(t, r)
	want := []string{
		"finding the latest release of " + fakeModule + " (go list -m " + fakeModule + "@latest)",
		"$ go install " + fakeModule + "/cmd/baton-fake@v1.1.0",
	}
	if len(lines) < 2 || !slices.Equal(lines[:2], want) {
		t.Errorf("first lines %q, want %q", lines, want)
	}
	if res.Err != nil || res.Version != "v1.1.0" || res.Command != want[1][2:] {
		t.Fatalf("result %+v\n%s", res, strings.Join(lines, "\n"))
	}
	bi, err := buildinfo.ReadFile(filepath.Join(gobin, "baton-fake"))
	if err != nil {
		t.Fatal(err)
	}
	if bi.Main.Path != fakeModule || bi.Main.Version != "v1.1.0" {
		t.Errorf("installed %s %s, want %s v1.1.0", bi.Main.Path, bi.Main.Version, fakeModule)
	}
}

func TestResolveRefusesCommits(t *testing.T) {
	goTool := testenv.RequireTool(t, "go")
	env := goEnv(t, goProxy(t), t.TempDir())
	for _, tt := range []struct{ module, want string }{
		{"github.com/conductorone/baton-dev", "find the latest release of github.com/conductorone/baton-dev: the module proxy lists no release, only commits (newest v0.0.0-20250101000000-0123456789ab)"},
		{"github.com/conductorone/baton-none", "find the latest release of github.com/conductorone/baton-none: go list -m github.com/conductorone/baton-none@latest: "},
	} {
		e := catalog.Entry{Name: "x", Binary: "baton-x", GoInstall: tt.module + "/cmd/baton-x@main"}
		o, err := Find(e, Go, func(string) (string, error) { return goTool, nil })
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Resolve(context.Background(), o, env); err == nil || !strings.HasPrefix(err.Error(), tt.want) {
			t.Errorf("Resolve(%s) = %v, want %q", tt.module, err, tt.want)
		}
	}
}
