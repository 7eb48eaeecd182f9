// Package reader reads sync files with baton-sdk's dotc1z. It is linked
// only into baton-setup-sdk (and tests): importing dotc1z brings in Pebble,
// SQLite and gRPC, whose initialisation baton-setup itself must not pay.
package reader

import (
	"context"
	"errors"
	"fmt"
	"slices"

	reader_v2 "github.com/conductorone/baton-sdk/pb/c1/reader/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"

	"github.com/conductorone/baton-setup/internal/c1z"
)

// Summarize opens the file read-only and reads the stats of its latest
// finished sync. tmpDir holds the extracted database while it is open and
// may be "" for the OS default.
func Summarize(ctx context.Context, path, tmpDir string) (c1z.Summary, error) {
	st, err := c1z.Stat(path)
	if err != nil {
		return c1z.Summary{}, err
	}
	opts := []dotc1z.C1ZOption{dotc1z.WithReadOnly(true)}
	if tmpDir != "" {
		opts = append(opts, dotc1z.WithTmpDir(tmpDir))
	}
	store, err := dotc1z.NewStore(ctx, path, opts...)
	if err != nil {
		return c1z.Summary{}, fmt.Errorf("open sync file %s: %w", path, err)
	}
	sum := c1z.Summary{Path: path, Size: st.Size()}
	err = func() error {
		md := store.Metadata()
		sum.Format, sum.Engine = md.Format, md.Engine
		resp, err := store.GetLatestFinishedSync(ctx, reader_v2.SyncsReaderServiceGetLatestFinishedSyncRequest_builder{}.Build())
		if err != nil {
			return fmt.Errorf("find finished sync: %w", err)
		}
		run := resp.GetSync()
		if run == nil {
			return c1z.ErrUnfinished
		}
		sum.SyncID = run.GetId()
		if run.HasStartedAt() {
			sum.StartedAt = run.GetStartedAt().AsTime()
		}
		if run.HasEndedAt() {
			sum.EndedAt = run.GetEndedAt().AsTime()
		}
		if !sum.StartedAt.IsZero() && !sum.EndedAt.IsZero() {
			sum.Duration = sum.EndedAt.Sub(sum.StartedAt)
		}
		if err := store.SetCurrentSync(ctx, sum.SyncID); err != nil {
			return fmt.Errorf("select sync %s: %w", sum.SyncID, err)
		}
		stats, err := store.SyncMeta().StatsV2(ctx, connectorstore.SyncTypeAny, sum.SyncID)
		if err != nil {
			return fmt.Errorf("read sync stats: %w", err)
		}
		sum.ResourceTypes = stats.GetResourceTypes()
		sum.Resources = stats.GetResources()
		sum.Entitlements = stats.GetEntitlements()
		sum.Grants = stats.GetGrants()
		types := map[string]*c1z.TypeCount{}
		get := func(rt string) *c1z.TypeCount {
			if types[rt] == nil {
				types[rt] = &c1z.TypeCount{ResourceType: rt}
			}
			return types[rt]
		}
		for rt, n := range stats.GetResourcesByResourceType() {
			get(rt).Resources = n
		}
		for rt, n := range stats.GetEntitlementsByResourceType() {
			get(rt).Entitlements = n
		}
		for rt, n := range stats.GetGrantsByResourceType() {
			get(rt).Grants = n
		}
		for _, tc := range types {
			sum.ByType = append(sum.ByType, *tc)
		}
		slices.SortFunc(sum.ByType, func(a, b c1z.TypeCount) int {
			if a.ResourceType < b.ResourceType {
				return -1
			}
			if a.ResourceType > b.ResourceType {
				return 1
			}
			return 0
		})
		return nil
	}()
	if cerr := store.Close(ctx); cerr != nil && err == nil {
		err = fmt.Errorf("close sync file: %w", cerr)
	}
	if err != nil {
		if errors.Is(err, c1z.ErrUnfinished) {
			return sum, fmt.Errorf("check sync file %s: %w", path, err)
		}
		return sum, err
	}
	return sum, nil
}
