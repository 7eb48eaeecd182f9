package testenv

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// User is a throwaway account for a test that must run something as its
// own user, as cron does: made with useradd -m, and removed with its home,
// its crontab and its processes when the test ends.
type User struct {
	Name, Home string
	UID, GID   int
	setpriv    string
}

// NewUser makes the account. It needs root: without it the test skips,
// or fails when CI=true, since CI runs as root.
func NewUser(t testing.TB) *User {
	t.Helper()
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("this test adds a user and needs root, as CI runs it")
		}
		t.Skip("adding a user needs root")
	}
	useradd, userdel := RequireTool(t, "useradd"), RequireTool(t, "userdel")
	u := &User{Name: fmt.Sprintf("bst%05d%04x", os.Getpid()%100000, rand.IntN(1<<16)), setpriv: RequireTool(t, "setpriv")}
	if out, err := exec.Command(useradd, "-m", "-s", "/bin/sh", u.Name).CombinedOutput(); err != nil {
		t.Fatalf("useradd %s: %v\n%s", u.Name, err, out)
	}
	t.Cleanup(func() {
		// Its crontab may be gone already; only the user must go.
		_ = exec.Command("crontab", "-r", "-u", u.Name).Run()
		u.stop(t)
		if out, err := exec.Command(userdel, "-r", u.Name).CombinedOutput(); err != nil {
			t.Errorf("userdel -r %s: %v\n%s", u.Name, err, out)
		}
	})
	pw, err := user.Lookup(u.Name)
	if err != nil {
		t.Fatal(err)
	}
	u.Home = pw.HomeDir
	if u.UID, err = strconv.Atoi(pw.Uid); err != nil {
		t.Fatal(err)
	}
	if u.GID, err = strconv.Atoi(pw.Gid); err != nil {
		t.Fatal(err)
	}
	return u
}

// Env is the environment a login gives the user, plus extra.
func (u *User) Env(extra ...string) []string {
	return append([]string{"HOME=" + u.Home, "USER=" + u.Name, "LOGNAME=" + u.Name,
		"PATH=/usr/local/bin:/usr/bin:/bin", "SHELL=/bin/sh", "LANG=C.UTF-8"}, extra...)
}

// Argv is argv run as the user through setpriv.
func (u *User) Argv(argv ...string) []string {
	return append([]string{u.setpriv, "--reuid", strconv.Itoa(u.UID), "--regid", strconv.Itoa(u.GID), "--init-groups", "--"}, argv...)
}

// Run is the package's Run as the user: exactly env, in dir.
func (u *User) Run(t testing.TB, env []string, dir string, stdin io.Reader, name string, args ...string) Result {
	t.Helper()
	argv := u.Argv(append([]string{name}, args...)...)
	return Run(t, env, dir, stdin, argv[0], argv[1:]...)
}

// Own hands path, and everything under it, to the user.
func (u *User) Own(t testing.TB, path string) {
	t.Helper()
	err := filepath.Walk(path, func(p string, _ os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		return os.Lchown(p, u.UID, u.GID)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// Install copies an executable into the user's ~/bin, owned by the user,
// since the test's own files are in directories only root may enter.
func (u *User) Install(t testing.TB, src string) string {
	t.Helper()
	data, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(u.Home, "bin")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, filepath.Base(src))
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		t.Fatal(err)
	}
	u.Own(t, dir)
	return dst
}

// PIDs are the user's processes.
func (u *User) PIDs() []int {
	entries, _ := os.ReadDir("/proc")
	want := []byte("\nUid:\t" + strconv.Itoa(u.UID) + "\t")
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		status, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err == nil && bytes.Contains(status, want) {
			out = append(out, pid)
		}
	}
	return out
}

// stop kills what the test left running as the user, by pid, so that
// userdel can remove it.
func (u *User) stop(t testing.TB) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for ctx.Err() == nil {
		pids := u.PIDs()
		if len(pids) == 0 {
			return
		}
		for _, pid := range pids {
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Errorf("processes of %s still running: %s", u.Name, strings.Trim(fmt.Sprint(u.PIDs()), "[]"))
}
