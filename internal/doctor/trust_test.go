package doctor

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestDirsCheck breaks a profile directory each way that lets what sync.sh
// and generate write land elsewhere: the check fails and names it.
func TestDirsCheck(t *testing.T) {
	for _, tt := range []struct {
		name   string
		other  bool // needs a second user
		damage func(t *testing.T, dir string, u *testenv.User)
		want   string
		fix    string
	}{
		{name: "healthy", damage: func(*testing.T, string, *testenv.User) {}},
		{name: "work/ a symbolic link", damage: func(t *testing.T, dir string, _ *testenv.User) {
			os.Symlink("/etc", filepath.Join(dir, "work"))
		}, want: "/work is a symbolic link (to /etc), so what is written there lands elsewhere", fix: "then remove it"},
		{name: "backup/ a symbolic link", damage: func(t *testing.T, dir string, _ *testenv.User) {
			os.Symlink("/etc", filepath.Join(dir, "backup"))
		}, want: "/backup is a symbolic link (to /etc)", fix: "then remove it"},
		{name: "work/ a file", damage: func(t *testing.T, dir string, _ *testenv.User) {
			os.WriteFile(filepath.Join(dir, "work"), nil, 0o600)
		}, want: "/work is a regular file, not a directory"},
		{name: "work/ its group may write to", damage: func(t *testing.T, dir string, _ *testenv.User) {
			os.Mkdir(filepath.Join(dir, "work"), 0o700)
			os.Chmod(filepath.Join(dir, "work"), 0o770)
		}, want: "/work may be written by its group (mode 0770), so others could redirect what is written there", fix: "chmod 700 "},
		{name: "backup/ every user may write to", damage: func(t *testing.T, dir string, _ *testenv.User) {
			os.Mkdir(filepath.Join(dir, "backup"), 0o700)
			os.Chmod(filepath.Join(dir, "backup"), 0o707)
		}, want: "/backup may be written by every user (mode 0707)"},
		{name: "work/ of another user", other: true, damage: func(t *testing.T, dir string, u *testenv.User) {
			os.Mkdir(filepath.Join(dir, "work"), 0o700)
			u.Own(t, filepath.Join(dir, "work"))
		}, want: "/work belongs to uid {uid} ({name}), not to you, so they could redirect what is written there"},
		{name: "profile directory a symbolic link", damage: func(t *testing.T, dir string, _ *testenv.User) {
			real := dir + ".real"
			os.Rename(dir, real)
			os.Symlink(real, dir)
		}, want: " is a symbolic link (to ", fix: "--out DIR"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			var u *testenv.User
			if tt.other {
				u = testenv.NewUser(t)
			}
			dir := filepath.Join(t.TempDir(), "profile")
			os.Mkdir(dir, 0o700)
			tt.damage(t, dir, u)
			e := Env{Plan: &plan.Plan{Profile: "demo"}, Dir: dir, UID: os.Geteuid()}
			err := dirsCheck{e}.Run(context.Background())
			if tt.want == "" {
				if err != nil {
					t.Errorf("got %v", err)
				}
				return
			}
			want := tt.want
			if u != nil {
				want = strings.NewReplacer("{uid}", strconv.Itoa(u.UID), "{name}", u.Name).Replace(want)
			}
			var f *Failure
			if !errors.As(err, &f) || !strings.Contains(f.Problem, want) || !strings.Contains(f.Fix, tt.fix) {
				t.Errorf("got %+v, want a problem with %q and a fix with %q", f, want, tt.fix)
			}
			// The work directory check never writes through it.
			if tt.name == "work/ a symbolic link" {
				if err := (workDirCheck{e}).Run(context.Background()); err == nil {
					t.Error("the work directory check passed")
				}
				if left, _ := filepath.Glob("/etc/.doctor-*"); len(left) > 0 {
					t.Errorf("wrote through the link: %v", left)
				}
			}
		})
	}
}
