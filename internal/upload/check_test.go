package upload

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/upload/uploadtest"
)

// checkOpts reaches srv with the fake environment's dummy keys and no
// region, so that the region must be detected.
func checkOpts(t *testing.T, srv *uploadtest.Server) CheckOptions {
	t.Helper()
	uploadtest.SetEnv(t)
	t.Setenv("AWS_REGION", "")
	return CheckOptions{
		Client: ClientOptions{Endpoint: srv.URL, MaxAttempts: 2},
		Bucket: bucket, Key: "baton/demo/sync.c1z",
	}
}

func TestDetectRegion(t *testing.T) {
	t.Run("redirect names the region", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		srv.SetRegion("eu-west-1")
		// A client signing for us-east-1 gets a 301 on HeadBucket.
		got, err := DetectRegion(context.Background(), newClient(t, srv, func(o *ClientOptions) { o.MaxAttempts = 1 }), bucket)
		if err != nil || got != "eu-west-1" {
			t.Fatalf("DetectRegion = %q, %v", got, err)
		}
		if n := srv.Count(func(r uploadtest.Request) bool { return strings.Contains(r.Query, "location") }); n != 0 {
			t.Errorf("GetBucketLocation called %d times; the HeadBucket header was enough", n)
		}
	})
	t.Run("location when HeadBucket says nothing", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		got, err := DetectRegion(context.Background(), newClient(t, srv), bucket)
		if err != nil || got != "us-east-1" {
			t.Fatalf("DetectRegion = %q, %v", got, err)
		}
	})
	t.Run("no such bucket", func(t *testing.T) {
		srv := uploadtest.NewServer(t)
		if got, err := DetectRegion(context.Background(), newClient(t, srv, func(o *ClientOptions) { o.MaxAttempts = 1 }), bucket); err == nil {
			t.Fatalf("DetectRegion = %q, want an error", got)
		}
	})
}

func TestCheckDestinationRegion(t *testing.T) {
	t.Run("detected and used", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		srv.SetRegion("eu-west-1")
		rep, err := CheckDestination(context.Background(), checkOpts(t, srv))
		if err != nil {
			t.Fatal(err)
		}
		if got := statuses(rep); got != "credentials=ok region=ok identity=skip bucket=ok write=ok read back=ok cleanup=ok" || rep.Failed() {
			t.Fatalf("%s\n%+v", got, rep.Checks)
		}
		if rep.Region != "eu-west-1" || rep.RegionSource != RegionDetected || rep.Checks[1].Detail != "eu-west-1 (detected from the bucket)" {
			t.Errorf("region %q from %q: %+v", rep.Region, rep.RegionSource, rep.Checks[1])
		}
		if !strings.Contains(rep.Policy, "arn:aws:s3:::sync-bucket/baton/demo/sync.c1z") {
			t.Errorf("policy:\n%s", rep.Policy)
		}
		// Every write was signed for the bucket's region.
		for _, r := range srv.Requests() {
			if r.Method == "PUT" && r.Region != "eu-west-1" {
				t.Errorf("%s %s signed for %s", r.Method, r.Path, r.Region)
			}
		}
	})
	t.Run("explicit region wins and the mismatch fails", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		srv.SetRegion("eu-west-1")
		o := checkOpts(t, srv)
		o.Client.Region = "us-west-2"
		rep, err := CheckDestination(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Region != "us-west-2" || rep.RegionSource != RegionGiven || !rep.Failed() {
			t.Fatalf("region %q from %q, failed %v: %+v", rep.Region, rep.RegionSource, rep.Failed(), rep.Checks)
		}
		b := rep.Checks[3]
		if b.Name != "bucket" || b.Status != StatusFail || b.Cause != CauseWrongRegion || !strings.Contains(b.Hint, "set the region to eu-west-1") {
			t.Errorf("bucket check: %+v", b)
		}
	})
	t.Run("undetectable falls back to the configuration", func(t *testing.T) {
		srv := uploadtest.NewServer(t)
		rep, err := CheckDestination(context.Background(), checkOpts(t, srv))
		if err != nil {
			t.Fatal(err)
		}
		if c := rep.Checks[1]; rep.RegionSource != RegionConfig || c.Status != StatusWarn || !strings.HasPrefix(c.Detail, "us-east-1 (from the AWS configuration)") {
			t.Errorf("%q: %+v", rep.RegionSource, c)
		}
		if !rep.Failed() {
			t.Error("a missing bucket passed")
		}
	})
}

func TestCheckDestinationCredentials(t *testing.T) {
	const keyID, secret = "AKIASTATICSTATIC1234", "static-secret-value"
	t.Run("static", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		o := checkOpts(t, srv)
		o.Client.Credentials = plan.CredStatic
		o.Client.AccessKeyID, o.Client.SecretAccessKey = plan.NewSecret(keyID), plan.NewSecret(secret)
		rep, err := CheckDestination(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if c := rep.Checks[0]; c.Status != StatusWarn || c.Hint != StaticWarning || rep.Failed() {
			t.Fatalf("%+v", rep.Checks)
		}
		for _, r := range srv.Requests() {
			if r.AccessKey != keyID {
				t.Errorf("%s %s signed with %q, want the static key", r.Method, r.Path, r.AccessKey)
			}
		}
	})
	t.Run("static without keys", func(t *testing.T) {
		_, err := LoadConfig(context.Background(), ClientOptions{Credentials: plan.CredStatic, Getenv: func(string) string { return "" }})
		if err == nil || !strings.Contains(err.Error(), "static credentials need both") {
			t.Errorf("LoadConfig: %v", err)
		}
	})
	profiles := func(t *testing.T) {
		t.Helper()
		// In ~/.aws, where a scheduled run finds them too; SetEnv makes HOME
		// a temporary directory.
		uploadtest.SetEnv(t)
		dir := filepath.Join(os.Getenv("HOME"), ".aws")
		cfg, creds := filepath.Join(dir, "config"), filepath.Join(dir, "credentials")
		os.WriteFile(cfg, []byte("[profile uploader]\nregion = eu-west-1\n\n[profile sso]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Uploader\n"), 0o600)
		os.WriteFile(creds, []byte("[uploader]\naws_access_key_id = AKIAPROFILEPROFILE12\naws_secret_access_key = profile-secret\n"), 0o600)
	}
	t.Run("profile", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		o := checkOpts(t, srv)
		profiles(t)
		o.Client.Credentials, o.Client.Profile = plan.CredProfile, "uploader"
		rep, err := CheckDestination(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if c := rep.Checks[0]; c.Status != StatusOK || c.Detail != "AWS profile uploader; answered by the shared credentials files" || rep.Failed() {
			t.Fatalf("%+v", rep.Checks)
		}
		// The profile's keys win over the environment's.
		for _, r := range srv.Requests() {
			if r.AccessKey != "AKIAPROFILEPROFILE12" {
				t.Errorf("%s %s signed with %q, want the profile's key", r.Method, r.Path, r.AccessKey)
			}
		}
	})
	t.Run("sso profile warns", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		profiles(t)
		c := credentialsCheck(context.Background(), ClientOptions{Credentials: plan.CredProfile, Profile: "sso", Endpoint: srv.URL})
		if c.Status != StatusWarn || !strings.Contains(c.Hint, "SSO credentials expire") {
			t.Errorf("%+v", c)
		}
	})
	t.Run("unknown profile fails", func(t *testing.T) {
		profiles(t)
		c := credentialsCheck(context.Background(), ClientOptions{Credentials: plan.CredProfile, Profile: "prod"})
		if c.Status != StatusFail || !strings.Contains(c.Detail, "known profiles: sso, uploader") {
			t.Errorf("%+v", c)
		}
	})
}
