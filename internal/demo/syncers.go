package demo

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/annotations"
	"github.com/conductorone/baton-sdk/pkg/types/entitlement"
	"github.com/conductorone/baton-sdk/pkg/types/grant"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
)

// Resource type IDs.
const (
	TypeUser  = "user"
	TypeGroup = "group"
	TypeRole  = "role"
)

// Entitlement slugs.
const (
	EntitlementMember   = "member"
	EntitlementAssigned = "assigned"
)

var (
	userResourceType = v2.ResourceType_builder{
		Id:          TypeUser,
		DisplayName: "User",
		Traits:      []v2.ResourceType_Trait{v2.ResourceType_TRAIT_USER},
		// Users carry no entitlements of their own. Without this the syncer
		// makes two empty calls per user, which dominates a large sync.
		Annotations: annotations.New(&v2.SkipEntitlementsAndGrants{}),
	}.Build()
	groupResourceType = v2.ResourceType_builder{
		Id:          TypeGroup,
		DisplayName: "Group",
		Traits:      []v2.ResourceType_Trait{v2.ResourceType_TRAIT_GROUP},
	}.Build()
	roleResourceType = v2.ResourceType_builder{
		Id:          TypeRole,
		DisplayName: "Role",
		Traits:      []v2.ResourceType_Trait{v2.ResourceType_TRAIT_ROLE},
	}.Build()
)

var roleNames = [...]string{"admin", "editor", "viewer"}

var firstNames = [...]string{
	"Ada", "Alan", "Barbara", "Claude", "Donald", "Edsger", "Frances", "Grace",
	"Hedy", "Ivan", "John", "Katherine", "Leslie", "Margaret", "Niklaus", "Radia",
}

var lastNames = [...]string{
	"Lovelace", "Turing", "Liskov", "Shannon", "Knuth", "Dijkstra", "Allen", "Hopper",
	"Lamarr", "Sutherland", "Backus", "Johnson", "Lamport", "Hamilton", "Wirth", "Perlman",
}

var departments = [...]string{
	"Engineering", "Sales", "Marketing", "Support", "Finance", "Legal", "People", "Operations",
}

func userID(i int) string  { return fmt.Sprintf("user%04d", i+1) }
func groupID(g int) string { return fmt.Sprintf("group%04d", g+1) }

func userName(i int) string {
	return firstNames[i%len(firstNames)] + " " + lastNames[(i/len(firstNames))%len(lastNames)]
}

func groupName(g int) string {
	return fmt.Sprintf("%s %d", departments[g%len(departments)], g/len(departments)+1)
}

// parseIndex recovers the 0-based index from an ID made by userID, groupID
// or the like.
func parseIndex(id, prefix string, limit int) (int, error) {
	n, err := strconv.Atoi(strings.TrimPrefix(id, prefix))
	if !strings.HasPrefix(id, prefix) || err != nil || n < 1 || n > limit {
		return 0, status.Errorf(codes.NotFound, "demo: unknown %s %q", prefix, id)
	}
	return n - 1, nil
}

// page turns an offset page token into the half-open range [start, end) of
// total items, and the token for the following page ("" when done).
func page(token string, total, size int) (start, end int, next string, err error) {
	if token != "" {
		start, err = strconv.Atoi(token)
		if err != nil || start < 0 {
			return 0, 0, "", status.Errorf(codes.InvalidArgument, "demo: invalid page token %q", token)
		}
	}
	start = min(start, total)
	end = min(start+size, total)
	if end < total {
		next = strconv.Itoa(end)
	}
	return start, end, next, nil
}

// userCountForData is the number of users that exist upstream, which the
// zero-users failure mode hides.
func (c *connector) userCountForData() int {
	if c.failure == FailureZeroUsers {
		return 0
	}
	return c.userCount
}

// memberCount is how many of n users have index ≡ r (mod m).
func memberCount(n, m, r int) int {
	if r >= n {
		return 0
	}
	return (n - r + m - 1) / m
}

func userPrincipal(i int) *v2.ResourceId {
	return v2.ResourceId_builder{ResourceType: TypeUser, Resource: userID(i)}.Build()
}

type userSyncer struct{ c *connector }

func (s *userSyncer) ResourceType(context.Context) *v2.ResourceType { return userResourceType }

func (s *userSyncer) List(ctx context.Context, _ *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	c := s.c
	if err := c.beforeList(ctx); err != nil {
		return nil, nil, err
	}
	start, end, next, err := page(opts.PageToken.Token, c.userCountForData(), c.pageSize)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*v2.Resource, 0, end-start)
	for i := start; i < end; i++ {
		id := userID(i)
		r, err := rs.NewUserResource(userName(i), userResourceType, id,
			[]rs.UserTraitOption{
				rs.WithEmail(id+"@"+c.domain, true),
				rs.WithUserLogin(id),
				rs.WithAccountType(v2.UserTrait_ACCOUNT_TYPE_HUMAN),
			},
			rs.WithResourceStatus(v2.Status_RESOURCE_STATUS_ENABLED, ""),
		)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{NextPageToken: next}, nil
}

func (s *userSyncer) Entitlements(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	return nil, &rs.SyncOpResults{}, nil
}

func (s *userSyncer) Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	return nil, &rs.SyncOpResults{}, nil
}

type groupSyncer struct{ c *connector }

func (s *groupSyncer) ResourceType(context.Context) *v2.ResourceType { return groupResourceType }

func (s *groupSyncer) List(ctx context.Context, _ *v2.ResourceId, opts rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	c := s.c
	if err := c.beforeList(ctx); err != nil {
		return nil, nil, err
	}
	// Groups are listed after users, so these failures strike mid-sync with
	// users already stored.
	switch c.failure {
	case FailureFailMidsync:
		return nil, nil, status.Error(codes.Internal, "demo: upstream returned 500 while listing groups")
	case FailureCrash:
		crash()
	}
	start, end, next, err := page(opts.PageToken.Token, c.groupCount, c.pageSize)
	if err != nil {
		return nil, nil, err
	}
	users := c.userCountForData()
	out := make([]*v2.Resource, 0, end-start)
	for g := start; g < end; g++ {
		r, err := rs.NewGroupResource(groupName(g), groupResourceType, groupID(g),
			[]rs.GroupTraitOption{rs.WithGroupProfile(map[string]any{
				"member_count": memberCount(users, c.groupCount, g),
			})},
			rs.WithDescription(fmt.Sprintf("Demo group %d of %s", g+1, c.tenant)),
		)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{NextPageToken: next}, nil
}

func (s *groupSyncer) Entitlements(_ context.Context, r *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	e := entitlement.NewAssignmentEntitlement(r, EntitlementMember,
		entitlement.WithGrantableTo(userResourceType),
		entitlement.WithDisplayName(r.GetDisplayName()+" member"),
		entitlement.WithDescription("Member of the "+r.GetDisplayName()+" group"),
	)
	return []*v2.Entitlement{e}, &rs.SyncOpResults{}, nil
}

// Grants lists the members of group g: the users i with i % groupCount == g.
func (s *groupSyncer) Grants(_ context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	c := s.c
	g, err := parseIndex(r.GetId().GetResource(), TypeGroup, c.groupCount)
	if err != nil {
		return nil, nil, err
	}
	n := memberCount(c.userCountForData(), c.groupCount, g)
	start, end, next, err := page(opts.PageToken.Token, n, c.pageSize)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*v2.Grant, 0, end-start)
	for k := start; k < end; k++ {
		out = append(out, grant.NewGrant(r, EntitlementMember, userPrincipal(g+k*c.groupCount)))
	}
	return out, &rs.SyncOpResults{NextPageToken: next}, nil
}

type roleSyncer struct{ c *connector }

func (s *roleSyncer) ResourceType(context.Context) *v2.ResourceType { return roleResourceType }

func (s *roleSyncer) List(ctx context.Context, _ *v2.ResourceId, _ rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error) {
	if err := s.c.beforeList(ctx); err != nil {
		return nil, nil, err
	}
	out := make([]*v2.Resource, 0, len(roleNames))
	for _, name := range roleNames {
		r, err := rs.NewRoleResource(strings.ToUpper(name[:1])+name[1:], roleResourceType, name, nil,
			rs.WithDescription("Demo "+name+" role"),
		)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, r)
	}
	return out, &rs.SyncOpResults{}, nil
}

func (s *roleSyncer) Entitlements(_ context.Context, r *v2.Resource, _ rs.SyncOpAttrs) ([]*v2.Entitlement, *rs.SyncOpResults, error) {
	e := entitlement.NewAssignmentEntitlement(r, EntitlementAssigned,
		entitlement.WithGrantableTo(userResourceType),
		entitlement.WithDisplayName(r.GetDisplayName()+" role"),
		entitlement.WithDescription("Has the "+r.GetDisplayName()+" role"),
	)
	return []*v2.Entitlement{e}, &rs.SyncOpResults{}, nil
}

// Grants lists the holders of role r: the users i with i % 3 == r.
func (s *roleSyncer) Grants(_ context.Context, r *v2.Resource, opts rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error) {
	c := s.c
	role := -1
	for i, name := range roleNames {
		if name == r.GetId().GetResource() {
			role = i
		}
	}
	if role < 0 {
		return nil, nil, status.Errorf(codes.NotFound, "demo: unknown role %q", r.GetId().GetResource())
	}
	n := memberCount(c.userCountForData(), len(roleNames), role)
	start, end, next, err := page(opts.PageToken.Token, n, c.pageSize)
	if err != nil {
		return nil, nil, err
	}
	out := make([]*v2.Grant, 0, end-start)
	for k := start; k < end; k++ {
		out = append(out, grant.NewGrant(r, EntitlementAssigned, userPrincipal(role+k*len(roleNames))))
	}
	return out, &rs.SyncOpResults{NextPageToken: next}, nil
}
