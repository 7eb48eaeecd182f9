package setup

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/conductorone/baton-setup/internal/filelock"
	"github.com/conductorone/baton-setup/internal/kube"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/trust"
)

// profileLockWait is how long Apply waits for another baton-setup that
// writes the same profile.
const profileLockWait = 2 * time.Minute

// lockProfile takes the profile's lock, a file in baton-setup's cache
// directory, so that runs writing one profile take turns: otherwise one
// run's secrets.env could end up beside another's sync.sh.
func lockProfile(ctx context.Context, name string) (func(), error) {
	unlock, path, err := filelock.Named(ctx, "profile-"+name+".lock", profileLockWait)
	switch {
	case errors.Is(err, filelock.ErrHeld):
		return nil, fmt.Errorf("lock profile %s: another baton-setup has been writing it for %s (it holds %s)\nhint: wait for it to finish, or end it", name, profileLockWait, path)
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		return nil, fmt.Errorf("lock profile %s: %w", name, err)
	}
	return unlock, nil
}

// checkProfileDir refuses a profile directory that is not the profile's
// to write: one render.CheckDir refuses (a symbolic link, another user's,
// one others may write to), a work/ inside it that render.CheckSubdir
// refuses, and an existing directory with contents that baton-setup does
// not know as this profile's. A profile's directory holds its plan.json,
// or was registered for it (its default directory counts); the Kubernetes
// target's may hold just its kubernetes/ folder. An empty directory is
// the user's to give.
func checkProfileDir(env Env, p *plan.Plan, manifests bool) error {
	dir := p.Output.Dir
	exists, err := render.CheckDir(dir)
	if err != nil || !exists {
		return err
	}
	if !manifests {
		if err := render.CheckSubdir(filepath.Join(dir, WorkDir)); err != nil {
			return err
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return fmt.Errorf("read %s: %w", dir, err)
	}
	if len(entries) == 0 {
		return nil
	}
	saved, err := plan.Load(filepath.Join(dir, "plan.json"))
	if err == nil {
		if saved.Profile == p.Profile {
			return nil
		}
		return refused(plan.SettingErrorf(plan.SettingOutDir, "refuse to write profile %s into %s: it holds profile %s", p.Profile, dir, saved.Profile).
			WithHint("give %s another directory; each profile has one of its own", plan.Placeholder))
	}
	if env.ConfigDir != nil {
		if root, err := env.ConfigDir(); err == nil && profile.Registered(root, p.Profile, dir) {
			return nil
		}
	}
	if manifests && len(entries) == 1 && entries[0].IsDir() && entries[0].Name() == kube.Subdir {
		return nil
	}
	return refused(plan.SettingErrorf(plan.SettingOutDir, "refuse to write into %s: it is not empty and not a baton-setup profile (it has no plan.json of profile %s)", dir, p.Profile).
		WithHint("give %s a new or empty directory", plan.Placeholder))
}

// WorkDir is the folder of a profile directory where the connector runs
// and writes.
const WorkDir = "work"

// checkPrograms refuses programs that someone other than the user and
// root could replace, and so run their own code with the user's rights
// (root's, for root's crontab): the connector that sync.sh or the service
// runs (docker in docker mode), and the baton-setup that sync.sh calls,
// unless service is set. Files that are missing are left to other checks.
func checkPrograms(p *plan.Plan, self string, service bool) error {
	uid := os.Geteuid()
	connector := p.Connector.Path
	if p.Connector.Image != "" {
		connector = p.Connector.Docker
	}
	if connector != "" {
		if err := trust.Program(connector, uid); trust.IsUntrusted(err) {
			return refused(plan.SettingErrorf(plan.SettingConnector, "refuse connector %s: %v; whoever can change it could run their own code as you", connector, err).
				WithHint("install it where only you or root can write (such as /usr/local/bin), then give that path with %s", plan.Placeholder))
		}
	}
	if self != "" && !service {
		if err := trust.Program(self, uid); trust.IsUntrusted(err) {
			return fmt.Errorf("refuse baton-setup %s for sync.sh: %v; whoever can change it could run their own code as you\nhint: install baton-setup where only you or root can write (such as /usr/local/bin), and run that one", self, err)
		}
	}
	return nil
}

// refused marks a setting as well formed but unsafe to use.
func refused(e *plan.SettingError) error {
	e.Refused = true
	return e
}
