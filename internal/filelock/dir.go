package filelock

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/conductorone/baton-setup/internal/userdir"
)

// Named takes the lock called name in baton-setup's folder of the running
// user's cache directory (userdir.Cache): never in another user's home,
// where a lock file root created would lock that user out.
func Named(ctx context.Context, name string, wait time.Duration) (unlock func(), path string, err error) {
	dir, err := userdir.Cache()
	if err != nil {
		return nil, "", fmt.Errorf("%w\nhint: set HOME or XDG_CACHE_HOME", err)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, "", err
	}
	path = filepath.Join(dir, name)
	unlock, err = Lock(ctx, path, wait)
	return unlock, path, err
}
