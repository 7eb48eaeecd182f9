//go:build linux

package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"testing"

	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// raceUser owns the crontab the race test edits, so that no real person's
// table is touched. It is not the user internal/schedule's tests use,
// whose tables those tests clear.
const raceUser = "baton-setup-cronrace"

// cronUser returns the uid and gid of name, creating the user (and
// removing it afterwards) when it does not exist.
func cronUser(t *testing.T, name string) (int, int) {
	t.Helper()
	u, err := user.Lookup(name)
	if err != nil {
		useradd := testenv.RequireTool(t, "useradd")
		if out, err := exec.Command(useradd, "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", name).CombinedOutput(); err != nil {
			t.Fatalf("useradd: %v\n%s", err, out)
		}
		t.Cleanup(func() { exec.Command("userdel", name).Run() })
		if u, err = user.Lookup(name); err != nil {
			t.Fatal(err)
		}
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return uid, gid
}

// TestConcurrentCronInstalls runs three `generate --install-cron` of
// different profiles at once, as a second user, against Debian's real
// crontab, for a fixed number of rounds. Every profile's block must be in
// the table afterwards, and no run may exit 0 without its block.
func TestConcurrentCronInstalls(t *testing.T) {
	const rounds, runs = 8, 3
	crontab := testenv.RequireTool(t, "crontab")
	setpriv := testenv.RequireTool(t, "setpriv")
	if os.Geteuid() != 0 {
		if os.Getenv("CI") == "true" {
			t.Fatal("the crontab race test needs root in CI, to run as a user of its own")
		}
		t.Skip("the crontab race test needs root, to run as a user of its own")
	}
	uid, gid := cronUser(t, raceUser)
	clear := func() { exec.Command(crontab, "-u", raceUser, "-r").Run() }
	clear()
	t.Cleanup(clear)

	root, err := os.MkdirTemp("", "baton-cronrace-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	self := filepath.Join(root, "baton-setup")
	copyFile(t, bin, self, 0o755)
	home := filepath.Join(root, "home")
	if err := os.Mkdir(home, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(home, uid, gid); err != nil {
		t.Fatal(err)
	}
	env := append(testenv.CleanEnv(home), "BATON_API_KEY=k")

	lost, silent := 0, 0
	for round := range rounds {
		clear()
		results := make([]result, runs)
		profiles := make([]string, runs)
		var wg sync.WaitGroup
		for i := range runs {
			profiles[i] = fmt.Sprintf("race-%d-%d", round, i)
			wg.Add(1)
			go func() {
				defer wg.Done()
				results[i] = run(t, env, home, setpriv, fmt.Sprintf("--reuid=%d", uid), fmt.Sprintf("--regid=%d", gid), "--clear-groups", "--",
					self, "generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local",
					"--schedule", fmt.Sprintf("%d * * * *", i), "--profile", profiles[i], "--install-cron")
			}()
		}
		wg.Wait()
		out, err := exec.Command(crontab, "-u", raceUser, "-l").Output()
		if err != nil {
			t.Fatalf("round %d: crontab -l: %v", round, err)
		}
		table := string(out)
		for i, r := range results {
			present := schedule.Count(table, profiles[i]) == 1
			if !present {
				lost++
				if r.code == 0 {
					silent++
					t.Errorf("round %d: %s exited 0 but its block is not in the crontab", round, profiles[i])
				}
			}
			if r.code != 0 {
				t.Errorf("round %d: %s exited %d: %s", round, profiles[i], r.code, r.stderr)
			}
		}
	}
	if lost > 0 {
		t.Errorf("%d of %d blocks lost (%d of them by a run that exited 0)", lost, rounds*runs, silent)
	}
	t.Logf("concurrent crontab installs: %d rounds of %d, %d blocks lost", rounds, runs, lost)
}
