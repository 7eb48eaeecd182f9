package companion

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixture is a machine for Find: a bin directory holding baton-setup, and
// no companion anywhere until a test puts one.
type fixture struct {
	root, self string
	env        Env
	progress   strings.Builder
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	root := t.TempDir()
	f := &fixture{root: root, self: filepath.Join(root, "bin", "baton-setup")}
	writeExe(t, f.self)
	f.env = Env{
		Self:     func() (string, error) { return f.self, nil },
		LookPath: func(string) (string, error) { return "", exec.ErrNotFound },
		Getenv:   func(string) string { return "" },
		Getwd:    func() (string, error) { return root, nil },
		CacheDir: func() (string, error) { return filepath.Join(root, "cache"), nil },
		Devel:    func() bool { return false },
		Progress: &f.progress,
	}
	return f
}

func writeExe(t *testing.T, p string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
}

func TestFindOrder(t *testing.T) {
	t.Run("sibling", func(t *testing.T) {
		f := newFixture(t)
		sibling := filepath.Join(filepath.Dir(f.self), Name)
		writeExe(t, sibling)
		f.env.LookPath = func(string) (string, error) { return "/usr/bin/" + Name, nil }
		if got, err := f.env.Find(context.Background()); err != nil || got != sibling {
			t.Errorf("got %q, %v; want the sibling %s", got, err, sibling)
		}
	})
	t.Run("sibling through a symlink", func(t *testing.T) {
		f := newFixture(t)
		sibling := filepath.Join(filepath.Dir(f.self), Name)
		writeExe(t, sibling)
		link := filepath.Join(f.root, "links", "baton-setup")
		os.MkdirAll(filepath.Dir(link), 0o755)
		if err := os.Symlink(f.self, link); err != nil {
			t.Fatal(err)
		}
		f.env.Self = func() (string, error) { return link, nil }
		if got, err := f.env.Find(context.Background()); err != nil || got != sibling {
			t.Errorf("got %q, %v; want %s", got, err, sibling)
		}
	})
	t.Run("explicit path wins", func(t *testing.T) {
		f := newFixture(t)
		writeExe(t, filepath.Join(filepath.Dir(f.self), Name))
		explicit := filepath.Join(f.root, "libexec", Name)
		writeExe(t, explicit)
		f.env.Getenv = func(k string) string {
			if k == EnvPath {
				return explicit
			}
			return ""
		}
		if got, err := f.env.Find(context.Background()); err != nil || got != explicit {
			t.Errorf("got %q, %v; want %s", got, err, explicit)
		}
	})
	t.Run("explicit path not executable", func(t *testing.T) {
		f := newFixture(t)
		explicit := filepath.Join(f.root, Name)
		os.WriteFile(explicit, []byte("x"), 0o644)
		f.env.Getenv = func(k string) string { return map[string]string{EnvPath: explicit}[k] }
		_, err := f.env.Find(context.Background())
		if err == nil || err.Error() != "find baton-setup-sdk: BATON_SETUP_SDK="+explicit+": not an executable file" {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("PATH", func(t *testing.T) {
		f := newFixture(t)
		f.env.LookPath = func(name string) (string, error) {
			if name == Name {
				return "/opt/baton/" + Name, nil
			}
			return "", exec.ErrNotFound
		}
		if got, err := f.env.Find(context.Background()); err != nil || got != "/opt/baton/"+Name {
			t.Errorf("got %q, %v", got, err)
		}
	})
	t.Run("nowhere", func(t *testing.T) {
		f := newFixture(t)
		_, err := f.env.Find(context.Background())
		var nf *NotFoundError
		if !errors.As(err, &nf) || !strings.Contains(err.Error(), "go install github.com/conductorone/baton-setup/cmd/baton-setup-sdk@latest, or set BATON_SETUP_SDK to its path") {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("a release build does not build from source", func(t *testing.T) {
		f := newFixture(t)
		writeModule(t, f.root, Module)
		if _, err := f.env.Find(context.Background()); err == nil {
			t.Error("found a companion that does not exist")
		}
		if f.progress.Len() != 0 {
			t.Errorf("progress: %q", f.progress.String())
		}
	})
}

// writeModule makes a source tree whose cmd/baton-setup-sdk prints a
// marker, so a test can tell which build it runs.
func writeModule(t *testing.T, root, module string) string {
	t.Helper()
	main := filepath.Join(root, "cmd", Name, "main.go")
	os.MkdirAll(filepath.Dir(main), 0o755)
	if err := os.WriteFile(filepath.Join(root, "go.mod"), []byte("module "+module+"\n\ngo 1.22\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	setMarker(t, main, "one")
	return main
}

func setMarker(t *testing.T, main, marker string) {
	t.Helper()
	src := "package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Print(\"" + marker + "\") }\n"
	if err := os.WriteFile(main, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
}

func output(t *testing.T, bin string) string {
	t.Helper()
	out, err := exec.Command(bin).Output()
	if err != nil {
		t.Fatalf("run %s: %v", bin, err)
	}
	return string(out)
}

// TestBuildFromSource runs the real go build: a development build inside
// its checkout builds the companion once, reuses it, and builds it again
// after a source file changes.
func TestBuildFromSource(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	f := newFixture(t)
	main := writeModule(t, f.root, Module)
	work := filepath.Join(f.root, "internal", "x")
	os.MkdirAll(work, 0o755)
	f.env.Getwd = func() (string, error) { return work, nil } // below the module root
	f.env.Devel = func() bool { return true }
	f.env.LookPath = func(name string) (string, error) {
		if name == "go" {
			return goBin, nil
		}
		return "/usr/bin/" + name, nil // a stale install on PATH must not win
	}
	ctx := context.Background()

	bin, err := f.env.Find(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(bin, filepath.Join(f.root, "cache", "baton-setup", "sdk")+string(filepath.Separator)) {
		t.Errorf("built into %s", bin)
	}
	if got := output(t, bin); got != "one" {
		t.Errorf("first build prints %q", got)
	}
	if !strings.Contains(f.progress.String(), "Building baton-setup-sdk") {
		t.Errorf("progress: %q", f.progress.String())
	}
	built, _ := os.Stat(bin)

	f.progress.Reset()
	if again, err := f.env.Find(ctx); err != nil || again != bin {
		t.Fatalf("second find: %q, %v", again, err)
	}
	if st, _ := os.Stat(bin); !st.ModTime().Equal(built.ModTime()) || f.progress.Len() != 0 {
		t.Error("an up-to-date companion was built again")
	}

	setMarker(t, main, "two")
	later := built.ModTime().Add(2 * time.Second)
	os.Chtimes(main, later, later)
	if _, err := f.env.Find(ctx); err != nil {
		t.Fatal(err)
	}
	if got := output(t, bin); got != "two" {
		t.Errorf("after a change the companion prints %q", got)
	}
	if entries, _ := os.ReadDir(filepath.Dir(bin)); len(entries) != 1 {
		t.Errorf("build leftovers: %v", entries)
	}
}

func TestBuildFromSourceFails(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go is not on PATH")
	}
	f := newFixture(t)
	main := writeModule(t, f.root, Module)
	os.WriteFile(main, []byte("package main\n\nfunc main() { undefined() }\n"), 0o644)
	f.env.Devel = func() bool { return true }
	f.env.LookPath = func(name string) (string, error) {
		if name == "go" {
			return goBin, nil
		}
		return "", exec.ErrNotFound
	}
	_, err = f.env.Find(context.Background())
	if err == nil || !strings.HasPrefix(err.Error(), "build baton-setup-sdk from "+f.root+": exit status 1\n") || !strings.Contains(err.Error(), "undefined") {
		t.Errorf("err = %v", err)
	}
	dir := filepath.Join(f.root, "cache", "baton-setup", "sdk", pathKey(f.root))
	if entries, _ := os.ReadDir(dir); len(entries) != 0 {
		t.Errorf("a failed build left %v", entries)
	}
}

func TestOtherModuleIsNoCheckout(t *testing.T) {
	f := newFixture(t)
	writeModule(t, f.root, "example.com/other")
	f.env.Devel = func() bool { return true }
	if _, err := f.env.Find(context.Background()); err == nil {
		t.Error("built a companion from another module")
	}
}
