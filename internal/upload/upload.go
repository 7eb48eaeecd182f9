// Package upload puts a finished sync file into S3 with aws-sdk-go-v2.
// Connectors on baton-sdk v0.10.0 and later cannot write to S3 themselves,
// so this is the only delivery path for scheduled syncs.
package upload

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
)

// API is the part of the S3 client the uploader uses.
type API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// ClientOptions select the region and endpoint.
type ClientOptions struct {
	Region   string
	Endpoint string
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
}

// NewClient builds an S3 client from the AWS default credential chain. A
// custom endpoint, given explicitly or through AWS_ENDPOINT_URL_S3 or
// AWS_ENDPOINT_URL, switches to path-style addressing, which S3-compatible
// stores and local test servers need.
func NewClient(ctx context.Context, opts ClientOptions) (*s3.Client, error) {
	getenv := opts.Getenv
	if getenv == nil {
		getenv = os.Getenv
	}
	var loadOpts []func(*config.LoadOptions) error
	if opts.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.Region))
	}
	// Keep the SDK's own HTTP client: a plain *http.Client breaks
	// AWS_CA_BUNDLE handling.
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return nil, fmt.Errorf("load AWS configuration: %w", err)
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	endpoint := opts.Endpoint
	custom := endpoint != "" || getenv("AWS_ENDPOINT_URL_S3") != "" || getenv("AWS_ENDPOINT_URL") != ""
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		if endpoint != "" {
			o.BaseEndpoint = aws.String(endpoint)
		}
		if custom {
			o.UsePathStyle = true
		}
	}), nil
}

// Result describes a finished upload.
type Result struct {
	Bucket   string        `json:"bucket"`
	Key      string        `json:"key"`
	Size     int64         `json:"size"`
	ETag     string        `json:"etag,omitempty"`
	Duration time.Duration `json:"durationNs"`
}

// Put uploads the file to bucket/key and checks with HeadObject that an
// object of the same size arrived. The caller checks beforehand that the
// file holds a finished sync.
func Put(ctx context.Context, api API, file, bucket, key string) (Result, error) {
	start := time.Now()
	f, err := os.Open(file)
	if err != nil {
		return Result{}, fmt.Errorf("upload %s: %w", file, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return Result{}, fmt.Errorf("upload %s: %w", file, err)
	}
	out, err := api.PutObject(ctx, &s3.PutObjectInput{
		Bucket:        aws.String(bucket),
		Key:           aws.String(key),
		Body:          f,
		ContentLength: aws.Int64(st.Size()),
		ContentType:   aws.String("application/c1z"),
	})
	if err != nil {
		return Result{}, Explain(fmt.Errorf("upload to s3://%s/%s: %w", bucket, key, err))
	}
	head, err := api.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return Result{}, Explain(fmt.Errorf("check s3://%s/%s after upload: %w", bucket, key, err))
	}
	if got := aws.ToInt64(head.ContentLength); got != st.Size() {
		return Result{}, fmt.Errorf("check s3://%s/%s after upload: object has %d bytes, file has %d", bucket, key, got, st.Size())
	}
	return Result{Bucket: bucket, Key: key, Size: st.Size(), ETag: strings.Trim(aws.ToString(out.ETag), `"`), Duration: time.Since(start)}, nil
}

// Explain adds a hint line to errors whose cause S3 names.
func Explain(err error) error {
	var api smithy.APIError
	if !errors.As(err, &api) {
		if strings.Contains(err.Error(), "connection refused") || strings.Contains(err.Error(), "no such host") {
			return fmt.Errorf("%w\nhint: the S3 endpoint cannot be reached; check the region, endpoint and network", err)
		}
		return err
	}
	switch api.ErrorCode() {
	case "AccessDenied", "Forbidden":
		return fmt.Errorf("%w\nhint: the AWS identity may not s3:PutObject on this key; check its IAM policy and the bucket policy", err)
	case "NoSuchBucket", "NotFound":
		return fmt.Errorf("%w\nhint: the bucket does not exist, or it is in another account or region", err)
	case "PermanentRedirect", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException":
		return fmt.Errorf("%w\nhint: the bucket is in another region; pass --region", err)
	case "ExpiredToken", "ExpiredTokenException", "InvalidAccessKeyId", "SignatureDoesNotMatch":
		return fmt.Errorf("%w\nhint: the AWS credentials are invalid or expired", err)
	}
	return err
}
