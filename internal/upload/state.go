package upload

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
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

// WriteState replaces the state file atomically, mode 0600.
func WriteState(path string, s State) error {
	data, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return fmt.Errorf("write upload state: %w", err)
	}
	// The pending file goes next to path (not to TMPDIR), and the error
	// names path rather than the pending file's random name.
	if err := renameio.WriteFile(path, append(data, '\n'), 0o600, renameio.WithStaticPermissions(0o600), renameio.WithTempDir(filepath.Dir(path))); err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("write upload state %s: %w", path, err)
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
