//go:build !linux

package testenv

import "syscall"

// dieWithParent has no equivalent outside Linux; the engine tests run only
// there.
func dieWithParent() *syscall.SysProcAttr { return &syscall.SysProcAttr{} }
