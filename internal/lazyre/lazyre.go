// Package lazyre compiles a regular expression on first use instead of at
// package initialisation. baton-setup has a few dozen patterns, and
// compiling them all before main took a tenth of its start-up (--version
// included), while most commands use one or two.
package lazyre

import (
	"regexp"
	"sync"
)

// New returns a function that compiles expr once, on its first call, and
// panics as regexp.MustCompile does if expr is invalid.
func New(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
