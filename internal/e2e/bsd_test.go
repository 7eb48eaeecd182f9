package e2e

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestSyncScriptOnBSDUserland runs generated sync.sh scripts the way cron
// or launchd would on macOS: with a PATH that holds only BSD-like
// stand-ins (testenv.BSDUserland), once with timeout and flock stand-ins
// that take only short options and once with neither, as macOS ships. Each
// time the sync must deliver to a local file and to the S3 server, the time
// limit must stop a hanging connector, two runs must exclude each other
// and sync.log must rotate. There is no macOS machine here; the stand-ins
// refuse what the BSD commands would refuse, and the only refusal allowed
// is the feature test of GNU stat's -c.
func TestSyncScriptOnBSDUserland(t *testing.T) {
	for _, tools := range []struct {
		name           string
		lockAndTimeout bool
	}{{"with timeout and flock", true}, {"without timeout and flock", false}} {
		t.Run(tools.name, func(t *testing.T) {
			pathDir := t.TempDir()
			testenv.BSDUserland(t, pathDir, tools.lockAndTimeout)
			t.Cleanup(func() {
				for _, r := range testenv.BSDRefusals(t, pathDir) {
					if !strings.HasPrefix(r, "stat -L -c ") {
						t.Errorf("a stand-in refused: %s", r)
					}
				}
			})
			newProfile := func(t *testing.T, args ...string) *bsdProfile {
				return newBSDProfile(t, pathDir, args...)
			}
			// checkLock checks which lock a run took (flock's file, or the
			// fallback's directory) and that it left no lock directory.
			checkLock := func(t *testing.T, p *bsdProfile) {
				t.Helper()
				_, errFile := os.Stat(filepath.Join(p.dir, "work", "sync.lock"))
				if (errFile == nil) != tools.lockAndTimeout {
					t.Errorf("work/sync.lock exists: %v; flock was on PATH: %v", errFile == nil, tools.lockAndTimeout)
				}
				if _, err := os.Stat(filepath.Join(p.dir, "work", "sync.lock.d")); err == nil {
					t.Error("the lock directory is left behind")
				}
			}

			t.Run("local file", func(t *testing.T) {
				p := newProfile(t)
				r := p.sync(t)
				p.checkGood(t, r)
				if st, err := os.Stat(filepath.Join(p.dir, "sync.c1z")); err != nil || st.Size() == 0 {
					t.Errorf("sync.c1z: %v", err)
				}
				checkLock(t, p)
			})

			t.Run("S3", func(t *testing.T) {
				s3 := testenv.NewS3(t, "sync-bucket")
				p := newProfile(t, "--dest", "s3://sync-bucket/baton/demo/sync.c1z", "--region", "us-east-1", "--endpoint", s3.URL)
				r := p.sync(t, s3.AWSEnv(t, p.home)...)
				p.checkGood(t, r)
				if !strings.Contains(r.out, "uploaded to s3://sync-bucket/baton/demo/sync.c1z") {
					t.Errorf("no upload line:\n%s", r.out)
				}
				if obj := s3.Get(t, "sync-bucket", "baton/demo/sync.c1z"); len(obj) == 0 {
					t.Error("the bucket holds no sync file")
				}
			})

			t.Run("time limit", func(t *testing.T) {
				p := newProfile(t, "--timeout", "2s")
				r := p.sync(t, "BATON_DEMO_FAILURE=hang")
				p.checkFailed(t, r, "the connector ran longer than 2s and was stopped")
				if r.took > 30*time.Second {
					t.Errorf("the run took %s", r.took)
				}
				checkLock(t, p)
			})

			t.Run("overlap", func(t *testing.T) {
				p := newProfile(t)
				results := make(chan bsdRun, 2)
				for range 2 {
					go func() { results <- p.sync(t, "BATON_DEMO_FAILURE=slow") }()
				}
				a, b := <-results, <-results
				if strings.Contains(a.out, "previous run still active") {
					a, b = b, a
				}
				p.checkGood(t, a)
				if b.code != 0 || !strings.Contains(b.out, "previous run still active; skipping this run") || strings.Contains(b.out, "sync started") {
					t.Fatalf("the second run: exit %d\n%s", b.code, b.out)
				}
				if b.took >= a.took {
					t.Errorf("the second run took %s, the first %s; it should have stopped at once", b.took, a.took)
				}
				checkLock(t, p)
			})

			t.Run("log rotation", func(t *testing.T) {
				p := newProfile(t)
				logFile := filepath.Join(p.dir, "sync.log")
				old := bytes.Repeat([]byte("2026-01-01T00:00:00Z baton-setup[demo]: an old line\n"), 1<<20/50+1)
				if err := os.WriteFile(logFile, old, 0o600); err != nil {
					t.Fatal(err)
				}
				// As cron runs it: the script's own output goes to sync.log.
				r := p.run(t, nil, "/bin/sh", "-c", `"$0" >>"$1" 2>&1`, p.script, logFile)
				if r.code != 0 {
					t.Fatalf("exit %d\n%s", r.code, r.out)
				}
				if rotated, _ := os.ReadFile(logFile + ".1"); !bytes.Equal(rotated, old) {
					t.Errorf("sync.log.1 holds %d bytes, want the old log's %d exactly", len(rotated), len(old))
				}
				current, _ := os.ReadFile(logFile)
				if !strings.Contains(string(current), "log rotated") || !strings.Contains(string(current), "sync finished") || len(current) > 4096 {
					t.Errorf("new sync.log (%d bytes):\n%s", len(current), current)
				}
			})

			if tools.lockAndTimeout {
				return
			}
			t.Run("stale lock", func(t *testing.T) {
				testenv.RequireTool(t, "ps")
				gone := exec.Command("/bin/sh", "-c", "exit 0")
				if err := gone.Run(); err != nil {
					t.Fatal(err)
				}
				// A live process that is not a sync.sh: its pid was reused.
				other := exec.Command("/bin/sh", "-c", "sleep 60; :")
				// A live sync.sh: the lock is held.
				owner := exec.Command("/bin/sh", "-c", "sleep 60; :", "sync.sh")
				for _, c := range []*exec.Cmd{other, owner} {
					c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
					if err := c.Start(); err != nil {
						t.Fatal(err)
					}
					t.Cleanup(func() { _ = syscall.Kill(-c.Process.Pid, syscall.SIGKILL); _ = c.Wait() })
				}
				for _, tt := range []struct {
					name  string
					owner string
					held  bool
				}{
					{"owner gone", fmt.Sprint(gone.Process.Pid), false},
					{"pid reused", fmt.Sprint(other.Process.Pid), false},
					{"no pid written", "", false},
					{"owner runs", fmt.Sprint(owner.Process.Pid), true},
				} {
					t.Run(tt.name, func(t *testing.T) {
						p := newProfile(t)
						lock := filepath.Join(p.dir, "work", "sync.lock.d")
						if err := os.MkdirAll(lock, 0o700); err != nil {
							t.Fatal(err)
						}
						if tt.owner != "" {
							os.WriteFile(filepath.Join(lock, "pid"), []byte(tt.owner+"\n"), 0o600)
						}
						r := p.sync(t)
						if tt.held {
							if r.code != 0 || !strings.Contains(r.out, "previous run still active; skipping this run") || strings.Contains(r.out, "sync started") {
								t.Errorf("exit %d\n%s", r.code, r.out)
							}
							if _, err := os.Stat(lock); err != nil {
								t.Errorf("the owner's lock is gone: %v", err)
							}
							return
						}
						p.checkGood(t, r)
						owner := tt.owner
						if owner == "" {
							owner = "(no pid)"
						}
						if !strings.Contains(r.out, "took over the lock of run "+owner+", which is gone") {
							t.Errorf("no takeover line:\n%s", r.out)
						}
						checkLock(t, p)
					})
				}
			})
		})
	}
}

// bsdProfile is a demo profile whose sync.sh finds only the stand-ins.
type bsdProfile struct {
	dir, script, home, pathDir string
}

type bsdRun struct {
	out  string // stdout and stderr as a log file would interleave them
	code int
	took time.Duration
}

func newBSDProfile(t *testing.T, pathDir string, args ...string) *bsdProfile {
	t.Helper()
	home := t.TempDir()
	p := &bsdProfile{dir: filepath.Join(home, "profile"), home: home, pathDir: pathDir}
	p.script = filepath.Join(p.dir, "sync.sh")
	env := append(testenv.CleanEnv(home), "BATON_API_KEY="+canary, "AWS_EC2_METADATA_DISABLED=true")
	args = append([]string{"generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local",
		"--schedule", "hourly:7", "--out", p.dir}, args...)
	if r := run(t, env, home, bin, args...); r.code != 0 {
		t.Fatalf("generate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	// sync.sh sets its own PATH; point it at the stand-ins alone.
	data, err := os.ReadFile(p.script)
	if err != nil {
		t.Fatal(err)
	}
	pathLine := regexp.MustCompile(`(?m)^PATH=.*$`)
	if n := len(pathLine.FindAllIndex(data, -1)); n != 1 {
		t.Fatalf("sync.sh has %d PATH= lines, want 1", n)
	}
	data = pathLine.ReplaceAll(data, []byte("PATH="+pathDir))
	if err := os.WriteFile(p.script, data, 0o700); err != nil {
		t.Fatal(err)
	}
	return p
}

// sync runs sync.sh with /bin/sh in the environment a scheduler gives,
// plus extra.
func (p *bsdProfile) sync(t *testing.T, extra ...string) bsdRun {
	t.Helper()
	return p.run(t, extra, "/bin/sh", p.script)
}

func (p *bsdProfile) run(t *testing.T, extra []string, name string, args ...string) bsdRun {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env = append([]string{"PATH=" + p.pathDir, "HOME=" + p.home, "AWS_EC2_METADATA_DISABLED=true"}, extra...)
	cmd.Dir = p.home
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	err := cmd.Run()
	r := bsdRun{out: out.String(), took: time.Since(start)}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("run sync.sh: %v", err)
	}
	if strings.Contains(r.out, canary) {
		t.Error("sync.sh printed the secret")
	}
	return r
}

func (p *bsdProfile) checkGood(t *testing.T, r bsdRun) {
	t.Helper()
	if r.code != 0 || !strings.Contains(r.out, "sync finished: "+filepath.Join(p.dir, "sync.c1z")) || strings.Contains(r.out, "sync failed") {
		t.Errorf("exit %d\n%s", r.code, r.out)
	}
	if strings.Contains(r.out, "not found") || strings.Contains(r.out, "usage: ") && !strings.Contains(r.out, "usage: stat") {
		t.Errorf("a command was missing or refused:\n%s", r.out)
	}
}

// checkFailed checks for exactly one "sync failed: <reason>" line, the last.
func (p *bsdProfile) checkFailed(t *testing.T, r bsdRun, reason string) {
	t.Helper()
	lines := strings.Split(strings.TrimSpace(r.out), "\n")
	if r.code == 0 || strings.Count(r.out, "sync failed: ") != 1 || !strings.Contains(lines[len(lines)-1], "sync failed: "+reason) {
		t.Errorf("exit %d, want one last line \"sync failed: %s\":\n%s", r.code, reason, r.out)
	}
}
