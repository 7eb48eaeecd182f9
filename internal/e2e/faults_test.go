// The fault rows mount tmpfs and run setpriv and prlimit, which only Linux has.

//go:build linux

package e2e

import (
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// faultRun is one invocation of the binary under a filesystem fault.
type faultRun struct {
	args []string
	env  []string
	// nobody runs the binary as uid/gid 65534 through setpriv.
	nobody bool
	// fsize, when set, runs it under `prlimit --fsize` (the disk-full
	// fallback where tmpfs cannot be mounted).
	fsize string
	// watch are directories that must be byte-identical afterwards: the
	// same files with the same content and modes, nothing added.
	watch []string
	// want are regular expressions, each matching one whole line of
	// stderr, in this order.
	want []string
	// check runs after the assertions above.
	check func(t *testing.T, r result)
}

type faultRow struct {
	name    string
	command string
	// mechanism says how the fault is made; it is logged with the counts.
	setup func(t *testing.T, box *faultBox) (faultRun, string)
}

// faultBox is a scratch tree every user may traverse, with a copy of the
// binary that nobody may run.
type faultBox struct {
	root, bin string
	// home is nobody's, rootHome root's: a root run with nobody's HOME is
	// refused as a plain sudo's.
	home, rootHome string
	s3             *testenv.S3
}

func newFaultBox(t *testing.T, s3 *testenv.S3) *faultBox {
	t.Helper()
	root, err := os.MkdirTemp("", "baton-faults-*")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	box := &faultBox{root: root, bin: filepath.Join(root, "baton-setup"), home: filepath.Join(root, "home"), s3: s3}
	copyFile(t, bin, box.bin, 0o755)
	box.makeHome(t)
	return box
}

// makeHome makes the box's homes, nobody's and root's, with the AWS files
// a scheduled run of their user reads.
func (b *faultBox) makeHome(t *testing.T) {
	t.Helper()
	b.home = b.mkdir(t, "home", nobodyID)
	testenv.WriteAWSFiles(t, b.home)
	testenv.ChownAWSFiles(t, b.home, nobodyID)
	b.rootHome = b.mkdir(t, "root-home", 0)
	testenv.WriteAWSFiles(t, b.rootHome)
}

// mkdir makes a 0755 directory under the box owned by uid.
func (b *faultBox) mkdir(t *testing.T, name string, uid int) string {
	t.Helper()
	dir := filepath.Join(b.root, name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(dir, uid, uid); err != nil {
		t.Fatal(err)
	}
	return dir
}

// env is the environment of a run in home.
func (b *faultBox) env(home string, extra ...string) []string {
	env := append(testenv.CleanEnv(home), "BATON_API_KEY=k")
	// The AWS files in home are the credentials, as for a scheduled run.
	env = append(env, "AWS_EC2_METADATA_DISABLED=true")
	return append(env, extra...)
}

// generate writes a demo profile into dir as root and returns the args
// that regenerate it with different values, so that every file changes.
func (b *faultBox) generate(t *testing.T, dir string) []string {
	t.Helper()
	r := run(t, b.env(b.rootHome), b.root, b.bin, "generate", "--connector", "demo", "--set", "tenant=acme",
		"--dest", "local", "--schedule", "17 * * * *", "--out", dir)
	if r.code != 0 {
		t.Fatalf("generate the profile to break: exit %d\n%s", r.code, r.stderr)
	}
	return []string{"generate", "--connector", "demo", "--set", "tenant=other", "--set", "user-count=9",
		"--dest", "s3://fault-bucket/f/sync.c1z", "--schedule", "5 */2 * * *", "--out", dir}
}

// syncFile writes a finished sync with the demo connector, readable by all.
func (b *faultBox) syncFile(t *testing.T) string {
	t.Helper()
	dir := b.mkdir(t, "sync", 0)
	file := filepath.Join(dir, "sync.c1z")
	r := run(t, append(testenv.CleanEnv(b.home), "BATON_TENANT=acme", "BATON_API_KEY=k", "TMPDIR="+dir), dir, b.bin, "demo-connector", "--file", file)
	if r.code != 0 {
		t.Fatalf("demo-connector: exit %d\n%s", r.code, tail(r.stderr, 5))
	}
	if err := os.Chmod(file, 0o644); err != nil {
		t.Fatal(err)
	}
	return file
}

var (
	mountOnce sync.Once
	mountErr  error
)

// canMount reports whether this process may mount filesystems (root with
// CAP_SYS_ADMIN, as in the CI container); it probes once.
func canMount(t *testing.T) error {
	mountOnce.Do(func() {
		dir, err := os.MkdirTemp("", "baton-mount-probe-*")
		if err != nil {
			mountErr = err
			return
		}
		defer os.Remove(dir)
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", dir).CombinedOutput(); err != nil {
			mountErr = fmt.Errorf("mount tmpfs: %v: %s", err, out)
			return
		}
		mountErr = exec.Command("umount", dir).Run()
	})
	return mountErr
}

func mount(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("mount", args...).CombinedOutput(); err != nil {
		t.Fatalf("mount %v: %v: %s", args, err, out)
	}
	dir := args[len(args)-1]
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v: %s", dir, err, out)
		}
	})
}

// readOnly makes dir a read-only bind mount of itself: even root gets
// EROFS there.
func readOnly(t *testing.T, dir string) {
	t.Helper()
	mount(t, "--bind", dir, dir)
	if out, err := exec.Command("mount", "-o", "remount,ro,bind", dir).CombinedOutput(); err != nil {
		t.Fatalf("remount %s read-only: %v: %s", dir, err, out)
	}
}

// diskFull mounts a small tmpfs on dir, lets prepare fill it with real
// files, then fills it up to all but free bytes.
func diskFull(t *testing.T, dir string, free int64, prepare func()) {
	t.Helper()
	mount(t, "-t", "tmpfs", "-o", "size=256k,mode=0755", "tmpfs", dir)
	prepare()
	var st syscall.Statfs_t
	if err := syscall.Statfs(dir, &st); err != nil {
		t.Fatal(err)
	}
	avail := int64(st.Bavail) * st.Bsize
	if avail < free {
		t.Fatalf("only %d bytes free on the tmpfs, want to leave %d", avail, free)
	}
	filler := filepath.Join(dir, "filler")
	if err := os.WriteFile(filler, make([]byte, avail-free), 0o600); err != nil {
		t.Fatalf("fill the tmpfs: %v", err)
	}
}

// matchLines checks that each pattern matches a whole line of text, in
// order.
func matchLines(text string, patterns []string) error {
	lines := strings.Split(strings.TrimRight(text, "\n"), "\n")
	i := 0
	for _, p := range patterns {
		re := regexp.MustCompile("^(?:" + p + ")$")
		for i < len(lines) && !re.MatchString(lines[i]) {
			i++
		}
		if i == len(lines) {
			return fmt.Errorf("no line matches %q", p)
		}
		i++
	}
	return nil
}

var q = regexp.QuoteMeta

// stamp is the UTC time in a backup's name.
const stamp = `\d{8}T\d{6}Z(-\d+)?`

// faultRows is the filesystem fault matrix. Each row breaks the filesystem
// under one command and asserts a clear error, a non-zero exit, and that
// nothing was lost: every watched file byte-identical, nothing added.
func faultRows(t *testing.T) []faultRow {
	// E2E_NO_MOUNT=1 tries the fallbacks on a machine that could mount.
	mountable := canMount(t) == nil && os.Getenv("E2E_NO_MOUNT") == ""
	var rows []faultRow

	rows = append(rows, faultRow{name: "new profile under a read-only parent", command: "generate",
		setup: func(t *testing.T, b *faultBox) (faultRun, string) {
			parent := b.mkdir(t, "ro-parent", 0)
			out := filepath.Join(parent, "p")
			return faultRun{
				nobody: true,
				args:   []string{"generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--out", out},
				watch:  []string{parent},
				want:   []string{"error: create " + q(out) + ": permission denied"},
			}, "run as nobody; parent owned by root, 0755"
		}})

	rows = append(rows, faultRow{name: "profile directory owned by another user", command: "generate",
		setup: func(t *testing.T, b *faultBox) (faultRun, string) {
			dir := filepath.Join(b.mkdir(t, "theirs", 0), "p")
			args := b.generate(t, dir)
			if err := os.Chown(dir, nobodyID, nobodyID); err != nil {
				t.Fatal(err)
			}
			return faultRun{
				args:  args,
				watch: []string{dir},
				want: []string{
					"error: refuse to write into " + q(dir) + `: it belongs to uid 65534, not to you \(uid 0\), so its owner could change sync.sh or read secrets.env`,
					"hint: choose a directory of your own with --out",
				},
			}, "chown 65534 on the profile directory"
		}})

	rows = append(rows, faultRow{name: "secrets.env owned by another user", command: "generate",
		setup: func(t *testing.T, b *faultBox) (faultRun, string) {
			dir := filepath.Join(b.mkdir(t, "their-file", 0), "p")
			args := b.generate(t, dir)
			secrets := filepath.Join(dir, "secrets.env")
			if err := os.Chown(secrets, nobodyID, nobodyID); err != nil {
				t.Fatal(err)
			}
			return faultRun{
				args:  args,
				watch: []string{dir},
				want: []string{
					"error: refuse to replace " + q(secrets) + `: it belongs to uid 65534, not to you \(uid 0\); someone else put it there, so check what it holds`,
					"hint: remove it or chown it to yourself, then run again",
				},
			}, "chown 65534 on one generated file"
		}})

	rows = append(rows, faultRow{name: "root's sync.sh in the user's own profile", command: "generate",
		setup: func(t *testing.T, b *faultBox) (faultRun, string) {
			parent := b.mkdir(t, "mine", nobodyID)
			dir := filepath.Join(parent, "p")
			args := b.generate(t, dir)
			if err := filepath.WalkDir(dir, func(path string, _ fs.DirEntry, err error) error {
				if err != nil {
					return err
				}
				return os.Chown(path, nobodyID, nobodyID)
			}); err != nil {
				t.Fatal(err)
			}
			script := filepath.Join(dir, "sync.sh")
			if err := os.Chown(script, 0, 0); err != nil {
				t.Fatal(err)
			}
			return faultRun{
				nobody: true,
				args:   args,
				watch:  []string{dir},
				want: []string{
					"error: refuse to replace " + q(script) + `: it belongs to uid 0, not to you \(uid 65534\); someone else put it there, so check what it holds`,
					"hint: remove it or chown it to yourself, then run again",
				},
			}, "run as nobody; profile owned by nobody, sync.sh by root"
		}})

	// The profile directory: never followed through a symbolic link,
	// never one that holds something else, never one others may write to,
	// and its mode is never changed.
	rows = append(rows, faultRow{name: "profile directory a symbolic link to a system directory", command: "generate",
		setup: func(t *testing.T, b *faultBox) (faultRun, string) {
			etc := b.mkdir(t, "etc", 0)
			if err := os.WriteFile(filepath.Join(etc, "passwd"), []byte("root:x:0:0:root:/root:/bin/sh\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			out := filepath.Join(b.root, "profile")
			if err := os.Symlink(etc, out); err != nil {
				t.Fatal(err)
			}
			return faultRun{
				args:  []string{"generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--out", out},
				watch: []string{etc},
				want: []string{
					"error: refuse to write into " + q(out) + ": it is a symbolic link \\(to " + q(etc) + "\\), and baton-setup never follows one for a profile directory",
					"hint: give --out the directory itself, or a new one",
				},
			}, "--out is a symlink to a root-owned 0755 directory"
		}})
	rows = append(rows, faultRow{name: "service mode into a symbolic link", command: "generate",
		setup: func(t *testing.T, b *faultBox) (faultRun, string) {
			etc := b.mkdir(t, "etc", 0)
			out := filepath.Join(b.root, "profile")
			if err := os.Symlink(etc, out); err != nil {
				t.Fatal(err)
			}
			return faultRun{
				args: []string{"generate", "--connector", "demo", "--set", "tenant=acme", "--mode", "service",
					"--client-id", "clever-fox-1234@acme.conductor.one/pcc", "--out", out},
				env:   []string{"BATON_CLIENT_SECRET=secret-token:conductorone.com:v1:eyJrdHkiOiJPS1AifQ"},
				watch: []string{etc},
				want: []string{
					"error: refuse to write into " + q(out) + ": it is a symbolic link \\(to " + q(etc) + "\\), and baton-setup never follows one for a profile directory",
					"hint: give --out the directory itself, or a new one",
				},
			}, "--out is a symlink to a root-owned 0755 directory, --mode service"
		}})
	rows = append(rows, faultRow{name: "profile directory not empty and not a profile", command: "generate",
		setup: func(t *testing.T, b *faultBox) (faultRun, string) {
			shared := b.mkdir(t, "shared", 0)
			if err := os.WriteFile(filepath.Join(shared, "notes.txt"), []byte("mine\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			return faultRun{
				args:  []string{"generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--out", shared},
				watch: []string{shared},
				want: []string{
					"error: refuse to write into " + q(shared) + ": it is not empty and not a baton-setup profile \\(it has no plan.json of profile demo\\)",
					"hint: give --out a new or empty directory",
				},
			}, "--out is a 0755 directory holding a file"
		}})
	rows = append(rows, faultRow{name: "profile directory made read-only by its user", command: "generate",
		setup: func(t *testing.T, b *faultBox) (faultRun, string) {
			out := b.mkdir(t, "read-only", nobodyID)
			if err := os.Chmod(out, 0o555); err != nil {
				t.Fatal(err)
			}
			return faultRun{
				nobody: true,
				args:   []string{"generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--out", out},
				watch:  []string{out},
				want:   []string{"error: write " + q(out) + "/[a-zA-Z.]+: permission denied"},
			}, "run as nobody; an empty 0555 directory owned by nobody"
		}})
	rows = append(rows, faultRow{name: "profile directory its group may write to", command: "generate",
		setup: func(t *testing.T, b *faultBox) (faultRun, string) {
			dir := filepath.Join(b.mkdir(t, "group", 0), "p")
			args := b.generate(t, dir)
			if err := os.Chmod(dir, 0o770); err != nil {
				t.Fatal(err)
			}
			return faultRun{
				args:  args,
				watch: []string{dir},
				want: []string{
					"error: refuse to write into " + q(dir) + ": its group may write to it \\(mode 0770\\), so any member could have replaced a file in it",
					"hint: choose another directory with --out, or check its contents and run chmod 700 " + q(dir),
				},
			}, "chmod 0770 on the profile directory"
		}})
	// work/ and backup/ inside it: never through a symbolic link.
	for _, sub := range []string{"work", "backup"} {
		rows = append(rows, faultRow{name: sub + "/ a symbolic link", command: "generate",
			setup: func(t *testing.T, b *faultBox) (faultRun, string) {
				dir := filepath.Join(b.mkdir(t, "links", 0), "p")
				args := b.generate(t, dir)
				elsewhere := b.mkdir(t, "elsewhere", 0)
				if err := os.Symlink(elsewhere, filepath.Join(dir, sub)); err != nil {
					t.Fatal(err)
				}
				return faultRun{
					args:  args,
					watch: []string{dir, elsewhere},
					want: []string{
						"error: refuse to use " + q(filepath.Join(dir, sub)) + ": it is a symbolic link, not a directory, so what is written there could land elsewhere or be changed by someone else",
						"hint: check what it holds and remove it; it is made again, private, when needed",
					},
				}, sub + "/ is a symlink to a root-owned 0755 directory"
			}})
	}

	rows = append(rows, faultRow{name: "TMPDIR read-only", command: "test",
		setup: func(t *testing.T, b *faultBox) (faultRun, string) {
			tmp := b.mkdir(t, "ro-tmp", 0)
			return faultRun{
				nobody: true,
				args:   []string{"test", "--connector", "demo", "--set", "tenant=acme"},
				env:    []string{"TMPDIR=" + tmp},
				watch:  []string{tmp},
				want: []string{
					"error: read demo schema: create scratch directory: mkdir " + q(tmp) + `/baton-setup-schema-\d+: permission denied`,
					"hint: TMPDIR " + q("("+tmp+")") + " must be a directory you can write to",
				},
			}, "run as nobody; TMPDIR owned by root, 0755"
		}})

	rows = append(rows, faultRow{name: "state file in a read-only directory", command: "upload",
		setup: func(t *testing.T, b *faultBox) (faultRun, string) {
			file := b.syncFile(t)
			dir := b.mkdir(t, "ro-state", 0)
			state := filepath.Join(dir, "last-upload.json")
			if err := os.WriteFile(state, []byte(`{"key":"previous"}`+"\n"), 0o644); err != nil {
				t.Fatal(err)
			}
			// nobody's own state file: only the directory stands in the way.
			if err := os.Chown(state, nobodyID, nobodyID); err != nil {
				t.Fatal(err)
			}
			return faultRun{
				nobody: true,
				args:   []string{"upload", "--file", file, "--dest", "s3://fault-bucket/ro/sync.c1z", "--endpoint", b.s3.URL, "--state", state},
				watch:  []string{dir},
				want: []string{
					"error: write upload state " + q(state) + ": permission denied",
					"hint: the upload itself succeeded",
				},
				check: uploaded(b, "ro/sync.c1z"),
			}, "run as nobody; state directory owned by root, 0755"
		}})

	// --state never replaces what is not the user's own earlier state file,
	// and nothing is uploaded when it would have to.
	stateRows := []struct {
		name, mechanism, want string
		make                  func(t *testing.T, dir, state string)
	}{
		{"state file owned by another user", "a 0644 state file owned by nobody, run as root",
			"it belongs to uid 65534, not to you \\(uid 0\\)", func(t *testing.T, dir, state string) {
				if err := os.WriteFile(state, []byte(`{"key":"nobody's"}`+"\n"), 0o644); err != nil {
					t.Fatal(err)
				}
				if err := os.Chown(state, nobodyID, nobodyID); err != nil {
					t.Fatal(err)
				}
			}},
		{"state path holds a system file", "a copy of /etc/passwd owned by root, run as root",
			"it does not hold an upload state", func(t *testing.T, dir, state string) {
				copyFile(t, "/etc/passwd", state, 0o644)
			}},
		{"state path is a symbolic link", "a symlink to a root-owned file",
			"it is a symbolic link, not a regular file", func(t *testing.T, dir, state string) {
				target := filepath.Join(dir, "target.json")
				if err := os.WriteFile(target, []byte(`{"key":"previous"}`+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(target, state); err != nil {
					t.Fatal(err)
				}
			}},
	}
	for i, sr := range stateRows {
		rows = append(rows, faultRow{name: sr.name, command: "upload",
			setup: func(t *testing.T, b *faultBox) (faultRun, string) {
				file := b.syncFile(t)
				dir := b.mkdir(t, fmt.Sprintf("state-%d", i), 0)
				state := filepath.Join(dir, "last-upload.json")
				sr.make(t, dir, state)
				key := fmt.Sprintf("state-%d/sync.c1z", i)
				return faultRun{
					args:  []string{"upload", "--file", file, "--dest", "s3://fault-bucket/" + key, "--endpoint", b.s3.URL, "--state", state},
					watch: []string{dir},
					want:  []string{"error: refuse to replace " + q(state) + ": " + sr.want, "hint: .*"},
					check: func(t *testing.T, _ result) {
						if b.s3.Get(t, "fault-bucket", key) != nil {
							t.Errorf("s3://fault-bucket/%s was uploaded though its state could not be written", key)
						}
					},
				}, sr.mechanism
			}})
	}

	if mountable {
		rows = append(rows, faultRow{name: "regenerate on a read-only filesystem", command: "generate",
			setup: func(t *testing.T, b *faultBox) (faultRun, string) {
				parent := b.mkdir(t, "rofs", 0)
				dir := filepath.Join(parent, "p")
				args := b.generate(t, dir)
				readOnly(t, parent)
				return faultRun{
					args:  args,
					watch: []string{dir},
					want:  []string{"error: back up sync.sh: mkdir " + q(filepath.Join(dir, "backup")) + ": read-only file system"},
				}, "read-only bind mount"
			}})
		rows = append(rows, faultRow{name: "state file on a read-only filesystem", command: "upload",
			setup: func(t *testing.T, b *faultBox) (faultRun, string) {
				file := b.syncFile(t)
				dir := b.mkdir(t, "rofs-state", 0)
				state := filepath.Join(dir, "last-upload.json")
				if err := os.WriteFile(state, []byte(`{"key":"previous"}`+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
				readOnly(t, dir)
				return faultRun{
					args:  []string{"upload", "--file", file, "--dest", "s3://fault-bucket/rofs/sync.c1z", "--endpoint", b.s3.URL, "--state", state},
					watch: []string{dir},
					want: []string{
						"error: write upload state " + q(state) + ": read-only file system",
						"hint: the upload itself succeeded",
					},
					check: uploaded(b, "rofs/sync.c1z"),
				}, "read-only bind mount"
			}})
	} else {
		t.Logf("read-only filesystem rows left out: %v", canMount(t))
		if os.Getenv("CI") == "true" {
			t.Errorf("CI must be able to mount (the read-only and disk-full rows need it): %v", canMount(t))
		}
	}

	// Disk full: with 0, 4 and 16 KiB left, the run fails at a different
	// file (a backup, then a later file); either way nothing may change.
	for _, free := range []int64{0, 4096, 16384} {
		rows = append(rows, faultRow{name: fmt.Sprintf("regenerate on a full disk, %d bytes free", free), command: "generate",
			setup: func(t *testing.T, b *faultBox) (faultRun, string) {
				disk := b.mkdir(t, "disk", 0)
				dir := filepath.Join(disk, "p")
				if !mountable {
					args := b.generate(t, dir)
					return faultRun{
						args: args, fsize: fmt.Sprint(free / 8), watch: []string{dir},
						want: []string{"error: (back up [a-z.]+|write " + q(dir) + "/[a-zA-Z.]+): (write " + q(dir) + "/backup/[a-zA-Z.]+\\." + stamp + ": )?file too large"},
					}, fmt.Sprintf("prlimit --fsize=%d (no mount permission)", free/8)
				}
				var args []string
				diskFull(t, disk, free, func() { args = b.generate(t, dir) })
				return faultRun{
					args:  args,
					watch: []string{dir},
					want:  []string{"error: (back up [a-z.]+: )?write " + q(dir) + "/(backup/)?[a-zA-Z.]+(\\." + stamp + ")?: no space left on device"},
				}, "tmpfs size=256k, filled"
			}})
	}

	rows = append(rows, faultRow{name: "new profile on a full disk", command: "generate",
		setup: func(t *testing.T, b *faultBox) (faultRun, string) {
			disk := b.mkdir(t, "disk-new", 0)
			out := filepath.Join(disk, "p")
			run := faultRun{
				args:  []string{"generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--out", out},
				watch: []string{disk},
			}
			if !mountable {
				run.fsize = "0"
				run.want = []string{"error: write " + q(out) + "/[a-zA-Z.]+: file too large"}
				return run, "prlimit --fsize=0 (no mount permission)"
			}
			diskFull(t, disk, 0, func() {})
			run.want = []string{"error: write " + q(out) + "/[a-zA-Z.]+: no space left on device"}
			return run, "tmpfs size=256k, filled"
		}})

	rows = append(rows, faultRow{name: "TMPDIR on a full disk", command: "test",
		setup: func(t *testing.T, b *faultBox) (faultRun, string) {
			tmp := b.mkdir(t, "disk-tmp", 0)
			run := faultRun{
				args:  []string{"test", "--connector", "demo", "--set", "tenant=acme"},
				env:   []string{"TMPDIR=" + tmp},
				watch: []string{tmp},
				want: []string{
					`test sync failed: .*(no space left on device|file too large).* \(connector exit code -?\d+\)`,
					q("cause: The disk the connector writes its sync file to is full, or a file size limit was reached."),
				},
			}
			if !mountable {
				run.fsize = "16384"
				return run, "prlimit --fsize=16384 (no mount permission)"
			}
			// Room for the schema's scratch directory, not for a sync.
			diskFull(t, tmp, 16384, func() {})
			return run, "tmpfs size=256k, 16 KiB left"
		}})

	rows = append(rows, faultRow{name: "state file on a full disk", command: "upload",
		setup: func(t *testing.T, b *faultBox) (faultRun, string) {
			file := b.syncFile(t)
			disk := b.mkdir(t, "disk-state", 0)
			state := filepath.Join(disk, "last-upload.json")
			prepare := func() {
				if err := os.WriteFile(state, []byte(`{"key":"previous"}`+"\n"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			run := faultRun{
				args:  []string{"upload", "--file", file, "--dest", "s3://fault-bucket/full/sync.c1z", "--endpoint", b.s3.URL, "--state", state},
				watch: []string{disk},
				check: uploaded(b, "full/sync.c1z"),
			}
			if !mountable {
				// RLIMIT_FSIZE also stops unpacking the sync file, which
				// comes first: the upload is refused and nothing is sent.
				prepare()
				run.fsize = "0"
				run.want = []string{"error: refuse upload: open sync file " + q(file) + ": .*: file too large"}
				run.check = func(t *testing.T, _ result) {
					if b.s3.Get(t, "fault-bucket", "full/sync.c1z") != nil {
						t.Error("uploaded a file that could not be checked")
					}
				}
				return run, "prlimit --fsize=0 (no mount permission)"
			}
			diskFull(t, disk, 0, prepare)
			run.want = []string{"error: write upload state " + q(state) + ": no space left on device", "hint: the upload itself succeeded"}
			return run, "tmpfs size=256k, filled"
		}})
	return rows
}

// uploaded checks that the object reached the bucket: the fault hit only
// the local record of it.
func uploaded(b *faultBox, key string) func(*testing.T, result) {
	return func(t *testing.T, _ result) {
		if b.s3.Get(t, "fault-bucket", key) == nil {
			t.Errorf("s3://fault-bucket/%s was not uploaded", key)
		}
	}
}

// TestFilesystemFaults runs the fault matrix: read-only directories (as an
// unprivileged user, and as read-only mounts), full disks (a small tmpfs,
// or RLIMIT_FSIZE where mounting is not allowed) and files owned by
// someone else.
func TestFilesystemFaults(t *testing.T) {
	setpriv := testenv.RequireTool(t, "setpriv")
	prlimit := testenv.RequireTool(t, "prlimit")
	s3 := testenv.NewS3(t, "fault-bucket")
	box := newFaultBox(t, s3)
	perCommand := map[string]int{}
	rows := faultRows(t)
	for i, row := range rows {
		t.Run(row.command+"/"+row.name, func(t *testing.T) {
			// Each row gets its own corner of the box.
			b := *box
			b.root = filepath.Join(box.root, fmt.Sprintf("row%02d", i))
			if err := os.Mkdir(b.root, 0o755); err != nil {
				t.Fatal(err)
			}
			b.makeHome(t)
			fr, mechanism := row.setup(t, &b)
			t.Logf("mechanism: %s", mechanism)
			mark := fmt.Sprintf("fault-%d-%d", os.Getpid(), i)
			home := b.rootHome
			if fr.nobody {
				home = b.home
			}
			env := b.env(home, append(fr.env, "E2E_MARK="+mark)...)
			before := map[string]map[string]string{}
			for _, dir := range fr.watch {
				before[dir] = snapshot(t, dir)
			}
			argv := append([]string{b.bin}, fr.args...)
			if fr.fsize != "" {
				argv = append([]string{prlimit, "--fsize=" + fr.fsize, "--"}, argv...)
			}
			if fr.nobody {
				argv = append([]string{setpriv, fmt.Sprintf("--reuid=%d", nobodyID), fmt.Sprintf("--regid=%d", nobodyID), "--clear-groups", "--"}, argv...)
			}
			r := run(t, env, b.root, argv[0], argv[1:]...)
			if r.code == 0 {
				t.Fatalf("exit 0 under the fault\nstdout: %s\nstderr: %s", r.stdout, r.stderr)
			}
			if r.code != 1 {
				t.Errorf("exit %d, want 1", r.code)
			}
			if err := matchLines(r.stderr, fr.want); err != nil {
				t.Errorf("%v\nstderr:\n%s", err, r.stderr)
			}
			for _, dir := range fr.watch {
				if d := snapDiff(before[dir], snapshot(t, dir)); len(d) > 0 {
					t.Errorf("%s changed: %s", dir, strings.Join(d, ", "))
				}
			}
			if left := marked(mark); len(left) > 0 {
				t.Errorf("processes left: %v", left)
			}
			if fr.check != nil {
				fr.check(t, r)
			}
			if strings.Contains(r.stderr, "panic:") {
				t.Errorf("the binary panicked:\n%s", r.stderr)
			}
		})
		perCommand[row.command]++
	}
	t.Logf("filesystem fault rows: %d (generate %d, test %d, upload %d)", len(rows), perCommand["generate"], perCommand["test"], perCommand["upload"])
}
