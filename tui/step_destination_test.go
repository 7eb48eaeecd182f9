package tui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/conductorone/baton-setup/internal/awsconf"
	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/upload"
	"github.com/conductorone/baton-setup/internal/upload/uploadtest"
)

const (
	staticKeyID  = "AKIAWIZARDSTATIC0001"
	staticSecret = "wizard-Secret-5d1e0c"
)

// destDeps checks destinations against srv with the real preflight, and
// lists the profiles of temporary shared files (one of them SSO).
func destDeps(t *testing.T) Deps {
	t.Helper()
	// In ~/.aws of a temporary HOME, where a scheduled run looks too.
	dir := t.TempDir()
	os.Mkdir(filepath.Join(dir, ".aws"), 0o700)
	cfg, creds := filepath.Join(dir, ".aws", "config"), filepath.Join(dir, ".aws", "credentials")
	os.WriteFile(cfg, []byte("[profile ops-sso]\nsso_start_url = https://acme.awsapps.com/start\nsso_region = us-east-1\nsso_account_id = 123456789012\nsso_role_name = Ops\n"), 0o600)
	os.WriteFile(creds, []byte("[uploader]\naws_access_key_id = AKIAPROFILEPROFILE12\naws_secret_access_key = x\n"), 0o600)
	env := map[string]string{"HOME": dir}
	getenv := func(k string) string { return env[k] }
	return Deps{
		Connectors: func() []discover.Found { return nil },
		Getenv:     getenv,
		Now:        func() time.Time { return fixedNow },
		AWSProfiles: func() []awsconf.Profile {
			ps, err := awsconf.List(context.Background(), getenv)
			if err != nil {
				t.Error(err)
			}
			return ps
		},
		Preflight: func(ctx context.Context, d plan.Destination) (upload.Report, error) {
			co := upload.OptionsFor(d, getenv)
			co.MaxAttempts = 1
			return upload.CheckDestination(ctx, upload.CheckOptions{Client: co, Bucket: d.Bucket, Key: d.Key})
		},
		RandomMinute: func() int { return 17 },
	}
}

// startAtDestination opens the wizard on the destination step.
func startAtDestination(t *testing.T, deps Deps) *harness {
	t.Helper()
	return startAt(t, deps, &plan.Plan{Connector: plan.Connector{Name: "demo"}}, stepDestination)
}

// s3Answers fills the bucket, keeps the offered key and region (empty
// unless AWS_REGION sets it: the check finds the bucket's), and types the
// endpoint; it stops at the credentials question.
func (h *harness) s3Answers(bucket, endpoint string) {
	h.t.Helper()
	h.waitFor("Step 4/7 · Destination", uiWait)
	h.waitFor("┃ > An S3 bucket that ConductorOne reads", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Bucket *", uiWait)
	h.tm.Type(bucket)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Object key *", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Region", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Endpoint (optional)", uiWait)
	h.tm.Type(endpoint)
	h.key(tea.KeyEnter)
	h.waitFor("┃ AWS credentials for the upload", uiWait)
}

// staticKeys picks static keys and types them.
func (h *harness) staticKeys() {
	h.t.Helper()
	for range 3 {
		h.key(tea.KeyDown)
	}
	h.waitFor("> Static access keys, kept in secrets.env (a role is safer)", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("static keys never expire", uiWait)
	h.waitFor("┃ Access key ID *", uiWait)
	h.tm.Type(staticKeyID)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Secret access key *", uiWait)
	h.tm.Type(staticSecret)
	h.key(tea.KeyEnter)
}

var sha = regexp.MustCompile(`SHA-256 [A-Za-z0-9+/=]+`)

func TestDestinationPreflight(t *testing.T) {
	t.Parallel()
	srv := uploadtest.NewServer(t, "sync-bucket")
	srv.SetRegion("eu-west-1")
	h := startAtDestination(t, destDeps(t))
	h.s3Answers("sync-bucket", srv.URL)
	h.staticKeys()

	h.waitFor("✓ The S3 check passed", uiWait)
	h.waitFor("File name: baton/demo/sync.c1z", uiWait)
	screen := sha.ReplaceAllString(h.screen(), "SHA-256 <sum>")
	for _, want := range []string{
		"! credentials  static access keys from secrets.env",
		"✓ region       eu-west-1 (detected from the bucket)",
		"- identity     skipped: custom S3 endpoint",
		"✓ bucket       sync-bucket exists, region eu-west-1",
		"✓ write        wrote marker s3://sync-bucket/baton/demo/sync.c1z.preflight",
		"Region:    eu-west-1",
		"enter continue",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("check screen lacks %q:\n%s", want, screen)
		}
	}
	t.Run("screen", func(t *testing.T) { teatest.RequireEqualOutput(t, []byte(screen)) })
	// A long detail or hint wraps under itself, not under the names.
	for _, want := range []string{
		"\n               deleted; an instance or task role, or a role to assume, is safer\n",
		"\n               check decides\n",
	} {
		if !strings.Contains(screen, want) {
			t.Errorf("check screen lacks the indented line %q:\n%s", want, screen)
		}
	}

	h.tm.Type("p")
	h.waitFor(`"Resource": "arn:aws:s3:::sync-bucket/baton/demo/sync.c1z"`, uiWait)
	h.tm.Type("p")
	h.key(tea.KeyEnter)
	h.waitFor("Step 5/7 · Schedule", uiWait)
	h.key(tea.KeyCtrlC)
	h.waitFor("Quit without writing the files?", uiWait)
	h.tm.Type("y")
	d := h.final().plan.Destination

	if d.Region != "eu-west-1" || d.Credentials != plan.CredStatic || d.AccessKeyID.Reveal() != staticKeyID || d.SecretAccessKey.Reveal() != staticSecret {
		t.Errorf("destination %+v (region %q)", d, d.Region)
	}
	if srv.Get(t, "sync-bucket", "baton/demo/sync.c1z.preflight") != nil {
		t.Error("the marker object was left behind")
	}
	for _, r := range srv.Requests() {
		if r.AccessKey != staticKeyID {
			t.Errorf("%s %s signed with %q", r.Method, r.Path, r.AccessKey)
		}
	}
	if bytes.Contains(h.all.Bytes(), []byte(staticSecret)) {
		t.Error("the secret access key was drawn on the screen")
	}
}

// TestDestinationPreflightFails blocks Enter on a missing bucket, names the
// cause, and lets the user fall back to a local file.
func TestDestinationPreflightFails(t *testing.T) {
	t.Parallel()
	srv := uploadtest.NewServer(t)
	h := startAtDestination(t, destDeps(t))
	h.s3Answers("missing-bucket", srv.URL)
	h.staticKeys()

	h.waitFor("✗ The S3 check failed", uiWait)
	h.waitFor("no such bucket: the bucket does not exist", uiWait)
	h.key(tea.KeyEnter)
	time.Sleep(300 * time.Millisecond)
	if s := h.screen(); !strings.Contains(s, "Step 4/7 · Destination") || !strings.Contains(s, "l use a local file instead") {
		t.Fatalf("enter left the failed check:\n%s", s)
	}
	// e goes back to the answers, kept; a second check fails the same way.
	h.tm.Type("e")
	h.waitFor("┃ Where should each sync go?", uiWait)
	for _, want := range []string{"┃ Bucket *", "┃ Object key *", "┃ Region", "┃ Endpoint (optional)", "┃ AWS credentials for the upload", "┃ Access key ID *", "┃ Secret access key *"} {
		h.key(tea.KeyEnter)
		h.waitFor(want, uiWait)
	}
	h.key(tea.KeyEnter)
	h.waitFor("✗ The S3 check failed", uiWait)
	h.tm.Type("l")
	h.waitFor("Step 5/7 · Schedule", uiWait)
	h.key(tea.KeyCtrlC)
	h.waitFor("Quit without writing the files?", uiWait)
	h.tm.Type("y")
	if d := h.final().plan.Destination; d.Kind != plan.DestLocal || d.Credentials != "" || !d.AccessKeyID.IsZero() {
		t.Errorf("destination %+v", d)
	}
}

// TestDestinationProfiles offers the profiles of the shared files, with the
// SSO warning.
func TestDestinationProfiles(t *testing.T) {
	t.Parallel()
	srv := uploadtest.NewServer(t, "sync-bucket")
	h := startAtDestination(t, destDeps(t))
	h.s3Answers("sync-bucket", srv.URL)
	h.key(tea.KeyDown)
	h.key(tea.KeyEnter)
	h.waitFor("┃ AWS profile *", uiWait)
	h.waitFor("SSO: expires", uiWait)
	s := h.screen()
	if !strings.Contains(s, "ops-sso (SSO: expires)") || !strings.Contains(s, "uploader") || !strings.Contains(s, "Warning: SSO") {
		t.Fatalf("profile list:\n%s", s)
	}
	h.key(tea.KeyDown) // uploader
	h.key(tea.KeyEnter)
	h.waitFor("✓ The S3 check passed", uiWait)
	h.waitFor("✓ credentials  AWS profile uploader", uiWait)
	for _, r := range srv.Requests() {
		if r.AccessKey != "AKIAPROFILEPROFILE12" {
			t.Errorf("%s %s signed with %q, want the profile's key", r.Method, r.Path, r.AccessKey)
		}
	}
}
