package discover

import (
	"context"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestSchemaForkingConnector reads the schema of a connector whose
// `config` leaves a child holding its output: the read ends within seconds
// and the child is gone, rather than waiting for the child to exit.
func TestSchemaForkingConnector(t *testing.T) {
	c := testenv.NewForkingConnector(t, t.TempDir(), "config", false)
	start := time.Now()
	s, err := Schema(context.Background(), Found{Name: "forking", Path: c.Path})
	if err != nil || len(s.Fields) != 2 {
		t.Errorf("schema %+v, %v", s, err)
	}
	if took := time.Since(start); took > 10*time.Second {
		t.Errorf("reading the schema took %s", took)
	}
	c.RequireGone(t)

	// Interrupted: the caller's context ends the call and its child.
	c = testenv.NewForkingConnector(t, t.TempDir(), "config", true)
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	start = time.Now()
	if _, err := Schema(ctx, Found{Name: "forking", Path: c.Path}); err == nil {
		t.Error("a hanging config call succeeded")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the interrupted read took %s", took)
	}
	c.RequireGone(t)
}
