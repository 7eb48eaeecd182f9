// Package c1z describes sync files and reads their summary with baton-sdk's
// dotc1z. With internal/demo it is the only package that imports baton-sdk's
// storage packages (a test in cmd/baton-setup keeps it so), so the rest of
// baton-setup stays separable from them.
package c1z

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	reader_v2 "github.com/conductorone/baton-sdk/pb/c1/reader/v2"
	"github.com/conductorone/baton-sdk/pkg/connectorstore"
	"github.com/conductorone/baton-sdk/pkg/dotc1z"
	"github.com/conductorone/baton-sdk/pkg/dotc1z/c1zstore"
	formatv3 "github.com/conductorone/baton-sdk/pkg/dotc1z/format/v3"
)

// ErrUnfinished means the file holds no finished sync: a failed or cut-short
// run. Such a file must never be uploaded.
var ErrUnfinished = errors.New("the file holds no finished sync")

// TypeCount is what one resource type holds.
type TypeCount struct {
	ResourceType string `json:"resourceType"`
	// Traits are what the connector declares the type to be, in lower case:
	// user, group, role, app, secret. A user type need not be named "user"
	// (baton-postgresql's is "role").
	Traits       []string `json:"traits,omitempty"`
	Resources    int64    `json:"resources"`
	Entitlements int64    `json:"entitlements"`
	Grants       int64    `json:"grants"`
}

// Trait names, as TypeCount.Traits holds them.
const (
	TraitUser  = "user"
	TraitGroup = "group"
	TraitRole  = "role"
)

// HasTrait reports whether the type declares the trait.
func (t TypeCount) HasTrait(trait string) bool { return slices.Contains(t.Traits, trait) }

// Summary describes the latest finished sync in a file.
type Summary struct {
	Path          string        `json:"path"`
	Size          int64         `json:"size"`
	Format        string        `json:"format"`
	Engine        string        `json:"engine"`
	SyncID        string        `json:"syncId"`
	StartedAt     time.Time     `json:"startedAt"`
	EndedAt       time.Time     `json:"endedAt"`
	Duration      time.Duration `json:"durationNs"`
	ResourceTypes int64         `json:"resourceTypes"`
	Resources     int64         `json:"resources"`
	Entitlements  int64         `json:"entitlements"`
	Grants        int64         `json:"grants"`
	// ByType lists every resource type the connector declared, including
	// those of which it found nothing.
	ByType []TypeCount `json:"byType"`
}

// Count returns the resources of one type.
func (s Summary) Count(resourceType string) int64 {
	for _, t := range s.ByType {
		if t.ResourceType == resourceType {
			return t.Resources
		}
	}
	return 0
}

// Stat checks that path is a non-empty regular file, the first thing any
// reader must know.
func Stat(path string) (os.FileInfo, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read sync file: %w", err)
	}
	// A named pipe or a device has no size either: say what it is.
	if !st.Mode().IsRegular() {
		return nil, fmt.Errorf("read sync file %s: not a regular file", path)
	}
	if st.Size() == 0 {
		return nil, fmt.Errorf("read sync file %s: the file is empty", path)
	}
	return st, nil
}

// Limits on what opening a sync file may write to the temp directory: a
// sync file is a compressed database, and a hostile one can decode to
// thousands of times its size. Real ones decode to 2 to 35 times theirs.
const (
	// decodedRatio bounds the decoded size as a multiple of the file's.
	decodedRatio = 200
	// minDecodedLimit is the bound for small files, whose database pages
	// are mostly empty and compress best.
	minDecodedLimit = 16 << 20
	// DecodedLimitEnv overrides the bound, in MiB. baton-sdk reads the same
	// variable for its own default.
	DecodedLimitEnv = "BATON_DECODER_MAX_DECODED_SIZE_MB"
)

// MaxDecodedSize is how many bytes a sync file of size bytes may decode
// to: 200 times its size, at least 16 MiB, or $BATON_DECODER_MAX_DECODED_SIZE_MB
// MiB when that is set.
func MaxDecodedSize(size int64) int64 {
	if mb, err := strconv.ParseInt(os.Getenv(DecodedLimitEnv), 10, 64); err == nil && mb > 0 && mb < math.MaxInt64>>20 {
		return mb << 20
	}
	if size > math.MaxInt64/decodedRatio {
		return math.MaxInt64
	}
	return max(minDecodedLimit, size*decodedRatio)
}

// openError says why a file could not be opened. A problem with the
// temp directory (a full disk, a permission) is reported as it is;
// anything else means the file is not one baton-sdk wrote.
func openError(path string, limit int64, err error) error {
	if errors.Is(err, dotc1z.ErrMaxSizeExceeded) || errors.Is(err, formatv3.ErrMaxSizeExceeded) {
		return fmt.Errorf("open sync file %s: not a valid sync file: it decodes to more than %d MiB, over %d times its size\nhint: if it is a real sync file, raise the limit with %s=<MiB>",
			path, limit>>20, decodedRatio, DecodedLimitEnv)
	}
	var errno syscall.Errno
	if errors.As(err, &errno) || errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("open sync file %s: %w", path, err)
	}
	msg := err.Error()
	if i := strings.LastIndex(msg, ": "); i >= 0 {
		msg = msg[i+2:]
	}
	return fmt.Errorf("open sync file %s: not a valid sync file (%s)", path, msg)
}

// checkTempDir makes sure the directory a sync file is unpacked into
// exists ("" is TMPDIR's), so that its absence is not taken for a fault
// of the file.
func checkTempDir(dir string) error {
	name := dir
	if dir == "" {
		dir = os.TempDir()
		name = dir + " (TMPDIR)"
	}
	st, err := os.Stat(dir)
	switch {
	case err != nil:
		var pe *fs.PathError
		if errors.As(err, &pe) {
			err = pe.Err
		}
		return fmt.Errorf("use temporary directory %s: %w\nhint: sync files are unpacked there; make it a directory you can write to, or set TMPDIR to one", name, err)
	case !st.IsDir():
		return fmt.Errorf("use temporary directory %s: not a directory\nhint: sync files are unpacked there; set TMPDIR to a directory you can write to", name)
	}
	return nil
}

// Summarize opens the file read-only and reads the stats of its latest
// finished sync. tmpDir holds the extracted database while it is open and
// may be "" for the OS default.
func Summarize(ctx context.Context, path, tmpDir string) (Summary, error) {
	st, err := Stat(path)
	if err != nil {
		return Summary{}, err
	}
	if err := checkTempDir(tmpDir); err != nil {
		return Summary{}, err
	}
	limit := MaxDecodedSize(st.Size())
	opts := []dotc1z.C1ZOption{
		dotc1z.WithReadOnly(true),
		dotc1z.WithDecoderOptions(dotc1z.WithDecoderMaxDecodedSize(uint64(limit))),
	}
	if tmpDir != "" {
		opts = append(opts, dotc1z.WithTmpDir(tmpDir))
	}
	store, err := dotc1z.NewStore(ctx, path, opts...)
	if err != nil {
		return Summary{}, openError(path, limit, err)
	}
	sum := Summary{Path: path, Size: st.Size()}
	err = read(ctx, store, &sum)
	if cerr := store.Close(ctx); cerr != nil && err == nil {
		err = fmt.Errorf("close sync file: %w", cerr)
	}
	if errors.Is(err, ErrUnfinished) {
		return sum, fmt.Errorf("check sync file %s: %w", path, err)
	}
	return sum, err
}

// read fills sum from an open store.
func read(ctx context.Context, store c1zstore.Store, sum *Summary) error {
	md := store.Metadata()
	sum.Format, sum.Engine = md.Format, md.Engine
	resp, err := store.GetLatestFinishedSync(ctx, reader_v2.SyncsReaderServiceGetLatestFinishedSyncRequest_builder{}.Build())
	if err != nil {
		return fmt.Errorf("find finished sync: %w", err)
	}
	run := resp.GetSync()
	if run == nil {
		return ErrUnfinished
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
	types := map[string]*TypeCount{}
	get := func(rt string) *TypeCount {
		if types[rt] == nil {
			types[rt] = &TypeCount{ResourceType: rt}
		}
		return types[rt]
	}
	if err := readTypes(ctx, store, get); err != nil {
		return err
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
	slices.SortFunc(sum.ByType, func(a, b TypeCount) int { return strings.Compare(a.ResourceType, b.ResourceType) })
	return nil
}

// readTypes records every resource type of the current sync with its traits.
func readTypes(ctx context.Context, store c1zstore.Store, get func(string) *TypeCount) error {
	token := ""
	for {
		resp, err := store.ListResourceTypes(ctx, v2.ResourceTypesServiceListResourceTypesRequest_builder{PageToken: token}.Build())
		if err != nil {
			return fmt.Errorf("read resource types: %w", err)
		}
		for _, rt := range resp.GetList() {
			tc := get(rt.GetId())
			for _, tr := range rt.GetTraits() {
				name := strings.ToLower(strings.TrimPrefix(tr.String(), "TRAIT_"))
				if !slices.Contains(tc.Traits, name) {
					tc.Traits = append(tc.Traits, name)
				}
			}
		}
		if token = resp.GetNextPageToken(); token == "" {
			return nil
		}
	}
}
