package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/conductorone/baton-setup/internal/awsconf"
	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/setup"
	"github.com/conductorone/baton-setup/internal/upload"
)

// S3CheckOptions are the inputs of `baton-setup s3 check`.
type S3CheckOptions struct {
	Factory *Factory
	// NewSTS builds the identity client; nil means upload.NewSTSClient.
	NewSTS func(ctx context.Context, opts upload.ClientOptions) (upload.STSAPI, error)

	s3Flags
	File         string
	PreflightKey bool
	JSON         bool

	// Multipart tuning and retry pacing; tests shorten them.
	PartSize    int64
	Threshold   int64
	MaxAttempts int
	MaxBackoff  time.Duration
}

func newS3Cmd(f *Factory, runF func(context.Context, *S3CheckOptions) error) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "s3",
		Short: "Check an S3 destination",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newS3CheckCmd(f, runF))
	return cmd
}

func newS3CheckCmd(f *Factory, runF func(context.Context, *S3CheckOptions) error) *cobra.Command {
	opts := &S3CheckOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "check --dest s3://BUCKET/KEY",
		Short: "Prove this machine can deliver sync files to the bucket",
		Long: `Run every check an unattended upload depends on, and list them all:

  identity   STS GetCallerIdentity: the account and ARN in use
  bucket     HeadBucket and GetBucketLocation: it exists, in the region used
  write      upload --file to the key (or a small marker object to KEY.preflight)
  read back  HeadObject: the object is there with the right size
  cleanup    delete KEY.preflight

Then print what to type into ConductorOne and the minimal IAM policy for the
uploader. Exit 1 when any check fails.

--preflight-key writes to KEY.preflight even with --file, and deletes it, so
the object ConductorOne reads is not touched.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return s3CheckRun(cmd.Context(), opts)
		},
	}
	opts.s3Flags.register(cmd)
	cmd.Flags().StringVar(&opts.File, "file", "", "a finished c1z to upload (a test sync)")
	cmd.Flags().BoolVar(&opts.PreflightKey, "preflight-key", false, "write to KEY.preflight and delete it, leaving the real key untouched")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the report as JSON")
	return cmd
}

func s3CheckRun(ctx context.Context, opts *S3CheckOptions) error {
	f := opts.Factory
	dest, err := s3Destination(f, opts.s3Flags)
	if err != nil {
		return err
	}
	co := clientOptions(f, dest)
	co.MaxAttempts, co.MaxBackoff = opts.MaxAttempts, opts.MaxBackoff
	co2 := upload.CheckOptions{
		Client: co, Bucket: dest.Bucket, Key: dest.Key,
		File: opts.File, MarkerKey: opts.PreflightKey,
		Uploader: upload.Uploader{PartSize: opts.PartSize, Threshold: opts.Threshold},
		NewS3:    f.NewS3, NewSTS: opts.NewSTS,
	}
	var pre []upload.Check
	if opts.File != "" {
		sum, err := c1z.Summarize(ctx, opts.File, "")
		if err != nil {
			pre = append(pre, upload.Check{Name: "sync file", Status: upload.StatusFail, Detail: err.Error(),
				Hint: "give a file from a finished test sync (baton-setup test writes one)"})
			co2.SkipWrite = "no finished sync file to upload"
		} else {
			pre = append(pre, upload.Check{Name: "sync file", Status: upload.StatusOK,
				Detail: fmt.Sprintf("%s holds finished sync %s (%s)", opts.File, sum.SyncID, humanBytes(sum.Size))})
		}
	}
	rep, err := upload.CheckDestination(ctx, co2)
	if err != nil {
		return err
	}
	rep.Checks = append(pre, rep.Checks...)

	if opts.JSON {
		if err := json.NewEncoder(f.IO.Out).Encode(rep); err != nil {
			return err
		}
	} else {
		printReport(f, rep, dest.Bucket, rep.Region)
	}
	failedN := 0
	for _, c := range rep.Checks {
		if c.Status == upload.StatusFail {
			failedN++
		}
	}
	if failedN > 0 {
		return fmt.Errorf("check s3://%s/%s: %d of %d checks failed", dest.Bucket, dest.Key, failedN, len(rep.Checks))
	}
	return nil
}

func printReport(f *Factory, rep upload.Report, bucket, region string) {
	w := f.IO.Out
	width := 0
	for _, c := range rep.Checks {
		width = max(width, len(c.Name))
	}
	icons := map[upload.Status]string{upload.StatusOK: "✓", upload.StatusFail: "✗", upload.StatusWarn: "!", upload.StatusSkip: "-"}
	for _, c := range rep.Checks {
		detail := c.Detail
		if c.Status == upload.StatusSkip {
			detail = "skipped: " + detail
		}
		fmt.Fprintf(w, "%s %-*s  %s\n", icons[c.Status], width, c.Name, detail)
		if c.Hint != "" {
			fmt.Fprintf(w, "  %-*s  hint: %s\n", width, "", c.Hint)
		}
	}
	fmt.Fprintf(w, "\nIn ConductorOne, set the S3 data source to:\n  Bucket:    %s\n", bucket)
	if region != "" {
		fmt.Fprintf(w, "  Region:    %s\n", region)
	}
	fmt.Fprintf(w, "  File name: %s\n", rep.ObjectKey)
	fmt.Fprintf(w, "\nMinimal IAM policy for the uploader (GetObject is for the size check after each upload):\n%s\n", rep.Policy)
	if !rep.Multipart {
		fmt.Fprintf(w, "Once sync files reach %s they go up in parts: then add \"s3:AbortMultipartUpload\".\n", humanBytes(upload.DefaultThreshold))
	}
	if strings.Contains(rep.WrittenKey, upload.MarkerSuffix) {
		fmt.Fprintf(w, "This check wrote and deleted %s; the uploader never needs s3:DeleteObject.\n", rep.WrittenKey)
	}
}

// awsCredFlags choose the uploader's AWS credentials. Keys never come from
// flags: the command line is visible to every user through ps.
type awsCredFlags struct {
	Credentials string
	Profile     string
	RoleARN     string
	ExternalID  string
	SecretFiles []string
}

// The --secret-file names of static keys.
const (
	secretFileKeyID  = setup.AWSKeyIDName
	secretFileSecret = setup.AWSSecretName
)

// register adds the flags; withSecretFile adds --secret-file, which
// generate already has for connector values (and passes the AWS keys on).
func (a *awsCredFlags) register(fs *pflag.FlagSet, withSecretFile bool) {
	fs.StringVar(&a.Credentials, "aws-credentials", "", "the uploader's AWS credentials: default (the default chain), profile, role or static (default: role with --role-arn, profile with --aws-profile)")
	fs.StringVar(&a.Profile, "aws-profile", "", "AWS shared-config profile for the uploader (--aws-credentials profile)")
	fs.StringVar(&a.RoleARN, "role-arn", "", "IAM role for the uploader to assume")
	fs.StringVar(&a.ExternalID, "external-id", "", "external ID the role's trust policy requires")
	if withSecretFile {
		fs.StringArrayVar(&a.SecretFiles, "secret-file", nil, "read a static key from a file: `"+secretFileKeyID+"=PATH` or "+secretFileSecret+"=PATH")
	}
}

// choice is the credential choice the flags make.
func (a *awsCredFlags) choice() setup.AWSChoice {
	return setup.AWSChoice{Credentials: a.Credentials, Profile: a.Profile, RoleARN: a.RoleARN, ExternalID: a.ExternalID}
}

// check rejects flag combinations before anything runs.
func (a *awsCredFlags) check() error {
	roleARN := a.RoleARN
	if a.ExternalID != "" && roleARN == "" {
		return flagErrorf("--external-id needs --role-arn")
	}
	switch a.Credentials {
	case "", "default", plan.CredProfile, plan.CredRole, plan.CredStatic:
	default:
		return flagErrorf("--aws-credentials %q: want default, profile, role or static", a.Credentials)
	}
	mode := a.choice().Mode(plan.CredDefault, roleARN)
	switch {
	case a.Profile != "" && mode != plan.CredProfile:
		return flagErrorf("--aws-profile needs --aws-credentials profile")
	case mode == plan.CredProfile && a.Profile == "":
		return flagErrorf("--aws-credentials profile needs --aws-profile NAME")
	case mode == plan.CredRole && roleARN == "":
		return flagErrorf("--aws-credentials role needs --role-arn")
	}
	for _, kv := range a.SecretFiles {
		if k, path, ok := strings.Cut(kv, "="); !ok || path == "" || (k != secretFileKeyID && k != secretFileSecret) {
			return flagErrorf("--secret-file %q: want %s=PATH or %s=PATH", kv, secretFileKeyID, secretFileSecret)
		}
	}
	return nil
}

// apply sets the destination's credentials from the flags, keeping what
// the destination had (from a saved plan) for anything not given. Static
// keys come from --secret-file, then AWS_ACCESS_KEY_ID and
// AWS_SECRET_ACCESS_KEY.
func (a *awsCredFlags) apply(f *Factory, d *plan.Destination) error {
	var keys setup.StaticKeys
	for _, kv := range a.SecretFiles {
		k, path, _ := strings.Cut(kv, "=")
		data, err := os.ReadFile(path)
		if err != nil {
			return flagErrorf("--secret-file %s: %w", k, err)
		}
		if v := strings.TrimRight(string(data), "\r\n"); k == secretFileKeyID {
			keys.ID = v
		} else {
			keys.Secret = v
		}
	}
	return setup.ApplyCredentials(setupEnv(f), a.choice(), keys, d)
}

// splitAWSSecretFiles takes the static-key entries out of generate's
// --secret-file list, which otherwise names connector fields.
func splitAWSSecretFiles(all []string) (connector, aws []string) {
	for _, kv := range all {
		if k, _, _ := strings.Cut(kv, "="); k == secretFileKeyID || k == secretFileSecret {
			aws = append(aws, kv)
		} else {
			connector = append(connector, kv)
		}
	}
	return connector, aws
}

// credentialWarnings are the cautions for a destination's credential
// mode: static keys, and profiles that expire.
func credentialWarnings(ctx context.Context, f *Factory, d plan.Destination) []string {
	switch d.Credentials {
	case plan.CredStatic:
		return []string{upload.StaticWarning}
	case plan.CredProfile:
		p, err := awsconf.Find(ctx, f.Getenv, d.AWSProfile)
		if err != nil {
			return []string{err.Error()}
		}
		if w := p.Warning(); w != "" {
			return []string{"AWS profile " + d.AWSProfile + ": " + w}
		}
	}
	return nil
}
