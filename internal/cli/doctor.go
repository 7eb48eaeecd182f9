package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/doctor"
	"github.com/conductorone/baton-setup/internal/profile"
)

// DoctorOptions are the inputs of `baton-setup doctor`.
type DoctorOptions struct {
	Factory *Factory

	Profile string
	JSON    bool
}

func newDoctorCmd(f *Factory, runF func(context.Context, *DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "doctor --profile NAME",
		Short: "Check that a saved setup can run unattended",
		Long: `Check a profile: the connector binary, the flock and timeout commands, the
modes and owner of the generated files, the work directory, and the crontab
entry. Each failed check says how to fix it; the exit code is 1 when any fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Profile == "" {
				return flagErrorf("--profile is required (see baton-setup profiles)")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return doctorRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Profile, "profile", "", "profile name")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the results as JSON")
	return cmd
}

func doctorRun(ctx context.Context, opts *DoctorOptions) error {
	f := opts.Factory
	root, err := f.ConfigDir()
	if err != nil {
		return fmt.Errorf("find config directory: %w", err)
	}
	p, err := profile.LoadPlan(root, opts.Profile)
	if err != nil {
		return err
	}
	results := doctor.Run(ctx, doctor.Checks(doctor.Env{
		Plan: p, Dir: profile.Dir(root, opts.Profile), LookPath: exec.LookPath, Crontab: f.Crontab, UID: os.Getuid(),
	}))
	failed := 0
	for _, r := range results {
		if !r.OK {
			failed++
		}
	}
	if opts.JSON {
		if err := json.NewEncoder(f.IO.Out).Encode(results); err != nil {
			return err
		}
	} else {
		for _, r := range results {
			if r.OK {
				fmt.Fprintf(f.IO.Out, "✓ %s\n", r.Name)
				continue
			}
			fmt.Fprintf(f.IO.Out, "✗ %s\n", r.Name)
			for _, line := range strings.Split(r.Err, "\n") {
				fmt.Fprintf(f.IO.Out, "    %s\n", line)
			}
		}
	}
	if failed > 0 {
		fmt.Fprintf(f.IO.ErrOut, "%d of %d checks failed\n", failed, len(results))
		return &silentError{code: exitError}
	}
	return nil
}
