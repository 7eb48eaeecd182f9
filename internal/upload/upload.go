// Package upload puts a finished sync file into S3 with aws-sdk-go-v2.
// Connectors on baton-sdk v0.10.0 and later cannot write to S3 themselves,
// so this is the only delivery path for scheduled syncs.
package upload

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/sync/errgroup"
)

// API is the part of the S3 client a single-request upload uses.
type API interface {
	PutObject(ctx context.Context, in *s3.PutObjectInput, opts ...func(*s3.Options)) (*s3.PutObjectOutput, error)
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
}

// MultipartAPI adds what a multipart upload needs. Uploader uses multipart
// only when its API has these methods; *s3.Client does.
type MultipartAPI interface {
	API
	CreateMultipartUpload(ctx context.Context, in *s3.CreateMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CreateMultipartUploadOutput, error)
	UploadPart(ctx context.Context, in *s3.UploadPartInput, opts ...func(*s3.Options)) (*s3.UploadPartOutput, error)
	CompleteMultipartUpload(ctx context.Context, in *s3.CompleteMultipartUploadInput, opts ...func(*s3.Options)) (*s3.CompleteMultipartUploadOutput, error)
	AbortMultipartUpload(ctx context.Context, in *s3.AbortMultipartUploadInput, opts ...func(*s3.Options)) (*s3.AbortMultipartUploadOutput, error)
}

// BucketAPI is what the preflight check uses besides uploading.
type BucketAPI interface {
	API
	HeadBucket(ctx context.Context, in *s3.HeadBucketInput, opts ...func(*s3.Options)) (*s3.HeadBucketOutput, error)
	GetBucketLocation(ctx context.Context, in *s3.GetBucketLocationInput, opts ...func(*s3.Options)) (*s3.GetBucketLocationOutput, error)
	DeleteObject(ctx context.Context, in *s3.DeleteObjectInput, opts ...func(*s3.Options)) (*s3.DeleteObjectOutput, error)
}

// STSAPI is the identity call of the preflight check.
type STSAPI interface {
	GetCallerIdentity(ctx context.Context, in *sts.GetCallerIdentityInput, opts ...func(*sts.Options)) (*sts.GetCallerIdentityOutput, error)
}

// ContentType is what ConductorOne's own S3 writer used for sync files.
const ContentType = "application/c1z"

// Multipart defaults. Parts are read straight from the file, so memory
// stays at a few buffers per part in flight whatever the file's size.
const (
	DefaultThreshold   = 64 << 20
	DefaultPartSize    = 8 << 20
	DefaultConcurrency = 10
	// maxParts is S3's limit; bigger files get bigger parts.
	maxParts = 10000
	// maxSingle is S3's limit for one PutObject.
	maxSingle = 5 << 30
)

// Checksum outcomes reported in Result.Checksum.
const (
	ChecksumVerified    = "verified"
	ChecksumNotReported = "not reported by the store"
)

// Result describes a finished upload.
type Result struct {
	Bucket   string        `json:"bucket"`
	Key      string        `json:"key"`
	Size     int64         `json:"size"`
	ETag     string        `json:"etag,omitempty"`
	Duration time.Duration `json:"durationNs"`
	// Parts is 0 for a single PutObject.
	Parts int `json:"parts,omitempty"`
	// SHA256 is the file's digest, base64 as S3 spells it (for multipart,
	// the digest of the part digests followed by -N).
	SHA256 string `json:"sha256"`
	// Checksum says whether the store confirmed SHA256 after the upload.
	Checksum string `json:"checksum"`
	// Retries counts the requests that were tried again.
	Retries int `json:"retries"`
}

// Uploader streams a file to S3 and proves it arrived.
type Uploader struct {
	API API
	// Threshold is the size from which multipart is used; 0 means
	// DefaultThreshold.
	Threshold int64
	// PartSize is the multipart part size; 0 means DefaultPartSize.
	PartSize int64
	// Concurrency is how many parts are in flight; 0 means
	// DefaultConcurrency.
	Concurrency int
	// Progress, when set, is called as bytes are confirmed by the store.
	Progress func(done, total int64)

	// noVerify leaves the HeadObject check to the caller (the preflight
	// reports it as a check of its own).
	noVerify bool
}

// Put uploads the file to bucket/key with the default settings. The caller
// checks beforehand that the file holds a finished sync.
func Put(ctx context.Context, api API, file, bucket, key string) (Result, error) {
	return (&Uploader{API: api}).Upload(ctx, file, bucket, key)
}

// Upload sends the file to bucket/key, by PutObject below the threshold and
// multipart above it, then checks with HeadObject that an object of the
// same size (and SHA-256, when the store reports one) is there. A failed
// upload leaves any previous object unchanged: S3 replaces objects only
// when a PutObject or CompleteMultipartUpload succeeds.
func (u *Uploader) Upload(ctx context.Context, file, bucket, key string) (Result, error) {
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
	if !st.Mode().IsRegular() {
		return Result{}, fmt.Errorf("upload %s: not a regular file", file)
	}
	if st.Size() == 0 {
		return Result{}, fmt.Errorf("upload %s: the file is empty", file)
	}
	res := Result{Bucket: bucket, Key: key, Size: st.Size()}
	threshold := u.Threshold
	if threshold <= 0 {
		threshold = DefaultThreshold
	}
	mp, ok := u.API.(MultipartAPI)
	if !ok && st.Size() > maxSingle {
		return Result{}, fmt.Errorf("upload %s: %w, and the file is over 5 GiB", file, errNoMultipart)
	}
	if ok && st.Size() >= threshold {
		err = u.multipart(ctx, mp, f, &res)
	} else {
		err = u.single(ctx, f, &res)
	}
	if err != nil {
		return Result{}, err
	}
	if !u.noVerify {
		if err := u.verify(ctx, &res); err != nil {
			return Result{}, err
		}
	}
	res.Duration = time.Since(start)
	return res, nil
}

func (u *Uploader) progress(done, total int64) {
	if u.Progress != nil {
		u.Progress(done, total)
	}
}

func (u *Uploader) single(ctx context.Context, f *os.File, res *Result) error {
	sum, err := hashSection(io.NewSectionReader(f, 0, res.Size))
	if err != nil {
		return fmt.Errorf("upload %s: %w", f.Name(), err)
	}
	res.SHA256 = base64.StdEncoding.EncodeToString(sum)
	// The SDK rewinds a seekable body before each retry; a SectionReader
	// gives it a fresh, independent offset.
	out, err := u.API.PutObject(ctx, &s3.PutObjectInput{
		Bucket:         aws.String(res.Bucket),
		Key:            aws.String(res.Key),
		Body:           io.NewSectionReader(f, 0, res.Size),
		ContentLength:  aws.Int64(res.Size),
		ContentType:    aws.String(ContentType),
		ChecksumSHA256: aws.String(res.SHA256),
	}, withPayloadHash(sum))
	if err != nil {
		return Explain(fmt.Errorf("upload to s3://%s/%s: %w", res.Bucket, res.Key, err))
	}
	res.Retries += retries(out.ResultMetadata)
	res.ETag = strings.Trim(aws.ToString(out.ETag), `"`)
	u.progress(res.Size, res.Size)
	return nil
}

func (u *Uploader) multipart(ctx context.Context, api MultipartAPI, f *os.File, res *Result) error {
	dest := fmt.Sprintf("s3://%s/%s", res.Bucket, res.Key)
	partSize := u.PartSize
	if partSize <= 0 {
		partSize = DefaultPartSize
	}
	if min := (res.Size + maxParts - 1) / maxParts; partSize < min {
		partSize = min
	}
	n := int((res.Size + partSize - 1) / partSize)
	created, err := api.CreateMultipartUpload(ctx, &s3.CreateMultipartUploadInput{
		Bucket:            aws.String(res.Bucket),
		Key:               aws.String(res.Key),
		ContentType:       aws.String(ContentType),
		ChecksumAlgorithm: types.ChecksumAlgorithmSha256,
	})
	if err != nil {
		return Explain(fmt.Errorf("start multipart upload to %s: %w", dest, err))
	}
	res.Retries += retries(created.ResultMetadata)
	id := created.UploadId
	completed := false
	defer func() {
		if completed {
			return
		}
		// Parts of an unfinished upload are billed until aborted; abort even
		// when ctx is already cancelled.
		actx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		api.AbortMultipartUpload(actx, &s3.AbortMultipartUploadInput{Bucket: aws.String(res.Bucket), Key: aws.String(res.Key), UploadId: id})
	}()

	parts := make([]types.CompletedPart, n)
	digests := make([][]byte, n)
	var mu sync.Mutex
	var done int64
	conc := u.Concurrency
	if conc <= 0 {
		conc = DefaultConcurrency
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(conc)
	for i := range n {
		off := int64(i) * partSize
		size := min(partSize, res.Size-off)
		g.Go(func() error {
			sum, err := hashSection(io.NewSectionReader(f, off, size))
			if err != nil {
				return fmt.Errorf("upload %s: %w", f.Name(), err)
			}
			num := aws.Int32(int32(i + 1))
			out, err := api.UploadPart(gctx, &s3.UploadPartInput{
				Bucket:         aws.String(res.Bucket),
				Key:            aws.String(res.Key),
				UploadId:       id,
				PartNumber:     num,
				Body:           io.NewSectionReader(f, off, size),
				ContentLength:  aws.Int64(size),
				ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum)),
			}, withPayloadHash(sum))
			if err != nil {
				return Explain(fmt.Errorf("upload part %d of %d to %s: %w", i+1, n, dest, err))
			}
			parts[i] = types.CompletedPart{ETag: out.ETag, PartNumber: num, ChecksumSHA256: aws.String(base64.StdEncoding.EncodeToString(sum))}
			digests[i] = sum
			mu.Lock()
			defer mu.Unlock()
			res.Retries += retries(out.ResultMetadata)
			done += size
			u.progress(done, res.Size)
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return err
	}
	out, err := api.CompleteMultipartUpload(ctx, &s3.CompleteMultipartUploadInput{
		Bucket:          aws.String(res.Bucket),
		Key:             aws.String(res.Key),
		UploadId:        id,
		MultipartUpload: &types.CompletedMultipartUpload{Parts: parts},
	})
	if err != nil {
		return Explain(fmt.Errorf("complete multipart upload to %s: %w", dest, err))
	}
	completed = true
	res.Retries += retries(out.ResultMetadata)
	res.ETag = strings.Trim(aws.ToString(out.ETag), `"`)
	res.Parts = n
	// S3's checksum of a multipart object is the digest of the part
	// digests, suffixed with the part count.
	h := sha256.New()
	for _, d := range digests {
		h.Write(d)
	}
	res.SHA256 = fmt.Sprintf("%s-%d", base64.StdEncoding.EncodeToString(h.Sum(nil)), n)
	return nil
}

func (u *Uploader) verify(ctx context.Context, res *Result) error {
	dest := fmt.Sprintf("s3://%s/%s", res.Bucket, res.Key)
	head, err := u.API.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket:       aws.String(res.Bucket),
		Key:          aws.String(res.Key),
		ChecksumMode: types.ChecksumModeEnabled,
	})
	if err != nil {
		return Explain(fmt.Errorf("check %s after upload: %w", dest, err))
	}
	res.Retries += retries(head.ResultMetadata)
	if got := aws.ToInt64(head.ContentLength); got != res.Size {
		return fmt.Errorf("check %s after upload: the object has %d bytes, the file %d\nhint: something else may be writing to this key; run the upload again", dest, got, res.Size)
	}
	got := aws.ToString(head.ChecksumSHA256)
	switch {
	case got == "":
		// S3-compatible stores (and S3 for objects written without a
		// checksum) may not report one; the size check above still holds.
		res.Checksum = ChecksumNotReported
	case got != res.SHA256:
		return fmt.Errorf("check %s after upload: the store reports SHA-256 %s, the file has %s\nhint: the object differs from the file; run the upload again", dest, got, res.SHA256)
	default:
		res.Checksum = ChecksumVerified
	}
	return nil
}

// withPayloadHash hands the SHA-256 already computed for the checksum to
// the SigV4 signer, which would otherwise read the whole body once more to
// compute the same digest.
func withPayloadHash(sum []byte) func(*s3.Options) {
	h := hex.EncodeToString(sum)
	return func(o *s3.Options) {
		o.APIOptions = append(o.APIOptions, func(st *middleware.Stack) error {
			return st.Build.Add(middleware.BuildMiddlewareFunc("BatonSetupPayloadHash",
				func(ctx context.Context, in middleware.BuildInput, next middleware.BuildHandler) (middleware.BuildOutput, middleware.Metadata, error) {
					return next.HandleBuild(v4.SetPayloadHash(ctx, h), in)
				}), middleware.After)
		})
	}
}

func hashSection(r io.Reader) ([]byte, error) {
	h := sha256.New()
	if _, err := io.Copy(h, r); err != nil {
		return nil, fmt.Errorf("read file: %w", err)
	}
	return h.Sum(nil), nil
}

func retries(md middleware.Metadata) int {
	if r, ok := retry.GetAttemptResults(md); ok && len(r.Results) > 1 {
		return len(r.Results) - 1
	}
	return 0
}

// errNoMultipart is returned when a file needs multipart but the API
// cannot do it.
var errNoMultipart = errors.New("this S3 client cannot do multipart uploads")
