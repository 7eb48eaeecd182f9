package runlog

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestLast(t *testing.T) {
	log := strings.Join([]string{
		"2026-12-07T10:00:00Z baton-setup[demo]: sync started",
		"2026-12-07T10:00:05Z baton-setup[demo]: uploaded to s3://b/k",
		"2026-12-07T11:00:00Z baton-setup[demo]: sync started",
		"2026-12-07T11:00:02Z baton-setup[demo]: warning: the sync found nothing: 0 resources of 3 resource types",
		"error: upload to s3://b/k: AccessDenied: the uploader may not write there",
		"hint: grant s3:PutObject",
		// A connector line far longer than what is read of it.
		strings.Repeat("x", 100<<10),
		"2026-12-07T11:00:03Z baton-setup[demo]: sync failed: upload to s3://b/k failed (reason above); the previous object in S3 is unchanged",
	}, "\n") + "\n"
	path := filepath.Join(t.TempDir(), "sync.log")
	os.WriteFile(path, []byte(log), 0o600)
	run, err := Last(path)
	if err != nil {
		t.Fatal(err)
	}
	if !run.Started.Equal(time.Date(2026, 12, 7, 11, 0, 0, 0, time.UTC)) || run.Result != ResultFailed ||
		run.Reason != "upload to s3://b/k failed: upload to s3://b/k: AccessDenied: the uploader may not write there; the previous object in S3 is unchanged" ||
		len(run.Warnings) != 1 {
		t.Errorf("%+v", run)
	}
	if !strings.HasPrefix(run.Text(), "failed: upload to s3://b/k failed: upload") {
		t.Errorf("Text = %q", run.Text())
	}
	ok := Run{Result: ResultOK, Warnings: []string{"no users were found"}}
	if ok.Text() != "ok, with a warning: no users were found" {
		t.Errorf("Text = %q", ok.Text())
	}
}
