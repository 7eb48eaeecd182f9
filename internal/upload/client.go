package upload

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/conductorone/baton-setup/internal/awsconf"
	"github.com/conductorone/baton-setup/internal/plan"
)

// Retry and timeout defaults for uploads from cron, where nobody is around
// to try again by hand.
const (
	DefaultMaxAttempts           = 5
	DefaultMaxBackoff            = 20 * time.Second
	DefaultResponseHeaderTimeout = 2 * time.Minute
)

// ClientOptions select the region, endpoint, credentials and retry policy.
type ClientOptions struct {
	Region   string
	Endpoint string
	// RoleARN, when set, is assumed through STS on top of the default
	// credential chain; ExternalID goes with it when the role's trust
	// policy demands one.
	RoleARN    string
	ExternalID string
	// Credentials is the plan's credential mode: "" (the default chain),
	// plan.CredProfile (Profile), plan.CredRole (RoleARN on the default
	// chain) or plan.CredStatic (AccessKeyID and SecretAccessKey).
	Credentials     string
	Profile         string
	AccessKeyID     plan.Secret
	SecretAccessKey plan.Secret
	// MaxAttempts counts the first try; 0 means DefaultMaxAttempts.
	MaxAttempts int
	// MaxBackoff caps the jittered exponential wait between attempts; 0
	// means DefaultMaxBackoff.
	MaxBackoff time.Duration
	// ResponseHeaderTimeout bounds how long one attempt waits for an
	// answer once the request is sent, so a stalled server costs a retry
	// rather than the whole run; 0 means DefaultResponseHeaderTimeout.
	ResponseHeaderTimeout time.Duration
	// Getenv reads the environment; nil means os.Getenv.
	Getenv func(string) string
}

func (o ClientOptions) getenv(name string) string {
	if o.Getenv == nil {
		return os.Getenv(name)
	}
	return o.Getenv(name)
}

// CustomEndpoint reports whether S3 requests go somewhere other than AWS.
// The endpoint is always explicit: one from the environment is taken as
// the setting (EnvEndpoint) by the caller, so that what is checked is what
// a scheduled run, which has no such variables, uses.
func (o ClientOptions) CustomEndpoint() bool {
	return o.Endpoint != ""
}

// customSTSEndpoint reports whether STS requests also go to a custom
// endpoint, so an S3-compatible store's missing STS is no surprise.
func (o ClientOptions) customSTSEndpoint() bool {
	return o.getenv("AWS_ENDPOINT_URL_STS") != "" || o.getenv("AWS_ENDPOINT_URL") != ""
}

// LoadConfig resolves credentials from the AWS default chain (environment,
// AWS_PROFILE and the shared files, web identity, ECS task role, instance
// profile), assumes RoleARN when set, and installs the retry policy.
func LoadConfig(ctx context.Context, opts ClientOptions) (aws.Config, error) {
	if opts.RoleARN != "" {
		if err := plan.ValidateRoleARN(opts.RoleARN); err != nil {
			return aws.Config{}, err
		}
		if err := plan.ValidateExternalID(opts.ExternalID); err != nil {
			return aws.Config{}, err
		}
	}
	attempts, maxBackoff, headerTimeout := opts.MaxAttempts, opts.MaxBackoff, opts.ResponseHeaderTimeout
	if attempts <= 0 {
		attempts = DefaultMaxAttempts
	}
	if maxBackoff <= 0 {
		maxBackoff = DefaultMaxBackoff
	}
	if headerTimeout <= 0 {
		headerTimeout = DefaultResponseHeaderTimeout
	}
	loadOpts := []func(*config.LoadOptions) error{
		config.WithRetryer(func() aws.Retryer {
			// The standard retryer already retries 5xx, throttling codes and
			// connection errors (resets included); it only needs more
			// patience than its default of 3 attempts.
			return retry.NewStandard(func(so *retry.StandardOptions) {
				so.MaxAttempts = attempts
				so.MaxBackoff = maxBackoff
				so.Backoff = retry.NewExponentialJitterBackoff(maxBackoff)
			})
		}),
		// A BuildableClient, not a plain *http.Client: the latter breaks
		// AWS_CA_BUNDLE handling.
		config.WithHTTPClient(awshttp.NewBuildableClient().WithTransportOptions(func(tr *http.Transport) {
			tr.ResponseHeaderTimeout = headerTimeout
		})),
	}
	if opts.Region != "" {
		loadOpts = append(loadOpts, config.WithRegion(opts.Region))
	}
	// The same files awsconf lists, so that the profile chosen from that
	// list is the one loaded.
	cfgFile, credFile := awsconf.Files(opts.getenv)
	loadOpts = append(loadOpts, config.WithSharedConfigFiles([]string{cfgFile}), config.WithSharedCredentialsFiles([]string{credFile}))
	switch opts.Credentials {
	case plan.CredDefault, plan.CredRole:
	case plan.CredProfile:
		if opts.Profile == "" {
			return aws.Config{}, errors.New("load AWS configuration: the profile credential mode needs a profile name")
		}
		// The SDK's own message names neither the files nor the choices.
		if _, err := awsconf.Find(ctx, opts.getenv, opts.Profile); err != nil {
			return aws.Config{}, fmt.Errorf("load AWS configuration: %w", err)
		}
		loadOpts = append(loadOpts, config.WithSharedConfigProfile(opts.Profile))
	case plan.CredStatic:
		if opts.AccessKeyID.IsZero() || opts.SecretAccessKey.IsZero() {
			return aws.Config{}, errors.New("load AWS configuration: static credentials need both AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY")
		}
		loadOpts = append(loadOpts, config.WithCredentialsProvider(
			credentials.NewStaticCredentialsProvider(opts.AccessKeyID.Reveal(), opts.SecretAccessKey.Reveal(), "")))
	default:
		return aws.Config{}, fmt.Errorf("load AWS configuration: credential mode %q: want default, profile, role or static", opts.Credentials)
	}
	cfg, err := config.LoadDefaultConfig(ctx, loadOpts...)
	if err != nil {
		return aws.Config{}, Explain(fmt.Errorf("load AWS configuration: %w", err))
	}
	if cfg.Region == "" {
		cfg.Region = "us-east-1"
	}
	if opts.RoleARN != "" {
		provider := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), opts.RoleARN, func(o *stscreds.AssumeRoleOptions) {
			o.RoleSessionName = "baton-setup"
			if opts.ExternalID != "" {
				o.ExternalID = aws.String(opts.ExternalID)
			}
		})
		cfg.Credentials = aws.NewCredentialsCache(provider)
	}
	return cfg, nil
}

// NewClient builds an S3 client over LoadConfig. A custom endpoint
// switches to path-style addressing, which S3-compatible stores and local
// test servers need; without one the client talks to AWS itself, whatever
// endpoint the environment or the shared config name.
func NewClient(ctx context.Context, opts ClientOptions) (*s3.Client, error) {
	cfg, err := LoadConfig(ctx, opts)
	if err != nil {
		return nil, err
	}
	return newS3FromConfig(cfg, opts), nil
}

func newS3FromConfig(cfg aws.Config, opts ClientOptions) *s3.Client {
	custom := opts.CustomEndpoint()
	return s3.NewFromConfig(cfg, func(o *s3.Options) {
		o.BaseEndpoint = nil
		if opts.Endpoint != "" {
			o.BaseEndpoint = aws.String(opts.Endpoint)
		}
		if custom {
			o.UsePathStyle = true
		}
	})
}

// NewSTSClient builds an STS client with the same credentials as
// NewClient, for the identity check.
func NewSTSClient(ctx context.Context, opts ClientOptions) (STSAPI, error) {
	cfg, err := LoadConfig(ctx, opts)
	if err != nil {
		return nil, err
	}
	return sts.NewFromConfig(cfg), nil
}
