package setup

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"github.com/google/renameio/v2"

	"github.com/conductorone/baton-setup/internal/plan"
)

// IsTemporary reports whether a binary lives in a `go run` build directory.
func IsTemporary(path string) bool {
	return strings.Contains(path, string(filepath.Separator)+"go-build")
}

// StableSelf returns a path of baton-setup that outlives this process,
// copying a temporary build into binDir when needed. With dryRun it only
// says where the copy would go.
func StableSelf(self, binDir string, dryRun bool) (string, bool, error) {
	if !IsTemporary(self) {
		return self, false, nil
	}
	if binDir == "" {
		return "", false, fmt.Errorf("install baton-setup: %s is a temporary `go run` build; run `go install ./cmd/baton-setup` and use that binary", self)
	}
	dst := filepath.Join(binDir, "baton-setup")
	if dryRun {
		return dst, true, nil
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", false, fmt.Errorf("install baton-setup: %w", err)
	}
	if err := copyExecutable(self, dst); err != nil {
		return "", false, fmt.Errorf("install baton-setup: %w", err)
	}
	return dst, true, nil
}

// CopyNote tells where StableSelf copied a temporary build (self is the
// copy) and for whom: "sync.sh" or "the service".
func CopyNote(self string, dryRun bool, user string) string {
	verb := "copied"
	if dryRun {
		verb = "would copy"
	}
	return fmt.Sprintf("%s this temporary build of baton-setup to %s so that %s can run it", verb, self, user)
}

// companionName is the program that held the demo connector before it
// moved back into baton-setup; plans written then may still name it.
const companionName = "baton-setup-sdk"

// Retarget points the plan's connector at self when it is the demo: the
// running baton-setup, or the baton-setup-sdk of earlier versions.
func Retarget(p *plan.Plan, running, self string) {
	if p.Connector.Path == running || filepath.Base(p.Connector.Path) == companionName {
		p.Connector.Path = self
	}
}

// copyExecutable replaces dst with a copy of src atomically, mode 0755.
func copyExecutable(src, dst string) error {
	if src == dst {
		return nil
	}
	in, err := os.Open(src)
	if err != nil {
		return err
	}
	defer in.Close()
	pf, err := renameio.NewPendingFile(dst, renameio.WithStaticPermissions(0o755))
	if err != nil {
		return err
	}
	defer pf.Cleanup()
	if _, err := io.Copy(pf, in); err != nil {
		return err
	}
	return pf.CloseAtomicallyReplace()
}
