package doctor

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/servicemode"
	"github.com/conductorone/baton-setup/internal/trust"
)

// programsCheck makes sure that no one but the user and root can replace
// what the schedule runs with the user's rights: the connector (docker in
// docker mode) and the baton-setup sync.sh calls, the files their
// symbolic links lead to and every directory above them. sync.sh refuses
// to run otherwise.
type programsCheck struct{ e Env }

func (c programsCheck) String() string { return "programs it runs changeable only by you or root" }

func (c programsCheck) Run(context.Context) error {
	var fails []*Failure
	check := func(what, path, reinstall string) {
		err := trust.Program(path, c.e.UID)
		var u *trust.Untrusted
		if !errors.As(err, &u) {
			// A missing program is the connector's or baton-setup's check.
			return
		}
		fix := reinstall
		if u.Writable {
			fix = "chmod go-w " + u.Path + " (as its owner), or " + reinstall
		}
		fails = append(fails, &Failure{
			Problem: fmt.Sprintf("%v; whoever can change it could run their own code as you through %s (%s)", err, what, path),
			Fix:     fix,
		})
	}
	connector, what := c.e.Plan.Connector.Path, "the connector"
	if c.e.Plan.Connector.Image != "" {
		connector, what = c.e.Plan.Connector.Docker, "docker"
	}
	if connector != "" {
		check(what, connector, "install it where only you or root can write (such as /usr/local/bin), then point the profile at it: "+c.e.regenerate("--connector PATH"))
	}
	if c.e.Plan.Mode != plan.ModeService {
		if self, err := profile.ScriptSetup(filepath.Join(c.e.Dir, "sync.sh")); err == nil {
			check("baton-setup", self, "install baton-setup where only you or root can write (such as /usr/local/bin), then regenerate with it: baton-setup generate --plan "+c.e.planFile())
		}
	}
	return join(fails)
}

// dirsCheck makes sure the profile directory, work/ and backup/ are real
// directories of the user's that no one else may write to: through a
// symbolic link or a directory of someone else's, what sync.sh and
// generate write could land elsewhere (as root, over any file).
type dirsCheck struct{ e Env }

func (c dirsCheck) String() string { return "profile directory, work/ and backup/ yours alone" }

func (c dirsCheck) Run(context.Context) error {
	var fails []*Failure
	if st, err := os.Lstat(c.e.Dir); err == nil && st.Mode()&fs.ModeSymlink != 0 {
		target, _ := os.Readlink(c.e.Dir)
		fails = append(fails, &Failure{
			Problem: fmt.Sprintf("%s is a symbolic link (to %s); sync.sh and generate refuse a profile directory reached through one", c.e.Dir, target),
			Fix:     "regenerate the profile into a directory of its own: " + c.e.regenerate("--out DIR"),
		})
	}
	for _, sub := range []string{"work", render.BackupDir} {
		path := filepath.Join(c.e.Dir, sub)
		st, err := os.Lstat(path)
		if err != nil {
			continue
		}
		fix := "check what " + path + " holds, then remove it; it is made again, private, when needed"
		var problem string
		owner, _ := trust.Owner(st)
		switch {
		case st.Mode()&fs.ModeSymlink != 0:
			target, _ := os.Readlink(path)
			problem = fmt.Sprintf("%s is a symbolic link (to %s), so what is written there lands elsewhere", path, target)
		case !st.IsDir():
			problem = fmt.Sprintf("%s is %s, not a directory", path, render.Kind(st.Mode()))
		case owner != c.e.UID:
			problem = fmt.Sprintf("%s belongs to %s, not to you, so they could redirect what is written there", path, trust.UserName(owner))
		default:
			if err := trust.Shared(path, st.Mode()); err != nil {
				problem = err.Error() + ", so others could redirect what is written there"
				fix = "chmod 700 " + path
			}
		}
		if problem != "" {
			fails = append(fails, &Failure{Problem: problem, Fix: fix})
		}
	}
	return join(fails)
}

// leftoversCheck looks for the pending copies that an interrupted
// generate leaves beside the files it writes: they may hold secrets that
// were since replaced.
type leftoversCheck struct{ e Env }

func (c leftoversCheck) String() string { return "no copies left by an interrupted generate" }

func (c leftoversCheck) Run(context.Context) error {
	names := []string{"sync.sh", "secrets.env", "plan.json", "README.txt", "last-upload.json",
		servicemode.EnvFile, render.ServiceUnit(c.e.Plan.Profile), render.TimerUnit(c.e.Plan.Profile)}
	left := render.Leftovers(c.e.Dir, names)
	if len(left) == 0 {
		return nil
	}
	return fail("rm "+strings.Join(left, " ")+", or regenerate, which removes them: "+c.e.regenerate(""),
		"%d temporary copies left by an interrupted generate, which may hold old secrets: %s", len(left), strings.Join(left, ", "))
}
