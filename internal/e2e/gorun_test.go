package e2e

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestGoRun follows the README's first command, `go run ./cmd/baton-setup`,
// in this checkout: one program runs the demo and reads its sync file, and a
// profile generated from the temporary build gets a copy of it, so sync.sh
// keeps working after the temporary build is gone.
func TestGoRun(t *testing.T) {
	goBin := testenv.RequireTool(t, "go")
	_, file, _, _ := runtime.Caller(0)
	root := filepath.Join(filepath.Dir(file), "..", "..")
	home := t.TempDir()
	// CGO_ENABLED=0 as testenv.Build, so the builds share the cache, and a
	// new HOME must not mean a cold Go build.
	env := append(testenv.CleanEnv(home), "BATON_API_KEY=k", "CGO_ENABLED=0")
	for _, name := range []string{"GOCACHE", "GOMODCACHE", "GOPATH"} {
		out, err := exec.Command(goBin, "env", name).Output()
		if err != nil {
			t.Fatal(err)
		}
		env = append(env, name+"="+strings.TrimSpace(string(out)))
	}
	goRun := func(args ...string) result {
		return run(t, env, root, goBin, append([]string{"run", "./cmd/baton-setup"}, args...)...)
	}

	r := goRun("test", "--connector", "demo", "--set", "tenant=acme", "--set", "user-count=3")
	if r.code != 0 || !strings.Contains(r.stdout, "sync finished in ") || !strings.Contains(r.stdout, "3 resources") && !strings.Contains(r.stdout, "user                        3 resources") {
		t.Fatalf("go run … test: exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
	}
	if built, _ := filepath.Glob(filepath.Join(home, ".cache", "baton-setup", "sdk")); len(built) != 0 {
		t.Errorf("a second program was built: %v", built)
	}

	out := filepath.Join(home, "profile")
	r = goRun("generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--out", out)
	if r.code != 0 {
		t.Fatalf("go run … generate: exit %d\n%s", r.code, r.stderr)
	}
	bin := filepath.Join(home, ".local", "share", "baton-setup", "bin")
	if !strings.Contains(r.stdout, "copied this temporary build of baton-setup to "+filepath.Join(bin, "baton-setup")+" so that sync.sh can run it\n") {
		t.Errorf("generate does not say where the program went:\n%s", r.stdout)
	}
	if st, err := os.Stat(filepath.Join(bin, "baton-setup")); err != nil || st.Mode().Perm() != 0o755 {
		t.Errorf("baton-setup was not copied for sync.sh: %v", err)
	}
	if entries, _ := os.ReadDir(bin); len(entries) != 1 {
		t.Errorf("%s holds %d files, want only baton-setup", bin, len(entries))
	}
	r = run(t, []string{"PATH=/usr/bin:/bin", "HOME=" + home}, "/", "/bin/sh", filepath.Join(out, "sync.sh"))
	if r.code != 0 {
		t.Fatalf("sync.sh: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(out, "sync.c1z")); err != nil {
		t.Errorf("no sync file: %v\n%s", err, r.stdout)
	}
}
