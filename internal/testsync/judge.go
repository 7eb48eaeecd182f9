package testsync

import (
	"fmt"
	"strings"

	"github.com/conductorone/baton-setup/internal/c1z"
	"github.com/conductorone/baton-setup/internal/catalog"
)

// Kinds of Warning.
const (
	WarnNoResources  = "no-resources"
	WarnNoUsers      = "no-users"
	WarnErrorsLogged = "errors-logged"
)

// Warning is a reason to doubt a sync that finished: the file is good, but
// it probably does not hold what the connector should have found.
type Warning struct {
	// Kind is WarnNoResources, WarnNoUsers or WarnErrorsLogged.
	Kind    string `json:"kind"`
	Message string `json:"message"`
	Hint    string `json:"hint,omitempty"`
	// Details are the first error messages the connector logged.
	Details []string `json:"details,omitempty"`
}

// Judge looks for what makes a finished sync doubtful: nothing found at
// all, no users although the connector has a user type, or error-level log
// lines (errors are their first messages, count how many were logged).
// connector is the connector's name, for the catalog's advice on missing
// users. It is what `test` and the wizard show as a warning outcome, and
// what a scheduled run can record.
func Judge(s *c1z.Summary, connector string, errors []string, count int) []Warning {
	var out []Warning
	switch {
	case s == nil:
	case s.Resources == 0:
		out = append(out, Warning{
			Kind:    WarnNoResources,
			Message: fmt.Sprintf("the sync found nothing: 0 resources of %d resource types", s.ResourceTypes),
			Hint:    "check the settings that choose what to read (a base DN, an organisation, a filter) and that the credentials may read it",
		})
	case NoUsers(s):
		w := Warning{Kind: WarnNoUsers, Hint: "the credentials probably lack permission to read users"}
		if types := userTypes(s); len(types) > 0 {
			w.Message = fmt.Sprintf("no users were found: the connector's user type %s has 0 resources", strings.Join(types, ", "))
		} else {
			w.Message = "no users or accounts were found; the credentials probably lack read permission"
			w.Hint = ""
		}
		if e, ok := catalog.Lookup(connector); ok && e.ZeroUsersHint != "" {
			w.Hint = e.ZeroUsersHint + " (" + e.DocsURL + ")"
		}
		out = append(out, w)
	}
	if count > 0 {
		noun := "errors"
		if count == 1 {
			noun = "error"
		}
		out = append(out, Warning{
			Kind:    WarnErrorsLogged,
			Message: fmt.Sprintf("the connector logged %d %s during a sync that finished", count, noun),
			Hint:    "the sync file may lack what those errors skipped; read them before relying on it",
			Details: errors,
		})
	}
	return out
}

// userNames are resource type names that mean users, for files whose
// types declare no traits.
var userNames = []string{"user", "account", "member", "employee", "person", "people"}

// NoUsers reports whether a finished sync found no users: every type with
// the user trait is empty, or, when no type declares a trait, no type
// named like users has resources. A sync that "succeeds" that way usually
// means the credentials lack read permission. A connector whose types
// declare traits but none of them the user trait has no users to miss.
func NoUsers(s *c1z.Summary) bool {
	if s == nil {
		return false
	}
	if types := userTypes(s); len(types) > 0 {
		for _, t := range s.ByType {
			if t.HasTrait(c1z.TraitUser) && t.Resources > 0 {
				return false
			}
		}
		return true
	}
	for _, t := range s.ByType {
		if len(t.Traits) > 0 {
			return false
		}
	}
	for _, t := range s.ByType {
		id := strings.ToLower(t.ResourceType)
		for _, n := range userNames {
			if t.Resources > 0 && strings.Contains(id, n) {
				return false
			}
		}
	}
	return true
}

// userTypes lists the types that declare the user trait.
func userTypes(s *c1z.Summary) []string {
	var out []string
	for _, t := range s.ByType {
		if t.HasTrait(c1z.TraitUser) {
			out = append(out, t.ResourceType)
		}
	}
	return out
}
