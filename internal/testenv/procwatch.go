package testenv

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

// ProcWatch samples the command line of every process on the machine
// every 2 ms until Stop. Command lines are readable by every user, so a
// secret must never be on one. It also keeps what it saw of each docker
// CLI process: its argv, the BATON_* names in its own environment, and the
// env file a `docker run --env-file` was given, read while the CLI ran.
type ProcWatch struct {
	secrets [][]byte
	stop    chan struct{}
	done    sync.WaitGroup

	mu     sync.Mutex
	polls  int
	leaks  []string
	seen   map[string]bool
	docker []DockerCall
}

// DockerCall is one docker CLI process as ProcWatch saw it.
type DockerCall struct {
	Argv []string
	// BatonEnv lists the BATON_* variables of the CLI's own environment.
	BatonEnv []string
	// EnvFile is the --env-file of a run, as it was while the CLI ran;
	// nil when there was none, or it was gone before it could be read.
	EnvFile *SeenFile
}

// SeenFile is a file as ProcWatch read it.
type SeenFile struct {
	Path          string
	Content       string
	Mode, DirMode os.FileMode
}

// WatchProcesses starts sampling; secrets are the values no command line
// may hold.
func WatchProcesses(secrets ...string) *ProcWatch {
	w := &ProcWatch{stop: make(chan struct{}), seen: map[string]bool{}}
	for _, s := range secrets {
		w.secrets = append(w.secrets, []byte(s))
	}
	w.done.Add(1)
	go func() {
		defer w.done.Done()
		for {
			select {
			case <-w.stop:
				return
			default:
			}
			w.poll()
			time.Sleep(2 * time.Millisecond)
		}
	}()
	return w
}

func (w *ProcWatch) poll() {
	files, _ := filepath.Glob("/proc/[0-9]*/cmdline")
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil || len(data) == 0 {
			continue
		}
		for _, s := range w.secrets {
			if bytes.Contains(data, s) {
				w.mu.Lock()
				w.leaks = append(w.leaks, strings.ReplaceAll(string(data), "\x00", " "))
				w.mu.Unlock()
			}
		}
		argv := strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00")
		if filepath.Base(argv[0]) != "docker" {
			continue
		}
		pid := filepath.Dir(f)
		key := pid + "\x00" + string(data)
		w.mu.Lock()
		known := w.seen[key]
		w.seen[key] = true
		w.mu.Unlock()
		if !known {
			call := dockerCall(pid, argv)
			w.mu.Lock()
			w.docker = append(w.docker, call)
			w.mu.Unlock()
		}
	}
	w.mu.Lock()
	w.polls++
	w.mu.Unlock()
}

func dockerCall(pid string, argv []string) DockerCall {
	c := DockerCall{Argv: argv}
	environ, _ := os.ReadFile(filepath.Join(pid, "environ"))
	for _, kv := range strings.Split(string(environ), "\x00") {
		if name, _, _ := strings.Cut(kv, "="); strings.HasPrefix(name, "BATON_") {
			c.BatonEnv = append(c.BatonEnv, name)
		}
	}
	for i, a := range argv {
		if a != "--env-file" || i+1 >= len(argv) {
			continue
		}
		path := argv[i+1]
		st, err := os.Stat(path)
		dst, derr := os.Stat(filepath.Dir(path))
		content, cerr := os.ReadFile(path)
		if err == nil && derr == nil && cerr == nil {
			c.EnvFile = &SeenFile{Path: path, Content: string(content), Mode: st.Mode().Perm(), DirMode: dst.Mode().Perm()}
		}
		break
	}
	return c
}

// Stop ends the sampling and returns how many times every process was
// looked at, and each command line that held a secret.
func (w *ProcWatch) Stop() (polls int, leaks []string) {
	select {
	case <-w.stop:
	default:
		close(w.stop)
	}
	w.done.Wait()
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.polls, w.leaks
}

// DockerCalls returns the docker CLI processes seen so far, in the order
// they were first seen.
func (w *ProcWatch) DockerCalls() []DockerCall {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]DockerCall(nil), w.docker...)
}

// Runs returns the `docker run` calls among DockerCalls.
func (w *ProcWatch) Runs() []DockerCall {
	var out []DockerCall
	for _, c := range w.DockerCalls() {
		if len(c.Argv) > 1 && c.Argv[1] == "run" {
			out = append(out, c)
		}
	}
	return out
}
