package plan

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/schema"
)

const canary = "canary-7c1e5b0d-secret"

func demoSchema() *schema.Schema {
	return &schema.Schema{Fields: []schema.Field{
		{Name: "tenant", Required: true},
		{Name: "api-key", Required: true, Secret: true},
		{Name: "user-count", Kind: schema.KindInt},
	}}
}

func demoPlan() *Plan {
	p := &Plan{Profile: "demo", Connector: Connector{Name: "demo", Path: "/usr/bin/baton-demo", Schema: demoSchema()}}
	p.SetValue(schema.Field{Name: "tenant"}, "acme")
	p.SetValue(schema.Field{Name: "api-key", Secret: true}, canary)
	p.Destination = Destination{Kind: DestS3, Bucket: "my-bucket", Key: "baton/demo/sync.c1z", Region: "us-east-1"}
	p.Output.Dir = "/home/u/.config/baton-setup/demo"
	return p
}

// TestSecretNeverFormatted formats a plan every way Go code might and
// checks the secret appears in none of them.
func TestSecretNeverFormatted(t *testing.T) {
	p := demoPlan()
	var logBuf bytes.Buffer
	slog.New(slog.NewJSONHandler(&logBuf, nil)).Info("plan", "plan", p, "secret", p.Secrets["api-key"])
	slog.New(slog.NewTextHandler(&logBuf, nil)).Info("plan", "secret", p.Secrets["api-key"])
	js, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	secretJSON, _ := json.Marshal(p.Secrets)
	// Non-constant formats: vet rightly objects to %d on a struct, but a
	// careless caller could still write it.
	verbD, verbX := "%d", "%x"
	outs := map[string]string{
		"%v": fmt.Sprintf("%v", *p), "%+v": fmt.Sprintf("%+v", *p), "%#v": fmt.Sprintf("%#v", *p),
		"%d": fmt.Sprintf(verbD, *p), "%x": fmt.Sprintf(verbX, *p), "%s": fmt.Sprintf("%s", p.Secrets["api-key"]),
		"%q": fmt.Sprintf("%q", p.Secrets["api-key"]), "json": string(js), "json map": string(secretJSON),
		"slog": logBuf.String(), "masked": p.Secrets["api-key"].Masked(),
	}
	hexCanary := fmt.Sprintf("%x", canary)
	for name, out := range outs {
		if strings.Contains(out, canary) || strings.Contains(out, hexCanary) {
			t.Errorf("%s leaks the secret: %s", name, out)
		}
	}
	if got := p.Secrets["api-key"].Masked(); got != "••••cret" {
		t.Errorf("Masked = %q", got)
	}
	if got := NewSecret("short").Masked(); got != "••••" {
		t.Errorf("short Masked = %q", got)
	}
	// Key material shows nothing of its end: a PEM block ends in its armour.
	pem := "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIBlqsVqx8jQ0sBvXNtHiU0tBxSvfnVw1HHZcL8DvYdqX\n-----END PRIVATE KEY-----\n"
	for _, v := range []string{pem, strings.TrimSpace(pem), "first line of a secret\nsecond line"} {
		if got := NewSecret(v).Masked(); got != "••••" {
			t.Errorf("Masked(%q) = %q, want the bare mask", v, got)
		}
	}
	if p.Value("api-key") != canary {
		t.Error("Value does not reveal the secret to code that needs it")
	}
}

func TestSaveLoadKeepsNoSecret(t *testing.T) {
	p := demoPlan()
	file := filepath.Join(t.TempDir(), "plan.json")
	if err := p.Save(file); err != nil {
		t.Fatal(err)
	}
	data, _ := os.ReadFile(file)
	if bytes.Contains(data, []byte(canary)) {
		t.Errorf("saved plan holds the secret:\n%s", data)
	}
	st, _ := os.Stat(file)
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %o", st.Mode().Perm())
	}
	os.Chmod(file, 0o644)
	if err := p.Save(file); err != nil {
		t.Fatal(err)
	}
	if st, _ := os.Stat(file); st.Mode().Perm() != 0o600 {
		t.Errorf("re-save kept mode %o", st.Mode().Perm())
	}
	got, err := Load(file)
	if err != nil {
		t.Fatal(err)
	}
	if got.Values["tenant"] != "acme" || got.Destination != p.Destination || len(got.Secrets) != 0 {
		t.Errorf("loaded %+v", got)
	}
	os.WriteFile(file, []byte(`{"profile":"x","bogus":1}`), 0o600)
	if _, err := Load(file); err == nil || !strings.Contains(err.Error(), `unknown key "bogus"`) {
		t.Errorf("Load accepted an unknown key: %v", err)
	}
}

func TestLoadRefusesWhatIsNotARegularFile(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "plan.json")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{fifo, "/dev/null"} {
		done := make(chan error, 1)
		go func() {
			_, err := Load(file)
			done <- err
		}()
		select {
		case err := <-done:
			if want := "load plan " + file + ": not a regular file"; err == nil || err.Error() != want {
				t.Errorf("Load(%s) = %v, want %q", file, err, want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Load(%s) is still reading", file)
		}
	}
}

func TestParseDest(t *testing.T) {
	tests := []struct {
		in      string
		want    Destination
		wantErr string
	}{
		{in: "local", want: Destination{Kind: DestLocal}},
		{in: "s3://my-bucket/baton/okta/sync.c1z", want: Destination{Kind: DestS3, Bucket: "my-bucket", Key: "baton/okta/sync.c1z"}},
		{in: "s3://My_Bucket/x.c1z", wantErr: `bucket "My_Bucket"`},
		{in: "s3://ab/x.c1z", wantErr: `bucket "ab"`},
		{in: "s3://my-bucket/", wantErr: `object key ""`},
		{in: "s3://my-bucket//x.c1z", wantErr: "no leading or trailing /"},
		{in: "s3://my-bucket/sync.zip", wantErr: "must end in .c1z"},
		{in: "/tmp/x.c1z", wantErr: "want s3://BUCKET/KEY or local"},
		{in: "", wantErr: "want s3://BUCKET/KEY or local"},
		// S3's bucket naming rules.
		{in: "s3://my..bucket/x.c1z", wantErr: `bucket "my..bucket": use 3-63`},
		{in: "s3://my.-bucket/x.c1z", wantErr: `bucket "my.-bucket": S3 refuses a dot next to a hyphen`},
		{in: "s3://my-.bucket/x.c1z", wantErr: `bucket "my-.bucket": S3 refuses a dot next to a hyphen`},
		{in: "s3://xn--bcher-kva/x.c1z", wantErr: `bucket "xn--bcher-kva": S3 reserves names starting with xn--`},
		{in: "s3://sthree-configurator/x.c1z", wantErr: "S3 reserves names starting with sthree-"},
		{in: "s3://amzn-s3-demo-bucket/x.c1z", wantErr: "S3 reserves names starting with amzn-s3-demo-"},
		{in: "s3://my-ap-abc123-s3alias/x.c1z", wantErr: "S3 reserves names ending with -s3alias (access point aliases)"},
		{in: "s3://my-olap-abc--ol-s3/x.c1z", wantErr: "S3 reserves names ending with --ol-s3"},
		{in: "s3://abc.mrap/x.c1z", wantErr: "S3 reserves names ending with .mrap"},
		{in: "s3://data--use1-az4--x-s3/x.c1z", wantErr: "S3 reserves names ending with --x-s3"},
		{in: "s3://data--table-s3/x.c1z", wantErr: "S3 reserves names ending with --table-s3"},
		{in: "s3://xn-bucket/x.c1z", want: Destination{Kind: DestS3, Bucket: "xn-bucket", Key: "x.c1z"}},
		{in: "s3://my.bucket-s3alias.x/x.c1z", want: Destination{Kind: DestS3, Bucket: "my.bucket-s3alias.x", Key: "x.c1z"}},
		// Keys.
		{in: "s3://my-bucket/a/./x.c1z", wantErr: `has a "." segment`},
		{in: "s3://my-bucket/../x.c1z", wantErr: `has a ".." segment`},
		{in: "s3://my-bucket/a/../../x.c1z", wantErr: `has a ".." segment`},
		{in: "s3://my-bucket/a\tb.c1z", wantErr: "contains a line break, a tab or another control character"},
		{in: "s3://my-bucket/a\nb.c1z", wantErr: "contains a line break, a tab or another control character"},
		{in: "s3://my-bucket/a\x7fb.c1z", wantErr: "control character"},
		{in: "s3://my-bucket/a\xffb.c1z", wantErr: "not valid UTF-8"},
		{in: "s3://my-bucket/.../..x/x..c1z", want: Destination{Kind: DestS3, Bucket: "my-bucket", Key: ".../..x/x..c1z"}},
		{in: "s3://my-bucket/tenant café/x.c1z", want: Destination{Kind: DestS3, Bucket: "my-bucket", Key: "tenant café/x.c1z"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDest(tt.in)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("got %+v, %v", got, err)
			}
		})
	}
	d := Destination{Kind: DestS3, Bucket: "my-bucket", Key: "a.c1z", Region: "Virginia"}
	if err := d.Validate(); err == nil || !strings.Contains(err.Error(), `region "Virginia"`) {
		t.Errorf("region: %v", err)
	}
	d = Destination{Kind: DestS3, Bucket: "my-bucket", Key: "a.c1z", Endpoint: "ftp://x"}
	if err := d.Validate(); err == nil || !strings.Contains(err.Error(), "endpoint") {
		t.Errorf("endpoint: %v", err)
	}
}

func TestMissingAndValidate(t *testing.T) {
	p := &Plan{Connector: Connector{Name: "demo", Path: "/x", Schema: demoSchema()}}
	var missing []string
	for _, f := range p.Missing() {
		missing = append(missing, f.Name)
	}
	if strings.Join(missing, " ") != "tenant api-key" {
		t.Errorf("Missing: %v, want tenant and api-key", missing)
	}
	full := demoPlan()
	if err := full.Validate(); err != nil {
		t.Errorf("Validate: %v", err)
	}
	full.Profile = "Bad Name"
	full.Output.Dir = "relative/dir"
	err := full.Validate()
	if err == nil || !strings.Contains(err.Error(), `profile "Bad Name"`) || !strings.Contains(err.Error(), "must be an absolute path") {
		t.Errorf("Validate = %v", err)
	}
	svc := demoPlan()
	svc.Connector.Schema.Fields = append(svc.Connector.Schema.Fields, schema.Field{Name: "client-id"})
	svc.SetValue(schema.Field{Name: "client-id"}, "x@tenant/abc")
	if err := svc.ValidateConnector(); err == nil || !strings.Contains(err.Error(), "long-running service") {
		t.Errorf("client-id accepted: %v", err)
	}
}

func TestConnectorEnvAndClone(t *testing.T) {
	p := demoPlan()
	var names []string
	for _, e := range p.ConnectorEnv() {
		names = append(names, e.Name)
		if e.Name == "BATON_API_KEY" && !e.Secret {
			t.Error("api key not marked secret")
		}
	}
	if got := strings.Join(names, ","); got != "BATON_TENANT,BATON_API_KEY" {
		t.Errorf("env names = %s", got)
	}
	c := p.Clone()
	c.SetValue(schema.Field{Name: "tenant"}, "other")
	if p.Values["tenant"] != "acme" {
		t.Error("Clone shares the values map")
	}
}

func TestRedact(t *testing.T) {
	got := Redact("error: token "+canary+" rejected", map[string]Secret{"t": NewSecret(canary)})
	if strings.Contains(got, canary) || !strings.Contains(got, "••••") {
		t.Errorf("Redact = %q", got)
	}
}

// TestSettingErrors checks that validation names the setting in error, so
// that each front end can name it its own way, and that no message names
// a command-line flag.
func TestSettingErrors(t *testing.T) {
	for _, tt := range []struct {
		err  error
		want Setting
	}{
		{Destination{Kind: DestS3, Bucket: "B", Key: "a.c1z"}.Validate(), SettingDest},
		{Destination{Kind: DestS3, Bucket: "my-bucket", Key: "a.c1z", Region: "x"}.Validate(), SettingRegion},
		{Destination{Kind: DestS3, Bucket: "my-bucket", Key: "a.c1z", Credentials: CredProfile}.Validate(), SettingAWSProfile},
		{Destination{Kind: DestS3, Bucket: "my-bucket", Key: "a.c1z", Credentials: CredRole}.Validate(), SettingRoleARN},
		{ValidateProfile("Bad Name"), SettingProfile},
		{ValidateClientID("nope"), SettingClientID},
	} {
		var se *SettingError
		if !errors.As(tt.err, &se) || se.Setting != tt.want {
			t.Errorf("%v: setting %v, want %s", tt.err, se, tt.want)
			continue
		}
		if strings.Contains(tt.err.Error(), "--") {
			t.Errorf("%q names a flag", tt.err)
		}
		if got := se.Message(func(Setting) string { return "--flag" }); se.Hint != "" && !strings.Contains(got, "--flag") {
			t.Errorf("hint of %q does not name the setting: %q", tt.err, got)
		}
	}
}
