package upload

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/upload/uploadtest"
)

func statuses(r Report) string {
	var b strings.Builder
	for _, c := range r.Checks {
		b.WriteString(c.Name + "=" + string(c.Status) + " ")
	}
	return strings.TrimSpace(b.String())
}

func newPreflight(t *testing.T, srv *uploadtest.Server, withSTS bool) *Preflight {
	t.Helper()
	p := &Preflight{S3: newClient(t, srv), Bucket: bucket, Key: "baton/demo/sync.c1z", Region: "us-east-1", SkipReason: "no STS here"}
	if withSTS {
		fake := uploadtest.NewSTS(t)
		t.Setenv("AWS_ENDPOINT_URL_STS", fake.URL)
		st, err := NewSTSClient(context.Background(), ClientOptions{MaxAttempts: 1})
		if err != nil {
			t.Fatal(err)
		}
		p.STS = st
	}
	return p
}

func TestPreflight(t *testing.T) {
	t.Run("marker", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		r := newPreflight(t, srv, true).Run(context.Background())
		if got := statuses(r); got != "identity=ok bucket=ok write=ok read back=ok cleanup=ok" || r.Failed() {
			t.Fatalf("%s\n%+v", got, r.Checks)
		}
		if r.Account != uploadtest.Account || !strings.HasSuffix(r.ARN, ":user/ci") || r.BucketRegion != "us-east-1" {
			t.Errorf("report %+v", r)
		}
		if r.WrittenKey != "baton/demo/sync.c1z.preflight" || srv.Get(t, bucket, r.WrittenKey) != nil || srv.Get(t, bucket, r.ObjectKey) != nil {
			t.Error("the marker was left behind or the real key was touched")
		}
		if !strings.Contains(r.Policy, `"arn:aws:s3:::sync-bucket/baton/demo/sync.c1z"`) {
			t.Errorf("policy:\n%s", r.Policy)
		}
	})
	t.Run("file to the real key, multipart", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		p := newPreflight(t, srv, false)
		file, data := writeFile(t, 100<<10)
		p.File = file
		p.Uploader = Uploader{Threshold: 32 << 10, PartSize: 32 << 10}
		r := p.Run(context.Background())
		if got := statuses(r); got != "identity=skip bucket=ok write=ok read back=ok" {
			t.Fatalf("%s\n%+v", got, r.Checks)
		}
		if !bytes.Equal(srv.Get(t, bucket, p.Key), data) || !r.Multipart || !strings.Contains(r.Policy, "s3:AbortMultipartUpload") {
			t.Errorf("multipart %v, policy:\n%s", r.Multipart, r.Policy)
		}
	})
	t.Run("bucket in another region", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		srv.SetLocation("eu-west-1")
		r := newPreflight(t, srv, false).Run(context.Background())
		c := r.Checks[1]
		if c.Status != StatusFail || c.Cause != CauseWrongRegion || !strings.Contains(c.Detail, "is in eu-west-1, but the uploader signs for us-east-1") ||
			!strings.Contains(c.Hint, "set the region to eu-west-1") || !r.Failed() {
			t.Errorf("%+v", c)
		}
	})
	t.Run("no such bucket", func(t *testing.T) {
		srv := uploadtest.NewServer(t)
		r := newPreflight(t, srv, false).Run(context.Background())
		if got := statuses(r); got != "identity=skip bucket=fail write=fail" {
			t.Fatalf("%s\n%+v", got, r.Checks)
		}
		for _, c := range r.Checks[1:] {
			if c.Cause != CauseNoSuchBucket || !strings.Contains(c.Hint, "does not exist") {
				t.Errorf("%+v", c)
			}
		}
	})
	t.Run("access denied", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		srv.Always(uploadtest.IsHeadBucket, "403")
		srv.Always(uploadtest.IsPut, uploadtest.AccessDenied)
		r := newPreflight(t, srv, false).Run(context.Background())
		if got := statuses(r); got != "identity=skip bucket=warn write=fail" {
			t.Fatalf("%s\n%+v", got, r.Checks)
		}
		if w := r.Checks[2]; w.Cause != CauseAccessDenied || !strings.Contains(w.Hint, "s3:PutObject on arn:aws:s3:::sync-bucket/baton/demo/sync.c1z") {
			t.Errorf("%+v", w)
		}
	})
	t.Run("expired token at STS", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		p := newPreflight(t, srv, true)
		fake := uploadtest.NewSTS(t)
		fake.SetFail("ExpiredToken")
		t.Setenv("AWS_ENDPOINT_URL_STS", fake.URL)
		p.STS, _ = NewSTSClient(context.Background(), ClientOptions{MaxAttempts: 1})
		r := p.Run(context.Background())
		if c := r.Checks[0]; c.Status != StatusFail || c.Cause != CauseCredentials {
			t.Errorf("%+v", c)
		}
		// An S3-compatible store without STS: a warning, not a failure.
		p.IdentityOptional = true
		r = p.Run(context.Background())
		if c := r.Checks[0]; c.Status != StatusWarn || r.Failed() {
			t.Errorf("%+v", r.Checks)
		}
	})
}
