package upload

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

var testState = State{LastSuccess: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Bucket: "b", Key: "k.c1z", Size: 42, SyncID: "sync-1"}

// TestWriteStateMode replaces the user's own earlier state file, whatever
// its mode, with a 0600 one.
func TestWriteStateMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "last-upload.json")
	if err := os.WriteFile(path, []byte(`{"key":"previous"}`+"\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := WriteState(path, testState); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("state file mode %04o, want 0600", st.Mode().Perm())
	}
	if got, err := ReadState(path); err != nil || got.Key != "k.c1z" {
		t.Errorf("read back %+v, %v", got, err)
	}
	// An empty file, as `touch` leaves it, is a state file to be.
	empty := filepath.Join(t.TempDir(), "new.json")
	if err := os.WriteFile(empty, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteState(empty, testState); err != nil {
		t.Errorf("empty file: %v", err)
	}
}

// TestWriteStateRefuses keeps every file that is not the user's own
// earlier state byte-identical: a system file, a symbolic link, a named
// pipe, a directory, another user's file.
func TestWriteStateRefuses(t *testing.T) {
	dir := t.TempDir()
	passwd := filepath.Join(dir, "passwd")
	if err := os.WriteFile(passwd, []byte("root:x:0:0:root:/root:/bin/bash\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(dir, "link.json")
	target := filepath.Join(dir, "target.json")
	if err := os.WriteFile(target, []byte(`{"key":"previous"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	fifo := filepath.Join(dir, "fifo.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	sub := filepath.Join(dir, "sub.json")
	if err := os.Mkdir(sub, 0o700); err != nil {
		t.Fatal(err)
	}
	rows := []struct{ path, want string }{
		{passwd, "refuse to replace " + passwd + ": it does not hold an upload state"},
		{link, "refuse to replace " + link + ": it is a symbolic link, not a regular file"},
		{fifo, "refuse to replace " + fifo + ": it is a named pipe, not a regular file"},
		{sub, "refuse to replace " + sub + ": it is a directory, not a regular file"},
	}
	if os.Geteuid() == 0 {
		// nobody is the second user: a state file it owns is not root's to replace.
		other := filepath.Join(dir, "other.json")
		if err := os.WriteFile(other, []byte(`{"key":"previous"}`), 0o644); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(other, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		rows = append(rows, struct{ path, want string }{other, "refuse to replace " + other + ": it belongs to uid 65534, not to you (uid 0)"})
	}
	before := snapshotDir(t, dir)
	for _, r := range rows {
		err := WriteState(r.path, testState)
		if err == nil || !strings.HasPrefix(err.Error(), r.want+"\nhint: ") {
			t.Errorf("WriteState(%s) = %v, want %q", filepath.Base(r.path), err, r.want)
		}
	}
	if after := snapshotDir(t, dir); after != before {
		t.Errorf("the directory changed:\n%s\nwant\n%s", after, before)
	}
}

func snapshotDir(t *testing.T, dir string) string {
	t.Helper()
	var b strings.Builder
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		st, err := os.Lstat(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(e.Name() + " " + st.Mode().String())
		if st.Mode().IsRegular() {
			data, _ := os.ReadFile(filepath.Join(dir, e.Name()))
			b.WriteString(" " + string(data))
		}
		if sys, ok := st.Sys().(*syscall.Stat_t); ok {
			b.WriteString(" uid " + strconv.Itoa(int(sys.Uid)))
		}
		b.WriteString("\n")
	}
	return b.String()
}

func TestCheckStateName(t *testing.T) {
	for _, bad := range []string{"", "  ", "dir/ ", "a\nb", "last\tupload.json", "dir/", ".", "..", "/"} {
		if err := CheckStateName(bad); err == nil {
			t.Errorf("CheckStateName(%q) accepted it", bad)
		}
	}
	for _, good := range []string{"last-upload.json", "/srv/p/last-upload.json", "a b.json", "état.json"} {
		if err := CheckStateName(good); err != nil {
			t.Errorf("CheckStateName(%q) = %v", good, err)
		}
	}
}
