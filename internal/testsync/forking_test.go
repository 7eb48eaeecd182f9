package testsync

import (
	"context"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schema"
	"github.com/conductorone/baton-setup/internal/testenv"
)

// TestQuickTimeoutCoversCapabilities runs a quick check of a connector
// whose `capabilities` hangs and leaves a child holding its output: the
// test's timeout bounds the whole check, capabilities included, and no
// process is left.
func TestQuickTimeoutCoversCapabilities(t *testing.T) {
	c := testenv.NewForkingConnector(t, t.TempDir(), "capabilities", true)
	p := &plan.Plan{Connector: plan.Connector{Name: "forking", Path: c.Path, Schema: &schema.Schema{}}}
	start := time.Now()
	run, err := Start(context.Background(), p, Options{Quick: true, Timeout: 2 * time.Second, BaseEnv: testenv.CleanEnv(t.TempDir())})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Cleanup()
	o := Finish(context.Background(), run)
	if took := time.Since(start); took > 8*time.Second {
		t.Errorf("a quick check with a 2s timeout took %s", took)
	}
	if !o.Result.TimedOut {
		t.Errorf("outcome %+v, want a timeout", o.Err)
	}
	c.RequireGone(t)

	// Cancelled while capabilities runs: Start says so at once.
	c = testenv.NewForkingConnector(t, t.TempDir(), "capabilities", true)
	p.Connector.Path = c.Path
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(300*time.Millisecond, cancel)
	start = time.Now()
	if run, err := Start(ctx, p, Options{Quick: true, BaseEnv: testenv.CleanEnv(t.TempDir())}); err == nil {
		run.Wait()
		run.Cleanup()
		t.Error("a cancelled quick check started its sync")
	}
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the cancelled check took %s", took)
	}
	c.RequireGone(t)
}
