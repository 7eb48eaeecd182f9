package setup

import (
	"context"
	"errors"
	"fmt"
	"os"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
)

// ErrImageConnector is returned by Current for docker mode: the image is
// not run just to ask its version.
var ErrImageConnector = errors.New("the connector runs from a container image; its version is not checked")

// Current is a saved plan's connector as it is now on this machine: its
// version, baton-sdk version and schema (through the schema cache).
func Current(ctx context.Context, env Env, p *plan.Plan) (plan.Connector, error) {
	c := p.Connector
	if c.Path == "" {
		return plan.Connector{}, ErrImageConnector
	}
	if _, err := os.Stat(c.Path); err != nil {
		return plan.Connector{}, fmt.Errorf("connector %s: %w", c.Path, errors.Unwrap(err))
	}
	found := discover.Found{Name: c.Name, Path: c.Path, Args: c.Args, SDKVersion: discover.SDKVersion(c.Path)}
	sch, err := env.Discover.Schema(ctx, found)
	if err != nil {
		return plan.Connector{}, err
	}
	now := found.Connector()
	now.Schema = sch
	if now.Version, err = discover.Version(ctx, found); err != nil {
		return plan.Connector{}, err
	}
	return now, nil
}

// CheckDrift compares a saved profile's connector with the one installed
// now: what changed, and whether the setup needs new input.
func CheckDrift(ctx context.Context, env Env, name string) (plan.Drift, error) {
	root, err := env.ConfigDir()
	if err != nil {
		return plan.Drift{}, fmt.Errorf("find config directory: %w", err)
	}
	p, secrets, err := profile.Load(root, name)
	if err != nil {
		return plan.Drift{}, err
	}
	now, err := Current(ctx, env, p)
	if err != nil {
		return plan.Drift{}, err
	}
	return p.CompareConnector(now, secrets), nil
}

// stamp records in the plan the connector it runs as it is now: its
// version and the fingerprint of its settings, which plan.json keeps so
// that a later change is noticed. A connector that cannot say its version
// only gets the fingerprint.
func stamp(ctx context.Context, p *plan.Plan) {
	p.Connector.SchemaFingerprint = p.ConnectorFingerprint()
	p.Connector.Version = ""
	if p.Connector.Path == "" || p.Connector.Image != "" {
		return
	}
	found := discover.Found{Name: p.Connector.Name, Path: p.Connector.Path, Args: p.Connector.Args}
	if v, err := discover.Version(ctx, found); err == nil {
		p.Connector.Version = v
	}
}
