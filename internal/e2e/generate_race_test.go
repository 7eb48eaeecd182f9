package e2e

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

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
