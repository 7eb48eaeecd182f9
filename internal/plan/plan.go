// Package plan holds the one value that describes a setup: which connector,
// its configuration, where the sync goes and when it runs. The wizard fills
// a Plan step by step; the non-interactive commands build one from flags;
// everything that acts reads it.
package plan

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/google/renameio/v2"

	"github.com/conductorone/baton-setup/internal/lazyre"
	"github.com/conductorone/baton-setup/internal/schema"
)

// Plan describes what will be set up.
type Plan struct {
	Profile     string            `json:"profile"`
	Connector   Connector         `json:"connector"`
	AuthMethod  string            `json:"authMethod,omitempty"`
	Values      map[string]string `json:"values,omitempty"`
	Secrets     map[string]Secret `json:"-"`
	Destination Destination       `json:"destination"`
	Schedule    Schedule          `json:"schedule"`
	Output      Output            `json:"output"`
	// Mode is ModeSync (scheduled one-shot syncs) or ModeService (a
	// long-running connector that talks to ConductorOne itself).
	Mode    string  `json:"mode,omitempty"`
	Service Service `json:"service,omitzero"`
	// Extra lists the BATON_* variables added by hand for a connector that
	// describes none of its settings. plan.json keeps them, since it does not
	// keep the schema; MergeExtra turns them back into fields.
	Extra []ExtraVar `json:"extraVars,omitempty"`
}

// ExtraVar is one variable the profile carries besides the connector's own
// settings: a BATON_* variable added by hand for a connector that
// describes none of its settings, or a variable the connector reads from
// elsewhere (a database password its mapping file names). Only its name is
// here; a plain value is in Plan.Values under ExtraFieldName(Name), a
// secret one in secrets.env.
type ExtraVar struct {
	Name   string `json:"name"`
	Secret bool   `json:"secret,omitempty"`
}

// ExtraHelp is the help text of the fields made from extra variables.
const ExtraHelp = "Added by hand."

// envVarName is a variable name a shell can export.
var envVarName = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*$`)

// reservedVars are set by baton-setup itself or by the scheduler, or turn
// a sync into a long-running service.
var reservedVars = []string{
	"BATON_FILE", "BATON_CLIENT_ID", "BATON_CLIENT_SECRET", "BATON_AUTH_METHOD",
	"PATH", "HOME", "TMPDIR", "SHELL", "LOGNAME", "USER", "PWD", "IFS",
}

// ValidateExtraName checks the name of an extra variable.
func ValidateExtraName(name string) error {
	switch {
	case name == "":
		return errors.New("type a name such as BATON_API_TOKEN or DB_PASSWORD")
	case !envVarName().MatchString(name):
		return fmt.Errorf("%s: use letters, digits and _, not starting with a digit", name)
	case slices.Contains(reservedVars, name), strings.HasPrefix(name, "BATON_SETUP_"):
		return fmt.Errorf("%s is set by baton-setup or the scheduler itself", name)
	}
	return nil
}

// ExtraFieldName is the field name of an extra variable: BATON_API_TOKEN
// becomes api-token, which schema.EnvName turns back; another variable
// keeps its own name.
func ExtraFieldName(env string) string {
	if !strings.HasPrefix(env, "BATON_") {
		return env
	}
	return strings.ToLower(strings.ReplaceAll(strings.TrimPrefix(env, "BATON_"), "_", "-"))
}

// ExtraField is the schema field of an extra variable.
func ExtraField(v ExtraVar) schema.Field {
	f := schema.Field{Name: ExtraFieldName(v.Name), Label: v.Name, Help: ExtraHelp, Secret: v.Secret}
	if !strings.HasPrefix(v.Name, "BATON_") {
		f.Env = v.Name
	}
	return f
}

// AddExtra adds an extra variable unless the plan carries it already, and
// says whether it did.
func (p *Plan) AddExtra(v ExtraVar) bool {
	for i, e := range p.Extra {
		if e.Name == v.Name {
			p.Extra[i].Secret = v.Secret
			return false
		}
	}
	p.Extra = append(p.Extra, v)
	return true
}

// MergeExtra adds a field to the connector schema for each extra variable
// it lacks; a field the connector declares itself wins. The schema is
// copied, not changed, since earlier plans may share it.
func (p *Plan) MergeExtra() {
	if len(p.Extra) == 0 {
		return
	}
	var sch schema.Schema
	if p.Connector.Schema != nil {
		sch = *p.Connector.Schema
	}
	sch.Fields = slices.Clone(sch.Fields)
	for _, v := range p.Extra {
		if slices.ContainsFunc(sch.Fields, func(f schema.Field) bool { return f.EnvName() == v.Name }) {
			continue
		}
		sch.Fields = append(sch.Fields, ExtraField(v))
	}
	p.Connector.Schema = &sch
}

// Run modes.
const (
	ModeSync    = ""
	ModeService = "service"
)

// SecretClientSecret is the key of the ConductorOne client secret in
// Plan.Secrets in service mode; it is also its environment variable.
const SecretClientSecret = "BATON_CLIENT_SECRET"

// Service holds the ConductorOne credentials of service mode. The client
// secret lives in Plan.Secrets[SecretClientSecret], so it stays out of
// plan.json like every other secret.
type Service struct {
	ClientID string `json:"clientId,omitempty"`
}

// Connector names the connector binary and how to call it.
type Connector struct {
	Name string `json:"name"`
	// Path is the absolute path of the binary; cron has no useful PATH.
	Path string `json:"path"`
	// Args come before any flag, e.g. the demo connector's subcommand.
	Args []string `json:"args,omitempty"`
	// Image, when set, is the container image sync.sh runs with docker
	// instead of the binary at Path (docker mode).
	Image string `json:"image,omitempty"`
	// Docker is the absolute path of the docker CLI in docker mode.
	Docker     string `json:"docker,omitempty"`
	SDKVersion string `json:"sdkVersion,omitempty"`
	// Version is what the connector's --version reported when the setup
	// was last written; "" when it was not asked.
	Version string `json:"version,omitempty"`
	// SchemaFingerprint identifies the settings the connector described
	// when the setup was last written (Plan.ConnectorFingerprint), so that
	// a connector that changed since can be noticed.
	SchemaFingerprint string         `json:"schemaFingerprint,omitempty"`
	Schema            *schema.Schema `json:"-"`
}

// Destination kinds.
const (
	DestS3    = "s3"
	DestLocal = "local"
)

// Destination is where the sync file goes.
type Destination struct {
	Kind     string `json:"kind"`
	Bucket   string `json:"bucket,omitempty"`
	Key      string `json:"key,omitempty"`
	Region   string `json:"region,omitempty"`
	Endpoint string `json:"endpoint,omitempty"`
	// RoleARN is an IAM role the uploader assumes through STS, with
	// ExternalID when the role's trust policy requires one.
	RoleARN    string `json:"roleArn,omitempty"`
	ExternalID string `json:"externalId,omitempty"`
	// Credentials says where the uploader's AWS credentials come from: the
	// default chain (""), CredProfile, CredRole or CredStatic.
	Credentials string `json:"credentials,omitempty"`
	// AWSProfile is the shared-config profile of CredProfile.
	AWSProfile string `json:"awsProfile,omitempty"`
	// AccessKeyID and SecretAccessKey are CredStatic's keys. They go to
	// secrets.env only, never to plan.json.
	AccessKeyID     Secret `json:"-"`
	SecretAccessKey Secret `json:"-"`
}

// Credential modes of Destination.Credentials, in the order the wizard
// recommends them; the default chain is "".
const (
	CredDefault = ""
	CredProfile = "profile"
	CredRole    = "role"
	CredStatic  = "static"
)

var awsProfileName = lazyre.New(`^[A-Za-z0-9_.@+=,-]{1,128}$`)

// accessKeyID is the shape of an AWS access key ID (AKIA…, ASIA…).
var accessKeyID = lazyre.New(`^[A-Z0-9]{16,128}$`)

// validateCredentials checks the credential mode and what it needs.
func (d Destination) validateCredentials() error {
	switch d.Credentials {
	case CredDefault:
	case CredProfile:
		if d.AWSProfile == "" {
			return SettingErrorf(SettingAWSProfile, "AWS credentials profile: name the profile").WithHint("give it with %s", Placeholder)
		}
	case CredRole:
		if d.RoleARN == "" {
			return SettingErrorf(SettingRoleARN, "AWS credentials role: give the role ARN").WithHint("give it with %s", Placeholder)
		}
	case CredStatic:
		if d.AccessKeyID.IsZero() || d.SecretAccessKey.IsZero() {
			return SettingErrorf(SettingAWSKeys, "AWS credentials static: both the access key ID and the secret access key are needed")
		}
		if !accessKeyID().MatchString(d.AccessKeyID.Reveal()) {
			return SettingErrorf(SettingAWSKeys, "AWS access key ID: want 16-128 upper-case letters and digits, such as AKIA…")
		}
		if v := d.SecretAccessKey.Reveal(); strings.ContainsAny(v, " \t\r\n\x00") {
			return SettingErrorf(SettingAWSKeys, "AWS secret access key: contains white space or a line break; paste it as one line")
		}
	default:
		return SettingErrorf(SettingAWSCredentials, "AWS credentials %q: want default, profile, role or static", d.Credentials)
	}
	if d.AWSProfile != "" {
		if d.Credentials != CredProfile {
			return SettingErrorf(SettingAWSProfile, "AWS profile: given without the profile credential mode")
		}
		if !awsProfileName().MatchString(d.AWSProfile) {
			return SettingErrorf(SettingAWSProfile, "AWS profile %q: use letters, digits or _.@+=,-", d.AWSProfile)
		}
	}
	return nil
}

// Schedule says when sync.sh runs.
type Schedule struct {
	// Cron is a five-field numeric cron expression.
	Cron string `json:"cron"`
	// Install asks for the crontab block to be installed.
	Install bool `json:"install,omitempty"`
	// Scheduler is what runs sync.sh: "" for cron, or "systemd".
	Scheduler string `json:"scheduler,omitempty"`
	// System makes systemd system units (root's manager) rather than user
	// units.
	System bool `json:"system,omitempty"`
}

// Output is where the generated files go.
type Output struct {
	Dir string `json:"dir"`
}

// String shows the destination as the user typed it.
func (d Destination) String() string {
	if d.Kind == DestS3 {
		return "s3://" + d.Bucket + "/" + d.Key
	}
	return DestLocal
}

// bucketName follows S3's rules for new buckets: 3-63 characters of lower
// case letters, digits, dots and hyphens, starting and ending alphanumeric.
var bucketName = lazyre.New(`^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$`)

// reservedBuckets are the starts and ends of names S3 keeps for itself,
// from its bucket naming rules.
var reservedBuckets = []struct {
	part   string
	prefix bool
	what   string
}{
	{"xn--", true, "internationalized domain names"},
	{"sthree-", true, "S3's own use"},
	{"amzn-s3-demo-", true, "examples in AWS documentation"},
	{"-s3alias", false, "access point aliases"},
	{"--ol-s3", false, "Object Lambda access point aliases"},
	{".mrap", false, "Multi-Region Access Points"},
	{"--x-s3", false, "directory buckets"},
	{"--table-s3", false, "table buckets"},
}

// ipAddress is a bucket name S3 refuses although bucketName allows it.
var ipAddress = lazyre.New(`^\d{1,3}(\.\d{1,3}){3}$`)

var regionName = lazyre.New(`^[a-z]{2}(-[a-z]+)+-\d$`)

// roleARN is arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME, with IAM's
// character set for paths and names.
var roleARN = lazyre.New(`^arn:(aws|aws-cn|aws-us-gov|aws-iso|aws-iso-b|aws-iso-e|aws-iso-f|aws-eusc):iam::(\d{12}):role/([\w+=,.@/-]+)$`)

// Go's regexp caps repeat counts at 1000, so the length is checked apart.
var externalID = lazyre.New(`^[\w+=,.@:/-]+$`)

// ValidateRoleARN checks an IAM role ARN before any call is made.
func ValidateRoleARN(arn string) error {
	m := roleARN().FindStringSubmatch(arn)
	if m == nil {
		switch {
		case !strings.HasPrefix(arn, "arn:"):
			return SettingErrorf(SettingRoleARN, "role ARN %q: want arn:aws:iam::ACCOUNT:role/NAME", arn)
		case strings.Contains(arn, ":user/"):
			return SettingErrorf(SettingRoleARN, "role ARN %q: this is a user, not a role; want arn:aws:iam::ACCOUNT:role/NAME", arn)
		case strings.Contains(arn, ":sts::"):
			return SettingErrorf(SettingRoleARN, "role ARN %q: this is an assumed-role session; give the role itself, arn:aws:iam::ACCOUNT:role/NAME", arn)
		}
		return SettingErrorf(SettingRoleARN, "role ARN %q: want arn:aws:iam::ACCOUNT:role/NAME (12-digit account, letters, digits and +=,.@_- in the name)", arn)
	}
	name := m[3]
	if i := strings.LastIndex(name, "/"); i >= 0 {
		name = name[i+1:]
	}
	if name == "" || len(name) > 64 {
		return SettingErrorf(SettingRoleARN, "role ARN %q: the role name must have 1-64 characters", arn)
	}
	return nil
}

// ValidateExternalID checks an STS external ID; "" means none.
func ValidateExternalID(id string) error {
	if id != "" && (len(id) < 2 || len(id) > 1224 || !externalID().MatchString(id)) {
		return SettingErrorf(SettingExternalID, "external ID: use 2-1224 letters, digits or +=,.@:/-_")
	}
	return nil
}

// ParseDest reads "s3://BUCKET/KEY" or "local".
func ParseDest(s string) (Destination, error) {
	s = strings.TrimSpace(s)
	if s == DestLocal || s == "file" {
		return Destination{Kind: DestLocal}, nil
	}
	if !strings.HasPrefix(s, "s3://") {
		return Destination{}, SettingErrorf(SettingDest, "parse destination %q: want s3://BUCKET/KEY or local", s)
	}
	bucket, key, _ := strings.Cut(strings.TrimPrefix(s, "s3://"), "/")
	d := Destination{Kind: DestS3, Bucket: bucket, Key: key}
	return d, d.Validate()
}

// Validate checks the bucket, key and region before any call is made.
func (d Destination) Validate() error {
	switch d.Kind {
	case DestLocal:
		return nil
	case DestS3:
	default:
		return SettingErrorf(SettingDest, "destination kind %q: want s3 or local", d.Kind)
	}
	if !bucketName().MatchString(d.Bucket) || strings.Contains(d.Bucket, "..") {
		return SettingErrorf(SettingDest, "bucket %q: use 3-63 lower-case letters, digits, dots or hyphens, starting and ending with a letter or digit", d.Bucket)
	}
	if ipAddress().MatchString(d.Bucket) {
		return SettingErrorf(SettingDest, "bucket %q: S3 bucket names cannot be IP addresses", d.Bucket)
	}
	if strings.Contains(d.Bucket, ".-") || strings.Contains(d.Bucket, "-.") {
		return SettingErrorf(SettingDest, "bucket %q: S3 refuses a dot next to a hyphen", d.Bucket)
	}
	for _, r := range reservedBuckets {
		if r.prefix && strings.HasPrefix(d.Bucket, r.part) || !r.prefix && strings.HasSuffix(d.Bucket, r.part) {
			where := "ending with"
			if r.prefix {
				where = "starting with"
			}
			return SettingErrorf(SettingDest, "bucket %q: S3 reserves names %s %s (%s)", d.Bucket, where, r.part, r.what)
		}
	}
	if d.Key == "" || strings.HasPrefix(d.Key, "/") || strings.HasSuffix(d.Key, "/") {
		return SettingErrorf(SettingDest, "object key %q: give a file name such as baton/okta/sync.c1z (no leading or trailing /)", d.Key)
	}
	if !utf8.ValidString(d.Key) {
		return SettingErrorf(SettingDest, "object key %q: not valid UTF-8, which S3 keys must be", d.Key)
	}
	if strings.ContainsFunc(d.Key, func(r rune) bool { return r < 0x20 || r == 0x7f }) {
		return SettingErrorf(SettingDest, "object key %q: contains a line break, a tab or another control character", d.Key)
	}
	for _, seg := range strings.Split(d.Key, "/") {
		if seg == "." || seg == ".." {
			return SettingErrorf(SettingDest, "object key %q: has a %q segment, which S3 keeps as it is but URLs, the console and other tools resolve as a path; name the object without it", d.Key, seg)
		}
	}
	if path.Ext(d.Key) != ".c1z" {
		return SettingErrorf(SettingDest, "object key %q: must end in .c1z", d.Key)
	}
	if len(d.Key) > 1024 {
		return SettingErrorf(SettingDest, "object key: longer than 1024 bytes")
	}
	if d.Region != "" && !regionName().MatchString(d.Region) {
		return SettingErrorf(SettingRegion, "region %q: want a region name such as us-east-1", d.Region)
	}
	if d.Endpoint != "" {
		u, err := url.Parse(d.Endpoint)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return SettingErrorf(SettingEndpoint, "endpoint %q: want an http(s) URL", d.Endpoint)
		}
	}
	if d.RoleARN != "" {
		if err := ValidateRoleARN(d.RoleARN); err != nil {
			return err
		}
	}
	if d.ExternalID != "" && d.RoleARN == "" {
		return SettingErrorf(SettingExternalID, "external ID: given without a role ARN")
	}
	if err := d.validateCredentials(); err != nil {
		return err
	}
	return ValidateExternalID(d.ExternalID)
}

// clientID is NAME@TENANT-HOST/SUFFIX, as ConductorOne shows it when it
// creates a connector's credentials.
var clientID = lazyre.New(`^([A-Za-z0-9._-]+)@([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+(:\d+)?)/([A-Za-z0-9._-]+)$`)

// ValidateClientID checks the shape of a ConductorOne client ID.
func ValidateClientID(id string) error {
	switch {
	case id == "":
		return SettingErrorf(SettingClientID, "client ID: not set")
	case strings.Count(id, ":") >= 3:
		// Do not echo it: this is most likely the secret in the wrong place.
		return SettingErrorf(SettingClientID, "client ID: this looks like a client secret; the client ID has the form NAME@TENANT-HOST/SUFFIX")
	case strings.TrimSpace(id) != id:
		return SettingErrorf(SettingClientID, "client ID %q: remove the leading or trailing white space", id)
	case !strings.Contains(id, "@"):
		return SettingErrorf(SettingClientID, "client ID %q: no '@'; want NAME@TENANT-HOST/SUFFIX, e.g. clever-fox-1234@acme.conductor.one/pcc", id)
	case !strings.Contains(id[strings.Index(id, "@"):], "/"):
		return SettingErrorf(SettingClientID, "client ID %q: no '/' after the tenant host; want NAME@TENANT-HOST/SUFFIX", id)
	case !clientID().MatchString(id):
		return SettingErrorf(SettingClientID, "client ID %q: want NAME@TENANT-HOST/SUFFIX with a host name such as acme.conductor.one (letters, digits, '.', '_' and '-' only)", id)
	}
	return nil
}

// ValidateClientSecret checks the shape of a ConductorOne client secret,
// four colon-separated parts with v1 third. Its messages never show the
// value or any part of it.
func ValidateClientSecret(secret string) error {
	if secret == "" {
		return SettingErrorf(SettingClientSecret, "client secret: not set")
	}
	if strings.ContainsAny(secret, " \t\r\n") {
		return SettingErrorf(SettingClientSecret, "client secret: contains white space or a line break; paste it as one line")
	}
	parts := strings.Split(secret, ":")
	if len(parts) != 4 {
		if len(parts) == 1 && clientID().MatchString(secret) {
			return SettingErrorf(SettingClientSecret, "client secret: this looks like a client ID; give the secret ConductorOne showed next to it")
		}
		return SettingErrorf(SettingClientSecret, "client secret: has %d colon-separated parts, want 4 (secret-token:HOST:v1:KEY); was it cut off when copied?", len(parts))
	}
	for i, part := range parts {
		if part == "" {
			return SettingErrorf(SettingClientSecret, "client secret: part %d of 4 is empty; want secret-token:HOST:v1:KEY", i+1)
		}
	}
	if parts[2] != "v1" {
		return SettingErrorf(SettingClientSecret, "client secret: the third colon-separated part must be v1 (secret-token:HOST:v1:KEY)")
	}
	return nil
}

var profileName = lazyre.New(`^[a-z0-9][a-z0-9_-]{0,62}$`)

// ValidateProfile checks a profile name; it becomes a directory name and
// part of crontab markers.
func ValidateProfile(name string) error {
	if !profileName().MatchString(name) {
		return SettingErrorf(SettingProfile, "profile %q: use up to 63 lower-case letters, digits, '-' or '_'", name)
	}
	return nil
}

// Value returns a field's value, plain or secret.
func (p *Plan) Value(name string) string {
	if s, ok := p.Secrets[name]; ok {
		return s.Reveal()
	}
	return p.Values[name]
}

// SetValue stores a value in the right map for the field.
func (p *Plan) SetValue(f schema.Field, v string) {
	if p.Values == nil {
		p.Values = map[string]string{}
	}
	if p.Secrets == nil {
		p.Secrets = map[string]Secret{}
	}
	if f.Secret {
		delete(p.Values, f.Name)
		if v == "" {
			delete(p.Secrets, f.Name)
		} else {
			p.Secrets[f.Name] = NewSecret(v)
		}
		return
	}
	delete(p.Secrets, f.Name)
	if v == "" {
		delete(p.Values, f.Name)
	} else {
		p.Values[f.Name] = v
	}
}

// allValues merges plain and secret values for validation.
func (p *Plan) allValues() map[string]string {
	m := make(map[string]string, len(p.Values)+len(p.Secrets))
	for k, v := range p.Values {
		m[k] = v
	}
	for k, s := range p.Secrets {
		m[k] = s.Reveal()
	}
	return m
}

// EnvVar is one BATON_* assignment for the connector.
type EnvVar struct {
	Name   string
	Value  string
	Secret bool
}

// ConnectorEnv lists the connector's environment: every active field that
// has a value, and BATON_AUTH_METHOD when the schema has auth methods.
func (p *Plan) ConnectorEnv() []EnvVar {
	var out []EnvVar
	sch := p.Connector.Schema
	if sch == nil {
		return nil
	}
	if len(sch.Groups) > 0 {
		m := p.AuthMethod
		if m == "" {
			m = sch.DefaultGroup()
		}
		out = append(out, EnvVar{Name: "BATON_AUTH_METHOD", Value: m})
	}
	for _, f := range sch.Active(p.AuthMethod) {
		v := p.Value(f.Name)
		if v == "" {
			continue
		}
		out = append(out, EnvVar{Name: f.EnvName(), Value: v, Secret: f.Secret})
	}
	return out
}

// Missing lists the active required fields that have no value. A plan
// without a connector to run has its schema's fields only.
func (p *Plan) Missing() []schema.Field {
	var out []schema.Field
	if sch := p.Connector.Schema; sch != nil {
		for _, f := range sch.Active(p.AuthMethod) {
			if f.Required && p.Value(f.Name) == "" {
				out = append(out, f)
			}
		}
	}
	return out
}

// HasConnector reports whether the plan names something to run: a binary
// or an image.
func (p *Plan) HasConnector() bool { return p.Connector.Path != "" || p.Connector.Image != "" }

// ValidateConnector checks the connector values against the schema.
func (p *Plan) ValidateConnector() error {
	if p.Connector.Schema == nil {
		return errors.New("validate plan: the connector schema is not loaded")
	}
	if err := p.Connector.Schema.Check(p.allValues(), p.AuthMethod); err != nil {
		return &SettingError{Setting: SettingValue, Err: fmt.Errorf("invalid connector settings:\n%w", err)}
	}
	for _, name := range []string{"client-id", "client-secret"} {
		if p.Value(name) != "" {
			return SettingErrorf(SettingValue, "invalid connector settings: %s turns the connector into a long-running service; scheduled syncs must not set it", name)
		}
	}
	return nil
}

// Validate checks the whole plan before anything is generated.
func (p *Plan) Validate() error {
	var errs []error
	if err := ValidateProfile(p.Profile); err != nil {
		errs = append(errs, err)
	}
	if err := p.ValidateConnector(); err != nil {
		errs = append(errs, err)
	}
	switch p.Mode {
	case ModeSync:
		if err := p.Destination.Validate(); err != nil {
			errs = append(errs, err)
		}
	case ModeService:
		if err := ValidateClientID(p.Service.ClientID); err != nil {
			errs = append(errs, err)
		}
		if err := ValidateClientSecret(p.Secrets[SecretClientSecret].Reveal()); err != nil {
			errs = append(errs, err)
		}
	default:
		errs = append(errs, SettingErrorf(SettingMode, "mode %q: want %q or none", p.Mode, ModeService))
	}
	if p.Output.Dir == "" {
		errs = append(errs, SettingErrorf(SettingOutDir, "output directory: not set"))
	} else if !filepath.IsAbs(p.Output.Dir) {
		errs = append(errs, SettingErrorf(SettingOutDir, "output directory %q: must be an absolute path", p.Output.Dir))
	}
	return errors.Join(errs...)
}

// SecretNames returns the names of secret values, sorted.
func (p *Plan) SecretNames() []string {
	names := make([]string, 0, len(p.Secrets))
	for k := range p.Secrets {
		names = append(names, k)
	}
	slices.Sort(names)
	return names
}

// Save writes the plan as JSON, without secret values, mode 0600.
func (p *Plan) Save(file string) error {
	data, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	// renameio.WriteFile would copy an existing file's mode over ours, so a
	// plan someone made readable would stay readable.
	pf, err := renameio.NewPendingFile(file, renameio.WithStaticPermissions(0o600))
	if err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	defer pf.Cleanup()
	if _, err := pf.Write(append(data, '\n')); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return fmt.Errorf("save plan: %w", err)
	}
	return nil
}

// Load reads a plan file written by Save.
func Load(file string) (*Plan, error) {
	data, err := readPlanFile(file)
	if err != nil {
		return nil, err
	}
	if strings.TrimSpace(string(data)) == "" {
		return nil, fmt.Errorf("load plan %s: the file is empty", file)
	}
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.DisallowUnknownFields()
	var p Plan
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("load plan %s: %w", file, planJSONError(err))
	}
	if strings.TrimSpace(string(data[dec.InputOffset():])) != "" {
		return nil, fmt.Errorf("load plan %s: more data follows the plan's closing brace", file)
	}
	for _, v := range p.Extra {
		if err := ValidateExtraName(v.Name); err != nil {
			return nil, fmt.Errorf("load plan %s: extra variable: %w", file, err)
		}
	}
	return &p, nil
}

// maxPlanBytes bounds a plan file; real ones are a few KiB.
const maxPlanBytes = 16 << 20

// readPlanFile reads a regular file: a named pipe could block for ever
// and a device has no end.
func readPlanFile(file string) ([]byte, error) {
	// Before opening: opening a named pipe waits for a writer.
	st, err := os.Stat(file)
	if err != nil {
		var pe *fs.PathError
		if errors.As(err, &pe) {
			// Said as opening it, which is what the user asked for.
			pe.Op = "open"
		}
		return nil, fmt.Errorf("load plan: %w", err)
	}
	if st.IsDir() {
		return nil, fmt.Errorf("load plan: read %s: is a directory", file)
	}
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("load plan %s: not a regular file", file)
	}
	f, err := os.Open(file)
	if err != nil {
		return nil, fmt.Errorf("load plan: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxPlanBytes+1))
	if err != nil {
		return nil, fmt.Errorf("load plan: %w", err)
	}
	if len(data) > maxPlanBytes {
		return nil, fmt.Errorf("load plan %s: larger than %d MiB; a plan holds a few KiB", file, maxPlanBytes>>20)
	}
	return data, nil
}

// planJSONError says what is wrong with a plan file in its own terms
// rather than in Go's.
func planJSONError(err error) error {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return fmt.Errorf("not valid JSON at byte %d: %w", syntax.Offset, err)
	case errors.As(err, &typ) && typ.Field == "":
		return fmt.Errorf("want a JSON object, not %s", typ.Value)
	case errors.As(err, &typ):
		return fmt.Errorf("key %q: want %s, not %s", typ.Field, typ.Type.Kind(), typ.Value)
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return fmt.Errorf("unknown key %s: a plan holds only what generate and the wizard save (was it written by a newer baton-setup?)", strings.TrimPrefix(err.Error(), "json: unknown field "))
	case err.Error() == "unexpected EOF":
		return errors.New("the JSON ends too early")
	}
	return err
}

// Clone returns a deep copy, so a wizard step can edit a draft and Back can
// restore the original.
func (p *Plan) Clone() *Plan {
	c := *p
	c.Connector.Args = slices.Clone(p.Connector.Args)
	c.Extra = slices.Clone(p.Extra)
	if p.Values != nil {
		c.Values = make(map[string]string, len(p.Values))
		for k, v := range p.Values {
			c.Values[k] = v
		}
	}
	if p.Secrets != nil {
		c.Secrets = make(map[string]Secret, len(p.Secrets))
		for k, v := range p.Secrets {
			c.Secrets[k] = v
		}
	}
	return &c
}
