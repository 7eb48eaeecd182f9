package setup

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"al.essio.dev/pkg/shellescape"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// These tests run the real binary's generate command and then the
// generated sync.sh with /bin/sh, with the demo connector as a real
// baton-sdk child process.

const canary = "canary-Secret-77d1c0de"

type result struct {
	out  string // stdout and stderr, interleaved as a log file would have them
	code int
	took time.Duration
}

func run(t *testing.T, env []string, name string, args ...string) result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = env
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := result{out: out.String(), took: time.Since(start)}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", name, err)
	}
	return r
}

// profile generates a demo profile (local destination unless args say
// otherwise) with the given binary and returns its directory and the bare
// environment cron would give sync.sh.
func generateProfile(t *testing.T, self string, args ...string) (dir string, cronEnv []string) {
	t.Helper()
	home := t.TempDir()
	dir = filepath.Join(home, "profile")
	env := append(testenv.CleanEnv(home), "BATON_API_KEY="+canary)
	args = append([]string{"generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local",
		"--schedule", "hourly:7", "--out", dir}, args...)
	r := run(t, env, self, args...)
	if r.code != 0 {
		t.Fatalf("generate: exit %d\n%s", r.code, r.out)
	}
	if strings.Contains(r.out, canary) {
		t.Fatal("generate printed the secret")
	}
	return dir, []string{"PATH=/usr/bin:/bin", "HOME=" + home}
}

var logLine = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ baton-setup\[demo\]: `)

// checkLog checks that every line sync.sh wrote is timestamped, and that a
// failed run ends with exactly one "sync failed: <reason>" line.
func checkLog(t *testing.T, out string, failed bool) {
	t.Helper()
	var own []string
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		if logLine.MatchString(l) {
			own = append(own, l)
		}
	}
	if len(own) == 0 {
		t.Fatalf("no log lines:\n%s", out)
	}
	n := strings.Count(out, "sync failed: ")
	last := own[len(own)-1]
	if failed && (n != 1 || !strings.Contains(last, "sync failed: ")) {
		t.Errorf("want exactly one final \"sync failed:\" line, got %d:\n%s", n, out)
	}
	if !failed && n != 0 {
		t.Errorf("a good run logged a failure:\n%s", out)
	}
	if strings.Contains(out, canary) {
		t.Error("sync.sh printed the secret")
	}
}

// failureLine returns the "sync failed:" line of a run's output.
func failureLine(out string) string {
	for _, l := range strings.Split(out, "\n") {
		if strings.Contains(l, "sync failed: ") {
			return l
		}
	}
	return ""
}

func TestSyncSuccess(t *testing.T) {
	dir, env := generateProfile(t, bin)
	// Leftovers of a run that was killed outright.
	os.MkdirAll(filepath.Join(dir, "work", "tmp.stale1"), 0o700)
	r := run(t, env, "/bin/sh", filepath.Join(dir, "sync.sh"))
	if r.code != 0 {
		t.Fatalf("exit %d:\n%s", r.code, r.out)
	}
	checkLog(t, r.out, false)
	if !strings.Contains(r.out, "sync finished: "+filepath.Join(dir, "sync.c1z")) || !strings.Contains(r.out, "upload "+filepath.Join(dir, "sync.c1z")+" by hand") {
		t.Errorf("output:\n%s", r.out)
	}
	if st, err := os.Stat(filepath.Join(dir, "sync.c1z")); err != nil || st.Size() == 0 || st.Mode().Perm() != 0o600 {
		t.Errorf("sync.c1z: %v %v", st, err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "work", "tmp.*")); len(left) != 0 {
		t.Errorf("temporary directories left: %v", left)
	}
}

// TestSyncOverlap starts two runs together: one syncs, the other finds the
// lock taken and exits 0 at once with the lock message.
func TestSyncOverlap(t *testing.T) {
	dir, env := generateProfile(t, bin)
	env = append(env, "BATON_DEMO_FAILURE=slow")
	results := make(chan result, 2)
	for range 2 {
		go func() { results <- run(t, env, "/bin/sh", filepath.Join(dir, "sync.sh")) }()
	}
	a, b := <-results, <-results
	if strings.Contains(a.out, "previous run still active") {
		a, b = b, a
	}
	if a.code != 0 || !strings.Contains(a.out, "sync finished") {
		t.Fatalf("the run that held the lock: exit %d\n%s", a.code, a.out)
	}
	if b.code != 0 || !strings.Contains(b.out, "previous run still active; skipping this run") || strings.Contains(b.out, "sync started") {
		t.Fatalf("the second run: exit %d\n%s", b.code, b.out)
	}
	if b.took >= a.took {
		t.Errorf("the second run took %s, the first %s; it should have exited at once", b.took, a.took)
	}
	checkLog(t, a.out, false)
}

// TestSyncLogRotation runs sync.sh the way cron does, appending to
// sync.log, with a log just over the cap.
func TestSyncLogRotation(t *testing.T) {
	dir, env := generateProfile(t, bin)
	logFile := filepath.Join(dir, "sync.log")
	old := bytes.Repeat([]byte("2026-01-01T00:00:00Z baton-setup[demo]: an old line\n"), 1<<20/50+1)
	if err := os.WriteFile(logFile, old, 0o600); err != nil {
		t.Fatal(err)
	}
	cron := `"$0" >>"$1" 2>&1`
	r := run(t, env, "/bin/sh", "-c", cron, filepath.Join(dir, "sync.sh"), logFile)
	if r.code != 0 {
		t.Fatalf("exit %d", r.code)
	}
	rotated, _ := os.ReadFile(logFile + ".1")
	if !bytes.Equal(rotated, old) {
		t.Errorf("sync.log.1 holds %d bytes, want the old log's %d exactly (this run's lines belong in the new log)", len(rotated), len(old))
	}
	current, _ := os.ReadFile(logFile)
	if !strings.Contains(string(current), "log rotated") || !strings.Contains(string(current), "sync finished") || len(current) > 4096 {
		t.Errorf("new sync.log (%d bytes):\n%s", len(current), current)
	}
	checkLog(t, string(current), false)

	// Under the cap, the next run appends.
	r = run(t, env, "/bin/sh", "-c", cron, filepath.Join(dir, "sync.sh"), logFile)
	again, _ := os.ReadFile(logFile)
	if r.code != 0 || !bytes.HasPrefix(again, current) || strings.Count(string(again), "sync finished") != 2 {
		t.Errorf("second run: exit %d\n%s", r.code, again)
	}
}

// TestSyncFailures checks each way a run can fail: it exits non-zero,
// ends with one "sync failed: <reason>" line, and leaves no sync file.
func TestSyncFailures(t *testing.T) {
	s3 := testenv.NewS3(t, "sync-bucket")
	tests := []struct {
		name  string
		args  []string
		setup func(t *testing.T, dir string) []string
		want  string
		// wantRe, when set, must match the reason too.
		wantRe *regexp.Regexp
		keeps  bool // a sync file is made before the failure
	}{
		{name: "connector fails", wantRe: testenv.DemoFailed(13), want: ": demo: upstream returned 500 while listing groups; see ",
			setup: func(*testing.T, string) []string { return []string{"BATON_DEMO_FAILURE=fail-midsync"} }},
		{name: "timeout", args: []string{"--timeout", "2s"}, want: "the connector ran longer than 2s and was stopped",
			setup: func(*testing.T, string) []string { return []string{"BATON_DEMO_FAILURE=hang"} }},
		{name: "secrets readable by others", want: "is open to other users; run: chmod 600",
			setup: func(t *testing.T, dir string) []string {
				os.Chmod(filepath.Join(dir, "secrets.env"), 0o644)
				return nil
			}},
		{name: "secrets missing", want: "cannot read ",
			setup: func(t *testing.T, dir string) []string { os.Remove(filepath.Join(dir, "secrets.env")); return nil }},
		{name: "work dir unusable", want: "/work is not a directory; remove it",
			setup: func(t *testing.T, dir string) []string {
				os.WriteFile(filepath.Join(dir, "work"), nil, 0o600)
				return nil
			}},
		{name: "profile directory group-writable", want: "/profile may be written by its group (drwxrwx---",
			setup: func(t *testing.T, dir string) []string {
				os.Chmod(dir, 0o770)
				return nil
			}},
		{name: "profile directory world-writable", want: "/profile may be written by every user (drwx---rwx",
			setup: func(t *testing.T, dir string) []string {
				os.Chmod(dir, 0o707)
				return nil
			}},
		{name: "work a symbolic link", want: "/work is a symbolic link; remove it",
			setup: func(t *testing.T, dir string) []string {
				elsewhere := t.TempDir()
				os.Symlink(elsewhere, filepath.Join(dir, "work"))
				t.Cleanup(func() {
					if entries, _ := os.ReadDir(elsewhere); len(entries) > 0 {
						t.Errorf("sync.sh wrote through the link: %v", entries)
					}
				})
				return nil
			}},
		{name: "work group-writable", want: "/work may be written by its group (drwxrwx---",
			setup: func(t *testing.T, dir string) []string {
				os.Mkdir(filepath.Join(dir, "work"), 0o700)
				os.Chmod(filepath.Join(dir, "work"), 0o770)
				return nil
			}},
		{name: "unexpected error", want: "unexpected error (exit status 2)",
			setup: func(t *testing.T, dir string) []string {
				os.MkdirAll(filepath.Join(dir, "work", "sync.lock"), 0o700)
				return nil
			}},
		{name: "upload fails", args: []string{"--dest", "s3://no-such-bucket/baton/demo/sync.c1z", "--endpoint", s3.URL, "--region", "us-east-1"},
			want: "upload to s3://no-such-bucket/baton/demo/sync.c1z failed: NoSuchBucket: The specified bucket does not exist; the previous object in S3 is unchanged", keeps: true,
			setup: func(t *testing.T, dir string) []string { return s3.AWSEnv(t, filepath.Dir(dir)) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir, env := generateProfile(t, bin, tt.args...)
			env = append(env, tt.setup(t, dir)...)
			r := run(t, env, "/bin/sh", filepath.Join(dir, "sync.sh"))
			if r.code == 0 {
				t.Fatalf("exit 0:\n%s", r.out)
			}
			checkLog(t, r.out, true)
			if line := failureLine(r.out); !strings.Contains(line, tt.want) || (tt.wantRe != nil && !tt.wantRe.MatchString(line)) {
				t.Errorf("want reason %q:\n%s", tt.want, r.out)
			}
			if _, err := os.Stat(filepath.Join(dir, "sync.c1z")); (err == nil) != tt.keeps {
				t.Errorf("sync.c1z exists: %v", err == nil)
			}
		})
	}

	// The demo connector is baton-setup itself: a copy of it in a
	// directory of the test's is both programs sync.sh runs.
	copySelf := func(t *testing.T, mode os.FileMode) (string, string) {
		t.Helper()
		dir := filepath.Join(t.TempDir(), "bin")
		os.Mkdir(dir, 0o755)
		self := filepath.Join(dir, "baton-setup")
		data, _ := os.ReadFile(bin)
		os.WriteFile(self, data, mode)
		return dir, self
	}
	for _, tt := range []struct {
		name, want string
		change     func(binDir, self string)
	}{
		{"program writable by every user", "/bin/baton-setup may be written by every user (-rwxrwxrwx",
			func(_, self string) { os.Chmod(self, 0o777) }},
		{"program writable by its group", "/bin/baton-setup may be written by its group (-rwxrwxr-x",
			func(_, self string) { os.Chmod(self, 0o775) }},
		{"program in a directory every user may write to", "/bin may be written by every user (drwxrwxrwx",
			func(binDir, _ string) { os.Chmod(binDir, 0o777) }},
		{"program through a link into a directory every user may write to", "/open may be written by every user (drwxrwxrwx",
			func(binDir, self string) {
				open := filepath.Join(filepath.Dir(binDir), "open")
				os.Mkdir(open, 0o755)
				os.Chmod(open, 0o777)
				os.Rename(self, filepath.Join(open, "baton-setup"))
				os.Symlink("../open/baton-setup", self)
			}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			binDir, self := copySelf(t, 0o755)
			dir, env := generateProfile(t, self)
			tt.change(binDir, self)
			r := run(t, env, "/bin/sh", filepath.Join(dir, "sync.sh"))
			checkLog(t, r.out, true)
			want := tt.want + "), so whoever can change it could run their own code as you through the connector (" + self + ")"
			if r.code == 0 || !strings.Contains(failureLine(r.out), want) {
				t.Errorf("exit %d, want a line with %q:\n%s", r.code, want, r.out)
			}
			if _, err := os.Stat(filepath.Join(dir, "work")); !os.IsNotExist(err) {
				t.Errorf("sync.sh wrote before it refused: %v", err)
			}
		})
	}
	t.Run("programs under a sticky directory of root's", func(t *testing.T) {
		binDir, self := copySelf(t, 0o755)
		os.Chmod(filepath.Dir(binDir), 0o777|os.ModeSticky)
		dir, env := generateProfile(t, self)
		if r := run(t, env, "/bin/sh", filepath.Join(dir, "sync.sh")); r.code != 0 {
			t.Errorf("exit %d:\n%s", r.code, r.out)
		}
	})

	t.Run("connector missing", func(t *testing.T) {
		// A copy of baton-setup is both the demo connector and the uploader.
		self := filepath.Join(t.TempDir(), "baton-setup")
		data, _ := os.ReadFile(bin)
		os.WriteFile(self, data, 0o755)
		dir, env := generateProfile(t, self)
		os.Remove(self)
		r := run(t, env, "/bin/sh", filepath.Join(dir, "sync.sh"))
		checkLog(t, r.out, true)
		if r.code == 0 || !strings.Contains(r.out, "sync failed: the connector "+self+" is missing or not executable") {
			t.Errorf("exit %d:\n%s", r.code, r.out)
		}
	})
	t.Run("baton-setup missing", func(t *testing.T) {
		dir, env := generateProfile(t, bin)
		script := filepath.Join(dir, "sync.sh")
		gone := filepath.Join(t.TempDir(), "baton-setup")
		data, _ := os.ReadFile(script)
		edited := strings.Replace(string(data), "BATON_SETUP="+shellescape.Quote(bin), "BATON_SETUP="+shellescape.Quote(gone), 1)
		if edited == string(data) {
			t.Fatalf("no BATON_SETUP= line for %s in sync.sh", bin)
		}
		os.WriteFile(script, []byte(edited), 0o700)
		r := run(t, env, "/bin/sh", script)
		checkLog(t, r.out, true)
		if r.code == 0 || !strings.Contains(r.out, "sync failed: baton-setup "+gone+" is missing or not executable") {
			t.Errorf("exit %d:\n%s", r.code, r.out)
		}
	})
}

// TestGenerateCommand covers the command's printed side: a dry run writes
// nothing and masks secrets, a regeneration prints a masked diff, and
// --scheduler systemd writes units and prints the systemctl commands.
func TestGenerateCommand(t *testing.T) {
	home := t.TempDir()
	dir := filepath.Join(home, "profile")
	env := append(testenv.CleanEnv(home), "BATON_API_KEY="+canary)
	base := []string{"generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--out", dir}

	r := run(t, env, bin, append(base, "--dry-run", "--schedule", "*/30 * * * *")...)
	if r.code != 0 || strings.Contains(r.out, canary) {
		t.Fatalf("dry run: exit %d\n%s", r.code, r.out)
	}
	for _, want := range []string{"dry run: nothing is written", "would write " + filepath.Join(dir, "sync.sh") + " (0700)", "  BATON_API_KEY=••••",
		"schedule: Every 30 minutes (server time, UTC) [*/30 * * * *]", "next runs: ", "warning: ConductorOne reads the sync file once an hour"} {
		if !strings.Contains(r.out, want) {
			t.Errorf("dry run output lacks %q:\n%s", want, r.out)
		}
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Fatal("dry run created the profile directory")
	}

	if r = run(t, env, bin, append(base, "--schedule", "hourly:7")...); r.code != 0 {
		t.Fatalf("generate: %s", r.out)
	}
	before, _ := os.ReadFile(filepath.Join(dir, "secrets.env"))
	env2 := append(testenv.CleanEnv(home), "BATON_API_KEY="+canary+"-rotated")
	r = run(t, env2, bin, append(base, "--schedule", "hourly:7", "--dry-run")...)
	if r.code != 0 || strings.Contains(r.out, canary) || !strings.Contains(r.out, "+BATON_API_KEY=•••• (new value)") || !strings.Contains(r.out, "unchanged "+filepath.Join(dir, "sync.sh")) {
		t.Errorf("dry-run regeneration:\n%s", r.out)
	}
	if after, _ := os.ReadFile(filepath.Join(dir, "secrets.env")); !bytes.Equal(before, after) {
		t.Error("dry run changed secrets.env")
	}
	r = run(t, env2, bin, append(base, "--schedule", "hourly:7")...)
	if r.code != 0 || !strings.Contains(r.out, "updated "+filepath.Join(dir, "secrets.env")) || !strings.Contains(r.out, "previous version saved to "+filepath.Join(dir, "backup", "secrets.env.")) {
		t.Errorf("regeneration:\n%s", r.out)
	}

	r = run(t, env2, bin, append(base, "--schedule", "daily:02:30", "--scheduler", "systemd")...)
	if r.code != 0 {
		t.Fatalf("systemd: %s", r.out)
	}
	for _, want := range []string{"wrote " + filepath.Join(dir, "baton-demo.timer"), "systemctl --user enable --now " + filepath.Join(dir, "baton-demo.timer")} {
		if !strings.Contains(r.out, want) {
			t.Errorf("systemd output lacks %q:\n%s", want, r.out)
		}
	}
	timer, _ := os.ReadFile(filepath.Join(dir, "baton-demo.timer"))
	if !strings.Contains(string(timer), "OnCalendar=*-*-* 02:30:00\n") || !strings.Contains(string(timer), "Persistent=true\n") {
		t.Errorf("timer:\n%s", timer)
	}

	for _, bad := range [][]string{
		{"--schedule", "@every 1h"},
		{"--schedule", "0 0 * * MON"},
		{"--scheduler", "at"},
		{"--scheduler", "systemd", "--install-cron"},
		{"--scheduler", "launchd", "--install-cron"},
	} {
		if r := run(t, env, bin, append(base, bad...)...); r.code != 2 {
			t.Errorf("%v: exit %d, want 2\n%s", bad, r.code, r.out)
		}
	}
}
