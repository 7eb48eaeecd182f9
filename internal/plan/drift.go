package plan

import (
	"fmt"
	"slices"
	"strings"

	"github.com/conductorone/baton-setup/internal/schema"
)

// ConnectorFingerprint is the fingerprint of the settings the connector
// itself describes (schema.Fingerprint), leaving out the variables added
// by hand (Extra); "" when the schema is not loaded.
func (p *Plan) ConnectorFingerprint() string {
	sch := p.Connector.Schema
	if sch == nil {
		return ""
	}
	own := *sch
	own.Fields = slices.DeleteFunc(slices.Clone(sch.Fields), p.isExtraField)
	return schema.Fingerprint(&own)
}

// isExtraField reports whether f is a field MergeExtra made for a variable
// added by hand.
func (p *Plan) isExtraField(f schema.Field) bool {
	return f.Help == ExtraHelp && slices.ContainsFunc(p.Extra, func(v ExtraVar) bool { return v.Name == f.EnvName() })
}

// Drift is how a connector differs from what a saved setup recorded of it,
// and what that means for the setup's values.
type Drift struct {
	// OldVersion and NewVersion are the connector's --version before and
	// now, set only when both are known and differ; OldSDK and NewSDK the
	// same for its baton-sdk.
	OldVersion string `json:"oldVersion,omitempty"`
	NewVersion string `json:"newVersion,omitempty"`
	OldSDK     string `json:"oldSdk,omitempty"`
	NewSDK     string `json:"newSdk,omitempty"`
	// SettingsChanged is set when the connector describes other settings
	// than it did when the setup was written.
	SettingsChanged bool `json:"settingsChanged,omitempty"`
	// Missing are required settings the setup has no value for, such as
	// one the connector gained.
	Missing []schema.Field `json:"missing,omitempty"`
	// Removed are settings the setup has a value for that the connector no
	// longer has; a regeneration drops them.
	Removed []string `json:"removed,omitempty"`
	// AuthMethodGone is set when the setup's auth method no longer exists.
	AuthMethodGone bool `json:"authMethodGone,omitempty"`
	// Unrecorded is set when the setup was written before baton-setup
	// recorded the connector's version and settings.
	Unrecorded bool `json:"unrecorded,omitempty"`
}

// Changed reports whether the connector differs in any way from what was
// recorded.
func (d Drift) Changed() bool {
	return d.OldVersion != "" || d.OldSDK != "" || d.SettingsChanged || d.NeedsInput() || len(d.Removed) > 0
}

// NeedsInput reports whether the setup cannot run as it is: a required
// setting has no value, or its auth method is gone.
func (d Drift) NeedsInput() bool { return len(d.Missing) > 0 || d.AuthMethodGone }

// Lines say what changed, a phrase each, for a list under a heading such
// as "the connector changed since this setup was written".
func (d Drift) Lines() []string {
	var out []string
	if d.OldVersion != "" {
		out = append(out, fmt.Sprintf("version %s → %s", d.OldVersion, d.NewVersion))
	}
	if d.OldSDK != "" {
		out = append(out, fmt.Sprintf("baton-sdk %s → %s", d.OldSDK, d.NewSDK))
	}
	if d.SettingsChanged && len(d.Missing) == 0 && len(d.Removed) == 0 && !d.AuthMethodGone {
		out = append(out, "its settings changed; none of this setup's values is affected")
	}
	for _, f := range d.Missing {
		out = append(out, fmt.Sprintf("it requires %s (%s), which this setup has no value for", f.Name, f.EnvName()))
	}
	if d.AuthMethodGone {
		out = append(out, "it no longer has this setup's auth method")
	}
	for _, name := range d.Removed {
		out = append(out, fmt.Sprintf("it no longer has %s; a regeneration drops its value", name))
	}
	return out
}

// Summary is Lines on one line.
func (d Drift) Summary() string { return strings.Join(d.Lines(), "; ") }

// CompareConnector says how now, the connector as it is, differs from the
// one p recorded when it was written; now.Schema must be loaded. An empty
// now.Version or now.SDKVersion is not compared. Values are p's, and
// secretVars holds the variables of the profile's secrets file (by name),
// where its secret values are.
func (p *Plan) CompareConnector(now Connector, secretVars map[string]string) Drift {
	var d Drift
	was := p.Connector
	if was.Version == "" && was.SchemaFingerprint == "" {
		d.Unrecorded = true
	}
	if was.Version != "" && now.Version != "" && was.Version != now.Version {
		d.OldVersion, d.NewVersion = was.Version, now.Version
	}
	if was.SDKVersion != "" && now.SDKVersion != "" && was.SDKVersion != now.SDKVersion {
		d.OldSDK, d.NewSDK = was.SDKVersion, now.SDKVersion
	}
	if now.Schema == nil {
		return d
	}
	cur := p.Clone()
	cur.Connector = now
	cur.MergeExtra()
	sch := cur.Connector.Schema
	if was.SchemaFingerprint != "" && was.SchemaFingerprint != cur.ConnectorFingerprint() {
		d.SettingsChanged = true
	}
	method := p.AuthMethod
	if method != "" {
		if _, ok := sch.Group(method); !ok {
			d.AuthMethodGone = true
			method = ""
		}
	}
	has := func(f schema.Field) bool {
		return p.Values[f.Name] != "" || !p.Secrets[f.Name].IsZero() || secretVars[f.EnvName()] != ""
	}
	for _, f := range sch.Active(method) {
		if f.Required && !has(f) {
			d.Missing = append(d.Missing, f)
		}
	}
	for name := range p.Values {
		if _, ok := sch.Field(name); !ok {
			d.Removed = append(d.Removed, name)
		}
	}
	for name := range p.Secrets {
		if _, ok := sch.Field(name); !ok && name != SecretClientSecret && !slices.Contains(d.Removed, name) {
			d.Removed = append(d.Removed, name)
		}
	}
	known := map[string]bool{}
	for _, f := range sch.Fields {
		known[f.EnvName()] = true
	}
	for name, v := range secretVars {
		if v == "" || known[name] || !strings.HasPrefix(name, "BATON_") || strings.HasPrefix(name, "BATON_SETUP_") ||
			slices.Contains(reservedVars, name) {
			continue
		}
		field := strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(name, "BATON_"), "_", "-"))
		if !slices.Contains(d.Removed, field) {
			d.Removed = append(d.Removed, field)
		}
	}
	slices.Sort(d.Removed)
	return d
}
