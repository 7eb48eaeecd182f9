package cli

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/c1z"
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
	dest, err := s3Destination(opts.s3Flags)
	if err != nil {
		return err
	}
	co := clientOptions(f, dest)
	co.MaxAttempts, co.MaxBackoff = opts.MaxAttempts, opts.MaxBackoff
	api, err := f.NewS3(ctx, co)
	if err != nil {
		return err
	}
	bucketAPI, ok := api.(upload.BucketAPI)
	if !ok {
		return errors.New("check s3: this S3 client cannot check buckets")
	}
	// The region the uploader will sign for: --region, else the AWS config.
	region := dest.Region
	if cfg, err := upload.LoadConfig(ctx, co); err == nil && region == "" {
		region = cfg.Region
	}
	p := &upload.Preflight{
		S3: bucketAPI, Bucket: dest.Bucket, Key: dest.Key, Region: region,
		File: opts.File, MarkerKey: opts.PreflightKey,
		Uploader: upload.Uploader{PartSize: opts.PartSize, Threshold: opts.Threshold},
	}
	var pre []upload.Check
	if opts.File != "" {
		sum, err := c1z.Summarize(ctx, opts.File, "")
		if err != nil {
			pre = append(pre, upload.Check{Name: "sync file", Status: upload.StatusFail, Detail: err.Error(),
				Hint: "give a file from a finished test sync (baton-setup test writes one)"})
			p.SkipWrite = "no finished sync file to upload"
		} else {
			pre = append(pre, upload.Check{Name: "sync file", Status: upload.StatusOK,
				Detail: fmt.Sprintf("%s holds finished sync %s (%s)", opts.File, sum.SyncID, humanBytes(sum.Size))})
		}
	}
	switch {
	case co.CustomEndpoint() && f.Getenv("AWS_ENDPOINT_URL_STS") == "" && f.Getenv("AWS_ENDPOINT_URL") == "":
		// Asking AWS's STS about credentials meant for another store would
		// only confuse.
		p.SkipReason = "custom S3 endpoint and no STS endpoint (AWS_ENDPOINT_URL_STS); the write check decides"
	default:
		newSTS := opts.NewSTS
		if newSTS == nil {
			newSTS = upload.NewSTSClient
		}
		st, err := newSTS(ctx, co)
		if err != nil {
			return err
		}
		p.STS, p.IdentityOptional = st, co.CustomEndpoint()
	}
	rep := p.Run(ctx)
	rep.Checks = append(pre, rep.Checks...)

	if opts.JSON {
		if err := json.NewEncoder(f.IO.Out).Encode(rep); err != nil {
			return err
		}
	} else {
		printReport(f, rep, dest.Bucket, region)
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
