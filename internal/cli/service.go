package cli

import (
	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/plan"
)

// syncOnlyFlags have no meaning in service mode: the connector talks to
// ConductorOne itself, with no sync file, upload or schedule.
var syncOnlyFlags = []string{"dest", "region", "endpoint", "schedule", "scheduler", "systemd-system", "install-cron", "docker-image", "timeout"}

// checkModeFlags validates --mode and --client-id and the flags that do not
// go with service mode.
func checkModeFlags(cmd *cobra.Command, opts *GenerateOptions) error {
	switch opts.Mode {
	case "sync":
		opts.Mode = plan.ModeSync
	case plan.ModeSync, plan.ModeService:
	default:
		return flagErrorf("--mode %q: want sync or service", opts.Mode)
	}
	if opts.Mode != plan.ModeService {
		if opts.ClientID != "" && opts.Connector.PlanFile == "" && opts.Profile == "" {
			return flagErrorf("--client-id is for --mode service")
		}
		return nil
	}
	for _, name := range syncOnlyFlags {
		if cmd.Flags().Changed(name) {
			return flagErrorf("--%s: service mode has no sync file, upload or schedule; the connector takes its tasks from ConductorOne itself", name)
		}
	}
	if opts.ClientID != "" {
		if err := plan.ValidateClientID(opts.ClientID); err != nil {
			return &FlagError{err: err}
		}
	}
	return nil
}
