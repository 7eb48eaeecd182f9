package cli

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/iostreams"
	"github.com/conductorone/baton-setup/internal/testenv"
	"github.com/conductorone/baton-setup/internal/upload"
	"github.com/conductorone/baton-setup/internal/upload/uploadtest"
)

// The baton-setup binary built in TestMain, and sync files made by its real
// demo connector.
var cliBin, finishedC1Z, unfinishedC1Z string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "baton-setup-cli-*")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	code := func() int {
		defer os.RemoveAll(dir)
		bin, err := testenv.Build(dir)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		cliBin = bin
		finishedC1Z = filepath.Join(dir, "finished.c1z")
		unfinishedC1Z = filepath.Join(dir, "unfinished.c1z")
		if err := demoSync(bin, dir, finishedC1Z, "", 0); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		// fail-midsync leaves a file whose sync never finished, exit 13.
		if err := demoSync(bin, dir, unfinishedC1Z, "fail-midsync", 13); err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

func demoSync(bin, dir, file, failure string, wantCode int) error {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	run := testenv.DemoSync
	if failure != "" {
		run = testenv.DemoSyncFailing
	}
	code, out, err := run(ctx, bin, file, []string{"BATON_USER_COUNT=200", "BATON_DEMO_FAILURE=" + failure})
	if err != nil {
		return err
	}
	if code != wantCode {
		return fmt.Errorf("demo connector (failure %q): exit %d, want %d\n%s", failure, code, wantCode, out)
	}
	if _, err := os.Stat(file); err != nil {
		return fmt.Errorf("demo connector (failure %q) wrote no file: %w", failure, err)
	}
	return nil
}

const (
	bucket = "sync-bucket"
	key    = "baton/demo/sync.c1z"
	dest   = "s3://" + bucket + "/" + key
)

type cmdResult struct {
	code        int
	out, errOut string
}

func testFactory(t *testing.T) (*Factory, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	// Keep a fake STS a test has set up; SetEnv clears the variable.
	stsURL := os.Getenv("AWS_ENDPOINT_URL_STS")
	uploadtest.SetEnv(t)
	if stsURL != "" {
		t.Setenv("AWS_ENDPOINT_URL_STS", stsURL)
	}
	ios, _, out, errOut := iostreams.Test()
	return &Factory{
		IO: ios, Getenv: os.Getenv, Environ: os.Environ, Now: time.Now,
		NewS3: func(ctx context.Context, opts upload.ClientOptions) (upload.API, error) {
			return upload.NewClient(ctx, opts)
		},
	}, out, errOut
}

// runUpload runs `upload` in-process with short retry pacing.
func runUpload(t *testing.T, args ...string) cmdResult {
	t.Helper()
	f, out, errOut := testFactory(t)
	cmd := newUploadCmd(f, func(ctx context.Context, o *UploadOptions) error {
		o.MaxAttempts, o.MaxBackoff, o.HeaderTimeout = 3, 10*time.Millisecond, 500*time.Millisecond
		return uploadRun(ctx, o)
	})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return execute(t, f, cmd.ExecuteContext, cmd.SetArgs, args, out, errOut)
}

func runCheck(t *testing.T, args ...string) cmdResult {
	t.Helper()
	f, out, errOut := testFactory(t)
	cmd := newS3CheckCmd(f, func(ctx context.Context, o *S3CheckOptions) error {
		o.MaxAttempts, o.MaxBackoff = 2, 10*time.Millisecond
		o.PartSize, o.Threshold = 16<<10, 16<<10
		return s3CheckRun(ctx, o)
	})
	cmd.SilenceUsage, cmd.SilenceErrors = true, true
	return execute(t, f, cmd.ExecuteContext, cmd.SetArgs, args, out, errOut)
}

func execute(t *testing.T, f *Factory, exec func(context.Context) error, setArgs func([]string), args []string, out, errOut *bytes.Buffer) cmdResult {
	t.Helper()
	setArgs(args)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	code := exitCode(f, exec(ctx))
	return cmdResult{code, out.String(), errOut.String()}
}

func mustFile(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestUpload(t *testing.T) {
	sum, err := c1z.Summarize(context.Background(), finishedC1Z, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Run("single", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		state := filepath.Join(t.TempDir(), "upload-state.json")
		r := runUpload(t, "--file", finishedC1Z, "--dest", dest, "--endpoint", srv.URL, "--state", state)
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.errOut)
		}
		want := fmt.Sprintf("uploaded %s to %s (%d bytes", finishedC1Z, dest, sum.Size)
		if !strings.HasPrefix(r.out, want) || !strings.Contains(r.out, "sync "+sum.SyncID) || strings.Count(r.out, "\n") != 1 {
			t.Errorf("stdout %q, want one line starting %q", r.out, want)
		}
		if !bytes.Equal(srv.Get(t, bucket, key), mustFile(t, finishedC1Z)) {
			t.Error("object differs from the file")
		}
		st, err := upload.ReadState(state)
		if err != nil || st.SyncID != sum.SyncID || st.Key != key || st.Size != sum.Size || time.Since(st.LastSuccess) > time.Minute {
			t.Errorf("state %+v %v", st, err)
		}
		if fi, _ := os.Stat(state); fi.Mode().Perm() != 0o600 {
			t.Errorf("state mode %o", fi.Mode().Perm())
		}
	})
	t.Run("multipart", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		r := runUpload(t, "--file", finishedC1Z, "--dest", dest, "--endpoint", srv.URL, "--multipart-threshold", "16384", "--part-size", "16384", "--json")
		if r.code != 0 {
			t.Fatalf("exit %d: %s", r.code, r.errOut)
		}
		var res struct {
			Parts  int
			SyncID string
		}
		if err := json.Unmarshal([]byte(r.out), &res); err != nil || res.Parts != int((sum.Size+16383)/16384) || res.SyncID != sum.SyncID {
			t.Errorf("result %s: %+v %v", r.out, res, err)
		}
		got := filepath.Join(t.TempDir(), "got.c1z")
		os.WriteFile(got, srv.Get(t, bucket, key), 0o600)
		if back, err := c1z.Summarize(context.Background(), got, t.TempDir()); err != nil || back.SyncID != sum.SyncID {
			t.Errorf("uploaded object does not open as the same sync: %v", err)
		}
	})
}

func TestUploadRefusesBadFiles(t *testing.T) {
	dir := t.TempDir()
	good := mustFile(t, finishedC1Z)
	partial := filepath.Join(dir, "partial.c1z")
	os.WriteFile(partial, good[:len(good)/2], 0o600)
	garbage := filepath.Join(dir, "garbage.c1z")
	noise := make([]byte, 4096)
	rand.Read(noise)
	os.WriteFile(garbage, noise, 0o600)
	empty := filepath.Join(dir, "empty.c1z")
	os.WriteFile(empty, nil, 0o600)

	srv := uploadtest.NewServer(t, bucket)
	if r := runUpload(t, "--file", finishedC1Z, "--dest", dest, "--endpoint", srv.URL); r.code != 0 {
		t.Fatalf("first upload: %s", r.errOut)
	}
	tests := []struct{ name, file, want string }{
		{"unfinished", unfinishedC1Z, c1z.ErrUnfinished.Error()},
		{"partial", partial, "refuse upload: open sync file"},
		{"garbage", garbage, "refuse upload: open sync file"},
		{"empty", empty, "the file is empty"},
		{"missing", filepath.Join(dir, "nope.c1z"), "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(srv.Requests())
			r := runUpload(t, "--file", tt.file, "--dest", dest, "--endpoint", srv.URL)
			if r.code != 1 || !strings.Contains(r.errOut, tt.want) || !strings.Contains(r.errOut, "\nhint: ") {
				t.Errorf("exit %d, stderr %q; want 1 and %q with a hint", r.code, r.errOut, tt.want)
			}
			if n := len(srv.Requests()) - before; n != 0 {
				t.Errorf("%d requests made for a refused file", n)
			}
			if !bytes.Equal(srv.Get(t, bucket, key), good) {
				t.Error("the previous object changed")
			}
		})
	}
}

func TestUploadFaults(t *testing.T) {
	good := mustFile(t, finishedC1Z)
	t.Run("retried", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		srv.Inject(uploadtest.IsPut, uploadtest.Status500, uploadtest.Reset)
		r := runUpload(t, "--file", finishedC1Z, "--dest", dest, "--endpoint", srv.URL)
		if r.code != 0 || !strings.Contains(r.out, "2 retried") {
			t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.out, r.errOut)
		}
		if !bytes.Equal(srv.Get(t, bucket, key), good) {
			t.Error("object differs from the file")
		}
	})
	t.Run("persistent", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		state := filepath.Join(t.TempDir(), "upload-state.json")
		if r := runUpload(t, "--file", finishedC1Z, "--dest", dest, "--endpoint", srv.URL, "--state", state); r.code != 0 {
			t.Fatal(r.errOut)
		}
		stateBefore := mustFile(t, state)
		for _, extra := range [][]string{nil, {"--multipart-threshold", "16384", "--part-size", "16384"}} {
			srv.Clear()
			srv.Always(uploadtest.IsPut, uploadtest.Reset)
			r := runUpload(t, append([]string{"--file", finishedC1Z, "--dest", dest, "--endpoint", srv.URL, "--state", state}, extra...)...)
			if r.code != 1 || !strings.Contains(r.errOut, "hint: the S3 endpoint cannot be reached") {
				t.Errorf("%v: exit %d, stderr %q", extra, r.code, r.errOut)
			}
			if !bytes.Equal(srv.Get(t, bucket, key), good) {
				t.Error("the previous object changed")
			}
			if !bytes.Equal(mustFile(t, state), stateBefore) {
				t.Error("a failed upload rewrote the state file")
			}
		}
	})
	t.Run("access denied", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		srv.Always(uploadtest.IsPut, uploadtest.AccessDenied)
		r := runUpload(t, "--file", finishedC1Z, "--dest", dest, "--endpoint", srv.URL)
		if r.code != 1 || !strings.Contains(r.errOut, "AccessDenied") || !strings.Contains(r.errOut, "hint: the AWS identity is not allowed") {
			t.Errorf("exit %d, stderr %q", r.code, r.errOut)
		}
	})
	t.Run("no such bucket", func(t *testing.T) {
		srv := uploadtest.NewServer(t)
		r := runUpload(t, "--file", finishedC1Z, "--dest", dest, "--endpoint", srv.URL)
		if r.code != 1 || !strings.Contains(r.errOut, "NoSuchBucket") || !strings.Contains(r.errOut, "hint: the bucket does not exist") {
			t.Errorf("exit %d, stderr %q", r.code, r.errOut)
		}
	})
}

func TestUploadRoleARN(t *testing.T) {
	srv := uploadtest.NewServer(t, bucket)
	for _, tt := range []struct {
		args []string
		want string
	}{
		{[]string{"--role-arn", "arn:aws:iam::12345:role/x"}, `role ARN "arn:aws:iam::12345:role/x"`},
		{[]string{"--role-arn", "arn:aws:iam::123456789012:user/x"}, "this is a user, not a role"},
		{[]string{"--external-id", "abc"}, "--external-id needs --role-arn"},
	} {
		r := runUpload(t, append([]string{"--file", finishedC1Z, "--dest", dest, "--endpoint", srv.URL}, tt.args...)...)
		if r.code != 2 || !strings.Contains(r.errOut, tt.want) {
			t.Errorf("%v: exit %d, stderr %q", tt.args, r.code, r.errOut)
		}
	}
	if n := len(srv.Requests()); n != 0 {
		t.Errorf("%d requests made with a bad role ARN", n)
	}

	fake := uploadtest.NewSTS(t)
	t.Setenv("AWS_ENDPOINT_URL_STS", fake.URL)
	r := runCheck(t, "--dest", dest, "--endpoint", srv.URL, "--role-arn", "arn:aws:iam::123456789012:role/uploader", "--external-id", "ext-42", "--file", finishedC1Z)
	if r.code != 0 || !strings.Contains(r.out, "✓ identity     account 123456789012, arn:aws:sts::123456789012:assumed-role/uploader/baton-setup") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", r.code, r.out, r.errOut)
	}
	for _, req := range srv.Requests() {
		if req.AccessKey != uploadtest.RoleAccessKey {
			t.Errorf("%s %s not signed with the role's key", req.Method, req.Path)
		}
	}
}

func TestS3Check(t *testing.T) {
	t.Run("file to the real key", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		r := runCheck(t, "--dest", dest, "--endpoint", srv.URL, "--region", "us-east-1", "--file", finishedC1Z)
		if r.code != 0 {
			t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.out, r.errOut)
		}
		for _, want := range []string{
			"✓ sync file    " + finishedC1Z + " holds finished sync",
			"- identity     skipped: custom S3 endpoint",
			"✓ bucket       sync-bucket exists, region us-east-1",
			"✓ write        uploaded " + finishedC1Z + " (multipart, ",
			"✓ read back    HeadObject: ",
			"  File name: baton/demo/sync.c1z\n",
			`"Resource": "arn:aws:s3:::sync-bucket/baton/demo/sync.c1z"`,
			`"s3:AbortMultipartUpload"`,
		} {
			if !strings.Contains(r.out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.out)
			}
		}
		if !bytes.Equal(srv.Get(t, bucket, key), mustFile(t, finishedC1Z)) {
			t.Error("the test sync is not at the key")
		}
	})
	t.Run("marker, with STS", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		fake := uploadtest.NewSTS(t)
		t.Setenv("AWS_ENDPOINT_URL_STS", fake.URL)
		r := runCheck(t, "--dest", dest, "--endpoint", srv.URL, "--file", finishedC1Z, "--preflight-key")
		if r.code != 0 || !strings.Contains(r.out, "✓ identity     account 123456789012, arn:aws:iam::123456789012:user/ci") ||
			!strings.Contains(r.out, "✓ cleanup      deleted s3://sync-bucket/baton/demo/sync.c1z.preflight") {
			t.Fatalf("exit %d\nstdout %s\nstderr %s", r.code, r.out, r.errOut)
		}
		if srv.Get(t, bucket, key) != nil || srv.Get(t, bucket, key+".preflight") != nil {
			t.Error("the real key was written or the marker left behind")
		}
	})
	t.Run("bucket in another region", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		srv.SetLocation("eu-west-1")
		r := runCheck(t, "--dest", dest, "--endpoint", srv.URL, "--region", "us-east-1")
		if r.code != 1 || !strings.Contains(r.out, "✗ bucket       bucket sync-bucket is in eu-west-1, but the uploader signs for us-east-1") ||
			!strings.Contains(r.out, "hint: set the region to eu-west-1") || !strings.Contains(r.out, "✓ write") ||
			!strings.Contains(r.errOut, "1 of 7 checks failed") {
			t.Errorf("exit %d\nstdout %s\nstderr %s", r.code, r.out, r.errOut)
		}
	})
	t.Run("failures listed together", func(t *testing.T) {
		srv := uploadtest.NewServer(t, bucket)
		srv.Always(uploadtest.IsPut, uploadtest.AccessDenied)
		r := runCheck(t, "--dest", dest, "--endpoint", srv.URL, "--file", unfinishedC1Z)
		for _, want := range []string{"✗ sync file", "- write        skipped: no finished sync file", "✓ bucket"} {
			if !strings.Contains(r.out, want) {
				t.Errorf("stdout lacks %q:\n%s", want, r.out)
			}
		}
		r = runCheck(t, "--dest", dest, "--endpoint", srv.URL)
		if r.code != 1 || !strings.Contains(r.out, "✗ write") || !strings.Contains(r.out, "hint: the identity may not s3:PutObject on arn:aws:s3:::sync-bucket/baton/demo/sync.c1z.preflight") {
			t.Errorf("exit %d\nstdout %s", r.code, r.out)
		}
	})
	t.Run("no such bucket", func(t *testing.T) {
		srv := uploadtest.NewServer(t)
		r := runCheck(t, "--dest", dest, "--endpoint", srv.URL, "--json")
		var rep upload.Report
		if err := json.Unmarshal([]byte(r.out), &rep); err != nil {
			t.Fatalf("%v: %s", err, r.out)
		}
		if r.code != 1 || len(rep.Checks) != 5 || rep.Checks[3].Cause != upload.CauseNoSuchBucket || rep.Checks[4].Cause != upload.CauseNoSuchBucket {
			t.Errorf("exit %d, %+v", r.code, rep.Checks)
		}
	})
}
