package upload

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/smithy-go"
	smithyhttp "github.com/aws/smithy-go/transport/http"

	"github.com/conductorone/baton-setup/internal/upload/uploadtest"
)

const bucket = "sync-bucket"

// newClient points a real SDK client at srv with short backoffs.
func newClient(t *testing.T, srv *uploadtest.Server, mod ...func(*ClientOptions)) *s3.Client {
	t.Helper()
	uploadtest.SetEnv(t)
	opts := ClientOptions{Endpoint: srv.URL, Region: "us-east-1", MaxBackoff: 20 * time.Millisecond, ResponseHeaderTimeout: 500 * time.Millisecond}
	for _, m := range mod {
		m(&opts)
	}
	c, err := NewClient(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func writeFile(t *testing.T, size int) (string, []byte) {
	t.Helper()
	data := make([]byte, size)
	rand.Read(data)
	p := filepath.Join(t.TempDir(), "sync.c1z")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	return p, data
}

func TestUploadSingle(t *testing.T) {
	srv := uploadtest.NewServer(t, bucket)
	file, data := writeFile(t, 200<<10)
	var calls []int64
	u := &Uploader{API: newClient(t, srv), Progress: func(done, _ int64) { calls = append(calls, done) }}
	res, err := u.Upload(context.Background(), file, bucket, "baton/demo/sync.c1z")
	if err != nil {
		t.Fatal(err)
	}
	if got := srv.Get(t, bucket, "baton/demo/sync.c1z"); !bytes.Equal(got, data) {
		t.Fatalf("object differs from the file (%d vs %d bytes)", len(got), len(data))
	}
	sum := sha256.Sum256(data)
	if res.Parts != 0 || res.Size != int64(len(data)) || res.SHA256 != base64.StdEncoding.EncodeToString(sum[:]) || res.Retries != 0 {
		t.Errorf("result %+v", res)
	}
	// gofakes3 stores and returns the x-amz-checksum-sha256 header it was
	// sent; real S3 checks it on receipt.
	if res.Checksum != ChecksumVerified {
		t.Errorf("checksum %q", res.Checksum)
	}
	obj, err := srv.Backend.HeadObject(bucket, "baton/demo/sync.c1z")
	if err != nil || obj.Metadata["Content-Type"] != ContentType {
		t.Errorf("content type: %v %v", obj, err)
	}
	if len(calls) != 1 || calls[0] != int64(len(data)) {
		t.Errorf("progress calls %v", calls)
	}
}

func TestUploadMultipart(t *testing.T) {
	srv := uploadtest.NewServer(t, bucket)
	file, data := writeFile(t, 300<<10+123)
	var last int64
	u := &Uploader{API: newClient(t, srv), Threshold: 64 << 10, PartSize: 50 << 10, Concurrency: 3,
		Progress: func(done, _ int64) { last = max(last, done) }}
	res, err := u.Upload(context.Background(), file, bucket, "k/sync.c1z")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(srv.Get(t, bucket, "k/sync.c1z"), data) {
		t.Fatal("object differs from the file")
	}
	if res.Parts != 7 || last != int64(len(data)) {
		t.Errorf("parts %d, progress %d", res.Parts, last)
	}
	if n := srv.Count(func(r uploadtest.Request) bool { return strings.Contains(r.Query, "partNumber=") }); n != 7 {
		t.Errorf("%d UploadPart requests, want 7", n)
	}
	// gofakes3 keeps no composite checksum for multipart objects.
	if res.Checksum != ChecksumNotReported || !strings.HasSuffix(res.SHA256, "-7") {
		t.Errorf("checksum %q %q", res.Checksum, res.SHA256)
	}
}

func TestUploadRefusesEmptyAndMissing(t *testing.T) {
	srv := uploadtest.NewServer(t, bucket)
	api := newClient(t, srv)
	empty := filepath.Join(t.TempDir(), "empty.c1z")
	os.WriteFile(empty, nil, 0o600)
	for name, file := range map[string]string{"empty": empty, "missing": filepath.Join(t.TempDir(), "nope.c1z"), "dir": t.TempDir()} {
		t.Run(name, func(t *testing.T) {
			if _, err := Put(context.Background(), api, file, bucket, "x.c1z"); err == nil {
				t.Fatal("uploaded")
			}
			if len(srv.Requests()) != 0 {
				t.Errorf("requests were made: %v", srv.Requests())
			}
		})
	}
}

func TestUploadRetries(t *testing.T) {
	tests := []struct {
		name      string
		multipart bool
		faults    []uploadtest.Fault
	}{
		{"500 twice", false, []uploadtest.Fault{uploadtest.Status500, uploadtest.Status500}},
		{"throttled", false, []uploadtest.Fault{uploadtest.SlowDown}},
		{"connection reset", false, []uploadtest.Fault{uploadtest.Reset, uploadtest.Reset}},
		{"stall", false, []uploadtest.Fault{uploadtest.Stall}},
		{"part 500", true, []uploadtest.Fault{uploadtest.Status500}},
		{"part reset", true, []uploadtest.Fault{uploadtest.Reset}},
		{"part stall", true, []uploadtest.Fault{uploadtest.Stall}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := uploadtest.NewServer(t, bucket)
			file, data := writeFile(t, 100<<10)
			u := &Uploader{API: newClient(t, srv)}
			match := uploadtest.IsPutObject
			if tt.multipart {
				u.Threshold, u.PartSize, match = 32<<10, 32<<10, uploadtest.IsUploadPart
			}
			srv.Inject(match, tt.faults...)
			res, err := u.Upload(context.Background(), file, bucket, "k.c1z")
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(srv.Get(t, bucket, "k.c1z"), data) {
				t.Fatal("object differs from the file")
			}
			if res.Retries != len(tt.faults) {
				t.Errorf("retries %d, want %d", res.Retries, len(tt.faults))
			}
			if n := srv.Count(func(r uploadtest.Request) bool { return r.Fault != "" }); n != len(tt.faults) {
				t.Errorf("%d faults served, want %d", n, len(tt.faults))
			}
		})
	}
}

func TestUploadFailureKeepsPreviousObject(t *testing.T) {
	for _, multipart := range []bool{false, true} {
		name := map[bool]string{false: "single", true: "multipart"}[multipart]
		t.Run(name, func(t *testing.T) {
			srv := uploadtest.NewServer(t, bucket)
			api := newClient(t, srv, func(o *ClientOptions) { o.MaxAttempts = 3 })
			good, goodData := writeFile(t, 40<<10)
			if _, err := Put(context.Background(), api, good, bucket, "k.c1z"); err != nil {
				t.Fatal(err)
			}
			next, _ := writeFile(t, 100<<10)
			u := &Uploader{API: api}
			if multipart {
				u.Threshold, u.PartSize = 32<<10, 32<<10
				srv.Inject(uploadtest.IsUploadPart, uploadtest.Status500) // one part recovers,
				srv.Always(uploadtest.IsUploadPart, uploadtest.Reset)     // then the store stays broken
			} else {
				srv.Always(uploadtest.IsPutObject, uploadtest.Status500)
			}
			_, err := u.Upload(context.Background(), next, bucket, "k.c1z")
			if err == nil {
				t.Fatal("upload succeeded")
			}
			if !strings.Contains(err.Error(), "\nhint: ") {
				t.Errorf("no hint: %v", err)
			}
			if !bytes.Equal(srv.Get(t, bucket, "k.c1z"), goodData) {
				t.Error("the previous object changed")
			}
			if multipart {
				srv.Clear()
				aborts := srv.Count(func(r uploadtest.Request) bool {
					return r.Method == http.MethodDelete && strings.Contains(r.Query, "uploadId=")
				})
				if aborts != 1 {
					t.Errorf("%d AbortMultipartUpload calls, want 1", aborts)
				}
				out, err := api.ListMultipartUploads(context.Background(), &s3.ListMultipartUploadsInput{Bucket: aws.String(bucket)})
				if err != nil || len(out.Uploads) != 0 {
					t.Errorf("pending uploads left: %v %v", out, err)
				}
			}
		})
	}
}

func TestUploadErrorsMapped(t *testing.T) {
	tests := []struct {
		name   string
		bucket string
		fault  uploadtest.Fault
		cause  Cause
		hint   string
	}{
		{"access denied", bucket, uploadtest.AccessDenied, CauseAccessDenied, "IAM policy"},
		{"no such bucket", "missing-bucket", "", CauseNoSuchBucket, "the bucket does not exist"},
		{"expired token", bucket, uploadtest.ExpiredToken, CauseCredentials, "invalid or expired"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := uploadtest.NewServer(t, bucket)
			if tt.fault != "" {
				srv.Always(uploadtest.IsPut, tt.fault)
			}
			file, _ := writeFile(t, 1<<10)
			_, err := Put(context.Background(), newClient(t, srv), file, tt.bucket, "k.c1z")
			if err == nil {
				t.Fatal("upload succeeded")
			}
			if cause, _ := Classify(err); cause != tt.cause {
				t.Errorf("cause %q, want %q: %v", cause, tt.cause, err)
			}
			if !strings.Contains(err.Error(), "\nhint: ") || !strings.Contains(err.Error(), tt.hint) {
				t.Errorf("error %q lacks hint %q", err, tt.hint)
			}
			if n := len(srv.Requests()); n != 1 {
				t.Errorf("%d requests: a %s must not be retried", n, tt.cause)
			}
		})
	}
	t.Run("unreachable", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close()
		uploadtest.SetEnv(t)
		api, err := NewClient(context.Background(), ClientOptions{Endpoint: "http://" + addr, MaxAttempts: 2, MaxBackoff: time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		file, _ := writeFile(t, 1<<10)
		_, err = Put(context.Background(), api, file, bucket, "k.c1z")
		if cause, _ := Classify(err); cause != CauseUnreachable || !strings.Contains(err.Error(), "cannot be reached") {
			t.Errorf("cause %q: %v", cause, err)
		}
	})
}

// TestClassify covers answers no local server gives through the SDK (a
// real S3 redirect with its region header, TLS and timeout errors), so the
// errors are built by hand.
func TestClassify(t *testing.T) {
	redirect := &awshttp.ResponseError{ResponseError: &smithyhttp.ResponseError{
		Response: &smithyhttp.Response{Response: &http.Response{StatusCode: 301, Header: http.Header{"X-Amz-Bucket-Region": {"eu-west-1"}}}},
		Err:      &smithy.GenericAPIError{Code: "PermanentRedirect"},
	}}
	tests := []struct {
		name   string
		err    error
		cause  Cause
		region string
	}{
		{"redirect", redirect, CauseWrongRegion, "eu-west-1"},
		{"assume role", &smithy.OperationError{ServiceID: "STS", OperationName: "AssumeRole", Err: &smithy.GenericAPIError{Code: "AccessDenied"}}, CauseAssumeRole, ""},
		{"dial", &net.OpError{Op: "dial", Err: errors.New("connection refused")}, CauseUnreachable, ""},
		{"deadline", context.DeadlineExceeded, CauseUnreachable, ""},
		{"tls", errors.New("tls: failed to verify certificate: x509: certificate signed by unknown authority"), CauseTLS, ""},
		{"no creds", errors.New("failed to refresh cached credentials, no EC2 IMDS role found"), CauseNoCreds, ""},
		{"other", errors.New("boom"), CauseUnknown, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cause, region := Classify(tt.err)
			if cause != tt.cause || region != tt.region {
				t.Errorf("got %q %q, want %q %q", cause, region, tt.cause, tt.region)
			}
		})
	}
	if h := Hint(CauseWrongRegion, "eu-west-1"); !strings.Contains(h, "set the region to eu-west-1") {
		t.Errorf("hint %q", h)
	}
}

// headLies is a fake for the one answer gofakes3 cannot give: a store
// reporting a different checksum than the one sent.
type headLies struct{ API }

func (h headLies) HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	out, err := h.API.HeadObject(ctx, in, opts...)
	if err == nil {
		out.ChecksumSHA256 = aws.String("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=")
	}
	return out, err
}

func TestUploadChecksumMismatch(t *testing.T) {
	srv := uploadtest.NewServer(t, bucket)
	file, _ := writeFile(t, 1<<10)
	_, err := Put(context.Background(), headLies{newClient(t, srv)}, file, bucket, "k.c1z")
	if err == nil || !strings.Contains(err.Error(), "reports SHA-256") {
		t.Fatalf("err %v", err)
	}
}

func TestAssumeRole(t *testing.T) {
	srv := uploadtest.NewServer(t, bucket)
	fakeSTS := uploadtest.NewSTS(t)
	uploadtest.SetEnv(t)
	t.Setenv("AWS_ENDPOINT_URL_STS", fakeSTS.URL)
	opts := ClientOptions{Endpoint: srv.URL, RoleARN: "arn:aws:iam::123456789012:role/uploader", ExternalID: "ext-1234"}
	api, err := NewClient(context.Background(), opts)
	if err != nil {
		t.Fatal(err)
	}
	file, _ := writeFile(t, 1<<10)
	if _, err := Put(context.Background(), api, file, bucket, "k.c1z"); err != nil {
		t.Fatal(err)
	}
	for _, r := range srv.Requests() {
		if r.AccessKey != uploadtest.RoleAccessKey {
			t.Errorf("%s %s signed with %q, not the role's key", r.Method, r.Path, r.AccessKey)
		}
	}
	if len(fakeSTS.ExternalIDs) != 1 || fakeSTS.ExternalIDs[0] != "ext-1234" {
		t.Errorf("AssumeRole external IDs %v", fakeSTS.ExternalIDs)
	}

	fakeSTS.SetFail("AccessDenied")
	api, err = NewClient(context.Background(), ClientOptions{Endpoint: srv.URL, RoleARN: "arn:aws:iam::123456789012:role/other"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = Put(context.Background(), api, file, bucket, "k.c1z")
	if cause, _ := Classify(err); cause != CauseAssumeRole || !strings.Contains(err.Error(), "trust policy") {
		t.Errorf("cause %q: %v", cause, err)
	}

	for _, arn := range []string{"arn:aws:iam::123:role/x", "arn:aws:iam::123456789012:user/ci", "role/x", "arn:aws:sts::123456789012:assumed-role/x/y"} {
		if _, err := NewClient(context.Background(), ClientOptions{RoleARN: arn}); err == nil || !strings.Contains(err.Error(), "role ARN") {
			t.Errorf("%s: %v", arn, err)
		}
	}
}

func TestState(t *testing.T) {
	p := filepath.Join(t.TempDir(), "upload-state.json")
	want := State{LastSuccess: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Bucket: "b", Key: "k.c1z", Size: 42, SyncID: "sync-1"}
	if err := WriteState(p, want); err != nil {
		t.Fatal(err)
	}
	st, _ := os.Stat(p)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %o", st.Mode().Perm())
	}
	got, err := ReadState(p)
	if err != nil || got != want {
		t.Errorf("got %+v %v", got, err)
	}
}

func TestPolicy(t *testing.T) {
	var doc struct {
		Statement []struct {
			Action   []string
			Resource string
		}
	}
	if err := json.Unmarshal([]byte(Policy("b", "baton/okta/sync.c1z", "cn-north-1", true)), &doc); err != nil {
		t.Fatal(err)
	}
	s := doc.Statement[0]
	if s.Resource != "arn:aws-cn:s3:::b/baton/okta/sync.c1z" || strings.Join(s.Action, ",") != "s3:PutObject,s3:GetObject,s3:AbortMultipartUpload" {
		t.Errorf("%+v", s)
	}
	if strings.Contains(Policy("b", "k.c1z", "us-east-1", false), "Multipart") {
		t.Error("multipart action without multipart")
	}
}
