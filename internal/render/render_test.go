package render

import (
	"bytes"
	"flag"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aymanbagabas/go-udiff"
	"mvdan.cc/sh/v3/syntax"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/testenv"
	"github.com/conductorone/baton-setup/templates"
)

var update = flag.Bool("update", false, "rewrite testdata/*.golden from the current output")

// golden compares got with testdata/<name>.golden, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run `go test ./internal/render -update` to create it)", err)
	}
	want = bytes.ReplaceAll(want, []byte("\r\n"), []byte("\n"))
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from %s; if the change is intended, run `go test ./internal/render -update`:\n%s",
			name, path, udiff.Unified(path, "got", string(want), string(got)))
	}
}

func requireTool(t *testing.T, name string) string { t.Helper(); return testenv.RequireTool(t, name) }

// Values that break naive quoting, in plain and secret fields.
const (
	trickyLabel = "it's \"quoted\" `id` $HOME \\n\nsecond line: Zürich ✓ 東京 100%"
	trickyToken = "tok'en\"$(id)`id`\\$HOME!*?~#;&|<>()[]{}=%"
	pemKey      = "-----BEGIN PRIVATE KEY-----\nMIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA\n-----END PRIVATE KEY-----"
	// staticSecret is an uploader's AWS secret access key.
	staticSecret = "wJalrXUtnFEMI/K7MDENG+bPxRfiCY'$x"
)

func testPlan(dir string, dest plan.Destination, cron string) *plan.Plan {
	return testenv.OktaPlan(dir, dest, cron, testenv.OktaValues{Label: trickyLabel, Token: trickyToken, PEM: pemKey})
}

type goldenCase struct {
	name string
	plan *plan.Plan
	opts Options
}

func goldenCases() []goldenCase {
	s3 := plan.Destination{Kind: plan.DestS3, Bucket: "acme-baton", Key: "baton/okta/sync.c1z", Region: "us-east-1", Endpoint: "http://127.0.0.1:9000"}
	local := testPlan("/srv/baton setups/o'kta", plan.Destination{Kind: plan.DestLocal}, "7 2 * * *")
	local.Connector = plan.Connector{Name: "demo", Path: "/usr/local/bin/baton-setup", Args: []string{"demo-connector"}, Schema: local.Connector.Schema}
	docker := testPlan("/home/op/.config/baton-setup/okta-docker", s3, "17 * * * *")
	docker.Connector.Image = "public.ecr.aws/conductorone/baton-okta:latest"
	docker.Connector.Docker = "/usr/bin/docker"
	static := s3
	static.Region, static.Endpoint, static.Credentials = "eu-west-1", "", plan.CredStatic
	static.AccessKeyID, static.SecretAccessKey = plan.NewSecret("AKIAIOSFODNN7EXAMPLE"), plan.NewSecret(staticSecret)
	profile := s3
	profile.Endpoint, profile.Credentials, profile.AWSProfile = "", plan.CredProfile, "uploader"
	profile.RoleARN, profile.ExternalID = "arn:aws:iam::123456789012:role/baton-uploader", "c1-external"
	return []goldenCase{
		{"docker", docker, Options{Self: "/usr/local/bin/baton-setup"}},
		{"s3-static", testPlan("/home/op/.config/baton-setup/okta-prod", static, "17 * * * *"),
			Options{Self: "/usr/local/bin/baton-setup"}},
		{"s3-profile", testPlan("/home/op/.config/baton-setup/okta-prod", profile, "17 * * * *"),
			Options{Self: "/usr/local/bin/baton-setup"}},
		{"s3", testPlan("/home/op/.config/baton-setup/okta-prod", s3, "17 * * * *"),
			Options{Self: "/usr/local/bin/baton-setup"}},
		{"local", local, Options{Self: "/usr/local/bin/baton-setup", Timeout: 90 * time.Minute}},
		{"systemd", testPlan("/home/op/.config/baton-setup/okta-prod", s3, "30 4 1,15 * 5"),
			Options{Self: "/usr/local/bin/baton-setup", Scheduler: SchedulerSystemd}},
		{"systemd-system", testPlan("/root/.config/baton-setup/okta-prod", s3, "0 */6 * * *"),
			Options{Self: "/usr/local/bin/baton-setup", Scheduler: SchedulerSystemd, SystemdSystem: true, Timeout: 45 * time.Second}},
		// Where os.UserConfigDir puts profiles on macOS: a path with a space.
		{"launchd", testPlan("/Users/op/Library/Application Support/baton-setup/okta-prod", s3, "30 4 1,15 * 5"),
			Options{Self: "/opt/homebrew/bin/baton-setup", Scheduler: SchedulerLaunchd, Home: "/Users/op"}},
	}
}

// TestGolden renders every template for S3, local and systemd setups with
// values that need quoting, and compares with testdata/*.golden.
func TestGolden(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			files, err := Files(tc.plan, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range files {
				if f.Name == "plan.json" {
					continue
				}
				name := f.Name
				switch {
				case strings.HasPrefix(name, "baton-"):
					name = strings.TrimPrefix(filepath.Ext(name), ".")
				case strings.HasSuffix(name, ".plist"):
					name = "launchd.plist"
				}
				golden(t, tc.name+"."+name, f.Content)
			}
			block, err := CronBlock(tc.plan)
			if err != nil {
				t.Fatal(err)
			}
			golden(t, tc.name+".crontab", []byte(block))
		})
	}
}

// TestEveryTemplateHasAGolden fails when a template is added without a
// golden test.
func TestEveryTemplateHasAGolden(t *testing.T) {
	names, err := fs.Glob(templates.FS, "*.tmpl")
	if err != nil || len(names) == 0 {
		t.Fatal(names, err)
	}
	for _, n := range names {
		suffix := strings.TrimPrefix(strings.TrimSuffix(n, ".tmpl"), "baton-sync.")
		if suffix == "crontab" || !strings.Contains(suffix, ".") {
			suffix = "." + suffix
		}
		matches, _ := filepath.Glob(filepath.Join("testdata", "*"+suffix+".golden"))
		if len(matches) == 0 {
			t.Errorf("template %s has no testdata/*%s.golden", n, suffix)
		}
	}
}

// checkScript proves a generated sync.sh is valid POSIX sh three ways.
func checkScript(t *testing.T, script []byte) {
	t.Helper()
	if _, err := syntax.NewParser(syntax.Variant(syntax.LangPOSIX)).Parse(bytes.NewReader(script), "sync.sh"); err != nil {
		t.Errorf("mvdan.cc/sh (POSIX) rejects sync.sh: %v", err)
	}
	path := filepath.Join(t.TempDir(), "sync.sh")
	if err := os.WriteFile(path, script, 0o700); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("/bin/sh", "-n", path).CombinedOutput(); err != nil {
		t.Errorf("sh -n: %v\n%s", err, out)
	}
	sc := requireTool(t, "shellcheck")
	if out, err := exec.Command(sc, "--shell=sh", "--severity=style", path).CombinedOutput(); err != nil {
		t.Errorf("shellcheck: %v\n%s", err, out)
	}
}

func TestSyncScriptIsValidShell(t *testing.T) {
	for _, tc := range goldenCases() {
		t.Run(tc.name, func(t *testing.T) {
			files, err := Files(tc.plan, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			checkScript(t, files[0].Content)
		})
	}
}

// TestNoSecretOutsideSecretsEnv checks that secret values reach
// secrets.env and no other file.
func TestNoSecretOutsideSecretsEnv(t *testing.T) {
	for _, tc := range goldenCases() {
		files, err := Files(tc.plan, tc.opts)
		if err != nil {
			t.Fatal(err)
		}
		block, _ := CronBlock(tc.plan)
		for _, f := range append(files, File{Name: "crontab", Content: []byte(block)}) {
			for _, secret := range []string{trickyToken, "MIIBVQIBADANBgkqhkiG9w0BAQEFAASCAT8wggE7AgEAAkEA", staticSecret} {
				if secret == staticSecret && tc.plan.Destination.Credentials != plan.CredStatic {
					continue
				}
				has := bytes.Contains(f.Content, []byte(secret)) || bytes.Contains(f.Content, []byte(strings.ReplaceAll(secret, "'", `'"'"'`)))
				if has != (f.Name == "secrets.env") {
					t.Errorf("%s/%s: holds secret %q = %v", tc.name, f.Name, secret[:8], has)
				}
			}
		}
	}
}

func TestFilesRefuse(t *testing.T) {
	s3 := plan.Destination{Kind: plan.DestS3, Bucket: "acme-baton", Key: "k/sync.c1z"}
	self := Options{Self: "/usr/local/bin/baton-setup"}
	for _, tt := range []struct {
		name   string
		change func(*plan.Plan, *Options)
		want   string
	}{
		{"relative dir", func(p *plan.Plan, _ *Options) { p.Output.Dir = "profile" }, "not absolute"},
		{"percent in dir", func(p *plan.Plan, _ *Options) { p.Output.Dir = "/srv/50%/x" }, "cron cannot run"},
		{"newline in connector path", func(p *plan.Plan, _ *Options) { p.Connector.Path = "/opt/a\nb" }, "cron cannot run"},
		{"no self", func(_ *plan.Plan, o *Options) { o.Self = "" }, "empty"},
		{"NUL in a value", func(p *plan.Plan, _ *Options) { p.SetValue(schema.Field{Name: "label"}, "a\x00b") }, "NUL"},
		{"bad schedule", func(p *plan.Plan, _ *Options) { p.Schedule.Cron = "@every 1h" }, "@-shortcuts"},
		{"unknown scheduler", func(_ *plan.Plan, o *Options) { o.Scheduler = "anacron" }, "want cron, systemd or launchd"},
		{"launchd without a home", func(_ *plan.Plan, o *Options) { o.Scheduler = SchedulerLaunchd }, "render launchd agent: home directory: "},
		{"launchd, relative home", func(_ *plan.Plan, o *Options) { o.Scheduler, o.Home = SchedulerLaunchd, "Users/op" }, "not absolute"},
		{"launchd, a weekday in some months", func(p *plan.Plan, o *Options) {
			p.Schedule.Cron = "0 9 * 12 1-5"
			o.Scheduler, o.Home = SchedulerLaunchd, "/Users/op"
		}, "launchd ignores the month beside a weekday"},
		{"space in a unit path", func(p *plan.Plan, o *Options) { p.Output.Dir = "/srv/my dir"; o.Scheduler = SchedulerSystemd }, "unit file"},
		{"client secret", func(p *plan.Plan, _ *Options) {
			p.Connector.Schema.Fields = append(p.Connector.Schema.Fields, schema.Field{Name: "client-secret", Secret: true})
			p.SetValue(schema.Field{Name: "client-secret", Secret: true}, "x")
		}, "service mode"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := testPlan("/home/op/p", s3, "17 * * * *")
			opts := self
			tt.change(p, &opts)
			_, err := Files(p, opts)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestDurationText(t *testing.T) {
	for d, want := range map[time.Duration]string{
		time.Hour: "1 hour", 2 * time.Hour: "2 hours", 90 * time.Minute: "90 minutes",
		time.Minute: "1 minute", 45 * time.Second: "45 seconds", 61 * time.Second: "61 seconds",
	} {
		if got := durationText(d); got != want {
			t.Errorf("durationText(%s) = %q, want %q", d, got, want)
		}
	}
}

// TestUnitsVerify runs systemd's own checker over the rendered units. It
// prints problems and still exits 0, so any output fails the test.
func TestUnitsVerify(t *testing.T) {
	analyze := requireTool(t, "systemd-analyze")
	for _, system := range []bool{false, true} {
		dir := t.TempDir()
		p := testPlan(dir, plan.Destination{Kind: plan.DestLocal}, "30 4 1,15 * 5")
		files, err := Files(p, Options{Self: "/usr/local/bin/baton-setup", Scheduler: SchedulerSystemd, SystemdSystem: system})
		if err != nil {
			t.Fatal(err)
		}
		var units []string
		for _, f := range files {
			os.WriteFile(f.Path, f.Content, f.Mode)
			if strings.HasPrefix(f.Name, "baton-") {
				units = append(units, f.Path)
			}
		}
		if len(units) != 2 {
			t.Fatalf("units: %v", units)
		}
		out, err := exec.Command(analyze, append([]string{"verify", "--man=no"}, units...)...).CombinedOutput()
		if err != nil || len(out) > 0 {
			t.Errorf("systemd-analyze verify (system units %v): %v\n%s", system, err, out)
		}
	}
}
