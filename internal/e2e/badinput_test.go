package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// badRow is one bad input and exactly what baton-setup must say about it.
type badRow struct {
	name string
	args []string
	// env is added to a clean environment holding BATON_API_KEY.
	env   []string
	stdin string
	// want is the whole of stderr; {H} stands for the home directory.
	want string
	code int
}

var topCommands = map[string]bool{
	"connectors": true, "test": true, "generate": true, "upload": true, "s3": true, "inspect": true,
	"profiles": true, "plan": true, "doctor": true, "status": true, "schedule": true, "install": true,
	"verify":     true,
	"regenerate": true,
}

// command names the subcommand a row exercises, for the per-command count.
func (r badRow) command() string {
	var words []string
	for _, a := range r.args {
		if strings.HasPrefix(a, "-") || len(words) == 2 {
			break
		}
		words = append(words, a)
	}
	switch {
	case len(words) == 0 || !topCommands[words[0]]:
		return "baton-setup"
	case len(words) == 2 && (words[1] == "install" || words[1] == "remove" || words[1] == "show" || words[1] == "check"):
		return strings.Join(words, " ")
	default:
		return words[0]
	}
}

// badInputRows covers every command's flags with empty, blank, too long,
// wrongly typed and invalid values.
func badInputRows() []badRow {
	long := strings.Repeat("a", 300)
	demo := []string{"--connector", "demo", "--set", "tenant=acme"}
	gen := func(extra ...string) []string {
		return append(append([]string{"generate"}, demo...), extra...)
	}
	genS3 := func(extra ...string) []string {
		return gen(append([]string{"--dest", "s3://good-bucket/b/sync.c1z"}, extra...)...)
	}
	test := func(extra ...string) []string { return append([]string{"test", "--connector", "demo"}, extra...) }
	up := func(extra ...string) []string {
		return append([]string{"upload", "--file", "{H}/finished.c1z"}, extra...)
	}
	check := func(extra ...string) []string { return append([]string{"s3", "check"}, extra...) }
	const usage2 = 2
	rows := []badRow{
		// The wizard (root command).
		{name: "no terminal", args: nil, code: usage2, want: "error: no terminal: the wizard needs an interactive terminal on stdin and stdout\nhint: use the non-interactive commands instead: baton-setup connectors, test, generate, upload (see baton-setup --help)\n"},
		{name: "zero timeout", args: []string{"--timeout", "0"}, code: usage2, want: "error: --timeout 0s: must be at least 1s (there is no unlimited; give a long one, such as 24h)\n"},
		{name: "timeout not a duration", args: []string{"--timeout", "soon"}, code: usage2, want: "error: invalid argument \"soon\" for \"--timeout\" flag: time: invalid duration \"soon\"\n"},
		{name: "unknown flag", args: []string{"--bogus"}, code: usage2, want: "error: unknown flag: --bogus\n"},
		{name: "unknown command", args: []string{"sync"}, code: usage2, want: "error: unknown command \"sync\" for \"baton-setup\"\n"},

		// test: the connector.
		{name: "no connector", args: []string{"test"}, code: usage2, want: "error: no connector given\nhint: name one with --connector: demo, a catalog name such as okta, or a path\n"},
		{name: "empty connector", args: []string{"test", "--connector", ""}, code: usage2, want: "error: no connector given\nhint: name one with --connector: demo, a catalog name such as okta, or a path\n"},
		{name: "blank connector", args: []string{"test", "--connector", "   "}, code: usage2, want: "error: resolve connector: no name given\n"},
		{name: "unknown connector", args: []string{"test", "--connector", "nosuchthing"}, code: usage2, want: "error: resolve connector nosuchthing: baton-nosuchthing is not installed\nhint: install it with `brew install conductorone/baton/baton-nosuchthing` or `go install github.com/conductorone/baton-nosuchthing/cmd/baton-nosuchthing@latest`, or pass its path\n"},
		{name: "catalog connector not installed", args: []string{"test", "--connector", "okta"}, code: usage2, want: "error: resolve connector okta: baton-okta is not installed\nhint: install it with `brew install conductorone/baton/baton-okta` or `go install github.com/conductorone/baton-okta/cmd/baton-okta@latest`, or pass its path\n"},
		{name: "connector path missing", args: []string{"test", "--connector", "{H}/bin/baton-missing"}, code: usage2, want: "error: resolve connector {H}/bin/baton-missing: no such file\n"},
		{name: "connector path not executable", args: []string{"test", "--connector", "{H}/finished.c1z"}, code: usage2, want: "error: resolve connector {H}/finished.c1z: not an executable file\n"},
		{name: "connector path a directory", args: []string{"test", "--connector", "{H}/adir"}, code: usage2, want: "error: resolve connector {H}/adir: a directory, not a connector binary\n"},
		{name: "connector too long", args: []string{"test", "--connector", long}, code: usage2, want: "error: resolve connector aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa: baton-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa is not installed\nhint: install it with `brew install conductorone/baton/baton-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa` or `go install github.com/conductorone/baton-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa/cmd/baton-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa@latest`, or pass its path\n"},
		// test: --set.
		{name: "set without =", args: test("--set", "tenant"), code: usage2, want: "error: --set \"tenant\": want field=value\n"},
		{name: "set empty", args: test("--set", ""), code: usage2, want: "error: --set \"\": want field=value\n"},
		{name: "set empty field name", args: test("--set", "=acme"), code: usage2, want: "error: --set \"=acme\": want field=value\n"},
		{name: "set unknown field", args: test("--set", "nope=1"), code: usage2, want: "error: --set nope: the demo connector has no field \"nope\"; its fields are api-key, include-roles, tenant, user-count\n"},
		{name: "set field in upper case", args: test("--set", "TENANT=acme"), code: usage2, want: "error: --set TENANT: the demo connector has no field \"TENANT\"; its fields are api-key, include-roles, tenant, user-count\n"},
		{name: "set secret", args: test("--set", "api-key=hunter2"), code: usage2, want: "error: --set api-key: api-key is secret and must not be on the command line, where any user can read it with ps\nhint: set BATON_API_KEY in the environment or use --secret-file api-key=PATH\n"},
		{name: "set secret empty", args: test("--set", "api-key="), code: usage2, want: "error: --set api-key: api-key is secret and must not be on the command line, where any user can read it with ps\nhint: set BATON_API_KEY in the environment or use --secret-file api-key=PATH\n"},
		{name: "set int not a number", args: test("--set", "tenant=a", "--set", "user-count=many"), code: usage2, want: "error: invalid connector settings:\nuser-count: \"many\" is not a whole number\n"},
		{name: "set int fraction", args: test("--set", "tenant=a", "--set", "user-count=1.5"), code: usage2, want: "error: invalid connector settings:\nuser-count: \"1.5\" is not a whole number\n"},
		{name: "set int blank", args: test("--set", "tenant=a", "--set", "user-count= "), code: usage2, want: "error: invalid connector settings:\nuser-count: value is only white space\n"},
		{name: "set int overflow", args: test("--set", "tenant=a", "--set", "user-count=99999999999999999999"), code: usage2, want: "error: invalid connector settings:\nuser-count: \"99999999999999999999\" is not a whole number\n"},
		{name: "set bool not a bool", args: test("--set", "tenant=a", "--set", "include-roles=maybe"), code: usage2, want: "error: invalid connector settings:\ninclude-roles: \"maybe\" is not true or false\n"},
		{name: "set blank required value", args: test("--set", "tenant=   "), code: usage2, want: "error: invalid connector settings:\ntenant: value is only white space\n"},
		{name: "value too long", args: test("--secret-file", "tenant={H}/huge"), code: usage2, want: "error: --secret-file tenant: {H}/huge holds 102400 bytes; at most 65536 fit in the environment variable that carries a value\n"},
		{name: "secret too long", args: test("--set", "tenant=a", "--secret-file", "api-key={H}/huge"), code: usage2, want: "error: --secret-file api-key: {H}/huge holds 102400 bytes; at most 65536 fit in the environment variable that carries a value\n"},
		{name: "missing required value", args: test(), code: usage2, want: "error: missing required values:\n  tenant (--set tenant=VALUE or BATON_TENANT)\n"},
		{name: "missing secret and value", args: test(), env: []string{"BATON_API_KEY="}, code: usage2, want: "error: missing required values:\n  tenant (--set tenant=VALUE or BATON_TENANT)\n  api-key (secret: set BATON_API_KEY in the environment or use --secret-file api-key=PATH)\n"},
		{name: "secret from env blank", args: test("--set", "tenant=a"), env: []string{"BATON_API_KEY=   "}, code: usage2, want: "error: invalid connector settings:\napi-key: value is only white space\n"},
		// test: --secret-file and --secret-stdin.
		{name: "secret-file without =", args: test("--set", "tenant=a", "--secret-file", "api-key"), code: usage2, want: "error: --secret-file \"api-key\": want field=PATH\n"},
		{name: "secret-file empty path", args: test("--set", "tenant=a", "--secret-file", "api-key="), code: usage2, want: "error: --secret-file \"api-key=\": want field=PATH\n"},
		{name: "secret-file unknown field", args: test("--set", "tenant=a", "--secret-file", "nope={H}/key"), code: usage2, want: "error: --secret-file nope: the demo connector has no field \"nope\"; its fields are api-key, include-roles, tenant, user-count\n"},
		{name: "secret-file missing", args: test("--set", "tenant=a", "--secret-file", "api-key={H}/nokey"), code: usage2, want: "error: --secret-file api-key: cannot read {H}/nokey: no such file or directory\n"},
		{name: "secret-file a directory", args: test("--set", "tenant=a", "--secret-file", "api-key={H}/adir"), code: usage2, want: "error: --secret-file api-key: {H}/adir is not a regular file\n"},
		{name: "secret-file empty", args: test("--set", "tenant=a", "--secret-file", "api-key={H}/empty-key"), env: []string{"BATON_API_KEY="}, code: usage2, want: "error: --secret-file api-key: {H}/empty-key is empty\n"},
		{name: "secret-stdin unknown field", args: test("--set", "tenant=a", "--secret-stdin", "nope"), code: usage2, want: "error: --secret-stdin nope: the demo connector has no field \"nope\"; its fields are api-key, include-roles, tenant, user-count\n"},
		{name: "secret-stdin empty", args: test("--set", "tenant=a", "--secret-stdin", "api-key"), code: usage2, want: "error: --secret-stdin api-key: standard input was empty\n"},
		{name: "secret-stdin blank", args: test("--set", "tenant=a", "--secret-stdin", "api-key"), stdin: "  \n", code: usage2, want: "error: invalid connector settings:\napi-key: value is only white space\n"},
		// test: other flags.
		{name: "auth-method unknown", args: test("--set", "tenant=a", "--auth-method", "oauth"), code: usage2, want: "error: --auth-method \"oauth\": the demo connector has no such auth method\n"},
		{name: "auth-method from env unknown", args: test("--set", "tenant=a"), env: []string{"BATON_AUTH_METHOD=oauth"}, code: usage2, want: "error: --auth-method \"oauth\": the demo connector has no such auth method\n"},
		{name: "timeout negative", args: test("--set", "tenant=a", "--timeout", "-1s"), code: usage2, want: "error: --timeout -1s: must be at least 1s (there is no unlimited; give a long one, such as 24h)\n"},
		{name: "timeout zero", args: test("--set", "tenant=a", "--timeout", "0"), code: usage2, want: "error: --timeout 0s: must be at least 1s (there is no unlimited; give a long one, such as 24h)\n"},
		{name: "timeout below a second", args: test("--set", "tenant=a", "--timeout", "10ms"), code: usage2, want: "error: --timeout 10ms: must be at least 1s (there is no unlimited; give a long one, such as 24h)\n"},
		{name: "timeout without unit", args: test("--set", "tenant=a", "--timeout", "5"), code: usage2, want: "error: invalid argument \"5\" for \"--timeout\" flag: time: missing unit in duration \"5\"\n"},
		{name: "timeout empty", args: test("--set", "tenant=a", "--timeout", ""), code: usage2, want: "error: invalid argument \"\" for \"--timeout\" flag: time: invalid duration \"\"\n"},
		{name: "quick not a bool", args: test("--set", "tenant=a", "--quick=maybe"), code: usage2, want: "error: invalid argument \"maybe\" for \"--quick\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax\n"},
		{name: "json not a bool", args: test("--set", "tenant=a", "--json=yes please"), code: usage2, want: "error: invalid argument \"yes please\" for \"--json\" flag: strconv.ParseBool: parsing \"yes please\": invalid syntax\n"},
		{name: "positional argument", args: test("--set", "tenant=a", "extra"), code: usage2, want: "error: baton-setup test: unexpected argument \"extra\": it takes only flags\nusage: baton-setup test --connector NAME [--set field=value]... | --profile NAME [flags]\n"},
		{name: "flag without value", args: test("--set"), code: usage2, want: "error: flag needs an argument: --set\n"},
		// test: --plan.
		{name: "plan missing", args: []string{"test", "--plan", "{H}/nope.json"}, code: usage2, want: "error: load plan: open {H}/nope.json: no such file or directory\n"},
		{name: "plan empty path", args: []string{"test", "--plan", ""}, code: usage2, want: "error: no connector given\nhint: name one with --connector: demo, a catalog name such as okta, or a path\n"},
		{name: "plan a directory", args: []string{"test", "--plan", "{H}/adir"}, code: usage2, want: "error: load plan: read {H}/adir: is a directory\n"},
		{name: "plan garbage", args: []string{"test", "--plan", "{H}/garbage.json"}, code: usage2, want: "error: load plan {H}/garbage.json: not valid JSON at byte 2: invalid character 'n' looking for beginning of object key string\n"},
		{name: "plan a named pipe", args: []string{"test", "--plan", "{H}/fifo"}, code: usage2, want: "error: load plan {H}/fifo: not a regular file\n"},
		{name: "plan a device", args: []string{"test", "--plan", "/dev/null"}, code: usage2, want: "error: load plan /dev/null: not a regular file\n"},
		{name: "plan empty file", args: []string{"test", "--plan", "{H}/empty.json"}, code: usage2, want: "error: load plan {H}/empty.json: the file is empty\n"},
		{name: "plan is an array", args: []string{"test", "--plan", "{H}/array.json"}, code: usage2, want: "error: load plan {H}/array.json: want a JSON object, not array\n"},
		{name: "plan unknown key", args: []string{"test", "--plan", "{H}/unknown.json"}, code: usage2, want: "error: load plan {H}/unknown.json: unknown key \"colour\": a plan holds only what generate and the wizard save (was it written by a newer baton-setup?)\n"},
		{name: "plan version key", args: []string{"test", "--plan", "{H}/version.json"}, code: usage2, want: "error: load plan {H}/version.json: unknown key \"version\": a plan holds only what generate and the wizard save (was it written by a newer baton-setup?)\n"},
		{name: "plan wrong type", args: []string{"test", "--plan", "{H}/wrongtype.json"}, code: usage2, want: "error: load plan {H}/wrongtype.json: key \"profile\": want string, not number\n"},
		{name: "plan trailing garbage", args: []string{"test", "--plan", "{H}/trailing.json"}, code: usage2, want: "error: load plan {H}/trailing.json: more data follows the plan's closing brace\n"},
		{name: "plan without connector", args: []string{"test", "--plan", "{H}/noconnector.json"}, code: usage2, want: "error: no connector given\nhint: name one with --connector: demo, a catalog name such as okta, or a path\n"},
		{name: "plan unknown value", args: []string{"test", "--plan", "{H}/unknownvalue.json"}, code: usage2, want: "error: plan value colour: the demo connector has no such field\n"},

		// generate: destination.
		{name: "dest missing", args: gen(), code: usage2, want: "error: --dest is required: s3://BUCKET/KEY, or local for manual upload\n"},
		{name: "dest empty", args: gen("--dest", ""), code: usage2, want: "error: --dest is required: s3://BUCKET/KEY, or local for manual upload\n"},
		{name: "dest blank", args: gen("--dest", "  "), code: usage2, want: "error: parse destination \"\": want s3://BUCKET/KEY or local\n"},
		{name: "dest other scheme", args: gen("--dest", "gs://bucket/sync.c1z"), code: usage2, want: "error: parse destination \"gs://bucket/sync.c1z\": want s3://BUCKET/KEY or local\n"},
		{name: "dest a local path", args: gen("--dest", "/tmp/sync.c1z"), code: usage2, want: "error: parse destination \"/tmp/sync.c1z\": want s3://BUCKET/KEY or local\n"},
		{name: "dest s3 without bucket", args: gen("--dest", "s3://"), code: usage2, want: "error: bucket \"\": use 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit\n"},
		{name: "dest s3 without key", args: gen("--dest", "s3://good-bucket"), code: usage2, want: "error: object key \"\": give a file name such as baton/okta/sync.c1z (no leading or trailing /)\n"},
		{name: "dest s3 key is a folder", args: gen("--dest", "s3://good-bucket/baton/"), code: usage2, want: "error: object key \"baton/\": give a file name such as baton/okta/sync.c1z (no leading or trailing /)\n"},
		{name: "dest key not c1z", args: gen("--dest", "s3://good-bucket/sync.zip"), code: usage2, want: "error: object key \"sync.zip\": must end in .c1z\n"},
		{name: "dest key too long", args: gen("--dest", "s3://good-bucket/"+strings.Repeat("k", 1030)+".c1z"), code: usage2, want: "error: object key: longer than 1024 bytes\n"},
		{name: "bucket upper case", args: gen("--dest", "s3://Good-Bucket/sync.c1z"), code: usage2, want: "error: bucket \"Good-Bucket\": use 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit\n"},
		{name: "bucket too short", args: gen("--dest", "s3://ab/sync.c1z"), code: usage2, want: "error: bucket \"ab\": use 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit\n"},
		{name: "bucket too long", args: gen("--dest", "s3://"+strings.Repeat("b", 64)+"/sync.c1z"), code: usage2, want: "error: bucket \"bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\": use 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit\n"},
		{name: "bucket underscore", args: gen("--dest", "s3://good_bucket/sync.c1z"), code: usage2, want: "error: bucket \"good_bucket\": use 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit\n"},
		{name: "bucket leading hyphen", args: gen("--dest", "s3://-bucket/sync.c1z"), code: usage2, want: "error: bucket \"-bucket\": use 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit\n"},
		{name: "bucket an IP address", args: gen("--dest", "s3://192.168.1.1/sync.c1z"), code: usage2, want: "error: bucket \"192.168.1.1\": S3 bucket names cannot be IP addresses\n"},
		{name: "bucket with a reserved prefix", args: gen("--dest", "s3://xn--bucket/sync.c1z"), code: usage2, want: "error: bucket \"xn--bucket\": S3 reserves names starting with xn-- (internationalized domain names)\n"},
		{name: "bucket with a reserved suffix", args: gen("--dest", "s3://good-bucket-s3alias/sync.c1z"), code: usage2, want: "error: bucket \"good-bucket-s3alias\": S3 reserves names ending with -s3alias (access point aliases)\n"},
		{name: "bucket with a dot next to a hyphen", args: gen("--dest", "s3://my.-bucket/sync.c1z"), code: usage2, want: "error: bucket \"my.-bucket\": S3 refuses a dot next to a hyphen\n"},
		{name: "key with a .. segment", args: gen("--dest", "s3://good-bucket/baton/../sync.c1z"), code: usage2, want: "error: object key \"baton/../sync.c1z\": has a \"..\" segment, which S3 keeps as it is but URLs, the console and other tools resolve as a path; name the object without it\n"},
		{name: "key with a line break", args: gen("--dest", "s3://good-bucket/baton\n/sync.c1z"), code: usage2, want: "error: object key \"baton\\n/sync.c1z\": contains a line break, a tab or another control character\n"},
		{name: "bucket an ARN", args: gen("--dest", "s3://arn:aws:s3:::good-bucket/sync.c1z"), code: usage2, want: "error: bucket \"arn:aws:s3:::good-bucket\": use 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit\n"},
		{name: "region with spaces", args: genS3("--region", "US East 1"), code: usage2, want: "error: region \"US East 1\": want a region name such as us-east-1\n"},
		{name: "region blank", args: genS3("--region", " "), code: usage2, want: "error: region \" \": want a region name such as us-east-1\n"},
		{name: "region a number", args: genS3("--region", "1"), code: usage2, want: "error: region \"1\": want a region name such as us-east-1\n"},
		{name: "region an availability zone", args: genS3("--region", "us-east-1a"), code: usage2, want: "error: region \"us-east-1a\": want a region name such as us-east-1\n"},
		{name: "region too long", args: genS3("--region", long), code: usage2, want: "error: region \"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\": want a region name such as us-east-1\n"},
		{name: "endpoint other scheme", args: genS3("--endpoint", "ftp://minio.local:9000"), code: usage2, want: "error: endpoint \"ftp://minio.local:9000\": want an http(s) URL\n"},
		{name: "endpoint no scheme", args: genS3("--endpoint", "minio.local:9000"), code: usage2, want: "error: endpoint \"minio.local:9000\": want an http(s) URL\n"},
		{name: "endpoint no host", args: genS3("--endpoint", "http://"), code: usage2, want: "error: endpoint \"http://\": want an http(s) URL\n"},
		{name: "endpoint blank", args: genS3("--endpoint", " "), code: usage2, want: "error: endpoint \" \": want an http(s) URL\n"},
		{name: "endpoint with spaces", args: genS3("--endpoint", "http://minio local:9000"), code: usage2, want: "error: endpoint \"http://minio local:9000\": want an http(s) URL\n"},
		{name: "role-arn not an ARN", args: genS3("--role-arn", "my-role"), code: usage2, want: "error: role ARN \"my-role\": want arn:aws:iam::ACCOUNT:role/NAME\n"},
		{name: "role-arn a user", args: genS3("--role-arn", "arn:aws:iam::123456789012:user/alice"), code: usage2, want: "error: role ARN \"arn:aws:iam::123456789012:user/alice\": this is a user, not a role; want arn:aws:iam::ACCOUNT:role/NAME\n"},
		{name: "role-arn an assumed role", args: genS3("--role-arn", "arn:aws:sts::123456789012:assumed-role/r/session"), code: usage2, want: "error: role ARN \"arn:aws:sts::123456789012:assumed-role/r/session\": this is an assumed-role session; give the role itself, arn:aws:iam::ACCOUNT:role/NAME\n"},
		{name: "role-arn short account", args: genS3("--role-arn", "arn:aws:iam::1234:role/r"), code: usage2, want: "error: role ARN \"arn:aws:iam::1234:role/r\": want arn:aws:iam::ACCOUNT:role/NAME (12-digit account, letters, digits and +=,.@_- in the name)\n"},
		{name: "role-arn name too long", args: genS3("--role-arn", "arn:aws:iam::123456789012:role/"+strings.Repeat("r", 65)), code: usage2, want: "error: role ARN \"arn:aws:iam::123456789012:role/rrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrrr\": the role name must have 1-64 characters\n"},
		{name: "external-id without role", args: genS3("--external-id", "abc123"), code: usage2, want: "error: --external-id needs --role-arn\n"},
		{name: "external-id too short", args: genS3("--role-arn", "arn:aws:iam::123456789012:role/c1", "--external-id", "x"), code: usage2, want: "error: external ID: use 2-1224 letters, digits or +=,.@:/-_\n"},
		{name: "external-id bad characters", args: genS3("--role-arn", "arn:aws:iam::123456789012:role/c1", "--external-id", "abc def"), code: usage2, want: "error: external ID: use 2-1224 letters, digits or +=,.@:/-_\n"},
		// generate: schedule.
		{name: "schedule blank", args: genS3("--schedule", " "), code: usage2, want: "error: schedule \"\": want hourly (at a random minute), hourly:MM, every-Nh or every-Nh:MM (N = 2, 3, 4, 6, 8 or 12), daily:HH:MM, or five cron fields such as \"17 * * * *\"\n"},
		{name: "schedule four fields", args: genS3("--schedule", "* * * *"), code: usage2, want: "error: schedule \"* * * *\": want five fields (minute hour day-of-month month day-of-week), e.g. \"17 * * * *\"\n"},
		{name: "schedule six fields", args: genS3("--schedule", "0 * * * * *"), code: usage2, want: "error: schedule \"0 * * * * *\": want five fields (minute hour day-of-month month day-of-week), e.g. \"17 * * * *\"\n"},
		{name: "schedule @hourly", args: genS3("--schedule", "@hourly"), code: usage2, want: "error: schedule \"@hourly\": want hourly (at a random minute), hourly:MM, every-Nh or every-Nh:MM (N = 2, 3, 4, 6, 8 or 12), daily:HH:MM, or five cron fields such as \"17 * * * *\"\n"},
		{name: "schedule @every", args: genS3("--schedule", "@every 1h"), code: usage2, want: "error: schedule \"@every 1h\": @-shortcuts are not portable; use five numeric fields, e.g. \"17 * * * *\"\n"},
		{name: "schedule minute 60", args: genS3("--schedule", "60 * * * *"), code: usage2, want: "error: schedule \"60 * * * *\": minute \"60\": 60 is outside 0-59\n"},
		{name: "schedule hour 24", args: genS3("--schedule", "0 24 * * *"), code: usage2, want: "error: schedule \"0 24 * * *\": hour \"24\": 24 is outside 0-23\n"},
		{name: "schedule step 0", args: genS3("--schedule", "*/0 * * * *"), code: usage2, want: "error: schedule \"*/0 * * * *\": minute \"*/0\": step \"0\" must be a whole number of at least 1\n"},
		{name: "schedule backwards range", args: genS3("--schedule", "30-10 * * * *"), code: usage2, want: "error: schedule \"30-10 * * * *\": minute \"30-10\": range 30-10 runs backwards\n"},
		{name: "schedule day names", args: genS3("--schedule", "0 9 * * MON-FRI"), code: usage2, want: "error: schedule \"0 9 * * MON-FRI\": day of week \"MON-FRI\": \"MON\" is not a number (only digits and * / , - are allowed; no names)\n"},
		{name: "schedule question mark", args: genS3("--schedule", "0 9 ? * *"), code: usage2, want: "error: schedule \"0 9 ? * *\": day of month \"?\": \"?\" is not a number (only digits and * / , - are allowed; no names)\n"},
		{name: "schedule never runs", args: genS3("--schedule", "0 0 30 2 *"), code: usage2, want: "error: schedule \"0 0 30 2 *\": it never runs (no such date)\n"},
		{name: "schedule empty list item", args: genS3("--schedule", "1,,2 * * * *"), code: usage2, want: "error: schedule \"1,,2 * * * *\": minute \"1,,2\": empty item in a list\n"},
		{name: "schedule hourly minute 60", args: genS3("--schedule", "hourly:60"), code: usage2, want: "error: schedule \"hourly:60\": minute 60 is outside 0-59\n"},
		{name: "schedule every-5h", args: genS3("--schedule", "every-5h"), code: usage2, want: "error: every-5h schedule: the number of hours must be 1, 2, 3, 4, 6, 8 or 12, which divide a day evenly; use daily:HH:MM for once a day, or a custom expression\n"},
		{name: "schedule every-24h", args: genS3("--schedule", "every-24h"), code: usage2, want: "error: every-24h schedule: the number of hours must be 1, 2, 3, 4, 6, 8 or 12, which divide a day evenly; use daily:HH:MM for once a day, or a custom expression\n"},
		{name: "schedule every-25h", args: genS3("--schedule", "every-25h"), code: usage2, want: "error: every-25h schedule: the number of hours must be 1, 2, 3, 4, 6, 8 or 12, which divide a day evenly; use daily:HH:MM for once a day, or a custom expression\n"},
		{name: "schedule daily 25:00", args: genS3("--schedule", "daily:25:00"), code: usage2, want: "error: schedule \"daily:25:00\": hour 25 is outside 0-23\n"},
		{name: "schedule daily without time", args: genS3("--schedule", "daily"), code: usage2, want: "error: schedule \"daily\": want hourly (at a random minute), hourly:MM, every-Nh or every-Nh:MM (N = 2, 3, 4, 6, 8 or 12), daily:HH:MM, or five cron fields such as \"17 * * * *\"\n"},
		{name: "schedule weekly", args: genS3("--schedule", "weekly"), code: usage2, want: "error: schedule \"weekly\": want hourly (at a random minute), hourly:MM, every-Nh or every-Nh:MM (N = 2, 3, 4, 6, 8 or 12), daily:HH:MM, or five cron fields such as \"17 * * * *\"\n"},
		{name: "scheduler unknown", args: genS3("--scheduler", "at"), code: usage2, want: "error: --scheduler \"at\": want cron, systemd or launchd\n"},
		{name: "scheduler empty", args: genS3("--scheduler", ""), code: usage2, want: "error: --scheduler \"\": want cron, systemd or launchd\n"},
		{name: "systemd-system with cron", args: genS3("--systemd-system"), code: usage2, want: "error: --systemd-system needs --scheduler systemd\n"},
		{name: "install-cron with systemd", args: genS3("--scheduler", "systemd", "--install-cron"), code: usage2, want: "error: --install-cron and --scheduler systemd exclude each other\n"},
		// generate: the rest.
		{name: "timeout below a second", args: genS3("--timeout", "500ms"), code: usage2, want: "error: --timeout 500ms: must be at least 1s (there is no unlimited; give a long one, such as 24h)\n"},
		{name: "timeout not a duration", args: genS3("--timeout", "1 hour"), code: usage2, want: "error: invalid argument \"1 hour\" for \"--timeout\" flag: time: unknown unit \" hour\" in duration \"1 hour\"\n"},
		{name: "profile upper case", args: genS3("--profile", "Okta"), code: usage2, want: "error: profile \"Okta\": use up to 63 lower-case letters, digits, '-' or '_'\n"},
		{name: "profile with a slash", args: genS3("--profile", "../etc"), code: usage2, want: "error: profile \"../etc\": use up to 63 lower-case letters, digits, '-' or '_'\n"},
		{name: "profile with spaces", args: genS3("--profile", "my okta"), code: usage2, want: "error: profile \"my okta\": use up to 63 lower-case letters, digits, '-' or '_'\n"},
		{name: "profile too long", args: genS3("--profile", strings.Repeat("p", 64)), code: usage2, want: "error: profile \"pppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppppp\": use up to 63 lower-case letters, digits, '-' or '_'\n"},
		{name: "profile not saved", args: []string{"generate", "--profile", "nope"}, code: usage2, want: "error: load profile nope: no such profile in {H}/.config/baton-setup\nhint: baton-setup profiles lists the saved ones; to create it, name its connector with --connector\n"},
		// Found only when writing starts, like any other unusable directory.
		{name: "out is a file", args: genS3("--out", "{H}/finished.c1z"), code: 1, want: "error: refuse to write into {H}/finished.c1z: it is not a directory\n"},
		{name: "out with a percent sign", args: genS3("--out", "{H}/a%b"), code: usage2, want: "error: render files: path \"{H}/a%b\" contains %, a tab, a newline or another control character, which cron cannot run\nhint: give --out a path without them\n"},
		{name: "out with a tab", args: genS3("--out", "{H}/a\tb"), code: usage2, want: "error: render files: path \"{H}/a\\tb\" contains %, a tab, a newline or another control character, which cron cannot run\nhint: give --out a path without them\n"},
		{name: "out blank", args: genS3("--out", " "), code: usage2, want: "error: --out \" \": give a directory path\n"},
		{name: "docker-image with a space", args: genS3("--docker-image", "baton okta"), code: usage2, want: "error: --docker-image: check image \"baton okta\": not an image reference (want e.g. public.ecr.aws/conductorone/baton-okta:latest)\n"},
		{name: "docker-image an option", args: genS3("--docker-image", "--privileged"), code: usage2, want: "error: --docker-image: check image \"--privileged\": not an image reference (want e.g. public.ecr.aws/conductorone/baton-okta:latest)\n"},
		{name: "docker-image with a quote", args: genS3("--docker-image", "img'x"), code: usage2, want: "error: --docker-image: check image \"img'x\": not an image reference (want e.g. public.ecr.aws/conductorone/baton-okta:latest)\n"},
		{name: "generate secret on set", args: gen("--dest", "local", "--set", "api-key=hunter2"), code: usage2, want: "error: --set api-key: api-key is secret and must not be on the command line, where any user can read it with ps\nhint: set BATON_API_KEY in the environment or use --secret-file api-key=PATH\n"},
		{name: "generate unknown field", args: gen("--dest", "local", "--set", "region=us"), code: usage2, want: "error: --set region: the demo connector has no field \"region\"; its fields are api-key, include-roles, tenant, user-count\n"},
		{name: "generate plan garbage", args: []string{"generate", "--plan", "{H}/garbage.json"}, code: usage2, want: "error: load plan {H}/garbage.json: not valid JSON at byte 2: invalid character 'n' looking for beginning of object key string\n"},
		{name: "generate plan unknown key", args: []string{"generate", "--plan", "{H}/unknown.json"}, code: usage2, want: "error: load plan {H}/unknown.json: unknown key \"colour\": a plan holds only what generate and the wizard save (was it written by a newer baton-setup?)\n"},
		{name: "generate dry-run not a bool", args: genS3("--dry-run=perhaps"), code: usage2, want: "error: invalid argument \"perhaps\" for \"--dry-run\" flag: strconv.ParseBool: parsing \"perhaps\": invalid syntax\n"},

		// generate: targets, modes and uploader credentials.
		{name: "target unknown", args: genS3("--target", "nomad"), code: usage2, want: "error: --target \"nomad\": want host or kubernetes\n"},
		{name: "target empty", args: genS3("--target", ""), code: usage2, want: "error: --target \"\": want host or kubernetes\n"},
		{name: "mode unknown", args: genS3("--mode", "daemon"), code: usage2, want: "error: --mode \"daemon\": want sync or service\n"},
		{name: "service mode with a destination", args: genS3("--mode", "service"), code: usage2, want: "error: --dest: service mode has no sync file, upload or schedule; the connector takes its tasks from ConductorOne itself\n"},
		{name: "client-id without service mode", args: genS3("--client-id", "abc"), code: usage2, want: "error: --client-id is for --mode service\n"},
		{name: "aws-credentials unknown", args: genS3("--aws-credentials", "sso"), code: usage2, want: "error: --aws-credentials \"sso\": want default, profile, role or static\n"},
		{name: "aws-credentials profile without a name", args: genS3("--aws-credentials", "profile"), code: usage2, want: "error: --aws-credentials profile needs --aws-profile NAME\n"},
		{name: "aws-profile with a space", args: genS3("--aws-profile", "my profile"), code: usage2, want: "error: AWS profile \"my profile\": use letters, digits or _.@+=,-\n"},
		{name: "namespace invalid", args: genS3("--target", "kubernetes", "--namespace", "Baton_NS"), code: usage2, want: "error: --namespace: namespace \"Baton_NS\": use up to 63 lower-case letters, digits or '-', starting and ending with a letter or digit\n"},
		{name: "namespace without kubernetes", args: genS3("--namespace", "baton"), code: usage2, want: "error: --namespace is for --target kubernetes\n"},
		{name: "uploader-image with a space", args: genS3("--target", "kubernetes", "--uploader-image", "baton setup"), code: usage2, want: "error: --uploader-image: check image \"baton setup\": not an image reference (want e.g. public.ecr.aws/conductorone/baton-okta:latest)\n"},
		{name: "test docker-image with a space", args: test("--set", "tenant=a", "--docker-image", "baton okta"), code: usage2, want: "error: --docker-image: check image \"baton okta\": not an image reference (want e.g. public.ecr.aws/conductorone/baton-okta:latest)\n"},

		// upload.
		{name: "aws-credentials unknown", args: up("--dest", "s3://good-bucket/u/sync.c1z", "--aws-credentials", "sso"), code: usage2, want: "error: --aws-credentials \"sso\": want default, profile, role or static\n"},
		{name: "secret-file unknown key", args: up("--dest", "s3://good-bucket/u/sync.c1z", "--secret-file", "password={H}/key"), code: usage2, want: "error: --secret-file \"password={H}/key\": want aws-access-key-id=PATH or aws-secret-access-key=PATH\n"},

		// install.
		{name: "no connector", args: []string{"install"}, code: usage2, want: "error: baton-setup install: accepts 1 arg(s), received 0\nusage: baton-setup install NAME [flags]\n"},
		{name: "not in the catalog", args: []string{"install", "nosuchthing"}, code: usage2, want: "error: install nosuchthing: not a connector in the catalog\n"},
		{name: "method unknown", args: []string{"install", "okta", "--method", "apt"}, code: usage2, want: "error: --method: install method \"apt\": want brew, go or docker\n"},
		{name: "status offline not a bool", args: []string{"status", "--offline=maybe"}, code: usage2, want: "error: invalid argument \"maybe\" for \"--offline\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax\n"},
		{name: "file missing flag", args: []string{"upload", "--dest", "s3://good-bucket/u/sync.c1z"}, code: usage2, want: "error: --file is required\n"},
		{name: "file empty", args: []string{"upload", "--file", "", "--dest", "s3://good-bucket/u/sync.c1z"}, code: usage2, want: "error: --file is required\n"},
		{name: "dest missing", args: up(), code: usage2, want: "error: --dest is required: s3://BUCKET/KEY\n"},
		{name: "dest local", args: up("--dest", "local"), code: usage2, want: "error: --dest local: needs an s3:// destination\n"},
		{name: "dest not s3", args: up("--dest", "https://good-bucket.s3.amazonaws.com/sync.c1z"), code: usage2, want: "error: parse destination \"https://good-bucket.s3.amazonaws.com/sync.c1z\": want s3://BUCKET/KEY or local\n"},
		{name: "bucket upper case", args: up("--dest", "s3://B/x.c1z"), code: usage2, want: "error: bucket \"B\": use 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit\n"},
		{name: "key not c1z", args: up("--dest", "s3://good-bucket/sync"), code: usage2, want: "error: object key \"sync\": must end in .c1z\n"},
		{name: "region bad", args: up("--dest", "s3://good-bucket/u/sync.c1z", "--region", "eu_west_1"), code: usage2, want: "error: region \"eu_west_1\": want a region name such as us-east-1\n"},
		{name: "endpoint bad", args: up("--dest", "s3://good-bucket/u/sync.c1z", "--endpoint", "localhost:9000"), code: usage2, want: "error: endpoint \"localhost:9000\": want an http(s) URL\n"},
		{name: "role-arn bad", args: up("--dest", "s3://good-bucket/u/sync.c1z", "--role-arn", "role/c1"), code: usage2, want: "error: role ARN \"role/c1\": want arn:aws:iam::ACCOUNT:role/NAME\n"},
		{name: "external-id without role", args: up("--dest", "s3://good-bucket/u/sync.c1z", "--external-id", "abc123"), code: usage2, want: "error: --external-id needs --role-arn\n"},
		{name: "state empty", args: up("--dest", "s3://good-bucket/u/sync.c1z", "--state", ""), code: usage2, want: "error: --state \"\": no file name given\n"},
		{name: "state blank", args: up("--dest", "s3://good-bucket/u/sync.c1z", "--state", "   "), code: usage2, want: "error: --state \"   \": no file name given\n"},
		{name: "state blank file name", args: up("--dest", "s3://good-bucket/u/sync.c1z", "--state", "{H}/ "), code: usage2, want: "error: --state \"{H}/ \": the file name is blank\n"},
		{name: "state with a newline", args: up("--dest", "s3://good-bucket/u/sync.c1z", "--state", "{H}/last\nupload.json"), code: usage2, want: "error: --state \"{H}/last\\nupload.json\": the path contains a line break or another control character\n"},
		{name: "state a directory", args: up("--dest", "s3://good-bucket/u/sync.c1z", "--state", "{H}/"), code: usage2, want: "error: --state \"{H}/\": the path names a directory, not a file\n"},
		{name: "positional argument", args: up("--dest", "s3://good-bucket/u/sync.c1z", "extra.c1z"), code: usage2, want: "error: baton-setup upload: unexpected argument \"extra.c1z\": it takes only flags\nusage: baton-setup upload --file PATH --dest s3://BUCKET/KEY [flags]\n"},

		// s3 check.
		{name: "dest missing", args: check(), code: usage2, want: "error: --dest is required: s3://BUCKET/KEY\n"},
		{name: "dest local", args: check("--dest", "local"), code: usage2, want: "error: --dest local: needs an s3:// destination\n"},
		{name: "dest without key", args: check("--dest", "s3://good-bucket"), code: usage2, want: "error: object key \"\": give a file name such as baton/okta/sync.c1z (no leading or trailing /)\n"},
		{name: "bucket with underscore", args: check("--dest", "s3://good_bucket/x.c1z"), code: usage2, want: "error: bucket \"good_bucket\": use 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit\n"},
		{name: "external-id without role", args: check("--dest", "s3://good-bucket/x.c1z", "--external-id", "abc123"), code: usage2, want: "error: --external-id needs --role-arn\n"},
		{name: "role-arn a user", args: check("--dest", "s3://good-bucket/x.c1z", "--role-arn", "arn:aws:iam::123456789012:user/bob"), code: usage2, want: "error: role ARN \"arn:aws:iam::123456789012:user/bob\": this is a user, not a role; want arn:aws:iam::ACCOUNT:role/NAME\n"},
		{name: "unknown subcommand", args: []string{"s3", "nope"}, code: usage2, want: "error: unknown command \"nope\" for \"baton-setup s3\"\n"},

		// inspect.
		{name: "no file", args: []string{"inspect"}, code: usage2, want: "error: baton-setup inspect: accepts 1 arg(s), received 0\nusage: baton-setup inspect FILE.c1z [flags]\n"},
		{name: "two files", args: []string{"inspect", "a.c1z", "b.c1z"}, code: usage2, want: "error: baton-setup inspect: accepts 1 arg(s), received 2\nusage: baton-setup inspect FILE.c1z [flags]\n"},
		{name: "a named pipe", args: []string{"inspect", "{H}/fifo"}, code: 1, want: "error: read sync file {H}/fifo: not a regular file\n"},
		{name: "a device", args: []string{"inspect", "/dev/null"}, code: 1, want: "error: read sync file /dev/null: not a regular file\n"},
		{name: "TMPDIR missing", args: []string{"inspect", "{H}/finished.c1z"}, env: []string{"TMPDIR={H}/no-tmp"}, code: 1, want: "error: use temporary directory {H}/no-tmp (TMPDIR): no such file or directory\nhint: sync files are unpacked there; make it a directory you can write to, or set TMPDIR to one\n"},
		{name: "empty path", args: []string{"inspect", ""}, code: usage2, want: "error: inspect: the file name is empty; give the path of a c1z file\n"},

		// profiles, plan show, doctor, status.
		{name: "positional argument", args: []string{"profiles", "demo"}, code: usage2, want: "error: baton-setup profiles: unexpected argument \"demo\": it takes only flags\nusage: baton-setup profiles [flags]\n"},
		{name: "json not a bool", args: []string{"profiles", "--json=2"}, code: usage2, want: "error: invalid argument \"2\" for \"--json\" flag: strconv.ParseBool: parsing \"2\": invalid syntax\n"},
		{name: "profile missing", args: []string{"plan", "show"}, code: usage2, want: "error: --profile is required\n"},
		{name: "profile bad name", args: []string{"plan", "show", "--profile", "Bad/Name"}, code: usage2, want: "error: profile \"Bad/Name\": use up to 63 lower-case letters, digits, '-' or '_'\n"},
		{name: "profile not saved", args: []string{"plan", "show", "--profile", "nope"}, code: usage2, want: "error: load profile nope: no such profile in {H}/.config/baton-setup\nhint: baton-setup profiles lists the saved ones\n"},
		{name: "profile missing", args: []string{"doctor"}, code: usage2, want: "error: give exactly one of --profile NAME (see baton-setup profiles) and --dir DIR\n"},
		{name: "profile bad name", args: []string{"doctor", "--profile", "../x"}, code: usage2, want: "error: profile \"../x\": use up to 63 lower-case letters, digits, '-' or '_'\n"},
		{name: "profile not saved", args: []string{"doctor", "--profile", "nope"}, code: usage2, want: "error: load profile nope: no such profile in {H}/.config/baton-setup\nhint: baton-setup profiles lists the saved ones\n"},
		{name: "neither profile nor dir", args: []string{"verify"}, code: usage2, want: "error: give exactly one of --profile NAME (see baton-setup profiles) and --dir DIR\n"},
		{name: "both profile and dir", args: []string{"verify", "--profile", "good", "--dir", "{H}/adir"}, code: usage2, want: "error: give exactly one of --profile NAME (see baton-setup profiles) and --dir DIR\n"},
		{name: "profile bad name", args: []string{"verify", "--profile", "GOOD"}, code: usage2, want: "error: profile \"GOOD\": use up to 63 lower-case letters, digits, '-' or '_'\n"},
		{name: "profile not saved", args: []string{"verify", "--profile", "nope"}, code: usage2, want: "error: load profile nope: no such profile in {H}/.config/baton-setup\nhint: baton-setup profiles lists the saved ones\n"},
		{name: "dir without a plan", args: []string{"verify", "--dir", "{H}/adir"}, code: usage2, want: "error: load plan: open {H}/adir/plan.json: no such file or directory\nhint: write the profile first with baton-setup generate (or the wizard), or point --dir at its directory\n"},
		{name: "positional argument", args: []string{"verify", "good"}, code: usage2, want: "error: baton-setup verify: unexpected argument \"good\": it takes only flags\nusage: baton-setup verify --profile NAME | --dir DIR [flags]\n"},
		{name: "verify with dry-run", args: gen("--dest", "local", "--dry-run", "--verify"), code: usage2, want: "error: --verify runs a scheduled sync on this machine: not with --dry-run, --target kubernetes or --mode service\n"},
		{name: "positional argument", args: []string{"status", "good"}, code: usage2, want: "error: baton-setup status: unexpected argument \"good\": it takes only flags\nusage: baton-setup status [flags]\n"},

		// schedule.
		{name: "neither profile nor dir", args: []string{"schedule", "install"}, code: usage2, want: "error: give exactly one of --profile NAME (see baton-setup profiles) and --dir DIR\n"},
		{name: "both profile and dir", args: []string{"schedule", "install", "--profile", "good", "--dir", "{H}/adir"}, code: usage2, want: "error: give exactly one of --profile NAME (see baton-setup profiles) and --dir DIR\n"},
		{name: "profile bad name", args: []string{"schedule", "install", "--profile", "GOOD"}, code: usage2, want: "error: profile \"GOOD\": use up to 63 lower-case letters, digits, '-' or '_'\n"},
		{name: "scheduler unknown", args: []string{"schedule", "install", "--profile", "good", "--scheduler", "at"}, code: usage2, want: "error: --scheduler \"at\": want cron, systemd or launchd\n"},
		{name: "profile not saved", args: []string{"schedule", "install", "--profile", "nope"}, code: usage2, want: "error: load profile nope: no such profile in {H}/.config/baton-setup\nhint: baton-setup profiles lists the saved ones\n"},
		{name: "dir without a plan", args: []string{"schedule", "install", "--dir", "{H}/adir"}, code: usage2, want: "error: load plan: open {H}/adir/plan.json: no such file or directory\nhint: write the profile first with baton-setup generate (or the wizard), or point --dir at its directory\n"},
		{name: "neither profile nor dir", args: []string{"schedule", "remove"}, code: usage2, want: "error: give exactly one of --profile NAME (see baton-setup profiles) and --dir DIR\n"},
		{name: "profile empty", args: []string{"schedule", "remove", "--profile", ""}, code: usage2, want: "error: give exactly one of --profile NAME (see baton-setup profiles) and --dir DIR\n"},
		{name: "no action", args: []string{"schedule", "enable"}, code: usage2, want: "error: unknown command \"enable\" for \"baton-setup schedule\"\n"},

		// test --profile.
		{name: "profile and plan", args: []string{"test", "--profile", "good", "--plan", "{H}/noconnector.json"}, code: usage2, want: "error: --profile and --plan exclude each other: a profile has its own plan\n"},
		{name: "profile bad name", args: []string{"test", "--profile", "GOOD"}, code: usage2, want: "error: profile \"GOOD\": use up to 63 lower-case letters, digits, '-' or '_'\n"},
		{name: "profile not saved", args: []string{"test", "--profile", "nope"}, code: usage2, want: "error: load profile nope: no such profile in {H}/.config/baton-setup\nhint: baton-setup profiles lists the saved ones\n"},

		// regenerate.
		{name: "neither profile nor all", args: []string{"regenerate"}, code: usage2, want: "error: give exactly one of --profile NAME and --all\n"},
		{name: "both profile and all", args: []string{"regenerate", "--profile", "good", "--all"}, code: usage2, want: "error: give exactly one of --profile NAME and --all\n"},
		{name: "profile bad name", args: []string{"regenerate", "--profile", "GOOD"}, code: usage2, want: "error: profile \"GOOD\": use up to 63 lower-case letters, digits, '-' or '_'\n"},
		{name: "profile not saved", args: []string{"regenerate", "--profile", "nope"}, code: usage2, want: "error: load profile nope: no such profile in {H}/.config/baton-setup\nhint: baton-setup profiles lists the saved ones\n"},
		{name: "positional argument", args: []string{"regenerate", "good"}, code: usage2, want: "error: baton-setup regenerate: unexpected argument \"good\": it takes only flags\nusage: baton-setup regenerate --profile NAME | --all [flags]\n"},

		// connectors.
		{name: "two queries", args: []string{"connectors", "okta", "github"}, code: usage2, want: "error: baton-setup connectors: accepts at most 1 arg(s), received 2\nusage: baton-setup connectors [QUERY] [flags]\n"},
		{name: "installed not a bool", args: []string{"connectors", "--installed=some"}, code: usage2, want: "error: invalid argument \"some\" for \"--installed\" flag: strconv.ParseBool: parsing \"some\": invalid syntax\n"},
	}
	return rows
}

// badFixtures writes the files the rows refer to, and a saved profile
// "good".
func badFixtures(t *testing.T, home string) {
	t.Helper()
	files := map[string]string{
		"garbage.json":      "{not json",
		"empty.json":        "",
		"array.json":        "[]\n",
		"unknown.json":      `{"profile":"x","colour":"blue"}`,
		"version.json":      `{"version":99,"profile":"x"}`,
		"wrongtype.json":    `{"profile":42}`,
		"trailing.json":     `{"profile":"x"} {"profile":"y"}`,
		"noconnector.json":  `{"profile":"x"}`,
		"unknownvalue.json": `{"connector":{"name":"demo"},"values":{"colour":"blue"}}`,
		"key":               "k\n",
		"huge":              strings.Repeat("x", 100<<10),
		"empty-key":         "",
	}
	for name, content := range files {
		if err := os.WriteFile(filepath.Join(home, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(home, "adir"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(home, "fifo"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := append(testenv.CleanEnv(home), "BATON_TENANT=acme", "BATON_API_KEY=k")
	if r := run(t, env, home, bin, "demo-connector", "--file", filepath.Join(home, "finished.c1z")); r.code != 0 {
		t.Fatalf("demo-connector: exit %d\n%s", r.code, tail(r.stderr, 5))
	}
	if r := run(t, env, home, bin, "generate", "--connector", "demo", "--dest", "s3://good-bucket/g/sync.c1z", "--profile", "good"); r.code != 0 {
		t.Fatalf("generate the good profile: exit %d\n%s", r.code, r.stderr)
	}
}

// TestBadInput runs every row against the real binary and compares the
// whole of stderr and the exit code. BADINPUT_RECORD=1 prints what each
// row actually gives instead, for reviewing new rows.
func TestBadInput(t *testing.T) {
	home := t.TempDir()
	badFixtures(t, home)
	rows := badInputRows()
	record := os.Getenv("BADINPUT_RECORD") != ""
	perCommand := map[string]int{}
	seen := map[string]bool{}
	for _, row := range rows {
		key := row.command() + "/" + row.name
		if seen[key] {
			t.Fatalf("two rows named %q", key)
		}
		seen[key] = true
		perCommand[row.command()]++
	}
	t.Run("rows", func(t *testing.T) {
		for i, row := range rows {
			t.Run(row.command()+"/"+row.name, func(t *testing.T) {
				t.Parallel()
				args := make([]string, len(row.args))
				for i, a := range row.args {
					args[i] = strings.ReplaceAll(a, "{H}", home)
				}
				env := append(testenv.CleanEnv(home), "BATON_API_KEY=k")
				env = append(env, row.env...)
				stdout, stderr, code := runStdin(t, env, home, row.stdin, args...)
				got := strings.ReplaceAll(stderr, home, "{H}")
				if record {
					t.Logf("\nROW %d\ncode: %d\nwant: %s", i, code, strconv.Quote(got))
					return
				}
				if code != row.code {
					t.Errorf("exit %d, want %d", code, row.code)
				}
				if got != row.want {
					t.Errorf("stderr:\n%s\nwant:\n%s", got, row.want)
				}
				if stdout != "" {
					t.Errorf("stdout not empty:\n%s", stdout)
				}
				if strings.Contains(stderr, "hunter2") {
					t.Error("the secret given on the command line was echoed")
				}
			})
		}
	})
	var names []string
	for c := range perCommand {
		names = append(names, c)
	}
	sort.Strings(names)
	var parts []string
	for _, c := range names {
		parts = append(parts, fmt.Sprintf("%s %d", c, perCommand[c]))
	}
	t.Logf("bad-input rows: %d", len(rows))
	t.Logf("bad-input rows per command: %s", strings.Join(parts, ", "))
}

// runStdin runs the binary with stdin and returns stdout, stderr and the
// exit code.
func runStdin(t *testing.T, env []string, dir, stdin string, args ...string) (string, string, int) {
	t.Helper()
	r := testenv.Run(t, env, dir, strings.NewReader(stdin), bin, args...)
	return r.Stdout, r.Stderr, r.Code
}
