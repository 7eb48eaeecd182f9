// Package generate writes a profile's files from a Plan and, on request,
// installs its crontab block: the one code path behind `baton-setup
// generate`, `baton-setup schedule` and the wizard's last step.
package generate

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/aymanbagabas/go-udiff"
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
	// build that will be gone when the schedule runs sync.sh.
	BinDir  string
	Timeout time.Duration
	// Scheduler is render.SchedulerCron (the default) or
	// render.SchedulerSystemd.
	Scheduler string
	// SystemdSystem makes system units instead of user units.
	SystemdSystem bool
	// DryRun computes every change, prints nothing itself and writes
	// nothing: no files, no copy of Self, no crontab.
	DryRun bool
	// Crontab is used when the plan asks for the block to be installed.
	Crontab schedule.Crontab
	Now     func() time.Time
}

func (o Options) now() time.Time {
	if o.Now != nil {
		return o.Now()
	}
	return time.Now()
}

// Result says what was written, or would be in a dry run.
type Result struct {
	Files   []render.File   `json:"files"`
	Changes []render.Change `json:"changes"`
	DryRun  bool            `json:"dryRun,omitempty"`
	// Self is the baton-setup path that sync.sh calls.
	Self       string           `json:"self"`
	CopiedSelf bool             `json:"copiedSelf"`
	Schedule   schedule.Preview `json:"schedule"`
	Scheduler  string           `json:"scheduler"`
	CronBlock  string           `json:"cronBlock"`
	// CronDiff is the change to the crontab when the block is installed.
	CronDiff      string `json:"cronDiff,omitempty"`
	CronInstalled bool   `json:"cronInstalled"`
	CronBackup    string `json:"cronBackup,omitempty"`
	// SystemdCommands enable the timer; baton-setup prints them and does
	// not run them.
	SystemdCommands []string `json:"systemdCommands,omitempty"`
}

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

// ErrServiceMode is returned for a plan that sets ConductorOne's client
// credentials, which belong to service mode, not to a scheduled sync.
var ErrServiceMode = errors.New("refuse scheduled sync: client-id and client-secret (BATON_CLIENT_ID, BATON_CLIENT_SECRET) are ConductorOne service-mode credentials; with them the connector runs as a long-lived service that takes tasks from ConductorOne instead of writing a sync file for the schedule to upload")

// CheckScheduled refuses a plan that would turn the connector into a
// service. It names service mode, so the user knows what to do instead.
func CheckScheduled(p *plan.Plan) error {
	for _, name := range []string{"client-id", "client-secret"} {
		if p.Value(name) != "" {
			return fmt.Errorf("%w\nhint: for a scheduled sync, leave them unset (unset BATON_CLIENT_ID BATON_CLIENT_SECRET); for service mode, run the connector itself as a long-running service (for example a systemd service with Restart=always) with those two variables set, without sync.sh", ErrServiceMode)
		}
	}
	return nil
}

// Run validates the plan, writes its files (or, in a dry run, only works
// out the changes) and installs the crontab block when the plan asks for it.
func Run(ctx context.Context, p *plan.Plan, opts Options) (Result, error) {
	if err := CheckScheduled(p); err != nil {
		return Result{}, err
	}
	if err := p.Validate(); err != nil {
		return Result{}, err
	}
	scheduler := opts.Scheduler
	if scheduler == "" {
		scheduler = render.SchedulerCron
	}
	preview, err := schedule.NewPreview(p.Schedule.Cron, opts.now())
	if err != nil {
		return Result{}, err
	}
	self, copied, err := StableSelf(opts.Self, opts.BinDir, opts.DryRun)
	if err != nil {
		return Result{}, err
	}
	Retarget(p, opts.Self, self)
	files, err := render.Files(p, render.Options{Self: self, Timeout: opts.Timeout, Scheduler: scheduler, SystemdSystem: opts.SystemdSystem})
	if err != nil {
		return Result{}, err
	}
	block, err := render.CronBlock(p)
	if err != nil {
		return Result{}, err
	}
	res := Result{
		Files: files, DryRun: opts.DryRun, Self: self, CopiedSelf: copied,
		Schedule: preview, Scheduler: scheduler, CronBlock: block,
	}
	res.Changes, err = render.Write(p.Output.Dir, files, render.WriteOptions{DryRun: opts.DryRun, Now: opts.Now})
	if err != nil {
		return res, err
	}
	if scheduler == render.SchedulerSystemd {
		res.SystemdCommands, _ = render.SystemdCommands(
			filepath.Join(p.Output.Dir, render.ServiceUnit(p.Profile)),
			filepath.Join(p.Output.Dir, render.TimerUnit(p.Profile)), opts.SystemdSystem)
		return res, nil
	}
	if !p.Schedule.Install {
		return res, nil
	}
	cr, err := InstallCron(ctx, p, block, opts)
	res.CronDiff, res.CronBackup = cr.Diff, cr.Backup
	res.CronInstalled = err == nil && !opts.DryRun
	return res, err
}

// CronResult says what a crontab change did, or would do in a dry run.
type CronResult struct {
	// Diff is a unified diff of the table; empty when nothing changes.
	Diff string `json:"diff,omitempty"`
	// Changed is false when the table already was as wanted.
	Changed bool `json:"changed"`
	// Backup holds the previous table.
	Backup string `json:"backup,omitempty"`
}

// InstallCron puts the profile's block into the crontab: it reads the
// table, saves a backup of it in the profile directory, replaces only the
// block, installs the whole table and reads it back to check.
func InstallCron(ctx context.Context, p *plan.Plan, block string, opts Options) (CronResult, error) {
	if opts.Crontab == nil {
		return CronResult{}, errors.New("install crontab: no crontab available")
	}
	ctx, unlock, err := schedule.Lock(ctx, opts.Crontab)
	if err != nil {
		return CronResult{}, err
	}
	defer unlock()
	before, err := opts.Crontab.Read(ctx)
	if err != nil {
		return CronResult{}, err
	}
	after, err := schedule.ReplaceBlock(before, p.Profile, block)
	if err != nil {
		return CronResult{}, err
	}
	res := CronResult{Diff: udiff.Unified("crontab (current)", "crontab (new)", before, after), Changed: before != after}
	if opts.DryRun || !res.Changed {
		return res, nil
	}
	if before != "" {
		if res.Backup, err = render.Backup(p.Output.Dir, "crontab", []byte(before), opts.now()); err != nil {
			return res, err
		}
	}
	return res, schedule.InstallOver(ctx, opts.Crontab, before, p.Profile, block)
}

// RemoveCron deletes the profile's block from the crontab, after saving a
// backup of the table in backupDir ("" for none). Changed is false when
// there was no block.
func RemoveCron(ctx context.Context, profile, backupDir string, opts Options) (CronResult, error) {
	if opts.Crontab == nil {
		return CronResult{}, errors.New("remove crontab entry: no crontab available")
	}
	ctx, unlock, err := schedule.Lock(ctx, opts.Crontab)
	if err != nil {
		return CronResult{}, err
	}
	defer unlock()
	before, err := opts.Crontab.Read(ctx)
	if err != nil {
		return CronResult{}, err
	}
	after, err := schedule.ReplaceBlock(before, profile, "")
	if err != nil {
		return CronResult{}, err
	}
	res := CronResult{Diff: udiff.Unified("crontab (current)", "crontab (new)", before, after), Changed: before != after}
	if opts.DryRun || !res.Changed {
		return res, nil
	}
	if backupDir != "" {
		if res.Backup, err = render.Backup(backupDir, "crontab", []byte(before), opts.now()); err != nil {
			return res, err
		}
	}
	_, err = schedule.Remove(ctx, opts.Crontab, profile)
	return res, err
}
