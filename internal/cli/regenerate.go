package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/setup"
)

// RegenerateOptions are the inputs of `baton-setup regenerate`.
type RegenerateOptions struct {
	Factory *Factory

	Profile string
	All     bool
	DryRun  bool
	JSON    bool
}

func newRegenerateCmd(f *Factory, runF func(context.Context, *RegenerateOptions) error) *cobra.Command {
	opts := &RegenerateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "regenerate --profile NAME | --all",
		Short: "Rewrite saved setups' files with this baton-setup and the connector installed now",
		Long: `Rewrite the generated files of saved profiles (sync.sh, README.txt, plan.json,
the systemd units or service files) from each profile's plan.json and the
values in its secrets file, with this version of baton-setup and the connector
as it is installed now. Run it after upgrading baton-setup or a connector.

No value is asked again: the saved ones win over the environment. A setting
the connector now requires comes from its BATON_* variable, or from the wizard
(baton-setup --profile NAME). A setting the connector no longer has is
dropped and reported. Each changed file's diff is shown (secret values
masked) and its previous version kept in backup/; an installed crontab entry
is kept up to date, and one that is not installed stays so. --dry-run shows
the diffs and writes nothing.

Exit codes: 0 every profile is up to date, 1 a profile could not be
rewritten, 2 a profile needs input (each one is named).`,
		Example: `  baton-setup regenerate --all --dry-run
  baton-setup regenerate --profile okta
  BATON_REGION=eu-west-1 baton-setup regenerate --profile okta`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if (opts.Profile == "") == !opts.All {
				return flagErrorf("give exactly one of --profile NAME and --all")
			}
			if opts.Profile != "" {
				if err := plan.ValidateProfile(opts.Profile); err != nil {
					return &FlagError{err: err}
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return regenerateRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Profile, "profile", "", "profile name")
	cmd.Flags().BoolVar(&opts.All, "all", false, "every saved profile")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "show the changes, write nothing")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array, an object per profile")
	return cmd
}

// regenerated is one profile's line of `regenerate --json`.
type regenerated struct {
	Profile    string             `json:"profile"`
	OK         bool               `json:"ok"`
	NeedsInput bool               `json:"needsInput,omitempty"`
	Error      string             `json:"error,omitempty"`
	Result     *setup.Regenerated `json:"result,omitempty"`
}

func regenerateRun(ctx context.Context, opts *RegenerateOptions) error {
	f := opts.Factory
	root, err := f.ConfigDir()
	if err != nil {
		return fmt.Errorf("find config directory: %w", err)
	}
	names := []string{opts.Profile}
	if opts.All {
		list, err := profile.List(root)
		if err != nil {
			return err
		}
		names = names[:0]
		for _, p := range list {
			names = append(names, p.Name)
		}
		if len(names) == 0 {
			fmt.Fprintf(f.IO.ErrOut, "no profiles in %s; nothing to regenerate\n", root)
			return nil
		}
	} else if _, err := profile.LoadPlan(root, opts.Profile); err != nil {
		return profileError(err)
	}
	env := setupEnv(f)
	var failed, needInput []string
	var lines []regenerated
	for _, name := range names {
		res, err := setup.Regenerate(ctx, env, name, opts.DryRun)
		if errors.Is(err, context.Canceled) {
			return errCancelled
		}
		line := regenerated{Profile: name, OK: err == nil}
		switch {
		case err == nil:
			line.Result = &res
		case setup.NeedsInput(err):
			needInput = append(needInput, name)
			line.NeedsInput, line.Error = true, needsInputText(name, err)
		default:
			failed = append(failed, name)
			text, _ := describe(err)
			line.Error = text
		}
		if opts.JSON {
			lines = append(lines, line)
			continue
		}
		printRegenerated(f.IO.Out, f.IO.ErrOut, line, opts.DryRun)
	}
	if opts.JSON {
		if err := writeJSON(f.IO.Out, lines); err != nil {
			return err
		}
	}
	switch {
	case len(failed) > 0:
		fmt.Fprintf(f.IO.ErrOut, "could not regenerate: %s\n", strings.Join(failed, ", "))
		return &silentError{code: exitError}
	case len(needInput) > 0:
		fmt.Fprintf(f.IO.ErrOut, "needs input: %s\n", strings.Join(needInput, ", "))
		return &silentError{code: exitUsage}
	}
	return nil
}

// needsInputText says what a profile needs and the two ways to give it.
func needsInputText(name string, err error) string {
	var missing *setup.MissingError
	if errors.As(err, &missing) {
		lines := []string{"the connector requires settings this profile has no value for:"}
		for _, f := range missing.Fields {
			lines = append(lines, fmt.Sprintf("  %s (%s)", f.Name, f.EnvName()))
		}
		lines = append(lines, fmt.Sprintf("hint: answer them in the wizard (baton-setup --profile %s), or set the variables and run baton-setup regenerate --profile %s again", name, name))
		return strings.Join(lines, "\n")
	}
	text, _ := describe(err)
	return text + fmt.Sprintf("\nhint: fix it in the wizard: baton-setup --profile %s", name)
}

// printRegenerated shows one profile's outcome: notes, each file's change
// with its diff, and what to do next.
func printRegenerated(w, errw io.Writer, line regenerated, dryRun bool) {
	if !line.OK {
		what := "error"
		if line.NeedsInput {
			what = "needs input"
		}
		fmt.Fprintf(errw, "profile %s: %s: %s\n", line.Profile, what, line.Error)
		return
	}
	fmt.Fprintf(w, "profile %s:\n", line.Profile)
	res := line.Result
	for _, n := range res.Notes {
		fmt.Fprintln(w, "  note: "+strings.TrimPrefix(n, "warning: "))
	}
	if res.Result.CopiedSelf {
		fmt.Fprintln(w, "  "+setup.CopyNote(res.Result.Self, dryRun, "sync.sh"))
	}
	r := res.Result
	render.PrintChanges(indent(w), r.Changes, func(i int) string { return r.Files[i].Shown() }, dryRun)
	if c := r.Cron; c != nil && c.Diff != "" {
		fmt.Fprintln(w, "  crontab changes:")
		render.Indent(indent(w), c.Diff)
	}
	changed := false
	for _, c := range r.Changes {
		changed = changed || c.Action != render.Keep
	}
	switch {
	case !changed:
		fmt.Fprintln(w, "  up to date")
	case r.Target == setup.SchedulerSystemd && !dryRun:
		fmt.Fprintln(w, "  systemd reads the units again after: systemctl daemon-reload (with --user for user units)")
	case r.Target == setup.TargetService && !dryRun:
		fmt.Fprintf(w, "  restart the service to use them: systemctl daemon-reload && systemctl restart %s\n", r.Unit)
	}
}

// indented indents every line written through it by two spaces.
type indented struct {
	w io.Writer
	// mid is set when the last write ended inside a line.
	mid *bool
}

func indent(w io.Writer) indented { return indented{w: w, mid: new(bool)} }

func (i indented) Write(p []byte) (int, error) {
	var b strings.Builder
	for _, l := range strings.SplitAfter(string(p), "\n") {
		if l == "" {
			continue
		}
		if !*i.mid {
			b.WriteString("  ")
		}
		b.WriteString(l)
		*i.mid = !strings.HasSuffix(l, "\n")
	}
	if _, err := io.WriteString(i.w, b.String()); err != nil {
		return 0, err
	}
	return len(p), nil
}
