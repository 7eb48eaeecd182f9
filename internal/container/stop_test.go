package container_test

import (
	"bytes"
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// containers lists the processes of the fake's containers still alive,
// found by the marker the fake gives each one.
func (f *fake) containers() []string {
	var out []string
	procs, _ := filepath.Glob("/proc/[0-9]*/environ")
	for _, p := range procs {
		data, err := os.ReadFile(p)
		if err != nil {
			continue
		}
		if bytes.Contains(data, []byte("FAKE_CONTAINER="+filepath.Join(f.Rec, "containers")+"/")) {
			out = append(out, filepath.Base(filepath.Dir(p)))
		}
	}
	return out
}

// noContainers fails when a container outlives its run, and kills it so
// that the test leaves nothing behind.
func (f *fake) noContainers(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for len(f.containers()) > 0 && time.Now().Before(deadline) {
		time.Sleep(100 * time.Millisecond)
	}
	if left := f.containers(); len(left) > 0 {
		t.Errorf("container processes still running: %v\ndocker argv:\n%s", left, f.Argv(t))
		for _, pid := range left {
			if n, err := strconv.Atoi(pid); err == nil {
				_ = syscall.Kill(n, syscall.SIGKILL)
			}
		}
	}
}

var runName = regexp.MustCompile(`(?m)^run --rm --name (baton-setup-[0-9a-f]{16}) --user `)

// TestStopContainer stops hung docker-mode test syncs through the real
// runner, with a docker CLI that does not stop its container: the runner
// must remove the container by name.
func TestStopContainer(t *testing.T) {
	args := []string{"test", "--connector", "demo", "--set", "tenant=acme", "--docker-image", "baton-demo:test"}

	t.Run("timeout, CLI ignores SIGINT", func(t *testing.T) {
		f := newFake(t, "baton-demo:test", "")
		t.Cleanup(func() { f.noContainers(t) })
		env := append(f.env, "BATON_API_KEY="+canary, "FAKE_DOCKER_ON_INT=ignore", "FAKE_DOCKER_DEMO_FAILURE=hang")
		start := time.Now()
		r := run(t, env, bin, append(args, "--timeout", "2s")...)
		if r.code != 1 || !strings.Contains(r.stderr, "test sync failed") {
			t.Errorf("exit %d\n%s", r.code, r.stderr)
		}
		argv := f.Argv(t)
		m := runName.FindStringSubmatch(argv)
		if m == nil {
			t.Fatalf("no named docker run:\n%s", argv)
		}
		if !strings.Contains(argv, "\nrm --force "+m[1]+"\n") {
			t.Errorf("the container %s was not removed:\n%s", m[1], argv)
		}
		f.noContainers(t)
		// SIGINT, the grace period, SIGKILL to the CLI, then docker rm.
		if d := time.Since(start); d > time.Minute {
			t.Errorf("stopping took %s", d)
		}
	})

	t.Run("cancel, CLI exits on SIGINT", func(t *testing.T) {
		f := newFake(t, "baton-demo:test", "")
		t.Cleanup(func() { f.noContainers(t) })
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, bin, append(args, "--timeout", "5m")...)
		cmd.Env = append(f.env, "BATON_API_KEY="+canary, "FAKE_DOCKER_ON_INT=exit", "FAKE_DOCKER_DEMO_FAILURE=hang")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		exited := make(chan error, 1)
		go func() { exited <- cmd.Wait() }()
		// Wait for the container, then press Ctrl-C.
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for len(f.containers()) == 0 {
			select {
			case err := <-exited:
				t.Fatalf("exited before its container started: %v\n%s", err, stderr.String())
			case <-ctx.Done():
				t.Fatalf("no container started\n%s", stderr.String())
			case <-tick.C:
			}
		}
		time.Sleep(500 * time.Millisecond)
		_ = cmd.Process.Signal(os.Interrupt)
		err := <-exited
		var exit *exec.ExitError
		if !errors.As(err, &exit) || exit.ExitCode() != 130 {
			t.Errorf("exit: %v, want 130\n%s", err, stderr.String())
		}
		argv := f.Argv(t)
		m := runName.FindStringSubmatch(argv)
		if m == nil || !strings.Contains(argv, "\nrm --force "+m[1]+"\n") {
			t.Errorf("the container was not removed:\n%s", argv)
		}
		f.noContainers(t)
	})
}

// TestSyncScriptStopsContainer runs a docker-mode sync.sh whose connector
// hangs past the timeout with a docker CLI that leaves its container
// running, after a run killed outright left a container of the same name.
func TestSyncScriptStopsContainer(t *testing.T) {
	f := newFake(t, "baton-demo:test", "")
	t.Cleanup(func() { f.noContainers(t) })
	dir := filepath.Join(f.home, "profile")
	r := run(t, append(f.env, "BATON_API_KEY="+canary), bin, "generate", "--connector", "demo", "--set", "tenant=acme",
		"--docker-image", "baton-demo:test", "--dest", "local", "--profile", "hung", "--timeout", "2s", "--out", dir)
	if r.code != 0 {
		t.Fatalf("generate: exit %d\n%s", r.code, r.stderr)
	}
	name := "baton-setup-hung"
	// The leftover: a process in its own session, registered as the fake's
	// container of that name.
	leftover := exec.Command("setsid", "env", "FAKE_CONTAINER="+filepath.Join(f.Rec, "containers", name), "sleep", "300")
	if err := leftover.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = leftover.Wait() }()
	if err := os.MkdirAll(filepath.Join(f.Rec, "containers"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(f.Rec, "containers", name), []byte(strconv.Itoa(leftover.Process.Pid)+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}

	cronEnv := append([]string{"PATH=/usr/bin:/bin", "HOME=" + f.home, "FAKE_DOCKER_ON_INT=exit", "FAKE_DOCKER_DEMO_FAILURE=hang"}, f.vars()...)
	r = run(t, cronEnv, "/bin/sh", filepath.Join(dir, "sync.sh"))
	if r.code != 1 || !strings.Contains(r.stdout, "sync failed: the connector ran longer than 2s and was stopped") {
		t.Errorf("sync.sh: exit %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	argv := f.Argv(t)
	if !strings.Contains(argv, "run --rm --name "+name+" --user ") {
		t.Errorf("docker run without the profile's name:\n%s", argv)
	}
	if n := strings.Count(argv, "rm --force "+name+"\n"); n != 2 {
		t.Errorf("rm --force %s ran %d times, want 2 (the leftover, then the stopped run):\n%s", name, n, argv)
	}
	f.noContainers(t)
}
