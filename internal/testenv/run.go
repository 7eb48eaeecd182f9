package testenv

import (
	"bytes"
	"context"
	"errors"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// Result is what a finished command wrote and its exit code.
type Result struct {
	Stdout, Stderr string
	Code           int
}

// Run runs name with env in dir, reading stdin when it is not nil, and
// waits at most three minutes for it. It fails the test only when the
// command cannot run; a non-zero exit is the caller's to judge. A bare
// name is looked up on the test process's PATH, not env's: give stand-ins
// by their absolute path.
func Run(t testing.TB, env []string, dir string, stdin io.Reader, name string, args ...string) Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Env, cmd.Dir, cmd.Stdin = env, dir, stdin
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	r := Result{Stdout: stdout.String(), Stderr: stderr.String()}
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		r.Code = exit.ExitCode()
	} else if err != nil {
		t.Fatalf("run %s: %v", name, err)
	}
	return r
}

// Mode returns the permission bits of path.
func Mode(t testing.TB, path string) os.FileMode {
	t.Helper()
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return st.Mode().Perm()
}

// PrependPath returns a copy of env with dir first on its PATH.
func PrependPath(env []string, dir string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "PATH="); ok {
			kv = "PATH=" + dir + ":" + v
		}
		out = append(out, kv)
	}
	return out
}
