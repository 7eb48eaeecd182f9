// Package c1z describes sync files and reads their summary through
// baton-setup-sdk, the companion program that links baton-sdk's reader
// (see internal/c1z/reader), so baton-setup itself starts without
// Pebble, SQLite and gRPC.
package c1z

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"time"

	"github.com/conductorone/baton-setup/internal/companion"
)

// ErrUnfinished means the file holds no finished sync: a failed or cut-short
// run. Such a file must never be uploaded.
var ErrUnfinished = errors.New("the file holds no finished sync")

// TypeCount is what one resource type holds.
type TypeCount struct {
	ResourceType string `json:"resourceType"`
	Resources    int64  `json:"resources"`
	Entitlements int64  `json:"entitlements"`
	Grants       int64  `json:"grants"`
}

// Summary describes the latest finished sync in a file.
type Summary struct {
	Path          string        `json:"path"`
	Size          int64         `json:"size"`
	Format        string        `json:"format"`
	Engine        string        `json:"engine"`
	SyncID        string        `json:"syncId"`
	StartedAt     time.Time     `json:"startedAt"`
	EndedAt       time.Time     `json:"endedAt"`
	Duration      time.Duration `json:"durationNs"`
	ResourceTypes int64         `json:"resourceTypes"`
	Resources     int64         `json:"resources"`
	Entitlements  int64         `json:"entitlements"`
	Grants        int64         `json:"grants"`
	ByType        []TypeCount   `json:"byType"`
}

// Count returns the resources of one type.
func (s Summary) Count(resourceType string) int64 {
	for _, t := range s.ByType {
		if t.ResourceType == resourceType {
			return t.Resources
		}
	}
	return 0
}

// Stat checks that path is a non-empty regular file, the first thing any
// reader must know.
func Stat(path string) (os.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read sync file: %w", err)
	}
	if st.Size() == 0 {
		return nil, fmt.Errorf("read sync file %s: the file is empty", path)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read sync file %s: not a regular file", path)
	}
	return st, nil
}

// SummaryCommand is the companion's subcommand that reads a file's summary.
// Given no FILE it reads a Request from stdin, so it can start before the
// file exists; it prints a Result as JSON on stdout.
const SummaryCommand = "summary"

// Request names the file a started companion reads.
type Request struct {
	Path string `json:"path"`
}

// Result is what the companion prints: the summary, or the error.
type Result struct {
	Summary    *Summary `json:"summary,omitempty"`
	Error      string   `json:"error,omitempty"`
	Unfinished bool     `json:"unfinished,omitempty"`
}

// NewResult is the companion's side: the summary or the error of a read.
func NewResult(sum Summary, err error) Result {
	if err != nil {
		return Result{Error: err.Error(), Unfinished: errors.Is(err, ErrUnfinished)}
	}
	return Result{Summary: &sum}
}

// Summarize reads the stats of the latest finished sync in path with the
// companion (internal/c1z/reader does the reading). tmpDir holds the
// extracted database while it is open and may be "" for the OS default.
func Summarize(ctx context.Context, path, tmpDir string) (Summary, error) {
	if _, err := Stat(path); err != nil {
		return Summary{}, err
	}
	r, err := StartReader(ctx, tmpDir)
	if err != nil {
		return Summary{}, fmt.Errorf("read sync file %s: %w", path, err)
	}
	return r.Summarize(path)
}

// Reader is the companion started ahead of the file it will read: its
// start-up, about 45 ms of baton-sdk initialisation, then overlaps the
// sync that writes the file. Call Summarize once, or Close.
type Reader struct {
	ctx            context.Context
	cmd            *exec.Cmd
	stdin          io.WriteCloser
	stdout, stderr bytes.Buffer
	mu             sync.Mutex
	used           bool
}

// StartReader starts the companion waiting for a file; it stops with ctx.
func StartReader(ctx context.Context, tmpDir string) (*Reader, error) {
	bin, err := companion.Path(ctx)
	if err != nil {
		return nil, err
	}
	args := []string{SummaryCommand}
	if tmpDir != "" {
		args = append(args, "--tmp-dir", tmpDir)
	}
	r := &Reader{ctx: ctx, cmd: exec.CommandContext(ctx, bin, args...)}
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	if r.stdin, err = r.cmd.StdinPipe(); err != nil {
		return nil, fmt.Errorf("start %s: %w", companion.Name, err)
	}
	if err := r.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", companion.Name, err)
	}
	return r, nil
}

// Summarize hands path to the started companion and returns what it read.
func (r *Reader) Summarize(path string) (Summary, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.used {
		return Summary{}, fmt.Errorf("read sync file %s: the reader was already used", path)
	}
	r.used = true
	if _, err := Stat(path); err != nil {
		r.stop()
		return Summary{}, err
	}
	// JSON, not a line: a path may hold any byte but NUL.
	reqErr := json.NewEncoder(r.stdin).Encode(Request{Path: path})
	_ = r.stdin.Close()
	runErr := r.cmd.Wait()
	if r.ctx.Err() != nil {
		return Summary{}, fmt.Errorf("read sync file %s: %w", path, r.ctx.Err())
	}
	var res Result
	if err := json.Unmarshal(r.stdout.Bytes(), &res); err != nil || (res.Summary == nil && res.Error == "") {
		why := strings.TrimSpace(r.stderr.String())
		switch {
		case why != "":
		case runErr != nil:
			why = runErr.Error()
		case reqErr != nil:
			why = reqErr.Error()
		}
		return Summary{}, fmt.Errorf("read sync file %s: %s gave no result: %s", path, companion.Name, why)
	}
	switch {
	case res.Unfinished:
		return Summary{}, fmt.Errorf("check sync file %s: %w", path, ErrUnfinished)
	case res.Error != "":
		return Summary{}, errors.New(res.Error)
	}
	return *res.Summary, nil
}

// Close stops an unused reader: with no request on stdin the companion
// exits at once.
func (r *Reader) Close() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.used {
		r.used = true
		r.stop()
	}
}

func (r *Reader) stop() {
	_ = r.stdin.Close()
	_ = r.cmd.Wait()
}
