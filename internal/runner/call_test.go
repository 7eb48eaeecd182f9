package runner

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestOutputForkingConnector calls a stand-in connector that leaves a
// child holding its stdout: the call returns in about a second whether
// the connector exits, hangs past the timeout or is cancelled, and the
// child is gone.
func TestOutputForkingConnector(t *testing.T) {
	for _, tt := range []struct {
		name    string
		hang    bool
		timeout time.Duration
		cancel  time.Duration
		wantErr error
		wantOut string
	}{
		{name: "exits and leaves a child", wantOut: "baton-forking version v0.0.1\n"},
		{name: "hangs past the timeout", hang: true, timeout: 300 * time.Millisecond, wantErr: context.DeadlineExceeded},
		{name: "hangs until cancelled", hang: true, cancel: 300 * time.Millisecond, wantErr: context.Canceled},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c := testenv.NewForkingConnector(t, t.TempDir(), "--version", tt.hang)
			ctx := context.Background()
			if tt.cancel > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithCancel(ctx)
				time.AfterFunc(tt.cancel, cancel)
			}
			start := time.Now()
			out, _, err := Output(ctx, Call{Path: c.Path, Args: []string{"--version"}, Dir: t.TempDir(), Env: os.Environ(), Timeout: tt.timeout})
			took := time.Since(start)
			if !errors.Is(err, tt.wantErr) || (tt.wantErr == nil && err != nil) {
				t.Errorf("error %v, want %v", err, tt.wantErr)
			}
			if tt.wantOut != "" && string(out) != tt.wantOut {
				t.Errorf("stdout %q, want %q", out, tt.wantOut)
			}
			if took > tt.timeout+tt.cancel+callWaitDelay+2*time.Second {
				t.Errorf("the call took %s", took)
			}
			c.RequireGone(t)
		})
	}
}

func TestOutputFailure(t *testing.T) {
	stdout, stderr, err := Output(context.Background(), Call{Path: "/bin/sh", Args: []string{"-c", "echo out; echo err >&2; exit 3"}, Env: []string{}})
	if err == nil || !strings.Contains(err.Error(), "exit status 3") || string(stdout) != "out\n" || string(stderr) != "err\n" {
		t.Errorf("%q %q %v", stdout, stderr, err)
	}
	if _, _, err := Output(context.Background(), Call{Path: "/nonexistent/baton-x"}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("missing binary: %v", err)
	}
}
