// Package doctor checks that a profile can run unattended: each check is a
// small type with a name and a Run, kept in an ordered list.
package doctor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schedule"
)

// Check is one thing doctor verifies.
type Check interface {
	// String names the check as a short phrase ("connector binary").
	String() string
	// Run returns nil when all is well; the error says what is wrong and
	// how to fix it.
	Run(ctx context.Context) error
}

// Env is what the checks may touch.
type Env struct {
	Plan     *plan.Plan
	Dir      string
	LookPath func(string) (string, error)
	Crontab  schedule.Crontab
	UID      int
}

// Checks returns the ordered list for a profile.
func Checks(e Env) []Check {
	return []Check{
		connectorCheck{e}, // the binary sync.sh runs exists and answers
		toolCheck{e, "flock", "util-linux; without it two runs can overlap"},
		toolCheck{e, "timeout", "coreutils; without it a hung connector is never stopped"},
		filesCheck{e},   // sync.sh, secrets.env and the directory have safe modes and owner
		workDirCheck{e}, // connectors write into the work directory
		cronCheck{e},    // the crontab block is installed exactly once
	}
}

// Result is the outcome of one check.
type Result struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	Err  string `json:"error,omitempty"`
}

// Run runs every check in order and reports each.
func Run(ctx context.Context, checks []Check) []Result {
	out := make([]Result, 0, len(checks))
	for _, c := range checks {
		r := Result{Name: c.String(), OK: true}
		if err := c.Run(ctx); err != nil {
			r.OK, r.Err = false, err.Error()
		}
		out = append(out, r)
	}
	return out
}

type connectorCheck struct{ e Env }

func (c connectorCheck) String() string {
	name := "connector binary " + c.e.Plan.Connector.Path
	if v := discover.SDKVersion(c.e.Plan.Connector.Path); v != "" {
		name += " (baton-sdk " + v + ")"
	}
	return name
}

func (c connectorCheck) Run(ctx context.Context) error {
	path := c.e.Plan.Connector.Path
	st, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("%s: %w\nfix: reinstall the connector or regenerate with --connector PATH", path, err)
	}
	if st.Mode().Perm()&0o111 == 0 {
		return fmt.Errorf("%s is not executable\nfix: chmod +x %s", path, path)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, append(append([]string{}, c.e.Plan.Connector.Args...), "--version")...)
	cmd.Dir = os.TempDir()
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("%s --version failed: %w: %s", path, err, strings.TrimSpace(string(out)))
	}
	return nil
}

type toolCheck struct {
	e    Env
	name string
	why  string
}

func (c toolCheck) String() string { return c.name + " command" }

func (c toolCheck) Run(context.Context) error {
	if _, err := c.e.LookPath(c.name); err != nil {
		return fmt.Errorf("%s is not installed (%s)", c.name, c.why)
	}
	return nil
}

type filesCheck struct{ e Env }

func (c filesCheck) String() string { return "generated files" }

func (c filesCheck) Run(context.Context) error {
	var errs []error
	want := []struct {
		path string
		mode os.FileMode
	}{
		{c.e.Dir, 0o700},
		{filepath.Join(c.e.Dir, "sync.sh"), 0o700},
		{filepath.Join(c.e.Dir, "secrets.env"), 0o600},
	}
	for _, w := range want {
		st, err := os.Stat(w.path)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w\nfix: baton-setup generate --plan %s", w.path, err, filepath.Join(c.e.Dir, "plan.json")))
			continue
		}
		if st.Mode().Perm()&0o077 != 0 {
			errs = append(errs, fmt.Errorf("%s has mode %04o; others can read it\nfix: chmod %o %s", w.path, st.Mode().Perm(), w.mode, w.path))
		}
		if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != c.e.UID {
			errs = append(errs, fmt.Errorf("%s is owned by uid %d, not by you (uid %d)", w.path, sys.Uid, c.e.UID))
		}
	}
	return errors.Join(errs...)
}

type workDirCheck struct{ e Env }

func (c workDirCheck) String() string { return "writable work directory" }

func (c workDirCheck) Run(context.Context) error {
	work := filepath.Join(c.e.Dir, "work")
	if err := os.MkdirAll(work, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", work, err)
	}
	f, err := os.CreateTemp(work, ".doctor-*")
	if err != nil {
		return fmt.Errorf("write in %s: %w", work, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

type cronCheck struct{ e Env }

func (c cronCheck) String() string { return "crontab entry" }

func (c cronCheck) Run(ctx context.Context) error {
	if c.e.Crontab == nil {
		return errors.New("no crontab available")
	}
	table, err := c.e.Crontab.Read(ctx)
	if err != nil {
		return err
	}
	switch n := schedule.Count(table, c.e.Plan.Profile); n {
	case 1:
		return nil
	case 0:
		return fmt.Errorf("not installed\nfix: baton-setup generate --plan %s --install-cron", filepath.Join(c.e.Dir, "plan.json"))
	default:
		return fmt.Errorf("the block for profile %s appears %d times\nfix: baton-setup generate --plan %s --install-cron", c.e.Plan.Profile, n, filepath.Join(c.e.Dir, "plan.json"))
	}
}
