package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"time"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/generate"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schedule"
)

// GenerateOptions are the inputs of `baton-setup generate`.
type GenerateOptions struct {
	Factory *Factory

	Connector   connectorFlags
	Profile     string
	Dest        string
	Region      string
	Endpoint    string
	Schedule    string
	Out         string
	InstallCron bool
	Timeout     time.Duration
	JSON        bool
}

func newGenerateCmd(f *Factory, runF func(context.Context, *GenerateOptions) error) *cobra.Command {
	opts := &GenerateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "generate --connector NAME --dest s3://BUCKET/KEY|local [flags]",
		Short: "Write sync.sh, secrets.env and the crontab entry without prompts",
		Long: `Write a profile directory: sync.sh (0700, no secret values), secrets.env (0600)
and plan.json, and print the crontab entry. With --install-cron the entry is
installed as a marked block; nothing else in the crontab changes.

sync.sh runs the connector into a local file, checks it, and (for an S3
destination) uploads it with "baton-setup upload".`,
		Example: `  BATON_API_KEY=... baton-setup generate --connector demo --set tenant=acme \
    --dest s3://my-bucket/baton/demo/sync.c1z --region us-east-1 --schedule "17 * * * *"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.Dest == "" && opts.Connector.PlanFile == "" {
				return flagErrorf("--dest is required: s3://BUCKET/KEY, or local for manual upload")
			}
			if opts.Timeout <= 0 {
				return flagErrorf("--timeout %s: must be positive", opts.Timeout)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return generateRun(cmd.Context(), opts)
		},
	}
	opts.Connector.register(cmd.Flags())
	fl := cmd.Flags()
	fl.StringVar(&opts.Profile, "profile", "", "profile name (default: the connector name)")
	fl.StringVar(&opts.Dest, "dest", "", "s3://BUCKET/KEY, or local to upload by hand")
	fl.StringVar(&opts.Region, "region", "", "AWS region of the bucket")
	fl.StringVar(&opts.Endpoint, "endpoint", "", "S3-compatible endpoint URL (path-style addressing)")
	fl.StringVar(&opts.Schedule, "schedule", "", "five-field cron expression (default: hourly at a random minute)")
	fl.StringVar(&opts.Out, "out", "", "output directory (default: <config dir>/baton-setup/<profile>)")
	fl.BoolVar(&opts.InstallCron, "install-cron", false, "install the crontab entry")
	fl.DurationVar(&opts.Timeout, "timeout", time.Hour, "longest a scheduled sync may run")
	fl.BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	return cmd
}

// defaultOutDir is where a profile lives unless --out says otherwise.
func defaultOutDir(f *Factory, profile string) (string, error) {
	dir, err := f.ConfigDir()
	if err != nil {
		return "", fmt.Errorf("find config directory: %w", err)
	}
	return filepath.Join(dir, profile), nil
}

func generateRun(ctx context.Context, opts *GenerateOptions) error {
	f := opts.Factory
	p, err := gatherPlan(ctx, f, opts.Connector)
	if err != nil {
		return err
	}
	if err := requireComplete(p); err != nil {
		return err
	}
	if opts.Profile != "" {
		p.Profile = opts.Profile
	} else if p.Profile == "" {
		p.Profile = p.Connector.Name
	}
	if err := plan.ValidateProfile(p.Profile); err != nil {
		return &FlagError{err: err}
	}
	dest := p.Destination
	if opts.Dest != "" {
		if dest, err = plan.ParseDest(opts.Dest); err != nil {
			return &FlagError{err: err}
		}
	}
	if opts.Region != "" {
		dest.Region = opts.Region
	}
	if opts.Endpoint != "" {
		dest.Endpoint = opts.Endpoint
	}
	if err := dest.Validate(); err != nil {
		return &FlagError{err: err}
	}
	p.Destination = dest
	spec := opts.Schedule
	if spec == "" {
		spec = p.Schedule.Cron
	}
	if spec == "" {
		spec = schedule.Hourly(schedule.RandomMinute())
	}
	if p.Schedule.Cron, err = schedule.Normalize(spec); err != nil {
		return &FlagError{err: err}
	}
	p.Schedule.Install = opts.InstallCron
	out := opts.Out
	if out == "" && p.Output.Dir != "" && opts.Profile == "" {
		out = p.Output.Dir
	}
	if out == "" {
		if out, err = defaultOutDir(f, p.Profile); err != nil {
			return err
		}
	}
	if p.Output.Dir, err = filepath.Abs(out); err != nil {
		return &FlagError{err: fmt.Errorf("--out %s: %w", out, err)}
	}
	self, err := f.Discover.Self()
	if err != nil {
		return fmt.Errorf("locate baton-setup: %w", err)
	}
	binDir, err := f.DataDir()
	if err != nil {
		return err
	}
	res, err := generate.Run(ctx, p, generate.Options{
		Self: self, BinDir: filepath.Join(binDir, "bin"), Timeout: opts.Timeout, Crontab: f.Crontab, Now: f.Now,
	})
	if err != nil {
		return err
	}
	if opts.JSON {
		enc := json.NewEncoder(f.IO.Out)
		enc.SetIndent("", "  ")
		return enc.Encode(res)
	}
	w := f.IO.Out
	if res.CopiedSelf {
		fmt.Fprintf(w, "copied this temporary build of baton-setup to %s so that sync.sh can call it\n", res.Self)
	}
	for _, file := range res.Files {
		fmt.Fprintf(w, "wrote %s (%04o)\n", file.Path, file.Mode)
	}
	fmt.Fprintf(w, "schedule: %s\n", schedule.Describe(p.Schedule.Cron))
	if schedule.MoreThanHourly(p.Schedule.Cron) {
		fmt.Fprintln(w, "warning: ConductorOne reads the bucket once an hour; running more often adds load without fresher data")
	}
	if res.CronInstalled {
		fmt.Fprintln(w, "installed the crontab entry:")
	} else {
		fmt.Fprintln(w, "crontab entry (install it with --install-cron, or add it with `crontab -e`):")
	}
	fmt.Fprint(w, res.CronBlock)
	if res.CronBackup != "" {
		fmt.Fprintf(w, "previous crontab saved to %s\n", res.CronBackup)
	}
	fmt.Fprintf(w, "run it now: %s\n", render.SyncScript(p))
	if p.Destination.Kind == plan.DestS3 {
		fmt.Fprintf(w, "in ConductorOne, set the S3 data source's File name to exactly: %s\n", p.Destination.Key)
	} else {
		fmt.Fprintf(w, "upload %s by hand: Applications > your app > Connectors > Import app data > From file\n", filepath.Join(p.Output.Dir, "sync.c1z"))
	}
	return nil
}
