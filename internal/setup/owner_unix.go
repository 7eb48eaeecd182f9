//go:build unix

package setup

import (
	"os"
	"syscall"
)

// ownerOf returns the uid that owns path.
func ownerOf(path string) (int, bool) {
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
