package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// ForkingConnector is a stand-in connector whose call with one argument
// (config, --help, capabilities or --version) starts a child that keeps
// the connector's stdout and stderr open, as a connector that leaves a
// helper process behind does. Every other call answers as a tiny
// connector would; a sync never finishes.
type ForkingConnector struct {
	// Path is the script.
	Path string
	// Pids lists the children the script started, one per line.
	Pids string
}

// NewForkingConnector writes the script into dir. The call with arg forks
// a child that sleeps for a minute holding the output; with hang the
// script itself then sleeps as long, otherwise it answers and exits 0.
func NewForkingConnector(t testing.TB, dir, arg string, hang bool) ForkingConnector {
	t.Helper()
	c := ForkingConnector{Path: filepath.Join(dir, "baton-forking"), Pids: filepath.Join(dir, "children")}
	wait := ""
	if hang {
		wait = "sleep 60"
	}
	script := fmt.Sprintf(`#!/bin/sh
for a in "$@"; do last=$a; done
case "$last" in
config) out='{"fields":[{"name":"tenant","isRequired":true,"stringField":{}},{"name":"api-key","isRequired":true,"isSecret":true,"stringField":{}}]}' ;;
capabilities) out='{"resourceTypeCapabilities":[{"resourceType":{"id":"user","traits":["TRAIT_USER"]}}]}' ;;
--version) out='baton-forking version v0.0.1' ;;
--help) out='Usage: baton-forking [flags]
      --skip-entitlements-and-grants   skip entitlements and grants
      --sync-resource-types strings    the resource types to sync' ;;
*) exec sleep 60 ;;
esac
if [ "$last" = %s ]; then
	sleep 60 &
	echo $! >>%s
	echo "$out"
	%s
	exit 0
fi
echo "$out"
`, shellQuote(arg), shellQuote(c.Pids), wait)
	if err := os.WriteFile(c.Path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return c
}

func shellQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'" }

// Children returns the pids of the children the script started.
func (c ForkingConnector) Children(t testing.TB) []int {
	t.Helper()
	data, err := os.ReadFile(c.Pids)
	if err != nil {
		t.Fatalf("the stand-in connector started no child: %v", err)
	}
	var pids []int
	for _, f := range strings.Fields(string(data)) {
		pid, err := strconv.Atoi(f)
		if err != nil {
			t.Fatal(err)
		}
		pids = append(pids, pid)
	}
	return pids
}

// RequireGone fails the test unless every child the script started has
// ended (or is a zombie waiting for init) within two seconds.
func (c ForkingConnector) RequireGone(t testing.TB) {
	t.Helper()
	for _, pid := range c.Children(t) {
		gone := Poll(2*time.Second, 20*time.Millisecond, func() bool { return !alive(pid) })
		if !gone {
			t.Errorf("the connector's child %d is still running", pid)
			_ = syscall.Kill(pid, syscall.SIGKILL)
		}
	}
}

func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return syscall.Kill(pid, 0) == nil
	}
	// The state follows the command name, which ends with ')'.
	s := string(data)
	if i := strings.LastIndexByte(s, ')'); i >= 0 && i+2 < len(s) {
		return s[i+2] != 'Z'
	}
	return true
}
