package runner

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/synclog"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestRunMasksEscapedSecrets runs a connector that logs its secret
// decoded, JSON-escaped, inside a quoted JSON document and as Go's %q:
// no event, tail line (the wizard's details view) or failure holds any
// form of it.
func TestRunMasksEscapedSecrets(t *testing.T) {
	for _, secret := range append(testenv.HostileSecrets, "zQ") {
		path := testenv.LeakyConnector(t, t.TempDir(), secret)
		r, err := Start(context.Background(), Options{
			Binary: path, Env: []EnvVar{{Name: "BATON_API_KEY", Value: secret, Secret: true}},
			Timeout: time.Minute, BaseEnv: testenv.CleanEnv(t.TempDir()),
		})
		if err != nil {
			t.Fatal(err)
		}
		var shown []string
		for ev := range r.Events() {
			shown = append(shown, ev.Raw, ev.Msg, ev.Err)
		}
		res := r.Wait()
		r.Cleanup()
		shown = append(append(shown, res.Tail...), res.Failure.Message, res.Failure.Full)
		if len(res.Tail) != len(testenv.SecretLogLines(secret)) || !strings.Contains(res.Failure.Message, `invalid api key "`+synclog.Mask+`"`) {
			t.Errorf("secret %q: tail %q, failure %+v", secret, res.Tail, res.Failure)
		}
		for _, s := range shown {
			if leaks := testenv.Leaks(s, secret); len(leaks) > 0 {
				t.Errorf("secret %q leaks as %v in %q", secret, leaks, s)
			}
		}
	}
}

// TestRunSecretLikeMarker syncs with API keys that are words of the
// syncer's own messages: the sync still counts as complete.
func TestRunSecretLikeMarker(t *testing.T) {
	for _, key := range []string{"Sync", "complete", "Sync complete."} {
		mark := t.Name()
		res := start(t, context.Background(), mark, []EnvVar{{Name: "BATON_API_KEY", Value: key, Secret: true}}, time.Minute).Wait()
		if !res.Succeeded() {
			t.Errorf("API key %q: result %+v\n%s", key, res, strings.Join(res.Tail, "\n"))
		}
		waitNoSurvivors(t, mark)
	}
}
