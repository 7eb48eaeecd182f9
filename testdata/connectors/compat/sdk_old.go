//go:build sdk_v0_2 || sdk_v0_3

package main

import (
	"context"
	"fmt"
	"os"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/config"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	"github.com/conductorone/baton-sdk/pkg/types"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"github.com/grpc-ecosystem/go-grpc-middleware/logging/zap/ctxzap"
	"github.com/spf13/viper"
	"go.uber.org/zap"
)

// The generations before RunConnector: the connector defines its cobra
// command and exits 1 on every error.
func main() {
	ctx := context.Background()
	_, cmd, err := config.DefineConfiguration(ctx, "baton-compat", getConnector, configuration)
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
	if err := checkPrivateKey(v.GetString("private-key")); err != nil {
		return nil, err
	}
	if path := v.GetString("ca-file"); path != "" {
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("ca-file: %w", err)
		}
		if err := checkCA(data); err != nil {
			return nil, fmt.Errorf("ca-file: %s %w", path, err)
		}
	}
	return connectorbuilder.NewConnector(ctx, &connector{newServer(v.GetString("password"), v.GetInt("role-count"))})
}

type connector struct{ s *server }

func (c *connector) Metadata(context.Context) (*v2.ConnectorMetadata, error) {
	return &v2.ConnectorMetadata{DisplayName: "Compat (baton-sdk " + sdkVersion + ")"}, nil
}

func (c *connector) Validate(context.Context) (annotations.Annotations, error) {
	if c.s.refused() {
		return nil, errRefused
	}
	return nil, nil
}

func (c *connector) ResourceSyncers(context.Context) []connectorbuilder.ResourceSyncer {
	return []connectorbuilder.ResourceSyncer{&roleSyncer{c.s}, &databaseSyncer{c.s}}
}

var (
	roleType     = rs.NewResourceType("Role", []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER})
	databaseType = rs.NewResourceType("Database", nil)
)

type roleSyncer struct{ s *server }

func (rl *roleSyncer) ResourceType(context.Context) *v2.ResourceType { return roleType }

func (rl *roleSyncer) List(ctx context.Context, _ *v2.ResourceId, _ *pagination.Token) ([]*v2.Resource, string, annotations.Annotations, error) {
	logError := func(msg string, err error) { ctxzap.Extract(ctx).Error(msg, zap.Error(err)) }
	if err := rl.s.beforeRoles(ctx, logError); err != nil {
		return nil, "", nil, err
	}
	var out []*v2.Resource
	for _, id := range rl.s.roles() {
		r, err := rs.NewUserResource(id, roleType, id, []rs.UserTraitOption{rs.WithUserLogin(id)})
		if err != nil {
			return nil, "", nil, err
		}
		out = append(out, r)
	}
	return out, "", nil, nil
}

func (rl *roleSyncer) Entitlements(context.Context, *v2.Resource, *pagination.Token) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

func (rl *roleSyncer) Grants(context.Context, *v2.Resource, *pagination.Token) ([]*v2.Grant, string, annotations.Annotations, error) {
	return nil, "", nil, nil
}

type databaseSyncer struct{ s *server }

func (ds *databaseSyncer) ResourceType(context.Context) *v2.ResourceType { return databaseType }

func (ds *databaseSyncer) List(context.Context, *v2.ResourceId, *pagination.Token) ([]*v2.Resource, string, annotations.Annotations, error) {
	var out []*v2.Resource
	for _, name := range ds.s.databases() {
		r, err := rs.NewResource(name, databaseType, name)
		if err != nil {
			return nil, "", nil, err
		}
		out = append(out, r)
	}
	return out, "", nil, nil
}

func (ds *databaseSyncer) Entitlements(_ context.Context, r *v2.Resource, _ *pagination.Token) ([]*v2.Entitlement, string, annotations.Annotations, error) {
	return []*v2.Entitlement{entitlement.NewPermissionEntitlement(r, "connect", entitlement.WithGrantableTo(roleType))}, "", nil, nil
}

func (ds *databaseSyncer) Grants(_ context.Context, r *v2.Resource, _ *pagination.Token) ([]*v2.Grant, string, annotations.Annotations, error) {
	var out []*v2.Grant
	for _, id := range ds.s.grantees(r.Id.Resource) {
		out = append(out, grant.NewGrant(r, "connect", &v2.ResourceId{ResourceType: roleType.Id, Resource: id}))
	}
	return out, "", nil, nil
}
