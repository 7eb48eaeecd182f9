package doctor

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/servicemode"
)

// serviceProfile generates a real service-mode profile whose connector is
// a script that answers --version.
func serviceProfile(t *testing.T) Env {
	t.Helper()
	root := t.TempDir()
	conn := filepath.Join(root, "baton-okta")
	if err := os.WriteFile(conn, []byte("#!/bin/sh\necho 'baton-okta version v0.5.26'\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	sch := &schema.Schema{Fields: []schema.Field{{Name: "domain", Kind: schema.KindString, Required: true}}}
	p := &plan.Plan{
		Profile: "okta", Connector: plan.Connector{Name: "okta", Path: conn, Schema: sch},
		Output: plan.Output{Dir: filepath.Join(root, "okta")}, Mode: plan.ModeService,
		Service: plan.Service{ClientID: "fox@acme.conductor.one/pcc"},
		Secrets: map[string]plan.Secret{plan.SecretClientSecret: plan.NewSecret("secret-token:c1.com:v1:a2V5")},
	}
	p.SetValue(sch.Fields[0], "acme.okta.com")
	if _, err := servicemode.Generate(p, servicemode.Options{Self: "/usr/local/bin/baton-setup"}); err != nil {
		t.Fatal(err)
	}
	return Env{Plan: p, Dir: p.Output.Dir, LookPath: exec.LookPath, UID: os.Getuid()}
}

// systemd answers like systemctl for a unit in the given states.
func systemd(enabled, active string) func(context.Context, ...string) (string, error) {
	return func(_ context.Context, args ...string) (string, error) {
		state := map[string]string{"is-enabled": enabled, "is-active": active}[args[0]]
		if state == "enabled" || state == "active" {
			return state + "\n", nil
		}
		return state + "\n", errors.New("exit status 3")
	}
}

func TestDoctorServiceMode(t *testing.T) {
	lookPath := func(name string) (string, error) {
		if name == "systemctl" {
			return "/usr/bin/systemctl", nil
		}
		return exec.LookPath(name)
	}
	for _, tt := range []struct {
		name, enabled, active string
		fail, want            string
	}{
		{"running", "enabled", "active", "", ""},
		{"not enabled", "disabled", "inactive", "service baton-okta.service", "fix: systemctl link"},
		{"crashed", "enabled", "failed", "service baton-okta.service", "is failed, not active"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			e := serviceProfile(t)
			e.LookPath, e.Systemctl = lookPath, systemd(tt.enabled, tt.active)
			results := Run(context.Background(), Checks(e))
			var failed []Result
			for _, r := range results {
				if !r.OK {
					failed = append(failed, r)
				}
			}
			if tt.fail == "" {
				if len(failed) > 0 {
					t.Fatalf("failed: %+v", failed)
				}
				if !strings.Contains(results[0].Name, "version v0.5.26") {
					t.Errorf("connector check = %q, want its version", results[0].Name)
				}
				return
			}
			if len(failed) != 1 || !strings.Contains(failed[0].Name, tt.fail) {
				t.Fatalf("failed: %+v, want only %q", failed, tt.fail)
			}
			if got := failed[0].Err + "\nfix: " + failed[0].Fix; !strings.Contains(got, tt.want) {
				t.Errorf("%q lacks %q", got, tt.want)
			}
		})
	}
	t.Run("service.env readable by others", func(t *testing.T) {
		e := serviceProfile(t)
		e.LookPath, e.Systemctl = lookPath, systemd("enabled", "active")
		os.Chmod(filepath.Join(e.Dir, servicemode.EnvFile), 0o640)
		results := Run(context.Background(), Checks(e))
		if Failed(results) != 1 {
			t.Fatalf("%+v", results)
		}
		for _, r := range results {
			if !r.OK && (!strings.Contains(r.Name, "service.env") || r.Fix != "chmod 600 "+filepath.Join(e.Dir, servicemode.EnvFile)+", then rotate the secrets if others could log in here") {
				t.Errorf("%+v", r)
			}
		}
	})
}
