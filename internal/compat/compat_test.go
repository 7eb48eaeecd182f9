// Package compat runs baton-setup against stand-in connectors built on
// real baton-sdk generations (testdata/connectors/compat at the repository
// root, one source built once per generation):
// v0.2.65, before the config command; v0.3.10, with config and SQLite sync
// files; v0.25.0, with field groups, gRPC exit codes and Pebble files. Each
// generation goes through the whole flow with the real binary, and its
// results are printed as one row of a compatibility table, every cell an
// assertion. README's "Connector compatibility" section is this table.
package compat

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/synclog"
	"github.com/conductorone/baton-setup/internal/testenv"
)

var (
	bin    string // baton-setup
	binDir string // the stand-in connectors, as baton-compat-<gen>
)

// generation is one stand-in connector and what its baton-sdk generation
// is expected to do.
type generation struct {
	// gen names the generation for testenv.BuildCompat; name is the
	// connector name baton-setup knows it by (binary baton-<name>).
	gen, name string
	// schemaFrom is where baton-setup reads the schema: config or help.
	schemaFrom string
	// constraints: the schema carries the url/domain one-of, so baton-setup
	// checks it before running anything.
	constraints bool
	// fileUpload: ca-file is a FILE_UPLOAD field, checked by baton-setup.
	fileUpload bool
	// authMethods are the field groups; the PEM key needs its own.
	authMethods []string
	quick       string // what `connectors --json` says of test --quick
	format      string // sync file format and engine, "v1 (sqlite)"
	badCredExit int    // the connector's exit code for a refused password
}

var generations = []generation{
	{gen: "sdk-v0.2.65", name: "compat-v0265", schemaFrom: "help", quick: "none", format: "v1 (sqlite)", badCredExit: 1},
	{gen: "sdk-v0.3.10", name: "compat-v0310", schemaFrom: "config", constraints: true, quick: "none", format: "v1 (sqlite)", badCredExit: 1},
	{gen: "sdk-v0.25.0", name: "compat-v0250", schemaFrom: "config", constraints: true, fileUpload: true,
		authMethods: []string{"password", "private-key"}, quick: "one user type", format: "v3 (pebble)", badCredExit: 16},
}

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "baton-setup-compat-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		if err := buildAll(dir); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// buildAll builds baton-setup and every stand-in at once; Go's build cache
// makes a second run cheap.
func buildAll(dir string) error {
	binDir = filepath.Join(dir, "connectors")
	if err := os.Mkdir(binDir, 0o755); err != nil {
		return err
	}
	errs := make([]error, len(generations)+1)
	var wg sync.WaitGroup
	for i, g := range generations {
		wg.Go(func() {
			errs[i] = testenv.BuildCompat(g.gen, filepath.Join(binDir, "baton-"+g.name))
		})
	}
	wg.Go(func() {
		var err error
		bin, err = testenv.Build(dir)
		errs[len(generations)] = err
	})
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// The matrix's columns, in the order of each row.
var columns = []string{
	"schema", "one-of url/domain", "path field", "PEM key", "test", "test --quick", "bad credentials",
	"timeout", "nothing found", "no users", "errors logged", "progress rows", "generate", "sync.sh to S3", "inspect",
}

// serverURL is the url setting every run gets.
const serverURL = "postgres://db.example:5432"

// TestMatrix runs the whole flow on every generation and prints the table.
func TestMatrix(t *testing.T) {
	s3 := testenv.NewS3(t, "compat")
	rows := make([][]string, len(generations))
	for i, g := range generations {
		t.Run(g.gen, func(t *testing.T) {
			e := newEnv(t, g, s3)
			rows[i] = []string{
				e.schema(), e.oneOf(), e.pathField(), e.pemKey(), e.fullTest(), e.quick(), e.badCredentials(),
				e.timeout(), e.warning("empty", "no-resources"), e.warning("no-users", "no-users"), e.warning("errors", "errors-logged"),
				e.progress(), e.generate(), e.syncSh(), e.inspect(),
			}
			t.Log("\n" + table([]string{g.gen}, [][]string{rows[i]}))
		})
	}
	var names []string
	for _, g := range generations {
		names = append(names, g.gen)
	}
	t.Log("\n" + table(names, rows))
}

// table lays rows out with one column per check, for the test log.
func table(names []string, rows [][]string) string {
	var b strings.Builder
	b.WriteString("| generation | " + strings.Join(columns, " | ") + " |\n|" + strings.Repeat("---|", len(columns)+1) + "\n")
	for i, r := range rows {
		if r == nil {
			r = make([]string, len(columns))
		}
		b.WriteString("| " + names[i] + " | " + strings.Join(r, " | ") + " |\n")
	}
	return b.String()
}

// env runs one generation's checks; each check fails the test on a wrong
// result and returns its cell, marked ✗ when it failed.
type env struct {
	t    *testing.T
	g    generation
	s3   *testenv.S3
	home string
	base []string
	// pem and ca are a PEM private key and a CA certificate on disk.
	pem, ca string
	// profile is the directory generate writes; object the S3 key.
	profile, object string
}

func newEnv(t *testing.T, g generation, s3 *testenv.S3) *env {
	home := t.TempDir()
	e := &env{t: t, g: g, s3: s3, home: home, profile: filepath.Join(home, "profile"), object: "baton/" + g.name + "/sync.c1z"}
	e.base = testenv.PrependPath(testenv.CleanEnv(home), binDir)
	e.pem = filepath.Join(home, "client.key")
	e.ca = filepath.Join(home, "ca.pem")
	write(t, e.pem, "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBlqsVqx8jQ0sBvXNtHiU0tBxSvfnVw1HHZcL8DvYdqX\n-----END PRIVATE KEY-----\n")
	write(t, e.ca, "-----BEGIN CERTIFICATE-----\nMIIBYzCCAQmgAwIBAgIUS0ZhYmxlIHN0YW5kLWluIENBIGNlcnQwCgYIKoZIzj0E\n-----END CERTIFICATE-----\n")
	return e
}

func write(t *testing.T, path, data string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
		t.Fatal(err)
	}
}

// check records a failed expectation and returns the cell.
func (e *env) check(ok bool, cell string, format string, args ...any) string {
	e.t.Helper()
	if !ok {
		e.t.Errorf(format, args...)
		return "✗ " + cell
	}
	return cell
}

// run runs baton-setup with the generation's environment plus env.
func (e *env) run(env []string, args ...string) testenv.Result {
	e.t.Helper()
	return testenv.Run(e.t, append(slices.Clone(e.base), env...), e.home, nil, bin, args...)
}

// testArgs are a `test` command line with the settings every run needs.
func (e *env) testArgs(extra ...string) []string {
	return append([]string{"test", "--connector", e.g.name, "--set", "url=" + serverURL}, extra...)
}

// event is one line of `test --json`.
type event struct {
	Type     string       `json:"type"`
	Message  string       `json:"message"`
	Cause    string       `json:"cause"`
	Hint     string       `json:"hint"`
	ExitCode *int         `json:"exitCode"`
	Kind     string       `json:"kind"`
	Details  []string     `json:"details"`
	Outcome  string       `json:"outcome"`
	Summary  *c1z.Summary `json:"summary"`
}

func (e *env) events(r testenv.Result) []event {
	e.t.Helper()
	var out []event
	for _, l := range strings.Split(strings.TrimSpace(r.Stdout), "\n") {
		if l == "" {
			continue
		}
		var ev event
		if err := json.Unmarshal([]byte(l), &ev); err != nil {
			e.t.Errorf("not a JSON event: %q", l)
			continue
		}
		out = append(out, ev)
	}
	return out
}

func last(evs []event, typ string) event {
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Type == typ {
			return evs[i]
		}
	}
	return event{}
}

// connectorRow is the part of a `connectors --json` row the matrix reads.
type connectorRow struct {
	Name        string `json:"name"`
	FieldsFrom  string `json:"fieldsFrom"`
	QuickCheck  string `json:"quickCheck"`
	AuthMethods []struct {
		Name string `json:"name"`
	} `json:"authMethods"`
	Fields []struct {
		Name   string `json:"name"`
		Secret bool   `json:"secret"`
	} `json:"fields"`
}

// schema: `connectors --json` lists the installed binary with its own
// fields, read from config or --help, and what a quick check can do.
func (e *env) schema() string {
	r := e.run(nil, "connectors", "--installed", "--json")
	var rows []connectorRow
	if err := json.Unmarshal([]byte(r.Stdout), &rows); err != nil || r.Code != 0 {
		return e.check(false, "-", "connectors --json: exit %d, %v\n%s", r.Code, err, r.Stderr)
	}
	i := slices.IndexFunc(rows, func(row connectorRow) bool { return row.Name == e.g.name })
	if i < 0 {
		return e.check(false, "-", "connectors --json does not list %s:\n%s", e.g.name, r.Stdout)
	}
	row := rows[i]
	var names, secret, methods []string
	for _, f := range row.Fields {
		names = append(names, f.Name)
		if f.Secret {
			secret = append(secret, f.Name)
		}
	}
	for _, m := range row.AuthMethods {
		methods = append(methods, m.Name)
	}
	// --help does not list hidden flags: the deprecated domain is lost.
	want := []string{"url", "password", "private-key", "ca-file", "role-count"}
	if e.g.schemaFrom == "config" {
		want = []string{"url", "domain", "password", "private-key", "ca-file", "role-count"}
	}
	slices.Sort(names)
	slices.Sort(want)
	ok := row.FieldsFrom == e.g.schemaFrom && slices.Equal(names, want) && slices.Equal(secret, []string{"password", "private-key"}) &&
		slices.Equal(methods, e.g.authMethods) && row.QuickCheck == e.g.quick
	return e.check(ok, fmt.Sprintf("%s: %d fields, %d auth methods", row.FieldsFrom, len(names), len(methods)),
		"schema: from %q, fields %v (secret %v), auth methods %v, quick %q; want %q, %v, [password private-key], %v, %q",
		row.FieldsFrom, names, secret, methods, row.QuickCheck, e.g.schemaFrom, want, e.g.authMethods, e.g.quick)
}

// oneOf: without url (or domain), a schema that declares the one-of lets
// baton-setup refuse before running; otherwise the connector refuses.
func (e *env) oneOf() string {
	r := e.run([]string{"BATON_PASSWORD=x"}, "test", "--connector", e.g.name)
	if e.g.constraints {
		return e.check(r.Code == 2 && strings.Contains(r.Stderr, "set at least one of url, domain"), "baton-setup refuses (exit 2)",
			"one-of: exit %d\n%s", r.Code, r.Stderr)
	}
	return e.check(r.Code == 1 && strings.Contains(r.Stderr, "cause: One of these settings is needed: url, domain."), "connector refuses, diagnosed (exit 1)",
		"one-of: exit %d\n%s", r.Code, r.Stderr)
}

// pathField: a ca-file that does not exist. A FILE_UPLOAD field is checked
// by baton-setup; a plain string reaches the connector, which fails on it.
func (e *env) pathField() string {
	missing := filepath.Join(e.home, "missing.pem")
	r := e.run([]string{"BATON_PASSWORD=x"}, e.testArgs("--set", "ca-file="+missing)...)
	if e.g.fileUpload {
		return e.check(r.Code == 2 && strings.Contains(r.Stderr, "ca-file: cannot read "+missing), "FILE_UPLOAD, checked (exit 2)",
			"path field: exit %d\n%s", r.Code, r.Stderr)
	}
	return e.check(r.Code == 1 && strings.Contains(r.Stderr, "cause: A file named in the settings does not exist."), "string, connector fails (exit 1)",
		"path field: exit %d\n%s", r.Code, r.Stderr)
}

// pemKey: a multi-line PEM key through --secret-file, in its own auth
// method where the connector has field groups.
func (e *env) pemKey() string {
	args := e.testArgs("--secret-file", "private-key="+e.pem, "--set", "ca-file="+e.ca)
	env := []string{"BATON_PASSWORD=x"}
	if len(e.g.authMethods) > 0 {
		args, env = append(args, "--auth-method", "private-key"), nil
	}
	r := e.run(env, args...)
	cell := "accepted"
	if len(e.g.authMethods) > 0 {
		cell = "accepted (auth method private-key)"
	}
	return e.check(r.Code == 0, cell, "PEM key: exit %d\n%s", r.Code, r.Stderr)
}

// fullTest: a healthy sync whose user type is role, marked by the user
// trait: no warning, and the file format of the generation.
func (e *env) fullTest() string {
	r := e.run([]string{"BATON_PASSWORD=x"}, e.testArgs("--json")...)
	evs := e.events(r)
	sum := last(evs, "summary")
	ok := r.Code == 0 && sum.Outcome == "ok" && sum.Summary != nil && last(evs, "warning").Type == ""
	if ok {
		s := sum.Summary
		i := slices.IndexFunc(s.ByType, func(t c1z.TypeCount) bool { return t.ResourceType == "role" })
		ok = s.Resources == 23 && s.Grants == 20 && fmt.Sprintf("%s (%s)", s.Format, s.Engine) == e.g.format &&
			i >= 0 && s.ByType[i].HasTrait(c1z.TraitUser) && s.ByType[i].Resources == 20
	}
	return e.check(ok, "ok, role has the user trait, "+e.g.format, "test: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
}

// quick: one user type where the SDK can; otherwise a clear refusal that
// points to the full test, never a confusing unknown-flag failure.
func (e *env) quick() string {
	r := e.run([]string{"BATON_PASSWORD=x"}, e.testArgs("--quick", "--json")...)
	if e.g.quick == "none" {
		ok := r.Code == 2 && strings.Contains(r.Stderr, "cannot sync less than everything") &&
			strings.Contains(r.Stderr, "run the full test, without --quick") && !strings.Contains(r.Stderr, "unknown flag")
		return e.check(ok, "refused: no such flags (exit 2)", "quick: exit %d\n%s", r.Code, r.Stderr)
	}
	sum := last(e.events(r), "summary").Summary
	ok := r.Code == 0 && sum != nil && sum.Resources == 20 && sum.Count("role") == 20 && sum.Grants == 0
	return e.check(ok, "role only, no grants", "quick: exit %d\n%s\n%s", r.Code, r.Stdout, r.Stderr)
}

// badCredentials: the generation's own failure path and exit code.
func (e *env) badCredentials() string {
	r := e.run([]string{"BATON_PASSWORD=wrong"}, e.testArgs("--json")...)
	ev := last(e.events(r), "error")
	// v0.25.0 exits 0 instead when it notices first that its service child
	// is gone (see testenv.RefusedKey); the cause is found all the same.
	exitOK := ev.ExitCode != nil && (*ev.ExitCode == e.g.badCredExit || (e.g.badCredExit == 16 && *ev.ExitCode == 0))
	ok := r.Code == 1 && ev.Cause == "credentials" && exitOK &&
		ev.Message == `compat: password authentication failed for user "baton" (SQLSTATE 28P01)`
	return e.check(ok, fmt.Sprintf("credentials, connector exit %d", e.g.badCredExit), "bad credentials: exit %d, event %+v\n%s", r.Code, ev, r.Stderr)
}

// timeout: the runner's limit is the truth, whatever the SDK prints or
// exits with while it is stopped.
func (e *env) timeout() string {
	begin := time.Now()
	r := e.run([]string{"BATON_PASSWORD=x", "BATON_COMPAT_FAILURE=hang"}, e.testArgs("--timeout", "2s", "--json")...)
	took := time.Since(begin)
	ev := last(e.events(r), "error")
	ok := r.Code == 1 && ev.Message == "timed out after 2s" && ev.Cause == "timeout" && ev.ExitCode != nil && *ev.ExitCode == 124 && took < 20*time.Second
	return e.check(ok, "timed out after 2s, exit 124", "timeout: exit %d after %s, event %+v\n%s", r.Code, took.Round(time.Millisecond), ev, r.Stderr)
}

// warning: a sync that finishes but found nothing, found no users, or
// logged errors is a warning outcome, exit 3.
func (e *env) warning(mode, kind string) string {
	r := e.run([]string{"BATON_PASSWORD=x", "BATON_COMPAT_FAILURE=" + mode}, e.testArgs("--json")...)
	evs := e.events(r)
	var kinds []string
	for _, ev := range evs {
		if ev.Type == "warning" && ev.Kind != "" {
			kinds = append(kinds, ev.Kind)
		}
	}
	ok := r.Code == 3 && last(evs, "summary").Outcome == "warning" && slices.Equal(kinds, []string{kind})
	if ok && kind == "errors-logged" {
		d := last(evs, "warning").Details
		ok = len(d) == 1 && strings.Contains(d[0], "Unknown column 'Create_role_priv'")
	}
	return e.check(ok, "⚠ "+kind+" (exit 3)", "%s: exit %d, warnings %v\n%s\n%s", mode, r.Code, kinds, r.Stdout, r.Stderr)
}

// progress: the connector's own log, folded as the wizard folds it, ends
// with every row complete.
func (e *env) progress() string {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	dir := e.t.TempDir()
	cmd := exec.CommandContext(ctx, filepath.Join(binDir, "baton-"+e.g.name), "--file", filepath.Join(dir, "sync.c1z"), "--log-format", "json")
	cmd.Dir = dir
	cmd.Env = append(testenv.CleanEnv(dir), "BATON_URL="+serverURL, "BATON_PASSWORD=x", "TMPDIR="+dir)
	stderr, err := cmd.StderrPipe()
	if err != nil {
		e.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		e.t.Fatal(err)
	}
	var p synclog.Progress
	sc := bufio.NewScanner(stderr)
	for sc.Scan() {
		p.Apply(synclog.ParseString(sc.Text()))
	}
	err = cmd.Wait()
	ok := err == nil && p.Done && len(p.Types) == 2
	for _, tp := range p.Types {
		ok = ok && tp.EntitlementsDone && tp.GrantsDone && tp.EntitlementsSynced == tp.EntitlementsTotal && tp.GrantsSynced == tp.GrantsTotal
	}
	return e.check(ok, "every row ✓", "progress: %v, %+v", err, p)
}

// generate writes the profile for an S3 destination on the fake server,
// with static keys, so that sync.sh needs nothing from the environment.
func (e *env) generate() string {
	args := []string{"generate", "--connector", e.g.name, "--set", "url=" + serverURL, "--set", "ca-file=" + e.ca,
		"--dest", "s3://compat/" + e.object, "--region", "us-east-1", "--endpoint", e.s3.URL,
		"--aws-credentials", "static", "--schedule", "hourly:17", "--out", e.profile}
	r := e.run(append([]string{"BATON_PASSWORD=x"}, e.s3.KeyEnv()...), args...)
	_, err := os.Stat(filepath.Join(e.profile, "sync.sh"))
	return e.check(r.Code == 0 && err == nil, "ok", "generate: exit %d, %v\n%s", r.Code, err, r.Stderr)
}

// syncSh runs the generated sync.sh as cron would, with almost nothing in
// the environment, and expects the object in the bucket.
func (e *env) syncSh() string {
	env := []string{"HOME=" + e.home, "LOGNAME=compat", "PATH=/usr/bin:/bin", "SHELL=/bin/sh", "AWS_EC2_METADATA_DISABLED=true"}
	r := testenv.Run(e.t, env, "/", nil, "/bin/sh", filepath.Join(e.profile, "sync.sh"))
	obj := e.s3.Get(e.t, "compat", e.object)
	ok := r.Code == 0 && strings.Contains(r.Stdout, "uploaded to s3://compat/"+e.object) && len(obj) > 0
	if !ok {
		log, _ := os.ReadFile(filepath.Join(e.profile, "work", "connector.log"))
		return e.check(false, "-", "sync.sh: exit %d, %d bytes uploaded\n%s%s\nconnector log:\n%s", r.Code, len(obj), r.Stdout, r.Stderr, log)
	}
	return e.check(true, fmt.Sprintf("uploaded %d bytes", len(obj)), "")
}

// inspect reads the uploaded object back.
func (e *env) inspect() string {
	obj := e.s3.Get(e.t, "compat", e.object)
	file := filepath.Join(e.t.TempDir(), "uploaded.c1z")
	write(e.t, file, string(obj))
	r := e.run(nil, "inspect", file, "--json")
	var s c1z.Summary
	err := json.Unmarshal([]byte(r.Stdout), &s)
	ok := r.Code == 0 && err == nil && s.Resources == 23 && s.Count("role") == 20 && fmt.Sprintf("%s (%s)", s.Format, s.Engine) == e.g.format
	return e.check(ok, "23 resources, "+e.g.format, "inspect: exit %d, %v\n%s%s", r.Code, err, r.Stdout, r.Stderr)
}
