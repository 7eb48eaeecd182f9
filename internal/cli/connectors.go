package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"text/tabwriter"

	"github.com/spf13/cobra"
)

// ConnectorsOptions are the inputs of `baton-setup connectors`.
type ConnectorsOptions struct {
	Factory *Factory

	JSON bool
}

func newConnectorsCmd(f *Factory, runF func(context.Context, *ConnectorsOptions) error) *cobra.Command {
	opts := &ConnectorsOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "connectors",
		Short: "List the connectors that can be set up",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return connectorsRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array")
	return cmd
}

func connectorsRun(_ context.Context, opts *ConnectorsOptions) error {
	found := opts.Factory.Discover.All()
	if opts.JSON {
		enc := json.NewEncoder(opts.Factory.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(found)
	}
	tw := tabwriter.NewWriter(opts.Factory.IO.Out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tSOURCE\tPATH\tBATON-SDK")
	for _, c := range found {
		sdk := c.SDKVersion
		if sdk == "" {
			sdk = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", c.Name, c.Source, c.Path, sdk)
	}
	return tw.Flush()
}
