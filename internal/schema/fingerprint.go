package schema

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"
	"strings"
)

// Fingerprint identifies what a schema asks of a setup: each field's name,
// type, required and secret marks, default, choices and limits, the auth
// methods and the constraints. Labels and help texts are left out, and so
// is what the catalog adds, so that only a change that matters to a saved
// setup gives another fingerprint. Field order does not matter.
func Fingerprint(s *Schema) string {
	if s == nil {
		return ""
	}
	type field struct {
		Name       string   `json:"n"`
		Kind       Kind     `json:"k"`
		Required   bool     `json:"r,omitempty"`
		Secret     bool     `json:"s,omitempty"`
		Default    string   `json:"d,omitempty"`
		Options    []string `json:"o,omitempty"`
		Min        *int64   `json:"min,omitempty"`
		Max        *int64   `json:"max,omitempty"`
		Deprecated bool     `json:"dep,omitempty"`
	}
	type group struct {
		Name    string   `json:"n"`
		Fields  []string `json:"f"`
		Default bool     `json:"d,omitempty"`
	}
	type constraint struct {
		Kind      ConstraintKind `json:"k"`
		Fields    []string       `json:"f"`
		Secondary []string       `json:"s,omitempty"`
	}
	var canon struct {
		Fields      []field      `json:"f"`
		Groups      []group      `json:"g,omitempty"`
		Constraints []constraint `json:"c,omitempty"`
	}
	for _, f := range s.Fields {
		canon.Fields = append(canon.Fields, field{f.Name, f.Kind, f.Required, f.Secret, f.Default, f.Options, f.Min, f.Max, f.Deprecated})
	}
	slices.SortFunc(canon.Fields, func(a, b field) int { return strings.Compare(a.Name, b.Name) })
	for _, g := range s.Groups {
		canon.Groups = append(canon.Groups, group{g.Name, sorted(g.Fields), g.Default})
	}
	slices.SortFunc(canon.Groups, func(a, b group) int { return strings.Compare(a.Name, b.Name) })
	for _, c := range s.Constraints {
		canon.Constraints = append(canon.Constraints, constraint{c.Kind, sorted(c.Fields), sorted(c.Secondary)})
	}
	slices.SortFunc(canon.Constraints, func(a, b constraint) int {
		ka, _ := json.Marshal(a)
		kb, _ := json.Marshal(b)
		return strings.Compare(string(ka), string(kb))
	})
	data, _ := json.Marshal(canon)
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:8])
}

func sorted(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}
