// Command bench-upload runs baton-setup's upload engine (internal/upload
// with the defaults `baton-setup upload` uses) on any file. It exists for
// scripts/bench-upload.sh: `baton-setup upload` itself only sends files
// holding a finished sync, and a 1 GiB c1z is impractical to produce.
package main

import (
	"context"
	"flag"
	"fmt"
	"os"

	"github.com/conductorone/baton-setup/internal/upload"
)

func main() {
	file := flag.String("file", "", "file to upload")
	bucket := flag.String("bucket", "", "bucket")
	key := flag.String("key", "", "object key")
	endpoint := flag.String("endpoint", "", "S3 endpoint URL")
	partSize := flag.Int64("part-size", 0, "part size in bytes (0: the default)")
	concurrency := flag.Int("concurrency", 0, "parts in flight (0: the default)")
	flag.Parse()
	ctx := context.Background()
	api, err := upload.NewClient(ctx, upload.ClientOptions{Endpoint: *endpoint})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	res, err := (&upload.Uploader{API: api, PartSize: *partSize, Concurrency: *concurrency}).Upload(ctx, *file, *bucket, *key)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Printf("%d bytes, %d parts, %s, %d retries\n", res.Size, res.Parts, res.Duration, res.Retries)
}
