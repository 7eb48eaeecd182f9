package synclog

import (
	"fmt"
	"slices"
	"strings"

	"github.com/conductorone/baton-setup/internal/lazyre"
)

// Cause is the likely reason a run failed.
type Cause string

// The causes Diagnose can give.
const (
	CauseCredentials   Cause = "credentials"
	CausePermission    Cause = "permission"
	CauseRateLimit     Cause = "rate-limit"
	CauseNetwork       Cause = "network"
	CauseTimeout       Cause = "timeout"
	CauseConfiguration Cause = "configuration"
	CauseCrash         Cause = "crash"
	CauseDisk          Cause = "disk"
	CauseUnknown       Cause = "unknown"
)

// Diagnosis is a plain explanation of a failure.
type Diagnosis struct {
	Cause   Cause
	Summary string // one plain sentence saying what went wrong
	Hint    string // what to do about it
	// ReadLog is set when the error alone does not explain the failure and
	// the connector's full log, at debug level, would. How to get that log
	// depends on the connector, which this package does not know.
	ReadLog bool `json:"-"`
}

// Diagnose maps a failure, the exit code and whether the run was stopped
// by baton-setup's time limit to a likely cause and a fix. The rules follow
// the contract's table of error strings. Exit 16 (Unauthenticated under
// RunConnector) is as good as the text; other exit codes are only hints, so
// they count only when the text names no cause.
func Diagnose(f Failure, exitCode int, timedOut bool) Diagnosis {
	if timedOut {
		return timeoutDiagnosis("The connector did not finish within the time limit.")
	}
	text := f.Full
	if text == "" {
		text = f.Message
	}
	lower := strings.ToLower(text)
	code := f.Code

	// A full disk shows up in whichever store was writing, often wrapped in
	// a fatal-error line; name it before any other rule reads that line.
	if containsAny(lower, diskFullStrings) {
		return Diagnosis{
			Cause:   CauseDisk,
			Summary: "The disk the connector writes its sync file to is full, or a file size limit was reached.",
			Hint:    "Free space where TMPDIR points (or in the profile's work directory), or point TMPDIR at a larger disk.",
		}
	}
	if d, ok := configDiagnosis(text, lower); ok {
		return d
	}
	if d, ok := crashDiagnosis(lower); ok {
		return d
	}
	if exitCode == 16 || code == "Unauthenticated" || httpStatus(text, "401") || containsAny(lower, credentialStrings) || invalidSecret().MatchString(lower) {
		return credentialsDiagnosis
	}
	if localPermission().MatchString(lower) {
		return Diagnosis{
			Cause:   CausePermission,
			Summary: "The connector was not allowed to open a local file or directory.",
			Hint:    "Check the permissions of the output file's directory, the working directory and any input file.",
		}
	}
	if code == "PermissionDenied" || httpStatus(text, "403") || containsAny(lower, permissionStrings) || sqlPermission().MatchString(lower) {
		return permissionDiagnosis
	}
	if code == "ResourceExhausted" || httpStatus(text, "429") || containsAny(lower, rateLimitStrings) {
		return rateLimitDiagnosis
	}
	// Weaker wordings, checked only after the more specific ones above:
	// "Access denied" (MySQL's wrong password) and any "permission".
	if strings.Contains(lower, "access denied") {
		return credentialsDiagnosis
	}
	if strings.Contains(lower, "permission") {
		return permissionDiagnosis
	}
	if d, ok := networkDiagnosis(lower); ok {
		return d
	}
	if code == "DeadlineExceeded" || containsAny(lower, timeoutStrings) {
		return timeoutDiagnosis("The server did not answer in time.")
	}
	if d, ok := missingFileDiagnosis(lower); ok {
		return d
	}

	switch {
	case exitCode == 7:
		return permissionDiagnosis
	case exitCode == 8:
		return rateLimitDiagnosis
	case exitCode == 4:
		return timeoutDiagnosis("The server did not answer in time.")
	case code == "Unavailable" || exitCode == 14:
		return Diagnosis{
			Cause:   CauseNetwork,
			Summary: "The service could not be reached.",
			Hint:    "Check the host name, port and that this machine can reach the service (firewall, VPN, proxy).",
		}
	case exitCode < 0 || exitCode == 137:
		return Diagnosis{
			Cause:   CauseCrash,
			Summary: "The connector was killed by a signal.",
			Hint:    "If nothing stopped it on purpose, the machine may have run out of memory; check the system log.",
		}
	}
	if f.IsZero() {
		if exitCode == 0 {
			return Diagnosis{
				Cause:   CauseUnknown,
				Summary: "The connector exited without an error but did not finish a sync.",
				Hint:    "Check that it was not interrupted, then run the test again.",
			}
		}
		return Diagnosis{
			Cause:   CauseUnknown,
			Summary: fmt.Sprintf("The connector exited with code %d without saying why.", exitCode),
			Hint:    "Its full log may say more.",
			ReadLog: true,
		}
	}
	return Diagnosis{
		Cause:   CauseUnknown,
		Summary: "The connector failed with an error baton-setup does not recognise.",
		Hint:    "Read the error above; the connector's full log may say more.",
		ReadLog: true,
	}
}

var (
	diskFullStrings   = []string{"no space left on device", "disk quota exceeded", "file too large"}
	credentialStrings = []string{
		"unauthenticated", "unauthorized", "invalid credentials", "password authentication failed",
		"bad credentials", "authentication failed", "login failed", "ldap result code 49",
	}
	// invalidSecret matches "invalid API key", "Invalid token provided",
	// "invalid_client" and the like.
	invalidSecret = lazyre.New(`invalid[ _-]?(api[ _-]?(key|token)|access[ _-]?token|token|credential|client[ _-]?secret|client\b|password|username or password)`)

	permissionStrings = []string{
		"permissiondenied", "permission denied", "resource not accessible by integration",
		"forbidden", "insufficient scope", "insufficient_scope", "missing scope", "not authorized to",
	}
	// sqlPermission matches MySQL's privilege errors: 1044 (no access to a
	// database), 1142 and 1143 (command denied on a table or column), 1227
	// (a global privilege is needed); 1045 is a wrong password instead.
	sqlPermission = lazyre.New(`error (1044|1142|1143|1227)\b|command denied to user|you need \(at least one of\) the .* privilege`)

	// localPermission is a file-system "permission denied", which is about
	// this machine, not the account's role.
	localPermission = lazyre.New(`(open|mkdir|stat|rename|remove|unlinkat|mkdirall) [^\s:]+: permission denied`)

	rateLimitStrings = []string{"too many requests", "rate limit", "rate-limit", "ratelimited", "resourceexhausted"}

	timeoutStrings = []string{
		"tls handshake timeout", "deadlineexceeded", "deadline exceeded", "i/o timeout",
		"client.timeout exceeded", "timed out",
	}
)

var (
	credentialsDiagnosis = Diagnosis{
		Cause:   CauseCredentials,
		Summary: "The service rejected the credentials.",
		Hint:    "Check the username and password, API key or token, and that it has not expired or been revoked.",
	}
	permissionDiagnosis = Diagnosis{
		Cause:   CausePermission,
		Summary: "The credentials were accepted but lack a permission the connector needs.",
		Hint:    "Give the account or token the scopes or roles the connector's documentation lists, then test again.",
	}
	rateLimitDiagnosis = Diagnosis{
		Cause:   CauseRateLimit,
		Summary: "The service is rate-limiting the connector's requests.",
		Hint:    "Wait a while and test again; if it persists, run at a quieter time or ask for a higher API limit.",
	}
)

func timeoutDiagnosis(summary string) Diagnosis {
	return Diagnosis{
		Cause:   CauseTimeout,
		Summary: summary,
		Hint: "The host may be unreachable from this machine (firewall, VPN, proxy) or the tenant very large; " +
			"check the address, then allow a longer timeout.",
	}
}

// httpStatus reports whether s contains the status code as a word of its
// own, so "401" matches "status 401" but not "14012", "401ms" or the
// milliseconds of "17:15:49.401".
func httpStatus(s, status string) bool {
	for i := 0; ; {
		j := strings.Index(s[i:], status)
		if j < 0 {
			return false
		}
		j += i
		end := j + len(status)
		before := j == 0 || !isWordByte(s[j-1]) && s[j-1] != '.'
		after := end == len(s) || !isWordByte(s[end])
		if before && after {
			return true
		}
		i = end
	}
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

var (
	requiredFlags   = lazyre.New(`required flag\(s\) (.+) not set`)
	zeroValueField  = lazyre.New(`field (\S+) of type \S+ is marked as required but it has a zero-value`)
	atLeastOne      = lazyre.New(`at least one of the flags in the group \[([^\]]*)\] is required`)
	mutuallyExclusv = lazyre.New(`if any flags in the group \[([^\]]*)\] are set none of the others can be`)
	unknownFlag     = lazyre.New(`unknown (?:shorthand )?flag:? (\S+)`)
	invalidValue    = lazyre.New(`field (\S+): value must`)
	invalidArgument = lazyre.New(`invalid argument "[^"]*" for "([^"]*)"`)
	// unsetVariable matches the ways connectors and config loaders say a
	// referenced environment variable is missing.
	unsetVariable = lazyre.New(`(?i:environment variable|env var)\s+["'$]?\{?([A-Z_][A-Z0-9_]*)\}?["']?\s+(?:(?i:is)\s+)?(?i:not set|unset|undefined|empty|missing)|(?i:missing|unset|undefined)\s+(?i:environment variables?):?\s+["'$]?\{?([A-Z_][A-Z0-9_]*)`)
)

// configDiagnosis recognises the flag and schema validation errors of
// contract §6. It works on the original text because field names are
// case-sensitive.
func configDiagnosis(text, lower string) (Diagnosis, bool) {
	d := Diagnosis{Cause: CauseConfiguration}
	if ms := zeroValueField().FindAllStringSubmatch(text, -1); ms != nil {
		names := submatches(ms)
		d.Summary = fmt.Sprintf("%s empty: %s.", settings(len(names), "A required setting is", "Required settings are"), strings.Join(names, ", "))
		d.Hint = fmt.Sprintf("Set %s, or choose the auth method whose fields you filled in (BATON_AUTH_METHOD).", envList(names))
		return d, true
	}
	if m := requiredFlags().FindStringSubmatch(text); m != nil {
		names := splitNames(m[1])
		d.Summary = fmt.Sprintf("%s missing: %s.", settings(len(names), "A required setting is", "Required settings are"), strings.Join(names, ", "))
		d.Hint = fmt.Sprintf("Set %s.", envList(names))
		return d, true
	}
	if m := atLeastOne().FindStringSubmatch(text); m != nil {
		names := splitNames(m[1])
		d.Summary = fmt.Sprintf("One of these settings is needed: %s.", strings.Join(names, ", "))
		d.Hint = fmt.Sprintf("Set one of %s.", envList(names))
		return d, true
	}
	if m := mutuallyExclusv().FindStringSubmatch(text); m != nil {
		names := splitNames(m[1])
		d.Summary = fmt.Sprintf("Only one of these settings may be set: %s.", strings.Join(names, ", "))
		d.Hint = "Clear all but one of them; they belong to different auth methods."
		return d, true
	}
	if m := unknownFlag().FindStringSubmatch(text); m != nil {
		d.Summary = fmt.Sprintf("The connector does not know the flag %s.", m[1])
		d.Hint = "baton-setup passed a flag this connector version does not have; upgrade the connector."
		return d, true
	}
	if m := invalidValue().FindStringSubmatch(text); m != nil {
		d.Summary = fmt.Sprintf("The value of %s is not allowed.", m[1])
		d.Hint = "Fix the value as the error describes, then test again."
		return d, true
	}
	if m := invalidArgument().FindStringSubmatch(text); m != nil {
		d.Summary = fmt.Sprintf("The value given for %s has the wrong type.", m[1])
		d.Hint = "Fix the value as the error describes, then test again."
		return d, true
	}
	if m := unsetVariable().FindStringSubmatch(text); m != nil {
		name := m[1]
		if name == "" {
			name = m[2]
		}
		d.Summary = fmt.Sprintf("The connector's settings refer to the environment variable %s, which is not set.", name)
		d.Hint = fmt.Sprintf("Set %s where the connector runs, or write the value into the setting itself; baton-setup passes the connector only its own BATON_* settings and your environment.", name)
		return d, true
	}
	if strings.Contains(lower, "default addr for network") {
		d.Summary = "The MySQL connection string has a host and port without tcp(…) around them."
		d.Hint = "Write it as user:password@tcp(host:3306)/database."
		return d, true
	}
	if strings.Contains(lower, "invalid dsn") {
		d.Summary = "The database connection string (DSN) is malformed."
		d.Hint = "Fix its form as the error describes; a MySQL DSN looks like user:password@tcp(host:3306)/database."
		return d, true
	}
	if strings.Contains(lower, "errors found:") {
		d.Summary = "The connector rejected its settings."
		d.Hint = "Fix the settings the error names; a missing value can also mean the wrong auth method is selected."
		return d, true
	}
	return Diagnosis{}, false
}

func settings(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// submatches returns the first group of each match, without repeats.
func submatches(ms [][]string) []string {
	var out []string
	for _, m := range ms {
		if !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}

// splitNames turns `"domain", "password"` or `api-key username` into names.
func splitNames(s string) []string {
	var out []string
	for _, f := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ' ' }) {
		if f = strings.Trim(f, `"'`); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// envList names the settings the way baton-setup passes them, as BATON_*
// environment variables.
func envList(names []string) string {
	envs := make([]string, len(names))
	for i, n := range names {
		envs[i] = "BATON_" + strings.ToUpper(strings.ReplaceAll(n, "-", "_"))
	}
	switch len(envs) {
	case 0:
		return "the missing value"
	case 1:
		return envs[0]
	}
	return strings.Join(envs[:len(envs)-1], ", ") + " and " + envs[len(envs)-1]
}

func crashDiagnosis(lower string) (Diagnosis, bool) {
	if !containsAny(lower, []string{"connector service quit unexpectedly", "panic: ", "fatal error: ", "sigsegv"}) {
		return Diagnosis{}, false
	}
	return Diagnosis{
		Cause:   CauseCrash,
		Summary: "The connector crashed.",
		Hint:    "Report the error and the connector's log to its maintainers; also check the machine has enough memory.",
		ReadLog: true,
	}, true
}

func networkDiagnosis(lower string) (Diagnosis, bool) {
	d := Diagnosis{Cause: CauseNetwork}
	switch {
	case strings.Contains(lower, "no such host"):
		d.Summary = "The host name could not be found in DNS."
		d.Hint = "Check the domain or URL for typos, and that this machine can resolve it."
	case strings.Contains(lower, "connection refused"):
		d.Summary = "Nothing accepted the connection at that host and port."
		d.Hint = "Check the host and port, and that the service is running and reachable from this machine."
	case strings.Contains(lower, "first record does not look like a tls handshake"):
		d.Summary = "The server answered in plain text where the connector expected TLS."
		d.Hint = "Use the scheme and port that match the server (https vs http, ldaps vs ldap), or turn TLS off if the service has no TLS."
	case containsAny(lower, []string{"x509:", "certificate signed by unknown authority", "certificate is not valid"}):
		d.Summary = "The server's TLS certificate was not trusted."
		d.Hint = "Check the host name matches the certificate, and give the connector the CA certificate if the server uses a private CA."
	case containsAny(lower, []string{"no route to host", "network is unreachable", "host is unreachable"}):
		d.Summary = "This machine has no network route to the host."
		d.Hint = "Check the address, and the network, VPN or firewall between this machine and the service."
	case containsAny(lower, []string{"connection reset by peer", "broken pipe"}):
		d.Summary = "The server closed the connection unexpectedly."
		d.Hint = "Check the port and scheme are right, and whether a proxy or firewall cuts the connection."
	default:
		return Diagnosis{}, false
	}
	return d, true
}

func missingFileDiagnosis(lower string) (Diagnosis, bool) {
	if !containsAny(lower, []string{"no such file or directory", "file not found"}) {
		return Diagnosis{}, false
	}
	d := Diagnosis{Cause: CauseConfiguration}
	if strings.Contains(lower, "save failed") || strings.Contains(lower, ".c1z") {
		d.Summary = "The directory for the output file does not exist."
		d.Hint = "Create the output directory, or choose an output path in an existing one."
	} else {
		d.Summary = "A file named in the settings does not exist."
		d.Hint = "Check the path in the error and that the file is readable from the connector's working directory."
	}
	return d, true
}
