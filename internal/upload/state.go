package upload

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/google/renameio/v2"
)

// State is what the last successful upload left next to sync.sh, for
// `status` and `doctor` to read.
type State struct {
	LastSuccess time.Time `json:"lastSuccess"`
	Bucket      string    `json:"bucket"`
	Key         string    `json:"key"`
	Size        int64     `json:"size"`
	SyncID      string    `json:"syncId"`
	SHA256      string    `json:"sha256,omitempty"`
	ETag        string    `json:"etag,omitempty"`
	DurationMS  int64     `json:"durationMs"`
}

// maxStateSize bounds what CheckStatePath reads of an existing file: a
// state file is a few hundred bytes.
const maxStateSize = 64 << 10

// CheckStateName refuses a state path whose file name cannot be meant: a
// blank one, one with a line break or another control character, or one
// that names a directory.
func CheckStateName(path string) error {
	if strings.TrimSpace(path) == "" {
		return errors.New("no file name given")
	}
	for _, r := range path {
		if r < 0x20 || r == 0x7f {
			return errors.New("the path contains a line break or another control character")
		}
	}
	base := filepath.Base(path)
	switch {
	case strings.HasSuffix(path, "/") || base == "." || base == ".." || base == "/":
		return errors.New("the path names a directory, not a file")
	case strings.TrimSpace(base) == "":
		return errors.New("the file name is blank")
	}
	return nil
}

// CheckStatePath refuses to let WriteState replace anything but an earlier
// state file: a path that exists must be a regular file, owned by the user
// running baton-setup, that holds a JSON object. So a mistyped --state
// can never replace another user's file, a system file (as root) or a file
// a symbolic link points at.
func CheckStatePath(path string) error {
	if err := CheckStateName(path); err != nil {
		return fmt.Errorf("write upload state %q: %w", path, err)
	}
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("write upload state %s: %w", path, unwrapPath(err))
	}
	refuse := "refuse to replace " + path + ": "
	hint := "\nhint: give --state the path of a new file, or of a state file an earlier upload wrote"
	if !st.Mode().IsRegular() {
		return errors.New(refuse + "it is " + fileKind(st.Mode()) + ", not a regular file" + hint)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return fmt.Errorf("%sit belongs to uid %d, not to you (uid %d)%s", refuse, sys.Uid, os.Geteuid(), hint)
	}
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("write upload state %s: %w", path, unwrapPath(err))
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxStateSize+1))
	if err != nil {
		return fmt.Errorf("write upload state %s: %w", path, unwrapPath(err))
	}
	var obj map[string]json.RawMessage
	if len(data) > 0 && (len(data) > maxStateSize || json.Unmarshal(data, &obj) != nil || obj == nil) {
		return errors.New(refuse + "it does not hold an upload state" + hint)
	}
	return nil
}

// fileKind names a file type the way a person would.
func fileKind(m fs.FileMode) string {
	switch {
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeDevice != 0:
		return "a device"
	}
	return "a special file"
}

func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// WriteState replaces the state file atomically. The file is always mode
// 0600, whatever an earlier one had, and only a path CheckStatePath
// accepts is replaced.
func WriteState(path string, s State) error {
	if err := CheckStatePath(path); err != nil {
		return err
	}
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("write upload state: %w", err)
	}
	// The pending file goes next to path (not to TMPDIR), and the error
	// names path rather than the pending file's random name. renameio's
	// WriteFile would give the new file an existing file's mode.
	pf, err := renameio.NewPendingFile(path, renameio.WithStaticPermissions(0o600), renameio.WithTempDir(filepath.Dir(path)))
	if err != nil {
		return fmt.Errorf("write upload state %s: %w", path, unwrapPath(err))
	}
	defer pf.Cleanup()
	if _, err := pf.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("write upload state %s: %w", path, unwrapPath(err))
	}
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("write upload state %s: %w", path, unwrapPath(err))
	}
	return nil
}

// ReadState reads a file written by WriteState.
func ReadState(path string) (State, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return State{}, fmt.Errorf("read upload state: %w", err)
	}
	var s State
	if err := json.Unmarshal(data, &s); err != nil {
		return State{}, fmt.Errorf("read upload state %s: %w", path, err)
	}
	return s, nil
}
