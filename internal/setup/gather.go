package setup

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/conductorone/baton-setup/internal/catalog"
	"github.com/conductorone/baton-setup/internal/container"
	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/upload"
)

// Assignment is one NAME=VALUE the user gave: a connector field and its
// value, or a field and the file that holds its value.
type Assignment struct{ Name, Value string }

// Names that a value file or standard input may give besides connector
// fields: service mode's client secret and the uploader's static keys.
const (
	ClientSecretName = "client-secret"
	AWSKeyIDName     = "aws-access-key-id"
	AWSSecretName    = "aws-secret-access-key"
)

// Sources are where a plan's connector and values come from. Values are
// taken in falling priority: Values, Files, Stdin, the connector's own
// BATON_* variables, a saved profile's secrets.env, then the plan file or
// saved profile itself. Secret values never come from Values, which holds
// what was typed on a command line.
type Sources struct {
	// Connector is "demo", a catalog name, a binary name or a path.
	Connector string
	Values    []Assignment
	// Files name a file per field; the value is its content without the
	// final line break.
	Files []Assignment
	// Stdin names the field whose value StdinReader holds.
	Stdin       string
	StdinReader io.Reader
	AuthMethod  string
	// PlanFile is a saved plan to start from.
	PlanFile string
	// Profile, when saved earlier, is the starting point, with its
	// secrets.env as the lowest-priority source of secrets.
	Profile string
	// Image is docker mode's connector image. With no local connector
	// binary the schema then comes from the image.
	Image string
	// NoPull keeps a missing image unpulled (dry runs); the catalog's
	// fields stand in for its schema.
	NoPull bool
	// CatalogOnly takes the schema from the catalog when the connector is
	// not installed and no image is at hand, as a plan for another
	// machine (Kubernetes) needs.
	CatalogOnly bool
	// Env are variables the connector reads that are not its settings,
	// to carry in the profile; each value comes from the caller's
	// environment, or from Files under the variable's name.
	Env []plan.ExtraVar
	// KeepSaved makes the saved profile's values win over the connector's
	// BATON_* variables, which then only fill in a required value the
	// profile lacks: regenerating many profiles must not spread one
	// shell's variables over all of them.
	KeepSaved bool
}

// Gathered is a plan built from Sources, and what the sources gave that is
// not a connector value.
type Gathered struct {
	Plan *plan.Plan
	// ClientSecret is service mode's, from a value file or stdin.
	ClientSecret string
	// AWSKeyID and AWSSecret are static upload keys from value files.
	AWSKeyID, AWSSecret string
	// Notes are what the user should know, such as where a schema came
	// from when not from the connector.
	Notes []string
	// Drift is how the connector differs from what the saved plan
	// recorded of it; zero when no plan was loaded. Its versions are not
	// compared: Gather does not ask the connector for its version.
	Drift plan.Drift
	// KeepSaved is Sources.KeepSaved: Complete, too, prefers the saved
	// profile's credentials to the environment's.
	KeepSaved bool
}

// maxValueBytes bounds a value read from a file or standard input: no
// value may be longer anyway.
const maxValueBytes = schema.MaxValueBytes

// Gather builds a plan from the sources.
func Gather(ctx context.Context, env Env, src Sources) (*Gathered, error) {
	g := &Gathered{Plan: &plan.Plan{}, KeepSaved: src.KeepSaved}
	p := g.Plan
	saved := map[string]string{}
	loaded := false
	switch {
	case src.PlanFile != "":
		fromFile, err := plan.Load(src.PlanFile)
		if err != nil {
			return nil, plan.AsSetting(plan.SettingPlanFile, err)
		}
		*p, loaded = *fromFile, true
	case src.Profile != "":
		root, err := env.ConfigDir()
		if err != nil {
			return nil, fmt.Errorf("find config directory: %w", err)
		}
		if _, err := os.Stat(filepath.Join(profile.Locate(root, src.Profile), "plan.json")); err == nil {
			fromProfile, secrets, err := profile.Load(root, src.Profile)
			if err != nil {
				return nil, err
			}
			*p, saved, loaded = *fromProfile, secrets, true
		} else if src.Connector == "" && src.Image == "" {
			return nil, plan.SettingErrorf(plan.SettingProfile, "load profile %s: %s in %s", src.Profile, profile.ErrNotFound, root).
				WithHint("baton-setup profiles lists the saved ones; to create it, name its connector with %s", plan.Ref(plan.SettingConnector))
		}
	}
	if d := &p.Destination; d.Credentials == plan.CredStatic {
		// The uploader's static keys live in secrets.env only.
		d.AccessKeyID, d.SecretAccessKey = plan.NewSecret(saved[upload.StaticKeyIDVar]), plan.NewSecret(saved[upload.StaticSecretVar])
	}
	was := p.Clone()
	if err := resolveConnector(ctx, env, src, g); err != nil {
		return nil, err
	}
	for _, v := range src.Env {
		if err := plan.ValidateExtraName(v.Name); err != nil {
			return nil, plan.AsSetting(plan.SettingExtraEnv, err)
		}
		if _, ok := p.Connector.Schema.Field(plan.ExtraFieldName(v.Name)); ok && !slices.ContainsFunc(p.Extra, func(e plan.ExtraVar) bool { return e.Name == v.Name }) {
			return nil, plan.SettingErrorf(plan.SettingExtraEnv, "%s is the variable of the connector's own setting %s", v.Name, plan.ExtraFieldName(v.Name)).
				WithHint("give it as that setting")
		}
		p.AddExtra(v)
	}
	p.MergeExtra()
	if loaded && p.Connector.Schema != nil {
		g.Drift = was.CompareConnector(p.Connector, saved)
	}
	if err := gatherValues(env, src, g, saved); err != nil {
		return nil, err
	}
	if env.Getwd != nil {
		if wd, err := env.Getwd(); err == nil {
			for _, name := range AbsolutePaths(p, wd) {
				g.Notes = append(g.Notes, fmt.Sprintf("%s is a path relative to %s; it is saved as %s, since the connector runs in another directory", name, wd, p.Value(name)))
			}
		}
	}
	return g, nil
}

// resolveConnector finds the connector the sources name and reads its
// schema: from the binary, else from its image, else from the catalog.
func resolveConnector(ctx context.Context, env Env, src Sources, g *Gathered) error {
	p := g.Plan
	image := src.Image
	if image == "" {
		// Docker mode, saved earlier: the image runs the connector.
		image = p.Connector.Image
	}
	name := src.Connector
	if name == "" {
		name = p.Connector.Name
		if p.Connector.Path != "" && name != discover.DemoName {
			name = p.Connector.Path
		}
	}
	// In docker mode the image is the connector, and it describes itself
	// when no binary is named or the one named is not installed.
	fromImage := image != "" && src.Connector == "" && p.Connector.Path == ""
	if fromImage && name == "" {
		if name = container.ConnectorName(image); name == "" {
			return plan.SettingErrorf(plan.SettingImage, "cannot tell which connector the image holds").
				WithField(image).WithHint("name the connector too")
		}
	}
	if name == "" {
		return plan.SettingErrorf(plan.SettingConnector, "no connector given").
			WithHint("name one with %s: demo, a catalog name such as okta, or a path", plan.Placeholder)
	}
	var found discover.Found
	fromCatalog := false
	if !fromImage {
		var err error
		found, err = env.Discover.Resolve(name)
		isPath := strings.ContainsRune(src.Connector, os.PathSeparator)
		switch {
		case err != nil && image != "" && !isPath:
			fromImage = true
		case err != nil && src.CatalogOnly && !isPath && inCatalog(name):
			fromCatalog = true
		case err != nil:
			// An unknown name or a path that is not a connector is bad input.
			return plan.AsSetting(plan.SettingConnector, err)
		}
	}
	short := strings.TrimPrefix(filepath.Base(name), "baton-")
	switch {
	case fromCatalog:
		entry, _ := catalog.Lookup(short)
		if image == "" {
			image = entry.ImageRef()
		}
		if image == "" {
			return plan.SettingErrorf(plan.SettingImage, "find the %s connector's image: the catalog names none and %s is not installed here", short, entry.Binary).
				WithHint("give its container image with %s", plan.Placeholder)
		}
		p.Connector = plan.Connector{Name: short, Image: image, Schema: entry.Schema()}
		g.Notes = append(g.Notes, fmt.Sprintf("%s is not installed here; using the catalog's fields for it (check them against %s)", entry.Binary, entry.DocsURL))
	case fromImage:
		why := ""
		switch {
		case src.NoPull:
			why = "a dry run does not pull it"
		case src.CatalogOnly:
			why = "manifests for a cluster do not need it here"
		}
		conn, notes, err := imageConnector(ctx, env, short, image, p.Connector.Docker, why)
		if err != nil {
			return err
		}
		p.Connector, g.Notes = conn, append(g.Notes, notes...)
	default:
		sch, err := env.Discover.Schema(ctx, found)
		if err != nil {
			return err
		}
		p.Connector = found.Connector()
		p.Connector.Schema = sch
		if image != "" {
			// The image runs the connector; the binary only gave the schema.
			p.Connector.Image, p.Connector.Args = image, nil
		}
	}
	p.MergeExtra()
	return nil
}

func inCatalog(name string) bool {
	_, ok := catalog.Lookup(strings.TrimPrefix(filepath.Base(name), "baton-"))
	return ok
}

// gatherValues fills the plan's values from the sources in their order of
// priority, saved holding the profile's secrets.env.
func gatherValues(env Env, src Sources, g *Gathered, saved map[string]string) error {
	p := g.Plan
	sch := p.Connector.Schema
	connName := p.Connector.Name
	noField := func(s plan.Setting, k string) error {
		return plan.SettingErrorf(s, "the %s connector has no field %q; its fields are %s", connName, k, fieldNames(sch)).WithField(k)
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
		v := env.Getenv(fld.EnvName())
		switch {
		case v == "":
		case src.KeepSaved && (!fld.Required || values[fld.Name] != "" || secrets[fld.Name] != ""):
		case fld.Secret:
			secrets[fld.Name] = v
		default:
			values[fld.Name] = v
		}
	}
	set := func(fld schema.Field, v string) {
		if fld.Secret {
			secrets[fld.Name] = v
		} else {
			values[fld.Name] = v
		}
	}
	for _, a := range src.Values {
		fld, ok := fieldByName(sch, a.Name)
		if !ok {
			return noField(plan.SettingValue, a.Name)
		}
		if fld.Secret {
			return plan.SettingErrorf(plan.SettingValue, "%s is secret and must not be on the command line, where any user can read it with ps", a.Name).
				WithField(a.Name).WithHint("set %s in the environment or use %s %s=PATH", fld.EnvName(), plan.Ref(plan.SettingValueFile), fld.Name)
		}
		if a.Value == "" {
			delete(values, fld.Name)
			continue
		}
		values[fld.Name] = a.Value
	}
	for _, a := range src.Files {
		v, err := readValueFile(a.Value)
		if err != nil {
			return plan.SettingErrorf(plan.SettingValueFile, "%w", err).WithField(a.Name)
		}
		switch a.Name {
		case ClientSecretName:
			g.ClientSecret = v
			continue
		case AWSKeyIDName:
			g.AWSKeyID = v
			continue
		case AWSSecretName:
			g.AWSSecret = v
			continue
		}
		fld, ok := fieldByName(sch, a.Name)
		if !ok {
			return noField(plan.SettingValueFile, a.Name)
		}
		set(fld, v)
	}
	if src.Stdin != "" {
		stdinField, ok := fieldByName(sch, src.Stdin)
		if !ok && src.Stdin != ClientSecretName {
			return noField(plan.SettingValueStdin, src.Stdin)
		}
		data, err := io.ReadAll(io.LimitReader(src.StdinReader, maxValueBytes+1))
		if err != nil {
			return plan.SettingErrorf(plan.SettingValueStdin, "%w", err).WithField(src.Stdin)
		}
		if len(data) > maxValueBytes {
			return plan.SettingErrorf(plan.SettingValueStdin, "standard input holds more than %d bytes", maxValueBytes).WithField(src.Stdin)
		}
		v := strings.TrimRight(string(data), "\r\n")
		if v == "" {
			return plan.SettingErrorf(plan.SettingValueStdin, "standard input was empty").WithField(src.Stdin)
		}
		if src.Stdin == ClientSecretName {
			g.ClientSecret = v
		} else {
			set(stdinField, v)
		}
	}
	for _, v := range src.Env {
		name := plan.ExtraFieldName(v.Name)
		if values[name] == "" && secrets[name] == "" {
			return plan.SettingErrorf(plan.SettingExtraEnv, "%s is not set in this environment", v.Name).
				WithHint("export %s before running this, or read it from a file (%s %s=PATH)", v.Name, plan.Ref(plan.SettingValueFile), v.Name)
		}
	}
	p.Values, p.Secrets = nil, nil
	for _, k := range slices.Sorted(maps.Keys(values)) {
		v := values[k]
		fld, ok := sch.Field(k)
		switch {
		case !ok && (src.Profile != "" || g.Drift.SettingsChanged):
			// The connector changed since the plan was written.
			g.Notes = append(g.Notes, fmt.Sprintf("the %s connector no longer has the setting %s; its value is dropped", connName, k))
			continue
		case !ok:
			return plan.SettingErrorf(plan.SettingPlanFile, "plan value %s: the %s connector has no such field", k, connName)
		}
		p.SetValue(fld, v)
	}
	for _, k := range g.Drift.Removed {
		if _, ok := values[k]; !ok {
			g.Notes = append(g.Notes, fmt.Sprintf("the %s connector no longer has the secret setting %s; its value is dropped", connName, k))
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
	case src.AuthMethod != "":
		p.AuthMethod = src.AuthMethod
	case src.KeepSaved && p.AuthMethod != "":
	case env.Getenv("BATON_AUTH_METHOD") != "":
		p.AuthMethod = env.Getenv("BATON_AUTH_METHOD")
	}
	if p.AuthMethod != "" {
		if _, ok := sch.Group(p.AuthMethod); !ok {
			return plan.SettingErrorf(plan.SettingAuthMethod, "the %s connector has no such auth method", connName).WithField(fmt.Sprintf("%q", p.AuthMethod))
		}
	}
	return nil
}

// readValueFile reads a value from a regular file, without its final line
// break.
func readValueFile(path string) (string, error) {
	if path == "" {
		return "", errors.New("no file named")
	}
	return schema.ReadValueFile(path)
}

// fieldByName finds the field a name means: its own name, or its variable
// (BATON_API_TOKEN), the only name a variable added by hand has.
func fieldByName(s *schema.Schema, name string) (schema.Field, bool) {
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
// from the image's own `config` (pulled first unless noPull says why not),
// or, when the image does not describe its settings or is not pulled, from
// the catalog, with a note saying so.
func imageConnector(ctx context.Context, env Env, name, image, docker, noPull string) (plan.Connector, []string, error) {
	if err := container.CheckImage(image); err != nil {
		return plan.Connector{}, nil, plan.AsSetting(plan.SettingImage, err)
	}
	if _, err := os.Stat(docker); docker == "" || err != nil {
		// None saved, or the saved one is gone: the one on PATH.
		docker, _ = env.Discover.LookPath("docker")
	}
	conn := plan.Connector{Name: name, Image: image, Docker: docker}
	entry, inCatalog := catalog.Lookup(name)
	var notes []string
	fallback := func(why string) {
		if !inCatalog {
			conn.Schema = &schema.Schema{}
			notes = append(notes, fmt.Sprintf("%s, and the catalog does not know %s: the connector gets no settings from baton-setup", why, name))
			return
		}
		conn.Schema = entry.Schema()
		notes = append(notes, fmt.Sprintf("%s; using the catalog's fields for %s (check them against %s)", why, name, entry.DocsURL))
	}
	present := false
	if docker != "" {
		var err error
		if present, err = container.Present(ctx, docker, image); err != nil && noPull == "" {
			return plan.Connector{}, nil, err
		}
	}
	if !present && noPull != "" {
		fallback(image + " is not on this machine and " + noPull)
		return conn, notes, nil
	}
	if !present {
		if err := container.Pull(ctx, docker, image); err != nil {
			return plan.Connector{}, nil, err
		}
	}
	sctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	sch, err := container.SchemaFromImage(sctx, docker, image)
	switch {
	case errors.Is(err, container.ErrNoSchema):
		fallback(image + " does not describe its settings (no `config` command)")
	case err != nil:
		return plan.Connector{}, nil, err
	case len(sch.Fields) == 0 && inCatalog && len(entry.Fields) > 0:
		fallback(image + " lists no settings")
	default:
		if inCatalog {
			discover.Enrich(sch, entry)
		}
		conn.Schema = sch
	}
	return conn, notes, nil
}

func fieldNames(s *schema.Schema) string {
	var names []string
	for _, f := range s.Fields {
		names = append(names, f.Name)
	}
	slices.Sort(names)
	return strings.Join(names, ", ")
}

// MissingError lists the required values a plan lacks.
type MissingError struct{ Fields []schema.Field }

func (e *MissingError) Error() string {
	names := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		names[i] = f.Name
	}
	return "missing required values: " + strings.Join(names, ", ")
}

// RequireValues fails when the plan names no connector, lacks a required
// value, or holds values its connector refuses.
func RequireValues(p *plan.Plan) error {
	if !p.HasConnector() {
		return plan.SettingErrorf(plan.SettingConnector, "no connector given").
			WithHint("name one with %s: demo, a catalog name such as okta, or a path", plan.Placeholder)
	}
	if missing := p.Missing(); len(missing) > 0 {
		return &MissingError{Fields: missing}
	}
	return p.ValidateConnector()
}
