package demo

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/cli"
	"github.com/conductorone/baton-sdk/pkg/connectorbuilder"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

const (
	// usersPerGroup and maxGroups size the group list from the user count.
	usersPerGroup = 20
	maxGroups     = 1000

	slowPageDelay = 300 * time.Millisecond

	// crashExitCode is what the connector service exits with in crash mode.
	crashExitCode = 3
)

// connector serves deterministic data derived from the tenant and counts.
type connector struct {
	tenant       string
	domain       string
	apiKey       string
	userCount    int
	groupCount   int
	includeRoles bool
	failure      string
	pageSize     int

	// hung makes only the first List call block in hang mode.
	hung atomic.Bool
}

func newConnector(_ context.Context, cfg *Config, _ *cli.ConnectorOpts) (connectorbuilder.ConnectorBuilderV2, []connectorbuilder.Opt, error) {
	if cfg == nil {
		return nil, nil, status.Error(codes.InvalidArgument, "demo: missing configuration")
	}
	c := &connector{
		tenant:       cfg.Tenant,
		domain:       emailDomain(cfg.Tenant),
		apiKey:       cfg.APIKey,
		userCount:    max(cfg.UserCount, 0),
		includeRoles: cfg.IncludeRoles,
		failure:      cfg.DemoFailure,
		pageSize:     cfg.PageSize,
	}
	if c.pageSize <= 0 {
		c.pageSize = defaultPageSize
	}
	c.groupCount = min(max(1, c.userCount/usersPerGroup), maxGroups)
	return c, nil, nil
}

// Metadata describes the connector.
func (c *connector) Metadata(context.Context) (*v2.ConnectorMetadata, error) {
	return v2.ConnectorMetadata_builder{
		DisplayName: "Baton Setup Demo",
		Description: "Generates demo users, groups and roles for the tenant " + c.tenant,
	}.Build(), nil
}

// Validate stands in for a credentials check against an upstream API.
func (c *connector) Validate(context.Context) (annotations.Annotations, error) {
	if c.apiKey == InvalidAPIKey {
		return nil, status.Error(codes.Unauthenticated, "demo: invalid API key (401 from upstream)")
	}
	return nil, nil
}

// ResourceSyncers returns one syncer per resource type.
func (c *connector) ResourceSyncers(context.Context) []connectorbuilder.ResourceSyncerV2 {
	syncers := []connectorbuilder.ResourceSyncerV2{
		&userSyncer{c: c},
		&groupSyncer{c: c},
	}
	if c.includeRoles {
		syncers = append(syncers, &roleSyncer{c: c})
	}
	return syncers
}

// beforeList applies the simulated failures that happen at the start of a
// List call.
func (c *connector) beforeList(ctx context.Context) error {
	switch c.failure {
	case FailureHang:
		if c.hung.CompareAndSwap(false, true) {
			<-ctx.Done()
			return ctx.Err()
		}
	case FailureSlow:
		t := time.NewTimer(slowPageDelay)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-t.C:
		}
	}
	return nil
}

// crash ends the connector service process abruptly, as a segfaulting or
// OOM-killed connector would.
func crash() {
	fmt.Fprintln(os.Stderr, "demo: simulated connector crash")
	os.Exit(crashExitCode)
}

// emailDomain turns the free-text tenant into a usable DNS label.
func emailDomain(tenant string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(tenant) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			b.WriteRune(r)
			dash = false
			continue
		}
		if !dash && b.Len() > 0 {
			b.WriteByte('-')
			dash = true
		}
	}
	s := strings.TrimSuffix(b.String(), "-")
	if s == "" {
		s = "tenant"
	}
	return s + ".example"
}
