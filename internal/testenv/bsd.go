package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// bsdCommand is a stand-in for a command of macOS's BSD userland. It runs
// the real (GNU) command, but only for the options the BSD one has, which
// getopts checks: a GNU-only option or any long option ("--x", which
// getopts reads as option "-") is refused with exit 1 and recorded in
// $dir/refused. Options BSD has but GNU spells differently are translated
// by the command's own lines.
type bsdCommand struct {
	name    string
	usage   string
	optstr  string
	options string // case arms that handle the parsed options
	run     string // how the real command runs; $real is its path
}

// bsdCommands are what sync.sh runs that differ between GNU and BSD. Their
// synopses are those of macOS's manual pages; FreeBSD's timeout and the
// flock Homebrew installs take the same short options.
var bsdCommands = []bsdCommand{
	{
		name:   "stat",
		usage:  "stat [-FLnq] [-f format | -l | -r | -s | -x] [-t timefmt] [file ...]",
		optstr: "FLnqf:lrsxt:",
		options: `		L) args="$args -L" ;;
		f) format=$OPTARG ;;`,
		// BSD -f and GNU -c share %d (device) and %i (inode).
		run: `[ -n "$format" ] || unemulated "stat without -f"
exec "$real" $args -c "$format" "$@"`,
	},
	{
		name:    "date",
		usage:   "date [-jnRu] [-r seconds|filename] [-v[+|-]val[y|m|w|d|H|M|S]] [-f input_fmt] [+output_fmt]",
		optstr:  "jnRur:v:f:",
		options: `		u) args="$args -u" ;;`,
		run:     `exec "$real" $args "$@"`,
	},
	{
		name:   "mktemp",
		usage:  "mktemp [-d] [-q] [-t prefix] [-u] template ...",
		optstr: "dqt:u",
		options: `		d) args="$args -d" ;;
		q) args="$args -q" ;;
		u) args="$args -u" ;;`,
		run: `[ $# -gt 0 ] || unemulated "mktemp without a template"
exec "$real" $args "$@"`,
	},
	{
		name:   "mv",
		usage:  "mv [-f | -i | -n] [-hv] source target",
		optstr: "finhv",
		options: `		f) args="$args -f" ;;
		i) args="$args -i" ;;
		n) args="$args -n" ;;
		v) args="$args -v" ;;`,
		run: `exec "$real" $args "$@"`,
	},
	{
		name:   "timeout",
		usage:  "timeout [-k time] [-s sig] duration command [arg ...]",
		optstr: "k:s:",
		options: `		k) args="$args -k $OPTARG" ;;
		s) args="$args -s $OPTARG" ;;`,
		run: `exec "$real" $args "$@"`,
	},
	{
		name:   "flock",
		usage:  "flock [-nsux] [-w timeout] fd",
		optstr: "nsuxw:",
		options: `		n) args="$args -n" ;;
		s) args="$args -s" ;;
		u) args="$args -u" ;;
		x) args="$args -x" ;;
		w) args="$args -w $OPTARG" ;;`,
		run: `exec "$real" $args "$@"`,
	},
}

// posixOptions are the other commands sync.sh runs, with the options POSIX
// gives them; their stand-ins refuse any other option the same way.
var posixOptions = map[string]string{
	"cat": "u", "grep": "EFce:f:ilnqsvx", "id": "Ggnru", "ls": "ACFHLRSacdfgiklmnopqrstux1",
	"mkdir": "pm:", "rm": "fiRr", "sleep": "", "tr": "Ccds", "wc": "clmw", "ps": "AadeflG:g:n:o:p:t:U:u:",
	"sed": "Ene:f:", "head": "n:", "tail": "fn:r",
}

const bsdScript = `#!/bin/sh
# Stand-in for {{name}} of a BSD userland: see internal/testenv/bsd.go.
real='{{real}}'
refuse() {
	printf '%s\n' "{{name}} $*" >>'{{refused}}'
	echo "usage: {{usage}}" >&2
	exit 1
}
unemulated() {
	echo "{{name}} stand-in: $1 is not emulated" >&2
	exit 2
}
all="$*"
args=
parse() {
	while getopts '{{optstr}}' opt 2>/dev/null; do
		case $opt in
		\?) refuse "$all" ;;
{{options}}
		esac
	done
	skip=$((OPTIND - 1))
}
parse "$@"
{{run}}
`

// BSDUserland fills dir with the only commands a PATH of dir offers a
// generated sync.sh: stand-ins for stat, date, mktemp and mv that behave
// like macOS's (BSD) ones, and for the POSIX utilities it also runs, that
// refuse options POSIX does not give them. With lockAndTimeout, dir also
// has stand-ins for timeout and flock that take only their short options;
// without, it has neither, as on macOS. There is no macOS machine here, so
// these stand-ins are the nearest real part: each runs the local command
// once its options have been checked. Refusals are listed in
// BSDRefusals(dir).
func BSDUserland(t testing.TB, dir string, lockAndTimeout bool) {
	t.Helper()
	refused := filepath.Join(dir, "refused")
	write := func(name, usage, optstr, options, run string) {
		real, err := exec.LookPath(name)
		if err != nil {
			t.Fatalf("the %s stand-in needs the real %s: %v", name, name, err)
		}
		r := strings.NewReplacer("{{name}}", name, "{{real}}", real, "{{refused}}", refused,
			"{{usage}}", usage, "{{optstr}}", optstr, "{{options}}", options, "{{run}}", run)
		writeScript(t, filepath.Join(dir, name), r.Replace(bsdScript))
	}
	for _, c := range bsdCommands {
		if (c.name == "timeout" || c.name == "flock") && !lockAndTimeout {
			continue
		}
		write(c.name, c.usage, c.optstr, c.options+"\n\t\t*) unemulated \"-$opt\" ;;", "shift \"$skip\"\n"+c.run)
	}
	for name, optstr := range posixOptions {
		write(name, name+" [-"+strings.ReplaceAll(optstr, ":", "")+"] ...", optstr, "\t\t*) ;;", `exec "$real" "$@"`)
	}
}

// BSDRefusals returns the command lines the stand-ins BSDUserland wrote
// into dir refused, one a line.
func BSDRefusals(t testing.TB, dir string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "refused"))
	if os.IsNotExist(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
}
