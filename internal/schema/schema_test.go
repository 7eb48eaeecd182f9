package schema

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

func load(t *testing.T, name string) *Schema {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	s, err := Parse(data)
	if err != nil {
		t.Fatalf("Parse(%s): %v", name, err)
	}
	return s
}

func names(fs []Field) []string {
	out := make([]string, len(fs))
	for i, f := range fs {
		out[i] = f.Name
	}
	return out
}

func TestParseOkta(t *testing.T) {
	s := load(t, "baton-okta.config.json")
	for _, f := range s.Fields {
		if opsFields[f.Name] {
			t.Errorf("ops field %s kept", f.Name)
		}
	}
	if len(s.Groups) != 2 {
		t.Fatalf("groups = %d, want 2", len(s.Groups))
	}
	for _, g := range s.Groups {
		for _, n := range g.Fields {
			if strings.HasPrefix(n, "cache") {
				t.Errorf("group %s keeps unknown field %s", g.Name, n)
			}
		}
	}
	if got := s.DefaultGroup(); got != "api-token-group" {
		t.Errorf("DefaultGroup = %q, want api-token-group", got)
	}
	tok, ok := s.Field("api-token")
	if !ok || !tok.Secret || !tok.Required || tok.Label != "API token" {
		t.Errorf("api-token = %+v", tok)
	}
	if tok.EnvName() != "BATON_API_TOKEN" {
		t.Errorf("EnvName = %s", tok.EnvName())
	}
	active := names(s.Active("api-token-group"))
	if !slices.Contains(active, "api-token") || slices.Contains(active, "okta-client-id") {
		t.Errorf("api-token-group active = %v", active)
	}
	pk := names(s.Active("private-key-group"))
	if slices.Contains(pk, "api-token") || !slices.Contains(pk, "okta-client-id") {
		t.Errorf("private-key-group active = %v", pk)
	}
	inactive, _ := s.Field("sync-inactive-apps")
	if inactive.Kind != KindBool || inactive.Default != "true" {
		t.Errorf("sync-inactive-apps = %+v", inactive)
	}
	// Only the chosen group's required fields count.
	err := s.Check(map[string]string{"api-token": "x", "domain": "example.okta.com"}, "api-token-group")
	if err != nil {
		t.Errorf("Check api-token-group: %v", err)
	}
	err = s.Check(map[string]string{"domain": "example.okta.com"}, "private-key-group")
	if err == nil || !strings.Contains(err.Error(), "okta-client-id: required (BATON_OKTA_CLIENT_ID)") {
		t.Errorf("Check private-key-group = %v", err)
	}
	if err := s.Check(nil, "nope"); err == nil || !strings.Contains(err.Error(), `unknown auth method "nope"`) {
		t.Errorf("unknown method: %v", err)
	}
}

func TestParseLDAPConstraints(t *testing.T) {
	s := load(t, "baton-ldap.config.json")
	if s.DisplayName != "LDAP" {
		t.Errorf("DisplayName = %q", s.DisplayName)
	}
	tests := []struct {
		name    string
		values  map[string]string
		wantErr string
	}{
		{"neither", map[string]string{"bind-dn": "cn=a", "password": "p", "base-dn": "dc=x"}, "set at least one of domain, url"},
		{"both", map[string]string{"url": "ldap://x", "domain": "x", "bind-dn": "cn=a", "password": "p", "base-dn": "dc=x"}, "set only one of domain, url"},
		{"url only", map[string]string{"url": "ldap://x", "bind-dn": "cn=a", "password": "p", "base-dn": "dc=x"}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := s.Check(tt.values, "")
			switch {
			case tt.wantErr == "" && err != nil:
				t.Errorf("Check = %v", err)
			case tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)):
				t.Errorf("Check = %v, want %q", err, tt.wantErr)
			}
		})
	}
	dom, _ := s.Field("domain")
	if !dom.Deprecated {
		t.Errorf("domain should be deprecated: %+v", dom)
	}
}

func TestParsePostgresAndMySQL(t *testing.T) {
	pg := load(t, "baton-postgresql.config.json")
	dsn, ok := pg.Field("dsn")
	if !ok || !dsn.Required || !dsn.Secret {
		t.Errorf("dsn = %+v", dsn)
	}
	schemas, _ := pg.Field("schemas")
	if schemas.Kind != KindStringSlice || schemas.Default != "public" {
		t.Errorf("schemas = %+v", schemas)
	}
	my := load(t, "baton-mysql.config.json")
	cs, _ := my.Field("connection-string")
	if !cs.Secret {
		t.Errorf("connection-string must be treated as secret: %+v", cs)
	}
	for _, f := range my.Fields {
		if strings.Contains(f.Help, "BATON_") {
			t.Errorf("%s help keeps env text: %q", f.Name, f.Help)
		}
	}
	file := load(t, "baton-file.config.json")
	if got := names(file.Fields); !slices.Equal(got, []string{"input"}) {
		t.Errorf("baton-file fields = %v", got)
	}
}

func TestFieldValidate(t *testing.T) {
	one, ten := int64(1), int64(10)
	tests := []struct {
		name    string
		field   Field
		value   string
		wantErr string
	}{
		{"int ok", Field{Name: "n", Kind: KindInt, Min: &one, Max: &ten}, "5", ""},
		{"int word", Field{Name: "n", Kind: KindInt}, "five", `n: "five" is not a whole number`},
		{"int low", Field{Name: "n", Kind: KindInt, Min: &one}, "0", "n: must be at least 1"},
		{"int high", Field{Name: "n", Kind: KindInt, Max: &ten}, "11", "n: must be at most 10"},
		{"bool", Field{Name: "b", Kind: KindBool}, "yes", `b: "yes" is not true or false`},
		{"options", Field{Name: "r", Options: []string{"us", "eu"}}, "zz", "r: must be one of us, eu"},
		{"blank", Field{Name: "s"}, "   ", "s: value is only white space"},
		{"map", Field{Name: "m", Kind: KindStringMap}, "a=1,b", `m: "b" is not a key=value pair`},
		{"empty ok", Field{Name: "s", Required: true}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.field.Validate(tt.value)
			if tt.wantErr == "" {
				if err != nil {
					t.Errorf("Validate = %v", err)
				}
				return
			}
			if err == nil || err.Error() != tt.wantErr {
				t.Errorf("Validate = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

func TestParseRejectsGarbage(t *testing.T) {
	if _, err := Parse([]byte("unknown command \"config\" for \"baton-github\"")); err == nil {
		t.Fatal("Parse accepted non-JSON")
	}
}

func TestCleanHelp(t *testing.T) {
	in := "A file to which the database will be written ($BATON_DB_FILE)\nexample: /path/to/dbfile.db"
	want := "A file to which the database will be written\nexample: /path/to/dbfile.db"
	if got := CleanHelp(in); got != want {
		t.Errorf("CleanHelp = %q, want %q", got, want)
	}
	if got := CleanHelp("Collapse users $(BATON_COLLAPSE_USERS)"); got != "Collapse users" {
		t.Errorf("CleanHelp malformed = %q", got)
	}
}

func TestParseHelp(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("testdata", "baton-github-v0.2.14.help.txt"))
	if err != nil {
		t.Fatal(err)
	}
	s := ParseHelp(string(data))
	if got := names(s.Fields); !slices.Equal(got, []string{"instance-url", "orgs", "token", "skip-archived", "page-size"}) {
		t.Fatalf("fields = %v", got)
	}
	tok, _ := s.Field("token")
	if !tok.Required || !tok.Secret || tok.Help != "The GitHub access token used to connect to the Github API." {
		t.Errorf("token = %+v", tok)
	}
	url, _ := s.Field("instance-url")
	if url.Default != "https://github.com" || url.Required || url.Secret {
		t.Errorf("instance-url = %+v", url)
	}
	orgs, _ := s.Field("orgs")
	skip, _ := s.Field("skip-archived")
	size, _ := s.Field("page-size")
	if orgs.Kind != KindStringSlice || skip.Kind != KindBool || size.Kind != KindInt || size.Default != "100" {
		t.Errorf("kinds: orgs %v skip %v size %v (%q)", orgs.Kind, skip.Kind, size.Kind, size.Default)
	}
	// The SDK's own flags are kept apart: v0.2.14 has no quick-check flags.
	for flag, want := range map[string]bool{"file": true, "log-level": true, "token": true, "skip-entitlements-and-grants": false, "sync-resource-types": false} {
		if has, known := s.HasFlag(flag); has != want || !known {
			t.Errorf("HasFlag(%s) = %v, %v; want %v, true", flag, has, known, want)
		}
	}
	if has, known := (&Schema{}).HasFlag("file"); has || known {
		t.Errorf("a schema without --help knows its flags: %v, %v", has, known)
	}
}

// synthetic covers every field type, rule and constraint kind, and field
// groups with a default group, in the shape `config` prints.
const synthetic = `{
  "fields": [
    {"name": "log-level", "isOps": true, "stringField": {"defaultValue": "info"}},
    {"name": "region", "isRequired": true, "stringField": {"rules": {"in": ["us", "eu"]}}},
    {"name": "mode", "stringField": {"options": [{"value": "fast", "displayName": "Fast"}, {"value": "safe"}]}},
    {"name": "retries", "intField": {"defaultValue": "3", "rules": {"gte": "1", "lte": "10"}}},
    {"name": "verbose", "boolField": {}},
    {"name": "scopes", "stringSliceField": {"defaultValue": ["a", "b"], "rules": {}}},
    {"name": "labels", "stringMapField": {}},
    {"name": "key-file", "stringField": {"type": "STRING_FIELD_TYPE_FILE_UPLOAD"}},
    {"name": "username", "stringField": {}},
    {"name": "password", "stringField": {}},
    {"name": "proxy-host", "stringField": {}},
    {"name": "proxy-port", "intField": {}},
    {"name": "token", "isSecret": true, "isRequired": true, "stringField": {}},
    {"name": "client-cert", "isRequired": true, "stringField": {}},
    {"name": "action-only", "resourceIdField": {}}
  ],
  "constraints": [
    {"kind": "CONSTRAINT_KIND_REQUIRED_TOGETHER", "fieldNames": ["username", "password"]},
    {"kind": "CONSTRAINT_KIND_DEPENDENT_ON", "fieldNames": ["proxy-port"], "secondaryFieldNames": ["proxy-host"]},
    {"kind": "CONSTRAINT_KIND_MUTUALLY_EXCLUSIVE", "fieldNames": ["mode", "verbose", "not-exported"]}
  ],
  "fieldGroups": [
    {"name": "token-group", "displayName": "Token", "fields": ["token"]},
    {"name": "cert-group", "displayName": "Certificate", "fields": ["client-cert", "key-file"], "default": true}
  ],
  "someFieldFromTheFuture": 1
}`

func TestParseSynthetic(t *testing.T) {
	s, err := Parse([]byte(synthetic))
	if err != nil {
		t.Fatal(err)
	}
	kinds := map[string]Kind{"region": KindString, "retries": KindInt, "verbose": KindBool, "scopes": KindStringSlice, "labels": KindStringMap, "key-file": KindFile}
	for name, want := range kinds {
		if f, ok := s.Field(name); !ok || f.Kind != want {
			t.Errorf("%s kind = %v, want %v", name, f.Kind, want)
		}
	}
	if _, ok := s.Field("action-only"); ok {
		t.Error("action-only field kept")
	}
	if mode, _ := s.Field("mode"); !slices.Equal(mode.Options, []string{"fast", "safe"}) {
		t.Errorf("mode options = %v", mode.Options)
	}
	if scopes, _ := s.Field("scopes"); scopes.Default != "a,b" {
		t.Errorf("scopes default = %q", scopes.Default)
	}
	// token is marked secret, so the connector marks its secrets itself:
	// no name is guessed.
	if pw, _ := s.Field("password"); pw.Secret {
		t.Error("password guessed secret in a schema that marks its secrets")
	}
	if s.DefaultGroup() != "cert-group" {
		t.Errorf("DefaultGroup = %q", s.DefaultGroup())
	}
	if len(s.Constraints) != 3 || len(s.Constraints[2].Fields) != 2 {
		t.Errorf("constraints = %+v", s.Constraints)
	}
	keyFile := filepath.Join(t.TempDir(), "key.pem")
	os.WriteFile(keyFile, []byte("-----BEGIN KEY-----"), 0o600)
	base := func() map[string]string {
		return map[string]string{"region": "us", "client-cert": "c", "key-file": keyFile}
	}
	tests := []struct {
		name    string
		change  map[string]string
		method  string
		wantErr string
	}{
		{name: "valid default group", change: map[string]string{}},
		{name: "rule in", change: map[string]string{"region": "zz"}, wantErr: "region: must be one of us, eu"},
		{name: "int range", change: map[string]string{"retries": "0"}, wantErr: "retries: must be at least 1"},
		{name: "required together", change: map[string]string{"username": "u"}, wantErr: "username, password must be set together"},
		{name: "dependent on", change: map[string]string{"proxy-port": "8080"}, wantErr: "proxy-port needs proxy-host"},
		{name: "mutually exclusive", change: map[string]string{"mode": "fast", "verbose": "true"}, wantErr: "set only one of mode, verbose"},
		{name: "missing file", change: map[string]string{"key-file": "/nonexistent/key.pem"}, wantErr: "key-file: cannot read /nonexistent/key.pem"},
		{name: "directory as file", change: map[string]string{"key-file": t.TempDir()}, wantErr: "is not a regular file"},
		{name: "other group needs token", change: map[string]string{}, method: "token-group", wantErr: "token: required (BATON_TOKEN)"},
		{name: "map pair", change: map[string]string{"labels": "a=1,b"}, wantErr: `labels: "b" is not a key=value pair`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := base()
			for k, val := range tt.change {
				v[k] = val
			}
			err := s.Check(v, tt.method)
			if tt.wantErr == "" {
				if err != nil {
					t.Fatalf("Check = %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("Check = %v, want %q", err, tt.wantErr)
			}
		})
	}
}

// TestSecretMarks checks that the connector's own isSecret decides in a
// schema that marks any secret, and that names are guessed only in one
// that marks none.
func TestSecretMarks(t *testing.T) {
	okta := load(t, "baton-okta.config.json")
	for name, want := range map[string]bool{"api-token": true, "okta-private-key": true, "okta-private-key-id": false, "okta-client-id": false} {
		if f, _ := okta.Field(name); f.Secret != want {
			t.Errorf("okta %s: secret %v, want %v", name, f.Secret, want)
		}
	}
	// baton-mysql marks nothing: its DSN is guessed secret by name.
	my := load(t, "baton-mysql.config.json")
	if f, _ := my.Field("connection-string"); !f.Secret {
		t.Error("mysql connection-string not guessed secret")
	}
}

// TestHiddenFields reads the v0.25.0 stand-in's schema and --help: domain
// is exported but hidden (WithHidden), so --help does not list it.
func TestHiddenFields(t *testing.T) {
	s := load(t, "compat-v0.25.0.config.json")
	help, err := os.ReadFile(filepath.Join("testdata", "compat-v0.25.0.help.txt"))
	if err != nil {
		t.Fatal(err)
	}
	s.SetFlags(HelpFlags(string(help)))
	var hidden []string
	for _, f := range s.Fields {
		if f.Hidden {
			hidden = append(hidden, f.Name)
		}
	}
	if !slices.Equal(hidden, []string{"domain"}) {
		t.Errorf("hidden = %v, want [domain]", hidden)
	}
	// A --help that lists none of the fields is not the connector's.
	s = load(t, "compat-v0.25.0.config.json")
	s.SetFlags([]string{"help", "file"})
	for _, f := range s.Fields {
		if f.Hidden {
			t.Errorf("%s hidden by a --help that lists no field", f.Name)
		}
	}
}

func TestKeyMaterial(t *testing.T) {
	okta := load(t, "baton-okta.config.json")
	compat := load(t, "compat-v0.25.0.config.json")
	for _, tt := range []struct {
		s    *Schema
		name string
		want bool
	}{
		{okta, "okta-private-key", true},
		{okta, "okta-private-key-id", false},
		{okta, "api-token", false},
		{compat, "private-key", true},
		{compat, "ca-file", false}, // FILE_UPLOAD: a path
		{compat, "password", false},
	} {
		if f, ok := tt.s.Field(tt.name); !ok || f.KeyMaterial() != tt.want {
			t.Errorf("%s: KeyMaterial %v, want %v", tt.name, f.KeyMaterial(), tt.want)
		}
	}
	for _, f := range []Field{
		{Name: "ca-file", Help: "Path to a PEM file with the server's CA certificate"},
		{Name: "tls-cert-path", Help: "The client certificate"},
		{Name: "client-cert", Help: "The client certificate"},
	} {
		if got, want := f.KeyMaterial(), f.Name == "client-cert"; got != want {
			t.Errorf("%s: KeyMaterial %v, want %v", f.Name, got, want)
		}
	}
}

// TestHelpOf keeps a deprecation note that names a real setting and drops
// the pointer of one that names a setting the schema lacks.
func TestHelpOf(t *testing.T) {
	ldap := load(t, "baton-ldap.config.json")
	dom, _ := ldap.Field("domain")
	if got := ldap.HelpOf(dom); got != dom.Help || !strings.Contains(got, "use url") {
		t.Errorf("domain help = %q", got)
	}
	udn, _ := ldap.Field("user-dn")
	if got := ldap.HelpOf(udn); got != "The user DN to bind to the LDAP server (deprecated)" {
		t.Errorf("user-dn help = %q", got)
	}
	s := &Schema{Fields: []Field{{Name: "old", Help: "Deprecated: use newer instead. The old way"}}}
	if got := s.HelpOf(s.Fields[0]); got != "Deprecated. The old way" {
		t.Errorf("help = %q", got)
	}
}

func TestReadValueFile(t *testing.T) {
	dir := t.TempDir()
	pem := "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBlqsVqx8jQ0sBvXNtHiU0tBxSvfnVw1HHZcL8DvYdqX\n-----END PRIVATE KEY-----"
	key := filepath.Join(dir, "key.pem")
	big := filepath.Join(dir, "big")
	empty := filepath.Join(dir, "empty")
	os.WriteFile(key, []byte(pem+"\n"), 0o600)
	os.WriteFile(big, []byte(strings.Repeat("x", MaxValueBytes+1)), 0o600)
	os.WriteFile(empty, []byte("\n"), 0o600)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := ReadValueFile(key); err != nil || got != pem {
		t.Errorf("ReadValueFile(key) = %q, %v; want the PEM with its line breaks", got, err)
	}
	for path, want := range map[string]string{
		fifo: "is not a regular file", big: "at most 65536", empty: "is empty", dir: "is not a regular file", filepath.Join(dir, "missing"): "cannot read",
	} {
		if _, err := ReadValueFile(path); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ReadValueFile(%s) = %v, want %q", path, err, want)
		}
	}
}
