package cli

import (
	"errors"
	"fmt"
)

// Exit codes, the only place they are decided. They are listed in README.
const (
	exitOK    = 0
	exitError = 1
	exitUsage = 2
	// exitWarning: a test sync finished but looks wrong (testsync.Judge).
	exitWarning   = 3
	exitCancelled = 130
)

// FlagError is bad or missing input; it exits 2.
type FlagError struct{ err error }

func (e *FlagError) Error() string { return e.err.Error() }
func (e *FlagError) Unwrap() error { return e.err }

// flagErrorf builds a FlagError.
func flagErrorf(format string, args ...any) error {
	return &FlagError{err: fmt.Errorf(format, args...)}
}

// errCancelled is returned when the user stops the program.
var errCancelled = errors.New("cancelled")

// silentError has been reported already; it only sets the exit code.
type silentError struct{ code int }

func (e *silentError) Error() string { return fmt.Sprintf("exit %d", e.code) }
