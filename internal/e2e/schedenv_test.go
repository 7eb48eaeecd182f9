package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// mappingConnector is a stand-in for a connector that reads a file named
// by one of its settings, as baton-sql reads its mapping file: it refuses
// a missing file and a file that names ${DB_USER} when DB_USER is unset,
// then hands over to the real demo connector, so the sync file is real.
// No connector of that kind is served by the module proxy.
const mappingConnector = `#!/bin/sh
if [ "$1" = config ]; then
	cat <<'JSON'
{"fields": [{"name": "mapping", "description": "The mapping file", "isRequired": true, "stringField": {"type": "STRING_FIELD_TYPE_FILE_UPLOAD"}}]}
JSON
	exit 0
fi
[ -r "$BATON_MAPPING" ] || { echo "mapping file not found: $BATON_MAPPING" >&2; exit 1; }
if grep -q 'DB_USER' "$BATON_MAPPING" && [ -z "${DB_USER:-}" ]; then
	echo "environment variable DB_USER is not set" >&2
	exit 1
fi
BATON_TENANT=acme BATON_API_KEY=k exec BIN demo-connector "$@"
`

// cronEnv is what cron gives a job of the user whose home is home, plus
// AWS_EC2_METADATA_DISABLED so that no test probes the metadata address.
func cronEnv(home string) []string {
	return []string{"HOME=" + home, "LOGNAME=root", "SHELL=/bin/sh", "PATH=/usr/bin:/bin", "AWS_EC2_METADATA_DISABLED=true"}
}

// TestHiddenEnvironment writes profiles the way a user's shell would, with
// something the schedule will not have, and runs each sync.sh as cron
// does. Either generate refuses, naming the problem, or the scheduled run
// delivers: none may pass and then fail unattended.
func TestHiddenEnvironment(t *testing.T) {
	s3 := testenv.NewS3(t, "hidden-bucket")
	type setting struct {
		env  []string
		args []string
		// dir is where generate runs; "" is home.
		dir string
	}
	for _, tc := range []struct {
		name string
		// prepare returns what the user's shell has and does.
		prepare func(t *testing.T, home string) setting
		// refuse, when set, is what generate must say (exit 2).
		refuse string
	}{
		{name: "endpoint only in the environment", prepare: func(t *testing.T, home string) setting {
			testenv.WriteAWSFiles(t, home)
			return setting{env: []string{"AWS_ENDPOINT_URL_S3=" + s3.URL}, args: demoArgs()}
		}},
		{name: "keys only in the environment", refuse: "through AWS_ACCESS_KEY_ID, set in this shell only", prepare: func(t *testing.T, home string) setting {
			return setting{env: []string{"AWS_ACCESS_KEY_ID=AKIAFAKEFAKEFAKE", "AWS_SECRET_ACCESS_KEY=fake-secret-key"}, args: append(demoArgs(), "--endpoint", s3.URL)}
		}},
		{name: "named AWS profile in HOME", prepare: func(t *testing.T, home string) setting {
			os.MkdirAll(filepath.Join(home, ".aws"), 0o700)
			os.WriteFile(filepath.Join(home, ".aws", "credentials"), []byte("[uploader]\naws_access_key_id = AKIAUPLOADERUPLOAD1\naws_secret_access_key = s\n"), 0o600)
			return setting{args: append(demoArgs(), "--endpoint", s3.URL, "--aws-profile", "uploader")}
		}},
		{name: "relative path setting", prepare: func(t *testing.T, home string) setting {
			testenv.WriteAWSFiles(t, home)
			work := filepath.Join(home, "project")
			os.Mkdir(work, 0o700)
			os.WriteFile(filepath.Join(work, "mini.yaml"), []byte("users: all\n"), 0o600)
			return setting{dir: work, args: mappingArgs(t, home, s3.URL, "mapping=mini.yaml")}
		}},
		{name: "file reads a variable the profile lacks", refuse: "reads ${DB_USER} from the environment, which the profile does not carry", prepare: func(t *testing.T, home string) setting {
			testenv.WriteAWSFiles(t, home)
			file := filepath.Join(home, "mapping.yaml")
			os.WriteFile(file, []byte("dsn: mysql://${DB_USER}@127.0.0.1/app\n"), 0o600)
			return setting{env: []string{"DB_USER=reader"}, args: mappingArgs(t, home, s3.URL, "mapping="+file)}
		}},
		{name: "file reads a variable the profile carries", prepare: func(t *testing.T, home string) setting {
			testenv.WriteAWSFiles(t, home)
			file := filepath.Join(home, "mapping.yaml")
			os.WriteFile(file, []byte("dsn: mysql://${DB_USER}@127.0.0.1/app\n"), 0o600)
			return setting{env: []string{"DB_USER=reader"}, args: append(mappingArgs(t, home, s3.URL, "mapping="+file), "--env", "DB_USER")}
		}},
		{name: "connector only on the caller's PATH", prepare: func(t *testing.T, home string) setting {
			testenv.WriteAWSFiles(t, home)
			file := filepath.Join(home, "mapping.yaml")
			os.WriteFile(file, []byte("users: all\n"), 0o600)
			args := mappingArgs(t, home, s3.URL, "mapping="+file)
			args[1] = "mapping" // the name, found through PATH only
			return setting{env: []string{"PATH=" + filepath.Join(home, "tools") + ":" + os.Getenv("PATH")}, args: args}
		}},
		{name: "another working directory", prepare: func(t *testing.T, home string) setting {
			testenv.WriteAWSFiles(t, home)
			// --out is relative to a directory cron never runs in.
			return setting{dir: t.TempDir(), args: []string{"--connector", "demo", "--set", "tenant=acme", "--out", "relative-out", "--endpoint", s3.URL}}
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			home := t.TempDir()
			set := tc.prepare(t, home)
			dir := set.dir
			if dir == "" {
				dir = home
			}
			env := append(testenv.CleanEnv(home), "AWS_EC2_METADATA_DISABLED=true", "BATON_API_KEY=k")
			env = append(env, set.env...)
			key := "k/" + strings.ReplaceAll(tc.name, " ", "-") + ".c1z"
			args := append([]string{"generate", "--dest", "s3://hidden-bucket/" + key, "--region", "us-east-1", "--schedule", "hourly:7"}, set.args...)
			r := run(t, env, dir, bin, args...)
			if tc.refuse != "" {
				if r.code != 2 || !strings.Contains(r.stderr, tc.refuse) {
					t.Fatalf("generate: exit %d, want 2 saying %q\n%s", r.code, tc.refuse, r.stderr)
				}
				return
			}
			if r.code != 0 {
				t.Fatalf("generate: exit %d\n%s%s", r.code, r.stdout, r.stderr)
			}
			out := profileDir(t, r.stdout)
			// As cron runs the entry: its environment only, in HOME, the
			// output appended to sync.log.
			r = run(t, cronEnv(home), home, "/bin/sh", "-c", out+"/sync.sh >>"+out+"/sync.log 2>&1")
			logText, _ := os.ReadFile(filepath.Join(out, "sync.log"))
			if r.code != 0 {
				connLog, _ := os.ReadFile(filepath.Join(out, "work", "connector.log"))
				t.Fatalf("the scheduled run failed: exit %d\n%s\nconnector.log:\n%s", r.code, logText, connLog)
			}
			data := s3.Get(t, "hidden-bucket", key)
			if data == nil {
				t.Fatalf("nothing delivered to %s\n%s", key, logText)
			}
			file := filepath.Join(t.TempDir(), "got.c1z")
			os.WriteFile(file, data, 0o600)
			if sum, err := c1z.Summarize(t.Context(), file, t.TempDir()); err != nil || sum.Resources == 0 {
				t.Errorf("delivered object: %+v, %v", sum, err)
			}
		})
	}
}

// demoArgs generate a demo profile in the profile directory under the
// directory generate runs in.
func demoArgs() []string {
	return []string{"--connector", "demo", "--set", "tenant=acme", "--out", "profile"}
}

// mappingArgs install the mapping stand-in in home/tools and generate a
// profile of it in home/profile with the given value.
func mappingArgs(t *testing.T, home, endpoint, value string) []string {
	t.Helper()
	tools := filepath.Join(home, "tools")
	os.MkdirAll(tools, 0o755)
	script := filepath.Join(tools, "baton-mapping")
	if err := os.WriteFile(script, []byte(strings.Replace(mappingConnector, "BIN", bin, 1)), 0o755); err != nil {
		t.Fatal(err)
	}
	return []string{"--connector", script, "--set", value, "--out", filepath.Join(home, "profile"), "--endpoint", endpoint}
}

// profileDir is the profile directory generate printed sync.sh in.
func profileDir(t *testing.T, stdout string) string {
	t.Helper()
	for _, l := range strings.Split(stdout, "\n") {
		if s, ok := strings.CutPrefix(l, "run it now: "); ok {
			return filepath.Dir(strings.TrimSpace(s))
		}
	}
	t.Fatalf("generate printed no sync.sh:\n%s", stdout)
	return ""
}

// TestProfileElsewhere writes a profile with generate --out outside the
// config directory: every command that takes --profile finds it.
func TestProfileElsewhere(t *testing.T) {
	home := t.TempDir()
	env, table := fakeCrontab(t, home, append(testenv.CleanEnv(home), "BATON_API_KEY=k"))
	out := filepath.Join(t.TempDir(), "srv", "baton", "demo")
	r := run(t, env, home, bin, "generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--out", out, "--profile", "far")
	if r.code != 0 {
		t.Fatalf("generate: exit %d\n%s", r.code, r.stderr)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"profiles"}, out},
		{[]string{"plan", "show", "--profile", "far"}, out},
		{[]string{"status", "--offline"}, "far"},
		{[]string{"schedule", "install", "--profile", "far"}, "installed the crontab entry for profile far"},
		{[]string{"verify", "--profile", "far"}, "Delivered: " + filepath.Join(out, "sync.c1z")},
	} {
		r := run(t, env, home, bin, c.args...)
		if r.code != 0 || !strings.Contains(r.stdout, c.want) {
			t.Errorf("%v: exit %d, stdout lacks %q\n%s%s", c.args, r.code, c.want, r.stdout, r.stderr)
		}
	}
	if data, _ := os.ReadFile(table); !strings.Contains(string(data), filepath.Join(out, "sync.sh")) {
		t.Errorf("crontab does not run %s:\n%s", filepath.Join(out, "sync.sh"), data)
	}
	for _, args := range [][]string{{"doctor", "--profile", "far"}, {"doctor", "--dir", out}} {
		r := run(t, env, home, bin, args...)
		if !strings.Contains(r.stdout, "✓ generated files") {
			t.Errorf("%v does not check the profile:\n%s%s", args, r.stdout, r.stderr)
		}
	}
}

// TestSudoHome runs generate as root with another user's HOME, as a plain
// sudo does: the files would land in that home, owned by root, and be
// scheduled in root's crontab. It is refused, and nothing is written.
func TestSudoHome(t *testing.T) {
	if os.Geteuid() != 0 {
		t.Skip("needs root, as sudo gives")
	}
	home := t.TempDir()
	if err := os.Chown(home, nobodyID, nobodyID); err != nil {
		t.Fatal(err)
	}
	env, table := fakeCrontab(t, home, append(testenv.CleanEnv(home), "BATON_API_KEY=k"))
	r := run(t, env, "/", bin, "generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--install-cron")
	if r.code != 2 || !strings.Contains(r.stderr, "belongs to uid 65534, but baton-setup runs as uid 0") || !strings.Contains(r.stderr, "sudo -H") {
		t.Fatalf("exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(filepath.Join(home, ".config", "baton-setup")); !os.IsNotExist(err) {
		t.Errorf("files were written into the other user's home: %v", err)
	}
	if data, _ := os.ReadFile(table); len(data) != 0 {
		t.Errorf("root's crontab changed:\n%s", data)
	}

	// With a directory of its own the profile would still be registered,
	// and the locks and caches kept, in the other user's home.
	out := filepath.Join(t.TempDir(), "demo")
	r = run(t, env, "/", bin, "generate", "--connector", "demo", "--set", "tenant=acme", "--dest", "local", "--out", out, "--install-cron")
	if r.code != 2 || !strings.Contains(r.stderr, "sudo -H") {
		t.Fatalf("generate --out: exit %d\n%s", r.code, r.stderr)
	}
	if _, err := os.Stat(out); !os.IsNotExist(err) {
		t.Errorf("generate --out wrote %s: %v", out, err)
	}
	for _, dir := range []string{".cache", ".config", ".local"} {
		if _, err := os.Lstat(filepath.Join(home, dir)); !os.IsNotExist(err) {
			t.Errorf("root wrote %s into the other user's home", filepath.Join(home, dir))
		}
	}
}
