package testenv

import "golang.org/x/sys/unix"

// getTermios is the ioctl request that reads a terminal's modes; BSD
// systems call it TIOCGETA.
const getTermios = unix.TIOCGETA
