// Command baton-compat is a stand-in connector on baton-sdk v0.3.10, the
// generation of baton-mysql and baton-postgresql: it prints its schema with
// `config` (secret marks and constraints included), has neither
// --skip-entitlements-and-grants nor --sync-resource-types, exits 1 on
// every error, and writes SQLite (v1) sync files.
//
// It behaves like a small database connector (baton-postgresql's shape):
// its user type is named role and carries the user trait, databases grant
// "connect" to roles. The password "wrong" is refused by Validate, a set
// private-key must be a PEM private key, a set ca-file must be a readable
// PEM certificate, and url and the hidden, deprecated domain are one-of.
// BATON_COMPAT_FAILURE selects a test behaviour: hang, empty (nothing
// found), no-users (databases but no roles) or errors (error-level log
// lines, exit 0).
package main

import (
	"context"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"strconv"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/config"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/field"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	"github.com/conductorone/baton-sdk/pkg/types"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"github.com/spf13/viper"
	"go.uber.org/zap"
)

var (
	urlField = field.StringField("url", field.WithDisplayName("Server URL"),
		field.WithDescription("Database server URL, e.g. postgres://db.example:5432"))
	domainField = field.StringField("domain", field.WithHidden(true),
		field.WithDescription("Deprecated: use url instead. The database server's host name"))
	passwordField = field.StringField("password", field.WithRequired(true), field.WithIsSecret(true),
		field.WithDescription("Password of the baton database user"))
	privateKeyField = field.StringField("private-key", field.WithIsSecret(true),
		field.WithDescription("PEM private key for client certificate login"))
	caFileField = field.StringField("ca-file",
		field.WithDescription("Path to a PEM file with the server's CA certificate"))
	roleCountField = field.IntField("role-count", field.WithDefaultValue(20),
		field.WithDescription("How many roles the server has"))
)

func main() {
	ctx := context.Background()
	_, cmd, err := config.DefineConfiguration(ctx, "baton-compat", getConnector, field.NewConfiguration(
		[]field.SchemaField{urlField, domainField, passwordField, privateKeyField, caFileField, roleCountField},
		field.WithConstraints(
			field.FieldsMutuallyExclusive(urlField, domainField),
			field.FieldsAtLeastOneUsed(urlField, domainField),
		),
	))
	if err != nil {
		fmt.Fprintln(os.Stderr, err.Error())
		os.Exit(1)
	}
	cmd.Version = "v0.0.1"
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, err.Error())
		os.Exit(1)
	}
}

func getConnector(ctx context.Context, v *viper.Viper) (types.ConnectorServer, error) {
	c := &connector{
		password:  v.GetString("password"),
		roleCount: v.GetInt("role-count"),
		failure:   os.Getenv("BATON_COMPAT_FAILURE"),
	}
	if key := v.GetString("private-key"); key != "" {
		if b, _ := pem.Decode([]byte(key)); b == nil || b.Type != "PRIVATE KEY" {
			return nil, errors.New("private-key: not a PEM private key")
		}
	}
	if path := v.GetString("ca-file"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("ca-file: %w", err)
		}
		if b, _ := pem.Decode(data); b == nil || b.Type != "CERTIFICATE" {
			return nil, fmt.Errorf("ca-file: %s holds no PEM certificate", path)
		}
	}
	return connectorbuilder.NewConnector(ctx, c)
}

type connector struct {
	password  string
	roleCount int
	failure   string
}

func (c *connector) Metadata(context.Context) (*v2.ConnectorMetadata, error) {
	return &v2.ConnectorMetadata{DisplayName: "Compat (baton-sdk v0.3.10)"}, nil
}

func (c *connector) Validate(context.Context) (annotations.Annotations, error) {
	if c.password == "wrong" {
		return nil, errors.New(`compat: password authentication failed for user "baton" (SQLSTATE 28P01)`)
	}
	return nil, nil
}

func (c *connector) ResourceSyncers(context.Context) []connectorbuilder.ResourceSyncer {
	return []connectorbuilder.ResourceSyncer{&roleSyncer{c}, &databaseSyncer{c}}
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

func (s *roleSyncer) List(ctx context.Context, _ *v2.ResourceId, _ *pagination.Token) ([]*v2.Resource, string, annotations.Annotations, error) {
	if s.c.failure == "hang" {
		<-ctx.Done()
		return nil, "", nil, ctx.Err()
	}
	if s.c.failure == "errors" {
		ctxzap.Extract(ctx).Error("listing role privileges failed; skipping server-wide grants",
			zap.Error(errors.New("Error 1054 (42S22): Unknown column 'Create_role_priv' in 'field list'")))
	}
	var out []*v2.Resource
	for i := range s.c.roles() {
		r, err := rs.NewUserResource(roleID(i), roleType, roleID(i), []rs.UserTraitOption{rs.WithUserLogin(roleID(i))})
		if err != nil {
			return nil, "", nil, err
		}
		out = append(out, r)
	}
	return out, "", nil, nil
}

func (s *roleSyncer) Entitlements(context.Context, *v2.Resource, *pagination.Token) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func (s *roleSyncer) Grants(context.Context, *v2.Resource, *pagination.Token) ([]*v2.Grant, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

type databaseSyncer struct{ c *connector }

func (s *databaseSyncer) ResourceType(context.Context) *v2.ResourceType { return databaseType }

func (s *databaseSyncer) List(context.Context, *v2.ResourceId, *pagination.Token) ([]*v2.Resource, string, annotations.Annotations, error) {
	var out []*v2.Resource
	for _, name := range s.c.databases() {
		r, err := rs.NewResource(name, databaseType, name)
		if err != nil {
			return nil, "", nil, err
		}
		out = append(out, r)
	}
	return out, "", nil, nil
}

func (s *databaseSyncer) Entitlements(_ context.Context, r *v2.Resource, _ *pagination.Token) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return []*v2.Entitlement{entitlement.NewPermissionEntitlement(r, "connect", entitlement.WithGrantableTo(roleType))}, "", nil, nil
}

// Grants gives database d's connect permission to the roles i with
// i % len(databases) == d.
func (s *databaseSyncer) Grants(_ context.Context, r *v2.Resource, _ *pagination.Token) ([]*v2.Grant, string, annotations.Annotations, error) {
	d := 0
	for i, name := range databases {
		if name == r.Id.Resource {
			d = i
		}
	}
	var out []*v2.Grant
	for i := d; i < s.c.roles(); i += len(databases) {
		out = append(out, grant.NewGrant(r, "connect", &v2.ResourceId{ResourceType: roleType.Id, Resource: roleID(i)}))
	}
	return out, "", nil, nil
}
