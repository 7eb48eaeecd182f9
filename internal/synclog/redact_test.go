package synclog_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/synclog"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestRedactEscapedForms masks secrets with quotes, backslashes, HTML
// characters, non-ASCII text, a tab and a line break in every form a log
// line carries them: decoded fields, the raw JSON line, an error quoting a
// JSON document, Go's %q, and the failure found at the end.
func TestRedactEscapedForms(t *testing.T) {
	for _, secret := range testenv.HostileSecrets {
		r := synclog.NewRedactor([]string{secret, "unrelated-value"})
		lines := testenv.SecretLogLines(secret)
		c := synclog.NewCollector(0)
		for _, l := range lines {
			raw := synclog.ParseString(l)
			c.Add(raw.Raw, raw)
			e := r.Event(raw)
			if e.Kind != raw.Kind || e.Phase != raw.Phase {
				t.Errorf("masking changed the event's kind: %v → %v", raw.Kind, e.Kind)
			}
			for _, field := range []string{e.Msg, e.Err, e.Raw} {
				if leaks := testenv.Leaks(field, secret); len(leaks) > 0 {
					t.Errorf("secret %q: %s leaks as %v", secret, field, leaks)
				}
			}
			if strings.HasPrefix(l, "{") {
				var v map[string]any
				if err := json.Unmarshal([]byte(e.Raw), &v); err != nil {
					t.Errorf("the masked line is no longer JSON: %v\n%s", err, e.Raw)
				}
			}
		}
		f := r.Failure(c.Failure())
		if f.Message == "" || !strings.Contains(f.Message, synclog.Mask) {
			t.Errorf("secret %q: failure %q, want the masked error", secret, f.Message)
		}
		for _, text := range append(r.Lines(c.Tail()), f.Message, f.Full) {
			if leaks := testenv.Leaks(text, secret); len(leaks) > 0 {
				t.Errorf("secret %q: %q leaks as %v", secret, text, leaks)
			}
		}
	}
}

// TestRedactKeepsMarkers masks secrets that are words of the syncer's own
// messages: the messages are still recognised and shown, and the secret is
// masked everywhere else.
func TestRedactKeepsMarkers(t *testing.T) {
	for _, secret := range []string{"Sync", "complete", "Sync complete.", "info", "msg", "level"} {
		r := synclog.NewRedactor([]string{secret})
		done := `{"level":"info","ts":1700000000.5,"caller":"sync/syncer.go:1","msg":"Sync complete.","sync_id":"2abc"}`
		e := r.Event(synclog.ParseString(done))
		if e.Kind != synclog.KindDone || e.Msg != "Sync complete." || e.Raw != done {
			t.Errorf("secret %q: the end of the sync became %v %q %s", secret, e.Kind, e.Msg, e.Raw)
		}
		other := `{"level":"info","msg":"tenant said ` + secret + `"}`
		if got := r.Line(other); strings.Contains(got, "said "+secret) {
			t.Errorf("secret %q: not masked in %s", secret, got)
		}
	}
}

// TestRedactShortSecrets masks values under MinMaskedLen characters where
// they stand as words, and nowhere inside longer words.
func TestRedactShortSecrets(t *testing.T) {
	r := synclog.NewRedactor([]string{"ab", `x"`})
	for in, want := range map[string]string{
		"token ab rejected":            "token •••• rejected",
		"key=ab;":                      "key=••••;",
		"fabric abc about ab":          "fabric abc about ••••",
		`{"error":"bad key x\" here"}`: `{"error":"bad key •••• here"}`,
		"ab":                           "••••",
	} {
		if got := r.Line(in); got != want {
			t.Errorf("Line(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestRedactNothing(t *testing.T) {
	var r *synclog.Redactor
	if got := r.Line("a b"); got != "a b" || !synclog.NewRedactor([]string{"", ""}).Empty() {
		t.Error("an empty synclog.Redactor changed the text")
	}
}
