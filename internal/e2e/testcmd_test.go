package e2e

import (
	"bufio"
	"encoding/json"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestTestSIGPIPE reads the first line of `test --json` and closes the
// pipe, as `baton-setup test … | head -1` does: baton-setup must stop the
// connector and remove its temporary files rather than die of SIGPIPE.
func TestTestSIGPIPE(t *testing.T) {
	home := t.TempDir()
	tmp := t.TempDir()
	mark := "e2e-sigpipe-" + t.Name()
	env := append(testenv.CleanEnv(home), "BATON_API_KEY=k", "BATON_DEMO_FAILURE=slow", "E2E_MARK="+mark, "TMPDIR="+tmp)
	cmd := exec.Command(bin, "test", "--connector", "demo", "--set", "tenant=acme", "--json")
	cmd.Env, cmd.Dir = env, home
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || !strings.HasPrefix(line, `{"type":`) {
		t.Fatalf("first line %q: %v", line, err)
	}
	stdout.Close()
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	select {
	case err = <-done:
	case <-time.After(time.Minute):
		cmd.Process.Kill()
		t.Fatal("baton-setup did not stop after its reader went away")
	}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		if ws, ok := exit.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			t.Fatalf("baton-setup was killed by %v", ws.Signal())
		}
	}
	for i := 0; i < 100 && len(marked(mark)) > 0; i++ {
		time.Sleep(50 * time.Millisecond)
	}
	if left := marked(mark); len(left) > 0 {
		t.Errorf("processes left: %v", left)
	}
	if left, _ := os.ReadDir(tmp); len(left) > 0 {
		t.Errorf("temporary files left in TMPDIR: %v", left)
	}
}

// TestPlanShowDestination: plan show names the endpoint and where the
// upload's AWS credentials come from, never their values.
func TestPlanShowDestination(t *testing.T) {
	s3 := testenv.NewS3(t, "show-bucket")
	home := t.TempDir()
	env := append(append(testenv.CleanEnv(home), "BATON_API_KEY="+canary), s3.KeyEnv()...)
	r := run(t, env, home, bin, "generate", "--connector", "demo", "--set", "tenant=acme",
		"--dest", "s3://show-bucket/baton/demo/sync.c1z", "--region", "us-east-1", "--endpoint", s3.URL,
		"--aws-credentials", "static", "--profile", "shown")
	if r.code != 0 {
		t.Fatalf("generate: exit %d: %s", r.code, r.stderr)
	}
	r = run(t, env, home, bin, "plan", "show", "--profile", "shown")
	for _, want := range []string{
		"destination: s3://show-bucket/baton/demo/sync.c1z\n",
		"  region:      us-east-1\n",
		"  endpoint:    " + s3.URL + "\n",
		"  credentials: static access keys (in secrets.env)\n",
	} {
		if !strings.Contains(r.stdout, want) {
			t.Errorf("plan show lacks %q:\n%s", want, r.stdout)
		}
	}
	if r.code != 0 || strings.Contains(r.stdout+r.stderr, canary) || strings.Contains(r.stdout, "fake-secret-key") {
		t.Errorf("plan show: exit %d, or a secret printed:\n%s%s", r.code, r.stdout, r.stderr)
	}
}

// TestConnectorsJSONOwnFields: an installed connector's row carries its own
// schema's fields and its quick-check support, not the catalog's guess.
func TestConnectorsJSONOwnFields(t *testing.T) {
	home := t.TempDir()
	r := run(t, testenv.CleanEnv(home), home, bin, "connectors", "--installed", "--json")
	if r.code != 0 {
		t.Fatalf("connectors: exit %d: %s", r.code, r.stderr)
	}
	var rows []struct {
		Name       string `json:"name"`
		FieldsFrom string `json:"fieldsFrom"`
		QuickCheck string `json:"quickCheck"`
		Fields     []struct {
			Name   string `json:"name"`
			Env    string `json:"env"`
			Secret bool   `json:"secret"`
		} `json:"fields"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &rows); err != nil || len(rows) == 0 || rows[0].Name != "demo" {
		t.Fatalf("rows: %v\n%s", err, r.stdout)
	}
	demo := rows[0]
	var names []string
	for _, f := range demo.Fields {
		names = append(names, f.Name)
		if f.Name == "api-key" && (!f.Secret || f.Env != "BATON_API_KEY") {
			t.Errorf("api-key = %+v", f)
		}
	}
	if got := strings.Join(names, " "); got != "tenant api-key user-count include-roles" || demo.FieldsFrom != "config" || demo.QuickCheck != "one user type" {
		t.Errorf("demo row: fields %q from %q, quick check %q", got, demo.FieldsFrom, demo.QuickCheck)
	}
	if _, err := os.Stat(filepath.Join(home, ".cache", "baton-setup", "schema")); err != nil {
		t.Errorf("schema not cached: %v", err)
	}
}
