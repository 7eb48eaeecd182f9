package cli

import (
	"context"
	"fmt"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/synclog"
	"github.com/conductorone/baton-setup/internal/testsync"
)

// ExplainOptions are the inputs of `baton-setup explain`.
type ExplainOptions struct {
	Factory *Factory

	// Log is the connector's log of one run.
	Log      string
	Exit     int
	TimedOut bool
	// Secrets is the profile's secrets.env, whose values never appear in
	// what is printed.
	Secrets string
	// SyncFile, when set, is the run's finished sync: print its warnings
	// instead of the failure.
	SyncFile  string
	Connector string
	// Finished asks only whether the run finished its sync although it
	// exited 1 (see synclog.Collector.FinishedThenKilled): exit 0 if so.
	Finished bool
}

// newExplainCmd is what sync.sh runs to put the real cause of a failed
// connector run, or the warnings of a finished one, into sync.log, where
// status, doctor and people look. Hidden: the same diagnosis is what test
// and verify show.
func newExplainCmd(f *Factory, runF func(context.Context, *ExplainOptions) error) *cobra.Command {
	opts := &ExplainOptions{Factory: f}
	cmd := &cobra.Command{
		Use:    "explain [--exit N] [--timed-out] [--sync-file FILE] [--secrets FILE] [--finished] CONNECTOR_LOG",
		Short:  "Say in one line why a connector run failed, or what a finished one warns of",
		Hidden: true,
		Args:   cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.Log = args[0]
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return explainRun(cmd.Context(), opts)
		},
	}
	fl := cmd.Flags()
	fl.IntVar(&opts.Exit, "exit", 1, "the connector's exit status")
	fl.BoolVar(&opts.TimedOut, "timed-out", false, "the run was stopped at its time limit")
	fl.StringVar(&opts.Secrets, "secrets", "", "the profile's secrets.env; its values are masked")
	fl.StringVar(&opts.SyncFile, "sync-file", "", "the finished sync file: print its warnings, one a line")
	fl.StringVar(&opts.Connector, "connector", "", "the connector's name, for its hints")
	fl.BoolVar(&opts.Finished, "finished", false, "exit 0 if the sync finished and only the SDK's stopping made the connector exit 1")
	return cmd
}

func explainRun(ctx context.Context, opts *ExplainOptions) error {
	f := opts.Factory
	file, err := os.Open(opts.Log)
	if err != nil {
		return fmt.Errorf("read connector log: %w", err)
	}
	defer file.Close()
	c, err := synclog.CollectReader(file)
	if err != nil {
		return fmt.Errorf("read connector log %s: %w", opts.Log, err)
	}
	if opts.Finished {
		if c.FinishedThenKilled() {
			return nil
		}
		return &silentError{code: exitError}
	}
	secrets := map[string]plan.Secret{}
	if opts.Secrets != "" {
		values, err := profile.ReadEnvFile(opts.Secrets)
		if err != nil {
			return err
		}
		for k, v := range values {
			secrets[k] = plan.NewSecret(v)
		}
	}
	print := func(s string) {
		// One line: sync.sh puts it into its own one-line reason.
		s = strings.Join(strings.Fields(plan.Redact(s, secrets)), " ")
		fmt.Fprintln(f.IO.Out, s)
	}
	if opts.SyncFile != "" {
		sum, err := c1z.Summarize(ctx, opts.SyncFile, "")
		if err != nil {
			return err
		}
		errs, count := c.Errors()
		for _, w := range testsync.Judge(&sum, opts.Connector, errs, count) {
			print(w.Message)
		}
		return nil
	}
	failure, d := synclog.Refine(c.Failure(), c.Tail(), opts.Exit, opts.TimedOut)
	msg := failure.Message
	if msg == "" {
		msg = "no error in its log"
	}
	if d.Cause != synclog.CauseUnknown && d.Summary != "" {
		msg += " (" + strings.TrimSuffix(d.Summary, ".") + ")"
	}
	print(msg)
	return nil
}
