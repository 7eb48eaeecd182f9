package awsconf

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const sharedConfig = `# a comment
[default]
region = us-east-1

[profile legacy-sso]
sso_start_url = https://acme.awsapps.com/start
sso_region = us-east-1
sso_account_id = 123456789012
sso_role_name = Uploader
region = eu-west-1

[profile session-sso]
sso_session = acme
sso_account_id = 123456789012
sso_role_name = Uploader

[sso-session acme]
sso_start_url = https://acme.awsapps.com/start
sso_region = us-east-1

[profile uploader]
role_arn = arn:aws:iam::123456789012:role/uploader
source_profile = default
region = eu-central-1

[profile broken]
source_profile = nowhere
role_arn = arn:aws:iam::123456789012:role/x

[services s3-local]
s3 =
  endpoint_url = http://localhost:9000
`

const sharedCredentials = `[default]
aws_access_key_id = AKIAEXAMPLEEXAMPLE
aws_secret_access_key = not-a-real-secret

[ci]
aws_access_key_id = AKIAEXAMPLEEXAMPLE2
aws_secret_access_key = not-a-real-secret-either
`

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestList(t *testing.T) {
	dir := t.TempDir()
	cfg, creds := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
	os.WriteFile(cfg, []byte(sharedConfig), 0o600)
	os.WriteFile(creds, []byte(sharedCredentials), 0o600)
	getenv := env(map[string]string{"AWS_CONFIG_FILE": cfg, "AWS_SHARED_CREDENTIALS_FILE": creds, "HOME": "/nonexistent"})

	got, err := List(context.Background(), getenv)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, p := range got {
		names = append(names, p.Name)
	}
	want := []string{"default", "broken", "ci", "legacy-sso", "session-sso", "uploader"}
	if !slices.Equal(names, want) {
		t.Fatalf("names %v, want %v", names, want)
	}
	byName := map[string]Profile{}
	for _, p := range got {
		byName[p.Name] = p
	}
	for _, name := range []string{"legacy-sso", "session-sso"} {
		if p := byName[name]; !p.SSO || p.Warning() != SSOWarning || !strings.Contains(p.Describe(), "SSO") {
			t.Errorf("%s: %+v, warning %q", name, p, p.Warning())
		}
	}
	if p := byName["legacy-sso"]; p.Region != "eu-west-1" {
		t.Errorf("legacy-sso region %q", p.Region)
	}
	if p := byName["uploader"]; p.SSO || p.RoleARN != "arn:aws:iam::123456789012:role/uploader" || p.Region != "eu-central-1" || p.Warning() != "" {
		t.Errorf("uploader: %+v", p)
	}
	if p := byName["default"]; p.SSO || p.Region != "us-east-1" || p.Warning() != "" {
		t.Errorf("default: %+v", p)
	}
	if p := byName["broken"]; p.Err == "" || !strings.HasPrefix(p.Warning(), "the profile does not load: ") {
		t.Errorf("broken: %+v", p)
	}

	if _, err := Find(context.Background(), getenv, "ci"); err != nil {
		t.Errorf("Find ci: %v", err)
	}
	_, err = Find(context.Background(), getenv, "prod")
	if err == nil || !strings.Contains(err.Error(), "known profiles: default, broken, ci") {
		t.Errorf("Find prod: %v", err)
	}
}

func TestListNoFiles(t *testing.T) {
	home := t.TempDir()
	got, err := List(context.Background(), env(map[string]string{"HOME": home}))
	if err != nil || len(got) != 0 {
		t.Fatalf("List = %v, %v", got, err)
	}
	cfg, creds := Files(env(map[string]string{"HOME": home}))
	if cfg != filepath.Join(home, ".aws", "config") || creds != filepath.Join(home, ".aws", "credentials") {
		t.Errorf("Files = %s, %s", cfg, creds)
	}
	if _, err := Find(context.Background(), env(map[string]string{"HOME": home}), "x"); err == nil || !strings.Contains(err.Error(), "define no profiles") {
		t.Errorf("Find: %v", err)
	}
}
