package trust

import (
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// program writes an executable at path, making its directories 0755.
func program(t *testing.T, path string, mode os.FileMode) string {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
	return path
}

func chmod(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

func TestProgram(t *testing.T) {
	uid := os.Geteuid()
	root := t.TempDir()
	for _, tt := range []struct {
		name string
		// make returns the program's path.
		make func(dir string) string
		// want is the Untrusted error, relative to dir; "" for none.
		want string
	}{
		{"private", func(dir string) string { return program(t, filepath.Join(dir, "bin", "x"), 0o755) }, ""},
		{"writable by every user", func(dir string) string { return program(t, filepath.Join(dir, "bin", "x"), 0o757) },
			"bin/x may be written by every user (mode 0757)"},
		{"writable by its group", func(dir string) string { return program(t, filepath.Join(dir, "bin", "x"), 0o775) },
			"bin/x may be written by its group (mode 0775)"},
		{"in a directory every user may write to", func(dir string) string {
			p := program(t, filepath.Join(dir, "bin", "x"), 0o755)
			chmod(t, filepath.Join(dir, "bin"), 0o777)
			return p
		}, "bin may be written by every user (mode 0777)"},
		{"below a directory its group may write to", func(dir string) string {
			p := program(t, filepath.Join(dir, "opt", "tool", "bin", "x"), 0o755)
			chmod(t, filepath.Join(dir, "opt"), 0o775)
			return p
		}, "opt may be written by its group (mode 0775)"},
		{"a link to a program in an open directory", func(dir string) string {
			program(t, filepath.Join(dir, "open", "x"), 0o755)
			chmod(t, filepath.Join(dir, "open"), 0o777)
			os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
			os.Symlink("../open/x", filepath.Join(dir, "bin", "x"))
			return filepath.Join(dir, "bin", "x")
		}, "open may be written by every user (mode 0777)"},
		{"a link to a writable program", func(dir string) string {
			program(t, filepath.Join(dir, "real", "x"), 0o777)
			os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
			os.Symlink(filepath.Join(dir, "real", "x"), filepath.Join(dir, "bin", "x"))
			return filepath.Join(dir, "bin", "x")
		}, "real/x may be written by every user (mode 0777)"},
		{"a linked directory that is open", func(dir string) string {
			program(t, filepath.Join(dir, "open", "x"), 0o755)
			chmod(t, filepath.Join(dir, "open"), 0o777)
			os.Symlink("open", filepath.Join(dir, "bin"))
			return filepath.Join(dir, "bin", "x")
		}, "open may be written by every user (mode 0777)"},
		{"links to a private program", func(dir string) string {
			program(t, filepath.Join(dir, "cellar", "1.0", "x"), 0o755)
			os.MkdirAll(filepath.Join(dir, "bin"), 0o755)
			os.Symlink("../cellar/1.0/x", filepath.Join(dir, "bin", "x"))
			os.Symlink("bin/x", filepath.Join(dir, "x"))
			return filepath.Join(dir, "x")
		}, ""},
		{"a loop of links", func(dir string) string {
			os.Symlink("b", filepath.Join(dir, "a"))
			os.Symlink("a", filepath.Join(dir, "b"))
			return filepath.Join(dir, "a")
		}, "a is reached through too many symbolic links"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(root, strings.ReplaceAll(tt.name, " ", "-"))
			os.Mkdir(dir, 0o755)
			err := Program(tt.make(dir), uid)
			if tt.want == "" {
				if err != nil {
					t.Errorf("got %v", err)
				}
				return
			}
			var u *Untrusted
			if !errors.As(err, &u) || err.Error() != filepath.Join(dir, tt.want) {
				t.Errorf("got %v, want %s", err, filepath.Join(dir, tt.want))
			}
		})
	}
	if err := Program(filepath.Join(root, "missing"), uid); err == nil || IsUntrusted(err) {
		t.Errorf("a missing program: %v", err)
	}
	if err := Program("bin/x", uid); err == nil || IsUntrusted(err) {
		t.Errorf("a relative path: %v", err)
	}
}

// TestProgramOfAnotherUser puts programs where a second, real user can
// change them: in their ~/go/bin, and in a directory of theirs holding a
// program of root's. Run as root, neither is trusted; a directory every
// user may write to is, when root owns it with the sticky bit set.
func TestProgramOfAnotherUser(t *testing.T) {
	u := testenv.NewUser(t)
	gobin := filepath.Join(u.Home, "go", "bin")
	theirs := program(t, filepath.Join(gobin, "baton-okta"), 0o755)
	u.Own(t, filepath.Join(u.Home, "go"))
	err := Program(theirs, 0)
	if want := gobin + " belongs to uid " + strconv.Itoa(u.UID) + " (" + u.Name + "), not to you or root"; err == nil || err.Error() != want {
		t.Errorf("their program: %v, want %s", err, want)
	}
	if err := Program(theirs, u.UID); err != nil {
		t.Errorf("their program, for them: %v", err)
	}

	mine := program(t, filepath.Join(u.Home, "tools", "baton-okta"), 0o755)
	u.Own(t, filepath.Join(u.Home, "tools"))
	if err := os.Chown(mine, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := Program(mine, 0); err == nil || err.Error() != filepath.Join(u.Home, "tools")+" belongs to uid "+strconv.Itoa(u.UID)+" ("+u.Name+"), not to you or root" {
		t.Errorf("root's program in their directory: %v", err)
	}

	sticky := filepath.Join(t.TempDir(), "tmp")
	os.Mkdir(sticky, 0o755)
	chmod(t, sticky, 0o777|os.ModeSticky)
	if err := Program(program(t, filepath.Join(sticky, "x"), 0o755), 0); err != nil {
		t.Errorf("in a sticky directory of root's: %v", err)
	}
	if err := os.Chown(sticky, u.UID, u.GID); err != nil {
		t.Fatal(err)
	}
	if err := Program(filepath.Join(sticky, "x"), 0); !IsUntrusted(err) {
		t.Errorf("in a sticky directory of theirs: %v", err)
	}
}
