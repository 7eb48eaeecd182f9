package cli

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/container"
	"github.com/conductorone/baton-setup/internal/kube"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/setup"
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

	// Choices are the flags above as setup takes them.
	Choices setup.Choices

	// Verify runs sync.sh as its schedule will once the files are written.
	Verify bool
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
			if err := checkTimeout(opts.Timeout); err != nil {
				return err
			}
			if err := checkTarget(opts); err != nil {
				return err
			}
			if opts.Verify && (opts.DryRun || opts.Target != kube.TargetHost || opts.Mode == plan.ModeService) {
				return flagErrorf("--verify runs a scheduled sync on this machine: not with --dry-run, --target kubernetes or --mode service")
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
			case render.SchedulerSystemd, render.SchedulerLaunchd:
				if opts.InstallCron {
					return flagErrorf("--install-cron and --scheduler %s exclude each other", opts.Scheduler)
				}
				if opts.SystemdSystem && opts.Scheduler == render.SchedulerLaunchd {
					return flagErrorf("--systemd-system needs --scheduler systemd")
				}
			default:
				return flagErrorf("--scheduler %q: want cron, systemd or launchd", opts.Scheduler)
			}
			opts.Choices = opts.choices(cmd)
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return generateRun(cmd.Context(), opts)
		},
	}
	opts.Connector.register(cmd.Flags())
	cmd.Flags().StringArrayVar(&opts.Connector.Env, "env", nil, "carry the variable `NAME` from this environment into the profile, for a connector that reads it besides its settings (repeatable)")
	cmd.Flags().StringArrayVar(&opts.Connector.SecretEnv, "secret-env", nil, "the same for a secret variable `NAME`, kept in secrets.env; its value may also come from --secret-file NAME=PATH (repeatable)")
	// --secret-file also takes aws-access-key-id and aws-secret-access-key.
	opts.AWS.register(cmd.Flags(), false)
	fl := cmd.Flags()
	fl.StringVar(&opts.Profile, "profile", "", "profile name (default: the connector name)")
	fl.StringVar(&opts.Dest, "dest", "", "s3://BUCKET/KEY, or local to upload by hand")
	fl.StringVar(&opts.Region, "region", "", "AWS region of the bucket")
	fl.StringVar(&opts.Endpoint, "endpoint", "", "S3-compatible endpoint URL (path-style addressing)")
	fl.StringVar(&opts.Schedule, "schedule", "", "when to sync: "+schedule.PresetHelp+" (default: hourly)")
	fl.StringVar(&opts.Scheduler, "scheduler", render.SchedulerCron, "what runs sync.sh: cron, systemd (a .service and .timer pair) or launchd (a macOS agent; the default there for a new profile)")
	fl.BoolVar(&opts.SystemdSystem, "systemd-system", false, "write system units (for root's systemd) instead of user units")
	fl.StringVar(&opts.Out, "out", "", "output directory (default: <config dir>/baton-setup/<profile>)")
	fl.BoolVar(&opts.InstallCron, "install-cron", false, "install the crontab entry")
	fl.StringVar(&opts.DockerImage, "docker-image", "", "docker mode: sync.sh runs this connector image (e.g. public.ecr.aws/conductorone/baton-okta:latest) instead of the binary")
	fl.BoolVar(&opts.DryRun, "dry-run", false, "print the files and the changes, write nothing")
	fl.BoolVar(&opts.Verify, "verify", false, "then run sync.sh as its schedule will and prove the delivery (as baton-setup verify)")
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
	return setup.DefaultOutDir(setupEnv(f), profile)
}

// choices are the flags' answers about the setup.
func (opts *GenerateOptions) choices(cmd *cobra.Command) setup.Choices {
	c := setup.Choices{
		Profile: opts.Profile, Dest: opts.Dest, Region: opts.Region, Endpoint: opts.Endpoint,
		AWS:      opts.AWS.choice(),
		Schedule: opts.Schedule, InstallSchedule: opts.InstallCron, Out: opts.Out,
		Mode: opts.Mode, ClientID: opts.ClientID, Image: opts.DockerImage, Target: opts.Target, DryRun: opts.DryRun,
	}
	// A saved plan keeps its scheduler unless one is asked for.
	if cmd.Flags().Changed("scheduler") || cmd.Flags().Changed("systemd-system") {
		c.Scheduler, c.System = opts.Scheduler, opts.SystemdSystem
	}
	return c
}

func generateRun(ctx context.Context, opts *GenerateOptions) error {
	f := opts.Factory
	if opts.Connector.PlanFile == "" {
		// A saved profile of that name is the starting point.
		opts.Connector.Profile = opts.Profile
	}
	opts.Connector.DockerImage, opts.Connector.NoPull = opts.DockerImage, opts.DryRun
	opts.Connector.CatalogOnly = opts.Target == kube.TargetKubernetes
	g, err := gatherPlan(ctx, f, opts.Connector)
	if err != nil {
		return err
	}
	env := setupEnv(f)
	notes, err := setup.Complete(ctx, env, g, opts.Choices)
	if err != nil {
		return err
	}
	// Warnings and notes go to stderr, also with --json; the rest belongs
	// to the result.
	var rest []string
	for _, n := range notes {
		if strings.HasPrefix(n, "warning: ") || strings.HasPrefix(n, "note: ") {
			fmt.Fprintln(f.IO.ErrOut, n)
		} else {
			rest = append(rest, n)
		}
	}
	res, err := setup.Apply(ctx, env, g.Plan, setup.Options{
		Target: opts.Target, Timeout: opts.Timeout, Namespace: opts.Namespace,
		UploaderImage: opts.UploaderImage, DryRun: opts.DryRun,
	})
	if err != nil {
		return err
	}
	res.Notes = append(rest, res.Notes...)
	if opts.Verify {
		return verifyGenerated(ctx, opts, g.Plan, res)
	}
	if opts.JSON {
		// Stdout holds only the JSON; people read the notes on stderr.
		for _, n := range res.Notes {
			fmt.Fprintln(f.IO.ErrOut, n)
		}
		return writeJSON(f.IO.Out, res)
	}
	res.Print(f.IO.Out, selfCommand(res))
	return nil
}

// selfCommand is how printed commands call baton-setup: the copy sync.sh
// uses, so that they work when pasted.
func selfCommand(res setup.Result) string {
	if res.Self != "" {
		return res.Self
	}
	return "baton-setup"
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
