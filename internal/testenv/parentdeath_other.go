//go:build !linux

package testenv

import "syscall"

// dieWithParent has no equivalent off Linux; the engine tests run on Linux
// only.
func dieWithParent() *syscall.SysProcAttr { return nil }
