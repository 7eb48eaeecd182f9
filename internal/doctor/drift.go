package doctor

import (
	"context"
	"fmt"
	"strings"
)

// driftCheck compares the connector installed now with what the setup
// recorded when it was written. A new version or other settings are
// reported in its name and pass; a setting the connector now requires
// without a value fails, since every run would.
type driftCheck struct {
	e    Env
	note string
}

func (c *driftCheck) String() string {
	if c.note == "" {
		return "connector as the setup recorded it"
	}
	return c.note
}

func (c *driftCheck) Run(ctx context.Context) error {
	d, err := c.e.Drift(ctx)
	if err != nil {
		// The connector check says what is wrong with the binary.
		c.note = "connector changes not checked: " + firstLine(err.Error())
		return nil
	}
	regen := c.e.self() + " regenerate --profile " + c.e.Plan.Profile
	switch {
	case d.NeedsInput():
		return fail(fmt.Sprintf("answer it in the wizard (%s --profile %s), or set the variable and run %s", c.e.self(), c.e.Plan.Profile, regen),
			"the connector changed since the setup was written: %s", d.Summary())
	case d.Changed():
		c.note = fmt.Sprintf("connector changed since the setup was written: %s (%s records it)", d.Summary(), regen)
	case d.Unrecorded:
		c.note = "connector version and settings not recorded yet (" + regen + " records them)"
	case c.e.Plan.Connector.Version != "":
		c.note = "connector unchanged since the setup was written (version " + c.e.Plan.Connector.Version + ")"
	}
	return nil
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
