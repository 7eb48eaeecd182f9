package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/conductorone/baton-setup/internal/doctor"
	"github.com/conductorone/baton-setup/internal/setup"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestConcurrentGenerate regenerates one profile from several processes
// at once, each with its own tenant and API key, for a fixed number of
// rounds. Every run must exit 0, the files afterwards must all be one
// run's (never one tenant's sync.sh with another's key), and every backup
// a run reports must be its own file, holding an earlier version.
func TestConcurrentGenerate(t *testing.T) {
	const rounds, runs = 8, 4
	home := t.TempDir()
	dir := filepath.Join(home, "profile")
	args := func(i int) []string {
		return []string{"generate", "--connector", "demo", "--set", fmt.Sprintf("tenant=tenant-%d", i), "--dest", "local",
			"--schedule", fmt.Sprintf("%d * * * *", i%60), "--out", dir, "--json"}
	}
	env := func(i int) []string {
		return append(testenv.CleanEnv(home), fmt.Sprintf("BATON_API_KEY=key-%d", i))
	}
	if r := run(t, env(99), home, bin, args(99)...); r.code != 0 {
		t.Fatalf("first generate: exit %d\n%s", r.code, r.stderr)
	}
	mixed := 0
	for round := range rounds {
		results := make([]result, runs)
		var wg sync.WaitGroup
		for i := range runs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := round*runs + i
				results[i] = run(t, env(n), home, bin, args(n)...)
			}()
		}
		wg.Wait()
		backups := map[string]int{}
		for i, r := range results {
			if r.code != 0 {
				t.Errorf("round %d, run %d: exit %d\n%s", round, i, r.code, r.stderr)
				continue
			}
			var res setup.Result
			if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
				t.Fatalf("round %d, run %d: %v\n%s", round, i, err, r.stdout)
			}
			for _, c := range res.Changes {
				if c.Backup == "" {
					continue
				}
				if j, ok := backups[c.Backup]; ok {
					t.Errorf("round %d: runs %d and %d both saved a backup as %s", round, j, i, c.Backup)
				}
				backups[c.Backup] = i
				if data, err := os.ReadFile(c.Backup); err != nil || len(data) == 0 {
					t.Errorf("round %d, run %d: backup %s: %v", round, i, c.Backup, err)
				}
			}
		}
		script, _ := os.ReadFile(filepath.Join(dir, "sync.sh"))
		secrets, _ := os.ReadFile(filepath.Join(dir, "secrets.env"))
		savedPlan, _ := os.ReadFile(filepath.Join(dir, "plan.json"))
		owner := -1
		for i := range runs {
			n := round*runs + i
			if strings.Contains(string(script), fmt.Sprintf("BATON_TENANT=tenant-%d\n", n)) {
				owner = n
			}
		}
		if owner < 0 || !strings.Contains(string(secrets), fmt.Sprintf("BATON_API_KEY=key-%d\n", owner)) ||
			!strings.Contains(string(savedPlan), fmt.Sprintf(`"tenant-%d"`, owner)) {
			mixed++
			t.Errorf("round %d: the files are not one run's: sync.sh of run %d, secrets.env:\n%s", round, owner, secrets)
		}
	}
	t.Logf("concurrent generates of one profile: %d rounds × %d runs, %d rounds with mixed files", rounds, runs, mixed)
}

// doctorResult runs doctor on a profile directory and returns the named
// check's result.
func doctorResult(t *testing.T, env []string, dir, check string) doctor.Result {
	t.Helper()
	r := run(t, env, dir, bin, "doctor", "--dir", dir, "--json")
	var results []doctor.Result
	if err := json.Unmarshal([]byte(r.stdout), &results); err != nil {
		t.Fatalf("doctor --json: %v\n%s\n%s", err, r.stdout, r.stderr)
	}
	for _, res := range results {
		if strings.HasPrefix(res.Name, check) {
			return res
		}
	}
	t.Fatalf("doctor has no check %q:\n%s", check, r.stdout)
	return doctor.Result{}
}

// TestLeftoversOfAKilledGenerate plants what a generate killed while
// writing leaves: renameio's pending copies, "." + the file's name + a
// random number, next to the files and in backup/, one holding an old
// key. doctor names them, and the next generate of the profile removes
// them and nothing else.
func TestLeftoversOfAKilledGenerate(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, "profile")
	env := append(testenv.CleanEnv(home), "BATON_API_KEY=new-key")
	args := []string{"generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--out", dir}
	if r := run(t, env, home, bin, args...); r.code != 0 {
		t.Fatalf("generate: exit %d\n%s", r.code, r.stderr)
	}
	if err := os.MkdirAll(filepath.Join(dir, "backup"), 0o700); err != nil {
		t.Fatal(err)
	}
	left := []string{".secrets.env8674665223082153551", ".sync.sh5577006791947779410", ".plan.json605394647632969758", "backup/.secrets.env.20260101T000000Z1443635317331776148"}
	kept := []string{".secrets.env.keep", "notes.txt"}
	for _, name := range append(append([]string{}, left...), kept...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("BATON_API_KEY=old-key\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	res := doctorResult(t, env, dir, "no copies left by an interrupted generate")
	if res.OK || !strings.HasPrefix(res.Err, "4 temporary copies left by an interrupted generate, which may hold old secrets: ") {
		t.Errorf("doctor: %+v", res)
	}
	for _, name := range left {
		if !strings.Contains(res.Err, filepath.Join(dir, name)) {
			t.Errorf("doctor does not name %s: %s", name, res.Err)
		}
	}
	if r := run(t, env, home, bin, args...); r.code != 0 {
		t.Fatalf("generate again: exit %d\n%s", r.code, r.stderr)
	}
	for _, name := range left {
		if _, err := os.Lstat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", name, err)
		}
	}
	for _, name := range kept {
		if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s was removed: %v", name, err)
		}
	}
	if res := doctorResult(t, env, dir, "no copies left by an interrupted generate"); !res.OK {
		t.Errorf("doctor after generate: %+v", res)
	}
}
