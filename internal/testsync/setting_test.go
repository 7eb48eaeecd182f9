package testsync

import (
	"errors"
	"testing"

	"github.com/conductorone/baton-setup/internal/runner"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/synclog"
)

func TestOutcomeSetting(t *testing.T) {
	fields := []schema.Field{
		{Name: "url", Label: "Server URL"},
		{Name: "password", Label: "Password", Secret: true},
		{Name: "private-key", Label: "Private key", Secret: true},
		{Name: "api-key", Label: "API key", Secret: true},
	}
	failed := func(msg string, cause synclog.Cause) Outcome {
		return Outcome{
			Result:    runner.Result{ExitCode: 1, Failure: synclog.Failure{Message: msg, Full: "error: " + msg}},
			Diagnosis: synclog.Diagnosis{Cause: cause},
			Err:       errors.New("the connector failed"),
		}
	}
	for _, tt := range []struct {
		name string
		o    Outcome
		want string
	}{
		{"named by flag name", failed("private-key: not a PEM private key", synclog.CauseConfiguration), "private-key"},
		{"named by label", failed("demo: invalid API key (401 from upstream)", synclog.CauseCredentials), "api-key"},
		{"named by variable", failed("BATON_URL is not a URL", synclog.CauseConfiguration), "url"},
		{"earliest wins", failed(`password authentication failed; check url`, synclog.CauseCredentials), "password"},
		{"not inside a longer name", failed("bad passwords-file", synclog.CauseUnknown), ""},
		{"credentials: the first secret", failed("401 Unauthorized", synclog.CauseCredentials), "password"},
		{"network: the address", failed("dial tcp 10.0.0.1:5432: connection refused", synclog.CauseNetwork), "url"},
		{"nothing points anywhere", failed("panic: runtime error", synclog.CauseCrash), ""},
		{"a good sync points nowhere", Outcome{}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			f, ok := tt.o.Setting(fields)
			if ok != (tt.want != "") || f.Name != tt.want {
				t.Errorf("Setting = %q, %v; want %q", f.Name, ok, tt.want)
			}
		})
	}
}
