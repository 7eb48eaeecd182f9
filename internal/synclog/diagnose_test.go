package synclog

import (
	"strings"
	"testing"
)

func TestDiagnose(t *testing.T) {
	tests := []struct {
		name     string
		text     string // the trailing error text
		exit     int
		timedOut bool
		want     Cause
		summary  string // a substring of Summary, if set
		hint     string // a substring of Hint, if set
		readLog  bool
	}{
		{name: "exit 16 alone", exit: 16, want: CauseCredentials},
		{name: "contract example", text: "rpc error: code = Unauthenticated desc = validate failed: rpc error: code = Unauthenticated desc = demo: invalid API key (401 from upstream)", exit: 16, want: CauseCredentials},
		{name: "401 in text", text: "GET http://127.0.0.1:4321/api/v3/user/orgs: 401 Bad credentials []", exit: 1, want: CauseCredentials},
		{name: "okta invalid token", text: "okta-connector: the API returned an error: Invalid token provided", exit: 2, want: CauseCredentials},
		{name: "ldap", text: `LDAP Result Code 49 "Invalid Credentials": `, exit: 1, want: CauseCredentials},
		{name: "postgres", text: `failed to connect to host=127.0.0.1 user=baton database=app: failed SASL auth (FATAL: password authentication failed for user "baton" (SQLSTATE 28P01))`, exit: 1, want: CauseCredentials},
		{name: "mysql access denied", text: "Error 1045 (28000): Access denied for user 'baton'@'127.0.0.1' (using password: YES)", exit: 1, want: CauseCredentials},
		{name: "invalid_client", text: `oauth2: "invalid_client" "Client authentication failed"`, exit: 1, want: CauseCredentials},
		{name: "403", text: "GET https://api.example.com/v1/groups: 403 Forbidden", exit: 1, want: CausePermission},
		{name: "permission denied code", text: "rpc error: code = PermissionDenied desc = missing role", exit: 7, want: CausePermission},
		{name: "github app", text: "GET https://api.github.com/orgs/x/members: Resource not accessible by integration []", exit: 1, want: CausePermission},
		{name: "permission word", text: "the user lacks the permission to list groups", exit: 1, want: CausePermission},
		{name: "403 beats access denied", text: "403: Access denied to /admin", exit: 1, want: CausePermission},
		{name: "local file permission", text: "open /srv/out/sync.c1z.tmp: permission denied", exit: 2, want: CausePermission, summary: "local file"},
		{name: "429", text: "GET https://x/api: 429 Too Many Requests", exit: 1, want: CauseRateLimit},
		{name: "disk full in pebble", text: "pebble FATAL: MANIFEST flush failed: write /tmp/w/db/MANIFEST-000001: no space left on device", exit: 1, want: CauseDisk, hint: "TMPDIR"},
		{name: "file size limit", text: "write /srv/out/sync.c1z: file too large", exit: 1, want: CauseDisk},
		{name: "rate limit words", text: "API rate limit exceeded for installation", exit: 1, want: CauseRateLimit},
		{name: "DNS", text: `Get "https://nope.okta.com/api/v1/users": dial tcp: lookup nope.okta.com: no such host`, exit: 3, want: CauseNetwork, summary: "DNS"},
		{name: "closed port", text: "dial tcp 127.0.0.1:5432: connect: connection refused", exit: 1, want: CauseNetwork, summary: "host and port"},
		{name: "plain HTTP on TLS port", text: `Get "https://127.0.0.1:8080/api": http: server gave HTTP response to HTTPS client: first record does not look like a TLS handshake`, exit: 1, want: CauseNetwork, summary: "TLS"},
		{name: "untrusted certificate", text: "tls: failed to verify certificate: x509: certificate signed by unknown authority", exit: 1, want: CauseNetwork, summary: "certificate"},
		{name: "unavailable after retries", text: "rpc error: code = Unavailable desc = upstream unavailable", exit: 14, want: CauseNetwork},
		{name: "TLS handshake timeout", text: "rpc error: code = DeadlineExceeded desc = okta: context deadline exceeded\nnet/http: TLS handshake timeout", exit: 4, want: CauseTimeout},
		{name: "deadline code", text: "rpc error: code = DeadlineExceeded desc = slow", exit: 4, want: CauseTimeout},
		{name: "our time limit", timedOut: true, exit: -1, want: CauseTimeout, summary: "time limit"},
		{name: "our time limit beats the text", text: "connection refused", timedOut: true, want: CauseTimeout},
		{name: "required within a field group", text: "errors found:\nfield api-token of type string is marked as required but it has a zero-value", exit: 2, want: CauseConfiguration, summary: "A required setting is empty: api-token.", hint: "Set BATON_API_TOKEN, or"},
		{name: "required flags", text: `required flag(s) "domain", "password" not set`, exit: 2, want: CauseConfiguration, summary: "Required settings are missing: domain, password.", hint: "BATON_DOMAIN and BATON_PASSWORD"},
		{name: "unknown flag", text: "unknown flag: --bogus", exit: 2, want: CauseConfiguration, summary: "--bogus"},
		{name: "at least one", text: "at least one of the flags in the group [api-key username] is required", exit: 1, want: CauseConfiguration, hint: "BATON_API_KEY and BATON_USERNAME"},
		{name: "mutually exclusive", text: "if any flags in the group [api-key username] are set none of the others can be; [api-key username] were all set", exit: 1, want: CauseConfiguration, summary: "Only one"},
		{name: "rule violation", text: "errors found:\nfield region: value must be one of [us eu] but got 'zz'", exit: 2, want: CauseConfiguration, summary: "region"},
		{name: "bad flag value", text: `invalid argument "abc" for "--workers" flag: strconv.ParseInt: parsing "abc": invalid syntax`, exit: 1, want: CauseConfiguration, summary: "--workers"},
		{name: "missing password field is configuration, not credentials", text: `required flag(s) "password" not set`, exit: 1, want: CauseConfiguration},
		{name: "missing output directory", text: "error closing store: pebble store close: save failed, store left open and unsaved data preserved under /tmp/c1z-pebble1: open ./out/sync.c1z.tmp: no such file or directory", exit: 2, want: CauseConfiguration, summary: "output"},
		{name: "missing input file", text: "input file not found: /nonexistent.yaml", exit: 1, want: CauseConfiguration, summary: "does not exist"},
		{name: "crash", text: "connector service quit unexpectedly: exit status 2", exit: 1, want: CauseCrash, readLog: true},
		{name: "panic", text: "panic: runtime error: index out of range [3] with length 3", exit: 2, want: CauseCrash, readLog: true},
		{name: "killed", exit: -1, want: CauseCrash},
		{name: "401 inside other numbers is not credentials", text: "request 14012 failed after 401ms at 17:15:49.401: upstream said no (id 4010)", exit: 1, want: CauseUnknown, readLog: true},
		{name: "unknown", text: "something odd happened", exit: 1, want: CauseUnknown, readLog: true},
		{name: "mysql DSN without tcp()", text: "error: default addr for network 'db.example:3306' unknown", exit: 1, want: CauseConfiguration, hint: "@tcp(host:3306)/"},
		{name: "malformed DSN", text: "invalid DSN: missing the slash separating the database name", exit: 1, want: CauseConfiguration, summary: "DSN"},
		{name: "mysql command denied", text: "Error 1142 (42000): SELECT command denied to user 'baton'@'localhost' for table 'user'", exit: 1, want: CausePermission},
		{name: "mysql database denied", text: "Error 1044 (42000): Access denied for user 'baton'@'%' to database 'app'", exit: 1, want: CausePermission},
		{name: "mysql global privilege", text: "Error 1227 (42000): Access denied; you need (at least one of) the PROCESS privilege(s) for this operation", exit: 1, want: CausePermission},
		{name: "unset variable", text: `load config: environment variable "DB_PASSWORD" is not set`, exit: 1, want: CauseConfiguration, summary: "DB_PASSWORD"},
		{name: "unset variable, other wording", text: "missing environment variable: ${LDAP_BIND_PW}", exit: 1, want: CauseConfiguration, summary: "LDAP_BIND_PW"},
		{name: "env var not set", text: "env var BATON_SQL_DSN not set", exit: 1, want: CauseConfiguration, summary: "BATON_SQL_DSN"},
		{name: "nothing at all", exit: 0, want: CauseUnknown, summary: "did not finish"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := ExtractFailure(strings.Split(tt.text, "\n"))
			if tt.text == "" {
				f = Failure{}
			}
			d := Diagnose(f, tt.exit, tt.timedOut)
			if d.Cause != tt.want {
				t.Errorf("Diagnose(%q, %d, %v).Cause = %q, want %q (%s)", tt.text, tt.exit, tt.timedOut, d.Cause, tt.want, d.Summary)
			}
			if d.Summary == "" || d.Hint == "" || !strings.HasSuffix(d.Summary, ".") {
				t.Errorf("want a one-sentence Summary and a Hint, got %+v", d)
			}
			if !strings.Contains(d.Summary, tt.summary) {
				t.Errorf("Summary = %q, want it to mention %q", d.Summary, tt.summary)
			}
			if !strings.Contains(d.Hint, tt.hint) {
				t.Errorf("Hint = %q, want it to mention %q", d.Hint, tt.hint)
			}
			// --log-level is not a flag of baton-setup; how to read the
			// connector's log is for the caller, who knows the connector.
			if d.ReadLog != tt.readLog {
				t.Errorf("ReadLog = %v, want %v", d.ReadLog, tt.readLog)
			}
			if strings.Contains(d.Hint, "--log-level") {
				t.Errorf("Hint = %q names a flag baton-setup does not have", d.Hint)
			}
		})
	}
}

func TestDiagnoseSQLSample(t *testing.T) {
	d := Diagnose(ExtractFailure(readLines(t, sqlSample)), 1, false)
	if d.Cause != CauseCredentials {
		t.Errorf("Cause = %q, want credentials", d.Cause)
	}
}

func TestHTTPStatus(t *testing.T) {
	tests := []struct {
		s    string
		want bool
	}{
		{"401", true},
		{"status 401", true},
		{"(401 from upstream)", true},
		{"HTTP/1.1 401 Unauthorized", true},
		{"code=401.", true},
		{"14012", false},
		{"4010", false},
		{"401ms", false},
		{"12:00:00.401Z", false},
		{"x401", false},
		{"4401 then 401", true},
	}
	for _, tt := range tests {
		if got := httpStatus(tt.s, "401"); got != tt.want {
			t.Errorf("httpStatus(%q, 401) = %v, want %v", tt.s, got, tt.want)
		}
	}
}
