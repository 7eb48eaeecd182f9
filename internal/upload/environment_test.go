package upload

import (
	"context"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/upload/uploadtest"
)

// TestShellOnly names the variables that lead the credential chain to
// something a scheduled run does not have.
func TestShellOnly(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	for _, tt := range []struct {
		mode string
		env  func(string) string
		want string
	}{
		{plan.CredDefault, env(), ""},
		{plan.CredDefault, env("AWS_ACCESS_KEY_ID", "AKIA", "AWS_SECRET_ACCESS_KEY", "x"), "AWS_ACCESS_KEY_ID"},
		{plan.CredRole, env("AWS_PROFILE", "dev"), "AWS_PROFILE"},
		{plan.CredDefault, env("AWS_WEB_IDENTITY_TOKEN_FILE", "/t"), "AWS_WEB_IDENTITY_TOKEN_FILE"},
		{plan.CredProfile, env("AWS_CONFIG_FILE", "/elsewhere/config"), "AWS_CONFIG_FILE"},
		{plan.CredProfile, env("AWS_ACCESS_KEY_ID", "AKIA"), ""},
		{plan.CredStatic, env("AWS_ACCESS_KEY_ID", "AKIA"), ""},
	} {
		got := ShellOnly(tt.mode, tt.env)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("ShellOnly(%q) = %q, want it to name %q", tt.mode, got, tt.want)
		}
	}
}

// TestEnvEndpointIsTheSetting checks that an endpoint from the environment
// is read as the setting, and that a client never picks one up by itself:
// a scheduled run would not have it.
func TestEnvEndpointIsTheSetting(t *testing.T) {
	get := func(m map[string]string) func(string) string { return func(k string) string { return m[k] } }
	if e, v := EnvEndpoint(get(map[string]string{"AWS_ENDPOINT_URL": "http://a", "AWS_ENDPOINT_URL_S3": "http://b"})); e != "http://b" || v != "AWS_ENDPOINT_URL_S3" {
		t.Errorf("EnvEndpoint = %q from %q", e, v)
	}
	if e, _ := EnvEndpoint(get(map[string]string{"AWS_ENDPOINT_URL": "http://a", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS": "true"})); e != "" {
		t.Errorf("EnvEndpoint ignored AWS_IGNORE_CONFIGURED_ENDPOINT_URLS: %q", e)
	}
	uploadtest.SetEnv(t)
	t.Setenv("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:1")
	c, err := NewClient(context.Background(), ClientOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if ep := c.Options().BaseEndpoint; ep != nil {
		t.Errorf("a client without an endpoint took %q from the environment", *ep)
	}
	c, _ = NewClient(context.Background(), ClientOptions{Endpoint: "http://127.0.0.1:2"})
	if ep := c.Options().BaseEndpoint; ep == nil || *ep != "http://127.0.0.1:2" || !c.Options().UsePathStyle {
		t.Errorf("explicit endpoint: %v, path style %v", ep, c.Options().UsePathStyle)
	}
}

// TestCheckRefusesShellCredentials runs the whole check with keys only in
// the caller's environment: it fails, says why and offers what works.
func TestCheckRefusesShellCredentials(t *testing.T) {
	srv := uploadtest.NewServer(t, bucket)
	o := checkOpts(t, srv)
	t.Setenv("AWS_ACCESS_KEY_ID", "AKIAFAKEFAKEFAKE")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "fake-secret-key")
	rep, err := CheckDestination(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	c := rep.Checks[0]
	if c.Status != StatusFail || c.Cause != CauseShellOnly || !strings.Contains(c.Detail, "AWS_ACCESS_KEY_ID") || !strings.Contains(c.Hint, "static keys kept in secrets.env") || !rep.Failed() {
		t.Errorf("%+v", rep.Checks)
	}
	// From ~/.aws, as a scheduled run finds them, the same check passes
	// and names the provider.
	t.Setenv("AWS_ACCESS_KEY_ID", "")
	t.Setenv("AWS_SECRET_ACCESS_KEY", "")
	rep, _ = CheckDestination(context.Background(), o)
	if c := rep.Checks[0]; c.Status != StatusOK || !strings.Contains(c.Detail, "answered by the shared credentials files") {
		t.Errorf("%+v", rep.Checks)
	}
}
