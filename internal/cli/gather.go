package cli

import (
	"context"
	"fmt"
	"runtime"
	"strings"

	"github.com/spf13/pflag"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/setup"
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
	// DockerImage, set by a command's --docker-image, is docker mode.
	DockerImage string
	// NoPull keeps a missing image unpulled (dry runs).
	NoPull bool
	// CatalogOnly lets a connector that is not installed be described by
	// the catalog (the kubernetes target).
	CatalogOnly bool
	// Env and SecretEnv name variables to carry in the profile.
	Env, SecretEnv []string
}

func (c *connectorFlags) register(fs *pflag.FlagSet) {
	fs.StringVarP(&c.Connector, "connector", "c", "", "connector: demo, a catalog name such as okta, or a path to a baton-* binary")
	fs.StringArrayVar(&c.Sets, "set", nil, "a non-secret connector value, `field=value` (repeatable)")
	fs.StringArrayVar(&c.SecretFiles, "secret-file", nil, "read a connector value from a file, `field=PATH` (repeatable)")
	fs.StringVar(&c.SecretStdin, "secret-stdin", "", "read one connector value, `field`, from standard input (like gh auth login --with-token)")
	fs.StringVar(&c.AuthMethod, "auth-method", "", "the connector's auth method (field group), when it has several")
	fs.StringVar(&c.PlanFile, "plan", "", "start from a plan file saved by the wizard or generate")
}

// sources turns the flags into setup's sources, checking their shape.
func (c *connectorFlags) sources(f *Factory) (setup.Sources, error) {
	src := setup.Sources{
		Connector: c.Connector, Stdin: c.SecretStdin, StdinReader: f.IO.In, AuthMethod: c.AuthMethod,
		PlanFile: c.PlanFile, Profile: c.Profile, Image: c.DockerImage, NoPull: c.NoPull, CatalogOnly: c.CatalogOnly,
	}
	for _, kv := range c.Sets {
		k, v, ok := strings.Cut(kv, "=")
		if !ok || k == "" {
			return src, flagErrorf("--set %q: want field=value", kv)
		}
		src.Values = append(src.Values, setup.Assignment{Name: k, Value: v})
	}
	for _, names := range []struct {
		list   []string
		secret bool
	}{{c.Env, false}, {c.SecretEnv, true}} {
		for _, name := range names.list {
			if strings.Contains(name, "=") {
				flag := "--env"
				if names.secret {
					flag = "--secret-env"
				}
				return src, flagErrorf("%s %q: give the variable's name only; its value comes from the environment or --secret-file NAME=PATH, never the command line", flag, name)
			}
			src.Env = append(src.Env, plan.ExtraVar{Name: name, Secret: names.secret})
		}
	}
	for _, kv := range c.SecretFiles {
		k, path, ok := strings.Cut(kv, "=")
		if !ok || k == "" || path == "" {
			return src, flagErrorf("--secret-file %q: want field=PATH", kv)
		}
		src.Files = append(src.Files, setup.Assignment{Name: k, Value: path})
	}
	return src, nil
}

// setupEnv is setup's view of the factory.
func setupEnv(f *Factory) setup.Env {
	return setup.Env{
		Discover: f.Discover, Getenv: f.Getenv, Now: f.Now,
		ConfigDir: f.ConfigDir, DataDir: f.DataDir, Crontab: f.Crontab, Getwd: f.Getwd, Platform: runtime.GOOS,
	}
}

// gatherPlan builds the plan the flags describe, and prints setup's notes.
func gatherPlan(ctx context.Context, f *Factory, c connectorFlags) (*setup.Gathered, error) {
	src, err := c.sources(f)
	if err != nil {
		return nil, err
	}
	g, err := setup.Gather(ctx, setupEnv(f), src)
	if err != nil {
		return nil, err
	}
	for _, n := range g.Notes {
		fmt.Fprintln(f.IO.ErrOut, "note: "+n)
	}
	return g, nil
}
