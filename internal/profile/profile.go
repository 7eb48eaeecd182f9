// Package profile finds saved setups: one directory per profile under
// baton-setup's config directory, holding plan.json (no secrets) and
// secrets.env (0600).
package profile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/google/renameio/v2"
	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/servicemode"
)

// Info describes a saved profile.
type Info struct {
	Name        string `json:"name"`
	Dir         string `json:"dir"`
	Connector   string `json:"connector"`
	Destination string `json:"destination"`
	Schedule    string `json:"schedule"`
}

// Dir returns a profile's default directory.
func Dir(root, name string) string { return filepath.Join(root, name) }

// linksDir holds one file per profile written outside root (generate
// --out), naming its directory, so that every command finds it.
func linksDir(root string) string { return filepath.Join(root, ".links") }

// Locate returns a profile's directory: its default one when that holds a
// plan, else the one registered for it, else the default one.
func Locate(root, name string) string {
	def := Dir(root, name)
	if _, err := os.Stat(filepath.Join(def, "plan.json")); err == nil {
		return def
	}
	if dir, ok := linked(root, name); ok {
		return dir
	}
	return def
}

// linked reads the directory registered for name, if it still holds that
// profile's plan.
func linked(root, name string) (string, bool) {
	data, err := os.ReadFile(filepath.Join(linksDir(root), name))
	if err != nil {
		return "", false
	}
	dir := strings.TrimSpace(string(data))
	p, err := plan.Load(filepath.Join(dir, "plan.json"))
	if !filepath.IsAbs(dir) || err != nil || p.Profile != name {
		return "", false
	}
	return dir, true
}

// Registered reports whether dir is where the profile name lives by
// baton-setup's own records: its default directory, or the one Register
// recorded for it (whether or not that still holds its plan).
func Registered(root, name, dir string) bool {
	dir = filepath.Clean(dir)
	if dir == Dir(root, name) {
		return true
	}
	data, err := os.ReadFile(filepath.Join(linksDir(root), name))
	return err == nil && filepath.Clean(strings.TrimSpace(string(data))) == dir
}

// Register records where a profile lives when that is not its default
// directory, and forgets an earlier record when it is.
func Register(root, name, dir string) error {
	link := filepath.Join(linksDir(root), name)
	if filepath.Clean(dir) == Dir(root, name) {
		if err := os.Remove(link); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return fmt.Errorf("register profile %s: %w", name, err)
		}
		return nil
	}
	if err := os.MkdirAll(linksDir(root), 0o700); err != nil {
		return fmt.Errorf("register profile %s: %w", name, err)
	}
	if err := renameio.WriteFile(link, []byte(dir+"\n"), 0o600); err != nil {
		return fmt.Errorf("register profile %s: %w", name, err)
	}
	return nil
}

// List returns the profiles under root and those registered elsewhere,
// sorted by name. A directory without a readable plan.json is not a
// profile.
func List(root string) ([]Info, error) {
	entries, err := os.ReadDir(root)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list profiles: %w", err)
	}
	var out []Info
	add := func(name, dir string) {
		p, err := plan.Load(filepath.Join(dir, "plan.json"))
		if err != nil || slices.ContainsFunc(out, func(i Info) bool { return i.Name == name }) {
			return
		}
		out = append(out, Info{
			Name: name, Dir: dir, Connector: p.Connector.Name,
			Destination: p.Destination.String(), Schedule: p.Schedule.Cron,
		})
	}
	for _, e := range entries {
		if e.IsDir() && !strings.HasPrefix(e.Name(), ".") {
			add(e.Name(), filepath.Join(root, e.Name()))
		}
	}
	links, _ := os.ReadDir(linksDir(root))
	for _, l := range links {
		if dir, ok := linked(root, l.Name()); ok {
			add(l.Name(), dir)
		}
	}
	slices.SortFunc(out, func(a, b Info) int { return strings.Compare(a.Name, b.Name) })
	return out, nil
}

// ErrNotFound is wrapped by the error LoadPlan and Load return for a
// profile that was never saved.
var ErrNotFound = errors.New("no such profile")

// LoadPlan reads a profile's plan.json.
func LoadPlan(root, name string) (*plan.Plan, error) {
	if err := plan.ValidateProfile(name); err != nil {
		return nil, err
	}
	p, err := plan.Load(filepath.Join(Locate(root, name), "plan.json"))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("load profile %s: %w in %s", name, ErrNotFound, root)
	}
	return p, err
}

// Load reads a profile's plan and the values in its secrets file, keyed by
// environment variable name: secrets.env, or service.env in service mode,
// which holds the connector's settings and the ConductorOne client secret.
func Load(root, name string) (*plan.Plan, map[string]string, error) {
	p, err := LoadPlan(root, name)
	if err != nil {
		return nil, nil, err
	}
	file := "secrets.env"
	if p.Mode == plan.ModeService {
		file = servicemode.EnvFile
	}
	secrets, err := ReadEnvFile(filepath.Join(Locate(root, name), file))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, nil, err
	}
	return p, secrets, nil
}

// ReadEnvFile parses NAME=value assignments, shell-quoted as baton-setup
// writes them, without running the file. It refuses a file that others can
// read, as OpenSSH refuses an unprotected key.
func ReadEnvFile(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("read %s: mode %04o lets other users read it\nhint: chmod 600 %s", path, st.Mode().Perm(), path)
	}
	file, err := syntax.NewParser(syntax.Variant(syntax.LangPOSIX)).Parse(f, path)
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	out := map[string]string{}
	for _, stmt := range file.Stmts {
		call, ok := stmt.Cmd.(*syntax.CallExpr)
		if !ok || len(call.Args) > 0 {
			return nil, fmt.Errorf("read %s: line %d is not a NAME=value assignment", path, stmt.Pos().Line())
		}
		for _, a := range call.Assigns {
			v := ""
			if a.Value != nil {
				if v, err = expand.Literal(nil, a.Value); err != nil {
					return nil, fmt.Errorf("read %s: line %d: %w", path, a.Pos().Line(), err)
				}
			}
			out[a.Name.Value] = v
		}
	}
	return out, nil
}

// ScriptSetup returns the baton-setup binary a generated sync.sh calls: the
// value of its top-level BATON_SETUP= assignment.
func ScriptSetup(path string) (string, error) {
	v, err := ScriptAssignment(path, "BATON_SETUP")
	if errors.Is(err, errNoAssignment) {
		return "", fmt.Errorf("read %s: no BATON_SETUP= line; regenerate it", path)
	}
	return v, err
}

var errNoAssignment = errors.New("no such assignment")

// ScriptAssignment returns the value of a top-level NAME= assignment of a
// generated script, without running it.
func ScriptAssignment(path, name string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	defer f.Close()
	file, err := syntax.NewParser(syntax.Variant(syntax.LangPOSIX)).Parse(f, path)
	if err != nil {
		return "", fmt.Errorf("read %s: %w", path, err)
	}
	for _, stmt := range file.Stmts {
		call, ok := stmt.Cmd.(*syntax.CallExpr)
		if !ok || len(call.Args) > 0 {
			continue
		}
		for _, a := range call.Assigns {
			if a.Name.Value == name && a.Value != nil {
				v, err := expand.Literal(nil, a.Value)
				if err != nil {
					return "", fmt.Errorf("read %s: line %d: %w", path, a.Pos().Line(), err)
				}
				return v, nil
			}
		}
	}
	return "", fmt.Errorf("read %s: %s: %w", path, name, errNoAssignment)
}
