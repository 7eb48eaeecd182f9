package setup

import (
	"fmt"
	"io"
	"strings"

	"github.com/conductorone/baton-setup/internal/kube"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/servicemode"
)

// Print tells the user what changed, when and how it runs, and what to do
// next. Secret values never reach it: File.Shown and the diffs mask them.
// self is how to call baton-setup in the printed commands.
func (r Result) Print(w io.Writer, self string) {
	if r.DryRun {
		fmt.Fprintln(w, "dry run: nothing is written")
	}
	for _, n := range r.Notes {
		fmt.Fprintln(w, n)
	}
	if r.CopiedSelf {
		user := "sync.sh"
		if r.Target == TargetService {
			user = "the service"
		}
		fmt.Fprintln(w, CopyNote(r.Self, r.DryRun, user))
	}
	render.PrintChanges(w, r.Changes, func(i int) string { return r.Files[i].Shown() }, r.DryRun)
	switch r.Target {
	case TargetService:
		r.printService(w)
	case TargetKubernetes:
		r.printKube(w)
	default:
		r.printSync(w, self)
	}
}

func (r Result) printSync(w io.Writer, self string) {
	r.Schedule.Print(w)
	switch c := r.Cron; {
	case r.Target == SchedulerSystemd:
		fmt.Fprintln(w, "enable the systemd timer with:")
		render.Indent(w, strings.Join(r.Commands, "\n"))
		fmt.Fprintln(w, "after a later regeneration, run systemctl daemon-reload (with --user for user units)")
	case r.Target == SchedulerLaunchd:
		fmt.Fprintln(w, "load the launchd agent with (again after a later regeneration):")
		render.Indent(w, strings.Join(r.Commands, "\n"))
	case c != nil:
		switch {
		case c.Installed:
			fmt.Fprintln(w, "installed the crontab entry:")
		case c.Wanted:
			fmt.Fprintln(w, "would install the crontab entry:")
		default:
			fmt.Fprintf(w, "crontab entry (install it with --install-cron or `%s schedule install --profile %s`):\n", self, r.Profile)
		}
		fmt.Fprint(w, c.Block)
		if c.Diff != "" && r.DryRun {
			fmt.Fprintln(w, "crontab changes:")
			render.Indent(w, c.Diff)
		}
		if c.Backup != "" {
			fmt.Fprintf(w, "previous crontab saved to %s\n", c.Backup)
		}
	}
	fmt.Fprintf(w, "run it now: %s\n", r.SyncScript)
	if r.Key != "" {
		fmt.Fprintf(w, "in ConductorOne, set the S3 data source's File name to exactly: %s\n", r.Key)
	} else {
		fmt.Fprintf(w, "upload %s by hand: Applications > your app > Connectors > Import app data > From file\n", r.SyncFile)
	}
}

func (r Result) printService(w io.Writer) {
	fmt.Fprintln(w, "service mode: the connector runs all the time and takes its tasks from ConductorOne; no sync.sh, schedule or S3")
	fmt.Fprintln(w, "enable and start it (as root):")
	render.Indent(w, strings.Join(r.Commands, "\n"))
	fmt.Fprintln(w, "check it:")
	render.Indent(w, strings.Join(r.CheckCommands, "\n"))
	fmt.Fprintf(w, "after a later regeneration: systemctl daemon-reload && systemctl restart %s\n", r.Unit)
}

func (r Result) printKube(w io.Writer) {
	if r.Schedule != nil {
		r.Schedule.Print(w)
	}
	k := r.Kubernetes
	if k == nil {
		return
	}
	fmt.Fprintf(w, "connector image: %s\n", k.ConnectorImage)
	if k.UploaderImage != "" {
		fmt.Fprintf(w, "upload image: %s (build it with the Dockerfile in the baton-setup source; see README.txt)\n", k.UploaderImage)
	}
	if k.RolePlaceholder {
		fmt.Fprintf(w, "before applying, replace %s in serviceaccount.yaml with the ARN of the IAM role the upload uses\n", kube.RolePlaceholder)
	}
	fmt.Fprintln(w, "apply with:")
	render.Indent(w, strings.Join(r.Commands, "\n"))
	if r.Key != "" {
		fmt.Fprintf(w, "in ConductorOne, set the S3 data source's File name to exactly: %s\n", r.Key)
	}
}

// ServiceUnit is the systemd unit of a profile in service mode.
func ServiceUnit(profile string) string { return servicemode.UnitName(profile) }
