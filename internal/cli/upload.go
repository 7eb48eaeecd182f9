package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"path/filepath"
	"sync"
	"time"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/upload"
)

// UploadOptions are the inputs of `baton-setup upload`.
type UploadOptions struct {
	Factory *Factory

	s3Flags
	File  string
	State string
	JSON  bool

	// Tuning, on hidden flags for benchmarks.
	PartSize    int64
	Threshold   int64
	Concurrency int
	// Retry pacing; tests shorten it.
	MaxAttempts   int
	MaxBackoff    time.Duration
	HeaderTimeout time.Duration
}

// s3Flags are the destination and credential flags upload and s3 check
// share.
type s3Flags struct {
	Dest     string
	Region   string
	Endpoint string
	awsCredFlags
}

func (s *s3Flags) register(cmd *cobra.Command) {
	cmd.Flags().StringVar(&s.Dest, "dest", "", "s3://BUCKET/KEY")
	cmd.Flags().StringVar(&s.Region, "region", "", "AWS region of the bucket (default: the bucket's own)")
	cmd.Flags().StringVar(&s.Endpoint, "endpoint", "", "S3-compatible endpoint URL")
	s.awsCredFlags.register(cmd.Flags(), true)
}

// check rejects flag combinations before anything runs.
func (s *s3Flags) check() error {
	if s.Dest == "" {
		return flagErrorf("--dest is required: s3://BUCKET/KEY")
	}
	return s.awsCredFlags.check()
}

func newUploadCmd(f *Factory, runF func(context.Context, *UploadOptions) error) *cobra.Command {
	opts := &UploadOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "upload --file PATH --dest s3://BUCKET/KEY",
		Short: "Upload a finished sync file to S3",
		Long: `Check that the file holds a finished sync, upload it, and confirm the object's
size (and SHA-256, where the store reports it). A failed or partial sync is
refused, and a failed upload leaves the previous object in place.

Credentials come from the AWS default chain (instance or task role,
AWS_PROFILE, environment) unless --aws-credentials says otherwise: profile
(--aws-profile NAME), role (--role-arn, assumed on top of the default chain)
or static (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY from the environment,
or --secret-file aws-access-key-id=PATH and aws-secret-access-key=PATH).
Without --region the bucket's own region is used. Files from 64 MiB on go
up in parts. Failed requests are retried with backoff.

AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or --endpoint select an S3-compatible
store; path-style addressing is then used.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.File == "" {
				return flagErrorf("--file is required")
			}
			if cmd.Flags().Changed("state") {
				if err := upload.CheckStateName(opts.State); err != nil {
					return flagErrorf("--state %q: %w", opts.State, err)
				}
			}
			if err := opts.check(); err != nil {
				return err
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return uploadRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.File, "file", "f", "", "the c1z file to upload")
	opts.s3Flags.register(cmd)
	cmd.Flags().StringVar(&opts.State, "state", "", "write the result of a successful upload to this JSON file (mode 0600)")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	cmd.Flags().Int64Var(&opts.PartSize, "part-size", 0, "multipart part size in bytes")
	cmd.Flags().Int64Var(&opts.Threshold, "multipart-threshold", 0, "file size in bytes from which multipart is used")
	cmd.Flags().IntVar(&opts.Concurrency, "concurrency", 0, "parts in flight")
	for _, name := range []string{"part-size", "multipart-threshold", "concurrency"} {
		cmd.Flags().MarkHidden(name)
	}
	return cmd
}

// s3Destination parses and checks --dest and its companions before any
// call is made.
func s3Destination(f *Factory, fl s3Flags) (plan.Destination, error) {
	dest, err := plan.ParseDest(fl.Dest)
	if err != nil {
		return dest, &FlagError{err: err}
	}
	if dest.Kind != plan.DestS3 {
		return dest, flagErrorf("--dest %s: needs an s3:// destination", fl.Dest)
	}
	dest.Region, dest.Endpoint = fl.Region, fl.Endpoint
	if dest.Endpoint == "" {
		// The same as --endpoint; the client itself never reads it.
		dest.Endpoint, _ = upload.EnvEndpoint(f.Getenv)
	}
	if err := fl.awsCredFlags.apply(f, &dest); err != nil {
		return dest, err
	}
	if err := dest.Validate(); err != nil {
		return dest, &FlagError{err: err}
	}
	return dest, nil
}

// clientOptions turns a destination into client options. Static keys a
// saved plan lacks come from their secrets.env names, which doctor and
// status put in f.Getenv.
func clientOptions(f *Factory, dest plan.Destination) upload.ClientOptions {
	if dest.Credentials == plan.CredStatic && dest.AccessKeyID.IsZero() {
		dest.AccessKeyID = plan.NewSecret(f.Getenv(upload.StaticKeyIDVar))
		dest.SecretAccessKey = plan.NewSecret(f.Getenv(upload.StaticSecretVar))
	}
	return upload.OptionsFor(dest, f.Getenv)
}

func uploadRun(ctx context.Context, opts *UploadOptions) error {
	f := opts.Factory
	dest, err := s3Destination(f, opts.s3Flags)
	if err != nil {
		return err
	}
	if opts.State != "" {
		// Before anything is uploaded: a path the state may not go to is
		// refused again when it is written.
		if err := upload.CheckStatePath(opts.State); err != nil {
			return err
		}
	}
	sum, err := c1z.Summarize(ctx, opts.File, "")
	if err != nil {
		return fmt.Errorf("refuse upload: %w\nhint: only a file holding a finished sync is uploaded, so the last good object stays in place", err)
	}
	co := clientOptions(f, dest)
	co.MaxAttempts, co.MaxBackoff, co.ResponseHeaderTimeout = opts.MaxAttempts, opts.MaxBackoff, opts.HeaderTimeout
	// Without --region, sign for the bucket's own region: a request signed
	// for another one is refused.
	if _, err := upload.ResolveRegion(ctx, &co, dest.Bucket, f.NewS3); err != nil && co.Region == "" {
		return err
	}
	api, err := f.NewS3(ctx, co)
	if err != nil {
		return err
	}
	u := &upload.Uploader{API: api, PartSize: opts.PartSize, Threshold: opts.Threshold, Concurrency: opts.Concurrency}
	var bar *progressLine
	if f.IO.IsStderrTTY() && !opts.JSON {
		bar = &progressLine{w: f.IO.ErrOut, label: "uploading " + filepath.Base(opts.File), start: f.Now()}
		u.Progress = bar.update
	}
	res, err := u.Upload(ctx, opts.File, dest.Bucket, dest.Key)
	bar.clear()
	if err != nil {
		return err
	}
	if opts.State != "" {
		st := upload.State{
			LastSuccess: f.Now().UTC(), Bucket: res.Bucket, Key: res.Key, Size: res.Size,
			SyncID: sum.SyncID, SHA256: res.SHA256, ETag: res.ETag, DurationMS: res.Duration.Milliseconds(),
		}
		if err := upload.WriteState(opts.State, st); err != nil {
			// The object is in place; only the record of it is missing.
			return fmt.Errorf("%w\nhint: the upload itself succeeded", err)
		}
	}
	if opts.JSON {
		return json.NewEncoder(f.IO.Out).Encode(struct {
			upload.Result
			SyncID string `json:"syncId"`
		}{res, sum.SyncID})
	}
	extra := ""
	if res.Parts > 0 {
		extra += fmt.Sprintf(", %d parts", res.Parts)
	}
	if res.Retries > 0 {
		extra += fmt.Sprintf(", %d retried", res.Retries)
	}
	fmt.Fprintf(f.IO.Out, "uploaded %s to s3://%s/%s (%d bytes, %s, sync %s) in %s; SHA-256 %s%s\n",
		opts.File, res.Bucket, res.Key, res.Size, humanBytes(res.Size), sum.SyncID, res.Duration.Round(time.Millisecond), res.Checksum, extra)
	return nil
}

// progressLine redraws one status line on a terminal.
type progressLine struct {
	w     io.Writer
	label string
	start time.Time

	mu   sync.Mutex
	last time.Time
}

func (p *progressLine) update(done, total int64) {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := time.Now()
	if now.Sub(p.last) < 200*time.Millisecond && done < total {
		return
	}
	p.last = now
	rate := ""
	if s := now.Sub(p.start).Seconds(); s > 0 {
		rate = fmt.Sprintf(", %s/s", humanBytes(int64(float64(done)/s)))
	}
	fmt.Fprintf(p.w, "\r\x1b[K%s: %s of %s (%d%%%s)", p.label, humanBytes(done), humanBytes(total), done*100/max(total, 1), rate)
}

func (p *progressLine) clear() {
	if p == nil {
		return
	}
	fmt.Fprint(p.w, "\r\x1b[K")
}

func humanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d B", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	return fmt.Sprintf("%.1f %ciB", float64(n)/float64(div), "KMGTPE"[exp])
}
