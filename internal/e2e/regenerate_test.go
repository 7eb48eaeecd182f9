package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// oldTemplate turns a sync.sh into what an older baton-setup could have
// written: lines changed, removed and added in several places.
func oldTemplate(script string) string {
	for _, r := range [][2]string{
		{"set -eu\n", "set -e\n"},
		{"umask 077\n", "umask 0077\nOLD_SETTING=1\n"},
		{"# Every failure ends with exactly one \"sync failed: <reason>\" line.\n", "# Failures end with a \"sync failed\" line.\n"},
		{"RUN_TMP=\n", ""},
	} {
		script = strings.Replace(script, r[0], r[1], 1)
	}
	return script + "# written by baton-setup 0.9\n"
}

// changed counts the removed and added lines of a unified diff in text.
func changed(diff string) int {
	n := 0
	for _, l := range strings.Split(diff, "\n") {
		l = strings.TrimLeft(l, " ")
		if (strings.HasPrefix(l, "-") && !strings.HasPrefix(l, "---")) || (strings.HasPrefix(l, "+") && !strings.HasPrefix(l, "+++")) {
			n++
		}
	}
	return n
}

// TestRegenerateAll writes two S3 profiles, makes their sync.sh look like
// an older baton-setup's, and regenerates every profile: the dry run shows
// only the changed lines and writes nothing; the real run restores
// sync.sh, keeps each secrets.env byte for byte (even with other secrets
// in the environment), keeps the old sync.sh in backup/, and both scripts
// still deliver when run as cron runs them.
func TestRegenerateAll(t *testing.T) {
	t.Parallel()
	s3 := testenv.NewS3(t, "sync-bucket")
	home := t.TempDir()
	env, _ := fakeCrontab(t, home, testenv.CleanEnv(home))
	root := filepath.Join(home, ".config", "baton-setup")
	profiles := map[string]string{"alpha": "canary-alpha-Secret-1111", "beta": "canary-beta-Secret-2222"}
	written := map[string]string{}
	for name, secret := range profiles {
		genEnv := append(append([]string{}, env...), "BATON_API_KEY="+secret,
			"AWS_ACCESS_KEY_ID=AKIA"+strings.ToUpper(name)+"KEYS0000", "AWS_SECRET_ACCESS_KEY=aws-"+secret, "AWS_EC2_METADATA_DISABLED=true")
		r := run(t, genEnv, home, bin, "generate", "--connector", "demo", "--profile", name, "--set", "tenant="+name,
			"--dest", "s3://sync-bucket/baton/"+name+"/sync.c1z", "--region", "us-east-1", "--endpoint", s3.URL,
			"--aws-credentials", "static", "--schedule", "hourly:09")
		if r.code != 0 {
			t.Fatalf("generate %s: exit %d\n%s%s", name, r.code, r.stdout, r.stderr)
		}
		script := filepath.Join(root, name, "sync.sh")
		data, err := os.ReadFile(script)
		if err != nil {
			t.Fatal(err)
		}
		written[name] = string(data)
		if err := os.WriteFile(script, []byte(oldTemplate(string(data))), 0o700); err != nil {
			t.Fatal(err)
		}
	}
	secretsBefore := map[string]string{}
	for name := range profiles {
		data, _ := os.ReadFile(filepath.Join(root, name, "secrets.env"))
		secretsBefore[name] = string(data)
	}

	// Another shell's secrets must not reach the saved profiles.
	shell := append(append([]string{}, env...), "BATON_API_KEY=other-shell-key", "AWS_ACCESS_KEY_ID=AKIAOTHERSHELL000", "AWS_SECRET_ACCESS_KEY=other", "AWS_EC2_METADATA_DISABLED=true")
	before := snapshot(t, root)
	r := run(t, shell, home, bin, "regenerate", "--all", "--dry-run")
	if r.code != 0 {
		t.Fatalf("regenerate --all --dry-run: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	if d := snapDiff(before, snapshot(t, root)); len(d) > 0 {
		t.Errorf("the dry run changed files: %v", d)
	}
	for name := range profiles {
		section := r.stdout[strings.Index(r.stdout, "profile "+name+":"):]
		if next := strings.Index(section[1:], "\nprofile "); next >= 0 {
			section = section[:next+1]
		}
		if !strings.Contains(section, "would update "+filepath.Join(root, name, "sync.sh")) ||
			!strings.Contains(section, "unchanged "+filepath.Join(root, name, "secrets.env")) {
			t.Errorf("%s: dry run:\n%s", name, section)
		}
		// oldTemplate removed 1 line, changed 3 and added 2: the diff takes
		// back 5 and adds 4, nothing else.
		if n := changed(section); n != 9 {
			t.Errorf("%s: the sync.sh diff has %d changed lines, want 9:\n%s", name, n, section)
		}
	}

	r = run(t, shell, home, bin, "regenerate", "--all")
	if r.code != 0 {
		t.Fatalf("regenerate --all: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	for name, secret := range profiles {
		dir := filepath.Join(root, name)
		got, _ := os.ReadFile(filepath.Join(dir, "sync.sh"))
		if string(got) != written[name] {
			t.Errorf("%s: sync.sh not as generate wrote it", name)
		}
		if got, _ := os.ReadFile(filepath.Join(dir, "secrets.env")); string(got) != secretsBefore[name] {
			t.Errorf("%s: secrets.env changed", name)
		}
		backups, _ := filepath.Glob(filepath.Join(dir, "backup", "sync.sh.*"))
		if len(backups) != 1 {
			t.Errorf("%s: backups of sync.sh: %v", name, backups)
		} else if old, _ := os.ReadFile(backups[0]); string(old) != oldTemplate(written[name]) {
			t.Errorf("%s: the backup is not the old sync.sh", name)
		}
		if strings.Contains(r.stdout+r.stderr, secret) {
			t.Errorf("regenerate printed %s's secret", name)
		}

		// cron's environment: nothing of the caller's.
		cron := []string{"HOME=" + home, "LOGNAME=tester", "PATH=/usr/bin:/bin", "SHELL=/bin/sh"}
		res := run(t, cron, "/", "/usr/bin/env", append([]string{"-i"}, append(cron, "/bin/sh", filepath.Join(dir, "sync.sh"))...)...)
		if res.code != 0 {
			log, _ := os.ReadFile(filepath.Join(dir, "work", "connector.log"))
			t.Fatalf("%s: sync.sh exit %d\n%s%s\n%s", name, res.code, res.stdout, res.stderr, tail(string(log), 5))
		}
		if s3.Get(t, "sync-bucket", "baton/"+name+"/sync.c1z") == nil {
			t.Errorf("%s: nothing delivered:\n%s", name, res.stdout)
		}
	}
	r = run(t, shell, home, bin, "regenerate", "--all")
	if r.code != 0 || strings.Count(r.stdout, "  up to date\n") != 2 {
		t.Errorf("a second regenerate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
}
