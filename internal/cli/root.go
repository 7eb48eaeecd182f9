package cli

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"
)

// version is set with -ldflags "-X github.com/conductorone/baton-setup/internal/cli.version=…".
var version = "dev"

// WizardOptions are the inputs of the interactive wizard (the root command).
type WizardOptions struct {
	Profile    string
	Accessible bool
	// Timeout bounds each test sync the wizard runs.
	Timeout time.Duration
}

func newRootCmd(f *Factory) *cobra.Command {
	opts := &WizardOptions{}
	cmd := &cobra.Command{
		Use:   "baton-setup",
		Short: "Set up a self-hosted ConductorOne Baton connector",
		Long: `baton-setup walks you through setting up a Baton connector: pick it, enter its
settings, run a test sync, choose where the sync file goes, and generate a
sync.sh with its schedule. Run without arguments for the interactive wizard;
every step also has a command for scripts.`,
		Version:       version,
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkTimeout(opts.Timeout); err != nil {
				return err
			}
			if !f.IO.CanPrompt() {
				return flagErrorf("no terminal: the wizard needs an interactive terminal on stdin and stdout\nhint: use the non-interactive commands instead: baton-setup connectors, test, generate, upload (see baton-setup --help)")
			}
			if f.RunWizard == nil {
				return errors.New("run wizard: this build has no interactive wizard")
			}
			if f.Getenv("ACCESSIBLE") != "" {
				opts.Accessible = true
			}
			return f.RunWizard(cmd.Context(), f, opts)
		},
	}
	cmd.Flags().StringVar(&opts.Profile, "profile", "", "profile name (default: the connector name)")
	cmd.Flags().DurationVar(&opts.Timeout, "timeout", 10*time.Minute, "stop a test sync after this long (some connectors hang on a silent host)")
	cmd.Flags().BoolVar(&opts.Accessible, "accessible", false, "plain line prompts instead of the full-screen wizard")
	cmd.SetFlagErrorFunc(func(_ *cobra.Command, err error) error { return &FlagError{err: err} })
	cmd.AddCommand(
		newConnectorsCmd(f, nil),
		newTestCmd(f, nil),
		newGenerateCmd(f, nil),
		newScheduleCmd(f, nil),
		newUploadCmd(f, nil),
		newS3Cmd(f, nil),
		newInspectCmd(f, nil),
		newProfilesCmd(f, nil),
		newPlanCmd(f, nil),
		newDoctorCmd(f, nil),
		newStatusCmd(f, nil),
		newInstallCmd(f, nil),
		newTimelimitCmd(f, nil),
		newExplainCmd(f, nil),
		newVerifyCmd(f, nil),
		newRegenerateCmd(f, nil),
	)
	argsAreFlags(cmd)
	for _, c := range cmd.Commands() {
		c.SilenceUsage, c.SilenceErrors = true, true
	}
	return cmd
}

// argsAreFlags makes wrong arguments usage errors (exit 2) on every
// command, and makes a command that only groups others (schedule, s3,
// plan) refuse an unknown subcommand instead of printing help and exiting 0.
func argsAreFlags(cmd *cobra.Command) {
	if cmd.Args != nil {
		check := cmd.Args
		cmd.Args = func(c *cobra.Command, args []string) error {
			if err := check(c, args); err != nil {
				switch {
				case strings.HasPrefix(err.Error(), "unknown command") && c.HasAvailableSubCommands():
					return &FlagError{err: err}
				case strings.HasPrefix(err.Error(), "unknown command"):
					return flagErrorf("%s: unexpected argument %q: it takes only flags\nusage: %s", c.CommandPath(), args[0], c.UseLine())
				}
				return flagErrorf("%s: %w\nusage: %s", c.CommandPath(), err, c.UseLine())
			}
			return nil
		}
	}
	if !cmd.Runnable() && cmd.HasSubCommands() {
		cmd.RunE = func(c *cobra.Command, _ []string) error { return c.Help() }
	}
	for _, c := range cmd.Commands() {
		argsAreFlags(c)
	}
}

// Main runs baton-setup with the given arguments and returns the exit
// code. ctx is cancelled when the user stops the program: the caller's
// signal handling, which must start before anything else
// (internal/interrupt).
func Main(ctx context.Context, args []string) int {
	return runContext(ctx, NewFactory(), args)
}

// run is Main for tests, with the signal handling of its own call.
func run(f *Factory, args []string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return runContext(ctx, f, args)
}

func runContext(ctx context.Context, f *Factory, args []string) int {
	// Without this, writing to a closed pipe (baton-setup test | head) kills
	// the process on the spot and leaves the connector's temporary files;
	// with it the write fails and the command can clean up.
	pipe := make(chan os.Signal, 1)
	signal.Notify(pipe, syscall.SIGPIPE)
	defer signal.Stop(pipe)
	if f.RunWizard == nil {
		f.RunWizard = runWizard
	}
	cmd := newRootCmd(f)
	cmd.SetArgs(args)
	cmd.SetOut(f.IO.Out)
	cmd.SetErr(f.IO.ErrOut)
	err := cmd.ExecuteContext(ctx)
	return exitCode(f, err)
}

// exitCode is the single place errors become exit codes.
func exitCode(f *Factory, err error) int {
	if err == nil {
		return exitOK
	}
	var silent *silentError
	if errors.As(err, &silent) {
		return silent.code
	}
	if errors.Is(err, errCancelled) || errors.Is(err, context.Canceled) {
		fmt.Fprintln(f.IO.ErrOut, "cancelled")
		return exitCancelled
	}
	text, usage := describe(err)
	fmt.Fprintln(f.IO.ErrOut, "error: "+text)
	if usage {
		return exitUsage
	}
	return exitError
}
