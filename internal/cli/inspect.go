package cli

import (
	"context"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/c1z"
)

// InspectOptions are the inputs of `baton-setup inspect`.
type InspectOptions struct {
	Factory *Factory

	File string
	JSON bool
}

func newInspectCmd(f *Factory, runF func(context.Context, *InspectOptions) error) *cobra.Command {
	opts := &InspectOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "inspect FILE.c1z",
		Short: "Summarize the latest finished sync in a c1z file",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			opts.File = args[0]
			if strings.TrimSpace(opts.File) == "" {
				return flagErrorf("inspect: the file name is empty; give the path of a c1z file")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return inspectRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the summary as JSON")
	return cmd
}

func inspectRun(ctx context.Context, opts *InspectOptions) error {
	sum, err := c1z.Summarize(ctx, opts.File, "")
	if err != nil {
		return err
	}
	if opts.JSON {
		return writeJSON(opts.Factory.IO.Out, sum)
	}
	printSummary(opts.Factory.IO.Out, &sum, sum.Duration)
	return nil
}
