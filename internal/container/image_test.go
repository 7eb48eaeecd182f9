package container_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
)

var configRun = regexp.MustCompile(`(?m)^run --rm --name baton-setup-[0-9a-f]{16} --network none (\S+) config$`)

// TestImageWithoutConfig is docker mode with no connector binary on this
// machine and an image too old to describe its settings: the schema comes
// from the catalog. (engine_test.go reads it from a real image.)
func TestImageWithoutConfig(t *testing.T) {
	t.Run("image without config, then generate --profile", func(t *testing.T) {
		f := newFake(t, "baton-okta:old", "")
		env := append(f.env, "BATON_API_TOKEN="+canary, "FAKE_DOCKER_NOCONFIG=baton-okta:old")
		r := run(t, env, bin, "generate", "--docker-image", "baton-okta:old", "--set", "domain=acme.okta.com",
			"--dest", "local", "--profile", "oktadock")
		if r.code != 0 {
			t.Fatalf("generate: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		note := "note: baton-okta:old does not describe its settings (no `config` command); using the catalog's fields for okta (check them against https://"
		if !strings.Contains(r.stderr, note) {
			t.Errorf("stderr lacks the note:\n%s", r.stderr)
		}
		dir := filepath.Join(f.home, ".config", "baton-setup", "oktadock")
		secrets, err := profile.ReadEnvFile(filepath.Join(dir, "secrets.env"))
		if err != nil || secrets["BATON_API_TOKEN"] != canary {
			t.Errorf("secrets.env: %v %v", secrets, err)
		}
		script := string(mustRead(t, filepath.Join(dir, "sync.sh")))
		for _, want := range []string{"IMAGE=baton-okta:old\n", "BATON_DOMAIN=acme.okta.com\n", "docker_env BATON_API_TOKEN \"$BATON_API_TOKEN\"\n"} {
			if !strings.Contains(script, want) {
				t.Errorf("sync.sh lacks %q", want)
			}
		}
		noSecret(t, "sync.sh", script)
		saved, err := plan.Load(filepath.Join(dir, "plan.json"))
		if err != nil || saved.Connector.Name != "okta" || saved.Connector.Image != "baton-okta:old" || saved.Connector.Path != "" {
			t.Errorf("plan.json: %+v %v", saved.Connector, err)
		}

		// Regenerating from the profile alone reads the image again.
		r = run(t, append(f.env, "FAKE_DOCKER_NOCONFIG=baton-okta:old"), bin, "generate", "--profile", "oktadock", "--json")
		if r.code != 0 {
			t.Fatalf("generate --profile: exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		var res struct {
			Changes []struct {
				Path   string `json:"path"`
				Action string `json:"action"`
			} `json:"changes"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatalf("%v\n%s", err, r.stdout)
		}
		for _, c := range res.Changes {
			if c.Action != "unchanged" {
				t.Errorf("generate --profile changed %s (%s)", c.Path, c.Action)
			}
		}
		if len(res.Changes) == 0 {
			t.Errorf("no changes reported:\n%s", r.stdout)
		}
	})
}

// TestDryRunDoesNotPull checks that generate --dry-run only looks for the
// image, while a real run pulls it.
func TestDryRunDoesNotPull(t *testing.T) {
	t.Run("schema from a binary", func(t *testing.T) {
		f := newFake(t, "", "baton-demo:remote")
		out := filepath.Join(f.home, "p")
		args := []string{"generate", "--connector", "demo", "--set", "tenant=acme", "--docker-image", "baton-demo:remote", "--dest", "local", "--out", out}
		env := append(f.env, "BATON_API_KEY="+canary)
		r := run(t, env, bin, append(args, "--dry-run")...)
		if r.code != 0 || !strings.Contains(r.stdout, "dry run: would pull baton-demo:remote (docker image inspect finds no copy on this machine)\n") {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		argv := f.Argv(t)
		if !strings.Contains(argv, "image inspect --format {{.Id}} baton-demo:remote\n") || strings.Contains(argv, "pull") || strings.Contains(argv, "run ") {
			t.Errorf("docker argv of a dry run:\n%s", argv)
		}
		if _, err := os.Stat(out); !errors.Is(err, os.ErrNotExist) {
			t.Error("a dry run wrote the profile")
		}
		r = run(t, env, bin, args...)
		if r.code != 0 || strings.Contains(r.stdout, "would pull") || !strings.Contains(f.Argv(t), "pull --quiet baton-demo:remote\n") {
			t.Errorf("real run: exit %d\n%s\n%s\n%s", r.code, r.stdout, r.stderr, f.Argv(t))
		}
	})

	t.Run("schema from the image", func(t *testing.T) {
		f := newFake(t, "", "baton-okta:remote")
		r := run(t, append(f.env, "BATON_API_TOKEN="+canary), bin, "generate", "--docker-image", "baton-okta:remote", "--set", "domain=acme.okta.com",
			"--dest", "local", "--out", filepath.Join(f.home, "p"), "--dry-run", "--json")
		if r.code != 0 {
			t.Fatalf("exit %d\n%s\n%s", r.code, r.stdout, r.stderr)
		}
		for _, want := range []string{"note: baton-okta:remote is not on this machine and a dry run does not pull it; using the catalog's fields for okta",
			"dry run: would pull baton-okta:remote"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
			}
		}
		if !json.Valid([]byte(r.stdout)) {
			t.Errorf("stdout is not JSON:\n%s", r.stdout)
		}
		if argv := f.Argv(t); strings.Contains(argv, "pull") || strings.Contains(argv, "run ") {
			t.Errorf("docker argv of a dry run:\n%s", argv)
		}
		noSecret(t, "the output", r.stdout+r.stderr)
	})
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}
