// Package generate writes a profile's files from a Plan and, on request,
// installs its crontab block: the one code path behind `baton-setup
// generate` and the wizard's last step.
package generate

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/google/renameio/v2"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schedule"
)

// Options are the side effects and settings of a generation.
type Options struct {
	// Self is the running baton-setup binary.
	Self string
	// BinDir receives a copy of Self when Self is a temporary `go run`
	// build that will be gone when cron runs sync.sh.
	BinDir  string
	Timeout time.Duration
	// Crontab is used when the plan asks for the block to be installed.
	Crontab schedule.Crontab
	Now     func() time.Time
}

// Result says what was written.
type Result struct {
	Files     []render.File `json:"files"`
	CronBlock string        `json:"cronBlock"`
	// Self is the baton-setup path that sync.sh calls.
	Self          string `json:"self"`
	CopiedSelf    bool   `json:"copiedSelf"`
	CronInstalled bool   `json:"cronInstalled"`
	CronBackup    string `json:"cronBackup,omitempty"`
}

// IsTemporary reports whether a binary lives in a `go run` build directory.
func IsTemporary(path string) bool {
	return strings.Contains(path, string(filepath.Separator)+"go-build")
}

// StableSelf returns a path of baton-setup that outlives this process,
// copying a temporary build into binDir when needed.
func StableSelf(self, binDir string) (string, bool, error) {
	if !IsTemporary(self) {
		return self, false, nil
	}
	if binDir == "" {
		return "", false, fmt.Errorf("install baton-setup: %s is a temporary `go run` build; run `go install ./cmd/baton-setup` and use that binary", self)
	}
	if err := os.MkdirAll(binDir, 0o755); err != nil {
		return "", false, fmt.Errorf("install baton-setup: %w", err)
	}
	src, err := os.Open(self)
	if err != nil {
		return "", false, fmt.Errorf("install baton-setup: %w", err)
	}
	defer src.Close()
	dst := filepath.Join(binDir, "baton-setup")
	pf, err := renameio.NewPendingFile(dst, renameio.WithStaticPermissions(0o755))
	if err != nil {
		return "", false, fmt.Errorf("install baton-setup: %w", err)
	}
	defer pf.Cleanup()
	if _, err := io.Copy(pf, src); err != nil {
		return "", false, fmt.Errorf("install baton-setup: %w", err)
	}
	if err := pf.CloseAtomicallyReplace(); err != nil {
		return "", false, fmt.Errorf("install baton-setup: %w", err)
	}
	return dst, true, nil
}

// Run validates the plan, writes its files and installs the crontab block
// when the plan asks for it.
func Run(ctx context.Context, p *plan.Plan, opts Options) (Result, error) {
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	self, copied, err := StableSelf(opts.Self, opts.BinDir)
	if err != nil {
		return Result{}, err
	}
	// The demo connector is baton-setup itself.
	if p.Connector.Path == opts.Self {
		p.Connector.Path = self
	}
	files, err := render.Files(p, render.Options{Self: self, Timeout: opts.Timeout})
	if err != nil {
		return Result{}, err
	}
	block, err := render.CronBlock(p)
	if err != nil {
		return Result{}, err
	}
	if err := render.Write(p.Output.Dir, files); err != nil {
		return Result{}, err
	}
	res := Result{Files: files, CronBlock: block, Self: self, CopiedSelf: copied}
	if !p.Schedule.Install {
		return res, nil
	}
	if opts.Crontab == nil {
		return res, fmt.Errorf("install crontab: no crontab available")
	}
	// Back up the table before changing it, so a bad install can be undone.
	before, err := opts.Crontab.Read(ctx)
	if err != nil {
		return res, err
	}
	if before != "" {
		now := time.Now
		if opts.Now != nil {
			now = opts.Now
		}
		backup := filepath.Join(p.Output.Dir, "crontab.backup."+now().UTC().Format("20060102T150405Z"))
		if err := renameio.WriteFile(backup, []byte(before), 0o600, renameio.WithStaticPermissions(0o600)); err != nil {
			return res, fmt.Errorf("back up crontab: %w", err)
		}
		res.CronBackup = backup
	}
	if _, err := schedule.Install(ctx, opts.Crontab, p.Profile, block); err != nil {
		return res, err
	}
	res.CronInstalled = true
	return res, nil
}
