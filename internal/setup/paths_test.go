package setup

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
)

// TestAbsolutePaths stores what names a file relative to where it was
// typed as an absolute path, and leaves other values alone.
func TestAbsolutePaths(t *testing.T) {
	wd := t.TempDir()
	os.WriteFile(filepath.Join(wd, "mini.yaml"), []byte("x"), 0o600)
	os.Mkdir(filepath.Join(wd, "acme"), 0o700)
	sch := &schema.Schema{Fields: []schema.Field{
		{Name: "input", Kind: schema.KindString},
		{Name: "key-file", Kind: schema.KindFile},
		{Name: "tenant", Kind: schema.KindString},
		{Name: "url", Kind: schema.KindString},
		{Name: "mapping", Kind: schema.KindString},
		{Name: "absolute", Kind: schema.KindFile},
	}}
	p := &plan.Plan{Connector: plan.Connector{Schema: sch}}
	for _, kv := range [][2]string{
		{"input", "mini.yaml"},        // exists here: a path
		{"key-file", "keys/app.pem"},  // a file field: always a path
		{"tenant", "acme"},            // a bare word naming a directory: a setting
		{"url", "ldap://mini.yaml"},   // a URL
		{"mapping", "missing.yaml"},   // no such file, and not a file field
		{"absolute", "/etc/hostname"}, // already absolute
	} {
		f, _ := sch.Field(kv[0])
		p.SetValue(f, kv[1])
	}
	changed := AbsolutePaths(p, wd)
	if len(changed) != 2 || p.Value("input") != filepath.Join(wd, "mini.yaml") || p.Value("key-file") != filepath.Join(wd, "keys/app.pem") {
		t.Errorf("changed %v: input %q, key-file %q", changed, p.Value("input"), p.Value("key-file"))
	}
	for name, want := range map[string]string{"tenant": "acme", "url": "ldap://mini.yaml", "mapping": "missing.yaml", "absolute": "/etc/hostname"} {
		if got := p.Value(name); got != want {
			t.Errorf("%s = %q, want %q", name, got, want)
		}
	}
}
