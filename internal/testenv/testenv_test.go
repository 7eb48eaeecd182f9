package testenv

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestPTY(t *testing.T) {
	p := StartPTY(t, []string{"PATH=/usr/bin:/bin"}, "/bin/sh", "-c",
		`printf 'name? '; read name; stty -echo; printf 'secret? '; read s; stty echo; echo "hi $name, ${#s} letters"; exit 3`)
	if got := p.Expect("name? ", 10*time.Second); got != "name? " {
		t.Errorf("first match %q", got)
	}
	if !p.EchoOn() {
		t.Error("a new terminal does not echo")
	}
	p.SendLine("bob")
	p.Expect("secret? ", 10*time.Second)
	p.SendSecret("s3cret", 10*time.Second)
	between := p.Expect("letters", 10*time.Second)
	if !strings.Contains(between, "hi bob, 6") || strings.Contains(between, "s3cret") {
		t.Errorf("since the last match: %q", between)
	}
	if code := p.Wait(10 * time.Second); code != 3 {
		t.Errorf("exit %d, want 3", code)
	}
}

func TestFakeDockerRecords(t *testing.T) {
	dir := t.TempDir()
	d := FakeDocker(t, dir, "/nonexistent", "img:1", "")
	env := PrependPath(append(CleanEnv(dir), d.Env()...), dir)
	if r := Run(t, env, dir, nil, d.Path, "image", "inspect", "--format", "{{.Id}}", "img:1"); r.Code != 0 || r.Stdout != "sha256:0123\n" {
		t.Errorf("inspect a present image: %+v", r)
	}
	if r := Run(t, env, dir, nil, d.Path, "pull", "--quiet", "other:2"); r.Code != 1 || !strings.Contains(r.Stderr, "pull access denied for other") {
		t.Errorf("pull a missing image: %+v", r)
	}
	if got := d.Argv(t); got != "image inspect --format {{.Id}} img:1\npull --quiet other:2\n" {
		t.Errorf("argv: %q", got)
	}
	// Absolute paths: Run finds a bare name on the test's own PATH, where
	// the real crontab is.
	ct := FakeCrontab(t, dir, filepath.Join(dir, "table"))
	env = ct.Env(env)
	if r := Run(t, env, dir, nil, ct.Bin, "-l"); r.Code != 1 || !strings.Contains(r.Stderr, "no crontab for ") {
		t.Errorf("crontab -l of no table: %+v", r)
	}
	if r := Run(t, env, dir, strings.NewReader("5 4 * * * true\n"), ct.Bin, "-"); r.Code != 0 {
		t.Fatalf("crontab -: %+v", r)
	}
	if got := ct.Content(t); got != "5 4 * * * true\n" {
		t.Errorf("table: %q", got)
	}
	ct.LoseWrites(t)
	if r := Run(t, env, dir, strings.NewReader("lost\n"), ct.Bin, "-"); r.Code != 0 || ct.Content(t) != "5 4 * * * true\n" {
		t.Errorf("a lost write: %+v, table %q", r, ct.Content(t))
	}
	if got := Mode(t, filepath.Join(dir, "docker")); got != 0o755 {
		t.Errorf("docker mode %04o", got)
	}
}
