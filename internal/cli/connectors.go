package cli

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/catalog"
	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/testsync"
)

// ConnectorsOptions are the inputs of `baton-setup connectors`.
type ConnectorsOptions struct {
	Factory *Factory

	Query     string
	Installed bool
	JSON      bool
}

func newConnectorsCmd(f *Factory, runF func(context.Context, *ConnectorsOptions) error) *cobra.Command {
	opts := &ConnectorsOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "connectors [QUERY]",
		Short: "List the connectors that can be set up",
		Long: `List the built-in demo connector, every baton-* binary found on this machine
(PATH, Homebrew, ~/go/bin, $GOBIN) and every public connector in the catalog,
with how to install the ones that are missing. QUERY filters by a fuzzy match
on name, description and kind. With --json, an installed connector's fields
are its own (from its config command, or its --help), not the catalog's.`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				opts.Query = args[0]
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return connectorsRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.Installed, "installed", false, "list only connectors found on this machine")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array with each entry's fields where known")
	return cmd
}

// ConnectorRow is one line of `connectors` output.
type ConnectorRow struct {
	Name        string               `json:"name"`
	DisplayName string               `json:"displayName,omitempty"`
	Kind        string               `json:"kind,omitempty"`
	Description string               `json:"description,omitempty"`
	DocsURL     string               `json:"docsUrl,omitempty"`
	Installed   bool                 `json:"installed"`
	Path        string               `json:"path,omitempty"`
	Source      string               `json:"source,omitempty"`
	SDKVersion  string               `json:"sdkVersion,omitempty"`
	Install     map[string]string    `json:"install,omitempty"`
	Fields      []catalog.Field      `json:"fields,omitempty"`
	AuthMethods []catalog.AuthMethod `json:"authMethods,omitempty"`
	// FieldsFrom says where Fields come from: "config" or "help" (the
	// installed binary's own schema) or "catalog".
	FieldsFrom string `json:"fieldsFrom,omitempty"`
	// SchemaError says why an installed binary's own schema could not be
	// read; the catalog's fields stand in.
	SchemaError string `json:"schemaError,omitempty"`
	// QuickCheck is how far `test --quick` can narrow a sync of this
	// binary: "one user type", "resources only", "none" or "unknown".
	QuickCheck string `json:"quickCheck,omitempty"`
}

// Where ConnectorRow.Fields come from.
const (
	fieldsFromConfig  = "config"
	fieldsFromHelp    = "help"
	fieldsFromCatalog = "catalog"
)

func rowFor(e catalog.Entry) ConnectorRow {
	row := ConnectorRow{
		Name: e.Name, DisplayName: e.DisplayName, Kind: e.Kind, Description: e.Description, DocsURL: e.DocsURL,
		Install: e.InstallCommands(), Fields: e.Fields, AuthMethods: e.AuthMethods,
	}
	if len(e.Fields) > 0 {
		row.FieldsFrom = fieldsFromCatalog
	}
	return row
}

// withOwnSchema replaces a row's catalog fields with the installed binary's
// own, which are what baton-setup asks for and passes.
func withOwnSchema(row *ConnectorRow, s *schema.Schema, conn plan.Connector) {
	row.Fields, row.AuthMethods = nil, nil
	row.FieldsFrom = fieldsFromConfig
	if s.FromHelp {
		row.FieldsFrom = fieldsFromHelp
	}
	for _, fld := range s.Fields {
		cf := catalog.Field{
			Name: fld.Name, Env: fld.EnvName(), DisplayName: fld.Label, Help: fld.Help,
			Required: fld.Required, Secret: fld.Secret,
		}
		// A field of exactly one auth method belongs to it; one listed by
		// every method applies whatever the method.
		var groups []string
		for _, g := range s.Groups {
			if slices.Contains(g.Fields, fld.Name) {
				groups = append(groups, g.Name)
			}
		}
		if len(groups) == 1 && len(s.Groups) > 1 {
			cf.Group = groups[0]
		}
		row.Fields = append(row.Fields, cf)
	}
	for _, g := range s.Groups {
		row.AuthMethods = append(row.AuthMethods, catalog.AuthMethod{Name: g.Name, DisplayName: g.Label})
	}
	conn.Schema = s
	row.QuickCheck = testsync.QuickSupport(conn).String()
}

// connectorRows merges what is installed with the catalog: the demo first,
// then installed connectors, then the rest of the catalog.
func connectorRows(found []discover.Found, entries []catalog.Entry) []ConnectorRow {
	var rows []ConnectorRow
	installed := map[string]bool{}
	for _, f := range found {
		row := ConnectorRow{Name: f.Name}
		if f.Source == "built-in" {
			row.DisplayName, row.Kind = "Demo (built in)", "other"
			row.Description = "Built-in demo connector with users, groups and roles; needs no credentials."
		} else if e, ok := catalog.Lookup(f.Name); ok {
			row = rowFor(e)
		}
		row.Installed, row.Path, row.Source, row.SDKVersion = true, f.Path, f.Source, f.SDKVersion
		installed[f.Name] = true
		rows = append(rows, row)
	}
	for _, e := range entries {
		if !installed[e.Name] {
			rows = append(rows, rowFor(e))
		}
	}
	return rows
}

func connectorsRun(ctx context.Context, opts *ConnectorsOptions) error {
	entries := catalog.All()
	if opts.Query != "" {
		entries = catalog.Filter(entries, opts.Query)
	}
	if opts.Installed {
		entries = nil
	}
	all := opts.Factory.Discover.All()
	rows := connectorRows(all, entries)
	if opts.Query != "" {
		keep := map[string]bool{}
		for _, e := range entries {
			keep[e.Name] = true
		}
		filtered := rows[:0]
		for _, r := range rows {
			if keep[r.Name] || strings.Contains(r.Name, strings.ToLower(opts.Query)) {
				filtered = append(filtered, r)
			}
		}
		rows = filtered
	}
	if opts.JSON {
		found := map[string]discover.Found{}
		for _, f := range all {
			found[f.Name] = f
		}
		for i := range rows {
			f, ok := found[rows[i].Name]
			if !rows[i].Installed || !ok {
				continue
			}
			s, err := opts.Factory.Discover.Schema(ctx, f)
			if err != nil {
				rows[i].SchemaError = err.Error()
				continue
			}
			withOwnSchema(&rows[i], s, f.Connector())
		}
		return writeJSON(opts.Factory.IO.Out, rows)
	}
	tw := tabwriter.NewWriter(opts.Factory.IO.Out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NAME\tKIND\tINSTALLED\tBATON-SDK\tDESCRIPTION")
	for _, r := range rows {
		where, sdk := "not installed", "-"
		if r.Installed {
			where = r.Path
		}
		if r.SDKVersion != "" {
			sdk = r.SDKVersion
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", r.Name, r.Kind, where, sdk, r.Description)
	}
	return tw.Flush()
}
