package c1z

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/testenv"
)

var bin string

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &bin)) }

// demoSync runs the real demo connector into file; failure picks one of
// its failure modes ("" for none).
func demoSync(t *testing.T, file, failure string) {
	t.Helper()
	code, out, err := testenv.DemoSync(context.Background(), bin, file, []string{"BATON_USER_COUNT=12", "BATON_DEMO_FAILURE=" + failure})
	if err != nil || (code == 0) != (failure == "") {
		t.Fatalf("demo sync (failure %q): exit %d, %v\n%s", failure, code, err, out)
	}
}

// TestSummarizeThroughCompanion reads real files through baton-setup-sdk:
// the counts cross the process boundary intact, and its errors keep their
// meaning.
func TestSummarizeThroughCompanion(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	finished := filepath.Join(dir, "finished.c1z")
	demoSync(t, finished, "")
	s, err := Summarize(ctx, finished, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if s.Count("user") != 12 || s.Count("group") != 1 || s.Grants != 24 || s.SyncID == "" || s.Duration <= 0 || s.Path != finished {
		t.Errorf("summary: %+v", s)
	}

	unfinished := filepath.Join(t.TempDir(), "unfinished.c1z")
	demoSync(t, unfinished, "fail-midsync")
	_, err = Summarize(ctx, unfinished, "")
	if !errors.Is(err, ErrUnfinished) || err.Error() != "check sync file "+unfinished+": the file holds no finished sync" {
		t.Errorf("unfinished: %v", err)
	}

	garbage := filepath.Join(dir, "garbage.c1z")
	os.WriteFile(garbage, []byte("not a sync file at all"), 0o600)
	_, err = Summarize(ctx, garbage, "")
	if err == nil || errors.Is(err, ErrUnfinished) || !strings.HasPrefix(err.Error(), "open sync file "+garbage+": ") {
		t.Errorf("garbage: %v", err)
	}

	for _, tt := range []struct{ path, want string }{
		{filepath.Join(dir, "missing.c1z"), "read sync file: stat " + filepath.Join(dir, "missing.c1z") + ": no such file or directory"},
		{dir, "read sync file " + dir + ": not a regular file"},
	} {
		if _, err := Summarize(ctx, tt.path, ""); err == nil || err.Error() != tt.want {
			t.Errorf("%s: %v, want %q", tt.path, err, tt.want)
		}
	}
}

// TestReaderStartedAhead starts the reader before the file exists, as a
// test sync does, and names a file whose path holds a line break.
func TestReaderStartedAhead(t *testing.T) {
	r, err := StartReader(context.Background(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "odd\nname")
	os.Mkdir(dir, 0o700)
	file := filepath.Join(dir, "sync.c1z")
	demoSync(t, file, "")
	s, err := r.Summarize(file)
	if err != nil || s.Count("user") != 12 {
		t.Fatalf("summary %+v, %v", s, err)
	}
	if _, err := r.Summarize(file); err == nil {
		t.Error("a reader was used twice")
	}
}

// TestReaderClose stops an unused reader: its process must be gone.
func TestReaderClose(t *testing.T) {
	r, err := StartReader(context.Background(), "")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan struct{})
	go func() { r.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("Close did not return")
	}
	if st := r.cmd.ProcessState; st == nil || st.ExitCode() != 0 {
		t.Errorf("companion state after Close: %v", st)
	}
	r.Close() // twice is harmless
}

// TestReaderCancelled stops the companion with the context.
func TestReaderCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	r, err := StartReader(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	cancel()
	_, err = r.Summarize(filepath.Join(t.TempDir(), "x.c1z"))
	if err == nil {
		t.Fatal("a cancelled reader read")
	}
	if r.cmd.ProcessState == nil {
		t.Error("the companion was not waited for")
	}
}
