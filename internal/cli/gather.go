package cli

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/pflag"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/schema"
)

// connectorFlags are the inputs every command that runs a connector takes.
type connectorFlags struct {
	Connector   string
	Sets        []string
	SecretFiles []string
	SecretStdin string
	AuthMethod  string
	PlanFile    string
	// Profile, when set by a command and saved earlier, is the starting
	// point, with its secrets.env as the lowest-priority source of secrets.
	Profile string
}

func (c *connectorFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&c.Connector, "connector", "c", "", "connector: demo, a catalog name such as okta, or a path to a baton-* binary")
	fs.StringArrayVar(&c.Sets, "set", nil, "a non-secret connector value, `field=value` (repeatable)")
	fs.StringArrayVar(&c.SecretFiles, "secret-file", nil, "read a connector value from a file, `field=PATH` (repeatable)")
	fs.StringVar(&c.SecretStdin, "secret-stdin", "", "read one connector value, `field`, from standard input (like gh auth login --with-token)")
	fs.StringVar(&c.AuthMethod, "auth-method", "", "the connector's auth method (field group), when it has several")
	fs.StringVar(&c.PlanFile, "plan", "", "start from a plan file saved by the wizard or generate")
}

// gatherPlan builds a Plan from, in falling priority, flags, the connector's
// own BATON_* variables and a plan file. Secret values never come from argv.
func gatherPlan(ctx context.Context, f *Factory, c connectorFlags) (*plan.Plan, error) {
	p := &plan.Plan{}
	saved := map[string]string{}
	switch {
	case c.PlanFile != "":
		loaded, err := plan.Load(c.PlanFile)
		if err != nil {
			return nil, &FlagError{err: err}
		}
		p = loaded
	case c.Profile != "":
		root, err := f.ConfigDir()
		if err != nil {
			return nil, fmt.Errorf("find config directory: %w", err)
		}
		if _, err := os.Stat(filepath.Join(profile.Dir(root, c.Profile), "plan.json")); err == nil {
			loaded, secrets, err := profile.Load(root, c.Profile)
			if err != nil {
				return nil, err
			}
			p, saved = loaded, secrets
		} else if c.Connector == "" {
			return nil, flagErrorf("profile %s: not found in %s; give --connector to create it", c.Profile, root)
		}
	}
	name := c.Connector
	if name == "" {
		name = p.Connector.Name
		if p.Connector.Path != "" && name != discover.DemoName {
			name = p.Connector.Path
		}
	}
	if name == "" {
		return nil, flagErrorf("no connector given: use --connector NAME (demo, a catalog name such as okta, or a path)")
	}
	found, err := f.Discover.Resolve(name)
	if err != nil {
		return nil, err
	}
	sch, err := discover.Schema(ctx, found)
	if err != nil {
		return nil, err
	}
	image := p.Connector.Image
	p.Connector = found.Connector()
	p.Connector.Schema = sch
	if image != "" {
		// Docker mode, saved earlier: the image runs the connector.
		p.Connector.Image, p.Connector.Args = image, nil
	}

	values := map[string]string{}
	for k, v := range p.Values {
		values[k] = v
	}
	secrets := map[string]string{}
	for _, fld := range sch.Fields {
		if v := saved[fld.EnvName()]; v != "" && fld.Secret {
			secrets[fld.Name] = v
		}
		if v := f.Getenv(fld.EnvName()); v != "" {
			if fld.Secret {
				secrets[fld.Name] = v
			} else {
				values[fld.Name] = v
			}
		}
	}
	for _, kv := range c.Sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok {
			return nil, flagErrorf("--set %q: want field=value", kv)
		}
		fld, ok := sch.Field(k)
		if !ok {
			return nil, flagErrorf("--set %s: the %s connector has no field %q; its fields are %s", k, found.Name, k, fieldNames(sch))
		}
		if fld.Secret {
			return nil, flagErrorf("--set %s: %s is secret and must not be on the command line, where any user can read it with ps\nhint: set %s in the environment or use --secret-file %s=PATH", k, k, fld.EnvName(), k)
		}
		if v == "" {
			delete(values, k)
			continue
		}
		values[k] = v
	}
	for _, kv := range c.SecretFiles {
		k, path, ok := strings.Cut(kv, "=")
		if !ok || path == "" {
			return nil, flagErrorf("--secret-file %q: want field=PATH", kv)
		}
		fld, ok := sch.Field(k)
		if !ok {
			return nil, flagErrorf("--secret-file %s: the %s connector has no field %q; its fields are %s", k, found.Name, k, fieldNames(sch))
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, flagErrorf("--secret-file %s: %w", k, err)
		}
		v := strings.TrimRight(string(data), "\r\n")
		if fld.Secret {
			secrets[k] = v
		} else {
			values[k] = v
		}
	}
	if c.SecretStdin != "" {
		fld, ok := sch.Field(c.SecretStdin)
		if !ok {
			return nil, flagErrorf("--secret-stdin %s: the %s connector has no field %q; its fields are %s", c.SecretStdin, found.Name, c.SecretStdin, fieldNames(sch))
		}
		data, err := io.ReadAll(io.LimitReader(f.IO.In, 1<<20))
		if err != nil {
			return nil, flagErrorf("--secret-stdin %s: %w", c.SecretStdin, err)
		}
		v := strings.TrimRight(string(data), "\r\n")
		if v == "" {
			return nil, flagErrorf("--secret-stdin %s: standard input was empty", c.SecretStdin)
		}
		if fld.Secret {
			secrets[fld.Name] = v
		} else {
			values[fld.Name] = v
		}
	}
	p.Values, p.Secrets = nil, nil
	for k, v := range values {
		if fld, ok := sch.Field(k); ok {
			p.SetValue(fld, v)
		} else {
			return nil, flagErrorf("plan value %s: the %s connector has no such field", k, found.Name)
		}
	}
	for k, v := range secrets {
		fld, _ := sch.Field(k)
		p.SetValue(fld, v)
	}
	switch {
	case c.AuthMethod != "":
		p.AuthMethod = c.AuthMethod
	case f.Getenv("BATON_AUTH_METHOD") != "":
		p.AuthMethod = f.Getenv("BATON_AUTH_METHOD")
	}
	if p.AuthMethod != "" {
		if _, ok := sch.Group(p.AuthMethod); !ok {
			return nil, flagErrorf("--auth-method %q: the %s connector has no such auth method", p.AuthMethod, found.Name)
		}
	}
	return p, nil
}

// requireComplete fails with every missing value named, by flag and by
// environment variable.
func requireComplete(p *plan.Plan) error {
	if missing := p.Missing(); len(missing) > 0 {
		return flagErrorf("missing required values:\n  %s", strings.Join(missing, "\n  "))
	}
	if err := p.ValidateConnector(); err != nil {
		return &FlagError{err: err}
	}
	return nil
}

func fieldNames(s *schema.Schema) string {
	var names []string
	for _, f := range s.Fields {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}
