// Package userdir finds the running user's own directories when HOME may
// name someone else's: a plain sudo can keep the caller's HOME, and what
// root writes there would then belong to root inside another user's home.
package userdir

import (
	"os"
	"os/user"
	"path/filepath"
	"runtime"
	"syscall"
)

// Owner returns the uid that owns path.
func Owner(path string) (int, bool) {
	st, err := os.Stat(path)
	if err != nil {
		return 0, false
	}
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(sys.Uid), true
}

// Foreign reports whether home belongs to a user other than the running
// one.
func Foreign(home string) bool {
	owner, ok := Owner(home)
	return ok && owner != os.Geteuid()
}

// Cache returns baton-setup's folder in the running user's cache
// directory: from XDG_CACHE_HOME or HOME as usual, but from the user
// database's home when HOME is another user's.
func Cache() (string, error) {
	d, err := os.UserCacheDir()
	if os.Getenv("XDG_CACHE_HOME") == "" && Foreign(os.Getenv("HOME")) {
		if u, uerr := user.Current(); uerr == nil && u.HomeDir != "" {
			d, err = cacheOf(u.HomeDir), nil
		}
	}
	return filepath.Join(d, "baton-setup"), err
}

// cacheOf is the cache directory os.UserCacheDir gives for a home.
func cacheOf(home string) string {
	if runtime.GOOS == "darwin" {
		return filepath.Join(home, "Library", "Caches")
	}
	return filepath.Join(home, ".cache")
}
