// Package schema turns a connector's `config` output (protojson of
// c1.config.v1.Configuration) into the fields baton-setup prompts for,
// validates values against the schema's rules and constraints, and names the
// BATON_* environment variable of every field.
package schema

import (
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"

	configv1 "github.com/conductorone/baton-sdk/pb/c1/config/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/conductorone/baton-setup/internal/lazyre"
)

// Kind is the value type of a field.
type Kind int

// Field kinds, one per schema type key that configuration can carry.
const (
	KindString Kind = iota
	KindInt
	KindBool
	KindStringSlice
	KindStringMap
	KindFile
)

// String returns the kind as a short word for help text and JSON.
func (k Kind) String() string {
	switch k {
	case KindInt:
		return "int"
	case KindBool:
		return "bool"
	case KindStringSlice:
		return "list"
	case KindStringMap:
		return "map"
	case KindFile:
		return "file"
	default:
		return "string"
	}
}

// MarshalText makes kinds readable in JSON output.
func (k Kind) MarshalText() ([]byte, error) { return []byte(k.String()), nil }

// Field is one connector configuration value.
type Field struct {
	Name        string   `json:"name"`
	Label       string   `json:"label"`
	Help        string   `json:"help,omitempty"`
	Placeholder string   `json:"placeholder,omitempty"`
	Kind        Kind     `json:"kind"`
	Required    bool     `json:"required"`
	Secret      bool     `json:"secret"`
	Default     string   `json:"default,omitempty"`
	Options     []string `json:"options,omitempty"`
	Min         *int64   `json:"min,omitempty"`
	Max         *int64   `json:"max,omitempty"`
	Deprecated  bool     `json:"deprecated,omitempty"`
	// Hidden is set for a field the connector exports in its schema but
	// hides from its --help (baton-sdk's WithHidden): a setting kept for
	// old configurations that a form should not offer.
	Hidden bool `json:"hidden,omitempty"`
	// Hint says where to find the value; it comes from the catalog, not
	// from the connector.
	Hint string `json:"hint,omitempty"`
	// Env, when set, is the variable that carries the value instead of
	// BATON_ and the name: a variable the connector reads that is not one
	// of its settings (a database user its mapping file names).
	Env string `json:"env,omitempty"`
}

// Group is an auth method: a named set of fields of which only the chosen
// group's apply.
type Group struct {
	Name    string   `json:"name"`
	Label   string   `json:"label"`
	Help    string   `json:"help,omitempty"`
	Fields  []string `json:"fields"`
	Default bool     `json:"default,omitempty"`
}

// ConstraintKind says how the fields of a constraint relate.
type ConstraintKind string

// Constraint kinds, as the SDK names them without the enum prefix.
const (
	RequiredTogether  ConstraintKind = "required together"
	AtLeastOne        ConstraintKind = "at least one"
	MutuallyExclusive ConstraintKind = "mutually exclusive"
	DependentOn       ConstraintKind = "dependent on"
)

// Constraint relates several fields.
type Constraint struct {
	Kind      ConstraintKind `json:"kind"`
	Fields    []string       `json:"fields"`
	Secondary []string       `json:"secondary,omitempty"`
	Help      string         `json:"help,omitempty"`
}

// Schema is a connector's configuration, without the SDK's own ops fields.
type Schema struct {
	DisplayName string       `json:"displayName,omitempty"`
	HelpURL     string       `json:"helpUrl,omitempty"`
	Fields      []Field      `json:"fields"`
	Groups      []Group      `json:"groups,omitempty"`
	Constraints []Constraint `json:"constraints,omitempty"`
	// FromHelp is set when the schema was read from --help because the
	// connector is too old to print its configuration.
	FromHelp bool `json:"fromHelp,omitempty"`
	// Flags lists every flag the connector's --help shows, the SDK's own
	// included; nil when its help was not read. It says which SDK options
	// (--sync-resource-types, --skip-entitlements-and-grants, --log-level)
	// this connector has, which the SDK version alone cannot be trusted for.
	Flags []string `json:"flags,omitempty"`
}

// SetFlags records the flags the connector's --help lists. A `config`
// schema's field that --help does not list is one the connector hides, so
// it is marked Hidden; when --help lists none of the fields, it was not
// the connector's own and nothing is marked.
func (s *Schema) SetFlags(flags []string) {
	s.Flags = flags
	if s.FromHelp {
		return
	}
	listed := false
	for _, f := range s.Fields {
		listed = listed || slices.Contains(flags, f.Name)
	}
	if !listed {
		return
	}
	for i := range s.Fields {
		s.Fields[i].Hidden = !slices.Contains(flags, s.Fields[i].Name)
	}
}

// HasFlag reports whether the connector declares the flag; known is false
// when its flags were not read.
func (s *Schema) HasFlag(name string) (has, known bool) {
	if s == nil || s.Flags == nil {
		return false, false
	}
	return slices.Contains(s.Flags, name), true
}

// opsFields are the SDK's operational fields at v0.25.0. A connector can
// re-export one without isOps, so the names are dropped as well as the flag.
var opsFields = map[string]bool{
	"log-level": true, "log-level-debug-expires-at": true, "session-store-maximum-size": true,
	"otel-collector-endpoint": true, "otel-collector-endpoint-tls-cert-path": true,
	"otel-collector-endpoint-tls-cert": true, "otel-collector-endpoint-tls-insecure": true,
	"otel-tracing-disabled": true, "otel-logging-disabled": true, "health-check": true,
	"health-check-port": true, "health-check-bind-address": true, "http-timeout-seconds": true,
}

// secretish matches names of values that are secret even when a connector
// forgets to mark them (baton-mysql's connection-string holds a password).
// It applies only to a schema that marks no secret at all: where the
// connector marks some, its marks decide (baton-okta's okta-private-key-id
// is a public key ID).
var secretish = lazyre.New(`(^|-)(password|passwd|secret|token|dsn|connection-string|private-key|privatekey|api-key|apikey|key)($|-)`)

// keyMaterial matches names and descriptions of values that are key
// material or certificates: several lines of PEM, as a rule.
var keyMaterial = lazyre.New(`(?i)\bpem\b|private[ _-]?key|certificate|\bcert\b|-----BEGIN`)

// pathHelp matches descriptions of a value that is a path to a file, not
// the file's content.
var pathHelp = lazyre.New(`(?i)^(a |the )?(path|file)\b|\bpath (to|of)\b|\bfile ?path\b`)

// deprecatedUse matches a deprecation note that names the setting to use
// instead: "(deprecated, use url)", "Deprecated: use url instead.".
var deprecatedUse = lazyre.New(`(?i)(\(?)deprecated[,:;]?\s*(?:please\s+)?use\s+(?:--)?([a-z0-9][a-z0-9-]*)(?:\s+instead)?(\.?\)?)`)

// envText strips env hints that some connectors put in descriptions, in both
// the "($BATON_X)" and the malformed "$(BATON_X)" forms.
var envText = lazyre.New(`\s*\(\$BATON_[A-Z0-9_]+\)|\s*\$\(BATON_[A-Z0-9_]+\)`)

// Parse reads the JSON printed by `<connector> config`.
func Parse(data []byte) (*Schema, error) {
	var cfg configv1.Configuration
	if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("parse connector schema: %w", err)
	}
	s := &Schema{DisplayName: cfg.GetDisplayName(), HelpURL: cfg.GetHelpUrl()}
	known := map[string]bool{}
	marked := false
	for _, f := range cfg.GetFields() {
		if f.GetIsOps() || opsFields[f.GetName()] || f.GetName() == "" {
			continue
		}
		field, ok := convertField(f)
		if !ok {
			continue
		}
		marked = marked || field.Secret
		known[field.Name] = true
		s.Fields = append(s.Fields, field)
	}
	if !marked {
		for i, f := range s.Fields {
			s.Fields[i].Secret = f.Kind == KindString && secretish().MatchString(f.Name)
		}
	}
	for _, g := range cfg.GetFieldGroups() {
		group := Group{Name: g.GetName(), Label: g.GetDisplayName(), Help: g.GetHelpText(), Default: g.GetDefault()}
		if group.Label == "" {
			group.Label = group.Name
		}
		// Groups may name fields the connector does not export (okta's cache*).
		for _, name := range g.GetFields() {
			if known[name] {
				group.Fields = append(group.Fields, name)
			}
		}
		s.Groups = append(s.Groups, group)
	}
	for _, c := range cfg.GetConstraints() {
		kind, ok := constraintKinds[c.GetKind()]
		if !ok {
			continue
		}
		con := Constraint{Kind: kind, Help: c.GetHelpText()}
		for _, n := range c.GetFieldNames() {
			if known[n] {
				con.Fields = append(con.Fields, n)
			}
		}
		for _, n := range c.GetSecondaryFieldNames() {
			if known[n] {
				con.Secondary = append(con.Secondary, n)
			}
		}
		if len(con.Fields) > 0 {
			s.Constraints = append(s.Constraints, con)
		}
	}
	return s, nil
}

var constraintKinds = map[configv1.ConstraintKind]ConstraintKind{
	configv1.ConstraintKind_CONSTRAINT_KIND_REQUIRED_TOGETHER:  RequiredTogether,
	configv1.ConstraintKind_CONSTRAINT_KIND_AT_LEAST_ONE:       AtLeastOne,
	configv1.ConstraintKind_CONSTRAINT_KIND_MUTUALLY_EXCLUSIVE: MutuallyExclusive,
	configv1.ConstraintKind_CONSTRAINT_KIND_DEPENDENT_ON:       DependentOn,
}

func convertField(f *configv1.Field) (Field, bool) {
	out := Field{
		Name:        f.GetName(),
		Label:       f.GetDisplayName(),
		Help:        CleanHelp(f.GetDescription()),
		Placeholder: f.GetPlaceholder(),
		Required:    f.GetIsRequired(),
		Secret:      f.GetIsSecret(),
	}
	lower := strings.ToLower(out.Help)
	out.Deprecated = strings.Contains(lower, "deprecated")
	switch {
	case f.GetStringField() != nil:
		sf := f.GetStringField()
		out.Kind = KindString
		if sf.GetType() == configv1.StringFieldType_STRING_FIELD_TYPE_FILE_UPLOAD {
			out.Kind = KindFile
		}
		out.Default = sf.GetDefaultValue()
		out.Required = out.Required || sf.GetRules().GetIsRequired()
		out.Options = slices.Clone(sf.GetRules().GetIn())
		for _, o := range sf.GetOptions() {
			if o.GetValue() != "" && !slices.Contains(out.Options, o.GetValue()) {
				out.Options = append(out.Options, o.GetValue())
			}
		}
	case f.GetIntField() != nil:
		inf := f.GetIntField()
		out.Kind = KindInt
		if d := inf.GetDefaultValue(); d != 0 {
			out.Default = strconv.FormatInt(d, 10)
		}
		r := inf.GetRules()
		out.Required = out.Required || r.GetIsRequired()
		if r.HasGte() {
			v := r.GetGte()
			out.Min = &v
		} else if r.HasGt() {
			v := r.GetGt() + 1
			out.Min = &v
		}
		if r.HasLte() {
			v := r.GetLte()
			out.Max = &v
		} else if r.HasLt() {
			v := r.GetLt() - 1
			out.Max = &v
		}
		for _, v := range r.GetIn() {
			out.Options = append(out.Options, strconv.FormatInt(v, 10))
		}
	case f.GetBoolField() != nil:
		out.Kind = KindBool
		out.Default = strconv.FormatBool(f.GetBoolField().GetDefaultValue())
		// A bool always has a value, so "required" adds nothing to ask for.
		out.Required = false
	case f.GetStringSliceField() != nil:
		out.Kind = KindStringSlice
		out.Default = strings.Join(f.GetStringSliceField().GetDefaultValue(), ",")
		out.Required = out.Required || f.GetStringSliceField().GetRules().GetIsRequired()
	case f.GetStringMapField() != nil:
		out.Kind = KindStringMap
	default:
		// Action-only types (resource ids, grants) never configure a sync.
		return Field{}, false
	}
	if out.Label == "" {
		out.Label = labelFromName(out.Name)
	}
	return out, true
}

// CleanHelp removes env-variable hints from a description and trims it,
// keeping line breaks.
func CleanHelp(s string) string {
	s = envText().ReplaceAllString(s, "")
	lines := strings.Split(s, "\n")
	for i := range lines {
		lines[i] = strings.TrimSpace(lines[i])
	}
	return strings.TrimSpace(strings.Join(lines, "\n"))
}

func labelFromName(name string) string {
	words := strings.Split(name, "-")
	for i, w := range words {
		switch w {
		case "api", "url", "id", "dn", "dsn", "sso", "saml", "oauth", "ca":
			words[i] = strings.ToUpper(w)
		default:
			if w != "" {
				words[i] = strings.ToUpper(w[:1]) + w[1:]
			}
		}
	}
	return strings.Join(words, " ")
}

// KeyMaterial reports whether the field's value is key material or a
// certificate, which arrives as several lines of PEM: a string field named
// or described so that is neither the key's ID nor a path to a file (a
// FILE_UPLOAD field is KindFile).
func (f Field) KeyMaterial() bool {
	if f.Kind != KindString || len(f.Options) > 0 {
		return false
	}
	name := strings.ToLower(f.Name)
	for _, suffix := range []string{"-id", "-ids", "-path", "-file", "-dir", "-name", "-url"} {
		if strings.HasSuffix(name, suffix) {
			return false
		}
	}
	if pathHelp().MatchString(f.Help) {
		return false
	}
	return keyMaterial().MatchString(f.Name + " " + f.Label + " " + f.Help)
}

// HelpOf is f's help as a form shows it: a deprecation note that points
// at a setting this schema does not have ("deprecated, use user-bind-dn"
// where the field is bind-dn) says only that it is deprecated.
func (s *Schema) HelpOf(f Field) string {
	return deprecatedUse().ReplaceAllStringFunc(f.Help, func(m string) string {
		sub := deprecatedUse().FindStringSubmatch(m)
		if _, ok := s.Field(sub[2]); ok {
			return m
		}
		note := "deprecated"
		if strings.HasPrefix(m, "D") {
			note = "Deprecated"
		}
		if sub[1] == "(" {
			return "(" + note + ")"
		}
		return note + strings.TrimSuffix(sub[3], ")")
	})
}

// EnvName returns the environment variable a connector reads for a field
// name: BATON_ + upper case, with '-' turned into '_'.
func EnvName(name string) string {
	return "BATON_" + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}

// EnvName returns the field's environment variable.
func (f Field) EnvName() string {
	if f.Env != "" {
		return f.Env
	}
	return EnvName(f.Name)
}

// Field returns the field with the given name.
func (s *Schema) Field(name string) (Field, bool) {
	for _, f := range s.Fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

// DefaultGroup returns the auth method that applies when none is chosen:
// the group marked default, else the first; "" when there are no groups.
func (s *Schema) DefaultGroup() string {
	for _, g := range s.Groups {
		if g.Default {
			return g.Name
		}
	}
	if len(s.Groups) > 0 {
		return s.Groups[0].Name
	}
	return ""
}

// Group returns the auth method with the given name.
func (s *Schema) Group(name string) (Group, bool) {
	for _, g := range s.Groups {
		if g.Name == name {
			return g, true
		}
	}
	return Group{}, false
}

// groupOf returns the names of groups that list the field.
func (s *Schema) inAnyGroup(name string) bool {
	for _, g := range s.Groups {
		if slices.Contains(g.Fields, name) {
			return true
		}
	}
	return false
}

// Active returns the fields that apply under the auth method: every field
// outside all groups, plus the chosen group's fields. An empty method means
// the default group.
func (s *Schema) Active(method string) []Field {
	if len(s.Groups) == 0 {
		return slices.Clone(s.Fields)
	}
	if method == "" {
		method = s.DefaultGroup()
	}
	g, _ := s.Group(method)
	var out []Field
	for _, f := range s.Fields {
		if !s.inAnyGroup(f.Name) || slices.Contains(g.Fields, f.Name) {
			out = append(out, f)
		}
	}
	return out
}

// MaxValueBytes bounds one value: Linux refuses to start a process with an
// environment string over 128 KiB, and no connector setting comes close.
const MaxValueBytes = 64 << 10

// ReadValueFile reads a value from a regular file, without its final line
// break, as a setting given as a file (a PEM key) is stored. The file is
// checked before it is opened: opening a FIFO would wait for a writer.
func ReadValueFile(path string) (string, error) {
	if st, err := os.Stat(path); err != nil {
		return "", fmt.Errorf("cannot read %s: %w", path, errors.Unwrap(err))
	} else if !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", path, errors.Unwrap(err))
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	if st.Size() > MaxValueBytes {
		return "", fmt.Errorf("%s holds %d bytes; at most %d fit in the environment variable that carries a value", path, st.Size(), MaxValueBytes)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxValueBytes+1))
	if err != nil {
		return "", fmt.Errorf("cannot read %s: %w", path, err)
	}
	if len(data) > MaxValueBytes {
		return "", fmt.Errorf("%s holds more than %d bytes, which is all the environment variable that carries a value takes", path, MaxValueBytes)
	}
	v := strings.TrimRight(string(data), "\r\n")
	if strings.TrimSpace(v) == "" {
		return "", fmt.Errorf("%s is empty", path)
	}
	return v, nil
}

// Validate checks one value against the field's type and rules. An empty
// value is accepted here; Check enforces required fields.
func (f Field) Validate(v string) error {
	if v == "" {
		return nil
	}
	if strings.TrimSpace(v) == "" {
		return fmt.Errorf("%s: value is only white space", f.Name)
	}
	if len(v) > MaxValueBytes {
		return fmt.Errorf("%s: value is %d bytes; at most %d fit in the environment variable that carries it", f.Name, len(v), MaxValueBytes)
	}
	switch f.Kind {
	case KindInt:
		n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
		if err != nil {
			return fmt.Errorf("%s: %q is not a whole number", f.Name, v)
		}
		if f.Min != nil && n < *f.Min {
			return fmt.Errorf("%s: must be at least %d", f.Name, *f.Min)
		}
		if f.Max != nil && n > *f.Max {
			return fmt.Errorf("%s: must be at most %d", f.Name, *f.Max)
		}
	case KindBool:
		if _, err := strconv.ParseBool(v); err != nil {
			return fmt.Errorf("%s: %q is not true or false", f.Name, v)
		}
	case KindFile:
		// The connector reads the file itself, later; check now that it can.
		file, err := os.Open(v)
		if err != nil {
			return fmt.Errorf("%s: cannot read %s: %w", f.Name, v, errors.Unwrap(err))
		}
		st, err := file.Stat()
		file.Close()
		if err != nil || !st.Mode().IsRegular() {
			return fmt.Errorf("%s: %s is not a regular file", f.Name, v)
		}
	case KindStringMap:
		for _, pair := range strings.Split(v, ",") {
			if k, _, ok := strings.Cut(pair, "="); !ok || strings.TrimSpace(k) == "" {
				return fmt.Errorf("%s: %q is not a key=value pair", f.Name, pair)
			}
		}
	}
	if len(f.Options) > 0 && !slices.Contains(f.Options, v) {
		return fmt.Errorf("%s: must be one of %s", f.Name, strings.Join(f.Options, ", "))
	}
	if f.Kind != KindString && f.Kind != KindFile && strings.ContainsAny(v, "\n\r") {
		return fmt.Errorf("%s: value must be on one line", f.Name)
	}
	return nil
}

// Check validates a whole set of values under an auth method: every value's
// rules, required fields of the active set, and the schema's constraints.
// It reports every problem at once.
func (s *Schema) Check(values map[string]string, method string) error {
	if method != "" && len(s.Groups) > 0 {
		if _, ok := s.Group(method); !ok {
			names := make([]string, len(s.Groups))
			for i, g := range s.Groups {
				names[i] = g.Name
			}
			return fmt.Errorf("unknown auth method %q: choose one of %s", method, strings.Join(names, ", "))
		}
	}
	var errs []error
	for _, f := range s.Active(method) {
		v := values[f.Name]
		if v == "" && f.Required {
			errs = append(errs, fmt.Errorf("%s: required (%s)", f.Name, f.EnvName()))
			continue
		}
		if err := f.Validate(v); err != nil {
			errs = append(errs, err)
		}
	}
	set := func(n string) bool { return values[n] != "" }
	for _, c := range s.Constraints {
		n := 0
		for _, f := range c.Fields {
			if set(f) {
				n++
			}
		}
		list := strings.Join(c.Fields, ", ")
		switch c.Kind {
		case RequiredTogether:
			if n > 0 && n < len(c.Fields) {
				errs = append(errs, fmt.Errorf("%s must be set together", list))
			}
		case AtLeastOne:
			if n == 0 {
				errs = append(errs, fmt.Errorf("set at least one of %s", list))
			}
		case MutuallyExclusive:
			if n > 1 {
				errs = append(errs, fmt.Errorf("set only one of %s", list))
			}
		case DependentOn:
			if n > 0 {
				for _, d := range c.Secondary {
					if !set(d) {
						errs = append(errs, fmt.Errorf("%s needs %s", list, d))
					}
				}
			}
		}
	}
	return errors.Join(errs...)
}
