package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// cronWait is how long a * * * * * entry may take to deliver: up to a
// minute to the next boundary, and the sync and upload after it.
const cronWait = 75 * time.Second

// TestCronDaemonDelivers hands a profile to Debian's real cron daemon: a
// throwaway user generates it (with the upload's keys in its ~/.aws and the
// endpoint of a local S3 server saved in the plan), its crontab gets the
// entry for every minute, and the object must arrive in the bucket as a
// finished sync. Nothing of this test's environment reaches that run.
func TestCronDaemonDelivers(t *testing.T) {
	t.Parallel()
	u := testenv.NewUser(t)
	daemon := "/usr/sbin/cron"
	if _, err := os.Stat(daemon); err != nil {
		daemon = testenv.RequireTool(t, "cron")
	}
	crontab := testenv.RequireTool(t, "crontab")
	s3 := testenv.NewS3(t, "cron-bucket")
	s3.WriteAWSFiles(t, u.Home)
	self := u.Install(t, bin)
	u.Own(t, u.Home)

	r := u.Run(t, u.Env("BATON_API_KEY="+canary, "AWS_EC2_METADATA_DISABLED=true"), u.Home, nil, self, "generate",
		"--connector", "demo", "--set", "tenant=acme", "--dest", "s3://cron-bucket/baton/cron/sync.c1z",
		"--region", "us-east-1", "--endpoint", s3.URL, "--schedule", "* * * * *", "--profile", "cron", "--json")
	if r.Code != 0 {
		t.Fatalf("generate as %s: exit %d\n%s%s", u.Name, r.Code, r.Stdout, r.Stderr)
	}
	var res struct {
		Dir  string `json:"dir"`
		Cron struct {
			Block string `json:"block"`
		} `json:"cron"`
	}
	if err := json.Unmarshal([]byte(r.Stdout), &res); err != nil || !strings.Contains(res.Cron.Block, "* * * * * ") {
		t.Fatalf("generate --json: %v\n%s", err, r.Stdout)
	}

	// The one setting tests add to the scheduler's environment: no
	// instance metadata lookups, whatever happens to the credentials.
	table := "AWS_EC2_METADATA_DISABLED=true\n" + res.Cron.Block
	if r := testenv.Run(t, nil, "/", strings.NewReader(table), crontab, "-u", u.Name, "-"); r.Code != 0 {
		t.Fatalf("crontab -u %s -: exit %d: %s", u.Name, r.Code, r.Stderr)
	}
	t.Cleanup(func() { _ = exec.Command(crontab, "-r", "-u", u.Name).Run() })
	startCron(t, daemon)

	start := time.Now()
	var obj []byte
	testenv.Poll(cronWait, 500*time.Millisecond, func() bool {
		obj = s3.Get(t, "cron-bucket", "baton/cron/sync.c1z")
		return obj != nil
	})
	took := time.Since(start)
	log, _ := os.ReadFile(filepath.Join(res.Dir, "sync.log"))
	if obj == nil {
		listed := testenv.Run(t, nil, "/", nil, crontab, "-l", "-u", u.Name)
		t.Fatalf("nothing in the bucket after %s\ncrontab of %s:\n%s\nsync.log:\n%s", cronWait, u.Name, listed.Stdout+listed.Stderr, log)
	}
	t.Logf("cron delivered the object %s after the entry was installed", took.Round(time.Second))

	file := filepath.Join(t.TempDir(), "got.c1z")
	if err := os.WriteFile(file, obj, 0o600); err != nil {
		t.Fatal(err)
	}
	sum, err := c1z.Summarize(context.Background(), file, t.TempDir())
	if err != nil {
		t.Fatalf("the object is not a finished sync: %v\nsync.log:\n%s", err, log)
	}
	if sum.Count("user") != 20 || sum.EndedAt.IsZero() {
		t.Errorf("the object's sync: %d users, ended %v", sum.Count("user"), sum.EndedAt)
	}
	if !bytes.Contains(log, []byte("uploaded to s3://cron-bucket/baton/cron/sync.c1z")) || bytes.Contains(log, []byte(canary)) {
		t.Errorf("sync.log:\n%s", log)
	}

	if r := testenv.Run(t, nil, "/", nil, crontab, "-r", "-u", u.Name); r.Code != 0 {
		t.Errorf("crontab -r -u %s: exit %d: %s", u.Name, r.Code, r.Stderr)
	}
	if r := testenv.Run(t, nil, "/", nil, crontab, "-l", "-u", u.Name); r.Code == 0 {
		t.Errorf("the crontab of %s is still there:\n%s", u.Name, r.Stdout)
	}
}

// startCron starts Debian's cron daemon in the foreground when none runs,
// and stops it when the test ends; a daemon already running is left alone.
func startCron(t *testing.T, daemon string) {
	t.Helper()
	if pids := processesNamed("cron"); len(pids) > 0 {
		t.Logf("cron already runs (pid %d)", pids[0])
		return
	}
	cmd := exec.Command(daemon, "-f")
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", daemon, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
		if out.Len() > 0 {
			t.Logf("cron said: %s", out.String())
		}
	})
	time.Sleep(200 * time.Millisecond)
	select {
	case <-done:
		t.Fatalf("%s -f exited at once: %s", daemon, out.String())
	default:
	}
}

// processesNamed lists the processes whose command name is name.
func processesNamed(name string) []int {
	entries, _ := os.ReadDir("/proc")
	var out []int
	for _, e := range entries {
		comm, err := os.ReadFile(filepath.Join("/proc", e.Name(), "comm"))
		if err != nil || strings.TrimSpace(string(comm)) != name {
			continue
		}
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			out = append(out, pid)
		}
	}
	return out
}
