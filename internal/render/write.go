package render

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/google/renameio/v2"
)

// Action says what writing a file does.
type Action string

// Actions, in the words shown to the user.
const (
	Create Action = "create"
	Update Action = "update"
	Keep   Action = "unchanged"
)

// Change is what writing one file does or, in a dry run, would do.
type Change struct {
	Name   string      `json:"name"`
	Path   string      `json:"path"`
	Mode   fs.FileMode `json:"mode"`
	Action Action      `json:"action"`
	// Diff is a unified diff from the current file, with secret values
	// masked; empty unless Action is Update.
	Diff string `json:"diff,omitempty"`
	// Backup is where the previous version was saved.
	Backup string `json:"backup,omitempty"`
}

// WriteOptions control Write.
type WriteOptions struct {
	// DryRun computes the changes and writes nothing.
	DryRun bool
	// Now stamps backups; nil means time.Now.
	Now func() time.Time
}

// BackupDir is the directory, inside a profile directory, that keeps
// earlier versions of changed files.
const BackupDir = "backup"

// backupsKept is how many backups of one file are kept.
const backupsKept = 10

// Write makes dir a private directory (0700) and writes every file
// atomically, with its final mode set before the rename, so that a crash
// never leaves a half-written or readable secrets file. A file that changes
// is first saved to backup/<name>.<UTC time> (0600).
func Write(dir string, files []File, opts WriteOptions) ([]Change, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	exists, err := CheckDir(dir)
	if err != nil {
		return nil, err
	}
	changes := make([]Change, len(files))
	for i, f := range files {
		c, err := compare(f)
		if err != nil {
			return nil, err
		}
		changes[i] = c
	}
	if opts.DryRun {
		return changes, nil
	}
	if !exists {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create %s: %w", dir, err)
		}
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secure %s: %w", dir, err)
	}
	stamp := now()
	for i, f := range files {
		c := &changes[i]
		if c.Action == Keep {
			continue
		}
		if c.Action == Update {
			old, err := os.ReadFile(f.Path)
			if err != nil {
				return changes, fmt.Errorf("back up %s: %w", f.Path, err)
			}
			if c.Backup, err = Backup(dir, f.Name, old, stamp); err != nil {
				return changes, err
			}
		}
		if err := writeFile(f.Path, f.Content, f.Mode); err != nil {
			return changes, err
		}
	}
	return changes, nil
}

// writeFile replaces path atomically with a file that has mode from its
// creation on. renameio.WriteFile is not used: it keeps an existing file's
// mode, so a secrets.env someone made 0644 would stay 0644.
func writeFile(path string, content []byte, mode fs.FileMode) error {
	pf, err := renameio.NewPendingFile(path, renameio.WithPermissions(mode), renameio.WithStaticPermissions(mode))
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	defer pf.Cleanup()
	if _, err := pf.Write(content); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}

// compare reads the current file and says what writing f would do.
func compare(f File) (Change, error) {
	c := Change{Name: f.Name, Path: f.Path, Mode: f.Mode, Action: Create}
	st, err := os.Lstat(f.Path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("read %s: %w", f.Path, err)
	}
	if !st.Mode().IsRegular() {
		return c, fmt.Errorf("refuse to replace %s: it is not a regular file (%s)", f.Path, st.Mode().Type())
	}
	old, err := os.ReadFile(f.Path)
	if err != nil {
		return c, fmt.Errorf("read %s: %w", f.Path, err)
	}
	if bytes.Equal(old, f.Content) && st.Mode().Perm() == f.Mode.Perm() {
		c.Action = Keep
		return c, nil
	}
	c.Action = Update
	c.Diff = Diff(f, old)
	if c.Diff == "" && st.Mode().Perm() != f.Mode.Perm() {
		c.Diff = fmt.Sprintf("%s: mode %04o -> %04o\n", f.Path, st.Mode().Perm(), f.Mode.Perm())
	}
	return c, nil
}

// CheckDir refuses a directory that someone else could change behind the
// user's back: one owned by another user, one every user may write to, or
// one inside such a parent without the sticky bit (where it could be
// renamed and replaced). It reports whether dir exists.
func CheckDir(dir string) (bool, error) {
	st, err := os.Stat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, checkParent(dir)
	case err != nil:
		return false, fmt.Errorf("check %s: %w", dir, err)
	case !st.IsDir():
		return true, fmt.Errorf("refuse to write into %s: it is not a directory", dir)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return true, fmt.Errorf("refuse to write into %s: it belongs to uid %d, not to you (uid %d), so its owner could change sync.sh or read secrets.env\nhint: choose a directory of your own with --out", dir, sys.Uid, os.Geteuid())
	}
	if st.Mode().Perm()&0o002 != 0 {
		return true, fmt.Errorf("refuse to write into %s: every user may write to it (mode %04o), so anyone could have replaced a file in it\nhint: choose another directory with --out, or check its contents and run chmod 700 %s", dir, st.Mode().Perm(), dir)
	}
	return true, checkParent(dir)
}

// checkParent looks at the nearest existing ancestor of dir.
func checkParent(dir string) error {
	parent := filepath.Dir(filepath.Clean(dir))
	for {
		st, err := os.Stat(parent)
		if err == nil {
			if st.Mode().Perm()&0o002 != 0 && st.Mode()&fs.ModeSticky == 0 {
				return fmt.Errorf("refuse to write into %s: its parent %s may be written by every user and has no sticky bit, so anyone could replace the directory\nhint: choose another directory with --out", dir, parent)
			}
			return nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("check %s: %w", parent, err)
		}
		next := filepath.Dir(parent)
		if next == parent {
			return nil
		}
		parent = next
	}
}

// Backup saves content as <dir>/backup/<name>.<UTC time> (0600) and keeps
// only the newest backups of that name. It returns the backup's path.
func Backup(dir, name string, content []byte, now time.Time) (string, error) {
	bdir := filepath.Join(dir, BackupDir)
	if err := os.MkdirAll(bdir, 0o700); err != nil {
		return "", fmt.Errorf("back up %s: %w", name, err)
	}
	base := filepath.Join(bdir, name+"."+now.UTC().Format("20060102T150405Z"))
	path := base
	for n := 2; ; n++ {
		if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
			break
		}
		path = fmt.Sprintf("%s-%d", base, n)
	}
	if err := writeFile(path, content, 0o600); err != nil {
		return "", fmt.Errorf("back up %s: %w", name, err)
	}
	return path, prune(bdir, name)
}

// prune deletes all but the newest backupsKept backups of name. Their
// names sort by time.
func prune(bdir, name string) error {
	entries, err := os.ReadDir(bdir)
	if err != nil {
		return fmt.Errorf("prune backups: %w", err)
	}
	var mine []string
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), name+".")
		if ok && len(rest) >= len("20060102T150405Z") && rest[0] >= '0' && rest[0] <= '9' {
			mine = append(mine, e.Name())
		}
	}
	slices.SortFunc(mine, compareBackups)
	for len(mine) > backupsKept {
		if err := os.Remove(filepath.Join(bdir, mine[0])); err != nil {
			return fmt.Errorf("prune backups: %w", err)
		}
		mine = mine[1:]
	}
	return nil
}

// compareBackups orders "x.T" before "x.T-2" before "x.T-10".
func compareBackups(a, b string) int {
	sa, na := splitSeq(a)
	sb, nb := splitSeq(b)
	if c := strings.Compare(sa, sb); c != 0 {
		return c
	}
	return na - nb
}

func splitSeq(s string) (string, int) {
	i := strings.LastIndexByte(s, '-')
	if i < 0 {
		return s, 1
	}
	n := 0
	for _, r := range s[i+1:] {
		if r < '0' || r > '9' {
			return s, 1
		}
		n = n*10 + int(r-'0')
	}
	return s[:i], n
}
