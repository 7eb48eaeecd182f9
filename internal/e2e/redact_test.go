package e2e

import (
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestTestMasksEscapedSecrets runs `test` and `test --json` against a
// connector that logs its API key decoded and escaped every way a logger
// does: neither output holds any form of it, and the error is still
// reported.
func TestTestMasksEscapedSecrets(t *testing.T) {
	home := t.TempDir()
	for _, secret := range append(testenv.HostileSecrets, "zQ") {
		conn := testenv.LeakyConnector(t, t.TempDir(), secret)
		env := append(testenv.CleanEnv(home), "BATON_API_KEY="+secret)
		for _, json := range []bool{false, true} {
			args := []string{"test", "--connector", conn, "--set", "tenant=acme"}
			if json {
				args = append(args, "--json")
			}
			r := run(t, env, home, bin, args...)
			if r.code != 1 || !strings.Contains(r.stdout+r.stderr, `invalid api key \"••••\"`) && !strings.Contains(r.stdout+r.stderr, `invalid api key "••••"`) {
				t.Errorf("secret %q, --json %v: exit %d, want 1 and the masked error\nstdout: %s\nstderr: %s", secret, json, r.code, r.stdout, r.stderr)
			}
			if leaks := testenv.Leaks(r.stdout+r.stderr, secret); len(leaks) > 0 {
				t.Errorf("secret %q, --json %v: output holds %v\nstdout: %s\nstderr: %s", secret, json, leaks, r.stdout, r.stderr)
			}
		}
	}
}

// TestTestSecretLikeMarker syncs the demo connector with API keys that
// are words of "Sync complete.": the test sync succeeds.
func TestTestSecretLikeMarker(t *testing.T) {
	home := t.TempDir()
	for _, key := range []string{"Sync", "complete"} {
		r := run(t, append(testenv.CleanEnv(home), "BATON_API_KEY="+key), home, bin, "test", "--connector", "demo", "--set", "tenant=acme")
		if r.code != 0 {
			t.Errorf("API key %q: exit %d\n%s", key, r.code, r.stderr)
		}
	}
}
