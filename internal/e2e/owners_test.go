// These tests hand files to a second user, made with useradd, which only
// Linux here has.

//go:build linux

package e2e

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// cronRun runs sync.sh as root's crontab would.
func cronRun(t *testing.T, home, dir string) result {
	t.Helper()
	return run(t, []string{"PATH=/usr/bin:/bin", "HOME=" + home, "SHELL=/bin/sh", "LOGNAME=root"}, home, "/bin/sh", filepath.Join(dir, "sync.sh"))
}

// TestAnotherUsersWorkDir gives root's profile a work/ owned by a second
// user, who planted connector.log there as a link to a file only root may
// write: generate refuses the directory, sync.sh stops before it writes
// anything (the file keeps its content), and doctor names it.
func TestAnotherUsersWorkDir(t *testing.T) {
	u := testenv.NewUser(t)
	home := t.TempDir()
	env := append(testenv.CleanEnv(home), "BATON_API_KEY=k")
	dir := filepath.Join(home, "profile")
	args := []string{"generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--out", dir}
	if r := run(t, env, home, bin, args...); r.code != 0 {
		t.Fatalf("generate: exit %d\n%s", r.code, r.stderr)
	}
	rootOnly := filepath.Join(t.TempDir(), "root-only")
	if err := os.WriteFile(rootOnly, []byte("root's own\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	work := filepath.Join(dir, "work")
	if err := os.Mkdir(work, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(rootOnly, filepath.Join(work, "connector.log")); err != nil {
		t.Fatal(err)
	}
	u.Own(t, work)
	uid := strconv.Itoa(u.UID)

	r := run(t, env, home, bin, args...)
	want := "error: refuse to use " + work + ": it belongs to uid " + uid + ", not to you (uid 0), so what is written there could land elsewhere or be changed by someone else\n" +
		"hint: check what it holds and remove it; it is made again, private, when needed\n"
	if r.code != 1 || r.stderr != want {
		t.Errorf("generate: exit %d\n%s\nwant exit 1 and\n%s", r.code, r.stderr, want)
	}

	r = cronRun(t, home, dir)
	if r.code == 0 || !strings.Contains(r.stdout, "sync failed: "+work+" belongs to uid "+uid+"; remove it (this script makes it again) after checking what it holds") {
		t.Errorf("sync.sh: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if data, _ := os.ReadFile(rootOnly); string(data) != "root's own\n" {
		t.Errorf("sync.sh wrote through the other user's link: %q", data)
	}
	if _, err := os.Stat(filepath.Join(dir, "sync.c1z")); err == nil {
		t.Error("sync.sh ran the connector")
	}

	res := doctorResult(t, env, dir, "profile directory, work/ and backup/")
	if res.OK || !strings.Contains(res.Err, work+" belongs to uid "+uid+" ("+u.Name+"), not to you") {
		t.Errorf("doctor: %+v", res)
	}
}

// TestProgramsAnotherUserCanReplace sets up root's profile with programs
// a second user could replace: a connector in their ~/go/bin, a
// baton-setup in a directory of theirs, and a connector whose directory
// becomes theirs, or every user's, after generate. generate refuses the
// first two; sync.sh refuses to run the others, and doctor names each.
func TestProgramsAnotherUserCanReplace(t *testing.T) {
	u := testenv.NewUser(t)
	uid := strconv.Itoa(u.UID)
	home := t.TempDir()
	env := append(testenv.CleanEnv(home), "BATON_API_KEY=k")
	gen := func(self, connector, dir string) result {
		return run(t, env, home, self, "generate", "--connector", connector, "--set", "tenant=acme", "--dest", "local", "--out", dir)
	}

	t.Run("connector in their ~/go/bin", func(t *testing.T) {
		gobin := filepath.Join(u.Home, "go", "bin")
		if err := os.MkdirAll(gobin, 0o755); err != nil {
			t.Fatal(err)
		}
		connector := testenv.InstallDrift(t, gobin, 1)
		u.Own(t, filepath.Join(u.Home, "go"))
		dir := filepath.Join(home, "theirs")
		r := gen(bin, connector, dir)
		want := "error: refuse connector " + connector + ": " + gobin + " belongs to uid " + uid + " (" + u.Name + "), not to you or root; whoever can change it could run their own code as you\n" +
			"hint: install it where only you or root can write (such as /usr/local/bin), then give that path with --connector\n"
		if r.code != 1 || r.stderr != want {
			t.Errorf("exit %d\n%s\nwant exit 1 and\n%s", r.code, r.stderr, want)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			t.Errorf("generate wrote the profile: %v", err)
		}
	})

	t.Run("baton-setup in their directory", func(t *testing.T) {
		self := u.Install(t, bin)
		connector := testenv.InstallDrift(t, t.TempDir(), 1)
		r := gen(self, connector, filepath.Join(home, "their-self"))
		want := "error: refuse baton-setup " + self + " for sync.sh: " + filepath.Dir(self) + " belongs to uid " + uid + " (" + u.Name + "), not to you or root; whoever can change it could run their own code as you\n" +
			"hint: install baton-setup where only you or root can write (such as /usr/local/bin), and run that one\n"
		if r.code != 1 || r.stderr != want {
			t.Errorf("exit %d\n%s\nwant exit 1 and\n%s", r.code, r.stderr, want)
		}
	})

	for _, tt := range []struct {
		name string
		// change hands the connector's directory over after generate.
		change func(t *testing.T, binDir string)
		why    string
	}{
		{"their directory after generate", func(t *testing.T, binDir string) {
			if err := os.Chown(binDir, u.UID, u.GID); err != nil {
				t.Fatal(err)
			}
		},
			"belongs to uid " + uid},
		{"a directory every user may write to after generate", func(t *testing.T, binDir string) {
			if err := os.Chmod(binDir, 0o777); err != nil {
				t.Fatal(err)
			}
		}, "may be written by every user (drwxrwxrwx"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			binDir := filepath.Join(t.TempDir(), "bin")
			if err := os.Mkdir(binDir, 0o755); err != nil {
				t.Fatal(err)
			}
			connector := testenv.InstallDrift(t, binDir, 1)
			dir := filepath.Join(t.TempDir(), "profile")
			if r := gen(bin, connector, dir); r.code != 0 {
				t.Fatalf("generate: exit %d\n%s", r.code, r.stderr)
			}
			tt.change(t, binDir)
			r := cronRun(t, home, dir)
			want := "sync failed: " + binDir + " " + tt.why
			if r.code == 0 || !strings.Contains(r.stdout, want) || !strings.Contains(r.stdout, "so whoever can change it could run their own code as you through the connector ("+connector+")") {
				t.Errorf("sync.sh: exit %d, want a line with %q\n%s%s", r.code, want, r.stdout, r.stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, "work", "connector.log")); err == nil {
				t.Error("sync.sh ran the connector")
			}
			res := doctorResult(t, env, dir, "programs it runs")
			if res.OK || !strings.Contains(res.Err, binDir+" ") || !strings.Contains(res.Err, "through the connector ("+connector+")") {
				t.Errorf("doctor: %+v", res)
			}
		})
	}
}
