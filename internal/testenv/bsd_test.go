package testenv

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBSDUserland checks the stand-ins themselves: BSD spellings work,
// GNU-only and long options are refused and recorded.
func TestBSDUserland(t *testing.T) {
	dir := t.TempDir()
	BSDUserland(t, dir, true)
	work := t.TempDir()
	file := filepath.Join(work, "f")
	if err := os.WriteFile(file, []byte("x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := []string{"PATH=" + dir}
	sh := func(script string) Result {
		t.Helper()
		return Run(t, env, work, nil, "/bin/sh", "-c", script)
	}
	for _, ok := range []string{
		`stat -L -f %d:%i f`, `date -u +%Y`, `mktemp -d "$PWD/tmp.XXXXXX"`, `mv -f f g && mv g f`,
		`timeout -s INT -k 5 10 /bin/sh -c :`, `ls -ld f`, `wc -c <f`, `grep -q x f`, `id -u`, `ps -p $$ -o args=`,
	} {
		if r := sh(ok); r.Code != 0 {
			t.Errorf("%s: exit %d\n%s%s", ok, r.Code, r.Stdout, r.Stderr)
		}
	}
	refused := []string{
		`stat -c %d:%i f`, `stat --format=%i f`, `date -d yesterday`, `date --utc`, `mktemp -p . x.XXXXXX`,
		`mktemp --tmpdir x.XXXXXX`, `mv -T f g`, `timeout --signal=INT 1 /bin/sh -c :`, `flock --nonblock 9`, `ls --color f`,
		`grep -P x f`, `rm --force g`,
	}
	for _, bad := range refused {
		if r := sh(bad); r.Code != 1 || !strings.Contains(r.Stderr, "usage: ") {
			t.Errorf("%s: exit %d, want 1 with a usage line\n%s%s", bad, r.Code, r.Stdout, r.Stderr)
		}
	}
	if got := len(BSDRefusals(t, dir)); got != len(refused) {
		t.Errorf("recorded %d refusals, want %d: %q", got, len(refused), BSDRefusals(t, dir))
	}

	bare := t.TempDir()
	BSDUserland(t, bare, false)
	names, _ := filepath.Glob(filepath.Join(bare, "*"))
	for i, n := range names {
		names[i] = filepath.Base(n)
	}
	if slices.Contains(names, "timeout") || slices.Contains(names, "flock") || !slices.Contains(names, "stat") {
		t.Errorf("without timeout and flock: %q", names)
	}
}
