package c1z

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/testenv"
)

var bin string

func TestMain(m *testing.M) { os.Exit(testenv.Main(m, &bin)) }

// demoSync runs the real demo connector into file; failure picks one of
// its failure modes ("" for none).
func demoSync(t *testing.T, file, failure string) {
	t.Helper()
	run := testenv.DemoSync
	if failure != "" {
		run = testenv.DemoSyncFailing
	}
	code, out, err := run(context.Background(), bin, file, []string{"BATON_USER_COUNT=12", "BATON_DEMO_FAILURE=" + failure})
	if err != nil || (code == 0) != (failure == "") {
		t.Fatalf("demo sync (failure %q): exit %d, %v\n%s", failure, code, err, out)
	}
}

// TestSummarize reads real files of the demo connector: a finished sync,
// an unfinished one, garbage, a missing file and a directory.
func TestSummarize(t *testing.T) {
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

	// A type of which nothing was found is still listed, with its trait.
	none := filepath.Join(dir, "zero-users.c1z")
	code, out, err := testenv.DemoSync(ctx, bin, none, []string{"BATON_DEMO_FAILURE=zero-users"})
	if err != nil || code != 0 {
		t.Fatalf("demo sync: exit %d, %v\n%s", code, err, out)
	}
	s, err = Summarize(ctx, none, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if i := slices.IndexFunc(s.ByType, func(tc TypeCount) bool { return tc.ResourceType == "user" }); i < 0 || s.ByType[i].Resources != 0 || !s.ByType[i].HasTrait(TraitUser) {
		t.Errorf("zero users: %+v", s.ByType)
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

// sync runs the demo connector into a new file with extra flags.
func syncFile(t *testing.T, extra ...string) string {
	t.Helper()
	file := filepath.Join(t.TempDir(), "sync.c1z")
	code, out, err := testenv.DemoSync(context.Background(), bin, file, []string{"BATON_USER_COUNT=40"}, extra...)
	if err != nil || code != 0 {
		t.Fatalf("demo sync: exit %d, %v\n%s", code, err, out)
	}
	return file
}

// TestSummarizeBothFormats reads a Pebble (v3) and a SQLite (v1) file of
// the same data and expects the same counts.
func TestSummarizeBothFormats(t *testing.T) {
	for _, tt := range []struct {
		engine, format string
	}{
		{"pebble", "v3"},
		{"sqlite", "v1"},
	} {
		t.Run(tt.engine, func(t *testing.T) {
			s, err := Summarize(context.Background(), syncFile(t, "--storage-engine", tt.engine), t.TempDir())
			if err != nil {
				t.Fatal(err)
			}
			if s.Format != tt.format || s.Engine != tt.engine {
				t.Errorf("format %s engine %s, want %s %s", s.Format, s.Engine, tt.format, tt.engine)
			}
			if s.SyncID == "" || s.EndedAt.IsZero() || s.Duration <= 0 {
				t.Errorf("sync run: %+v", s)
			}
			if s.Count("user") != 40 || s.Count("group") != 2 || s.Count("role") != 3 || s.ResourceTypes != 3 {
				t.Errorf("counts: %+v", s.ByType)
			}
			// 40 group memberships and 40 role assignments.
			if s.Grants != 80 || s.Entitlements != 5 {
				t.Errorf("grants %d entitlements %d", s.Grants, s.Entitlements)
			}
			// The traits the connector declared for each type.
			for _, tc := range s.ByType {
				if want := []string{tc.ResourceType}; !slices.Equal(tc.Traits, want) {
					t.Errorf("%s traits %v, want %v", tc.ResourceType, tc.Traits, want)
				}
			}
		})
	}
}

func TestSummarizeRejects(t *testing.T) {
	dir := t.TempDir()
	garbage := filepath.Join(dir, "garbage.c1z")
	os.WriteFile(garbage, []byte("C1ZX not really"), 0o600)
	empty := filepath.Join(dir, "empty.c1z")
	os.WriteFile(empty, nil, 0o600)
	for _, tt := range []struct{ name, path, want string }{
		{"garbage", garbage, "open sync file"},
		{"empty", empty, "the file is empty"},
		{"missing", filepath.Join(dir, "nope.c1z"), "no such file"},
		{"directory", dir, "not a regular file"},
	} {
		if _, err := Summarize(context.Background(), tt.path, t.TempDir()); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
}
