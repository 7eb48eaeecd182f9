package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestFailedRunExplained lets a scheduled run fail on its credentials: the
// connector's own error reaches the "sync failed" line of sync.log, and
// status and doctor show it, with the fix.
func TestFailedRunExplained(t *testing.T) {
	home := t.TempDir()
	env, _ := fakeCrontab(t, home, append(testenv.CleanEnv(home), "BATON_API_KEY=invalid"))
	r := run(t, env, home, bin, "generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--profile", "bad", "--install-cron")
	if r.code != 0 {
		t.Fatalf("generate: exit %d\n%s", r.code, r.stderr)
	}
	dir := filepath.Join(home, ".config", "baton-setup", "bad")
	r = run(t, cronEnv(home), home, "/bin/sh", "-c", dir+"/sync.sh >>"+dir+"/sync.log 2>&1")
	log, _ := os.ReadFile(filepath.Join(dir, "sync.log"))
	if r.code == 0 || !testenv.RefusedKey.MatchString(string(log)) || !strings.Contains(string(log), ": demo: •••• API key (401 from upstream) (The service rejected the credentials); see ") {
		t.Fatalf("sync.log does not say why:\n%s", log)
	}
	r = run(t, env, home, bin, "status", "--offline", "--wide")
	if !strings.Contains(r.stdout, "failed: the connector exited ") || !testenv.RefusedKey.MatchString(r.stdout) || !strings.Contains(r.stdout, ": demo: •••• API key (401 from upstream)") {
		t.Errorf("status does not show the cause:\n%s", r.stdout)
	}
	r = run(t, env, home, bin, "doctor", "--profile", "bad")
	if r.code != 1 || !strings.Contains(r.stdout, "✗ last run") || !strings.Contains(r.stdout, "API key (401 from upstream)") ||
		!strings.Contains(r.stdout, "verify --profile bad") {
		t.Errorf("doctor: exit %d\n%s", r.code, r.stdout)
	}
	if strings.Contains(string(log)+r.stdout, "invalid") {
		t.Error("the secret value was shown")
	}
}

// TestStatusSays runs status over profiles in several states: a run by
// hand counts, nothing is promised for a profile that is not scheduled,
// one that never uploaded is not late, and the table fits 100 columns.
func TestStatusSays(t *testing.T) {
	home := t.TempDir()
	env, _ := fakeCrontab(t, home, append(testenv.CleanEnv(home), "BATON_API_KEY=k"))
	for _, args := range [][]string{
		{"--profile", "byhand-with-a-long-profile-name", "--dest", "local"},
		{"--profile", "scheduled", "--dest", "local", "--install-cron"},
		{"--profile", "never", "--dest", "s3://status-bucket/never/sync.c1z", "--endpoint", "http://127.0.0.1:9", "--region", "us-east-1"},
	} {
		testenv.WriteAWSFiles(t, home)
		r := run(t, append(env, "AWS_EC2_METADATA_DISABLED=true"), home, bin, append([]string{"generate", "--connector", "demo", "--set", "tenant=acme", "--schedule", "hourly:7"}, args...)...)
		if r.code != 0 {
			t.Fatalf("generate %v: exit %d\n%s", args, r.code, r.stderr)
		}
	}
	// By hand, from a terminal: its output goes there, not to sync.log.
	byHand := filepath.Join(home, ".config", "baton-setup", "byhand-with-a-long-profile-name", "sync.sh")
	if r := run(t, cronEnv(home), home, "/bin/sh", byHand); r.code != 0 {
		t.Fatalf("sync.sh by hand: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r := run(t, env, home, bin, "status", "--offline")
	lines := strings.Split(strings.TrimRight(r.stdout, "\n"), "\n")
	row := func(name string) string {
		for _, l := range lines {
			if strings.HasPrefix(l, name[:min(len(name), 15)]) {
				return l
			}
		}
		t.Fatalf("no row for %s:\n%s", name, r.stdout)
		return ""
	}
	if l := row("byhand-with-a-long-profile-name"); strings.Contains(l, "never ran") || !strings.Contains(l, " ok ") || !strings.Contains(l, "not scheduled") {
		t.Errorf("a run by hand is not on record, or a run is promised:\n%s", l)
	}
	if l := row("scheduled"); !strings.Contains(l, " in ") || strings.Contains(l, "not scheduled") {
		t.Errorf("the installed profile has no next run:\n%s", l)
	}
	if l := row("never"); strings.Contains(l, "older than 2h") || !strings.Contains(l, "never ran") {
		t.Errorf("a profile that never uploaded is called late:\n%s", l)
	}
	for _, l := range lines {
		if n := utf8.RuneCountInString(l); n > 100 {
			t.Errorf("a line of %d columns:\n%s", n, l)
		}
	}
	if strings.Contains(r.stdout+r.stderr, "reason above") {
		t.Errorf("status refers to a reason above:\n%s", r.stdout)
	}
}
