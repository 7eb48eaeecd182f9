package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/doctor"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/setup"
	"github.com/conductorone/baton-setup/internal/upload"
)

// DoctorOptions are the inputs of `baton-setup doctor`.
type DoctorOptions struct {
	Factory *Factory

	Profile string
	// Dir is the profile's directory, for one written with generate --out.
	Dir  string
	JSON bool
	// Run also runs sync.sh as the schedule will (baton-setup verify).
	Run bool
	// Systemctl replaces the systemctl command in tests; nil runs it.
	Systemctl func(ctx context.Context, args ...string) (string, error)
}

func newDoctorCmd(f *Factory, runF func(context.Context, *DoctorOptions) error) *cobra.Command {
	opts := &DoctorOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "doctor --profile NAME | --dir DIR",
		Short: "Check that a saved setup can run unattended",
		Long: `Check a profile: the connector binary (its version and baton-sdk version),
the flock and timeout commands (or sync.sh's fallbacks for them, as on
macOS), the crontab, systemctl or launchctl command, the modes and owner of
the generated files, that only you can read the secrets file, that the
crontab block is installed exactly once (or the systemd timer enabled, or
the launchd agent loaded), AWS identity and bucket access (read-only:
nothing is written), and the work directory. For a service-mode profile: the unit file, and that the service is
enabled and running. Each failed check says how to fix it; the exit code is 1
when any fails.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkProfileFlags(opts.Profile, opts.Dir); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return doctorRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVar(&opts.Profile, "profile", "", "profile name")
	cmd.Flags().StringVar(&opts.Dir, "dir", "", "profile directory (one written with generate --out is also found by --profile)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the results as JSON")
	cmd.Flags().BoolVar(&opts.Run, "run", false, "also run sync.sh now as its schedule will and prove the delivery (as baton-setup verify)")
	return cmd
}

func doctorRun(ctx context.Context, opts *DoctorOptions) error {
	f := opts.Factory
	p, dir, err := loadProfile(f, opts.Profile, opts.Dir)
	if err != nil {
		return err
	}
	// An unreadable or unsafe secrets.env is reported by its own check.
	secrets, _ := profile.ReadEnvFile(filepath.Join(dir, "secrets.env"))
	self := "baton-setup"
	if f.Discover.Self != nil {
		if s, err := f.Discover.Self(); err == nil {
			self = s
		}
	}
	env := doctor.Env{
		Plan: p, Dir: dir, Self: self, LookPath: exec.LookPath,
		Crontab: f.Crontab, UID: os.Getuid(), Systemctl: opts.Systemctl,
	}
	env.Drift = func(ctx context.Context) (plan.Drift, error) {
		return setup.CheckDrift(ctx, setupEnv(f), opts.Profile)
	}
	if p.Destination.Kind == plan.DestS3 {
		env.Preflight = func(ctx context.Context) (*upload.Preflight, error) {
			return doctorPreflight(ctx, f, p.Destination, secrets)
		}
	}
	results := doctor.Run(ctx, doctor.Checks(env))
	if ctx.Err() != nil {
		return errCancelled
	}
	if opts.Run {
		results = append(results, verifyCheck(ctx, f, p, env.Dir))
	}
	failed := doctor.Failed(results)
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
			for _, line := range strings.Split(r.Fix, "\n") {
				if line != "" {
					fmt.Fprintf(f.IO.Out, "    fix: %s\n", line)
				}
			}
		}
	}
	if failed > 0 {
		fmt.Fprintf(f.IO.ErrOut, "%d of %d checks failed\n", failed, len(results))
		return &silentError{code: exitError}
	}
	return nil
}

// doctorPreflight builds the S3 preflight the way sync.sh's upload sees
// AWS: with the AWS_* values of secrets.env over the environment. It never
// writes.
func doctorPreflight(ctx context.Context, f *Factory, dest plan.Destination, secrets map[string]string) (*upload.Preflight, error) {
	getenv := func(name string) string {
		if v, ok := secrets[name]; ok && (strings.HasPrefix(name, "AWS_") || strings.HasPrefix(name, "BATON_SETUP_AWS_")) {
			return v
		}
		return f.Getenv(name)
	}
	sf := *f
	sf.Getenv = getenv
	co := clientOptions(&sf, dest)
	co.MaxAttempts = 2
	api, err := f.NewS3(ctx, co)
	if err != nil {
		return nil, err
	}
	bucketAPI, ok := api.(upload.BucketAPI)
	if !ok {
		return nil, errors.New("check s3: this S3 client cannot check buckets")
	}
	region := dest.Region
	if cfg, err := upload.LoadConfig(ctx, co); err == nil && region == "" {
		region = cfg.Region
	}
	p := &upload.Preflight{S3: bucketAPI, Bucket: dest.Bucket, Key: dest.Key, Region: region, SkipWrite: "doctor writes nothing"}
	if co.CustomEndpoint() && getenv("AWS_ENDPOINT_URL_STS") == "" && getenv("AWS_ENDPOINT_URL") == "" {
		p.SkipReason = "custom S3 endpoint and no STS endpoint"
		return p, nil
	}
	st, err := upload.NewSTSClient(ctx, co)
	if err != nil {
		return nil, err
	}
	p.STS, p.IdentityOptional = st, co.CustomEndpoint()
	return p, nil
}
