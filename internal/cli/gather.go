package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/conductorone/baton-setup/internal/catalog"
	"github.com/conductorone/baton-setup/internal/container"
	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/upload"
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
	// DockerImage, set by a command's --docker-image, is docker mode. With
	// no local connector binary the schema then comes from the image.
	DockerImage string
	// NoPull keeps a missing image unpulled (dry runs); the catalog's
	// fields stand in for its schema.
	NoPull bool
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
		} else if c.Connector == "" && c.DockerImage == "" {
			return nil, flagErrorf("profile %s: not found in %s; give --connector to create it", c.Profile, root)
		}
	}
	if d := &p.Destination; d.Credentials == plan.CredStatic {
		// The uploader's static keys live in secrets.env only.
		d.AccessKeyID, d.SecretAccessKey = plan.NewSecret(saved[upload.StaticKeyIDVar]), plan.NewSecret(saved[upload.StaticSecretVar])
	}
	image := c.DockerImage
	if image == "" {
		// Docker mode, saved earlier: the image runs the connector.
		image = p.Connector.Image
	}
	name := c.Connector
	if name == "" {
		name = p.Connector.Name
		if p.Connector.Path != "" && name != discover.DemoName {
			name = p.Connector.Path
		}
	}
	// In docker mode the image is the connector, and it describes itself
	// when no binary is named or the one named is not installed.
	fromImage := image != "" && c.Connector == "" && p.Connector.Path == ""
	if fromImage && name == "" {
		if name = container.ConnectorName(image); name == "" {
			return nil, flagErrorf("--docker-image %s: cannot tell which connector the image holds; add --connector NAME", image)
		}
	}
	if name == "" {
		return nil, flagErrorf("no connector given: use --connector NAME (demo, a catalog name such as okta, or a path)")
	}
	var found discover.Found
	if !fromImage {
		var err error
		found, err = f.Discover.Resolve(name)
		switch {
		case err != nil && image != "" && !strings.ContainsRune(c.Connector, os.PathSeparator):
			fromImage = true
		case err != nil:
			// An unknown name or a path that is not a connector is bad input.
			return nil, &FlagError{err: err}
		}
	}
	if fromImage {
		conn, err := imageConnector(ctx, f, strings.TrimPrefix(filepath.Base(name), "baton-"), image, p.Connector.Docker, c.NoPull)
		if err != nil {
			return nil, err
		}
		p.Connector = conn
	} else {
		sch, err := f.Discover.Schema(ctx, found)
		if err != nil {
			return nil, err
		}
		p.Connector = found.Connector()
		p.Connector.Schema = sch
		if image != "" {
			// The image runs the connector; the binary only gave the schema.
			p.Connector.Image, p.Connector.Args = image, nil
		}
	}
	p.MergeExtra()
	sch := p.Connector.Schema
	connName := p.Connector.Name

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
		if !ok || k == "" {
			return nil, flagErrorf("--set %q: want field=value", kv)
		}
		fld, ok := fieldByFlag(sch, k)
		if !ok {
			return nil, flagErrorf("--set %s: the %s connector has no field %q; its fields are %s", k, connName, k, fieldNames(sch))
		}
		if fld.Secret {
			return nil, flagErrorf("--set %s: %s is secret and must not be on the command line, where any user can read it with ps\nhint: set %s in the environment or use --secret-file %s=PATH", k, k, fld.EnvName(), fld.Name)
		}
		if v == "" {
			delete(values, fld.Name)
			continue
		}
		values[fld.Name] = v
	}
	for _, kv := range c.SecretFiles {
		k, path, ok := strings.Cut(kv, "=")
		if !ok || path == "" {
			return nil, flagErrorf("--secret-file %q: want field=PATH", kv)
		}
		fld, ok := fieldByFlag(sch, k)
		if !ok {
			return nil, flagErrorf("--secret-file %s: the %s connector has no field %q; its fields are %s", k, connName, k, fieldNames(sch))
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, flagErrorf("--secret-file %s: %w", k, err)
		}
		v := strings.TrimRight(string(data), "\r\n")
		if v == "" {
			return nil, flagErrorf("--secret-file %s: %s is empty", k, path)
		}
		if fld.Secret {
			secrets[fld.Name] = v
		} else {
			values[fld.Name] = v
		}
	}
	if c.SecretStdin != "" {
		fld, ok := fieldByFlag(sch, c.SecretStdin)
		if !ok {
			return nil, flagErrorf("--secret-stdin %s: the %s connector has no field %q; its fields are %s", c.SecretStdin, connName, c.SecretStdin, fieldNames(sch))
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
			return nil, flagErrorf("plan value %s: the %s connector has no such field", k, connName)
		}
	}
	for k, v := range secrets {
		fld, _ := sch.Field(k)
		p.SetValue(fld, v)
	}
	// Service mode's client secret is no connector field; it is kept from
	// the saved service.env.
	if v := saved[plan.SecretClientSecret]; v != "" && p.Mode == plan.ModeService {
		if p.Secrets == nil {
			p.Secrets = map[string]plan.Secret{}
		}
		p.Secrets[plan.SecretClientSecret] = plan.NewSecret(v)
	}
	switch {
	case c.AuthMethod != "":
		p.AuthMethod = c.AuthMethod
	case f.Getenv("BATON_AUTH_METHOD") != "":
		p.AuthMethod = f.Getenv("BATON_AUTH_METHOD")
	}
	if p.AuthMethod != "" {
		if _, ok := sch.Group(p.AuthMethod); !ok {
			return nil, flagErrorf("--auth-method %q: the %s connector has no such auth method", p.AuthMethod, connName)
		}
	}
	return p, nil
}

// fieldByFlag finds the field a flag names, by field name or by its
// variable (BATON_API_TOKEN), the only name a variable added by hand has.
func fieldByFlag(s *schema.Schema, name string) (schema.Field, bool) {
	if fld, ok := s.Field(name); ok {
		return fld, true
	}
	for _, fld := range s.Fields {
		if fld.EnvName() == name {
			return fld, true
		}
	}
	return schema.Field{}, false
}

// imageConnector is docker mode without a local binary: the schema comes
// from the image's own `config` (pulled first unless noPull), or, when the
// image does not describe its settings or is not pulled, from the catalog,
// with a note saying so.
func imageConnector(ctx context.Context, f *Factory, name, image, docker string, noPull bool) (plan.Connector, error) {
	if err := container.CheckImage(image); err != nil {
		return plan.Connector{}, &FlagError{err: fmt.Errorf("--docker-image: %w", err)}
	}
	if _, err := os.Stat(docker); docker == "" || err != nil {
		// None saved, or the saved one is gone: the one on PATH.
		docker, _ = f.Discover.LookPath("docker")
	}
	present, err := container.Present(ctx, docker, image)
	if err != nil {
		return plan.Connector{}, err
	}
	conn := plan.Connector{Name: name, Image: image, Docker: docker}
	entry, inCatalog := catalog.Lookup(name)
	fallback := func(why string) {
		conn.Schema = entry.Schema()
		if !inCatalog {
			conn.Schema = &schema.Schema{}
			fmt.Fprintf(f.IO.ErrOut, "note: %s, and the catalog does not know %s: the connector gets no settings from baton-setup\n", why, name)
			return
		}
		fmt.Fprintf(f.IO.ErrOut, "note: %s; using the catalog's fields for %s (check them against %s)\n", why, name, entry.DocsURL)
	}
	if !present && noPull {
		fallback(image + " is not on this machine and a dry run does not pull it")
		return conn, nil
	}
	if !present {
		if err := container.Pull(ctx, docker, image); err != nil {
			return plan.Connector{}, err
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	sch, err := container.SchemaFromImage(sctx, docker, image)
	switch {
	case errors.Is(err, container.ErrNoSchema):
		fallback(image + " does not describe its settings (no `config` command)")
	case err != nil:
		return plan.Connector{}, err
	case len(sch.Fields) == 0 && inCatalog && len(entry.Fields) > 0:
		fallback(image + " lists no settings")
	default:
		if inCatalog {
			discover.Enrich(sch, entry)
		}
		conn.Schema = sch
	}
	return conn, nil
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
