package upload

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"strings"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Cause names why an S3 or STS call failed, as far as the error tells.
type Cause string

// The causes Classify tells apart.
const (
	CauseUnknown      Cause = ""
	CauseAccessDenied Cause = "access denied"
	CauseAssumeRole   Cause = "role cannot be assumed"
	CauseNoSuchBucket Cause = "no such bucket"
	CauseWrongRegion  Cause = "wrong region"
	CauseCredentials  Cause = "invalid or expired credentials"
	CauseNoCreds      Cause = "no credentials"
	CauseUnreachable  Cause = "endpoint unreachable"
	CauseTLS          Cause = "TLS certificate not trusted"
	CauseServer       Cause = "store failing"
	CauseShellOnly    Cause = "credentials of this shell only"
)

// Classify finds the cause of an AWS call's error, and for a wrong region
// the bucket's region when the store named it ("" otherwise).
func Classify(err error) (cause Cause, bucketRegion string) {
	if err == nil {
		return CauseUnknown, ""
	}
	// The S3 call's OperationError wraps the credential provider's, so
	// look past the first one.
	for e := err; e != nil; e = errors.Unwrap(e) {
		if op, ok := e.(*smithy.OperationError); ok && op.OperationName == "AssumeRole" {
			return CauseAssumeRole, ""
		}
	}
	var resp *awshttp.ResponseError
	status := 0
	if errors.As(err, &resp) {
		status = resp.HTTPStatusCode()
		if resp.Response != nil {
			bucketRegion = resp.Response.Header.Get("X-Amz-Bucket-Region")
		}
	}
	var api smithy.APIError
	if errors.As(err, &api) {
		switch api.ErrorCode() {
		case "AccessDenied", "Forbidden", "AllAccessDisabled", "AccessDeniedException":
			return CauseAccessDenied, ""
		case "NoSuchBucket":
			return CauseNoSuchBucket, ""
		case "PermanentRedirect", "MovedPermanently", "AuthorizationHeaderMalformed", "IllegalLocationConstraintException", "BucketRegionError":
			return CauseWrongRegion, bucketRegion
		case "ExpiredToken", "ExpiredTokenException", "RequestExpired", "InvalidToken", "TokenRefreshRequired",
			"InvalidAccessKeyId", "SignatureDoesNotMatch", "InvalidClientTokenId", "UnrecognizedClientException":
			return CauseCredentials, ""
		case "SlowDown", "InternalError", "ServiceUnavailable", "Throttling", "ThrottlingException", "RequestTimeout":
			return CauseServer, ""
		}
	}
	switch {
	case status == 301 || status == 307:
		return CauseWrongRegion, bucketRegion
	case status == 403:
		return CauseAccessDenied, ""
	case status >= 500:
		return CauseServer, ""
	}
	msg := err.Error()
	var certErr *x509.UnknownAuthorityError
	var hostErr x509.HostnameError
	if errors.As(err, &certErr) || errors.As(err, &hostErr) || strings.Contains(msg, "x509: ") {
		return CauseTLS, ""
	}
	var dnsErr *net.DNSError
	var opErr *net.OpError
	if errors.As(err, &dnsErr) || errors.As(err, &opErr) || errors.Is(err, context.DeadlineExceeded) ||
		strings.Contains(msg, "connection refused") || strings.Contains(msg, "timeout awaiting response headers") ||
		strings.Contains(msg, "connection reset") {
		return CauseUnreachable, ""
	}
	if strings.Contains(msg, "failed to retrieve credentials") || strings.Contains(msg, "no EC2 IMDS role found") ||
		strings.Contains(msg, "failed to refresh cached credentials") {
		return CauseNoCreds, ""
	}
	return CauseUnknown, ""
}

// Hint is the advice line for a cause, or "" when there is none.
func Hint(cause Cause, bucketRegion string) string {
	switch cause {
	case CauseAccessDenied:
		return "the AWS identity is not allowed this action on the bucket or key; check its IAM policy (baton-setup s3 check prints the minimal one) and the bucket policy"
	case CauseAssumeRole:
		return "the role's trust policy must allow this identity to call sts:AssumeRole (with the same external ID, if it requires one)"
	case CauseNoSuchBucket:
		return "the bucket does not exist, or the name is misspelled; buckets are global, so check the account that owns it"
	case CauseWrongRegion:
		if bucketRegion != "" {
			return fmt.Sprintf("the bucket is in %s; set the region to %s", bucketRegion, bucketRegion)
		}
		return "the bucket is in another region; set the region to the bucket's"
	case CauseCredentials:
		return "the AWS credentials are invalid or expired; refresh them (an SSO login expires and cannot run from cron: prefer an instance or task role)"
	case CauseNoCreds:
		return "no AWS credentials were found; use an instance or task role, set AWS_PROFILE, or put keys in secrets.env"
	case CauseUnreachable:
		return "the S3 endpoint cannot be reached; check the region, --endpoint, proxy settings and the network"
	case CauseTLS:
		return "the endpoint's certificate is not trusted; set AWS_CA_BUNDLE to its CA file"
	case CauseServer:
		return "the store kept failing after several attempts; the previous object is unchanged, and the next run will try again"
	}
	return ""
}

// Explain adds a hint line to an error whose cause is known.
func Explain(err error) error {
	cause, region := Classify(err)
	if h := Hint(cause, region); h != "" {
		return fmt.Errorf("%w\nhint: %s", err, h)
	}
	return err
}
