//go:build !sdk_v0_2 && !sdk_v0_3

package main

import (
	"context"

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

// The default build: go.mod is baton-sdk v0.25.0's.

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
	if err := checkPrivateKey(cfg.PrivateKey); err != nil {
		return nil, nil, status.Error(codes.InvalidArgument, err.Error())
	}
	if len(cfg.CAFile) > 0 {
		if err := checkCA(cfg.CAFile); err != nil {
			return nil, nil, status.Error(codes.InvalidArgument, "ca-file: "+err.Error())
		}
	}
	return &connector{newServer(cfg.Password, cfg.RoleCount)}, nil, nil
}

type connector struct{ s *server }

func (c *connector) Metadata(context.Context) (*v2.ConnectorMetadata, error) {
	return v2.ConnectorMetadata_builder{DisplayName: "Compat (baton-sdk v0.25.0)"}.Build(), nil
}

func (c *connector) Validate(context.Context) (annotations.Annotations, error) {
	if c.s.refused() {
		return nil, status.Error(codes.Unauthenticated, errRefused.Error())
	}
	return nil, nil
}

func (c *connector) ResourceSyncers(context.Context) []connectorbuilder.ResourceSyncerV2 {
	return []connectorbuilder.ResourceSyncerV2{&roleSyncer{c.s}, &databaseSyncer{c.s}}
}

var (
	roleType     = rs.NewResourceType("Role", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER})
	databaseType = rs.NewResourceType("Database", nil)
)

type roleSyncer struct{ s *server }

func (rl *roleSyncer) ResourceType(context.Context) *v2.ResourceType { return roleType }

func (rl *roleSyncer) List(ctx context.Context, _ *v2.ResourceId, _ rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	logError := func(msg string, err error) { ctxzap.Extract(ctx).Error(msg, zap.Error(err)) }
	if err := rl.s.beforeRoles(ctx, logError); err != nil {
		return nil, nil, err
	}
	var out []*v2.Resource
	for _, id := range rl.s.roles() {
		r, err := rs.NewUserResource(id, roleType, id, []rs.UserTraitOption{rs.WithUserLogin(id)})
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{}, nil
}

func (rl *roleSyncer) Entitlements(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return nil, &rs.SyncOpResults{}, nil
}

func (rl *roleSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, &rs.SyncOpResults{}, nil
}

type databaseSyncer struct{ s *server }

func (ds *databaseSyncer) ResourceType(context.Context) *v2.ResourceType { return databaseType }

func (ds *databaseSyncer) List(context.Context, *v2.ResourceId, rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	var out []*v2.Resource
	for _, name := range ds.s.databases() {
		r, err := rs.NewResource(name, databaseType, name)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{}, nil
}

func (ds *databaseSyncer) Entitlements(_ context.Context, r *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return []*v2.Entitlement{entitlement.NewPermissionEntitlement(r, "connect", entitlement.WithGrantableTo(roleType))}, &rs.SyncOpResults{}, nil
}

func (ds *databaseSyncer) Grants(_ context.Context, r *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	var out []*v2.Grant
	for _, id := range ds.s.grantees(r.GetId().GetResource()) {
		out = append(out, grant.NewGrant(r, "connect", v2.ResourceId_builder{ResourceType: roleType.GetId(), Resource: id}.Build()))
	}
	return out, &rs.SyncOpResults{}, nil
}
