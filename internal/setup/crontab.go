package setup

import (
	"context"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schedule"
)

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
func InstallCron(ctx context.Context, env Env, p *plan.Plan, block string, dryRun bool) (CronResult, error) {
	return editCron(ctx, env, p.Profile, block, p.Output.Dir, dryRun, func(ctx context.Context, before string) error {
		return schedule.InstallOver(ctx, env.Crontab, before, p.Profile, block)
	})
}

// RemoveCron deletes the profile's block from the crontab, after saving a
// backup of the table in backupDir ("" for none). Changed is false when
// there was no block.
func RemoveCron(ctx context.Context, env Env, profile, backupDir string, dryRun bool) (CronResult, error) {
	return editCron(ctx, env, profile, "", backupDir, dryRun, func(ctx context.Context, _ string) error {
		_, err := schedule.Remove(ctx, env.Crontab, profile)
		return err
	})
}

// editCron replaces the profile's block with block under the crontab
// lock, showing the change as a diff; write makes it once the old table
// is backed up.
func editCron(ctx context.Context, env Env, profile, block, backupDir string, dryRun bool, write func(ctx context.Context, before string) error) (CronResult, error) {
	if env.Crontab == nil {
		return CronResult{}, ErrNoCrontab
	}
	ctx, unlock, err := schedule.Lock(ctx, env.Crontab)
	if err != nil {
		return CronResult{}, err
	}
	defer unlock()
	before, err := env.Crontab.Read(ctx)
	if err != nil {
		return CronResult{}, err
	}
	after, err := schedule.ReplaceBlock(before, profile, block)
	if err != nil {
		return CronResult{}, err
	}
	res := CronResult{Diff: render.UnifiedDiff("crontab (current)", "crontab (new)", before, after), Changed: before != after}
	if dryRun || !res.Changed {
		return res, nil
	}
	if before != "" && backupDir != "" {
		if res.Backup, err = render.Backup(backupDir, "crontab", []byte(before), env.now()); err != nil {
			return res, err
		}
	}
	return res, write(ctx, before)
}
