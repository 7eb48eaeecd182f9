package schema

import (
	"slices"
	"testing"
)

func TestFingerprint(t *testing.T) {
	base := load(t, "baton-okta.config.json")
	fp := Fingerprint(base)
	if len(fp) != 16 {
		t.Fatalf("fingerprint %q: want 16 hex digits", fp)
	}
	if again := Fingerprint(load(t, "baton-okta.config.json")); again != fp {
		t.Errorf("the same schema gave %s and %s", fp, again)
	}
	if Fingerprint(load(t, "baton-ldap.config.json")) == fp {
		t.Error("two connectors share a fingerprint")
	}

	same := map[string]func(s *Schema){
		"labels and help": func(s *Schema) {
			s.Fields[0].Label, s.Fields[0].Help, s.Fields[0].Hint, s.Fields[0].Placeholder = "x", "y", "z", "w"
			s.DisplayName, s.HelpURL = "Other", "https://example.com"
		},
		"field order": func(s *Schema) { slices.Reverse(s.Fields) },
		"group order": func(s *Schema) { slices.Reverse(s.Groups) },
	}
	for name, change := range same {
		s := load(t, "baton-okta.config.json")
		change(s)
		if got := Fingerprint(s); got != fp {
			t.Errorf("%s changed the fingerprint", name)
		}
	}
	differ := map[string]func(s *Schema){
		"new field":     func(s *Schema) { s.Fields = append(s.Fields, Field{Name: "region"}) },
		"removed field": func(s *Schema) { s.Fields = s.Fields[1:] },
		"now required":  func(s *Schema) { s.Fields[0].Required = !s.Fields[0].Required },
		"now secret":    func(s *Schema) { s.Fields[0].Secret = !s.Fields[0].Secret },
		"other default": func(s *Schema) { s.Fields[0].Default = "other" },
		"other type":    func(s *Schema) { s.Fields[0].Kind = KindStringMap },
		"other choices": func(s *Schema) { s.Fields[0].Options = []string{"a"} },
		"group fields":  func(s *Schema) { s.Groups[0].Fields = s.Groups[0].Fields[1:] },
		"new constraint": func(s *Schema) {
			s.Constraints = append(s.Constraints, Constraint{Kind: AtLeastOne, Fields: []string{"a"}})
		},
		"renamed a field": func(s *Schema) { s.Fields[0].Name += "-v2" },
	}
	for name, change := range differ {
		s := load(t, "baton-okta.config.json")
		change(s)
		if got := Fingerprint(s); got == fp {
			t.Errorf("%s kept the fingerprint", name)
		}
	}
	if Fingerprint(nil) != "" {
		t.Error("no schema has a fingerprint")
	}
}
