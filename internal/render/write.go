package render

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"github.com/google/renameio/v2"

	"github.com/conductorone/baton-setup/internal/lazyre"
	"github.com/conductorone/baton-setup/internal/plan"
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

// Write writes every file atomically, with its final mode set before the
// rename, so that a crash never leaves a half-written or readable secrets
// file. It creates dir (0700) when it is missing, and never changes the
// mode of a directory that exists: that one is the user's (CheckDir says
// which it refuses). A file that changes is first saved to
// backup/<name>.<UTC time> (0600). Pending copies that an interrupted run
// left next to the files are removed first.
func Write(dir string, files []File, opts WriteOptions) ([]Change, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	exists, err := CheckDir(dir)
	if err != nil {
		return nil, err
	}
	if err := CheckSubdir(filepath.Join(dir, BackupDir)); err != nil {
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
			return nil, fmt.Errorf("create %s: %w", dir, pathCause(err))
		}
	}
	if err := removeLeftovers(dir, files); err != nil {
		return nil, err
	}
	// Every backup and new file is written in full before the first rename,
	// so a failure on the way (a full disk, a read-only directory) leaves
	// all previous files as they were and removes what this run wrote.
	stamp := now()
	type pending struct {
		pf   *renameio.PendingFile
		path string
	}
	var staged []pending
	var backups []string
	_, err = os.Lstat(filepath.Join(dir, BackupDir))
	newBackupDir := errors.Is(err, fs.ErrNotExist)
	done := false
	defer func() {
		for _, s := range staged {
			_ = s.pf.Cleanup()
		}
		if done {
			return
		}
		for _, b := range backups {
			_ = os.Remove(b)
		}
		if newBackupDir {
			_ = os.Remove(filepath.Join(dir, BackupDir))
		}
		if !exists {
			_ = os.Remove(dir)
		}
	}()
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
			if c.Backup, err = backup(dir, f.Name, old, stamp); err != nil {
				return changes, err
			}
			backups = append(backups, c.Backup)
		}
		pf, err := stageFile(f.Path, f.Content, f.Mode)
		if err != nil {
			return changes, err
		}
		staged = append(staged, pending{pf, f.Path})
	}
	// From the first rename on, the backups hold replaced files: keep them.
	done = true
	for _, s := range staged {
		if err := s.pf.CloseAtomicallyReplace(); err != nil {
			return changes, fmt.Errorf("write %s: %w", s.path, pathCause(err))
		}
	}
	for i := range changes {
		if changes[i].Backup != "" {
			if err := prune(filepath.Join(dir, BackupDir), changes[i].Name); err != nil {
				return changes, err
			}
		}
	}
	return changes, nil
}

// stageFile writes content to a pending file next to path, with its final
// mode from creation on; CloseAtomicallyReplace puts it in place.
// renameio.WriteFile is not used: it keeps an existing file's mode, so a
// secrets.env someone made 0644 would stay 0644.
// The pending file lives next to path, not in TMPDIR, so that an
// interrupted run leaves nothing elsewhere; errors name path rather than
// the pending file's random name.
func stageFile(path string, content []byte, mode fs.FileMode) (*renameio.PendingFile, error) {
	pf, err := renameio.NewPendingFile(path, renameio.WithTempDir(filepath.Dir(path)),
		renameio.WithPermissions(mode), renameio.WithStaticPermissions(mode))
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", path, pathCause(err))
	}
	if _, err := pf.Write(content); err != nil {
		_ = pf.Cleanup()
		return nil, fmt.Errorf("write %s: %w", path, pathCause(err))
	}
	return pf, nil
}

// pathCause strips the file name from a *fs.PathError, leaving its cause.
func pathCause(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
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
		return c, fmt.Errorf("refuse to replace %s: it is %s, not a regular file", f.Path, Kind(st.Mode()))
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return c, fmt.Errorf("refuse to replace %s: it belongs to uid %d, not to you (uid %d); someone else put it there, so check what it holds\nhint: remove it or chown it to yourself, then run again", f.Path, sys.Uid, os.Geteuid())
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

// Kind names what a file that is not a regular one is: "a symbolic
// link", "a directory", "a named pipe".
func Kind(mode fs.FileMode) string {
	switch {
	case mode&fs.ModeSymlink != 0:
		return "a symbolic link"
	case mode.IsDir():
		return "a directory"
	case mode&fs.ModeNamedPipe != 0:
		return "a named pipe"
	case mode&fs.ModeSocket != 0:
		return "a socket"
	case mode&fs.ModeDevice != 0:
		return "a device"
	case mode.IsRegular():
		return "a regular file"
	}
	return "a special file"
}

// CheckDir refuses a directory that someone else could change behind the
// user's back, or that is not where it seems: a symbolic link (never
// followed for a profile directory), one owned by another user, one its
// group or every user may write to, or one inside such a parent without
// the sticky bit (where it could be renamed and replaced). It reports
// whether dir exists.
func CheckDir(dir string) (bool, error) {
	st, err := os.Lstat(dir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return false, checkParent(dir)
	case err != nil:
		return false, fmt.Errorf("check %s: %w", dir, err)
	case st.Mode()&fs.ModeSymlink != 0:
		target, _ := os.Readlink(dir)
		return true, refuse(plan.SettingErrorf(plan.SettingOutDir, "refuse to write into %s: it is a symbolic link (to %s), and baton-setup never follows one for a profile directory", dir, target).
			WithHint("give %s the directory itself, or a new one", plan.Placeholder))
	case !st.IsDir():
		return true, fmt.Errorf("refuse to write into %s: it is not a directory", dir)
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok && int(sys.Uid) != os.Geteuid() {
		return true, refuse(plan.SettingErrorf(plan.SettingOutDir, "refuse to write into %s: it belongs to uid %d, not to you (uid %d), so its owner could change sync.sh or read secrets.env", dir, sys.Uid, os.Geteuid()).
			WithHint("choose a directory of your own with %s", plan.Placeholder))
	}
	switch perm := st.Mode().Perm(); {
	case perm&0o002 != 0:
		return true, refuse(plan.SettingErrorf(plan.SettingOutDir, "refuse to write into %s: every user may write to it (mode %04o), so anyone could have replaced a file in it", dir, perm).
			WithHint("choose another directory with %s, or check its contents and run chmod 700 %s", plan.Placeholder, dir))
	case perm&0o020 != 0:
		return true, refuse(plan.SettingErrorf(plan.SettingOutDir, "refuse to write into %s: its group may write to it (mode %04o), so any member could have replaced a file in it", dir, perm).
			WithHint("choose another directory with %s, or check its contents and run chmod 700 %s", plan.Placeholder, dir))
	}
	return true, checkParent(dir)
}

// CheckSubdir refuses a directory inside a profile directory (backup/,
// work/) through which what baton-setup or sync.sh writes could land
// elsewhere or be changed by someone else: a symbolic link, something
// other than a directory, one owned by another user, or one its group or
// every user may write to. A missing one is fine; it is made 0700 when
// needed.
func CheckSubdir(path string) error {
	st, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("check %s: %w", path, err)
	}
	var why string
	sys, _ := st.Sys().(*syscall.Stat_t)
	switch perm := st.Mode().Perm(); {
	case !st.IsDir():
		why = "it is " + Kind(st.Mode()) + ", not a directory"
	case sys != nil && int(sys.Uid) != os.Geteuid():
		why = fmt.Sprintf("it belongs to uid %d, not to you (uid %d)", sys.Uid, os.Geteuid())
	case perm&0o002 != 0:
		why = fmt.Sprintf("every user may write to it (mode %04o)", perm)
	case perm&0o020 != 0:
		why = fmt.Sprintf("its group may write to it (mode %04o)", perm)
	default:
		return nil
	}
	return fmt.Errorf("refuse to use %s: %s, so what is written there could land elsewhere or be changed by someone else\nhint: check what it holds and remove it; it is made again, private, when needed", path, why)
}

// checkParent looks at the nearest existing ancestor of dir.
func checkParent(dir string) error {
	parent := filepath.Dir(filepath.Clean(dir))
	for {
		st, err := os.Stat(parent)
		if err == nil {
			if st.Mode().Perm()&0o002 != 0 && st.Mode()&fs.ModeSticky == 0 {
				return refuse(plan.SettingErrorf(plan.SettingOutDir, "refuse to write into %s: its parent %s may be written by every user and has no sticky bit, so anyone could replace the directory", dir, parent).
					WithHint("choose another directory with %s", plan.Placeholder))
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
	path, err := backup(dir, name, content, now)
	if err != nil {
		return "", err
	}
	return path, prune(filepath.Join(dir, BackupDir), name)
}

// backup is Backup without the pruning, which Write leaves until every
// file is in place. The backup is written in full under a pending name,
// then linked to the first free name: a link never replaces a file, so
// two runs in the same second never share one.
func backup(dir, name string, content []byte, now time.Time) (string, error) {
	bdir := filepath.Join(dir, BackupDir)
	if err := CheckSubdir(bdir); err != nil {
		return "", err
	}
	if err := os.MkdirAll(bdir, 0o700); err != nil {
		return "", fmt.Errorf("back up %s: %w", name, err)
	}
	base := filepath.Join(bdir, name+"."+now.UTC().Format(stampLayout))
	pf, err := stageFile(base, content, 0o600)
	if err != nil {
		return "", fmt.Errorf("back up %s: %w", name, err)
	}
	defer pf.Cleanup()
	if err := pf.Sync(); err != nil {
		return "", fmt.Errorf("back up %s: write %s: %w", name, base, pathCause(err))
	}
	// After the newest of this second: a name pruning freed would sort as
	// the oldest, and be pruned at once.
	n := nextSeq(bdir, filepath.Base(base))
	for ; ; n++ {
		path := base
		if n > 1 {
			path = fmt.Sprintf("%s-%d", base, n)
		}
		err := os.Link(pf.Name(), path)
		if err == nil {
			return path, nil
		}
		if !errors.Is(err, fs.ErrExist) {
			return "", fmt.Errorf("back up %s: %w", name, err)
		}
	}
}

// nextSeq is the sequence number after the highest that a backup named
// base, or base-N, has in bdir: 1 when there is none.
func nextSeq(bdir, base string) int {
	entries, _ := os.ReadDir(bdir)
	next := 1
	for _, e := range entries {
		if e.Name() == base || strings.HasPrefix(e.Name(), base+"-") {
			if _, n := splitSeq(e.Name()); n >= next {
				next = n + 1
			}
		}
	}
	return next
}

// stampLayout is the UTC time in a backup's name.
const stampLayout = "20060102T150405Z"

// pendingBackup is the name renameio gives a backup being written:
// "." + the backup's name + a random number.
var pendingBackup = lazyre.New(`^\..+\.\d{8}T\d{6}Z(-\d+)?\d+$`)

// isPending reports whether entry is a pending copy of the file name, as
// renameio names it next to the file: "." + name + a random number.
func isPending(entry, name string) bool {
	rest, ok := strings.CutPrefix(entry, "."+name)
	return ok && rest != "" && strings.Trim(rest, "0123456789") == ""
}

// Leftovers lists the pending copies that an interrupted write left in
// dir of the files named (they may hold old secrets), and of backups in
// its backup/ directory. Only regular files count.
func Leftovers(dir string, names []string) []string {
	var out []string
	add := func(d string, match func(string) bool) {
		entries, _ := os.ReadDir(d)
		for _, e := range entries {
			if e.Type().IsRegular() && match(e.Name()) {
				out = append(out, filepath.Join(d, e.Name()))
			}
		}
	}
	add(dir, func(entry string) bool {
		return slices.ContainsFunc(names, func(n string) bool { return isPending(entry, n) })
	})
	if CheckSubdir(filepath.Join(dir, BackupDir)) == nil {
		add(filepath.Join(dir, BackupDir), pendingBackup().MatchString)
	}
	return out
}

// removeLeftovers deletes what Leftovers finds for the files Write
// writes, in each directory they go to. A run killed while writing leaves
// them; runs of one profile do not overlap (setup holds its lock), so none
// is another run's.
func removeLeftovers(dir string, files []File) error {
	byDir := map[string][]string{dir: nil}
	for _, f := range files {
		d := filepath.Dir(f.Path)
		byDir[d] = append(byDir[d], filepath.Base(f.Path))
	}
	for d, names := range byDir {
		for _, path := range Leftovers(d, names) {
			if d != dir && filepath.Dir(path) != d {
				// backup/ belongs to dir only.
				continue
			}
			if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return fmt.Errorf("remove %s, left by an interrupted run: %w", path, pathCause(err))
			}
		}
	}
	return nil
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
		if ok && len(rest) >= len(stampLayout) && rest[0] >= '0' && rest[0] <= '9' {
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

// PrintChanges tells the user what a run wrote, or with dryRun would
// write: each file with its mode, a new file's masked text on a dry run,
// and an updated file's diff and backup. shown(i) is the masked text of the
// i-th file; secret values never reach w.
func PrintChanges(w io.Writer, changes []Change, shown func(i int) string, dryRun bool) {
	verb := map[Action]string{Create: "wrote", Update: "updated", Keep: "unchanged"}
	if dryRun {
		verb = map[Action]string{Create: "would write", Update: "would update", Keep: "unchanged"}
	}
	for i, c := range changes {
		fmt.Fprintf(w, "%s %s (%04o)\n", verb[c.Action], c.Path, c.Mode)
		switch {
		case c.Action == Create && dryRun:
			Indent(w, shown(i))
		case c.Action == Update:
			Indent(w, c.Diff)
			if c.Backup != "" {
				fmt.Fprintf(w, "  previous version saved to %s\n", c.Backup)
			}
		}
	}
}

// Indent writes text with every line indented by two spaces.
func Indent(w io.Writer, text string) {
	if text == "" {
		return
	}
	for _, l := range strings.SplitAfter(strings.TrimSuffix(text, "\n"), "\n") {
		fmt.Fprint(w, "  "+l)
	}
	fmt.Fprintln(w)
}

// refuse marks a setting as well formed but unsafe to use.
func refuse(e *plan.SettingError) error {
	e.Refused = true
	return e
}
