package schedule

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"
)

// Crontab reads and replaces a user's whole crontab.
type Crontab interface {
	Read(ctx context.Context) (string, error)
	Write(ctx context.Context, table string) error
}

// System is the real crontab command.
type System struct {
	// Bin is the crontab binary; "" means "crontab" on PATH.
	Bin string
	// User selects another user's table with -u; only root may do that.
	// "" is the invoking user.
	User string
}

func (s System) command(ctx context.Context, arg string) *exec.Cmd {
	bin := s.Bin
	if bin == "" {
		bin = "crontab"
	}
	args := []string{arg}
	if s.User != "" {
		args = []string{"-u", s.User, arg}
	}
	return exec.CommandContext(ctx, bin, args...)
}

// Read returns the current table; "no crontab for <user>" is an empty one.
func (s System) Read(ctx context.Context) (string, error) {
	cmd := s.command(ctx, "-l")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		var exit *exec.ExitError
		if errors.As(err, &exit) && strings.Contains(msg, "no crontab for") {
			return "", nil
		}
		return "", fmt.Errorf("read crontab: %w: %s", err, explain(msg))
	}
	return stdout.String(), nil
}

// Write installs the whole table through stdin, never only new lines.
func (s System) Write(ctx context.Context, table string) error {
	cmd := s.command(ctx, "-")
	cmd.Stdin = strings.NewReader(table)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("install crontab: %w: %s", err, explain(strings.TrimSpace(stderr.String())))
	}
	return nil
}

func explain(msg string) string {
	if strings.Contains(msg, "not allowed") || strings.Contains(msg, "cron.allow") || strings.Contains(msg, "cron.deny") {
		return msg + "\nhint: this user may not use cron (see /etc/cron.allow and /etc/cron.deny); ask an administrator, or use a systemd timer as the scheduler instead"
	}
	return msg
}

func markers(profile string) (begin, end string) {
	return "# BEGIN baton-setup profile=" + profile, "# END baton-setup profile=" + profile
}

func isBegin(line, begin string) bool {
	return line == begin || strings.HasPrefix(line, begin+" ")
}

// ReplaceBlock removes the profile's block from table and, when block is
// not empty, appends it. Every other byte is kept as it was, with one
// exception: a last line without a newline gets one before the block is
// appended, because Debian's crontab refuses such a table ("missing newline
// before EOF"). Removing the block later leaves that newline in place.
//
// A BEGIN line without its END line is an error rather than a block that
// runs to the end of the table, which would delete the user's own lines.
func ReplaceBlock(table, profile, block string) (string, error) {
	begin, end := markers(profile)
	var out strings.Builder
	inside := false
	for _, l := range strings.SplitAfter(table, "\n") {
		trimmed := strings.TrimSuffix(l, "\n")
		switch {
		case isBegin(trimmed, begin):
			if inside {
				return "", fmt.Errorf("edit crontab: the block for profile %s begins twice without an END line; fix it with crontab -e", profile)
			}
			inside = true
		case inside && trimmed == end:
			inside = false
		case !inside:
			out.WriteString(l)
		}
	}
	if inside {
		return "", fmt.Errorf("edit crontab: the block for profile %s has no %q line; fix it with crontab -e", profile, end)
	}
	s := out.String()
	if block == "" {
		return s, nil
	}
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	if !strings.HasSuffix(block, "\n") {
		block += "\n"
	}
	return s + block, nil
}

// Count returns how many times the profile's block begins in table.
func Count(table, profile string) int {
	begin, _ := markers(profile)
	n := 0
	for _, l := range strings.Split(table, "\n") {
		if isBegin(l, begin) {
			n++
		}
	}
	return n
}

// Install puts the block into the crontab, replacing an earlier one for the
// same profile, and re-reads the table to check that the block is there
// exactly once and as written. It returns the table as it was, so that the
// caller can keep a backup.
func Install(ctx context.Context, ct Crontab, profile, block string) (before string, err error) {
	before, err = ct.Read(ctx)
	if err != nil {
		return "", err
	}
	return before, InstallOver(ctx, ct, before, profile, block)
}

// InstallOver is Install for a caller that has already read the table
// (to back it up or show a diff first).
func InstallOver(ctx context.Context, ct Crontab, before, profile, block string) error {
	if strings.Contains(block, "%") {
		return fmt.Errorf("install crontab: the entry for profile %s contains %%, which cron turns into a newline", profile)
	}
	want, err := ReplaceBlock(before, profile, block)
	if err != nil {
		return err
	}
	if err := ct.Write(ctx, want); err != nil {
		return err
	}
	after, err := ct.Read(ctx)
	if err != nil {
		return err
	}
	if n := Count(after, profile); n != 1 {
		return fmt.Errorf("install crontab: the block for profile %s appears %d times after install", profile, n)
	}
	if !strings.Contains(after, strings.TrimSuffix(block, "\n")+"\n") {
		return fmt.Errorf("install crontab: the block for profile %s reads back differently from what was written", profile)
	}
	return nil
}

// Remove deletes the profile's block and nothing else. It reports whether
// there was a block to remove.
func Remove(ctx context.Context, ct Crontab, profile string) (bool, error) {
	table, err := ct.Read(ctx)
	if err != nil {
		return false, err
	}
	if Count(table, profile) == 0 {
		return false, nil
	}
	want, err := ReplaceBlock(table, profile, "")
	if err != nil {
		return false, err
	}
	if err := ct.Write(ctx, want); err != nil {
		return false, err
	}
	after, err := ct.Read(ctx)
	if err != nil {
		return true, err
	}
	if Count(after, profile) != 0 {
		return true, fmt.Errorf("remove crontab entry: the block for profile %s is still there after removal", profile)
	}
	return true, nil
}
