package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/upload"
)

// UploadOptions are the inputs of `baton-setup upload`.
type UploadOptions struct {
	Factory *Factory

	File     string
	Dest     string
	Region   string
	Endpoint string
	JSON     bool
}

func newUploadCmd(f *Factory, runF func(context.Context, *UploadOptions) error) *cobra.Command {
	opts := &UploadOptions{Factory: f}
	cmd := &cobra.Command{
		Use:   "upload --file PATH --dest s3://BUCKET/KEY",
		Short: "Upload a finished sync file to S3",
		Long: `Check that the file holds a finished sync, upload it with the AWS default
credential chain, and confirm the object's size. A failed or partial sync is
refused, so the last good object stays in place.

AWS_ENDPOINT_URL_S3, AWS_ENDPOINT_URL or --endpoint select an S3-compatible
store; path-style addressing is then used.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if opts.File == "" {
				return flagErrorf("--file is required")
			}
			if opts.Dest == "" {
				return flagErrorf("--dest is required: s3://BUCKET/KEY")
			}
			if runF != nil {
				return runF(cmd.Context(), opts)
			}
			return uploadRun(cmd.Context(), opts)
		},
	}
	cmd.Flags().StringVarP(&opts.File, "file", "f", "", "the c1z file to upload")
	cmd.Flags().StringVar(&opts.Dest, "dest", "", "s3://BUCKET/KEY")
	cmd.Flags().StringVar(&opts.Region, "region", "", "AWS region of the bucket")
	cmd.Flags().StringVar(&opts.Endpoint, "endpoint", "", "S3-compatible endpoint URL")
	cmd.Flags().BoolVar(&opts.JSON, "json", false, "print the result as JSON")
	return cmd
}

func uploadRun(ctx context.Context, opts *UploadOptions) error {
	f := opts.Factory
	dest, err := plan.ParseDest(opts.Dest)
	if err != nil {
		return &FlagError{err: err}
	}
	if dest.Kind != plan.DestS3 {
		return flagErrorf("--dest %s: upload needs an s3:// destination", opts.Dest)
	}
	dest.Region, dest.Endpoint = opts.Region, opts.Endpoint
	if err := dest.Validate(); err != nil {
		return &FlagError{err: err}
	}
	sum, err := c1z.Summarize(ctx, opts.File, "")
	if err != nil {
		return fmt.Errorf("refuse upload: %w", err)
	}
	api, err := f.NewS3(ctx, upload.ClientOptions{Region: dest.Region, Endpoint: dest.Endpoint, Getenv: f.Getenv})
	if err != nil {
		return err
	}
	res, err := upload.Put(ctx, api, opts.File, dest.Bucket, dest.Key)
	if err != nil {
		return err
	}
	if opts.JSON {
		return json.NewEncoder(f.IO.Out).Encode(struct {
			upload.Result
			SyncID string `json:"syncId"`
		}{res, sum.SyncID})
	}
	fmt.Fprintf(f.IO.Out, "uploaded %s to s3://%s/%s (%d bytes, sync %s) in %s\n",
		opts.File, res.Bucket, res.Key, res.Size, sum.SyncID, res.Duration.Round(time.Millisecond))
	return nil
}
