package doctor

import (
	"context"
	"errors"

	"github.com/conductorone/baton-setup/internal/container"
)

// dockerCheck is docker mode's preflight: sync.sh runs the docker CLI it
// recorded, which needs a running engine and the image.
type dockerCheck struct{ e Env }

func (c dockerCheck) String() string { return "docker image " + c.e.Plan.Connector.Image }

func (c dockerCheck) Run(ctx context.Context) error {
	err := container.Preflight(ctx, c.e.Plan.Connector.Docker, c.e.Plan.Connector.Image)
	var ce *container.Error
	if errors.As(err, &ce) {
		return fail(ce.Fix, "%s", ce.Problem())
	}
	return err
}
