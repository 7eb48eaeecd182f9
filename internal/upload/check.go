package upload

import (
	"context"
	"fmt"

	"github.com/conductorone/baton-setup/internal/awsconf"
	"github.com/conductorone/baton-setup/internal/plan"
)

// Names of the environment variables that hold static keys in secrets.env.
// They are not AWS_* so that the connector, which sync.sh runs with every
// secrets.env variable but these, never picks them up; sync.sh maps them
// to AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY for the upload alone.
const (
	StaticKeyIDVar  = "BATON_SETUP_AWS_ACCESS_KEY_ID"
	StaticSecretVar = "BATON_SETUP_AWS_SECRET_ACCESS_KEY"
)

// StaticWarning is shown whenever static keys are chosen.
const StaticWarning = "static keys never expire, so a leaked secrets.env stays usable until the keys are deleted; an instance or task role, or a role to assume, is safer"

// OptionsFor turns a destination into client options.
func OptionsFor(d plan.Destination, getenv func(string) string) ClientOptions {
	return ClientOptions{
		Region: d.Region, Endpoint: d.Endpoint,
		RoleARN: d.RoleARN, ExternalID: d.ExternalID,
		Credentials: d.Credentials, Profile: d.AWSProfile,
		AccessKeyID: d.AccessKeyID, SecretAccessKey: d.SecretAccessKey,
		Getenv: getenv,
	}
}

// CheckOptions are the inputs of CheckDestination.
type CheckOptions struct {
	Client      ClientOptions
	Bucket, Key string
	// File, MarkerKey, SkipWrite and Uploader are as in Preflight.
	File      string
	MarkerKey bool
	SkipWrite string
	Uploader  Uploader
	// NewS3 and NewSTS build the clients; nil means NewClient and
	// NewSTSClient.
	NewS3  func(ctx context.Context, opts ClientOptions) (API, error)
	NewSTS func(ctx context.Context, opts ClientOptions) (STSAPI, error)
}

// CheckDestination runs the whole preflight for a destination, the one
// code path of `baton-setup s3 check` and the wizard: the credential
// mode, the region (the bucket's own when none is given), the identity
// (skipped for a custom S3 endpoint without an STS endpoint), the bucket
// and the write. An error means no check could run at all.
func CheckDestination(ctx context.Context, o CheckOptions) (Report, error) {
	co := o.Client
	newS3 := o.NewS3
	if newS3 == nil {
		newS3 = func(ctx context.Context, opts ClientOptions) (API, error) { return NewClient(ctx, opts) }
	}
	creds := credentialsCheck(ctx, co)
	if creds.Status == StatusFail {
		// Nothing else can run without credentials.
		return Report{Checks: []Check{creds}, ObjectKey: o.Key, Policy: Policy(o.Bucket, o.Key, co.Region, false)}, nil
	}
	source, detectErr := ResolveRegion(ctx, &co, o.Bucket, newS3)
	if source == "" {
		return Report{}, detectErr
	}
	api, err := newS3(ctx, co)
	if err != nil {
		return Report{}, err
	}
	bucketAPI, ok := api.(BucketAPI)
	if !ok {
		return Report{}, fmt.Errorf("check s3://%s/%s: this S3 client cannot check buckets", o.Bucket, o.Key)
	}
	p := &Preflight{
		S3: bucketAPI, Bucket: o.Bucket, Key: o.Key, Region: co.Region,
		File: o.File, MarkerKey: o.MarkerKey, SkipWrite: o.SkipWrite, Uploader: o.Uploader,
	}
	if co.CustomEndpoint() && !co.customSTSEndpoint() {
		// Asking AWS's STS about credentials meant for another store would
		// only confuse.
		p.SkipReason = "custom S3 endpoint and no STS endpoint (AWS_ENDPOINT_URL_STS); the write check decides"
	} else {
		newSTS := o.NewSTS
		if newSTS == nil {
			newSTS = NewSTSClient
		}
		st, err := newSTS(ctx, co)
		if err != nil {
			return Report{}, err
		}
		p.STS, p.IdentityOptional = st, co.CustomEndpoint()
	}
	rep := p.Run(ctx)
	rep.Region, rep.RegionSource = co.Region, source
	region := Check{Name: "region", Status: StatusOK, Detail: co.Region + " (" + source + ")"}
	if source == RegionConfig {
		region.Status = StatusWarn
		region.Detail = fmt.Sprintf("%s (%s): the bucket's region could not be read", co.Region, source)
		if detectErr != nil {
			region.Detail += ": " + firstLine(detectErr)
		}
		region.Hint = "give the bucket's region explicitly if the checks below fail with a region error"
	}
	rep.Checks = append([]Check{creds, region}, rep.Checks...)
	return rep, nil
}

// credentialsCheck describes the credential mode, warning about the ones
// that cannot run unattended for long.
func credentialsCheck(ctx context.Context, co ClientOptions) Check {
	c := Check{Name: "credentials", Status: StatusOK}
	switch co.Credentials {
	case plan.CredProfile:
		c.Detail = "AWS profile " + co.Profile
		prof, err := awsconf.Find(ctx, co.getenv, co.Profile)
		switch {
		case err != nil:
			c.Status, c.Detail = StatusFail, firstLine(err)
			c.Cause, c.Hint = CauseNoCreds, "choose a profile from the shared config files, or another credential mode"
		case prof.Warning() != "":
			c.Status, c.Hint = StatusWarn, prof.Warning()
		}
	case plan.CredRole:
		c.Detail = "role " + co.RoleARN + " assumed from the default chain"
	case plan.CredStatic:
		c.Status, c.Detail, c.Hint = StatusWarn, "static access keys from secrets.env", StaticWarning
	default:
		c.Detail = "AWS default chain (environment, AWS_PROFILE, web identity, task or instance role)"
	}
	if co.RoleARN != "" && co.Credentials != plan.CredRole {
		c.Detail += ", then role " + co.RoleARN
	}
	if c.Status != StatusOK {
		// A failed profile has nothing to ask; an SSO one answers only
		// after an interactive login, which its warning is about.
		return c
	}
	// Which provider answers decides whether a scheduled run, which has
	// none of this shell's variables, gets the same credentials.
	if why := ShellOnly(co.Credentials, co.getenv); why != "" {
		c.Status, c.Cause, c.Detail, c.Hint = StatusFail, CauseShellOnly, why, ShellOnlyHint
		return c
	}
	source, fromEnv, err := ResolveSource(ctx, co)
	switch {
	case err != nil:
		cause, _ := Classify(err)
		c.Status, c.Cause, c.Detail, c.Hint = StatusFail, cause, firstLine(err), Hint(cause, "")
	case fromEnv && (co.Credentials == plan.CredDefault || co.Credentials == plan.CredRole):
		c.Status, c.Cause, c.Detail, c.Hint = StatusFail, CauseShellOnly, "credentials from "+source+", which a scheduled run does not have", ShellOnlyHint
	default:
		c.Detail += "; answered by " + source
	}
	return c
}
