package cli

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/catalog"
	"github.com/conductorone/baton-setup/internal/container"
	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/install"
	"github.com/conductorone/baton-setup/tui"
)

// InstallOptions are the inputs of `baton-setup install`.
type InstallOptions struct {
	Factory *Factory

	Name   string
	Method string
	DryRun bool
}

func newInstallCmd(f *Factory, runF func(context.Context, *InstallOptions) error) *cobra.Command {
	opts := &InstallOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "install NAME",
		Short: "Install a connector with brew, go install or docker",
		Long: `Install a catalog connector with the first method this machine can run:
Homebrew, then go install, then docker pull (or the one --method names).
The command is printed, then run with its output shown. docker pull makes the
connector usable in docker mode only (generate --docker-image).`,
		Example: "  baton-setup install okta\n  baton-setup install okta --method go --dry-run",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Name = args[0]
			if opts.Method != "" {
				if _, err := install.ParseMethod(opts.Method); err != nil {
					return &FlagError{err: fmt.Errorf("--method: %w", err)}
				}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return installRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Method, "method", "", "brew, go or docker (default: the first one available here)")
	cmd.Flags().BoolVar(&opts.DryRun, "dry-run", false, "print the command without running it")
	return cmd
}

func installRun(ctx context.Context, opts *InstallOptions) error {
	f := opts.Factory
	e, ok := catalog.Lookup(opts.Name)
	if !ok {
		hint := ""
		if near := catalog.Filter(catalog.All(), opts.Name); len(near) > 0 {
			hint = "\nhint: did you mean " + near[0].Name + "? baton-setup connectors " + opts.Name + " lists the matches"
		}
		return flagErrorf("install %s: not a connector in the catalog%s", opts.Name, hint)
	}
	var o install.Option
	var err error
	if opts.Method != "" {
		m, _ := install.ParseMethod(opts.Method)
		if o, err = install.Find(e, m, f.Discover.LookPath); err != nil {
			return err
		}
	} else {
		avail := install.Options(e, f.Discover.LookPath)
		if len(avail) == 0 {
			return fmt.Errorf("install %s: none of brew, go or docker is installed here\nhint: run one of these where it is:\n  %s", e.Binary, strings.Join(install.Manual(e), "\n  "))
		}
		o = avail[0]
	}
	// go install: the latest release, named before anything runs.
	if o, err = install.Resolve(ctx, o, f.Environ()); err != nil {
		if ctx.Err() != nil {
			return errCancelled
		}
		return fmt.Errorf("install %s: %w", e.Binary, err)
	}
	fmt.Fprintln(f.IO.ErrOut, "$ "+o.Command)
	if opts.DryRun {
		return nil
	}
	run, err := install.Start(ctx, o, f.Environ())
	if err != nil {
		return err
	}
	for line := range run.Lines() {
		fmt.Fprintln(f.IO.ErrOut, line)
	}
	res := run.Wait()
	if ctx.Err() != nil {
		return errCancelled
	}
	if res.Err != nil {
		return fmt.Errorf("install %s: %w\nhint: run it yourself to see the full output: %s", e.Binary, res.Err, o.Command)
	}
	if o.Method == install.Docker {
		fmt.Fprintf(f.IO.Out, "pulled %s; use it with: baton-setup generate --docker-image %s …\n", o.Image, o.Image)
		return nil
	}
	found, err := install.Locate(f.Discover, e)
	if err != nil {
		return err
	}
	sdk := ""
	if found.SDKVersion != "" {
		sdk = " (baton-sdk " + found.SDKVersion + ")"
	}
	version := ""
	if res.Version != "" {
		version = " " + res.Version
	}
	fmt.Fprintf(f.IO.Out, "installed %s%s at %s%s\n", e.Binary, version, found.Path, sdk)
	return nil
}

// installDeps lets the wizard's picker install with the same code as the
// install command.
func installDeps(f *Factory) tui.InstallDeps {
	return tui.InstallDeps{
		Options: func(e catalog.Entry) []install.Option { return install.Options(e, f.Discover.LookPath) },
		Start: func(ctx context.Context, o install.Option) (*install.Run, error) {
			return install.Start(ctx, o, f.Environ())
		},
		Locate:      func(e catalog.Entry) (discover.Found, error) { return install.Locate(f.Discover, e) },
		ImageSchema: container.SchemaFromImage,
	}
}
