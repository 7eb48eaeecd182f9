package verify

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"

	"github.com/conductorone/baton-setup/internal/upload"
)

// ObjectAPI is the part of the S3 client that reads an object back.
type ObjectAPI interface {
	HeadObject(ctx context.Context, in *s3.HeadObjectInput, opts ...func(*s3.Options)) (*s3.HeadObjectOutput, error)
	GetObject(ctx context.Context, in *s3.GetObjectInput, opts ...func(*s3.Options)) (*s3.GetObjectOutput, error)
}

// How ProveObject compared the object's content with the file.
const (
	ByStoreChecksum = "store checksum"
	ByReadBack      = "read back"
)

// ObjectProof is what ProveObject found: an object with the file's size
// and SHA-256.
type ObjectProof struct {
	Bucket string `json:"bucket"`
	Key    string `json:"key"`
	Size   int64  `json:"size"`
	// SHA256 is the hex digest both have.
	SHA256 string `json:"sha256"`
	// Method is ByStoreChecksum or ByReadBack.
	Method       string    `json:"method"`
	LastModified time.Time `json:"lastModified,omitzero"`
}

// ProveObject checks that bucket/key holds exactly file: HeadObject for
// the size, then the store's SHA-256 where it reports one for the whole
// object, else the object read back and hashed. A multipart object's
// checksum covers its parts, not the file, so it is read back too.
func ProveObject(ctx context.Context, api ObjectAPI, bucket, key, file string) (ObjectProof, error) {
	dest := "s3://" + bucket + "/" + key
	size, sum, err := hashFile(file)
	if err != nil {
		return ObjectProof{}, err
	}
	proof := ObjectProof{Bucket: bucket, Key: key, Size: size, SHA256: hex.EncodeToString(sum)}
	head, err := api.HeadObject(ctx, &s3.HeadObjectInput{
		Bucket: aws.String(bucket), Key: aws.String(key), ChecksumMode: types.ChecksumModeEnabled,
	})
	if err != nil {
		return proof, upload.Explain(fmt.Errorf("check %s: %w", dest, err))
	}
	proof.LastModified = aws.ToTime(head.LastModified)
	if got := aws.ToInt64(head.ContentLength); got != size {
		return proof, fmt.Errorf("check %s: the object has %d bytes, the local sync file %d\nhint: another upload may have replaced it since; run verify again", dest, got, size)
	}
	if c := aws.ToString(head.ChecksumSHA256); c != "" && !strings.Contains(c, "-") {
		if c != base64.StdEncoding.EncodeToString(sum) {
			return proof, fmt.Errorf("check %s: the store reports SHA-256 %s, the local sync file has %s\nhint: another upload may have replaced it since; run verify again", dest, c, base64.StdEncoding.EncodeToString(sum))
		}
		proof.Method = ByStoreChecksum
		return proof, nil
	}
	obj, err := api.GetObject(ctx, &s3.GetObjectInput{Bucket: aws.String(bucket), Key: aws.String(key)})
	if err != nil {
		return proof, upload.Explain(fmt.Errorf("read back %s: %w", dest, err))
	}
	defer obj.Body.Close()
	h := sha256.New()
	n, err := io.Copy(h, obj.Body)
	if err != nil {
		return proof, fmt.Errorf("read back %s: %w", dest, err)
	}
	if got := hex.EncodeToString(h.Sum(nil)); n != size || got != proof.SHA256 {
		return proof, fmt.Errorf("check %s: read back %d bytes with SHA-256 %s, the local sync file has %d bytes with %s\nhint: another upload may have replaced it since; run verify again", dest, n, got, size, proof.SHA256)
	}
	proof.Method = ByReadBack
	return proof, nil
}

// hashFile returns the size and SHA-256 of a file.
func hashFile(path string) (int64, []byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, fmt.Errorf("hash sync file: %w", err)
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return 0, nil, fmt.Errorf("hash sync file %s: %w", path, err)
	}
	return n, h.Sum(nil), nil
}
