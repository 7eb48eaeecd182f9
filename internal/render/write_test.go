package render

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/testenv"
)

func envFile(dir, content string) File {
	return File{Name: "secrets.env", Path: filepath.Join(dir, "secrets.env"), Mode: 0o600, Secret: true, Content: []byte(content)}
}

func TestShownMasksEverySecret(t *testing.T) {
	content := string(secretsEnv(t, []string{trickyToken, pemKey, ""}))
	shown := File{Secret: true, Content: []byte(content)}.Shown()
	for _, secret := range []string{"tok", "MIIB", "BEGIN"} {
		if strings.Contains(shown, secret) {
			t.Errorf("Shown reveals %q:\n%s", secret, shown)
		}
	}
	for _, line := range []string{"BATON_V0=••••\n", "BATON_V1=••••\n", "BATON_V2=••••\n", "# Keep this file private"} {
		if !strings.Contains(shown, line) {
			t.Errorf("Shown lacks %q:\n%s", line, shown)
		}
	}
	if strings.Count(shown, "\n") != strings.Count(content, "\n")-2 {
		t.Errorf("the two-line PEM value should take one masked line:\n%s", shown)
	}
	plain := File{Content: []byte("x='1'\n")}
	if plain.Shown() != "x='1'\n" {
		t.Error("a plain file was changed")
	}
	if got := (File{Secret: true, Content: []byte("A=$(cat /etc/shadow)\n")}).Shown(); strings.Contains(got, "shadow") {
		t.Errorf("an unparsable value is shown: %q", got)
	}
}

func TestDiffMasksSecrets(t *testing.T) {
	old := secretsEnv(t, []string{"same-value-1234", "old-value-5678", "gone-value-0000"})
	d := &Data{Profile: "quoting", Secrets: []EnvLine{{"BATON_V0", "same-value-1234"}, {"BATON_V1", "new-value-9999\nline2"}, {"BATON_V3", "added-value-4444"}}}
	updated, err := Execute("secrets.env.tmpl", d)
	if err != nil {
		t.Fatal(err)
	}
	diff := Diff(envFile("/p", string(updated)), old)
	for _, v := range []string{"same-value", "old-value", "gone-value", "new-value", "line2", "added-value"} {
		if strings.Contains(diff, v) {
			t.Errorf("diff reveals %q:\n%s", v, diff)
		}
	}
	for _, want := range []string{"-BATON_V1=•••• (old value)\n", "+BATON_V1=•••• (new value)\n", "-BATON_V2=••••\n", "+BATON_V3=••••\n"} {
		if !strings.Contains(diff, want) {
			t.Errorf("diff lacks %q:\n%s", want, diff)
		}
	}
	if strings.Contains(diff, "-BATON_V0") || strings.Contains(diff, "+BATON_V0") {
		t.Errorf("an unchanged value shows in the diff:\n%s", diff)
	}
	requoted := strings.Replace(string(old), "BATON_V0=same-value-1234", "BATON_V0='same-value-1234'", 1)
	if got := Diff(envFile("/p", requoted), old); !strings.Contains(got, "no value changes") {
		t.Errorf("quoting-only change: %q", got)
	}
}

func TestWrite(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "a", "profile")
	clock := time.Date(2026, 5, 4, 3, 2, 1, 0, time.UTC)
	now := func() time.Time { return clock }
	files := func(secret, script string) []File {
		return []File{
			{Name: "sync.sh", Path: filepath.Join(dir, "sync.sh"), Mode: 0o700, Content: []byte(script)},
			envFile(dir, "# header\nBATON_TOKEN="+secret+"\n"),
		}
	}

	// A dry run touches nothing, not even the directory.
	changes, err := Write(dir, files("s3cret-one", "#!/bin/sh\n"), WriteOptions{DryRun: true, Now: now})
	if err != nil || changes[0].Action != Create || changes[1].Action != Create {
		t.Fatalf("dry run: %+v, %v", changes, err)
	}
	if _, err := os.Stat(filepath.Join(root, "a")); !os.IsNotExist(err) {
		t.Fatalf("dry run created something: %v", err)
	}

	if _, err := Write(dir, files("s3cret-one", "#!/bin/sh\n"), WriteOptions{Now: now}); err != nil {
		t.Fatal(err)
	}
	if testenv.Mode(t, dir) != 0o700 || testenv.Mode(t, filepath.Join(dir, "sync.sh")) != 0o700 || testenv.Mode(t, filepath.Join(dir, "secrets.env")) != 0o600 {
		t.Errorf("modes: dir %o sync.sh %o secrets.env %o", testenv.Mode(t, dir), testenv.Mode(t, filepath.Join(dir, "sync.sh")), testenv.Mode(t, filepath.Join(dir, "secrets.env")))
	}

	// The same content again changes nothing and backs nothing up.
	changes, err = Write(dir, files("s3cret-one", "#!/bin/sh\n"), WriteOptions{Now: now})
	if err != nil || changes[0].Action != Keep || changes[1].Action != Keep {
		t.Fatalf("rewrite: %+v, %v", changes, err)
	}

	// A dry run of a change shows the diff and writes nothing.
	changes, err = Write(dir, files("s3cret-two", "#!/bin/sh\necho hi\n"), WriteOptions{DryRun: true, Now: now})
	if err != nil || changes[0].Action != Update || !strings.Contains(changes[0].Diff, "+echo hi") {
		t.Fatalf("dry-run update: %+v, %v", changes, err)
	}
	if strings.Contains(changes[1].Diff, "s3cret") || !strings.Contains(changes[1].Diff, "(new value)") {
		t.Errorf("secret diff: %s", changes[1].Diff)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "sync.sh")); string(data) != "#!/bin/sh\n" {
		t.Error("dry run wrote sync.sh")
	}

	// A real change keeps the previous version as a private backup.
	changes, err = Write(dir, files("s3cret-two", "#!/bin/sh\necho hi\n"), WriteOptions{Now: now})
	if err != nil {
		t.Fatal(err)
	}
	wantBackup := filepath.Join(dir, "backup", "secrets.env.20260504T030201Z")
	if changes[1].Backup != wantBackup || testenv.Mode(t, wantBackup) != 0o600 || testenv.Mode(t, filepath.Join(dir, "backup")) != 0o700 {
		t.Fatalf("backup %q", changes[1].Backup)
	}
	if data, _ := os.ReadFile(wantBackup); !strings.Contains(string(data), "s3cret-one") {
		t.Errorf("backup holds %q", data)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "secrets.env")); !strings.Contains(string(data), "s3cret-two") {
		t.Errorf("secrets.env holds %q", data)
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}

	// A mode change alone is an update too.
	os.Chmod(filepath.Join(dir, "secrets.env"), 0o644)
	changes, err = Write(dir, files("s3cret-two", "#!/bin/sh\necho hi\n"), WriteOptions{Now: now})
	if err != nil || changes[1].Action != Update || !strings.Contains(changes[1].Diff, "0644 -> 0600") || testenv.Mode(t, filepath.Join(dir, "secrets.env")) != 0o600 {
		t.Errorf("mode fix: %+v, %v, mode %o", changes[1], err, testenv.Mode(t, filepath.Join(dir, "secrets.env")))
	}
}

func TestBackupsArePruned(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	first, _ := Backup(dir, "sync.sh", []byte("a"), at)
	second, err := Backup(dir, "sync.sh", []byte("b"), at)
	if err != nil || filepath.Base(second) != "sync.sh.20260101T000000Z-2" {
		t.Fatalf("same-second backup named %s, %v", second, err)
	}
	Backup(dir, "plan.json", []byte("other file"), at)
	var last string
	for i := 1; i <= 12; i++ {
		if last, err = Backup(dir, "sync.sh", []byte{byte(i)}, at.Add(time.Duration(i)*time.Second)); err != nil {
			t.Fatal(err)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(dir, BackupDir))
	var mine []string
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), "sync.sh.") {
			mine = append(mine, e.Name())
		}
	}
	if len(mine) != backupsKept || len(entries) != backupsKept+1 {
		t.Fatalf("kept %v (%d entries), want %d of sync.sh and plan.json's", mine, len(entries), backupsKept)
	}
	for _, gone := range []string{first, second} {
		if _, err := os.Stat(gone); !os.IsNotExist(err) {
			t.Errorf("oldest backup %s was kept", gone)
		}
	}
	if _, err := os.Stat(last); err != nil {
		t.Errorf("newest backup: %v", err)
	}
}

// TestBackupsInOneSecond keeps making backups of one file within one
// second, past the number kept: each new one must survive its pruning,
// even when it could take a name an older, pruned one had.
func TestBackupsInOneSecond(t *testing.T) {
	dir := t.TempDir()
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i := range 2*backupsKept + 3 {
		path, err := Backup(dir, "sync.sh", []byte{byte(i)}, at)
		if err != nil {
			t.Fatal(err)
		}
		if data, err := os.ReadFile(path); err != nil || data[0] != byte(i) {
			t.Fatalf("backup %d (%s) was pruned as it was made: %v", i, path, err)
		}
	}
}

func TestWriteRefusesUnsafeDirectories(t *testing.T) {
	root := t.TempDir()
	f := func(dir string) []File { return []File{envFile(dir, "A=1\n")} }

	open := filepath.Join(root, "open")
	os.Mkdir(open, 0o700)
	os.Chmod(open, 0o777)
	if _, err := Write(open, f(open), WriteOptions{}); err == nil || !strings.Contains(err.Error(), "every user may write to it") {
		t.Errorf("world-writable dir: %v", err)
	}

	openParent := filepath.Join(root, "shared")
	os.Mkdir(openParent, 0o700)
	os.Chmod(openParent, 0o777)
	child := filepath.Join(openParent, "profile")
	if _, err := Write(child, f(child), WriteOptions{}); err == nil || !strings.Contains(err.Error(), "no sticky bit") {
		t.Errorf("world-writable parent: %v", err)
	}

	sticky := filepath.Join(root, "tmp")
	os.Mkdir(sticky, 0o700)
	os.Chmod(sticky, 0o777|os.ModeSticky)
	ok := filepath.Join(sticky, "profile")
	if _, err := Write(ok, f(ok), WriteOptions{}); err != nil {
		t.Errorf("a private dir under a sticky /tmp-like parent: %v", err)
	}

	// A directory baton-setup did not create keeps its mode.
	loose := filepath.Join(root, "loose")
	os.Mkdir(loose, 0o755)
	if _, err := Write(loose, f(loose), WriteOptions{}); err != nil || testenv.Mode(t, loose) != 0o755 {
		t.Errorf("own 0755 dir: %v, mode %o", err, testenv.Mode(t, loose))
	}
	readOnly := filepath.Join(root, "read-only")
	os.Mkdir(readOnly, 0o500)
	Write(readOnly, f(readOnly), WriteOptions{})
	if testenv.Mode(t, readOnly) != 0o500 {
		t.Errorf("a read-only dir became %o", testenv.Mode(t, readOnly))
	}

	group := filepath.Join(root, "group")
	os.Mkdir(group, 0o700)
	os.Chmod(group, 0o770)
	if _, err := Write(group, f(group), WriteOptions{}); err == nil || !strings.Contains(err.Error(), "its group may write to it (mode 0770)") {
		t.Errorf("group-writable dir: %v", err)
	}

	target := filepath.Join(root, "target")
	os.Mkdir(target, 0o755)
	link := filepath.Join(root, "link")
	os.Symlink(target, link)
	if _, err := Write(link, f(link), WriteOptions{}); err == nil || !strings.Contains(err.Error(), "it is a symbolic link (to "+target+")") {
		t.Errorf("a symbolic link to a directory: %v", err)
	}
	if entries, _ := os.ReadDir(target); len(entries) != 0 || testenv.Mode(t, target) != 0o755 {
		t.Errorf("wrote through the link: %v, mode %o", entries, testenv.Mode(t, target))
	}

	file := filepath.Join(root, "file")
	os.WriteFile(file, nil, 0o600)
	if _, err := Write(file, f(file), WriteOptions{}); err == nil || !strings.Contains(err.Error(), "not a directory") {
		t.Errorf("a file as dir: %v", err)
	}

	notRegular := filepath.Join(root, "nr")
	os.MkdirAll(filepath.Join(notRegular, "secrets.env"), 0o700)
	if _, err := Write(notRegular, f(notRegular), WriteOptions{}); err == nil || !strings.Contains(err.Error(), "not a regular file") {
		t.Errorf("a directory in place of secrets.env: %v", err)
	}

	if os.Geteuid() == 0 {
		theirs := filepath.Join(root, "theirs")
		os.Mkdir(theirs, 0o700)
		if err := os.Chown(theirs, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		if _, err := Write(theirs, f(theirs), WriteOptions{}); err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
			t.Errorf("someone else's dir: %v", err)
		}
	}
}

func TestWriteRealPlan(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "okta-prod")
	p := testPlan(dir, plan.Destination{Kind: plan.DestLocal}, "17 * * * *")
	files, err := Files(p, Options{Self: "/usr/local/bin/baton-setup"})
	if err != nil {
		t.Fatal(err)
	}
	changes, err := Write(dir, files, WriteOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]os.FileMode{"sync.sh": 0o700, "secrets.env": 0o600, "plan.json": 0o600, "README.txt": 0o600}
	for _, c := range changes {
		if c.Action != Create || testenv.Mode(t, c.Path) != want[c.Name] {
			t.Errorf("%s: %s mode %o", c.Name, c.Action, testenv.Mode(t, c.Path))
		}
	}
	saved, err := plan.Load(filepath.Join(dir, "plan.json"))
	if err != nil || saved.Schedule.Cron != "17 * * * *" || len(saved.Secrets) != 0 {
		t.Errorf("plan.json: %+v, %v", saved, err)
	}
}

func TestWriteNamesWhatIsInTheWay(t *testing.T) {
	dir := t.TempDir()
	os.Symlink("/etc/hostname", filepath.Join(dir, "secrets.env"))
	_, err := Write(dir, []File{envFile(dir, "A=1\n")}, WriteOptions{})
	if want := "refuse to replace " + filepath.Join(dir, "secrets.env") + ": it is a symbolic link, not a regular file"; err == nil || err.Error() != want {
		t.Errorf("got %v, want %q", err, want)
	}
}

func TestWriteRefusesUnsafeBackupDir(t *testing.T) {
	dir := t.TempDir()
	Write(dir, []File{envFile(dir, "A=1\n")}, WriteOptions{})
	elsewhere := t.TempDir()
	os.Symlink(elsewhere, filepath.Join(dir, BackupDir))
	_, err := Write(dir, []File{envFile(dir, "A=2\n")}, WriteOptions{})
	if err == nil || !strings.Contains(err.Error(), "refuse to use "+filepath.Join(dir, BackupDir)+": it is a symbolic link, not a directory") {
		t.Errorf("backup/ a symbolic link: %v", err)
	}
	if entries, _ := os.ReadDir(elsewhere); len(entries) > 0 {
		t.Errorf("a backup went through the link: %v", entries)
	}
	if data, _ := os.ReadFile(filepath.Join(dir, "secrets.env")); string(data) != "A=1\n" {
		t.Errorf("secrets.env changed to %q", data)
	}

	os.Remove(filepath.Join(dir, BackupDir))
	os.Mkdir(filepath.Join(dir, BackupDir), 0o700)
	os.Chmod(filepath.Join(dir, BackupDir), 0o770)
	if _, err := Write(dir, []File{envFile(dir, "A=2\n")}, WriteOptions{}); err == nil || !strings.Contains(err.Error(), "its group may write to it (mode 0770)") {
		t.Errorf("backup/ group-writable: %v", err)
	}
}

// TestWriteRemovesLeftovers plants the pending copies a generate killed
// while writing leaves (renameio's "." + name + a random number), next to
// the files and in backup/: the next Write removes them, and nothing else.
func TestWriteRemovesLeftovers(t *testing.T) {
	dir := t.TempDir()
	files := []File{envFile(dir, "A=1\n"), {Name: "sync.sh", Path: filepath.Join(dir, "sync.sh"), Mode: 0o700, Content: []byte("#!/bin/sh\n")}}
	if _, err := Write(dir, files, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	os.Mkdir(filepath.Join(dir, BackupDir), 0o700)
	left := []string{".secrets.env5577006791947779410", ".sync.sh8674665223082153551", "backup/.secrets.env.20260504T030201Z6129484611666145821", "backup/.sync.sh.20260504T030201Z-24037200794235010051"}
	kept := []string{".secrets.env.swp", ".secrets.env", ".secrets.envx1", "notes.txt", "backup/secrets.env.20260504T030201Z", ".plan.json123"}
	for _, name := range append(append([]string{}, left...), kept...) {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("BATON_OLD=secret\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	names := []string{"secrets.env", "sync.sh"}
	if got := len(Leftovers(dir, names)); got != len(left) {
		t.Errorf("Leftovers found %d, want %d: %v", got, len(left), Leftovers(dir, names))
	}
	if _, err := Write(dir, files, WriteOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range left {
		if _, err := os.Lstat(filepath.Join(dir, name)); !os.IsNotExist(err) {
			t.Errorf("%s is still there: %v", name, err)
		}
	}
	for _, name := range kept {
		if _, err := os.Lstat(filepath.Join(dir, name)); err != nil {
			t.Errorf("%s was removed: %v", name, err)
		}
	}
	if got := Leftovers(dir, names); len(got) != 0 {
		t.Errorf("Leftovers after Write: %v", got)
	}
}

// TestBackupNamesAreUnique backs up one file from many goroutines at the
// same second, rounds times: every backup gets a name of its own and
// keeps its own content.
func TestBackupNamesAreUnique(t *testing.T) {
	const rounds, writers = 20, 8
	at := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for round := range rounds {
		dir := t.TempDir()
		paths := make([]string, writers)
		errs := make([]error, writers)
		var wg sync.WaitGroup
		for i := range writers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				paths[i], errs[i] = backup(dir, "secrets.env", []byte(fmt.Sprintf("writer %d\n", i)), at)
			}()
		}
		wg.Wait()
		seen := map[string]int{}
		for i, p := range paths {
			if errs[i] != nil {
				t.Fatalf("round %d, writer %d: %v", round, i, errs[i])
			}
			if j, ok := seen[p]; ok {
				t.Fatalf("round %d: writers %d and %d both got %s", round, j, i, p)
			}
			seen[p] = i
			if data, _ := os.ReadFile(p); string(data) != fmt.Sprintf("writer %d\n", i) {
				t.Fatalf("round %d: %s holds %q, not writer %d's backup", round, p, data, i)
			}
		}
		if entries, _ := os.ReadDir(filepath.Join(dir, BackupDir)); len(entries) != writers {
			t.Fatalf("round %d: backup/ holds %d entries, want %d", round, len(entries), writers)
		}
	}
}
