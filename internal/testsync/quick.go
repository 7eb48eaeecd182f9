package testsync

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/conductorone/baton-setup/internal/plan"
)

// Quick is how far a connector lets a test sync be narrowed for a quick
// credentials check.
type Quick int

// How much a quick check can leave out, from nothing to everything but one
// user type's resources.
const (
	// QuickUnknown: neither the connector's flags nor its baton-sdk version
	// are known (a docker image); a quick check tries both flags and
	// explains an unknown one.
	QuickUnknown Quick = iota
	// QuickNone: the connector can only run a full sync (baton-sdk before
	// v0.3.40 has neither flag).
	QuickNone
	// QuickResources: every resource type's resources, without entitlements
	// and grants (--skip-entitlements-and-grants, baton-sdk v0.3.40 to
	// v0.4.x).
	QuickResources
	// QuickOneType: only the user type's resources (--sync-resource-types
	// too, baton-sdk v0.5.0 and later).
	QuickOneType
)

// The flags a quick check adds, and the baton-sdk versions that brought
// them.
const (
	flagSkipGrants = "skip-entitlements-and-grants"
	flagTypes      = "sync-resource-types"
	sdkSkipGrants  = "v0.3.40"
	sdkTypes       = "v0.5.0"
)

// String names the support in a few words, as `connectors --json` and the
// README's compatibility table give it.
func (q Quick) String() string {
	switch q {
	case QuickNone:
		return "none"
	case QuickResources:
		return "resources only"
	case QuickOneType:
		return "one user type"
	default:
		return "unknown"
	}
}

// MarshalText makes the support readable in JSON output.
func (q Quick) MarshalText() ([]byte, error) { return []byte(q.String()), nil }

// Possible reports whether a quick check can be tried at all.
func (q Quick) Possible() bool { return q != QuickNone }

// QuickSupport decides what a quick check of the connector can leave out:
// from the flags its --help declares when they are known, else from the
// baton-sdk version it was built with.
func QuickSupport(c plan.Connector) Quick {
	if skip, known := c.Schema.HasFlag(flagSkipGrants); known {
		types, _ := c.Schema.HasFlag(flagTypes)
		switch {
		case skip && types:
			return QuickOneType
		case skip:
			return QuickResources
		}
		return QuickNone
	}
	if c.SDKVersion == "" {
		return QuickUnknown
	}
	switch {
	case versionAtLeast(c.SDKVersion, sdkTypes):
		return QuickOneType
	case versionAtLeast(c.SDKVersion, sdkSkipGrants):
		return QuickResources
	}
	return QuickNone
}

// ErrNoQuick means the connector cannot run a quick check; the full test
// works with every connector.
var ErrNoQuick = errors.New("the connector cannot sync less than everything")

// CheckQuick returns an error wrapping ErrNoQuick, saying why, when the
// connector cannot run a quick check.
func CheckQuick(c plan.Connector) error {
	if QuickSupport(c).Possible() {
		return nil
	}
	why := fmt.Sprintf("its --help lists no --%s", flagSkipGrants)
	if _, known := c.Schema.HasFlag(flagSkipGrants); !known {
		why = fmt.Sprintf("baton-sdk %s has no --%s (it arrived in %s)", c.SDKVersion, flagSkipGrants, sdkSkipGrants)
	}
	return fmt.Errorf("run quick check of %s: %w: %s", c.Name, ErrNoQuick, why)
}

// quickArgs are the flags that narrow a test sync as far as q allows; the
// user type is synced alone when one is known.
func quickArgs(q Quick, userType string) []string {
	var args []string
	if (q == QuickOneType || q == QuickUnknown) && userType != "" {
		args = append(args, "--"+flagTypes, userType)
	}
	return append(args, "--"+flagSkipGrants)
}

// versionAtLeast compares two vMAJOR.MINOR.PATCH versions, ignoring any
// pre-release or build suffix.
func versionAtLeast(v, min string) bool {
	a, b := versionParts(v), versionParts(min)
	for i := range a {
		if a[i] != b[i] {
			return a[i] > b[i]
		}
	}
	return true
}

func versionParts(v string) [3]int {
	v = strings.TrimPrefix(v, "v")
	if i := strings.IndexAny(v, "-+"); i >= 0 {
		v = v[:i]
	}
	var out [3]int
	for i, p := range strings.SplitN(v, ".", 3) {
		out[i], _ = strconv.Atoi(p)
	}
	return out
}
