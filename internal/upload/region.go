package upload

import (
	"context"
	"errors"
	"fmt"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
)

// RegionAPI is what DetectRegion calls.
type RegionAPI interface {
	HeadBucket(ctx context.Context, in *s3.HeadBucketInput, opts ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	GetBucketLocation(ctx context.Context, in *s3.GetBucketLocationInput, opts ...func(*s3.Options)) (*s3.GetBucketLocationOutput, error)
}

// DetectRegion asks the store which region a bucket is in. HeadBucket
// comes first: S3 names the region in its x-amz-bucket-region header even
// when it refuses the request, with a redirect for a client signing for
// another region or a 403 for an identity without s3:ListBucket.
// GetBucketLocation, which S3-compatible stores answer more often, is the
// fallback.
func DetectRegion(ctx context.Context, api RegionAPI, bucket string) (string, error) {
	head, headErr := api.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(bucket)})
	if headErr == nil && aws.ToString(head.BucketRegion) != "" {
		return aws.ToString(head.BucketRegion), nil
	}
	var resp *awshttp.ResponseError
	if errors.As(headErr, &resp) && resp.Response != nil {
		if r := resp.Response.Header.Get("X-Amz-Bucket-Region"); r != "" {
			return r, nil
		}
	}
	loc, err := api.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(bucket)})
	if err == nil {
		return bucketRegion(string(loc.LocationConstraint)), nil
	}
	if headErr != nil {
		err = headErr
	}
	return "", fmt.Errorf("detect the region of bucket %s: %w", bucket, err)
}

// Region sources, for messages.
const (
	RegionGiven    = "given"
	RegionDetected = "detected from the bucket"
	RegionConfig   = "from the AWS configuration"
)

// ResolveRegion fills opts.Region when it is empty: with the bucket's own
// region when the store tells it, else with the AWS configuration's
// (us-east-1 when it has none). newS3 builds the client that asks; nil
// means NewClient. It returns where the region came from, and the error
// of the detection when it failed (the region is set all the same).
func ResolveRegion(ctx context.Context, opts *ClientOptions, bucket string, newS3 func(context.Context, ClientOptions) (API, error)) (string, error) {
	if opts.Region != "" {
		return RegionGiven, nil
	}
	if newS3 == nil {
		newS3 = func(ctx context.Context, o ClientOptions) (API, error) { return NewClient(ctx, o) }
	}
	// One attempt: a missing bucket or a refused request need no retries
	// here, the real call reports them.
	probe := *opts
	probe.MaxAttempts = 1
	api, err := newS3(ctx, probe)
	if err != nil {
		return "", err
	}
	var detectErr error
	if ra, ok := api.(RegionAPI); ok {
		var r string
		if r, detectErr = DetectRegion(ctx, ra, bucket); detectErr == nil {
			opts.Region = r
			return RegionDetected, nil
		}
	}
	cfg, err := LoadConfig(ctx, probe)
	if err != nil {
		return "", err
	}
	opts.Region = cfg.Region
	return RegionConfig, detectErr
}
