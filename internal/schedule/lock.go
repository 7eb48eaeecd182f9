package schedule

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/conductorone/baton-setup/internal/filelock"
)

// Locker is a Crontab whose edits can be locked against other baton-setup
// processes: a crontab edit reads the whole table and writes it back, so
// two edits at once lose one of them.
type Locker interface {
	// Lock blocks until the table is this process's to edit, or ctx ends.
	Lock(ctx context.Context) (unlock func(), err error)
}

type lockHeld struct{}

// Lock takes ct's lock when ct is a Locker and ctx does not hold it yet.
// The context it returns says the lock is held, so that the functions of
// this package called with it do not wait for themselves.
func Lock(ctx context.Context, ct Crontab) (context.Context, func(), error) {
	l, ok := ct.(Locker)
	if !ok || ctx.Value(lockHeld{}) != nil {
		return ctx, func() {}, nil
	}
	unlock, err := l.Lock(ctx)
	if err != nil {
		return ctx, nil, err
	}
	return context.WithValue(ctx, lockHeld{}, true), unlock, nil
}

// lockWait is how long Lock waits for another baton-setup's crontab edit.
const lockWait = 2 * time.Minute

// Lock takes an exclusive lock on a file of the invoking user's, in
// baton-setup's cache directory (one per crontab user when User is set).
// The kernel drops the lock when the process ends, however it ends.
func (s System) Lock(ctx context.Context) (func(), error) {
	name := "crontab.lock"
	if s.User != "" {
		name = "crontab-" + s.User + ".lock"
	}
	unlock, path, err := filelock.Named(ctx, name, lockWait)
	switch {
	case errors.Is(err, filelock.ErrHeld):
		return nil, fmt.Errorf("lock crontab: another baton-setup has been editing the crontab for %s (it holds %s)\nhint: wait for it to finish, or end it", lockWait, path)
	case err != nil && ctx.Err() != nil:
		return nil, ctx.Err()
	case err != nil:
		return nil, fmt.Errorf("lock crontab: %w", err)
	}
	return unlock, nil
}
