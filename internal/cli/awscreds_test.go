package cli

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/upload/uploadtest"
)

func TestS3CredentialFlags(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"unknown mode", []string{"--aws-credentials", "sso"}, `--aws-credentials "sso": want default, profile, role or static`},
		{"profile without name", []string{"--aws-credentials", "profile"}, "--aws-credentials profile needs --aws-profile NAME"},
		{"profile with another mode", []string{"--aws-credentials", "static", "--aws-profile", "x"}, "--aws-profile needs --aws-credentials profile"},
		{"role without ARN", []string{"--aws-credentials", "role"}, "--aws-credentials role needs --role-arn"},
		{"external ID alone", []string{"--external-id", "abc"}, "--external-id needs --role-arn"},
		{"bad secret file", []string{"--secret-file", "api-key=/x"}, `--secret-file "api-key=/x": want aws-access-key-id=PATH`},
		{"static without keys", []string{"--aws-credentials", "static"}, "set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			noKeys := map[string]string{"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": ""}
			r := runCheckEnv(t, noKeys, append([]string{"--dest", dest}, tc.args...)...)
			if r.code != 2 || !strings.Contains(r.errOut, tc.want) {
				t.Errorf("exit %d, want 2 and %q:\n%s", r.code, tc.want, r.errOut)
			}
		})
	}
}

// TestS3CheckStaticAndDetectedRegion checks a bucket in another region with
// static keys from --secret-file: the region is found from the bucket and
// every request is signed for it with those keys.
func TestS3CheckStaticAndDetectedRegion(t *testing.T) {
	const keyID = "AKIASTATICCHECK00001"
	srv := uploadtest.NewServer(t, bucket)
	srv.SetRegion("eu-west-1")
	dir := t.TempDir()
	idFile, secretFile := filepath.Join(dir, "id"), filepath.Join(dir, "secret")
	os.WriteFile(idFile, []byte(keyID+"\n"), 0o600)
	os.WriteFile(secretFile, []byte("check-secret\n"), 0o600)
	r := runCheck(t, "--dest", dest, "--endpoint", srv.URL, "--aws-credentials", "static",
		"--secret-file", "aws-access-key-id="+idFile, "--secret-file", "aws-secret-access-key="+secretFile)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	for _, want := range []string{
		"! credentials  static access keys from secrets.env",
		"hint: static keys never expire",
		"✓ region       eu-west-1 (detected from the bucket)",
		"Region:    eu-west-1",
		"File name: " + key,
	} {
		if !strings.Contains(r.out, want) {
			t.Errorf("output lacks %q:\n%s", want, r.out)
		}
	}
	if strings.Contains(r.out+r.errOut, "check-secret") {
		t.Error("the secret was printed")
	}
	for _, req := range srv.Requests() {
		// The region probe, HeadBucket, goes out before the region is known.
		probe := req.Method == "HEAD" && strings.Trim(req.Path, "/") == bucket
		if req.AccessKey != keyID || (req.Region != "eu-west-1" && !probe) {
			t.Errorf("%s %s?%s signed for %s with %s", req.Method, req.Path, req.Query, req.Region, req.AccessKey)
		}
	}
}

// TestUploadDetectsRegion uploads without --region to a bucket in another
// region; an explicit --region still wins, and then fails.
func TestUploadDetectsRegion(t *testing.T) {
	srv := uploadtest.NewServer(t, bucket)
	srv.SetRegion("ap-southeast-2")
	r := runUpload(t, "--file", finishedC1Z, "--dest", dest, "--endpoint", srv.URL)
	if r.code != 0 {
		t.Fatalf("exit %d\n%s", r.code, r.errOut)
	}
	if srv.Get(t, bucket, key) == nil {
		t.Fatal("nothing uploaded")
	}
	r = runUpload(t, "--file", finishedC1Z, "--dest", dest, "--endpoint", srv.URL, "--region", "us-east-1")
	if r.code != 1 || !strings.Contains(r.errOut, "the bucket is in ap-southeast-2; set the region to ap-southeast-2") {
		t.Errorf("explicit wrong region: exit %d\n%s", r.code, r.errOut)
	}
}

// TestCheckProfile lists a profile from temporary shared files and warns
// about an SSO one.
func TestCheckProfile(t *testing.T) {
	srv := uploadtest.NewServer(t, bucket)
	// In ~/.aws of a temporary HOME, where a scheduled run looks too.
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".aws"), 0o700)
	cfg, creds := filepath.Join(dir, ".aws", "config"), filepath.Join(dir, ".aws", "credentials")
	os.WriteFile(cfg, []byte("[profile work]\nsso_session = acme\nsso_account_id = 123456789012\nsso_role_name = R\n\n[sso-session acme]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\n"), 0o600)
	os.WriteFile(creds, []byte("[uploader]\naws_access_key_id = AKIAPROFILEUPLOADER1\naws_secret_access_key = s\n"), 0o600)
	files := map[string]string{"HOME": dir}
	r := runCheckEnv(t, files, "--dest", dest, "--endpoint", srv.URL, "--aws-profile", "uploader")
	if r.code != 0 || !strings.Contains(r.out, "✓ credentials  AWS profile uploader") {
		t.Fatalf("exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
	for _, req := range srv.Requests() {
		if req.AccessKey != "AKIAPROFILEUPLOADER1" {
			t.Errorf("%s %s signed with %s", req.Method, req.Path, req.AccessKey)
		}
	}
	r = runCheckEnv(t, files, "--dest", dest, "--endpoint", srv.URL, "--aws-profile", "work")
	// Without a browser login there is no SSO token: the warning says why.
	if r.code != 1 || !strings.Contains(r.out, "! credentials  AWS profile work") || !strings.Contains(r.out, "SSO credentials expire") {
		t.Errorf("SSO profile: exit %d\n%s", r.code, r.out)
	}
	r = runCheckEnv(t, files, "--dest", dest, "--endpoint", srv.URL, "--aws-profile", "nope")
	if r.code != 1 || !strings.Contains(r.out, "known profiles: uploader, work") {
		t.Errorf("unknown profile: exit %d\n%s\n%s", r.code, r.out, r.errOut)
	}
}

// runCheckEnv is runCheck with env set over the fake S3 environment.
func runCheckEnv(t *testing.T, env map[string]string, args ...string) cmdResult {
	t.Helper()
	f, out, errOut := testFactory(t)
	for k, v := range env {
		t.Setenv(k, v)
	}
	cmd := newS3CheckCmd(f, func(ctx context.Context, o *S3CheckOptions) error {
		o.MaxAttempts, o.MaxBackoff = 2, 10*time.Millisecond
		return s3CheckRun(ctx, o)
	})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return execute(t, f, cmd.ExecuteContext, cmd.SetArgs, args, out, errOut)
}
