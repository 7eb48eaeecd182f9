package plan_test

import (
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestRedactEscapedForms masks what the wizard shows of connector output:
// every escaped form of each secret, short ones where they stand alone,
// and never the syncer's own messages.
func TestRedactEscapedForms(t *testing.T) {
	for _, secret := range append(testenv.HostileSecrets, "Sync", "complete") {
		secrets := map[string]plan.Secret{"api-key": plan.NewSecret(secret), "other": plan.NewSecret("zQ")}
		for _, l := range testenv.SecretLogLines(secret) {
			got := plan.Redact(l, secrets)
			if strings.Contains(got, `"msg":"Syncing resource types..."`) {
				continue // the syncer's own message, whatever the secret
			}
			if leaks := testenv.Leaks(got, secret); len(leaks) > 0 {
				t.Errorf("secret %q leaks as %v in %s", secret, leaks, got)
			}
		}
		done := `{"level":"info","msg":"Sync complete."}`
		if got := plan.Redact(done, secrets); got != done {
			t.Errorf("secret %q: %s became %s", secret, done, got)
		}
		if got := plan.Redact("bad token zQ; zQx", secrets); !strings.HasPrefix(got, "bad token ••••; zQx") {
			t.Errorf("short secret: %q", got)
		}
	}
}
