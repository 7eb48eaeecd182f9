// Package filelock takes exclusive locks between baton-setup processes:
// flock(2) on a file, which the kernel drops when the process ends,
// however it ends.
package filelock

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// ErrHeld is returned when another process kept the lock for the whole
// wait.
var ErrHeld = errors.New("another process holds the lock")

// poll is how often a held lock is tried again.
const poll = 20 * time.Millisecond

// Lock blocks until this process holds the exclusive lock of the file at
// path (created 0600 if missing, never through a symbolic link), ctx ends
// or wait passes. unlock releases it.
func Lock(ctx context.Context, path string, wait time.Duration) (unlock func(), err error) {
	f, err := openLockFile(path)
	if err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		ok, err := tryLock(f)
		if err != nil {
			f.Close()
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		if ok {
			return func() { f.Close() }, nil
		}
		if time.Now().After(deadline) {
			f.Close()
			return nil, ErrHeld
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, ctx.Err()
		case <-time.After(poll):
		}
	}
}
