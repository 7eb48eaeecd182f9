// Package schedule validates cron expressions and installs a profile's
// marked block into the user's crontab without touching anything else.
package schedule

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os/exec"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Hourly returns "M * * * *".
func Hourly(minute int) string { return fmt.Sprintf("%d * * * *", minute) }

// RandomMinute picks the minute of an hourly schedule, so that many installs
// do not all run at :00.
func RandomMinute() int { return rand.IntN(60) }

var parser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// Normalize validates a five-field numeric cron expression as Debian cron
// accepts it and returns it with single spaces and Sunday as 0.
func Normalize(spec string) (string, error) {
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return "", fmt.Errorf("schedule %q: want five fields (minute hour day-of-month month day-of-week), e.g. \"17 * * * *\"", spec)
	}
	for i, f := range fields {
		for _, r := range f {
			if !strings.ContainsRune("0123456789*/,-", r) {
				return "", fmt.Errorf("schedule %q: field %d (%s) may use only digits and * / , -", spec, i+1, f)
			}
		}
	}
	// robfig/cron rejects 7 for Sunday, which crontab accepts.
	if fields[4] == "7" {
		fields[4] = "0"
	}
	out := strings.Join(fields, " ")
	if _, err := parser.Parse(out); err != nil {
		return "", fmt.Errorf("schedule %q: %w", spec, err)
	}
	return out, nil
}

// Next returns the next n run times after from.
func Next(spec string, from time.Time, n int) ([]time.Time, error) {
	s, err := parser.Parse(spec)
	if err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	out := make([]time.Time, 0, n)
	t := from
	for range n {
		t = s.Next(t)
		out = append(out, t)
	}
	return out, nil
}

// Describe says in plain words when the schedule runs, for the common
// shapes, and echoes the expression otherwise.
func Describe(spec string) string {
	f := strings.Fields(spec)
	if len(f) != 5 {
		return spec
	}
	if f[2] == "*" && f[3] == "*" && f[4] == "*" {
		if isNum(f[0]) && f[1] == "*" {
			return fmt.Sprintf("every hour at minute %s", f[0])
		}
		if isNum(f[0]) && isNum(f[1]) {
			return fmt.Sprintf("every day at %02s:%02s (server time)", f[1], f[0])
		}
		if isNum(f[0]) && strings.HasPrefix(f[1], "*/") && isNum(f[1][2:]) {
			return fmt.Sprintf("every %s hours at minute %s", f[1][2:], f[0])
		}
	}
	return "cron " + spec
}

// MoreThanHourly reports whether a schedule runs more often than once an
// hour; ConductorOne only reads the bucket hourly.
func MoreThanHourly(spec string) bool {
	f := strings.Fields(spec)
	return len(f) == 5 && !isNum(f[0])
}

func isNum(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Crontab reads and replaces the user's whole crontab.
type Crontab interface {
	Read(ctx context.Context) (string, error)
	Write(ctx context.Context, table string) error
}

// System is the real crontab command.
type System struct {
	// Bin is the crontab binary; "" means "crontab" on PATH.
	Bin string
}

func (s System) bin() string {
	if s.Bin == "" {
		return "crontab"
	}
	return s.Bin
}

// Read returns the current table; "no crontab for <user>" is an empty one.
func (s System) Read(ctx context.Context) (string, error) {
	cmd := exec.CommandContext(ctx, s.bin(), "-l")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if err != nil {
		msg := strings.TrimSpace(stderr.String())
		var exit *exec.ExitError
		if errors.As(err, &exit) && strings.Contains(msg, "no crontab for") {
			return "", nil
		}
		return "", fmt.Errorf("read crontab: %w: %s", err, explain(msg))
	}
	return stdout.String(), nil
}

// Write installs the whole table through stdin.
func (s System) Write(ctx context.Context, table string) error {
	cmd := exec.CommandContext(ctx, s.bin(), "-")
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
		return msg + "\nhint: this user may not use cron (see /etc/cron.allow and /etc/cron.deny); ask an administrator or use a systemd timer"
	}
	return msg
}

func markers(profile string) (begin, end string) {
	return "# BEGIN baton-setup profile=" + profile, "# END baton-setup profile=" + profile
}

// ReplaceBlock removes the profile's block from table and, when block is
// not empty, appends it. Every other line is kept as it was.
func ReplaceBlock(table, profile, block string) string {
	begin, end := markers(profile)
	lines := strings.SplitAfter(table, "\n")
	var out strings.Builder
	inside := false
	for _, l := range lines {
		trimmed := strings.TrimRight(l, "\n")
		switch {
		case !inside && strings.HasPrefix(trimmed, begin) && (len(trimmed) == len(begin) || trimmed[len(begin)] == ' '):
			inside = true
		case inside && trimmed == end:
			inside = false
		case !inside:
			out.WriteString(l)
		}
	}
	s := out.String()
	if block == "" {
		return s
	}
	if s != "" && !strings.HasSuffix(s, "\n") {
		s += "\n"
	}
	if !strings.HasSuffix(block, "\n") {
		block += "\n"
	}
	return s + block
}

// Count returns how many times the profile's block begins in table.
func Count(table, profile string) int {
	begin, _ := markers(profile)
	n := 0
	for _, l := range strings.Split(table, "\n") {
		if l == begin || strings.HasPrefix(l, begin+" ") {
			n++
		}
	}
	return n
}

// Install puts the block into the crontab, replacing an earlier one for the
// same profile, and re-reads the table to check it is there exactly once.
// It returns the table as it was, so the caller can keep a backup.
func Install(ctx context.Context, ct Crontab, profile, block string) (before string, err error) {
	before, err = ct.Read(ctx)
	if err != nil {
		return "", err
	}
	if err := ct.Write(ctx, ReplaceBlock(before, profile, block)); err != nil {
		return before, err
	}
	after, err := ct.Read(ctx)
	if err != nil {
		return before, err
	}
	if n := Count(after, profile); n != 1 {
		return before, fmt.Errorf("install crontab: the block for profile %s appears %d times after install", profile, n)
	}
	return before, nil
}

// Remove deletes the profile's block and nothing else.
func Remove(ctx context.Context, ct Crontab, profile string) error {
	table, err := ct.Read(ctx)
	if err != nil {
		return err
	}
	if Count(table, profile) == 0 {
		return nil
	}
	return ct.Write(ctx, ReplaceBlock(table, profile, ""))
}
