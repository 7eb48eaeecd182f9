package cli

import (
	"context"
	"fmt"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/timelimit"
)

// TimelimitOptions are the inputs of `baton-setup timelimit`.
type TimelimitOptions struct {
	Factory *Factory

	Limit     time.Duration
	Signal    syscall.Signal
	KillAfter time.Duration
	Command   []string
}

// newTimelimitCmd is timeout(1)'s -s/-k subset, for sync.sh on systems
// without timeout (macOS). Hidden: people have timeout or gtimeout.
func newTimelimitCmd(f *Factory, runF func(context.Context, *TimelimitOptions) error) *cobra.Command {
	opts := &TimelimitOptions{Factory: f}
	var signal, killAfter string
	cmd := &cobra.Command{
		Use:   "timelimit [-s SIGNAL] [-k DURATION] DURATION COMMAND [ARG...]",
		Short: "Run a command with a time limit, like timeout(1)",
		Long: `Run COMMAND in its own process group; when DURATION passes, send the group
SIGNAL (default TERM), and SIGKILL after the -k duration. Durations are
seconds, or a number with s, m, h or d. Exit status: 124 when the limit
stopped the command, 137 when it had to be killed, 126 or 127 when it could
not run, otherwise the command's own. sync.sh uses it where timeout is
missing.`,
		Hidden: true,
		Args:   cobra.MinimumNArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			var err error
			if opts.Limit, err = timelimit.ParseDuration(args[0]); err != nil {
				return &FlagError{err: err}
			}
			if opts.Signal, err = timelimit.ParseSignal(signal); err != nil {
				return &FlagError{err: fmt.Errorf("--signal: %w", err)}
			}
			if killAfter != "" {
				if opts.KillAfter, err = timelimit.ParseDuration(killAfter); err != nil {
					return &FlagError{err: fmt.Errorf("--kill-after: %w", err)}
				}
			}
			opts.Command = args[1:]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return timelimitRun(opts)
		},
	}
	// Flags after DURATION belong to the command.
	cmd.Flags().SetInterspersed(false)
	cmd.Flags().StringVarP(&signal, "signal", "s", "TERM", "signal to send when the time is up")
	cmd.Flags().StringVarP(&killAfter, "kill-after", "k", "", "also send SIGKILL this long after the signal")
	return cmd
}

func timelimitRun(opts *TimelimitOptions) error {
	io := opts.Factory.IO
	code, err := timelimit.Run(opts.Command, timelimit.Options{
		Limit: opts.Limit, Signal: opts.Signal, KillAfter: opts.KillAfter,
		Stdin: io.In, Stdout: io.Out, Stderr: io.ErrOut,
	})
	if err != nil {
		fmt.Fprintf(io.ErrOut, "baton-setup timelimit: %v\n", err)
	}
	if code == 0 {
		return nil
	}
	return &silentError{code: code}
}
