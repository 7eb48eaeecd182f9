package tui

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/setup"
	"github.com/conductorone/baton-setup/internal/testenv"
)

const (
	testClientID = "clever-fox-1234@acme.conductor.one/pcc"
	// testClientSecret has the shape ConductorOne gives; its tail is
	// unique so that a leak is found by substring.
	testClientSecret = "secret-token:conductorone.com:v1:Wz8kQ2vLsecretTailXq7"
	secretTail       = "Wz8kQ2vLsecretTail"
)

// demoConnectorPlan is the demo connector with the schema it reports,
// as the connector step leaves it.
func demoConnectorPlan(t *testing.T) *plan.Plan {
	t.Helper()
	found := discover.Found{Name: "demo", Path: connectorBin, Args: []string{"demo-connector"}, Source: "built-in"}
	sch, err := discover.Schema(context.Background(), found)
	if err != nil {
		t.Fatal(err)
	}
	p := &plan.Plan{Connector: found.Connector()}
	p.Connector.Schema = sch
	return p
}

// demoPlan is demoConnectorPlan with the settings filled in, as the
// settings step leaves it.
func demoPlan(t *testing.T) *plan.Plan {
	t.Helper()
	p := demoConnectorPlan(t)
	for name, v := range map[string]string{"tenant": "acme", "api-key": canary} {
		f, ok := p.Connector.Schema.Field(name)
		if !ok {
			t.Fatalf("demo schema has no %s", name)
		}
		p.SetValue(f, v)
	}
	return p
}

// serviceDeps renders and writes service mode with internal/setup, the
// files under root, naming self as baton-setup.
func serviceDeps(root, self string) Deps {
	now := func() time.Time { return fixedNow }
	env := setup.Env{Discover: discover.Env{Self: func() (string, error) { return self, nil }}, Now: now}
	return Deps{
		Connectors:    func() []discover.Found { return nil },
		Getenv:        func(string) string { return "" },
		Now:           now,
		RandomMinute:  func() int { return 17 },
		DefaultOutDir: func(profile string) (string, error) { return filepath.Join(root, profile), nil },
		Preview: func(ctx context.Context, p *plan.Plan) (setup.Result, error) {
			return setup.Preview(ctx, env, p.Clone(), setup.Options{})
		},
		Apply: func(ctx context.Context, p *plan.Plan) (setup.Result, error) {
			return setup.Apply(ctx, env, p, setup.Options{})
		},
	}
}

// startAt opens the wizard on step i for plan p.
func startAt(t *testing.T, deps Deps, p *plan.Plan, i int) *harness {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a := New(ctx, deps, p)
	a.idx, a.cur = i, a.makeStep(i, p)
	return runApp(t, a, cancel)
}

// pickService chooses service mode on the destination step.
func (h *harness) pickService() {
	h.t.Helper()
	h.waitFor("┃ > An S3 bucket that ConductorOne reads", uiWait)
	h.key(tea.KeyDown)
	h.key(tea.KeyDown)
	h.waitFor("> Run as a service (no S3, no schedule: the connector takes tasks from ConductorOne)", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Client ID *", uiWait)
}

// TestServiceModeScreens compares the destination step's service fields,
// the review and the done screen of service mode with testdata; run with
// -update to rewrite them. Paths are fixed, so nothing is written.
func TestServiceModeScreens(t *testing.T) {
	t.Parallel()
	p := demoPlan(t)
	p.Connector.Path = "/usr/local/bin/baton-setup"
	h := startAt(t, serviceDeps("/home/operator/.config/baton-setup", "/usr/local/bin/baton-setup"), p, stepDestination)

	h.waitFor("Step 4/7 · Destination", uiWait)
	h.pickService()
	h.tm.Type("clever-fox-1234")
	h.key(tea.KeyEnter)
	h.waitFor("no '@'; want NAME@TENANT-HOST/SUFFIX", uiWait)
	h.clearInput()
	h.tm.Type(testClientID)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Client secret *", uiWait)
	h.tm.Type("secret-token:" + secretTail)
	h.key(tea.KeyEnter)
	h.waitFor("has 2 colon-separated parts, want 4", uiWait)
	h.clearInput()
	h.tm.Type(testClientSecret)
	time.Sleep(200 * time.Millisecond)
	dest := h.screen()
	requireContains(t, dest, "Service mode", "> "+testClientID, "written to service.env (0600) only")
	t.Run("destination", func(t *testing.T) { teatest.RequireEqualOutput(t, []byte(dest)) })
	h.key(tea.KeyEnter)

	// No schedule in service mode: the review is step 5 of 6.
	h.waitFor("Step 5/6 · Review", uiWait)
	h.waitFor("┃ Profile name", uiWait)
	review := h.screen()
	unit := "/home/operator/.config/baton-setup/demo/" + setup.ServiceUnit("demo")
	requireContains(t, review,
		"BATON_API_KEY="+plan.NewSecret(canary).Masked(), "BATON_TENANT=acme", "BATON_CLIENT_ID="+testClientID, "BATON_CLIENT_SECRET="+plan.NewSecret(testClientSecret).Masked(),
		"ExecStart=/usr/local/bin/baton-setup demo-connector --health-check",
		"EnvironmentFile=/home/operator/.config/baton-setup/demo/service.env",
		"systemctl link "+unit, "systemctl enable --now baton-demo.service",
		"journalctl -u baton-demo.service -f", "/usr/local/bin/baton-setup demo-connector health-check",
		"Names the directory and the systemd unit.", "Write the files?")
	requireNotContains(t, review, "Install the crontab entry now?", "Schedule")
	t.Run("review", func(t *testing.T) { teatest.RequireEqualOutput(t, []byte(review)) })
	if bytes.Contains(h.all.Bytes(), []byte(secretTail)) || bytes.Contains(h.all.Bytes(), []byte(canary)) {
		t.Error("a secret was drawn on the screen")
	}
}

// TestServiceModeDoneScreen shows the written files, the systemctl and
// check commands, and the equivalent command without the secret.
func TestServiceModeDoneScreen(t *testing.T) {
	p := demoPlan(t)
	p.Connector.Path = "/usr/local/bin/baton-setup"
	p.Profile, p.Mode, p.Service.ClientID = "demo", plan.ModeService, testClientID
	p.Secrets[plan.SecretClientSecret] = plan.NewSecret(testClientSecret)
	p.Output.Dir = "/home/operator/.config/baton-setup/demo"
	env := setup.Env{Discover: discover.Env{Self: func() (string, error) { return "/usr/local/bin/baton-setup", nil }}}
	sr, err := setup.Preview(context.Background(), env, p.Clone(), setup.Options{})
	if err != nil {
		t.Fatal(err)
	}
	res := &sr
	a := New(context.Background(), Deps{Connectors: func() []discover.Found { return nil }}, p)
	a.result = res
	_ = a.enter(stepDone)
	view := resize(a, termW, termH)
	requireFits(t, view, termW)
	requireContains(t, view, "Step 6/6 · Done", "0600  /home/operator/.config/baton-setup/demo/service.env",
		"systemctl enable --now baton-demo.service", "journalctl -u baton-demo.service -f",
		"/usr/local/bin/baton-setup demo-connector health-check")
	requireNotContains(t, view, secretTail, canary, "crontab", "sync.sh")
	cmd := EquivalentCommand(p)
	for _, want := range []string{"BATON_API_KEY=… BATON_CLIENT_SECRET=… baton-setup generate --connector demo",
		"--mode service --client-id " + testClientID + " --profile demo"} {
		if !strings.Contains(cmd, want) {
			t.Errorf("equivalent command lacks %q:\n%s", want, cmd)
		}
	}
	if strings.Contains(cmd, "--dest") || strings.Contains(cmd, "--schedule") || strings.Contains(cmd, secretTail) {
		t.Errorf("equivalent command: %s", cmd)
	}
	teatest.RequireEqualOutput(t, []byte(view))
}

// TestWizardServiceModeWrites goes back from the review and forward again
// (the client ID and the secret are kept, and the schedule is skipped both
// ways), then writes the files.
func TestWizardServiceModeWrites(t *testing.T) {
	t.Parallel()
	root := filepath.Join(t.TempDir(), "baton-setup")
	h := startAt(t, serviceDeps(root, connectorBin), demoPlan(t), stepDestination)

	h.waitFor("Step 4/7 · Destination", uiWait)
	h.pickService()
	h.tm.Type(testClientID)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Client secret *", uiWait)
	h.tm.Type(testClientSecret)
	h.key(tea.KeyEnter)
	h.waitFor("Step 5/6 · Review", uiWait)
	h.waitFor("┃ Profile name", uiWait)

	h.key(tea.KeyEsc)
	h.waitFor("Step 4/7 · Destination", uiWait)
	h.waitFor("┃ > Run as a service", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Client ID *", uiWait)
	if s := h.screen(); !strings.Contains(s, "> "+testClientID) {
		t.Fatalf("Back lost the client ID:\n%s", s)
	}
	h.key(tea.KeyEnter)
	h.waitFor("┃ Client secret * (saved "+plan.NewSecret(testClientSecret).Masked()+"; Enter keeps it)", uiWait)
	if s := h.screen(); !strings.Contains(s, "> "+plan.NewSecret(testClientSecret).Masked()+" (enter keeps it)") {
		t.Fatalf("Back lost the client secret:\n%s", s)
	}
	h.key(tea.KeyEnter) // keeps it
	h.waitFor("Step 5/6 · Review", uiWait)
	h.waitFor("┃ Profile name", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("┃ Write the files?", uiWait)
	h.key(tea.KeyEnter)
	h.waitFor("Step 6/6 · Done", uiWait)
	h.waitFor("✓ Setup written", uiWait)
	h.key(tea.KeyEnter)
	app := h.final()
	if app.err != nil || app.result == nil {
		t.Fatalf("final: err %v, result %v", app.err, app.result)
	}

	dir := filepath.Join(root, "demo")
	unit := setup.ServiceUnit("demo")
	for name, want := range map[string]os.FileMode{"": 0o700, "service.env": 0o600, unit: 0o600, "plan.json": 0o600} {
		if got := testenv.Mode(t, filepath.Join(dir, name)); got != want {
			t.Errorf("%s: mode %04o, want %04o", name, got, want)
		}
	}
	for _, name := range []string{"sync.sh", "secrets.env"} {
		if _, err := os.Stat(filepath.Join(dir, name)); err == nil {
			t.Errorf("service mode wrote %s", name)
		}
	}
	env, _ := os.ReadFile(filepath.Join(dir, "service.env"))
	if !bytes.Contains(env, []byte("BATON_CLIENT_SECRET="+testClientSecret+"\n")) || !bytes.Contains(env, []byte("BATON_CLIENT_ID="+testClientID)) ||
		!bytes.Contains(env, []byte("BATON_API_KEY="+canary)) {
		t.Errorf("service.env:\n%s", env)
	}
	for _, name := range []string{unit, "plan.json", "README.txt"} {
		data, _ := os.ReadFile(filepath.Join(dir, name))
		if len(data) == 0 || bytes.Contains(data, []byte(secretTail)) || bytes.Contains(data, []byte(canary)) {
			t.Errorf("%s is empty or holds a secret", name)
		}
	}
	unitText, _ := os.ReadFile(filepath.Join(dir, unit))
	if !bytes.Contains(unitText, []byte("\nEnvironmentFile="+filepath.Join(dir, "service.env")+"\n")) {
		t.Errorf("unit:\n%s", unitText)
	}
	if p := app.plan; p.Mode != plan.ModeService || p.Service.ClientID != testClientID || p.Schedule.Cron != "" || p.Destination.Kind != "" {
		t.Errorf("final plan: mode %q, client ID %q, schedule %q, destination %q", p.Mode, p.Service.ClientID, p.Schedule.Cron, p.Destination.Kind)
	}
	if bytes.Contains(h.all.Bytes(), []byte(secretTail)) || bytes.Contains(h.all.Bytes(), []byte(canary)) {
		t.Error("a secret was drawn on the screen")
	}
}

// TestReviewCredentialModes shows the upload's credential mode on the
// review, with static keys masked.
func TestReviewCredentialModes(t *testing.T) {
	for _, tc := range []struct {
		name string
		d    plan.Destination
		want string
	}{
		{"static", plan.Destination{Credentials: plan.CredStatic, AccessKeyID: plan.NewSecret(staticKeyID), SecretAccessKey: plan.NewSecret(staticSecret)},
			"AWS credentials static keys " + plan.NewSecret(staticKeyID).Masked() + " / " + plan.NewSecret(staticSecret).Masked()},
		{"role", plan.Destination{Credentials: plan.CredRole, RoleARN: "arn:aws:iam::123456789012:role/baton-uploader", ExternalID: "c1-ext-42"},
			"AWS credentials role arn:aws:iam::123456789012:role/baton-uploader, external ID c1-ext-42"},
		{"profile", plan.Destination{Credentials: plan.CredProfile, AWSProfile: "uploader"}, "AWS credentials profile uploader"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := demoPlan(t)
			p.Connector.Path = "/usr/local/bin/baton-setup"
			d := tc.d
			d.Kind, d.Bucket, d.Key, d.Region = plan.DestS3, "sync-bucket", "baton/demo/sync.c1z", "us-east-1"
			p.Destination, p.Schedule = d, plan.Schedule{Cron: "17 * * * *"}
			deps := Deps{Connectors: func() []discover.Found { return nil },
				DefaultOutDir: func(profile string) (string, error) { return "/home/operator/.config/baton-setup/" + profile, nil }}
			a := New(context.Background(), deps, p)
			_ = a.enter(stepReview)
			view := resize(a, termW, termH)
			requireContains(t, view, "Step 6/7 · Review", tc.want)
			requireNotContains(t, view, staticSecret, staticKeyID, canary)
			if tc.name == "static" {
				teatest.RequireEqualOutput(t, []byte(view))
			}
			cmd := EquivalentCommand(p)
			requireNotContains(t, cmd, staticSecret, staticKeyID)
			switch tc.name {
			case "static":
				requireContains(t, cmd, "AWS_ACCESS_KEY_ID=… AWS_SECRET_ACCESS_KEY=… baton-setup generate", "--aws-credentials static")
			case "role":
				requireContains(t, cmd, "--role-arn arn:aws:iam::123456789012:role/baton-uploader --external-id c1-ext-42")
			case "profile":
				requireContains(t, cmd, "--aws-profile uploader")
			}
		})
	}
}
