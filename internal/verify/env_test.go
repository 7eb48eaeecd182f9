package verify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/conductorone/baton-setup/internal/plan"
)

func TestEntryCommand(t *testing.T) {
	for _, tc := range []struct{ name, block, want string }{
		{"rendered", "# BEGIN baton-setup profile=a\n17 * * * * '/h/a/sync.sh' >>'/h/a/sync.log' 2>&1\n# END baton-setup profile=a\n", "'/h/a/sync.sh' >>'/h/a/sync.log' 2>&1"},
		{"tabs and lists", "0,30\t2-4 * * 1-5\t/x/sync.sh >>/x/log 2>&1", "/x/sync.sh >>/x/log 2>&1"},
		{"setting first", "PATH=/opt/bin\n7 * * * * /x/sync.sh", "/x/sync.sh"},
		{"no entry", "# only a comment", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := entryCommand(tc.block)
			if got != tc.want || ok != (tc.want != "") {
				t.Errorf("entryCommand = %q, %v; want %q", got, ok, tc.want)
			}
		})
	}
}

func TestAppendTarget(t *testing.T) {
	for cmd, want := range map[string]string{
		"'/h/a b/sync.sh' >>'/h/a b/sync.log' 2>&1": "/h/a b/sync.log",
		"/x/sync.sh 2>&1 >>/x/log":                  "/x/log",
		"/x/sync.sh 2>>/x/err":                      "",
		"/x/sync.sh":                                "",
	} {
		if got := appendTarget(cmd); got != want {
			t.Errorf("appendTarget(%q) = %q, want %q", cmd, got, want)
		}
	}
}

func TestCrontabVars(t *testing.T) {
	table := "# PATH=/commented\nMAILTO=\"\"\n  SHELL = /bin/bash  \nHOME='/srv/home'\n5 4 * * * /usr/bin/backup X=1\n" +
		"# BEGIN baton-setup profile=demo (managed)\n7 * * * * /x/sync.sh\n# END baton-setup profile=demo\nAFTER=1\n"
	want := []string{"MAILTO=", "SHELL=/bin/bash", "HOME=/srv/home"}
	if got := crontabVars(table, "demo"); !slices.Equal(got, want) {
		t.Errorf("above the block: %q, want %q", got, want)
	}
	// Not installed: it would go at the end, below every setting.
	if got := crontabVars(table, "other"); !slices.Equal(got, append(want, "AFTER=1")) {
		t.Errorf("for a new entry: %q", got)
	}
}

// TestCronJob checks what cron gives the entry: the crontab may change
// HOME (and so the working directory) and SHELL, never LOGNAME.
func TestCronJob(t *testing.T) {
	p := &plan.Plan{Profile: "demo", Schedule: plan.Schedule{Cron: "7 * * * *"}, Output: plan.Output{Dir: "/h/demo"}}
	acct := Account{Name: "svc", Home: "/home/svc"}
	j, err := cronJob(p, acct, "")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"HOME=/home/svc", "LOGNAME=svc", "PATH=/usr/bin:/bin", "SHELL=/bin/sh"}; !slices.Equal(j.env, want) {
		t.Errorf("env %q, want %q", j.env, want)
	}
	if want := []string{"/bin/sh", "-c", "/h/demo/sync.sh >>/h/demo/sync.log 2>&1"}; !slices.Equal(j.argv, want) || j.dir != "/home/svc" || j.log != "/h/demo/sync.log" {
		t.Errorf("argv %q in %s, log %q", j.argv, j.dir, j.log)
	}
	j, err = cronJob(p, acct, "LOGNAME=root\nHOME=/srv\nSHELL=/bin/dash\n")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"HOME=/srv", "LOGNAME=svc", "PATH=/usr/bin:/bin", "SHELL=/bin/dash"}; !slices.Equal(j.env, want) || j.dir != "/srv" || j.argv[0] != "/bin/dash" {
		t.Errorf("with settings: env %q, argv %q in %s", j.env, j.argv, j.dir)
	}
}

func TestSystemdJob(t *testing.T) {
	dir := t.TempDir()
	envFile := filepath.Join(dir, "extra.env")
	os.WriteFile(envFile, []byte("# comment\nFROM_FILE=\"yes\"\n"), 0o600)
	unitText := "[Unit]\nDescription=x\nEnvironment=IGNORED=1\n\n[Service]\nType=oneshot\nWorkingDirectory=" + dir + "\n" +
		"ExecStart=-" + dir + "/sync.sh\nEnvironment=\"A=b c\" D=e\nEnvironmentFile=-" + envFile + "\n" +
		"StandardOutput=append:" + dir + "/sync.log\nStandardError=append:" + dir + "/sync.log\n"
	if err := os.WriteFile(filepath.Join(dir, "baton-demo.service"), []byte(unitText), 0o600); err != nil {
		t.Fatal(err)
	}
	p := &plan.Plan{Profile: "demo", Schedule: plan.Schedule{Scheduler: "systemd"}, Output: plan.Output{Dir: dir}}
	j, err := systemdJob(p, dir, Account{Name: "svc", Home: "/home/svc"})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"PATH=" + SystemdPath, "HOME=/home/svc", "USER=svc", "LOGNAME=svc", "FROM_FILE=yes", "A=b c", "D=e"}
	if !slices.Equal(j.env, want) {
		t.Errorf("env %q, want %q", j.env, want)
	}
	if !slices.Equal(j.argv, []string{dir + "/sync.sh"}) || j.dir != dir || j.stdout != dir+"/sync.log" {
		t.Errorf("argv %q in %s, output to %q", j.argv, j.dir, j.stdout)
	}
	// A system unit without User= runs as root, in /.
	p.Schedule.System = true
	if j, err = systemdJob(p, dir, Account{Name: "svc", Home: "/home/svc"}); err != nil {
		t.Fatal(err)
	}
	if slices.ContainsFunc(j.env, func(kv string) bool { return strings.HasPrefix(kv, "HOME=") }) || len(j.notes) == 0 {
		t.Errorf("system unit: env %q, notes %q", j.env, j.notes)
	}
}

// TestFollowerRotation follows a log that is rotated mid-run, as sync.sh
// rotates sync.log: the old file's last lines, then the new file's.
func TestFollowerRotation(t *testing.T) {
	path := filepath.Join(t.TempDir(), "sync.log")
	os.WriteFile(path, []byte("before this run\n"), 0o600)
	var got []string
	fl := newFollower(path, func(l string) { got = append(got, l) })
	appendTo := func(p, s string) {
		f, err := os.OpenFile(p, os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
		if err != nil {
			t.Fatal(err)
		}
		f.WriteString(s)
		f.Close()
	}
	appendTo(path, "one\ntw")
	fl.poll()
	appendTo(path, "o\n")
	os.Rename(path, path+".1")
	appendTo(path, "three\nfour")
	fl.poll()
	fl.close()
	if want := []string{"one", "two", "three", "four"}; !slices.Equal(got, want) {
		t.Errorf("lines %q, want %q", got, want)
	}
}

// fakeObjects is an S3 client holding one object; checksum is what
// HeadObject reports.
type fakeObjects struct {
	body     []byte
	checksum string
	gets     int
}

func (f *fakeObjects) HeadObject(_ context.Context, in *s3.HeadObjectInput, _ ...func(*s3.Options)) (*s3.HeadObjectOutput, error) {
	out := &s3.HeadObjectOutput{ContentLength: aws.Int64(int64(len(f.body)))}
	if f.checksum != "" {
		out.ChecksumSHA256 = aws.String(f.checksum)
	}
	return out, nil
}

func (f *fakeObjects) GetObject(_ context.Context, in *s3.GetObjectInput, _ ...func(*s3.Options)) (*s3.GetObjectOutput, error) {
	f.gets++
	return &s3.GetObjectOutput{Body: io.NopCloser(bytes.NewReader(f.body))}, nil
}

func TestProveObject(t *testing.T) {
	content := []byte("a finished sync, as far as this test cares")
	file := filepath.Join(t.TempDir(), "sync.c1z")
	os.WriteFile(file, content, 0o600)
	sum := sha256.Sum256(content)
	b64 := base64.StdEncoding.EncodeToString(sum[:])
	other := append([]byte(nil), content...)
	other[0] = 'A'
	for _, tc := range []struct {
		name    string
		api     *fakeObjects
		method  string
		gets    int
		wantErr string
	}{
		{"store checksum", &fakeObjects{body: content, checksum: b64}, ByStoreChecksum, 0, ""},
		{"no checksum", &fakeObjects{body: content}, ByReadBack, 1, ""},
		{"multipart checksum", &fakeObjects{body: content, checksum: b64 + "-3"}, ByReadBack, 1, ""},
		{"other checksum", &fakeObjects{body: content, checksum: base64.StdEncoding.EncodeToString(make([]byte, 32))}, "", 0, "the store reports SHA-256"},
		{"other bytes", &fakeObjects{body: other}, "", 1, "read back"},
		{"other size", &fakeObjects{body: content[1:]}, "", 0, "the object has"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			proof, err := ProveObject(context.Background(), tc.api, "b", "k", file)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Errorf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || proof.Method != tc.method || proof.SHA256 != hex.EncodeToString(sum[:]) || tc.api.gets != tc.gets {
				t.Errorf("proof %+v, err %v, %d reads", proof, err, tc.api.gets)
			}
		})
	}
	if _, err := ProveObject(context.Background(), &fakeObjects{}, "b", "k", filepath.Join(t.TempDir(), "missing")); err == nil || errors.Is(err, nil) {
		t.Error("a missing local file was not refused")
	}
}
