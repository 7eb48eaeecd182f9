package verify

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// signalSession sends sig to every process of session sid. The job runs
// in a session of its own, and its children stay there even when they
// make process groups of their own, as timeout(1) does.
func signalSession(sid int, sig syscall.Signal) {
	for _, pid := range sessionPIDs(sid) {
		_ = syscall.Kill(pid, sig)
	}
}

// sessionPIDs lists the live processes of session sid, from /proc.
func sessionPIDs(sid int) []int {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return nil
	}
	var out []int
	for _, e := range entries {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		data, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// The fields after the command name, which may hold spaces and
		// parentheses: state, ppid, pgrp, session.
		s := string(data)
		i := strings.LastIndexByte(s, ')')
		if i < 0 {
			continue
		}
		f := strings.Fields(s[i+1:])
		if len(f) < 4 {
			continue
		}
		// A zombie is gone but for its parent's wait.
		if n, err := strconv.Atoi(f[3]); err == nil && n == sid && f[0] != "Z" {
			out = append(out, pid)
		}
	}
	return out
}
