package interrupt

import (
	"testing"

	"github.com/conductorone/baton-setup/internal/demo"
)

func TestDemoRouteIsDemos(t *testing.T) {
	if demoEnv != demo.EnvMarker || demoSubcommand != demo.Subcommand {
		t.Errorf("interrupt leaves %q and %q to the demo connector, which demo routes by %q and %q", demoEnv, demoSubcommand, demo.EnvMarker, demo.Subcommand)
	}
}
