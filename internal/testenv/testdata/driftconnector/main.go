// Command baton-drift is a stand-in connector on baton-sdk v0.25.0 whose
// settings change between builds, for tests of connector upgrades. It is
// built with -ldflags "-X main.generation=N -X main.version=V":
//
//   - generation 1 has tenant (required), api-key (required, secret) and
//     legacy-mode;
//   - generation 2 drops legacy-mode and adds region (required).
//
// Either syncs three users.
package main

import (
	"context"
	"fmt"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/cli"
	"github.com/conductorone/baton-sdk/pkg/config"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"github.com/conductorone/baton-sdk/pkg/field"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

var (
	generation = "1"
	version    = "dev"
)

func schema() field.Configuration {
	fields := []field.SchemaField{
		field.StringField("tenant", field.WithRequired(true), field.WithDisplayName("Tenant")),
		field.StringField("api-key", field.WithRequired(true), field.WithIsSecret(true), field.WithDisplayName("API key")),
	}
	if generation == "1" {
		fields = append(fields, field.StringField("legacy-mode", field.WithDisplayName("Legacy mode")))
	} else {
		fields = append(fields, field.StringField("region", field.WithRequired(true), field.WithDisplayName("Region")))
	}
	return field.NewConfiguration(fields, field.WithConnectorDisplayName("Drift"))
}

// settings holds both generations' fields; each schema names only its own.
type settings struct {
	Tenant     string `mapstructure:"tenant"`
	APIKey     string `mapstructure:"api-key"`
	LegacyMode string `mapstructure:"legacy-mode"`
	Region     string `mapstructure:"region"`
}

func (s *settings) GetString(key string) string {
	return map[string]string{"tenant": s.Tenant, "api-key": s.APIKey, "legacy-mode": s.LegacyMode, "region": s.Region}[key]
}
func (s *settings) GetBool(string) bool                { return false }
func (s *settings) GetInt(string) int                  { return 0 }
func (s *settings) GetStringSlice(string) []string     { return nil }
func (s *settings) GetStringMap(string) map[string]any { return nil }

var userType = v2.ResourceType_builder{
	Id: "user", DisplayName: "User", Traits: []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER},
	Annotations: annotations.New(&v2.SkipEntitlementsAndGrants{}),
}.Build()

type connector struct{ tenant string }

func (c *connector) Metadata(context.Context) (*v2.ConnectorMetadata, error) {
	return v2.ConnectorMetadata_builder{DisplayName: "Drift", Description: "a stand-in for tests"}.Build(), nil
}

func (c *connector) Validate(context.Context) (annotations.Annotations, error) { return nil, nil }

func (c *connector) ResourceSyncers(context.Context) []connectorbuilder.ResourceSyncerV2 {
	return []connectorbuilder.ResourceSyncerV2{users{c}}
}

type users struct{ c *connector }

func (u users) ResourceType(context.Context) *v2.ResourceType { return userType }

func (u users) List(context.Context, *v2.ResourceId, rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	var out []*v2.Resource
	for i := 1; i <= 3; i++ {
		id := fmt.Sprintf("user%d", i)
		r, err := rs.NewUserResource(id+"@"+u.c.tenant, userType, id, []rs.UserTraitOption{rs.WithUserLogin(id)})
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{}, nil
}

func (u users) Entitlements(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return nil, &rs.SyncOpResults{}, nil
}

func (u users) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, &rs.SyncOpResults{}, nil
}

func newConnector(_ context.Context, s *settings, _ *cli.ConnectorOpts) (connectorbuilder.ConnectorBuilderV2, []connectorbuilder.Opt, error) {
	return &connector{tenant: s.Tenant}, nil, nil
}

func main() {
	config.RunConnector(context.Background(), "baton-drift", version, schema(), newConnector)
}
