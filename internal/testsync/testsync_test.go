package testsync

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
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
		// baton-sdk v0.2.x sometimes kills its service child on the way out
		// of a failed run and logs it: the refused password is the cause.
		{name: "refused password, then the child killed", plan: func(t *testing.T) *plan.Plan {
			return script(t, `echo '{"level":"error","msg":"error running connector","error":"runner: error processing task: rpc error: code = Unknown desc = password authentication failed for user \"baton\""}' >&2
echo '{"level":"error","msg":"connector service quit unexpectedly","error":"signal: killed"}' >&2
echo 'runner: error processing task: rpc error: code = Unknown desc = password authentication failed for user "baton"' >&2
exit 1
`)
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
		{"employees, by name", []c1z.TypeCount{{ResourceType: "employee", Resources: 4}}, false},
		// baton-postgresql's user type is role: the trait decides.
		{"role with the user trait", []c1z.TypeCount{{ResourceType: "role", Traits: []string{"user"}, Resources: 18}, {ResourceType: "database", Resources: 2}}, false},
		{"empty role with the user trait", []c1z.TypeCount{{ResourceType: "role", Traits: []string{"user"}}, {ResourceType: "database", Resources: 2}}, true},
		{"a user-named type without the trait", []c1z.TypeCount{{ResourceType: "user_profile", Traits: []string{"app"}, Resources: 5}, {ResourceType: "login", Traits: []string{"user"}}}, true},
		{"traits but no user type", []c1z.TypeCount{{ResourceType: "repo", Traits: []string{"app"}, Resources: 5}}, false},
	}
	for _, tt := range tests {
		if got := NoUsers(&c1z.Summary{ByType: tt.by}); got != tt.want {
			t.Errorf("%s: NoUsers = %v", tt.name, got)
		}
	}
}

func TestJudge(t *testing.T) {
	role := func(n int64) c1z.TypeCount {
		return c1z.TypeCount{ResourceType: "role", Traits: []string{"user"}, Resources: n}
	}
	db := c1z.TypeCount{ResourceType: "database", Resources: 3}
	tests := []struct {
		name   string
		sum    *c1z.Summary
		errs   []string
		count  int
		want   []string // kinds
		prefix string   // of the first message
	}{
		{"healthy", &c1z.Summary{ResourceTypes: 2, Resources: 21, ByType: []c1z.TypeCount{role(18), db}}, nil, 0, nil, ""},
		{"nothing found", &c1z.Summary{ResourceTypes: 2, ByType: []c1z.TypeCount{role(0), {ResourceType: "database"}}}, nil, 0, []string{WarnNoResources}, "the sync found nothing: 0 resources of 2 resource types"},
		{"no users", &c1z.Summary{ResourceTypes: 2, Resources: 3, ByType: []c1z.TypeCount{role(0), db}}, nil, 0, []string{WarnNoUsers}, "no users were found: the connector's user type role has 0 resources"},
		{"errors logged", &c1z.Summary{ResourceTypes: 2, Resources: 21, ByType: []c1z.TypeCount{role(18), db}}, []string{"listing failed: Unknown column"}, 5, []string{WarnErrorsLogged}, "the connector logged 5 errors during a sync that finished"},
		{"both", &c1z.Summary{ResourceTypes: 2}, []string{"x"}, 1, []string{WarnNoResources, WarnErrorsLogged}, "the sync found nothing"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := Judge(tt.sum, "compat", tt.errs, tt.count)
			var kinds []string
			for _, w := range ws {
				kinds = append(kinds, w.Kind)
				if w.Message == "" {
					t.Errorf("warning without a message: %+v", w)
				}
			}
			if strings.Join(kinds, ",") != strings.Join(tt.want, ",") {
				t.Fatalf("kinds = %v, want %v (%+v)", kinds, tt.want, ws)
			}
			if len(ws) > 0 && !strings.HasPrefix(ws[0].Message, tt.prefix) {
				t.Errorf("message = %q, want prefix %q", ws[0].Message, tt.prefix)
			}
			if tt.count > 0 && !slices.Equal(ws[len(ws)-1].Details, tt.errs) {
				t.Errorf("details = %q", ws[len(ws)-1].Details)
			}
		})
	}
}

func TestQuickSupport(t *testing.T) {
	help := func(flags ...string) *schema.Schema { return &schema.Schema{Flags: flags} }
	tests := []struct {
		name string
		conn plan.Connector
		want Quick
	}{
		{"v0.25.0 flags", plan.Connector{Schema: help("file", "skip-entitlements-and-grants", "sync-resource-types")}, QuickOneType},
		{"v0.3.40 flags", plan.Connector{Schema: help("file", "skip-entitlements-and-grants")}, QuickResources},
		{"v0.3.10 flags", plan.Connector{Schema: help("file", "sync-resources")}, QuickNone},
		// The flags win over a version that says otherwise.
		{"flags beat the version", plan.Connector{SDKVersion: "v0.25.0", Schema: help("file")}, QuickNone},
		{"v0.25.0 by version", plan.Connector{SDKVersion: "v0.25.0", Schema: &schema.Schema{}}, QuickOneType},
		{"v0.5.0 by version", plan.Connector{SDKVersion: "v0.5.0"}, QuickOneType},
		{"v0.4.9 by version", plan.Connector{SDKVersion: "v0.4.9"}, QuickResources},
		{"v0.3.40 by version", plan.Connector{SDKVersion: "v0.3.40"}, QuickResources},
		{"v0.3.10 by version", plan.Connector{SDKVersion: "v0.3.10"}, QuickNone},
		{"v0.2.65 by version", plan.Connector{SDKVersion: "v0.2.65"}, QuickNone},
		{"pseudo-version", plan.Connector{SDKVersion: "v0.25.1-0.20260101000000-abcdef123456"}, QuickOneType},
		{"nothing known", plan.Connector{}, QuickUnknown},
	}
	for _, tt := range tests {
		if got := QuickSupport(tt.conn); got != tt.want {
			t.Errorf("%s: QuickSupport = %v, want %v", tt.name, got, tt.want)
		}
	}
	err := CheckQuick(plan.Connector{Name: "postgresql", SDKVersion: "v0.3.10"})
	if !errors.Is(err, ErrNoQuick) || err.Error() != "run quick check of postgresql: the connector cannot sync less than everything: baton-sdk v0.3.10 has no --skip-entitlements-and-grants (it arrived in v0.3.40)" {
		t.Errorf("CheckQuick = %v", err)
	}
	if err := CheckQuick(plan.Connector{Name: "okta", SDKVersion: "v0.25.0"}); err != nil {
		t.Errorf("CheckQuick(v0.25.0) = %v", err)
	}
	// Start refuses before running anything.
	if _, err := Start(context.Background(), &plan.Plan{Connector: plan.Connector{Name: "old", Path: "/nonexistent", Schema: help("file")}}, Options{Quick: true}); !errors.Is(err, ErrNoQuick) {
		t.Errorf("Start(quick, old) = %v", err)
	}
}

// TestQuickUnknownFlag runs a connector that declares nothing and refuses
// the flags a quick check adds: the diagnosis must say the connector cannot
// run a quick check, not tell the user to remove a flag they never typed.
func TestQuickUnknownFlag(t *testing.T) {
	p := script(t, `for a in "$@"; do case "$a" in --skip-entitlements-and-grants) echo 'Error: unknown flag: --skip-entitlements-and-grants' >&2; exit 1;; esac; done
exit 3
`)
	run, err := Start(context.Background(), p, Options{Quick: true, Timeout: time.Minute, BaseEnv: testenv.CleanEnv(t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Cleanup()
	o := Finish(context.Background(), run)
	if o.OK() || o.Diagnosis.Cause != synclog.CauseConfiguration || !strings.Contains(o.Diagnosis.Summary, "cannot run a quick check") || strings.Contains(o.Diagnosis.Hint, "remove") {
		t.Errorf("outcome %v, diagnosis %+v", o.Err, o.Diagnosis)
	}
}

func TestLogHint(t *testing.T) {
	withFlags := &schema.Schema{Flags: []string{"file", "log-level"}}
	tests := []struct {
		name string
		conn plan.Connector
		want string // a substring; "" means no hint
	}{
		{"declared flag", plan.Connector{Path: "/opt/baton-x", Schema: withFlags}, "/opt/baton-x --log-level debug --log-format console --file "},
		{"demo subcommand", plan.Connector{Path: "/usr/bin/baton-setup", Args: []string{"demo-connector"}, Schema: withFlags}, "/usr/bin/baton-setup demo-connector --log-level debug"},
		{"known by SDK version", plan.Connector{Path: "/opt/baton-y", SDKVersion: "v0.2.14", Schema: &schema.Schema{}}, "/opt/baton-y --log-level debug"},
		{"a setting of its own", plan.Connector{Path: "/opt/baton-z", Schema: &schema.Schema{Fields: []schema.Field{{Name: "log-level"}}}}, "--set log-level=debug"},
		{"flags say no", plan.Connector{Path: "/opt/baton-q", SDKVersion: "v0.25.0", Schema: &schema.Schema{Flags: []string{"file"}}}, ""},
		{"nothing known", plan.Connector{Path: "/opt/baton-r", Schema: &schema.Schema{}}, ""},
		{"docker image", plan.Connector{Image: "example/baton-x", Path: "/opt/baton-x", Schema: withFlags}, ""},
	}
	for _, tt := range tests {
		got := LogHint(tt.conn)
		if (tt.want == "") != (got == "") || !strings.Contains(got, tt.want) {
			t.Errorf("%s: LogHint = %q, want %q", tt.name, got, tt.want)
		}
		if strings.Contains(got, "--set log-level") && tt.want != "--set log-level=debug" {
			t.Errorf("%s: suggests a setting the connector does not have: %q", tt.name, got)
		}
	}
}

// TestFinishedThenKilled runs the real demo connector behind a stand-in that
// then does what baton-sdk before v0.25 does now and then as it stops: logs
// that it killed its own service child and exits 1. The sync is good; a
// kill before "Sync complete." or any other exit 1 is still a failure.
func TestFinishedThenKilled(t *testing.T) {
	const killed = `echo '{"level":"error","msg":"connector service quit unexpectedly","error":"signal: killed"}' >&2`
	tests := []struct {
		name string
		body string
		ok   bool
	}{
		{name: "killed after the sync", body: "'" + bin + "' demo-connector \"$@\" || exit $?\n" + killed + "\nexit 1\n", ok: true},
		{name: "killed before the end", body: killed + "\n'" + bin + "' demo-connector \"$@\" || exit $?\nexit 1\n"},
		{name: "crashed after the sync", body: "'" + bin + "' demo-connector \"$@\" || exit $?\n" +
			`echo '{"level":"error","msg":"connector service quit unexpectedly","error":"exit status 2"}' >&2` + "\nexit 1\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := script(t, tt.body)
			d := demoPlan(t, "k")
			p.Connector.Schema, p.Values, p.Secrets = d.Connector.Schema, d.Values, d.Secrets
			run, err := Start(context.Background(), p, Options{Timeout: time.Minute, BaseEnv: testenv.CleanEnv(t.TempDir())})
			if err != nil {
				t.Fatal(err)
			}
			defer run.Cleanup()
			o := Finish(context.Background(), run)
			if o.OK() != tt.ok {
				t.Fatalf("OK = %v (err %v, exit %d), want %v", o.OK(), o.Err, o.Result.ExitCode, tt.ok)
			}
			if tt.ok && (o.Summary == nil || o.Summary.Resources == 0) {
				t.Errorf("summary %+v", o.Summary)
			}
		})
	}
}
