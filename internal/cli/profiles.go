package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/schedule"
)

// ProfilesOptions are the inputs of `baton-setup profiles`.
type ProfilesOptions struct {
	Factory *Factory

	JSON bool
}

func newProfilesCmd(f *Factory, runF func(context.Context, *ProfilesOptions) error) *cobra.Command {
	opts := &ProfilesOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "profiles",
		Short: "List saved setups",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return profilesRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print a JSON array")
	return cmd
}

func profilesRun(_ context.Context, opts *ProfilesOptions) error {
	root, err := opts.Factory.ConfigDir()
	if err != nil {
		return fmt.Errorf("find config directory: %w", err)
	}
	list, err := profile.List(root)
	if err != nil {
		return err
	}
	if opts.JSON {
		if list == nil {
			list = []profile.Info{}
		}
		return json.NewEncoder(opts.Factory.IO.Out).Encode(list)
	}
	if len(list) == 0 {
		fmt.Fprintf(opts.Factory.IO.ErrOut, "no profiles in %s; run baton-setup to create one\n", root)
		return nil
	}
	tw := tabwriter.NewWriter(opts.Factory.IO.Out, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tCONNECTOR\tDESTINATION\tSCHEDULE\tDIRECTORY")
	for _, p := range list {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", p.Name, p.Connector, p.Destination, schedule.Describe(p.Schedule), p.Dir)
	}
	return tw.Flush()
}

// PlanShowOptions are the inputs of `baton-setup plan show`.
type PlanShowOptions struct {
	Factory *Factory

	Profile string
	JSON    bool
}

func newPlanCmd(f *Factory, runF func(context.Context, *PlanShowOptions) error) *cobra.Command {
	cmd := &cobra.Command{Use: "plan", Short: "Show saved plans", Args: cobra.NoArgs}
	opts := &PlanShowOptions{Factory: f}
	show := &cobra.Command{
		Use:   "show --profile NAME",
		Short: "Print a profile's plan with secrets redacted (safe to paste in a support request)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Profile == "" {
				return flagErrorf("--profile is required")
			}
			if err := plan.ValidateProfile(opts.Profile); err != nil {
				return &FlagError{err: err}
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return planShowRun(cmd.Context(), opts)
		},
	}
	show.Flags().StringVar(&opts.Profile, "profile", "", "profile name")
	show.Flags().BoolVar(&opts.JSON, "json", false, "print JSON")
	cmd.AddCommand(show)
	return cmd
}

// profileError makes a bad or unknown profile name a usage error (exit 2).
func profileError(err error) error {
	if errors.Is(err, profile.ErrNotFound) {
		return &FlagError{err: fmt.Errorf("%w\nhint: baton-setup profiles lists the saved ones", err)}
	}
	return err
}

// redactedPlan is a plan with the names, never the values, of its secrets.
type redactedPlan struct {
	*plan.Plan
	Secrets map[string]string `json:"secrets"`
}

func planShowRun(_ context.Context, opts *PlanShowOptions) error {
	root, err := opts.Factory.ConfigDir()
	if err != nil {
		return fmt.Errorf("find config directory: %w", err)
	}
	p, secrets, err := profile.Load(root, opts.Profile)
	if err != nil {
		return profileError(err)
	}
	red := redactedPlan{Plan: p, Secrets: map[string]string{}}
	for name := range secrets {
		red.Secrets[name] = "••••"
	}
	if opts.JSON {
		return writeJSON(opts.Factory.IO.Out, red)
	}
	w := opts.Factory.IO.Out
	fmt.Fprintf(w, "profile:     %s (%s)\n", p.Profile, profile.Locate(root, p.Profile))
	fmt.Fprintf(w, "connector:   %s (%s)\n", p.Connector.Name, p.Connector.Path)
	if p.AuthMethod != "" {
		fmt.Fprintf(w, "auth method: %s\n", p.AuthMethod)
	}
	var names []string
	for k := range p.Values {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(w, "  %s = %q\n", k, p.Values[k])
	}
	names = names[:0]
	for k := range secrets {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		fmt.Fprintf(w, "  %s = •••• (secrets.env)\n", k)
	}
	fmt.Fprintf(w, "destination: %s\n", p.Destination)
	if d := p.Destination; d.Kind == plan.DestS3 {
		if d.Region != "" {
			fmt.Fprintf(w, "  region:      %s\n", d.Region)
		}
		if d.Endpoint != "" {
			fmt.Fprintf(w, "  endpoint:    %s\n", d.Endpoint)
		}
		fmt.Fprintf(w, "  credentials: %s\n", credentialMode(d))
	}
	fmt.Fprintf(w, "schedule:    %s (%s)\n", schedule.Describe(p.Schedule.Cron), p.Schedule.Cron)
	return nil
}

// credentialMode says where the upload's AWS credentials come from, without
// any secret.
func credentialMode(d plan.Destination) string {
	var s string
	switch d.Credentials {
	case plan.CredProfile:
		s = "AWS profile " + d.AWSProfile
	case plan.CredStatic:
		s = "static access keys (in secrets.env)"
	default:
		s = "the AWS default chain (instance profile, task role, environment)"
	}
	if d.RoleARN != "" {
		s += ", then assume role " + d.RoleARN
		if d.ExternalID != "" {
			s += " (with an external ID)"
		}
	}
	return s
}
