// Package runlog reads what runs of a profile's sync.sh left in its
// sync.log: when the last one started, how it ended and why, and what it
// warned of. status, doctor and the home screen read runs through it.
package runlog

import (
	"os"
	"strings"
	"time"

	"github.com/conductorone/baton-setup/internal/synclog"
)

// Results of a run.
const (
	ResultOK      = "ok"
	ResultFailed  = "failed"
	ResultRunning = "running or interrupted"
	ResultSkipped = "skipped"
)

// Run is the newest run in a sync.log.
type Run struct {
	Started time.Time `json:"started,omitzero"`
	Result  string    `json:"result,omitempty"`
	// Reason is a failed run's one-line reason, with the connector's own
	// error where sync.sh could tell it.
	Reason   string   `json:"reason,omitempty"`
	Warnings []string `json:"warnings,omitempty"`
}

// Text says how the run ended in a few words: "ok", "ok, 1 warning: …",
// "failed: …", "running or interrupted".
func (r Run) Text() string {
	switch {
	case r.Result == ResultFailed:
		return "failed: " + r.Reason
	case r.Result == ResultSkipped:
		return "skipped: previous run still active"
	case r.Result == ResultOK && len(r.Warnings) == 1:
		return "ok, with a warning: " + r.Warnings[0]
	case r.Result == ResultOK && len(r.Warnings) > 1:
		return "ok, with warnings: " + strings.Join(r.Warnings, "; ")
	}
	return r.Result
}

// maxLine bounds how much of one sync.log line is read: a connector may
// log a huge line, which must not hide the runs after it.
const maxLine = 4096

// Last reads the newest run from the sync.log at path.
func Last(path string) (Run, error) {
	f, err := os.Open(path)
	if err != nil {
		return Run{}, err
	}
	defer f.Close()
	var run Run
	lastErr := ""
	err = synclog.EachLine(f, maxLine, func(line string) {
		if e, ok := strings.CutPrefix(line, "error: "); ok {
			// What baton-setup upload said; an older sync.sh only pointed at it.
			lastErr = e
			return
		}
		ts, rest, ok := strings.Cut(line, " ")
		if !ok || !strings.HasPrefix(rest, "baton-setup[") {
			return
		}
		_, msg, ok := strings.Cut(rest, ": ")
		if !ok {
			return
		}
		switch {
		case msg == "sync started":
			if t, err := time.Parse(time.RFC3339, ts); err == nil {
				run, lastErr = Run{Started: t, Result: ResultRunning}, ""
			}
		case strings.HasPrefix(msg, "sync failed: "):
			run.Result, run.Reason = ResultFailed, strings.TrimPrefix(msg, "sync failed: ")
			if lastErr != "" {
				run.Reason = strings.Replace(run.Reason, " (reason above)", ": "+lastErr, 1)
			}
		case strings.HasPrefix(msg, "warning: "):
			run.Warnings = append(run.Warnings, strings.TrimPrefix(msg, "warning: "))
		case strings.HasPrefix(msg, "uploaded to "), strings.HasPrefix(msg, "upload ") && strings.Contains(msg, "by hand"):
			run.Result = ResultOK
		case strings.HasPrefix(msg, "previous run still active"):
			run.Result = ResultSkipped
		}
	})
	return run, err
}
