package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/generate"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/servicemode"
)

// clientSecretField is how --secret-file and --secret-stdin name the
// ConductorOne client secret, like the SDK's own flag.
const clientSecretField = "client-secret"

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

// takeClientSecret reads the client secret named by --secret-file
// client-secret=PATH or --secret-stdin client-secret and removes those
// entries, which gatherPlan would look for among the connector's fields.
func takeClientSecret(f *Factory, c *connectorFlags) (string, error) {
	secret := ""
	kept := c.SecretFiles[:0:0]
	for _, kv := range c.SecretFiles {
		k, path, _ := strings.Cut(kv, "=")
		if k != clientSecretField {
			kept = append(kept, kv)
			continue
		}
		if path == "" {
			return "", flagErrorf("--secret-file %q: want client-secret=PATH", kv)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return "", flagErrorf("--secret-file client-secret: %w", err)
		}
		secret = strings.TrimRight(string(data), "\r\n")
	}
	c.SecretFiles = kept
	if c.SecretStdin == clientSecretField {
		data, err := io.ReadAll(io.LimitReader(f.IO.In, 1<<20))
		if err != nil {
			return "", flagErrorf("--secret-stdin client-secret: %w", err)
		}
		if secret = strings.TrimRight(string(data), "\r\n"); secret == "" {
			return "", flagErrorf("--secret-stdin client-secret: standard input was empty")
		}
		c.SecretStdin = ""
	}
	return secret, nil
}

// applyService puts service mode, the client ID and the client secret into
// the plan. Each comes from its flag, else its BATON_* variable, else the
// profile being regenerated (plan.json, service.env).
func applyService(opts *GenerateOptions, p *plan.Plan, secret string) error {
	f := opts.Factory
	p.Mode = plan.ModeService
	p.Destination, p.Schedule = plan.Destination{}, plan.Schedule{}
	switch {
	case opts.ClientID != "":
		p.Service.ClientID = opts.ClientID
	case f.Getenv("BATON_CLIENT_ID") != "":
		p.Service.ClientID = f.Getenv("BATON_CLIENT_ID")
	}
	if p.Service.ClientID == "" {
		return flagErrorf("--client-id is required in service mode: the ConductorOne client ID, NAME@TENANT-HOST/SUFFIX")
	}
	if err := plan.ValidateClientID(p.Service.ClientID); err != nil {
		return &FlagError{err: err}
	}
	out := opts.Out
	if out == "" && p.Output.Dir != "" && opts.Profile == "" {
		out = p.Output.Dir
	}
	var err error
	if out == "" {
		if out, err = defaultOutDir(f, p.Profile); err != nil {
			return err
		}
	}
	if p.Output.Dir, err = filepath.Abs(out); err != nil {
		return &FlagError{err: fmt.Errorf("--out %s: %w", out, err)}
	}
	if secret == "" {
		secret = f.Getenv(plan.SecretClientSecret)
	}
	if secret == "" {
		// Regenerating keeps the secret already in place.
		if saved, err := profile.ReadEnvFile(filepath.Join(p.Output.Dir, servicemode.EnvFile)); err == nil {
			secret = saved[plan.SecretClientSecret]
		}
	}
	if secret == "" {
		return flagErrorf("client secret: not set\nhint: set %s in the environment, or use --secret-file %s=PATH or --secret-stdin %s; never put it on the command line", plan.SecretClientSecret, clientSecretField, clientSecretField)
	}
	if err := plan.ValidateClientSecret(secret); err != nil {
		return &FlagError{err: err}
	}
	if p.Secrets == nil {
		p.Secrets = map[string]plan.Secret{}
	}
	p.Secrets[plan.SecretClientSecret] = plan.NewSecret(secret)
	return nil
}

// generateServiceRun writes service mode's files and says how to start the
// service and check on it.
func generateServiceRun(_ context.Context, opts *GenerateOptions, p *plan.Plan) error {
	f := opts.Factory
	res, stable, copied, err := generateService(f, p, opts.DryRun)
	if err != nil {
		return err
	}
	if opts.JSON {
		return writeJSON(f.IO.Out, res)
	}
	w := f.IO.Out
	if res.DryRun {
		fmt.Fprintln(w, "dry run: nothing is written")
	}
	if copied {
		fmt.Fprintln(w, generate.CopyNote(stable, res.DryRun, "the service"))
	}
	render.PrintChanges(w, res.Changes, func(i int) string { return res.Files[i].Shown() }, res.DryRun)
	fmt.Fprintln(w, "service mode: the connector runs all the time and takes its tasks from ConductorOne; no sync.sh, schedule or S3")
	fmt.Fprintln(w, "enable and start it (as root):")
	render.Indent(w, strings.Join(res.SystemdCommands, "\n"))
	fmt.Fprintln(w, "check it:")
	render.Indent(w, strings.Join(res.CheckCommands, "\n"))
	fmt.Fprintf(w, "after a later regeneration: systemctl daemon-reload && systemctl restart %s\n", res.Unit)
	return nil
}

// generateService writes (or, with dryRun, renders) service mode's files for
// p: the one code path behind generate --mode service and the wizard. It
// points the plan at a baton-setup that outlives this process, copying a
// temporary build when not a dry run, and returns that baton-setup and
// whether it copied one.
func generateService(f *Factory, p *plan.Plan, dryRun bool) (res servicemode.Result, self string, copied bool, err error) {
	if self, copied, err = serviceSelf(f, p, dryRun); err != nil {
		return res, "", false, err
	}
	res, err = servicemode.Generate(p, servicemode.Options{Self: self, DryRun: dryRun, Now: f.Now})
	return res, self, copied, err
}

// serviceSelf returns a baton-setup that outlives this process, copied from
// a temporary build unless dryRun, and points p's connector at it when the
// connector is baton-setup itself (the demo).
func serviceSelf(f *Factory, p *plan.Plan, dryRun bool) (self string, copied bool, err error) {
	running, err := f.Discover.Self()
	if err != nil {
		return "", false, fmt.Errorf("locate baton-setup: %w", err)
	}
	binDir, err := f.DataDir()
	if err != nil {
		return "", false, err
	}
	if self, copied, err = generate.StableSelf(running, filepath.Join(binDir, "bin"), dryRun); err != nil {
		return "", false, err
	}
	generate.Retarget(p, running, self)
	return self, copied, nil
}
