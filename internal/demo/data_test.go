package demo

import (
	"context"
	"os"
	"slices"
	"testing"

	v2 "github.com/conductorone/baton-sdk/pb/c1/connector/v2"
	"github.com/conductorone/baton-sdk/pkg/pagination"
	rs "github.com/conductorone/baton-sdk/pkg/types/resource"
)

func TestRouted(t *testing.T) {
	orig := os.Args
	t.Cleanup(func() { os.Args = orig })

	t.Setenv(EnvMarker, "")
	os.Args = []string{"baton-setup", "doctor"}
	if Routed() {
		t.Fatal("routed without the subcommand")
	}

	os.Args = []string{"baton-setup", Subcommand, "--file", "x.c1z"}
	if !Routed() {
		t.Fatal("not routed with the subcommand")
	}
	if want := []string{"baton-setup", "--file", "x.c1z"}; !slices.Equal(os.Args, want) {
		t.Errorf("os.Args = %q, want %q", os.Args, want)
	}
	if os.Getenv(EnvMarker) != "1" {
		t.Errorf("%s not set for the child", EnvMarker)
	}

	// The SDK's child process: marker inherited, arguments left alone.
	os.Args = []string{"baton-setup", "--file", "x.c1z", "_connector-service"}
	if !Routed() || len(os.Args) != 4 {
		t.Errorf("child not routed or args changed: %q", os.Args)
	}
}

func TestPage(t *testing.T) {
	tests := []struct {
		token       string
		total, size int
		start, end  int
		next        string
		wantErr     bool
	}{
		{"", 0, 10, 0, 0, "", false},
		{"", 25, 10, 0, 10, "10", false},
		{"10", 25, 10, 10, 20, "20", false},
		{"20", 25, 10, 20, 25, "", false},
		{"99", 25, 10, 25, 25, "", false},
		{"x", 25, 10, 0, 0, "", true},
		{"-1", 25, 10, 0, 0, "", true},
	}
	for _, tc := range tests {
		start, end, next, err := page(tc.token, tc.total, tc.size)
		if (err != nil) != tc.wantErr || start != tc.start || end != tc.end || next != tc.next {
			t.Errorf("page(%q, %d, %d) = %d, %d, %q, %v", tc.token, tc.total, tc.size, start, end, next, err)
		}
	}
}

func TestEmailDomain(t *testing.T) {
	for in, want := range map[string]string{
		"Acme Corp":   "acme-corp.example",
		"  ünïcode!!": "n-code.example",
		"":            "tenant.example",
		"a--b_c.":     "a-b-c.example",
	} {
		if got := emailDomain(in); got != want {
			t.Errorf("emailDomain(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestGrantsCoverEveryUser checks that paging through every group's and
// role's grants yields each user exactly once per resource type.
func TestGrantsCoverEveryUser(t *testing.T) {
	ctx := context.Background()
	for _, users := range []int{0, 1, 19, 20, 41, 1234, 25_000} {
		b, _, err := newConnector(ctx, &Config{Tenant: "t", APIKey: "k", UserCount: users, IncludeRoles: true, PageSize: 97}, nil)
		if err != nil {
			t.Fatal(err)
		}
		for _, s := range b.ResourceSyncers(ctx) {
			if s.ResourceType(ctx).GetId() == TypeUser {
				continue
			}
			seen := make([]int, users)
			for _, r := range listAll(t, s) {
				for _, g := range grantsAll(t, s, r) {
					p := g.GetPrincipal().GetId()
					i, err := parseIndex(p.GetResource(), TypeUser, users)
					if err != nil || p.GetResourceType() != TypeUser {
						t.Fatalf("bad principal %v: %v", p, err)
					}
					seen[i]++
				}
			}
			for i, n := range seen {
				if n != 1 {
					t.Fatalf("%d users, %s: user %d has %d grants", users, s.ResourceType(ctx).GetId(), i, n)
				}
			}
		}
	}
}

type lister interface {
	List(context.Context, *v2.ResourceId, rs.SyncOpAttrs) ([]*v2.Resource, *rs.SyncOpResults, error)
	Grants(context.Context, *v2.Resource, rs.SyncOpAttrs) ([]*v2.Grant, *rs.SyncOpResults, error)
}

func listAll(t *testing.T, s lister) []*v2.Resource {
	var out []*v2.Resource
	token := ""
	for {
		rsrc, res, err := s.List(context.Background(), nil, rs.SyncOpAttrs{PageToken: pagination.Token{Token: token}})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, rsrc...)
		if token = res.NextPageToken; token == "" {
			return out
		}
	}
}

func grantsAll(t *testing.T, s lister, r *v2.Resource) []*v2.Grant {
	var out []*v2.Grant
	token := ""
	for {
		gs, res, err := s.Grants(context.Background(), r, rs.SyncOpAttrs{PageToken: pagination.Token{Token: token}})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, gs...)
		if token = res.NextPageToken; token == "" {
			return out
		}
	}
}
