package tui

import (
	"context"
	"strings"
	"testing"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
)

func TestConnectorStepOffersCatalog(t *testing.T) {
	deps := Deps{Connectors: func() []discover.Found {
		return []discover.Found{{Name: "demo", Path: "/bin/true", Source: "built-in"}, {Name: "okta", Path: "/opt/baton-okta", Source: "PATH"}}
	}}
	s := newConnectorStep(context.Background(), deps, NewStyles(true), &plan.Plan{})
	for _, e := range s.missing {
		if e.Name == "okta" || e.Name == "demo" {
			t.Errorf("%s is installed but also offered as missing", e.Name)
		}
	}
	if len(s.missing) < 150 {
		t.Fatalf("only %d catalog connectors offered", len(s.missing))
	}
	for i, e := range s.missing {
		if e.Name != "slack" {
			continue
		}
		s.choice = len(s.found) + i
		_, err := s.submitChoice()
		if err == nil {
			t.Fatal("choosing a missing connector did not explain how to install it")
		}
		for _, want := range []string{"baton-slack is not installed", "brew install conductorone/baton/baton-slack", "go install github.com/conductorone/baton-slack", "https://"} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("install help lacks %q:\n%s", want, err)
			}
		}
		if s.loading {
			t.Error("a missing connector started loading a schema")
		}
		return
	}
	t.Fatal("slack is not in the catalog")
}
