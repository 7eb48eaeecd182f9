package runlog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestLastRunLongLine reads past connector output far longer than a
// bufio.Scanner's default line limit: the newest run's failure, not an
// older success, is the result.
func TestLastRunLongLine(t *testing.T) {
	long := `{"level":"error","msg":"` + strings.Repeat("x", 200<<10) + `"}`
	log := strings.Join([]string{
		"2025-01-01T10:00:00Z baton-setup[p]: sync started",
		`{"level":"info","msg":"Sync complete."}`,
		"2025-01-01T10:00:05Z baton-setup[p]: uploaded to s3://b/k (100 bytes)",
		"2025-01-01T11:00:00Z baton-setup[p]: sync started",
		long,
		"2025-01-01T11:00:02Z baton-setup[p]: sync failed: the connector exited with status 1",
		"",
	}, "\n")
	path := filepath.Join(t.TempDir(), "sync.log")
	if err := os.WriteFile(path, []byte(log), 0o600); err != nil {
		t.Fatal(err)
	}
	run, err := Last(path)
	started, result := run.Started, run.Text()
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2025, 1, 1, 11, 0, 0, 0, time.UTC); !started.Equal(want) || result != "failed: the connector exited with status 1" {
		t.Errorf("last run %s %q, want %s and the failure", started, result, want)
	}
}
