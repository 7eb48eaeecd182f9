package demo

import (
	"github.com/conductorone/baton-sdk/pkg/field"
)

// Field names of the demo connector's configuration. The SDK derives the
// environment variables from them: BATON_TENANT, BATON_API_KEY, and so on.
const (
	FieldTenant       = "tenant"
	FieldAPIKey       = "api-key"
	FieldUserCount    = "user-count"
	FieldIncludeRoles = "include-roles"
	FieldDemoFailure  = "demo-failure"
	FieldPageSize     = "page-size"
)

// Failure modes accepted by the CLI-only demo-failure field.
const (
	FailureNone        = ""
	FailureSlow        = "slow"
	FailureHang        = "hang"
	FailureFailMidsync = "fail-midsync"
	FailureCrash       = "crash"
	FailureZeroUsers   = "zero-users"
)

// InvalidAPIKey is the one API key value that Validate rejects.
const InvalidAPIKey = "invalid"

// The demo's defaults: any tenant and key work, so the wizard offers these.
const (
	DefaultTenant = "acme"
	DefaultAPIKey = "demo-key"
)

const (
	defaultUserCount = 20
	maxUserCount     = 10_000_000
	defaultPageSize  = 500
	maxPageSize      = 10_000
)

var (
	// The demo needs no real tenant or key: defaults, not placeholders, so
	// that Enter accepts them.
	tenantField = field.StringField(FieldTenant,
		field.WithRequired(true),
		field.WithDisplayName("Tenant"),
		field.WithDescription("Name of the demo tenant to sync (any text)"),
		field.WithDefaultValue(DefaultTenant),
	)
	apiKeyField = field.StringField(FieldAPIKey,
		field.WithRequired(true),
		field.WithIsSecret(true),
		field.WithDisplayName("API key"),
		field.WithDescription(`API key for the demo tenant; any value works except "invalid", which is rejected`),
		field.WithDefaultValue(DefaultAPIKey),
	)
	userCountField = field.IntField(FieldUserCount,
		field.WithDisplayName("Number of users"),
		field.WithDescription("How many demo users to generate"),
		field.WithDefaultValue(defaultUserCount),
		field.WithInt(func(r *field.IntRuler) { r.Gte(0).Lte(maxUserCount) }),
	)
	includeRolesField = field.BoolField(FieldIncludeRoles,
		field.WithDisplayName("Include roles"),
		field.WithDescription("Also sync roles and role assignments"),
		field.WithDefaultValue(true),
	)
	demoFailureField = field.StringField(FieldDemoFailure,
		field.WithDescription("Simulate a failure: slow, hang, fail-midsync, crash or zero-users"),
		field.WithExportTarget(field.ExportTargetCLIOnly),
		field.WithString(func(r *field.StringRuler) {
			r.In([]string{FailureSlow, FailureHang, FailureFailMidsync, FailureCrash, FailureZeroUsers})
		}),
	)
	pageSizeField = field.IntField(FieldPageSize,
		field.WithDescription("Items per page returned by the demo API"),
		field.WithDefaultValue(defaultPageSize),
		field.WithExportTarget(field.ExportTargetCLIOnly),
		field.WithInt(func(r *field.IntRuler) { r.Gte(1).Lte(maxPageSize) }),
	)
)

// Schema is the demo connector's configuration schema, as printed by its
// config subcommand.
var Schema = field.NewConfiguration(
	[]field.SchemaField{
		tenantField,
		apiKeyField,
		userCountField,
		includeRolesField,
		demoFailureField,
		pageSizeField,
	},
	field.WithConnectorDisplayName("Baton Setup Demo"),
)

// Config is the decoded configuration. The SDK fills it from flags,
// environment and config file through the mapstructure tags, which must
// match the schema's field names.
type Config struct {
	Tenant       string `mapstructure:"tenant"`
	APIKey       string `mapstructure:"api-key"`
	UserCount    int    `mapstructure:"user-count"`
	IncludeRoles bool   `mapstructure:"include-roles"`
	DemoFailure  string `mapstructure:"demo-failure"`
	PageSize     int    `mapstructure:"page-size"`
}

// GetString implements field.Configurable.
func (c *Config) GetString(key string) string {
	switch key {
	case FieldTenant:
		return c.Tenant
	case FieldAPIKey:
		return c.APIKey
	case FieldDemoFailure:
		return c.DemoFailure
	}
	return ""
}

// GetBool implements field.Configurable.
func (c *Config) GetBool(key string) bool {
	if key == FieldIncludeRoles {
		return c.IncludeRoles
	}
	return false
}

// GetInt implements field.Configurable.
func (c *Config) GetInt(key string) int {
	switch key {
	case FieldUserCount:
		return c.UserCount
	case FieldPageSize:
		return c.PageSize
	}
	return 0
}

// GetStringSlice implements field.Configurable.
func (c *Config) GetStringSlice(string) []string { return nil }

// GetStringMap implements field.Configurable.
func (c *Config) GetStringMap(string) map[string]any { return nil }
