package doctor

import (
	"context"
	"os"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestConnectorCheckForkingConnector asks for the version of a connector
// that leaves a child holding its output: the check answers within
// seconds and the child is gone.
func TestConnectorCheckForkingConnector(t *testing.T) {
	c := testenv.NewForkingConnector(t, t.TempDir(), "--version", false)
	check := &connectorCheck{e: Env{Plan: &plan.Plan{Profile: "p", Connector: plan.Connector{Name: "forking", Path: c.Path}}, UID: os.Getuid()}}
	start := time.Now()
	if err := check.Run(context.Background()); err != nil {
		t.Errorf("check: %v", err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("the check took %s", took)
	}
	if check.version != "version v0.0.1" {
		t.Errorf("version %q", check.version)
	}
	c.RequireGone(t)
}
