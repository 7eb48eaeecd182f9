package upload

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go"
)

// Status is the outcome of one preflight check.
type Status string

// Check outcomes. Only StatusFail makes the preflight fail.
const (
	StatusOK   Status = "ok"
	StatusWarn Status = "warn"
	StatusSkip Status = "skip"
	StatusFail Status = "fail"
)

// Check is one line of the preflight report.
type Check struct {
	Name   string `json:"name"`
	Status Status `json:"status"`
	Detail string `json:"detail"`
	Cause  Cause  `json:"cause,omitempty"`
	Hint   string `json:"hint,omitempty"`
}

// Preflight proves, before anything is scheduled, that this machine's AWS
// identity can write the object ConductorOne will read.
type Preflight struct {
	S3 BucketAPI
	// STS is nil when the identity check is skipped; SkipReason says why.
	STS        STSAPI
	SkipReason string
	// IdentityOptional turns an identity failure into a warning, for
	// S3-compatible stores that have no STS.
	IdentityOptional bool

	Bucket string
	Key    string
	// Region is the region the uploader signs for.
	Region string
	// File is the c1z to upload to Key; "" writes a small marker object
	// instead. The marker, and File when MarkerKey is set, go to
	// Key+".preflight", which is deleted afterwards.
	File      string
	MarkerKey bool
	// SkipWrite, when set, is why the write check is skipped.
	SkipWrite string
	Uploader  Uploader
}

// Report is the outcome of a Preflight.
type Report struct {
	Checks       []Check `json:"checks"`
	Account      string  `json:"account,omitempty"`
	ARN          string  `json:"arn,omitempty"`
	BucketRegion string  `json:"bucketRegion,omitempty"`
	// Region is the region the uploader signs for, and RegionSource where
	// it came from (RegionGiven, RegionDetected, RegionConfig); both are
	// set by CheckDestination.
	Region       string `json:"region,omitempty"`
	RegionSource string `json:"regionSource,omitempty"`
	// ObjectKey is what ConductorOne's File name must be.
	ObjectKey string `json:"objectKey"`
	// WrittenKey is the object the write check used.
	WrittenKey string `json:"writtenKey,omitempty"`
	Multipart  bool   `json:"multipart"`
	Policy     string `json:"policy"`
}

// Failed reports whether any check failed.
func (r Report) Failed() bool {
	for _, c := range r.Checks {
		if c.Status == StatusFail {
			return true
		}
	}
	return false
}

// MarkerSuffix is appended to the key for the marker object.
const MarkerSuffix = ".preflight"

// Run performs every check, continuing after failures so the report lists
// everything that needs fixing at once.
func (p *Preflight) Run(ctx context.Context) Report {
	r := Report{ObjectKey: p.Key}
	r.Checks = append(r.Checks, p.identity(ctx, &r))
	r.Checks = append(r.Checks, p.bucket(ctx, &r)...)
	r.Checks = append(r.Checks, p.write(ctx, &r)...)
	r.Policy = Policy(p.Bucket, p.Key, p.Region, r.Multipart)
	return r
}

func failed(name, detail string, err error) Check {
	cause, region := Classify(err)
	return Check{Name: name, Status: StatusFail, Detail: detail + ": " + firstLine(err), Cause: cause, Hint: Hint(cause, region)}
}

func firstLine(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	return s
}

func (p *Preflight) identity(ctx context.Context, r *Report) Check {
	const name = "identity"
	if p.STS == nil {
		return Check{Name: name, Status: StatusSkip, Detail: p.SkipReason}
	}
	out, err := p.STS.GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
	if err != nil {
		c := failed(name, "STS GetCallerIdentity", err)
		if p.IdentityOptional {
			c.Status = StatusWarn
			c.Hint = "S3-compatible stores often have no STS; the write check below is what counts"
		}
		return c
	}
	r.Account, r.ARN = aws.ToString(out.Account), aws.ToString(out.Arn)
	return Check{Name: name, Status: StatusOK, Detail: fmt.Sprintf("account %s, %s", r.Account, r.ARN)}
}

// bucketRegion turns a LocationConstraint into a region name.
func bucketRegion(loc string) string {
	switch loc {
	case "":
		return "us-east-1"
	case "EU":
		return "eu-west-1"
	}
	return loc
}

func (p *Preflight) bucket(ctx context.Context, r *Report) []Check {
	const name = "bucket"
	head, err := p.S3.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: aws.String(p.Bucket)})
	if err != nil {
		c := failed(name, "HeadBucket "+p.Bucket, err)
		switch c.Cause {
		case CauseAccessDenied:
			// The minimal uploader policy has no s3:ListBucket, which HeadBucket
			// needs; the write check decides.
			c.Status = StatusWarn
			c.Detail = "cannot check that " + p.Bucket + " exists: access denied to HeadBucket (s3:ListBucket)"
			c.Hint = "fine for an identity limited to the uploader policy; the write check below decides"
		case CauseUnknown:
			// HEAD answers have no body, so a missing bucket is a bare 404.
			var api smithy.APIError
			if errors.As(err, &api) && api.ErrorCode() == "NotFound" {
				c.Cause, c.Hint = CauseNoSuchBucket, Hint(CauseNoSuchBucket, "")
			}
		}
		if c.Cause == CauseNoSuchBucket {
			c.Detail = "bucket " + p.Bucket + " does not exist"
		}
		return []Check{c}
	}
	region := aws.ToString(head.BucketRegion)
	loc, err := p.S3.GetBucketLocation(ctx, &s3.GetBucketLocationInput{Bucket: aws.String(p.Bucket)})
	switch {
	case err == nil:
		region = bucketRegion(string(loc.LocationConstraint))
	case region == "":
		c := failed(name, "GetBucketLocation "+p.Bucket, err)
		c.Status = StatusWarn
		c.Detail = "bucket " + p.Bucket + " exists; its region was not checked: " + firstLine(err)
		c.Hint = "if uploads fail with a region error, set the region to the bucket's"
		return []Check{c}
	}
	r.BucketRegion = region
	if p.Region != "" && region != p.Region {
		return []Check{{
			Name: name, Status: StatusFail, Cause: CauseWrongRegion,
			Detail: fmt.Sprintf("bucket %s is in %s, but the uploader signs for %s", p.Bucket, region, p.Region),
			Hint:   fmt.Sprintf("set the region to %s (sync.sh then uses it too); requests signed for another region are refused", region),
		}}
	}
	return []Check{{Name: name, Status: StatusOK, Detail: fmt.Sprintf("%s exists, region %s", p.Bucket, region)}}
}

func (p *Preflight) write(ctx context.Context, r *Report) []Check {
	if p.SkipWrite != "" {
		return []Check{{Name: "write", Status: StatusSkip, Detail: p.SkipWrite}}
	}
	key := p.Key
	if p.File == "" || p.MarkerKey {
		key = p.Key + MarkerSuffix
	}
	r.WrittenKey = key
	dest := "s3://" + p.Bucket + "/" + key
	var res Result
	var err error
	var detail string
	u := p.Uploader
	if u.API == nil {
		u.API = p.S3
	}
	u.noVerify = true
	if p.File != "" {
		res, err = u.Upload(ctx, p.File, p.Bucket, key)
		how := "PutObject"
		if res.Parts > 0 {
			how = fmt.Sprintf("multipart, %d parts", res.Parts)
		}
		r.Multipart = res.Parts > 0
		detail = fmt.Sprintf("uploaded %s (%s) to %s in %s", p.File, how, dest, res.Duration.Round(time.Millisecond))
	} else {
		body := []byte("baton-setup preflight " + time.Now().UTC().Format(time.RFC3339) + "\n")
		res = Result{Bucket: p.Bucket, Key: key, Size: int64(len(body))}
		_, err = p.S3.PutObject(ctx, &s3.PutObjectInput{
			Bucket: aws.String(p.Bucket), Key: aws.String(key),
			Body: bytes.NewReader(body), ContentLength: aws.Int64(res.Size), ContentType: aws.String("text/plain"),
		})
		detail = fmt.Sprintf("wrote marker %s (%d bytes)", dest, len(body))
	}
	if err != nil {
		c := failed("write", "upload to "+dest, err)
		if c.Cause == CauseAccessDenied {
			c.Hint = fmt.Sprintf("the identity may not s3:PutObject on %s; attach the policy below", objectARN(p.Bucket, key, p.Region))
			if key != p.Key {
				c.Hint += fmt.Sprintf(" (the check writes %s: it needs s3:PutObject, s3:GetObject and s3:DeleteObject there, or check the real key with --file)", key)
			}
		}
		return []Check{c}
	}
	checks := []Check{{Name: "write", Status: StatusOK, Detail: detail}, p.readBack(ctx, &u, res)}
	if key == p.Key {
		return checks
	}
	if _, err := p.S3.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: aws.String(p.Bucket), Key: aws.String(key)}); err != nil {
		c := failed("cleanup", "DeleteObject "+dest, err)
		c.Status = StatusWarn
		c.Hint = "the check object was left behind; delete it by hand (the uploader itself never needs s3:DeleteObject)"
		return append(checks, c)
	}
	return append(checks, Check{Name: "cleanup", Status: StatusOK, Detail: "deleted " + dest})
}

func (p *Preflight) readBack(ctx context.Context, u *Uploader, res Result) Check {
	if err := u.verify(ctx, &res); err != nil {
		c := failed("read back", "HeadObject s3://"+res.Bucket+"/"+res.Key, err)
		if c.Cause == CauseAccessDenied {
			c.Hint = "HeadObject needs s3:GetObject on the key; the uploader checks every upload this way, so add it (see the policy below)"
		}
		return c
	}
	detail := fmt.Sprintf("HeadObject: %d bytes as sent", res.Size)
	if res.SHA256 != "" {
		detail += ", SHA-256 " + res.Checksum
	}
	return Check{Name: "read back", Status: StatusOK, Detail: detail}
}

// partition is the ARN partition of a region.
func partition(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	}
	return "aws"
}

func objectARN(bucket, key, region string) string {
	return fmt.Sprintf("arn:%s:s3:::%s/%s", partition(region), bucket, key)
}

// Policy returns the minimal IAM policy for the uploader: PutObject on the
// one key, GetObject for the HeadObject check after each upload, and
// AbortMultipartUpload when multipart is used (its other calls fall under
// PutObject).
func Policy(bucket, key, region string, multipart bool) string {
	actions := []string{"s3:PutObject", "s3:GetObject"}
	if multipart {
		actions = append(actions, "s3:AbortMultipartUpload")
	}
	type statement struct {
		Sid      string   `json:"Sid"`
		Effect   string   `json:"Effect"`
		Action   []string `json:"Action"`
		Resource string   `json:"Resource"`
	}
	doc := struct {
		Version   string      `json:"Version"`
		Statement []statement `json:"Statement"`
	}{"2012-10-17", []statement{{"BatonSetupUpload", "Allow", actions, objectARN(bucket, key, region)}}}
	data, _ := json.MarshalIndent(doc, "", "  ")
	return string(data)
}
