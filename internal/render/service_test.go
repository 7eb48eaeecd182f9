package render_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/servicemode"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// Service-mode files are rendered by internal/service; their goldens live
// here with the others, so `go test ./internal/render -update` refreshes
// them all and TestEveryTemplateHasAGolden sees them.

const (
	svcClientID = "clever-fox-1234@acme.conductor.one/pcc"
	svcSecret   = "secret-token:conductorone.com:v1:eyJrdHkiOiJPS1AiLCJjcnYiOiJFZDI1NTE5IiwieCI6Ii1fJ30"
	// Values that break naive quoting in sh and in systemd's parser.
	svcLabel = "it's \"quoted\" `id` $HOME ${HOME} %h \\n\\\nsecond line  \ttrailing  "
	svcToken = "tok'en\"$(id)\\$HOME#;x=y %i"
)

func servicePlan(dir, connectorPath string) *plan.Plan {
	sch := &schema.Schema{Fields: []schema.Field{
		{Name: "domain", Kind: schema.KindString, Required: true},
		{Name: "label", Kind: schema.KindString},
		{Name: "api-token", Kind: schema.KindString, Secret: true},
	}}
	p := &plan.Plan{
		Profile:   "okta-svc",
		Connector: plan.Connector{Name: "okta", Path: connectorPath, Schema: sch},
		Output:    plan.Output{Dir: dir},
		Mode:      plan.ModeService,
		Service:   plan.Service{ClientID: svcClientID},
	}
	p.SetValue(sch.Fields[0], "example.okta.com")
	p.SetValue(sch.Fields[1], svcLabel)
	p.SetValue(sch.Fields[2], svcToken)
	p.Secrets[plan.SecretClientSecret] = plan.NewSecret(svcSecret)
	return p
}

func TestServiceGolden(t *testing.T) {
	p := servicePlan("/home/op/.config/baton-setup/okta-svc", "/opt/baton/bin/baton-okta")
	files, err := servicemode.Files(p, "/usr/local/bin/baton-setup")
	if err != nil {
		t.Fatal(err)
	}
	names := map[string]string{"service.env": "service.env", "baton-okta-svc.service": "service.unit", "README.txt": "service.README.txt"}
	seen := 0
	for _, f := range files {
		if name, ok := names[f.Name]; ok {
			render.Golden(t, name, f.Content)
			seen++
		}
	}
	if seen != len(names) {
		t.Errorf("rendered %d of the %d golden files", seen, len(names))
	}
}

// systemdEnv reads an env file by the rules of systemd's EnvironmentFile=
// (src/basic/env-file.c): '#' and ';' start comments, single quotes are
// literal, double quotes unescape only \" \\ \` \$, unquoted backslashes
// escape the next byte, and unquoted trailing white space is dropped.
func systemdEnv(t *testing.T, content string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for len(content) > 0 {
		line := content
		// Keys and comments are one line; values may span lines in quotes.
		content = strings.TrimLeft(content, " \t\n\r")
		if content == "" {
			break
		}
		if content[0] == '#' || content[0] == ';' {
			_, content, _ = strings.Cut(content, "\n")
			continue
		}
		key, rest, ok := strings.Cut(content, "=")
		if !ok || strings.ContainsAny(key, "\n") {
			t.Fatalf("systemd would skip a line without '=': %q", line)
		}
		var v strings.Builder
		i, trim := 0, -1
		const (
			pre = iota
			plain
			single
			double
		)
		state := pre
	value:
		for ; i < len(rest); i++ {
			c := rest[i]
			switch state {
			case pre, plain:
				switch {
				case c == '\n':
					break value
				case c == '\'' && state == pre:
					state = single
				case c == '"' && state == pre:
					state = double
				case c == '\\':
					i++
					if i < len(rest) && rest[i] != '\n' {
						v.WriteByte(rest[i])
					}
					state, trim = plain, -1
				case (c == ' ' || c == '\t') && state == pre:
				case c == ' ' || c == '\t':
					if trim < 0 {
						trim = v.Len()
					}
					v.WriteByte(c)
				default:
					state, trim = plain, -1
					v.WriteByte(c)
				}
			case single:
				if c == '\'' {
					state = pre
				} else {
					v.WriteByte(c)
				}
			case double:
				switch {
				case c == '"':
					state = pre
				case c == '\\' && i+1 < len(rest) && strings.IndexByte("\"\\`$", rest[i+1]) >= 0:
					i++
					v.WriteByte(rest[i])
				case c == '\\' && i+1 < len(rest) && rest[i+1] == '\n':
					i++
				default:
					v.WriteByte(c)
				}
			}
		}
		s := v.String()
		if state == plain && trim >= 0 {
			s = s[:trim]
		}
		out[strings.TrimSpace(key)] = s
		content = rest[min(i+1, len(rest)):]
	}
	return out
}

// TestServiceEnvFile proves that systemd and sh both read back exactly the
// values that went into service.env.
func TestServiceEnvFile(t *testing.T) {
	p := servicePlan("/home/op/p", "/opt/baton/bin/baton-okta")
	files, err := servicemode.Files(p, "/usr/local/bin/baton-setup")
	if err != nil {
		t.Fatal(err)
	}
	env := files[0]
	if env.Name != servicemode.EnvFile || env.Mode != 0o600 || !env.Secret {
		t.Fatalf("first file = %s %04o secret=%v, want service.env 0600 secret", env.Name, env.Mode, env.Secret)
	}
	want := map[string]string{
		"BATON_DOMAIN": "example.okta.com", "BATON_LABEL": svcLabel, "BATON_API_TOKEN": svcToken,
		"BATON_CLIENT_ID": svcClientID, "BATON_CLIENT_SECRET": svcSecret,
	}
	got := systemdEnv(t, string(env.Content))
	for k, v := range want {
		if got[k] != v {
			t.Errorf("systemd reads %s = %q, want %q", k, got[k], v)
		}
	}
	if len(got) != len(want) {
		t.Errorf("systemd reads %d variables, want %d: %v", len(got), len(want), got)
	}
	path := filepath.Join(t.TempDir(), "service.env")
	if err := os.WriteFile(path, env.Content, 0o600); err != nil {
		t.Fatal(err)
	}
	for k, v := range want {
		out, err := exec.Command("/bin/sh", "-c", `set -a; . "$1"; eval "v=\${$2}"; printf '%s.' "$v"`, "sh", path, k).Output()
		if err != nil {
			t.Fatalf("sh: %v", err)
		}
		if got := strings.TrimSuffix(string(out), "."); got != v {
			t.Errorf("sh reads %s = %q, want %q", k, got, v)
		}
	}
	// The oracle itself must see the rules that matter.
	for in, want := range map[string]string{
		"A=x  \n": "x", "A='x  '\n": "x  ", `A="a\$b\n"` + "\n": `a$b\n`, "A=a\\\nb\n": "ab", "A='a'\"'\"'b'\n": "a'b",
	} {
		if got := systemdEnv(t, in)["A"]; got != want {
			t.Errorf("systemdEnv(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestServiceNoSecretOutsideEnvFile(t *testing.T) {
	p := servicePlan("/home/op/p", "/opt/baton/bin/baton-okta")
	files, err := servicemode.Files(p, "/usr/local/bin/baton-setup")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		for _, secret := range []string{svcSecret, "eyJrdHkiOiJPS1Ai", "tok'en", `tok'"'"'en`} {
			if has := bytes.Contains(f.Content, []byte(secret)); has != (f.Name == servicemode.EnvFile && secret != "tok'en") {
				t.Errorf("%s holds %q: %v", f.Name, secret[:6], has)
			}
		}
		if f.Name == servicemode.EnvFile {
			continue
		}
		if strings.Contains(f.Shown(), svcSecret) {
			t.Errorf("%s: Shown() reveals the secret", f.Name)
		}
	}
	if strings.Contains(files[0].Shown(), "eyJrdHkiOiJPS1Ai") || !strings.Contains(files[0].Shown(), "BATON_CLIENT_SECRET=••••") {
		t.Errorf("service.env is not masked when shown:\n%s", files[0].Shown())
	}
	unit := string(files[1].Content)
	for _, want := range []string{
		"ExecStart=/opt/baton/bin/baton-okta --health-check\n", "EnvironmentFile=/home/op/p/service.env\n",
		"Restart=always\n", "RestartSec=", "#User=baton-okta\n", "NoNewPrivileges=yes\n", "ProtectSystem=strict\n",
	} {
		if !strings.Contains(unit, want) {
			t.Errorf("unit lacks %q", want)
		}
	}
}

func TestServiceFilesRefuse(t *testing.T) {
	for _, tt := range []struct {
		name   string
		change func(*plan.Plan)
		want   string
	}{
		{"sync mode", func(p *plan.Plan) { p.Mode = plan.ModeSync }, "not \"service\""},
		{"no client id", func(p *plan.Plan) { p.Service.ClientID = "" }, "client ID: not set"},
		{"bad secret", func(p *plan.Plan) { p.Secrets[plan.SecretClientSecret] = plan.NewSecret("a:b:v2:c") }, "must be v1"},
		{"space in dir", func(p *plan.Plan) { p.Output.Dir = "/srv/my dir" }, "unit file"},
		{"percent in connector path", func(p *plan.Plan) { p.Connector.Path = "/opt/50%/baton-okta" }, "unit file"},
		{"docker image", func(p *plan.Plan) { p.Connector.Image = "public.ecr.aws/conductorone/baton-okta:latest" }, "docker"},
		{"invalid UTF-8", func(p *plan.Plan) { p.SetValue(schema.Field{Name: "label"}, "a\xffb") }, "UTF-8"},
		{"NUL", func(p *plan.Plan) { p.SetValue(schema.Field{Name: "label"}, "a\x00b") }, "NUL"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := servicePlan("/home/op/p", "/opt/baton/bin/baton-okta")
			tt.change(p)
			_, err := servicemode.Files(p, "/usr/local/bin/baton-setup")
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error = %v, want %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), "eyJrdHkiOiJPS1Ai") {
				t.Errorf("error shows the client secret: %v", err)
			}
		})
	}
}

// TestServiceUnitVerify runs systemd's own checker over the unit.
func TestServiceUnitVerify(t *testing.T) {
	analyze := testenv.RequireTool(t, "systemd-analyze")
	dir := t.TempDir()
	p := servicePlan(dir, "/bin/true")
	res, err := servicemode.Generate(p, servicemode.Options{Self: "/usr/local/bin/baton-setup"})
	if err != nil {
		t.Fatal(err)
	}
	unit := filepath.Join(dir, res.Unit)
	out, err := exec.Command(analyze, "verify", "--man=no", unit).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}
