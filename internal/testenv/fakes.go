package testenv

import (
	"al.essio.dev/pkg/shellescape"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// dockerScript stands in for the docker CLI where the real engine
// (NewEngine) cannot serve a test: a pull from a registry, or an image too
// old for `config`. It records each argv in $FAKE_DOCKER_DIR/argv and, for
// each run, a copy of the env file (env.PID), its and its directory's
// modes (stat.PID) and any BATON_* variable in its own environment
// (own-env). It then runs $FAKE_DOCKER_BIN demo-connector the way the demo
// image would: only the env file's variables, /out mapped to the host
// directory of -v. Images in $FAKE_DOCKER_LOCAL are present, those in
// $FAKE_DOCKER_REMOTE can be pulled, and those in $FAKE_DOCKER_NOCONFIG
// predate `config` and fail --help too.
const dockerScript = `#!/bin/sh
printf '%s\n' "$*" >>"$FAKE_DOCKER_DIR/argv"
known() {
	case " $1 " in *" $2 "*) return 0 ;; esac
	return 1
}
case "$1" in
version)
	echo 28.2.2
	exit 0
	;;
image)
	[ "$2" = inspect ] || exit 2
	if known "$FAKE_DOCKER_LOCAL" "$5"; then echo sha256:0123; exit 0; fi
	echo "Error response from daemon: No such image: $5" >&2
	exit 1
	;;
pull)
	if known "$FAKE_DOCKER_REMOTE" "$3"; then echo "docker.io/library/$3"; exit 0; fi
	echo "Error response from daemon: pull access denied for ${3%%:*}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied" >&2
	exit 1
	;;
rm)
	[ "$2" = --force ] || exit 2
	echo "Error response from daemon: No such container: $3" >&2
	exit 1
	;;
run) shift ;;
*)
	echo "fake docker: unexpected command $1" >&2
	exit 2
	;;
esac
envfile= vol= name=
while [ $# -gt 0 ]; do
	case "$1" in
	--rm) shift ;;
	--name) name=$2; shift 2 ;;
	--user | --network) shift 2 ;;
	--env-file) envfile=$2; shift 2 ;;
	-v) vol=$2; shift 2 ;;
	-*) echo "fake docker: unknown flag $1" >&2; exit 125 ;;
	*) break ;;
	esac
done
image=$1
shift
if ! known "$FAKE_DOCKER_LOCAL $FAKE_DOCKER_REMOTE" "$image"; then
	echo "docker: Error response from daemon: pull access denied for $image" >&2
	exit 125
fi
if [ -z "$name" ]; then
	echo "fake docker: run without --name" >&2
	exit 125
fi
if known "$FAKE_DOCKER_NOCONFIG" "$image"; then
	case "$1" in
	config) echo "Error: unknown command \"config\" for \"baton-x\"" >&2; exit 1 ;;
	--help) echo "fake image: no help either" >&2; exit 1 ;;
	esac
fi
if [ -n "$envfile" ]; then
	cp "$envfile" "$FAKE_DOCKER_DIR/env.$$"
	printf '%s %s %s\n' "$(stat -c %a "$envfile")" "$(stat -c %a "$(dirname "$envfile")")" "$envfile" >"$FAKE_DOCKER_DIR/stat.$$"
fi
env | sed -n 's/^\(BATON_[A-Za-z0-9_]*\)=.*/\1/p' >>"$FAKE_DOCKER_DIR/own-env"
host=${vol%:/out}
for a in "$@"; do
	case "$a" in
	/out/*) set -- "$@" "$host/${a#/out/}" ;;
	*) set -- "$@" "$a" ;;
	esac
	shift
done
set -- "$FAKE_DOCKER_BIN" demo-connector "$@"
if [ -n "$envfile" ]; then
	while IFS= read -r line; do set -- "$line" "$@"; done <"$envfile"
fi
exec env -i PATH="$PATH" HOME="$HOME" "$@"
`

// Docker is a docker stand-in written by FakeDocker.
type Docker struct {
	// Path is the script's path, for PATH or an absolute --docker path.
	Path string
	// Rec is the directory where the script records what it was given.
	Rec string
	env []string
}

// FakeDocker writes a docker stand-in into dir that runs bin's demo
// connector as each image. Images in local are present and those in
// remote can be pulled (both space-separated). Env returns the variables
// the script needs in every environment that may run it.
func FakeDocker(t testing.TB, dir, bin, local, remote string) *Docker {
	t.Helper()
	d := &Docker{Path: filepath.Join(dir, "docker"), Rec: t.TempDir()}
	d.env = []string{"FAKE_DOCKER_DIR=" + d.Rec, "FAKE_DOCKER_BIN=" + bin,
		"FAKE_DOCKER_LOCAL=" + local, "FAKE_DOCKER_REMOTE=" + remote}
	writeScript(t, d.Path, dockerScript)
	return d
}

// Env returns the FAKE_DOCKER_* variables the script reads.
func (d *Docker) Env() []string { return append([]string(nil), d.env...) }

// Argv returns every argv docker got, one a line.
func (d *Docker) Argv(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(d.Rec, "argv"))
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(data)
}

// DockerEnvFile is what docker saw of an env file it was given.
type DockerEnvFile struct {
	Content       string
	Mode, DirMode string // octal, as stat -c %a prints them
	Path          string
}

// EnvFiles returns what docker saw of each env file it was given.
func (d *Docker) EnvFiles(t testing.TB) []DockerEnvFile {
	t.Helper()
	stats, err := filepath.Glob(filepath.Join(d.Rec, "stat.*"))
	if err != nil {
		t.Fatal(err)
	}
	var out []DockerEnvFile
	for _, s := range stats {
		line, _ := os.ReadFile(s)
		parts := strings.SplitN(strings.TrimSpace(string(line)), " ", 3)
		if len(parts) != 3 {
			t.Fatalf("docker stand-in: bad record %s: %q", s, line)
		}
		content, _ := os.ReadFile(filepath.Join(d.Rec, "env."+strings.TrimPrefix(filepath.Ext(s), ".")))
		out = append(out, DockerEnvFile{Content: string(content), Mode: parts[0], DirMode: parts[1], Path: parts[2]})
	}
	return out
}

// Crontab is the tests' one crontab(1) stand-in: a script named crontab
// that keeps the table in a file, answers -l and - as Debian's does
// ("no crontab for USER" and exit 1 for an empty table), and never touches
// the machine's real crontab. Child processes find it on PATH (Env);
// in-process code runs it as schedule.System{Bin: c.Bin}.
type Crontab struct {
	// Bin is the script; Table the file that holds the table.
	Bin, Table string
	dir        string
}

// FakeCrontab writes the stand-in into dir, keeping its table in table.
func FakeCrontab(t testing.TB, dir, table string) *Crontab {
	t.Helper()
	c := &Crontab{Bin: filepath.Join(dir, "crontab"), Table: table, dir: dir}
	q := shellescape.Quote(table)
	writeScript(t, c.Bin, `#!/bin/sh
table=`+q+`
case "$1" in
-l) if [ -s "$table" ]; then cat "$table"; else echo "no crontab for $(id -un)" >&2; exit 1; fi ;;
-) if [ -e "$table.lose" ]; then cat >/dev/null; else cat >"$table"; fi ;;
*) echo "crontab stand-in: unknown argument $*" >&2; exit 2 ;;
esac
`)
	return c
}

// Env returns env with the stand-in first on PATH.
func (c *Crontab) Env(env []string) []string { return PrependPath(env, c.dir) }

// Content returns the table; "" when there is none.
func (c *Crontab) Content(t testing.TB) string {
	t.Helper()
	data, err := os.ReadFile(c.Table)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	return string(data)
}

// Set replaces the table, as a user's own `crontab -` would.
func (c *Crontab) Set(t testing.TB, table string) {
	t.Helper()
	if err := os.WriteFile(c.Table, []byte(table), 0o600); err != nil {
		t.Fatal(err)
	}
}

// LoseWrites makes later writes succeed without keeping anything, as a
// crontab that fails silently would.
func (c *Crontab) LoseWrites(t testing.TB) {
	t.Helper()
	if err := os.WriteFile(c.Table+".lose", nil, 0o600); err != nil {
		t.Fatal(err)
	}
}

func writeScript(t testing.TB, path, body string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(body), 0o755); err != nil {
		t.Fatal(err)
	}
}
