package e2e

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestSecretCanary runs the non-interactive flow with a unique value for
// every secret and checks that only secrets.env ever holds it: not argv,
// not any output, log, plan, crontab or backup.
func TestSecretCanary(t *testing.T) {
	const connectorCanary = "CANARY-conn-4f1d9a7e3b"
	const awsCanary = "CANARY-aws-8c2e6b1f0a"
	s3 := testenv.NewS3(t, "canary-bucket")
	home := t.TempDir()
	env, table := fakeCrontab(t, home, append(testenv.CleanEnv(home), "BATON_API_KEY="+connectorCanary))
	awsEnv := []string{
		"AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKE", "AWS_SECRET_ACCESS_KEY=" + awsCanary,
		"AWS_REGION=us-east-1", "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=/dev/null", "AWS_SHARED_CREDENTIALS_FILE=/dev/null",
	}
	env = append(env, awsEnv...)
	watch := testenv.WatchProcesses(connectorCanary, awsCanary)

	var outputs []string
	step := func(name string, args ...string) result {
		r := run(t, env, home, name, args...)
		outputs = append(outputs, r.stdout, r.stderr)
		return r
	}
	dest := "s3://canary-bucket/baton/demo/sync.c1z"
	for _, args := range [][]string{
		{"test", "--connector", "demo", "--set", "tenant=acme"},
		{"test", "--connector", "demo", "--set", "tenant=acme", "--json"},
		{"test", "--connector", "demo", "--set", "tenant=acme", "--quick"},
		// Static keys: the AWS secret too is kept, in secrets.env only; the
		// default chain would find keys a scheduled run does not have.
		{"generate", "--connector", "demo", "--set", "tenant=acme", "--dest", dest, "--endpoint", s3.URL, "--aws-credentials", "static", "--profile", "canary", "--install-cron"},
		{"generate", "--connector", "demo", "--set", "tenant=acme", "--dest", dest, "--endpoint", s3.URL, "--aws-credentials", "static", "--profile", "canary", "--install-cron", "--json"},
		{"plan", "show", "--profile", "canary"},
		{"plan", "show", "--profile", "canary", "--json"},
		{"profiles"},
		{"doctor", "--profile", "canary"},
	} {
		if r := step(bin, args...); r.code != 0 {
			t.Fatalf("%v: exit %d\n%s%s", args, r.code, r.stdout, r.stderr)
		}
	}
	dir := filepath.Join(home, ".config", "baton-setup", "canary")
	if r := step("/bin/sh", filepath.Join(dir, "sync.sh")); r.code != 0 {
		t.Fatalf("sync.sh: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// A failing connector run: its error path must not echo secrets either.
	env = append(env, "BATON_DEMO_FAILURE=fail-midsync")
	if r := step("/bin/sh", filepath.Join(dir, "sync.sh")); r.code == 0 {
		t.Fatal("sync.sh succeeded with a failing connector")
	}
	if r := step(bin, "test", "--connector", "demo", "--set", "tenant=acme", "--json"); r.code == 0 {
		t.Fatal("test succeeded with a failing connector")
	}

	polls, leaks := watch.Stop()
	if polls < 10 {
		t.Errorf("argv watcher polled only %d times", polls)
	}
	for _, l := range leaks {
		t.Errorf("secret on a command line: %s", l)
	}
	for i, out := range outputs {
		for _, c := range []string{connectorCanary, awsCanary} {
			if strings.Contains(out, c) {
				t.Errorf("output %d contains a secret:\n%s", i, out)
			}
		}
	}
	found := map[string]bool{}
	err := filepath.WalkDir(home, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, c := range []string{connectorCanary, awsCanary} {
			if !bytes.Contains(data, []byte(c)) {
				continue
			}
			if path == filepath.Join(dir, "secrets.env") {
				found[c] = true
				continue
			}
			t.Errorf("%s contains the secret %s", path, c)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !found[connectorCanary] || !found[awsCanary] {
		t.Errorf("secrets.env does not hold both secrets (%v); the check above proves nothing", found)
	}
	if data, _ := os.ReadFile(table); !bytes.Contains(data, []byte("baton-setup profile=canary")) {
		t.Errorf("crontab was not installed, so it was not checked:\n%s", data)
	}
}
