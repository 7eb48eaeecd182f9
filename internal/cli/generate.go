package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/container"
	"github.com/conductorone/baton-setup/internal/generate"
	"github.com/conductorone/baton-setup/internal/kube"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schedule"
)

// GenerateOptions are the inputs of `baton-setup generate`.
type GenerateOptions struct {
	Factory *Factory

	Connector     connectorFlags
	Profile       string
	Dest          string
	Region        string
	Endpoint      string
	Schedule      string
	Scheduler     string
	SystemdSystem bool
	Out           string
	InstallCron   bool
	DockerImage   string
	DryRun        bool
	Timeout       time.Duration
	JSON          bool
	// AWS chooses the uploader's credentials for an S3 destination.
	AWS awsCredFlags

	// Target is kube.TargetHost or kube.TargetKubernetes (manifests in
	// <out>/kubernetes instead of sync.sh and a schedule).
	Target        string
	Namespace     string
	UploaderImage string

	// Mode is "" or "sync" for scheduled syncs, "service" for service mode.
	Mode     string
	ClientID string
}

func newGenerateCmd(f *Factory, runF func(context.Context, *GenerateOptions) error) *cobra.Command {
	opts := &GenerateOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "generate --connector NAME --dest s3://BUCKET/KEY|local [flags]",
		Short: "Write sync.sh, secrets.env and the schedule without prompts",
		Long: `Write a profile directory: sync.sh (0700, no secret values), secrets.env (0600),
plan.json and README.txt, and print the crontab entry. With --install-cron the
entry is installed as a marked block; nothing else in the crontab changes.
With --scheduler systemd a .service and .timer pair is written instead, and
the systemctl commands that enable it are printed.

sync.sh runs the connector into a local file, checks it, and (for an S3
destination) uploads it with "baton-setup upload".

Regenerating shows a diff of every changed file (secret values masked) and
keeps the previous version in backup/. --dry-run shows the files and diffs
and writes nothing.

ConductorOne's client-id and client-secret are refused: they switch a
connector into service mode, a long-running process that takes tasks from
ConductorOne, which is not a scheduled sync.`,
		Example: `  BATON_API_KEY=... baton-setup generate --connector demo --set tenant=acme \
    --dest s3://my-bucket/baton/demo/sync.c1z --region us-east-1 --schedule hourly:17
  baton-setup generate --plan ~/.config/baton-setup/demo/plan.json --dry-run`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkModeFlags(cmd, opts); err != nil {
				return err
			}
			if opts.Dest == "" && opts.Connector.PlanFile == "" && opts.Profile == "" && opts.Mode != plan.ModeService {
				return flagErrorf("--dest is required: s3://BUCKET/KEY, or local for manual upload")
			}
			if opts.Out != "" && strings.TrimSpace(opts.Out) == "" {
				return flagErrorf("--out %q: give a directory path", opts.Out)
			}
			if opts.Timeout < time.Second {
				return flagErrorf("--timeout %s: must be at least 1s", opts.Timeout)
			}
			if err := checkTarget(opts); err != nil {
				return err
			}
			if opts.Target == kube.TargetHost {
				for _, name := range []string{"namespace", "uploader-image"} {
					if cmd.Flags().Changed(name) {
						return flagErrorf("--%s is for --target kubernetes", name)
					}
				}
			}
			if opts.DockerImage != "" {
				if err := container.CheckImage(opts.DockerImage); err != nil {
					return flagErrorf("--docker-image: %w", err)
				}
			}
			if err := opts.AWS.check(); err != nil {
				return err
			}
			switch opts.Scheduler {
			case render.SchedulerCron:
				if opts.SystemdSystem {
					return flagErrorf("--systemd-system needs --scheduler systemd")
				}
			case render.SchedulerSystemd:
				if opts.InstallCron {
					return flagErrorf("--install-cron and --scheduler systemd exclude each other")
				}
			default:
				return flagErrorf("--scheduler %q: want cron or systemd", opts.Scheduler)
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return generateRun(cmd.Context(), opts)
		},
	}
	opts.Connector.register(cmd.Flags())
	// --secret-file also takes aws-access-key-id and aws-secret-access-key.
	opts.AWS.register(cmd.Flags(), false)
	fl := cmd.Flags()
	fl.StringVar(&opts.Profile, "profile", "", "profile name (default: the connector name)")
	fl.StringVar(&opts.Dest, "dest", "", "s3://BUCKET/KEY, or local to upload by hand")
	fl.StringVar(&opts.Region, "region", "", "AWS region of the bucket")
	fl.StringVar(&opts.Endpoint, "endpoint", "", "S3-compatible endpoint URL (path-style addressing)")
	fl.StringVar(&opts.Schedule, "schedule", "", "when to sync: "+schedule.PresetHelp+" (default: hourly)")
	fl.StringVar(&opts.Scheduler, "scheduler", render.SchedulerCron, "what runs sync.sh: cron, or systemd (a .service and .timer pair)")
	fl.BoolVar(&opts.SystemdSystem, "systemd-system", false, "write system units (for root's systemd) instead of user units")
	fl.StringVar(&opts.Out, "out", "", "output directory (default: <config dir>/baton-setup/<profile>)")
	fl.BoolVar(&opts.InstallCron, "install-cron", false, "install the crontab entry")
	fl.StringVar(&opts.DockerImage, "docker-image", "", "docker mode: sync.sh runs this connector image (e.g. public.ecr.aws/conductorone/baton-okta:latest) instead of the binary")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the files and the changes, write nothing")
	fl.DurationVar(&opts.Timeout, "timeout", time.Hour, "longest a scheduled sync may run")
	fl.BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	fl.StringVar(&opts.Mode, "mode", "", "sync (default: scheduled syncs), or service: a long-running connector with a ConductorOne client ID and secret (BATON_CLIENT_SECRET, --secret-file client-secret=PATH or --secret-stdin client-secret)")
	fl.StringVar(&opts.ClientID, "client-id", "", "service mode: the ConductorOne client ID, NAME@TENANT-HOST/SUFFIX")
	fl.StringVar(&opts.Target, "target", kube.TargetHost, "what to generate: host (sync.sh and a schedule on this machine) or kubernetes (manifests in <out>/kubernetes)")
	fl.StringVar(&opts.Namespace, "namespace", kube.DefaultNamespace, "kubernetes target: namespace of the objects")
	fl.StringVar(&opts.UploaderImage, "uploader-image", kube.DefaultUploaderImage, "kubernetes target: baton-setup image of the upload container (build it with the Dockerfile)")
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
	if opts.Connector.PlanFile == "" {
		// A saved profile of that name is the starting point.
		opts.Connector.Profile = opts.Profile
	}
	clientSecret, err := takeClientSecret(f, &opts.Connector)
	if err != nil {
		return err
	}
	opts.Connector.SecretFiles, opts.AWS.SecretFiles = splitAWSSecretFiles(opts.Connector.SecretFiles)
	opts.Connector.DockerImage, opts.Connector.NoPull = opts.DockerImage, opts.DryRun
	p, err := gatherPlan(ctx, f, opts.Connector)
	if err != nil {
		return err
	}
	// Before the generic checks, so that the message names service mode.
	if err := generate.CheckScheduled(p); err != nil {
		return &FlagError{err: err}
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
	if opts.Mode == plan.ModeService || (opts.Mode == "" && p.Mode == plan.ModeService) {
		if err := applyService(opts, p, clientSecret); err != nil {
			return err
		}
		if opts.Target != kube.TargetKubernetes {
			return generateServiceRun(ctx, opts, p)
		}
	} else if clientSecret != "" {
		return flagErrorf("client-secret: only service mode takes a client secret (--mode service)")
	} else {
		p.Mode = plan.ModeSync
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
	if dest.Kind == "" {
		return flagErrorf("--dest is required: s3://BUCKET/KEY, or local for manual upload")
	}
	if dest.Kind == plan.DestS3 {
		if err := opts.AWS.apply(f, &dest); err != nil {
			return err
		}
	}
	if err := dest.Validate(); err != nil {
		return &FlagError{err: err}
	}
	for _, w := range credentialWarnings(ctx, f, dest) {
		fmt.Fprintln(f.IO.ErrOut, "warning: "+w)
	}
	p.Destination = dest
	spec := opts.Schedule
	if spec == "" {
		spec = p.Schedule.Cron
	}
	if spec == "" {
		spec = "hourly"
	}
	if p.Schedule.Cron, err = schedule.ParsePreset(spec, schedule.RandomMinute); err != nil {
		return &FlagError{err: err}
	}
	p.Schedule.Install = opts.InstallCron
	if opts.DockerImage != "" {
		p.Connector.Image = opts.DockerImage
		// The image holds the connector; the local binary only gave the schema.
		p.Connector.Args = nil
	}
	if p.Connector.Image != "" && opts.Target != kube.TargetKubernetes {
		// Cron's PATH is minimal: record where docker is now.
		docker, err := exec.LookPath("docker")
		if err != nil {
			return fmt.Errorf("docker mode: the docker CLI is not installed: %w", err)
		}
		if p.Connector.Docker, err = filepath.Abs(docker); err != nil {
			return fmt.Errorf("docker mode: %w", err)
		}
		// sync.sh writes the values into docker's env file at run time.
		if err := container.CheckEnv(p.ConnectorEnv()); err != nil {
			return &FlagError{err: err}
		}
		if err := dockerPreflight(ctx, opts, p); err != nil {
			return err
		}
	}
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
	if opts.Target == kube.TargetKubernetes {
		return generateKubeRun(opts, p)
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
		Self: self, BinDir: filepath.Join(binDir, "bin"), Timeout: opts.Timeout,
		Scheduler: opts.Scheduler, SystemdSystem: opts.SystemdSystem, DryRun: opts.DryRun,
		Crontab: f.Crontab, Now: f.Now,
	})
	if err != nil {
		return err
	}
	if opts.JSON {
		return writeJSON(f.IO.Out, res)
	}
	printGenerated(f.IO.Out, p, res)
	return nil
}

// dockerPreflight checks that docker can run the image, and pulls it when
// missing; a dry run only says that it would pull it.
func dockerPreflight(ctx context.Context, opts *GenerateOptions, p *plan.Plan) error {
	if !opts.DryRun {
		return container.Preflight(ctx, p.Connector.Docker, p.Connector.Image)
	}
	present, err := container.Present(ctx, p.Connector.Docker, p.Connector.Image)
	if err != nil || present {
		return err
	}
	w := opts.Factory.IO.Out
	if opts.JSON {
		w = opts.Factory.IO.ErrOut
	}
	fmt.Fprintf(w, "dry run: would pull %s (docker image inspect finds no copy on this machine)\n", p.Connector.Image)
	return nil
}

// checkTarget validates --target and the flags that belong to one target.
func checkTarget(opts *GenerateOptions) error {
	switch opts.Target {
	case kube.TargetHost:
		return nil
	case kube.TargetKubernetes:
	default:
		return flagErrorf("--target %q: want host or kubernetes", opts.Target)
	}
	if opts.InstallCron || opts.Scheduler != render.SchedulerCron || opts.SystemdSystem {
		return flagErrorf("--install-cron, --scheduler and --systemd-system are for --target host; a CronJob runs the kubernetes target")
	}
	if err := kube.ValidateNamespace(opts.Namespace); err != nil {
		return flagErrorf("--namespace: %w", err)
	}
	if err := container.CheckImage(opts.UploaderImage); err != nil {
		return flagErrorf("--uploader-image: %w", err)
	}
	if opts.DockerImage != "" {
		if err := container.CheckImage(opts.DockerImage); err != nil {
			return flagErrorf("--docker-image: %w", err)
		}
	}
	return nil
}

// generateKubeRun writes the kubernetes target's manifests.
func generateKubeRun(opts *GenerateOptions, p *plan.Plan) error {
	f := opts.Factory
	res, err := kube.Run(p, kube.Options{
		Namespace: opts.Namespace, UploaderImage: opts.UploaderImage,
		Timeout: opts.Timeout, DryRun: opts.DryRun, Now: f.Now,
	})
	var ie *kube.InputError
	if errors.As(err, &ie) {
		return &FlagError{err: err}
	}
	if err != nil {
		return err
	}
	if opts.JSON {
		return writeJSON(f.IO.Out, res)
	}
	kube.Print(f.IO.Out, res)
	return nil
}

// printGenerated tells the user what changed, when the sync will run and
// what to do next. Secret values never reach it: File.Shown and the diffs
// mask them.
func printGenerated(w io.Writer, p *plan.Plan, res generate.Result) {
	if res.DryRun {
		fmt.Fprintln(w, "dry run: nothing is written")
	}
	if res.CopiedSelf {
		fmt.Fprintln(w, generate.CopyNote(res.Self, res.DryRun, "sync.sh"))
	}
	render.PrintChanges(w, res.Changes, func(i int) string { return res.Files[i].Shown() }, res.DryRun)
	res.Schedule.Print(w)
	if res.Scheduler == render.SchedulerSystemd {
		fmt.Fprintln(w, "enable the systemd timer with:")
		render.Indent(w, strings.Join(res.SystemdCommands, "\n"))
		fmt.Fprintln(w, "after a later regeneration, run systemctl daemon-reload (with --user for user units)")
	} else {
		switch {
		case res.CronInstalled:
			fmt.Fprintln(w, "installed the crontab entry:")
		case p.Schedule.Install:
			fmt.Fprintln(w, "would install the crontab entry:")
		default:
			fmt.Fprintln(w, "crontab entry (install it with --install-cron or `baton-setup schedule install`):")
		}
		fmt.Fprint(w, res.CronBlock)
		if res.CronDiff != "" && res.DryRun {
			fmt.Fprintln(w, "crontab changes:")
			render.Indent(w, res.CronDiff)
		}
		if res.CronBackup != "" {
			fmt.Fprintf(w, "previous crontab saved to %s\n", res.CronBackup)
		}
	}
	fmt.Fprintf(w, "run it now: %s\n", render.SyncScript(p))
	if p.Destination.Kind == plan.DestS3 {
		fmt.Fprintf(w, "in ConductorOne, set the S3 data source's File name to exactly: %s\n", p.Destination.Key)
	} else {
		fmt.Fprintf(w, "upload %s by hand: Applications > your app > Connectors > Import app data > From file\n", filepath.Join(p.Output.Dir, "sync.c1z"))
	}
}
