package catalog

import (
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
)

var (
	nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]*$`)
	// Some connectors use camelCase flag names (jira's atlassian-orgId), so
	// field names allow upper case; env names are derived from them.
	fieldNameRE = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9-]*$`)
	envRE       = regexp.MustCompile(`^BATON_[A-Z0-9_]+$`)
)

func TestCatalogLoads(t *testing.T) {
	if err := loadErr(); err != nil {
		t.Fatal(err)
	}
	if _, err := parse([]byte("{not json")); err == nil {
		t.Fatal("parse accepted invalid JSON")
	}
}

func TestEntriesAreValid(t *testing.T) {
	entries := All()
	if len(entries) < 150 {
		t.Fatalf("catalog has %d entries, want at least 150", len(entries))
	}
	if !slices.IsSortedFunc(entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) }) {
		t.Error("All() is not sorted by name")
	}
	seen := map[string]bool{}
	withFields := 0
	for _, e := range entries {
		t.Run(e.Name, func(t *testing.T) {
			if seen[e.Name] {
				t.Errorf("duplicate name %q", e.Name)
			}
			seen[e.Name] = true
			checkEntry(t, e)
		})
		if len(e.Fields) > 0 {
			withFields++
		}
	}
	if withFields < 40 {
		t.Errorf("%d entries have fields, want at least 40", withFields)
	}
	if seen["demo"] {
		t.Error("the built-in demo connector must not be in the catalog")
	}
}

func checkEntry(t *testing.T, e Entry) {
	t.Helper()
	if !nameRE.MatchString(e.Name) {
		t.Errorf("name %q does not match %s", e.Name, nameRE)
	}
	if e.DisplayName == "" {
		t.Error("empty displayName")
	}
	if !slices.Contains(Kinds, e.Kind) {
		t.Errorf("kind %q not in %v", e.Kind, Kinds)
	}
	if e.Description == "" || len(e.Description) >= 120 {
		t.Errorf("description must be 1..119 chars, got %d: %q", len(e.Description), e.Description)
	}
	if strings.ContainsAny(e.Description, "\n\r") {
		t.Error("description must be one line")
	}
	wantBinary := "baton-" + e.Name
	if e.Binary != wantBinary {
		t.Errorf("binary = %q, want %q", e.Binary, wantBinary)
	}
	if want := "conductorone/baton/" + e.Binary; e.Brew != want {
		t.Errorf("brew = %q, want %q", e.Brew, want)
	}
	if want := "public.ecr.aws/conductorone/" + e.Binary; e.Image != want {
		t.Errorf("image = %q, want %q", e.Image, want)
	}
	if want := "github.com/conductorone/" + e.Binary + "/cmd/" + e.Binary + "@main"; e.GoInstall != want {
		t.Errorf("goInstall = %q, want %q", e.GoInstall, want)
	}
	if want := "github.com/conductorone/" + e.Binary; e.GoModule() != want || !strings.HasPrefix(e.GoPackage(), e.GoModule()+"/") {
		t.Errorf("module %q of package %q, want %q", e.GoModule(), e.GoPackage(), want)
	}
	for what, raw := range map[string]string{"docsUrl": e.DocsURL, "repo": e.Repo} {
		u, err := url.Parse(raw)
		if err != nil || u.Scheme != "https" || u.Host == "" {
			t.Errorf("%s %q is not an https URL", what, raw)
		}
	}
	if want := "https://github.com/conductorone/" + e.Binary; e.Repo != want {
		t.Errorf("repo = %q, want %q", e.Repo, want)
	}
	if !strings.HasPrefix(e.DocsURL, "https://www.conductorone.com/docs/baton/") && e.DocsURL != e.Repo {
		t.Errorf("docsUrl %q is neither a ConductorOne docs page nor the repo", e.DocsURL)
	}

	methods := map[string]bool{}
	for _, m := range e.AuthMethods {
		if !nameRE.MatchString(m.Name) || m.DisplayName == "" {
			t.Errorf("bad auth method %+v", m)
		}
		if methods[m.Name] {
			t.Errorf("duplicate auth method %q", m.Name)
		}
		methods[m.Name] = true
	}
	if len(e.AuthMethods) > 0 && len(e.Fields) == 0 {
		t.Error("auth methods without fields")
	}
	fieldNames := map[string]bool{}
	used := map[string]bool{}
	for _, f := range e.Fields {
		if !fieldNameRE.MatchString(f.Name) {
			t.Errorf("field name %q is malformed", f.Name)
		}
		if fieldNames[f.Name] {
			t.Errorf("duplicate field %q", f.Name)
		}
		fieldNames[f.Name] = true
		if want := "BATON_" + strings.ToUpper(strings.ReplaceAll(f.Name, "-", "_")); f.Env != want || !envRE.MatchString(f.Env) {
			t.Errorf("field %q: env = %q, want %q", f.Name, f.Env, want)
		}
		if f.DisplayName == "" || f.Help == "" {
			t.Errorf("field %q needs a displayName and help", f.Name)
		}
		if f.Group != "" {
			if !methods[f.Group] {
				t.Errorf("field %q refers to undeclared auth method %q", f.Name, f.Group)
			}
			used[f.Group] = true
		}
		if looksSecret(f.Name) && !f.Secret {
			t.Errorf("field %q looks like a credential but is not marked secret", f.Name)
		}
	}
	for m := range methods {
		if !used[m] {
			t.Errorf("auth method %q has no fields", m)
		}
	}
}

// looksSecret mirrors the rule that credential-looking names are masked even
// when a connector forgets to say so. Identifiers and labels of credentials
// (okta-private-key-id, access-token-name) are not secret.
func looksSecret(name string) bool {
	if strings.HasSuffix(name, "-id") || strings.HasSuffix(name, "-name") {
		return false
	}
	for _, s := range []string{"password", "secret", "token", "private-key", "dsn", "connection-string"} {
		if strings.Contains(name, s) {
			return true
		}
	}
	return false
}

func TestAllReturnsCopies(t *testing.T) {
	a := All()
	a[0].Name = "mutated"
	for i := range a {
		if len(a[i].Fields) > 0 {
			a[i].Fields[0].Name = "mutated"
			break
		}
	}
	for _, e := range All() {
		if e.Name == "mutated" {
			t.Fatal("All() shares entries between calls")
		}
		for _, f := range e.Fields {
			if f.Name == "mutated" {
				t.Fatal("All() shares field slices between calls")
			}
		}
	}
	e, _ := Lookup("okta")
	e.Fields[0].Name = "mutated"
	if e2, _ := Lookup("okta"); e2.Fields[0].Name == "mutated" {
		t.Fatal("Lookup shares field slices between calls")
	}
}

func TestLookup(t *testing.T) {
	tests := []struct {
		in     string
		want   string
		wantOK bool
	}{
		{"okta", "okta", true},
		{"baton-okta", "okta", true},
		{"  Baton-GitHub ", "github", true},
		{"google-workspace", "google-workspace", true},
		{"1password", "1password", true},
		{"demo", "", false},
		{"baton-", "", false},
		{"", "", false},
		{"okt", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			e, ok := Lookup(tt.in)
			if ok != tt.wantOK || e.Name != tt.want {
				t.Fatalf("Lookup(%q) = %q, %v; want %q, %v", tt.in, e.Name, ok, tt.want, tt.wantOK)
			}
		})
	}
}

func TestFilter(t *testing.T) {
	all := All()
	tests := []struct {
		query    string
		first    string   // expected first result ("" = no expectation)
		contains []string // must be present
		absent   []string // must not be present
	}{
		{query: "okt", first: "okta", contains: []string{"okta-ciam", "okta-aws-federation"}},
		{query: "gthb", first: "github", contains: []string{"github-enterprise"}},
		{query: "OKTA", first: "okta"},
		{query: "baton-okta", first: "okta"},
		{query: "slack", first: "slack", contains: []string{"slack-enterprise"}},
		{query: "google work", first: "google-workspace"},
		{query: "Jira", first: "jira", contains: []string{"jira-datacenter"}},
		{query: "postgres", first: "postgresql"},
		{query: "sqlsrv", first: "sql-server"},
		{query: "Microsoft SQL", first: "sql-server"},
		{query: "hr", contains: []string{"bamboohr", "rippling", "greenhouse"}},
		{query: "database", contains: []string{"mysql", "snowflake"}},
		{query: "entra", contains: []string{"azure-infrastructure"}},
		{query: "vault", first: "hashicorp-vault", contains: []string{"alienvault"}},
		{query: "zzzzqqq", absent: []string{"okta"}},
	}
	for _, tt := range tests {
		t.Run(tt.query, func(t *testing.T) {
			got := Filter(all, tt.query)
			names := make([]string, len(got))
			for i, e := range got {
				names[i] = e.Name
			}
			if tt.first != "" && (len(names) == 0 || names[0] != tt.first) {
				t.Errorf("Filter(%q) starts %v, want %q first", tt.query, head(names, 5), tt.first)
			}
			for _, n := range tt.contains {
				if !slices.Contains(names, n) {
					t.Errorf("Filter(%q) lacks %q (got %v)", tt.query, n, head(names, 10))
				}
			}
			for _, n := range tt.absent {
				if slices.Contains(names, n) {
					t.Errorf("Filter(%q) unexpectedly has %q", tt.query, n)
				}
			}
		})
	}
}

func TestFilterEmptyQueryReturnsAll(t *testing.T) {
	all := All()
	for _, q := range []string{"", "   "} {
		got := Filter(all, q)
		if len(got) != len(all) {
			t.Fatalf("Filter(%q) returned %d of %d entries", q, len(got), len(all))
		}
		got[0].Name = "mutated"
		if all[0].Name == "mutated" {
			t.Fatal("Filter must not alias its input slice")
		}
	}
}

func TestFilterExactBeforePrefix(t *testing.T) {
	entries := []Entry{
		{Name: "oktaville", DisplayName: "Oktaville"},
		{Name: "my-okta", DisplayName: "Mine"},
		{Name: "okta", DisplayName: "Okta"},
		{Name: "other", DisplayName: "Other", Description: "Talks to okta."},
	}
	got := Filter(entries, "okta")
	want := []string{"okta", "oktaville", "my-okta", "other"}
	for i, e := range got {
		if i >= len(want) || e.Name != want[i] {
			t.Fatalf("order = %v, want %v", namesOf(got), want)
		}
	}
	if len(got) != len(want) {
		t.Fatalf("order = %v, want %v", namesOf(got), want)
	}
}

func TestFuzzy(t *testing.T) {
	tests := []struct {
		s, p      string
		pos, span int
		ok        bool
	}{
		{"github", "gthb", 0, 6, true},
		{"GitHub", "gh", 0, 4, true},
		{"a-b-ab", "ab", 4, 2, true},
		{"okta", "okta", 0, 4, true},
		{"okta", "oktaa", 0, 0, false},
		{"", "a", 0, 0, false},
	}
	for _, tt := range tests {
		pos, span, ok := fuzzy(tt.s, tt.p)
		if ok != tt.ok || (ok && (pos != tt.pos || span != tt.span)) {
			t.Errorf("fuzzy(%q, %q) = %d, %d, %v; want %d, %d, %v", tt.s, tt.p, pos, span, ok, tt.pos, tt.span, tt.ok)
		}
	}
}

func TestInstallCommands(t *testing.T) {
	e, ok := Lookup("okta")
	if !ok {
		t.Fatal("okta missing")
	}
	got := e.InstallCommands()
	want := map[string]string{
		"brew":   "brew install conductorone/baton/baton-okta",
		"docker": "docker pull public.ecr.aws/conductorone/baton-okta:latest",
		"go":     "go install github.com/conductorone/baton-okta/cmd/baton-okta@latest",
	}
	if len(got) != len(want) {
		t.Fatalf("InstallCommands() = %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("InstallCommands()[%q] = %q, want %q", k, got[k], v)
		}
	}
	if n := len((Entry{Name: "x"}).InstallCommands()); n != 0 {
		t.Errorf("an entry without install data gave %d commands", n)
	}
}

func TestAuthMethodFields(t *testing.T) {
	e, _ := Lookup("okta")
	names := func(fs []Field) []string {
		out := make([]string, len(fs))
		for i, f := range fs {
			out[i] = f.Name
		}
		return out
	}
	got := names(e.AuthMethodFields("private-key-group"))
	if slices.Contains(got, "api-token") || !slices.Contains(got, "okta-private-key") || !slices.Contains(got, "domain") {
		t.Errorf("private-key-group fields = %v", got)
	}
	if all := e.AuthMethodFields(""); len(all) != len(e.Fields) {
		t.Errorf("empty method gave %d of %d fields", len(all), len(e.Fields))
	}
}

func TestWellKnownConnectorsHaveFields(t *testing.T) {
	for _, n := range []string{"okta", "github", "google-workspace", "slack", "aws", "salesforce", "postgresql", "mysql", "ldap", "snowflake"} {
		e, ok := Lookup(n)
		if !ok {
			t.Errorf("%s missing", n)
			continue
		}
		if len(e.Fields) == 0 {
			t.Errorf("%s has no fields", n)
		}
		required := false
		for _, f := range e.Fields {
			required = required || f.Required
		}
		if !required && n != "ldap" && n != "aws" {
			t.Errorf("%s has no required field", n)
		}
	}
}

func head(s []string, n int) []string {
	if len(s) > n {
		return s[:n]
	}
	return s
}

func namesOf(es []Entry) []string {
	out := make([]string, len(es))
	for i, e := range es {
		out[i] = e.Name
	}
	return out
}

// BenchmarkFilter measures one keystroke: filtering the whole catalog.
func BenchmarkFilter(b *testing.B) {
	all := All()
	for _, q := range []string{"o", "okt", "gthb", "google work", "zzzz"} {
		b.Run(q, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				Filter(all, q)
			}
		})
	}
}

func TestRankMatchesFilter(t *testing.T) {
	all := All()
	for _, q := range []string{"", "gthb", "okt", "hr", "zzzzqqq"} {
		idx := Rank(all, q)
		got := Filter(all, q)
		if len(idx) != len(got) {
			t.Fatalf("Rank(%q) has %d entries, Filter %d", q, len(idx), len(got))
		}
		for i, j := range idx {
			if all[j].Name != got[i].Name {
				t.Errorf("Rank(%q)[%d] = %s, Filter has %s", q, i, all[j].Name, got[i].Name)
			}
		}
	}
}

func TestInstallArgs(t *testing.T) {
	e, _ := Lookup("okta")
	args := e.InstallArgs()
	if got := args["go"]; len(got) != 3 || got[0] != "go" || got[1] != "install" {
		t.Errorf("InstallArgs()[go] = %q", got)
	}
	if got := args["docker"]; len(got) != 3 || got[2] != e.ImageRef() {
		t.Errorf("InstallArgs()[docker] = %q, want the image %s", got, e.ImageRef())
	}
}

func TestEntrySchema(t *testing.T) {
	for _, e := range All() {
		if len(e.AuthMethods) == 0 || len(e.Fields) == 0 {
			continue
		}
		s := e.Schema()
		if len(s.Fields) != len(e.Fields) || len(s.Groups) != len(e.AuthMethods) || s.DefaultGroup() != e.AuthMethods[0].Name {
			t.Fatalf("%s: schema %+v", e.Name, s)
		}
		for _, f := range e.Fields {
			sf, ok := s.Field(f.Name)
			if !ok || sf.Secret != f.Secret || sf.Required != f.Required || sf.Hint != f.Help || sf.EnvName() != f.Env {
				t.Errorf("%s.%s: schema field %+v from %+v", e.Name, f.Name, sf, f)
			}
		}
		for _, f := range s.Active(e.AuthMethods[0].Name) {
			cf, _ := Lookup(e.Name)
			if !slices.ContainsFunc(cf.AuthMethodFields(e.AuthMethods[0].Name), func(c Field) bool { return c.Name == f.Name }) {
				t.Errorf("%s: %s is active in the schema but not in the catalog's method", e.Name, f.Name)
			}
		}
		return
	}
	t.Fatal("no catalog entry has auth methods")
}
