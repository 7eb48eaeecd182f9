// Package catalog is the embedded list of known ConductorOne Baton connectors.
//
// The list ships inside the binary (catalog.json), so baton-setup can offer a
// connector picker, install hints and a first guess at the configuration
// fields before any connector binary is installed. Once a connector is
// installed its own `config` schema is authoritative; the fields here are a
// fallback and a source of help text.
//
//	e, ok := catalog.Lookup("baton-okta")
//	hits := catalog.Filter(catalog.All(), "okt")
package catalog

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/conductorone/baton-setup/internal/schema"
)

//go:embed catalog.json
var catalogJSON []byte

// Kinds is the fixed set of values allowed in Entry.Kind.
var Kinds = []string{
	"identity", "cloud", "source-control", "collaboration", "hr", "database",
	"itsm", "security", "devops", "saas", "infrastructure", "other",
}

// Entry is one known Baton connector.
type Entry struct {
	Name          string       `json:"name"`
	DisplayName   string       `json:"displayName"`
	Kind          string       `json:"kind"`
	Description   string       `json:"description"`
	DocsURL       string       `json:"docsUrl"`
	Repo          string       `json:"repo"`
	Binary        string       `json:"binary"`
	Brew          string       `json:"brew"`
	Image         string       `json:"image"`
	GoInstall     string       `json:"goInstall"`
	Fields        []Field      `json:"fields,omitempty"`
	AuthMethods   []AuthMethod `json:"authMethods,omitempty"`
	ZeroUsersHint string       `json:"zeroUsersHint,omitempty"`
}

// Field is one configuration field a connector declares.
//
// Group names the auth method (see AuthMethod) the field belongs to. An empty
// Group means the field applies whatever auth method is chosen.
type Field struct {
	Name        string `json:"name"`
	Env         string `json:"env"`
	DisplayName string `json:"displayName"`
	Help        string `json:"help,omitempty"`
	Group       string `json:"group,omitempty"`
	Required    bool   `json:"required,omitempty"`
	Secret      bool   `json:"secret,omitempty"`
}

// AuthMethod is one of a connector's field groups, selected with
// BATON_AUTH_METHOD.
type AuthMethod struct {
	Name        string `json:"name"`
	DisplayName string `json:"displayName"`
}

type catalog struct {
	entries []Entry
	byName  map[string]int
}

var load = sync.OnceValues(func() (*catalog, error) {
	return parse(catalogJSON)
})

func parse(data []byte) (*catalog, error) {
	var entries []Entry
	if err := json.Unmarshal(data, &entries); err != nil {
		return &catalog{}, fmt.Errorf("catalog: parse embedded catalog.json: %w", err)
	}
	slices.SortFunc(entries, func(a, b Entry) int { return strings.Compare(a.Name, b.Name) })
	c := &catalog{entries: entries, byName: make(map[string]int, len(entries))}
	for i, e := range entries {
		c.byName[e.Name] = i
	}
	return c, nil
}

// loadErr reports whether the embedded catalog failed to parse. It exists for
// the tests; callers just see an empty catalog.
func loadErr() error {
	_, err := load()
	return err
}

// All returns every catalog entry, sorted by name. The slice and the entries
// are copies: changing them does not affect later calls.
func All() []Entry {
	c, _ := load()
	out := make([]Entry, len(c.entries))
	for i, e := range c.entries {
		out[i] = e.clone()
	}
	return out
}

// Lookup finds an entry by connector name. It accepts both "okta" and
// "baton-okta", in any case.
func Lookup(name string) (Entry, bool) {
	c, _ := load()
	i, ok := c.byName[normalizeName(name)]
	if !ok {
		return Entry{}, false
	}
	return c.entries[i].clone(), true
}

func normalizeName(name string) string {
	n := strings.ToLower(strings.TrimSpace(name))
	return strings.TrimPrefix(n, "baton-")
}

func (e Entry) clone() Entry {
	e.Fields = slices.Clone(e.Fields)
	e.AuthMethods = slices.Clone(e.AuthMethods)
	return e
}

// InstallCommands returns the shell commands that install the connector,
// keyed by "brew", "docker" and "go". Methods without data are left out.
// The go command names the latest release ("@latest"), never a branch.
func (e Entry) InstallCommands() map[string]string {
	args := e.InstallArgs()
	cmds := make(map[string]string, len(args))
	for k, a := range args {
		cmds[k] = strings.Join(a, " ")
	}
	return cmds
}

// InstallArgs is InstallCommands as argument vectors, the tool first, for
// running them without a shell.
func (e Entry) InstallArgs() map[string][]string {
	args := make(map[string][]string, 3)
	if e.Brew != "" {
		args["brew"] = []string{"brew", "install", e.Brew}
	}
	if e.Image != "" {
		args["docker"] = []string{"docker", "pull", e.ImageRef()}
	}
	if e.GoInstall != "" {
		args["go"] = []string{"go", "install", e.GoPackage() + "@latest"}
	}
	return args
}

// GoPackage is the import path of the connector's main package, from
// GoInstall without its version.
func (e Entry) GoPackage() string {
	pkg, _, _ := strings.Cut(e.GoInstall, "@")
	return pkg
}

// GoModule is the module that holds GoPackage: catalog connectors keep
// their main package under cmd/ at the top of their module.
func (e Entry) GoModule() string {
	pkg := e.GoPackage()
	if i := strings.Index(pkg, "/cmd/"); i > 0 {
		return pkg[:i]
	}
	return pkg
}

// ImageRef is the container image with the tag docker mode uses.
func (e Entry) ImageRef() string {
	if e.Image == "" {
		return ""
	}
	return e.Image + ":latest"
}

// AuthMethodFields returns the fields that apply when the given auth method is
// selected: the method's own fields plus the ungrouped ones, in declaration
// order. An empty method returns every field.
func (e Entry) AuthMethodFields(method string) []Field {
	var out []Field
	for _, f := range e.Fields {
		if method == "" || f.Group == "" || f.Group == method {
			out = append(out, f)
		}
	}
	return out
}

// Schema turns the entry's known fields into a connector schema, for when
// the connector's own is not available (docker mode before the image can be
// asked). Hint carries the catalog's help; the schema cannot say more about
// types or rules than the catalog knows, so every field is a string.
func (e Entry) Schema() *schema.Schema {
	s := &schema.Schema{DisplayName: e.DisplayName, HelpURL: e.DocsURL}
	for _, f := range e.Fields {
		label := f.DisplayName
		if label == "" {
			label = f.Name
		}
		s.Fields = append(s.Fields, schema.Field{Name: f.Name, Label: label, Hint: f.Help, Required: f.Required, Secret: f.Secret})
	}
	for i, m := range e.AuthMethods {
		g := schema.Group{Name: m.Name, Label: m.DisplayName, Default: i == 0}
		for _, f := range e.Fields {
			if f.Group == m.Name {
				g.Fields = append(g.Fields, f.Name)
			}
		}
		s.Groups = append(s.Groups, g)
	}
	return s
}
