package c1z

import (
	"context"
	"encoding/binary"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// zstdBomb is a c1z file (v1 header) whose zstd frame holds nothing but
// run-length blocks: 4 bytes of file for every 128 KiB of output, and no
// content size in the frame header, so a decoder only finds out how much
// it gets by writing it.
func zstdBomb(decoded int) []byte {
	const block = 128 << 10
	out := append([]byte("C1ZF\x00"), 0x28, 0xb5, 0x2f, 0xfd)
	// Frame header descriptor: no content size, no checksum, no
	// dictionary; a 128 KiB window (log 17).
	out = append(out, 0x00, (17-10)<<3)
	for left := decoded; left > 0; left -= block {
		n := min(left, block)
		hdr := uint32(1<<1) | uint32(n)<<3 // RLE block of n bytes
		if left <= block {
			hdr |= 1 // last block
		}
		var b [4]byte
		binary.LittleEndian.PutUint32(b[:], hdr)
		out = append(out, b[0], b[1], b[2], 'A')
	}
	return out
}

// dirSize is the bytes held by the files under dir.
func dirSize(dir string) int64 {
	var n int64
	filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			if info, err := d.Info(); err == nil {
				n += info.Size()
			}
		}
		return nil
	})
	return n
}

// TestDecompressionBomb opens a 32 KiB file that decodes to 1 GiB: the
// open stops at the bound for a file of its size, says the file is not a
// valid sync file, and leaves nothing in the temp directory.
func TestDecompressionBomb(t *testing.T) {
	const decoded = 1 << 30
	path := filepath.Join(t.TempDir(), "bomb.c1z")
	data := zstdBomb(decoded)
	if err := os.WriteFile(path, data, 0o600); err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	var peak atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			if n := dirSize(tmp); n > peak.Load() {
				peak.Store(n)
			}
			select {
			case <-stop:
				return
			case <-time.After(2 * time.Millisecond):
			}
		}
	}()
	_, err := Summarize(context.Background(), path, tmp)
	close(stop)
	wg.Wait()
	limit := MaxDecodedSize(int64(len(data)))
	t.Logf("bomb: %d bytes of file, %d decoded; bound %d; TMPDIR peaked at %d bytes", len(data), int64(decoded), limit, peak.Load())
	if peak.Load() > limit+limit/4 {
		t.Errorf("TMPDIR held %d bytes, over the bound of %d", peak.Load(), limit)
	}
	want := "open sync file " + path + ": not a valid sync file"
	if err == nil || !strings.HasPrefix(err.Error(), want) || strings.Contains(err.Error(), "max decoded size") {
		t.Errorf("error %v, want it to start %q without the SDK's chain", err, want)
	}
	if n := dirSize(tmp); n != 0 {
		t.Errorf("%d bytes left in TMPDIR", n)
	}
}
