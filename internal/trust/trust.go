// Package trust checks that a program a schedule runs can be changed only
// by the user it runs as and by root: the file, what its symbolic links
// point to, and every directory above each of them. Anyone else who could
// replace one of them could run their own code with that user's rights.
package trust

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/user"
	"path/filepath"
	"strconv"
	"syscall"
)

// Untrusted is a file or directory that someone other than the user and
// root can change.
type Untrusted struct {
	// Path is the file or directory at fault.
	Path string
	// Reason says who else can change it, in words.
	Reason string
	// Writable is set when its mode is at fault, not its owner.
	Writable bool
}

func (e *Untrusted) Error() string { return e.Path + " " + e.Reason }

// maxLinks bounds the symbolic links followed, as the kernel does.
const maxLinks = 40

// Program returns an *Untrusted when anyone but uid and root can change
// the program at path, which must be absolute: one of the entries on its
// way is owned by another user, or may be written by its group or by
// every user. A directory every user may write to passes when root owns
// it and has set its sticky bit (as /tmp), which keeps others from
// renaming what is in it. A missing file is reported as it is.
func Program(path string, uid int) error {
	if !filepath.IsAbs(path) {
		return fmt.Errorf("check %s: not an absolute path", path)
	}
	given := path
	for hops := 0; ; hops++ {
		if hops > maxLinks {
			return &Untrusted{Path: given, Reason: "is reached through too many symbolic links"}
		}
		// The directories as they are on disk.
		dir, err := filepath.EvalSymlinks(filepath.Dir(path))
		if err != nil {
			return fmt.Errorf("check %s: %w", path, err)
		}
		if err := chain(dir, uid); err != nil {
			return err
		}
		// And as the path names them: a symbolic link among them can be
		// replaced by whoever can write where it is.
		if err := chain(filepath.Dir(path), uid); err != nil {
			return err
		}
		file := filepath.Join(dir, filepath.Base(path))
		st, err := os.Lstat(file)
		if err != nil {
			return fmt.Errorf("check %s: %w", path, err)
		}
		if st.Mode()&fs.ModeSymlink == 0 {
			if !st.Mode().IsRegular() {
				return fmt.Errorf("check %s: not a regular file", file)
			}
			return entry(file, st, uid)
		}
		target, err := os.Readlink(file)
		if err != nil {
			return fmt.Errorf("check %s: %w", path, err)
		}
		if !filepath.IsAbs(target) {
			target = filepath.Join(dir, target)
		}
		path = target
	}
}

// chain checks dir and every directory above it.
func chain(dir string, uid int) error {
	for d := filepath.Clean(dir); ; d = filepath.Dir(d) {
		st, err := os.Lstat(d)
		if err != nil {
			return fmt.Errorf("check %s: %w", d, err)
		}
		if err := entry(d, st, uid); err != nil {
			return err
		}
		if d == filepath.Dir(d) {
			return nil
		}
	}
}

// entry checks one file, directory or symbolic link itself.
func entry(path string, st fs.FileInfo, uid int) error {
	owner, ok := Owner(st)
	if !ok {
		return nil
	}
	if owner != uid && owner != 0 {
		return &Untrusted{Path: path, Reason: "belongs to " + UserName(owner) + ", not to you or root"}
	}
	mode := st.Mode()
	switch {
	case mode&fs.ModeSymlink != 0:
		// Its own permissions are never used.
		return nil
	case mode.IsDir() && mode&fs.ModeSticky != 0 && owner == 0:
		return nil
	}
	return Shared(path, mode)
}

// Shared returns an *Untrusted when mode lets the group or every user
// write to path.
func Shared(path string, mode fs.FileMode) error {
	switch {
	case mode.Perm()&0o002 != 0:
		return &Untrusted{Path: path, Reason: "may be written by every user (mode " + Octal(mode) + ")", Writable: true}
	case mode.Perm()&0o020 != 0:
		return &Untrusted{Path: path, Reason: "may be written by its group (mode " + Octal(mode) + ")", Writable: true}
	}
	return nil
}

// Owner returns the uid that owns a file, when the system says.
func Owner(st fs.FileInfo) (int, bool) {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok {
		return 0, false
	}
	return int(sys.Uid), true
}

// UserName names a uid as "uid 1001 (bob)", or "uid 1001" when the
// passwd database has no name for it.
func UserName(uid int) string {
	s := "uid " + strconv.Itoa(uid)
	if u, err := user.LookupId(strconv.Itoa(uid)); err == nil && u.Username != "" {
		s += " (" + u.Username + ")"
	}
	return s
}

// Octal writes a mode the way chmod takes it, with the sticky, setuid and
// setgid bits: 0755, 1777.
func Octal(mode fs.FileMode) string {
	n := uint32(mode.Perm())
	if mode&fs.ModeSticky != 0 {
		n |= 0o1000
	}
	if mode&fs.ModeSetgid != 0 {
		n |= 0o2000
	}
	if mode&fs.ModeSetuid != 0 {
		n |= 0o4000
	}
	return fmt.Sprintf("%04o", n)
}

// IsUntrusted reports whether err says someone else can change a file.
func IsUntrusted(err error) bool {
	var u *Untrusted
	return errors.As(err, &u)
}
