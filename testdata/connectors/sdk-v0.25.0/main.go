// Command baton-compat is a stand-in connector on baton-sdk v0.25.0, the
// generation of baton-okta and baton-ldap: `config` prints field groups and
// constraints, ca-file is a FILE_UPLOAD field the SDK reads, errors exit
// with their gRPC code through config.RunConnector (a refused password is
// Unauthenticated, 16), and sync files are Pebble (v3).
//
// It behaves like a small database connector (baton-postgresql's shape):
// its user type is named role and carries the user trait, databases grant
// "connect" to roles. Two auth methods: password (the password "wrong" is
// refused by Validate) and private-key (a PEM private key). url and the
// hidden, deprecated domain are one-of. BATON_COMPAT_FAILURE selects a test
// behaviour: hang, empty (nothing found), no-users (databases but no roles)
// or errors (error-level log lines, exit 0).
package main

import (
	"context"
	"encoding/pem"
	"errors"
	"os"
	"strconv"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/cli"
	"github.com/conductorone/baton-sdk/pkg/config"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/field"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"go.uber.org/zap"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

var (
	urlField = field.StringField("url", field.WithDisplayName("Server URL"),
		field.WithDescription("Database server URL, e.g. postgres://db.example:5432"))
	domainField = field.StringField("domain", field.WithHidden(true),
		field.WithDescription("Deprecated: use url instead. The database server's host name"))
	passwordField = field.StringField("password", field.WithRequired(true), field.WithIsSecret(true),
		field.WithDisplayName("Password"), field.WithDescription("Password of the baton database user"))
	privateKeyField = field.StringField("private-key", field.WithRequired(true), field.WithIsSecret(true),
		field.WithDisplayName("Private key"), field.WithDescription("PEM private key for client certificate login"))
	caFileField = field.FileUploadField("ca-file", []string{".pem", ".crt"},
		field.WithDisplayName("CA certificate"), field.WithDescription("PEM file with the server's CA certificate"))
	roleCountField = field.IntField("role-count", field.WithDefaultValue(20),
		field.WithDescription("How many roles the server has"))

	shared = []field.SchemaField{urlField, domainField, caFileField, roleCountField}
)

var schema = field.NewConfiguration(
	[]field.SchemaField{urlField, domainField, passwordField, privateKeyField, caFileField, roleCountField},
	field.WithConstraints(
		field.FieldsMutuallyExclusive(urlField, domainField),
		field.FieldsAtLeastOneUsed(urlField, domainField),
	),
	field.WithFieldGroups([]field.SchemaFieldGroup{
		{Name: "password", DisplayName: "Password", HelpText: "Log in with the baton user's password.",
			Fields: append([]field.SchemaField{passwordField}, shared...), Default: true},
		{Name: "private-key", DisplayName: "Client certificate", HelpText: "Log in with a client certificate's private key.",
			Fields: append([]field.SchemaField{privateKeyField}, shared...)},
	}),
	field.WithConnectorDisplayName("Compat (baton-sdk v0.25.0)"),
)

// Config is the decoded configuration; the SDK reads ca-file's contents.
type Config struct {
	URL        string `mapstructure:"url"`
	Domain     string `mapstructure:"domain"`
	Password   string `mapstructure:"password"`
	PrivateKey string `mapstructure:"private-key"`
	CAFile     []byte `mapstructure:"ca-file"`
	RoleCount  int    `mapstructure:"role-count"`
}

func (c *Config) GetString(key string) string {
	switch key {
	case "url":
		return c.URL
	case "domain":
		return c.Domain
	case "password":
		return c.Password
	case "private-key":
		return c.PrivateKey
	case "ca-file":
		return string(c.CAFile)
	}
	return ""
}

func (c *Config) GetBool(string) bool { return false }

func (c *Config) GetInt(key string) int {
	if key == "role-count" {
		return c.RoleCount
	}
	return 0
}

func (c *Config) GetStringSlice(string) []string     { return nil }
func (c *Config) GetStringMap(string) map[string]any { return nil }

func main() {
	config.RunConnector(context.Background(), "baton-compat", "v0.0.1", schema, newConnector)
}

func newConnector(_ context.Context, cfg *Config, _ *cli.ConnectorOpts) (connectorbuilder.ConnectorBuilderV2, []connectorbuilder.Opt, error) {
	if cfg.PrivateKey != "" {
		if b, _ := pem.Decode([]byte(cfg.PrivateKey)); b == nil || b.Type != "PRIVATE KEY" {
			return nil, nil, status.Error(codes.InvalidArgument, "private-key: not a PEM private key")
		}
	}
	if len(cfg.CAFile) > 0 {
		if b, _ := pem.Decode(cfg.CAFile); b == nil || b.Type != "CERTIFICATE" {
			return nil, nil, status.Error(codes.InvalidArgument, "ca-file: holds no PEM certificate")
		}
	}
	return &connector{password: cfg.Password, roleCount: cfg.RoleCount, failure: os.Getenv("BATON_COMPAT_FAILURE")}, nil, nil
}

type connector struct {
	password  string
	roleCount int
	failure   string
}

func (c *connector) Metadata(context.Context) (*v2.ConnectorMetadata, error) {
	return v2.ConnectorMetadata_builder{DisplayName: "Compat (baton-sdk v0.25.0)"}.Build(), nil
}

func (c *connector) Validate(context.Context) (annotations.Annotations, error) {
	if c.password == "wrong" {
		return nil, status.Error(codes.Unauthenticated, `compat: password authentication failed for user "baton" (SQLSTATE 28P01)`)
	}
	return nil, nil
}

func (c *connector) ResourceSyncers(context.Context) []connectorbuilder.ResourceSyncerV2 {
	return []connectorbuilder.ResourceSyncerV2{&roleSyncer{c}, &databaseSyncer{c}}
}

var (
	roleType     = rs.NewResourceType("Role", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER})
	databaseType = rs.NewResourceType("Database", nil)
)

var databases = []string{"app", "billing", "reports"}

func (c *connector) roles() int {
	if c.failure == "empty" || c.failure == "no-users" {
		return 0
	}
	return c.roleCount
}

func (c *connector) databases() []string {
	if c.failure == "empty" {
		return nil
	}
	return databases
}

func roleID(i int) string { return "role" + strconv.Itoa(i) }

type roleSyncer struct{ c *connector }

func (s *roleSyncer) ResourceType(context.Context) *v2.ResourceType { return roleType }

func (s *roleSyncer) List(ctx context.Context, _ *v2.ResourceId, _ rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if s.c.failure == "hang" {
		<-ctx.Done()
		return nil, nil, ctx.Err()
	}
	if s.c.failure == "errors" {
		ctxzap.Extract(ctx).Error("listing role privileges failed; skipping server-wide grants",
			zap.Error(errors.New("Error 1054 (42S22): Unknown column 'Create_role_priv' in 'field list'")))
	}
	var out []*v2.Resource
	for i := range s.c.roles() {
		r, err := rs.NewUserResource(roleID(i), roleType, roleID(i), []rs.UserTraitOption{rs.WithUserLogin(roleID(i))})
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{}, nil
}

func (s *roleSyncer) Entitlements(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return nil, &rs.SyncOpResults{}, nil
}

func (s *roleSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, &rs.SyncOpResults{}, nil
}

type databaseSyncer struct{ c *connector }

func (s *databaseSyncer) ResourceType(context.Context) *v2.ResourceType { return databaseType }

func (s *databaseSyncer) List(context.Context, *v2.ResourceId, rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	var out []*v2.Resource
	for _, name := range s.c.databases() {
		r, err := rs.NewResource(name, databaseType, name)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{}, nil
}

func (s *databaseSyncer) Entitlements(_ context.Context, r *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return []*v2.Entitlement{entitlement.NewPermissionEntitlement(r, "connect", entitlement.WithGrantableTo(roleType))}, &rs.SyncOpResults{}, nil
}

// Grants gives database d's connect permission to the roles i with
// i % len(databases) == d.
func (s *databaseSyncer) Grants(_ context.Context, r *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	d := 0
	for i, name := range databases {
		if name == r.GetId().GetResource() {
			d = i
		}
	}
	var out []*v2.Grant
	for i := d; i < s.c.roles(); i += len(databases) {
		out = append(out, grant.NewGrant(r, "connect", v2.ResourceId_builder{ResourceType: roleType.GetId(), Resource: roleID(i)}.Build()))
	}
	return out, &rs.SyncOpResults{}, nil
}
