package schema

import (
	"slices"
	"strings"

	"github.com/conductorone/baton-setup/internal/lazyre"
)

// sdkFlags are the flags every baton-sdk connector gets; they are not the
// connector's configuration. Older SDKs have a subset.
var sdkFlags = map[string]bool{
	"auth-method": true, "client-id": true, "client-secret": true, "external-resource-c1z": true,
	"external-resource-entitlement-id-filter": true, "external-resource-traits": true, "file": true,
	"health-check": true, "health-check-port": true, "http-timeout-seconds": true,
	"keep-previous-sync-c1z": true, "log-format": true, "log-level": true, "log-level-debug-expires-at": true,
	"log-path": true, "otel-collector-endpoint": true, "parallel-sync": true, "provisioning": true,
	"skip-entitlements-and-grants": true, "skip-full-sync": true, "storage-engine": true,
	"sync-resource-types": true, "sync-resources": true, "task-concurrency": true, "ticketing": true,
	"workers": true, "help": true, "version": true, "grant-entitlement": true, "grant-principal": true,
	"grant-principal-type": true, "revoke-grant": true, "create-account-login": true,
	"create-account-email": true, "delete-resource": true, "delete-resource-type": true,
	"rotate-credentials": true, "rotate-credentials-type": true, "event-feed": true,
	"event-feed-start-at": true, "create-ticket-template-path": true, "get-ticket-id": true,
	"list-ticket-schemas": true, "bulk-create-ticket-template-path": true, "c1z-temp-dir": true,
	"invoke-action": true, "invoke-action-args": true, "list-action-schemas": true,
	"skip-grants": true, "diff-syncs": true, "compact-syncs": true, "otel-tracing-disabled": true,
	"otel-logging-disabled": true, "session-store-maximum-size": true,
}

// helpFlag matches a cobra flag line: "  -d, --domain string   required: Your domain ($BATON_DOMAIN)".
var helpFlag = lazyre.New(`^\s+(?:-[A-Za-z0-9], )?--([a-z0-9][a-z0-9-]*)(?: ([A-Za-z0-9]+))?\s{2,}(.*)$`)

var helpDefault = lazyre.New(`\s*\(default ([^)]*)\)\s*$`)

// ParseHelp builds a schema from an old connector's --help output (baton-sdk
// before v0.2.68 has no `config` command). The help text has no secret
// marker, so secrets are guessed from field names.
func ParseHelp(text string) *Schema {
	s := &Schema{FromHelp: true, Flags: HelpFlags(text)}
	seen := map[string]bool{}
	for _, line := range strings.Split(text, "\n") {
		m := helpFlag().FindStringSubmatch(line)
		if m == nil {
			continue
		}
		name, typ, desc := m[1], m[2], strings.TrimSpace(m[3])
		if sdkFlags[name] || opsFields[name] || seen[name] {
			continue
		}
		seen[name] = true
		f := Field{Name: name, Label: labelFromName(name)}
		desc = CleanHelp(desc)
		if d := helpDefault().FindStringSubmatch(desc); d != nil {
			f.Default = strings.Trim(d[1], `"[]`)
			desc = desc[:len(desc)-len(d[0])]
		}
		if rest, ok := strings.CutPrefix(desc, "required: "); ok {
			f.Required = true
			desc = rest
		}
		f.Help = strings.TrimSpace(desc)
		switch typ {
		case "":
			f.Kind = KindBool
			if f.Default == "" {
				f.Default = "false"
			}
		case "int", "int32", "int64", "uint", "uint32", "uint64":
			f.Kind = KindInt
		case "strings", "stringSlice", "stringArray":
			f.Kind = KindStringSlice
		case "stringToString":
			f.Kind = KindStringMap
		default:
			f.Kind = KindString
		}
		f.Secret = f.Kind == KindString && secretish().MatchString(name)
		f.Deprecated = strings.Contains(strings.ToLower(f.Help), "deprecated")
		s.Fields = append(s.Fields, f)
	}
	return s
}

// HelpFlags returns the long name of every flag a --help output lists, in
// order; an empty list, not nil, when it lists none.
func HelpFlags(text string) []string {
	out := []string{}
	for _, line := range strings.Split(text, "\n") {
		if m := helpFlag().FindStringSubmatch(line); m != nil && !slices.Contains(out, m[1]) {
			out = append(out, m[1])
		}
	}
	return out
}
