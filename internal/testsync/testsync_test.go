package testsync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/synclog"
	"github.com/conductorone/baton-setup/internal/testenv"
)

var bin string

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &bin)) }

func demoPlan(t *testing.T, apiKey string) *plan.Plan {
	t.Helper()
	sch := &schema.Schema{Fields: []schema.Field{{Name: "tenant", Required: true}, {Name: "api-key", Required: true, Secret: true}, {Name: "user-count", Kind: schema.KindInt}}}
	p := &plan.Plan{Connector: plan.Connector{Name: "demo", Path: bin, Args: []string{"demo-connector"}, Schema: sch}}
	p.SetValue(sch.Fields[0], "acme")
	p.SetValue(sch.Fields[1], apiKey)
	return p
}

// script writes a stand-in connector: the real one cannot be made to print
// garbage or to exit 0 without a file.
func script(t *testing.T, body string) *plan.Plan {
	t.Helper()
	path := filepath.Join(t.TempDir(), "baton-fake")
	if err := os.WriteFile(path, []byte("#!/bin/sh\n"+body), 0o755); err != nil {
		t.Fatal(err)
	}
	return &plan.Plan{Connector: plan.Connector{Name: "fake", Path: path, Schema: &schema.Schema{}}}
}

// fileArg finds the --file value in a stand-in's arguments.
const fileArg = `while [ $# -gt 0 ]; do if [ "$1" = --file ]; then FILE=$2; fi; shift; done
`

func TestFaultMatrix(t *testing.T) {
	tests := []struct {
		name      string
		plan      func(t *testing.T) *plan.Plan
		env       []string
		timeout   time.Duration
		wantCause synclog.Cause
		wantErr   string
	}{
		{name: "invalid key exit 16", plan: func(t *testing.T) *plan.Plan { return demoPlan(t, "invalid") }, wantCause: synclog.CauseCredentials, wantErr: "the connector failed"},
		{name: "internal error exit 13", plan: func(t *testing.T) *plan.Plan { return demoPlan(t, "k") }, env: []string{"BATON_DEMO_FAILURE=fail-midsync"}, wantErr: "the connector failed"},
		{name: "crash mid-sync", plan: func(t *testing.T) *plan.Plan { return demoPlan(t, "k") }, env: []string{"BATON_DEMO_FAILURE=crash"}, wantCause: synclog.CauseCrash, wantErr: "the connector failed"},
		{name: "hang hits the timeout", plan: func(t *testing.T) *plan.Plan { return demoPlan(t, "k") }, env: []string{"BATON_DEMO_FAILURE=hang"}, timeout: 2 * time.Second, wantCause: synclog.CauseTimeout, wantErr: "timed out"},
		{name: "exit 1 with plain error", plan: func(t *testing.T) *plan.Plan {
			return script(t, "echo 'LDAP Result Code 49 \"Invalid Credentials\": ' >&2\nexit 1\n")
		}, wantCause: synclog.CauseCredentials, wantErr: "the connector failed"},
		{name: "usage error exit 2", plan: func(t *testing.T) *plan.Plan {
			return script(t, "echo 'required flag(s) \"domain\" not set' >&2\nexit 2\n")
		}, wantCause: synclog.CauseConfiguration, wantErr: "the connector failed"},
		{name: "exit 0 without a file", plan: func(t *testing.T) *plan.Plan {
			return script(t, "echo '{\"level\":\"info\",\"msg\":\"Syncing resources...\"}' >&2\nexit 0\n")
		}, wantErr: ErrNoComplete.Error()},
		{name: "garbage output and file", plan: func(t *testing.T) *plan.Plan {
			return script(t, fileArg+"echo 'zzz not json' >&2\necho '{\"level\":\"info\",\"msg\":\"Sync complete.\"}' >&2\necho garbage > \"$FILE\"\nexit 0\n")
		}, wantErr: "open sync file"},
		{name: "empty file", plan: func(t *testing.T) *plan.Plan {
			return script(t, fileArg+"echo '{\"level\":\"info\",\"msg\":\"Sync complete.\"}' >&2\n: > \"$FILE\"\nexit 0\n")
		}, wantErr: "the file is empty"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := tt.plan(t)
			timeout := tt.timeout
			if timeout == 0 {
				timeout = time.Minute
			}
			run, err := Start(context.Background(), p, Options{Timeout: timeout, BaseEnv: append(testenv.CleanEnv(t.TempDir()), tt.env...)})
			if err != nil {
				t.Fatal(err)
			}
			defer run.Cleanup()
			o := Finish(context.Background(), run)
			if o.OK() || o.Summary != nil {
				t.Fatalf("outcome OK = %v, summary %+v", o.OK(), o.Summary)
			}
			// Under load baton-sdk v0.25.0 has been seen to exit 0 after a
			// failed sync; the outcome must still be a failure.
			flaked := tt.wantErr == "the connector failed" && errors.Is(o.Err, ErrNoComplete)
			if !strings.Contains(o.Err.Error(), tt.wantErr) && !flaked {
				t.Errorf("err = %v, want %q", o.Err, tt.wantErr)
			}
			if tt.wantCause != "" && o.Diagnosis.Cause != tt.wantCause {
				t.Errorf("cause = %q, want %q (failure %+v)", o.Diagnosis.Cause, tt.wantCause, o.Result.Failure)
			}
		})
	}
}

func TestUnfinishedSyncIsRefused(t *testing.T) {
	// A mid-sync failure leaves a partial file; it must never count.
	p := demoPlan(t, "k")
	run, err := Start(context.Background(), p, Options{Timeout: time.Minute, BaseEnv: append(testenv.CleanEnv(t.TempDir()), "BATON_DEMO_FAILURE=fail-midsync")})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Cleanup()
	res := run.Wait()
	if _, err := os.Stat(res.File); err != nil {
		t.Skipf("the connector left no partial file: %v", err)
	}
	_, err = c1z.Summarize(context.Background(), res.File, t.TempDir())
	if !errors.Is(err, c1z.ErrUnfinished) {
		t.Errorf("Summarize(partial) = %v, want ErrUnfinished", err)
	}
}

func TestQuickUsesUserType(t *testing.T) {
	p := demoPlan(t, "k")
	rt, err := UserType(context.Background(), p, testenv.CleanEnv(t.TempDir()))
	if err != nil || rt != "user" {
		t.Fatalf("UserType = %q, %v", rt, err)
	}
	run, err := Start(context.Background(), p, Options{Quick: true, Timeout: time.Minute, BaseEnv: testenv.CleanEnv(t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Cleanup()
	o := Finish(context.Background(), run)
	if !o.OK() {
		t.Fatalf("quick check failed: %v", o.Err)
	}
	if o.Summary.Count("user") != 20 || o.Summary.Count("group") != 0 || o.Summary.Grants != 0 {
		t.Errorf("quick summary = %+v", o.Summary)
	}
}

func TestNoUsers(t *testing.T) {
	tests := []struct {
		name string
		by   []c1z.TypeCount
		want bool
	}{
		{"users", []c1z.TypeCount{{ResourceType: "user", Resources: 3}}, false},
		{"accounts", []c1z.TypeCount{{ResourceType: "iam_account", Resources: 1}}, false},
		{"only groups", []c1z.TypeCount{{ResourceType: "group", Resources: 2}}, true},
		{"zero users", []c1z.TypeCount{{ResourceType: "user"}, {ResourceType: "group", Resources: 2}}, true},
	}
	for _, tt := range tests {
		if got := NoUsers(&c1z.Summary{ByType: tt.by}); got != tt.want {
			t.Errorf("%s: NoUsers = %v", tt.name, got)
		}
	}
}
