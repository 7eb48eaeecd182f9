package plan

import (
	"slices"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/schema"
)

func driftSchema(fields ...schema.Field) *schema.Schema {
	return &schema.Schema{Fields: fields}
}

func TestCompareConnector(t *testing.T) {
	tenant := schema.Field{Name: "tenant", Required: true}
	apiKey := schema.Field{Name: "api-key", Required: true, Secret: true}
	legacy := schema.Field{Name: "legacy-mode"}
	region := schema.Field{Name: "region", Required: true}
	gen1 := driftSchema(tenant, apiKey, legacy)
	gen2 := driftSchema(tenant, apiKey, region)

	saved := &Plan{
		Connector: Connector{Name: "drift", Path: "/bin/baton-drift", Version: "v1.0.0", SDKVersion: "v0.25.0"},
		Values:    map[string]string{"tenant": "acme", "legacy-mode": "on"},
	}
	saved.Connector.Schema = gen1
	saved.Connector.SchemaFingerprint = saved.ConnectorFingerprint()
	saved.Connector.Schema = nil // as plan.json holds it
	secrets := map[string]string{"BATON_API_KEY": "k", "BATON_SETUP_AWS_ACCESS_KEY_ID": "AKIA", "BATON_AUTH_METHOD": ""}

	t.Run("unchanged", func(t *testing.T) {
		d := saved.CompareConnector(Connector{Version: "v1.0.0", SDKVersion: "v0.25.0", Schema: gen1}, secrets)
		if d.Changed() || d.Unrecorded || len(d.Lines()) != 0 {
			t.Errorf("drift %+v, lines %q", d, d.Lines())
		}
	})
	t.Run("upgraded with a new required field and a removed one", func(t *testing.T) {
		d := saved.CompareConnector(Connector{Version: "v2.0.0", SDKVersion: "v0.25.0", Schema: gen2}, secrets)
		if !d.Changed() || !d.NeedsInput() || !d.SettingsChanged {
			t.Errorf("drift %+v", d)
		}
		if d.OldVersion != "v1.0.0" || d.NewVersion != "v2.0.0" || d.OldSDK != "" {
			t.Errorf("versions %+v", d)
		}
		if len(d.Missing) != 1 || d.Missing[0].Name != "region" {
			t.Errorf("missing %v", d.Missing)
		}
		if !slices.Equal(d.Removed, []string{"legacy-mode"}) {
			t.Errorf("removed %v", d.Removed)
		}
		want := []string{"version v1.0.0 → v2.0.0", "it requires region (BATON_REGION)", "it no longer has legacy-mode"}
		for _, w := range want {
			if !strings.Contains(d.Summary(), w) {
				t.Errorf("summary %q lacks %q", d.Summary(), w)
			}
		}
	})
	t.Run("a secret field removed", func(t *testing.T) {
		d := saved.CompareConnector(Connector{Schema: driftSchema(tenant, legacy)}, secrets)
		if !slices.Equal(d.Removed, []string{"api-key"}) || d.NeedsInput() {
			t.Errorf("drift %+v", d)
		}
	})
	t.Run("settings changed without touching the values", func(t *testing.T) {
		d := saved.CompareConnector(Connector{Schema: driftSchema(tenant, apiKey, legacy, schema.Field{Name: "page-size"})}, secrets)
		if !d.SettingsChanged || d.NeedsInput() || len(d.Removed) > 0 || !strings.Contains(d.Summary(), "settings changed") {
			t.Errorf("drift %+v %q", d, d.Summary())
		}
	})
	t.Run("auth method gone", func(t *testing.T) {
		p := saved.Clone()
		p.AuthMethod = "token"
		d := p.CompareConnector(Connector{Schema: gen1}, secrets)
		if !d.AuthMethodGone || !d.NeedsInput() {
			t.Errorf("drift %+v", d)
		}
	})
	t.Run("written before versions were recorded", func(t *testing.T) {
		p := saved.Clone()
		p.Connector.Version, p.Connector.SchemaFingerprint = "", ""
		d := p.CompareConnector(Connector{Version: "v2.0.0", Schema: gen1}, secrets)
		if !d.Unrecorded || d.Changed() {
			t.Errorf("drift %+v", d)
		}
	})
	t.Run("hand-made variables are not the connector's", func(t *testing.T) {
		p := &Plan{Extra: []ExtraVar{{Name: "BATON_EXTRA", Secret: true}}, Values: map[string]string{"tenant": "acme"}}
		p.Connector.Schema = gen1
		p.MergeExtra()
		if got, want := p.ConnectorFingerprint(), schema.Fingerprint(gen1); got != want {
			t.Errorf("fingerprint with an extra variable %s, want %s", got, want)
		}
		p.Connector.SchemaFingerprint = p.ConnectorFingerprint()
		p.Connector.Schema = nil
		d := p.CompareConnector(Connector{Schema: gen1}, map[string]string{"BATON_EXTRA": "x", "BATON_API_KEY": "k"})
		if d.Changed() {
			t.Errorf("drift %+v", d)
		}
	})
}
