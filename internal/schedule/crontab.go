package schedule

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os/exec"
	"strings"

	"al.essio.dev/pkg/shellescape"
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

// The marker lines baton-setup writes around a profile's block. Only these
// exact lines are markers; a comment that merely starts like one is the
// user's own line.
const (
	beginPrefix = "# BEGIN baton-setup profile="
	beginSuffix = " (managed by baton-setup; edits inside are overwritten)"
	endPrefix   = "# END baton-setup profile="
)

func markers(profile string) (begin, end string) {
	return beginPrefix + profile + beginSuffix, endPrefix + profile
}

// parseMarker reports whether line is exactly a BEGIN or END line
// baton-setup writes, and for which profile.
func parseMarker(line string) (profile string, begin, ok bool) {
	if rest, found := strings.CutPrefix(line, beginPrefix); found {
		name, found := strings.CutSuffix(rest, beginSuffix)
		return name, true, found && markerName(name)
	}
	if name, found := strings.CutPrefix(line, endPrefix); found {
		return name, false, markerName(name)
	}
	return "", false, false
}

func markerName(s string) bool {
	return s != "" && !strings.ContainsFunc(s, func(r rune) bool { return r <= ' ' || r == 0x7f })
}

// span is a profile's block: the lines from its BEGIN line to its END line,
// as indexes into the table's lines.
type span struct{ begin, end int }

// blocks finds the profile's blocks in lines. A block that is not closed,
// one that holds or sits inside another profile's block, and an END line
// without its BEGIN line are errors: removing what such markers seem to
// enclose could delete the user's or another profile's lines.
func blocks(lines []string, profile string) ([]span, error) {
	var out []span
	open, openAt := "", 0
	at := func(i int) int { return i + 1 }
	for i, l := range lines {
		name, begin, ok := parseMarker(strings.TrimSuffix(l, "\n"))
		if !ok {
			continue
		}
		switch {
		case begin && open == "":
			open, openAt = name, i
		case begin && open == profile && name == profile:
			return nil, fmt.Errorf("edit crontab: the block for profile %s begins twice (lines %d and %d) without an END line; fix it with crontab -e", profile, at(openAt), at(i))
		case begin && open == profile:
			return nil, fmt.Errorf("edit crontab: the block for profile %s (line %d) holds the block for profile %s (line %d); fix it with crontab -e", profile, at(openAt), name, at(i))
		case begin && name == profile:
			return nil, fmt.Errorf("edit crontab: the block for profile %s (line %d) is inside the block for profile %s (line %d); fix it with crontab -e", profile, at(i), open, at(openAt))
		case begin:
			// Two other profiles' blocks overlap; not this one's business
			// unless one of them holds this profile's lines, caught above.
		case name == open:
			if name == profile {
				out = append(out, span{openAt, i})
			}
			open = ""
		case open == "" && name == profile:
			return nil, fmt.Errorf("edit crontab: the END line of profile %s (line %d) has no BEGIN line above it; was that line deleted? fix it with crontab -e", profile, at(i))
		case open == profile || name == profile:
			return nil, fmt.Errorf("edit crontab: the block for profile %s (line %d) holds the END line of profile %s (line %d); fix it with crontab -e", open, at(openAt), name, at(i))
		}
	}
	if open == profile {
		_, end := markers(profile)
		return nil, fmt.Errorf("edit crontab: the block for profile %s (line %d) has no %q line; fix it with crontab -e", profile, at(openAt), end)
	}
	return out, nil
}

func inside(spans []span, i int) bool {
	for _, s := range spans {
		if i >= s.begin && i <= s.end {
			return true
		}
	}
	return false
}

// Entry is how a profile is installed in a crontab.
type Entry struct {
	// Blocks counts the profile's marked blocks.
	Blocks int
	// Jobs counts the lines, in a block or not, that run the profile's
	// sync.sh.
	Jobs int
	// Orphans are the numbers (from 1) of the lines that run sync.sh
	// outside the profile's blocks, as a block whose BEGIN line was
	// deleted by hand leaves them.
	Orphans []int
}

// Find reads how the profile whose script is the sync.sh at script is
// installed in table. A broken block is an error.
func Find(table, profile, script string) (Entry, error) {
	lines := strings.SplitAfter(table, "\n")
	spans, err := blocks(lines, profile)
	if err != nil {
		return Entry{}, err
	}
	e := Entry{Blocks: len(spans)}
	for i, l := range lines {
		if script == "" || !runs(l, script) {
			continue
		}
		e.Jobs++
		if !inside(spans, i) {
			e.Orphans = append(e.Orphans, i+1)
		}
	}
	return e, nil
}

// runs reports whether a crontab line is a job whose command names script
// as a whole word, plain or shell-quoted.
func runs(line, script string) bool {
	l := strings.TrimSpace(line)
	if l == "" || l[0] == '#' || isAssignment(l) {
		return false
	}
	for _, form := range []string{script, shellescape.Quote(script)} {
		for i := 0; ; {
			j := strings.Index(l[i:], form)
			if j < 0 {
				break
			}
			start, end := i+j, i+j+len(form)
			if (start == 0 || delimiter(l[start-1])) && (end == len(l) || delimiter(l[end])) {
				return true
			}
			i = start + 1
		}
	}
	return false
}

func delimiter(c byte) bool {
	return strings.IndexByte(" \t'\"`;&|<>()=", c) >= 0
}

// isAssignment reports a crontab environment line such as MAILTO=x.
func isAssignment(l string) bool {
	name, _, ok := strings.Cut(l, "=")
	return ok && name != "" && !strings.ContainsAny(strings.TrimSpace(name), " \t")
}

// blockScript returns the script the job lines of a block run: the first
// word of the first job's command, without its shell quotes.
func blockScript(block string) string {
	for _, l := range strings.Split(block, "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' || isAssignment(l) {
			continue
		}
		fields := 5
		if l[0] == '@' {
			fields = 1
		}
		cmd := l
		for range fields {
			_, cmd, _ = strings.Cut(strings.TrimLeft(cmd, " \t"), " ")
		}
		return firstWord(strings.TrimLeft(cmd, " \t"))
	}
	return ""
}

// firstWord reads one shell word made of plain characters and
// single-quoted parts, as shellescape.Quote writes them.
func firstWord(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\'':
			j := strings.IndexByte(s[i+1:], '\'')
			if j < 0 {
				return ""
			}
			b.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case c == '"':
			j := strings.IndexByte(s[i+1:], '"')
			if j < 0 {
				return ""
			}
			b.WriteString(s[i+1 : i+1+j])
			i += j + 1
		case delimiter(c):
			return b.String()
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ReplaceBlock removes the profile's block from table and, when block is
// not empty, appends it. Every other byte is kept as it was, with one
// exception: a last line without a newline gets one before the block is
// appended, because Debian's crontab refuses such a table ("missing newline
// before EOF"). Removing the block later leaves that newline in place.
//
// Only the exact marker lines baton-setup writes delimit a block, and a
// broken block is an error rather than a guess (see blocks). Installing
// also refuses a table that already runs the block's script outside the
// block, which would otherwise run twice.
func ReplaceBlock(table, profile, block string) (string, error) {
	lines := strings.SplitAfter(table, "\n")
	spans, err := blocks(lines, profile)
	if err != nil {
		return "", err
	}
	if script := blockScript(block); script != "" {
		for i, l := range lines {
			if !inside(spans, i) && runs(l, script) {
				return "", fmt.Errorf("edit crontab: line %d already runs %s outside the block for profile %s, so it would run twice; was the block's BEGIN line deleted?\nhint: delete that line (or put the markers back around it) with crontab -e, then run again", i+1, script, profile)
			}
		}
	}
	var out strings.Builder
	for i, l := range lines {
		if !inside(spans, i) {
			out.WriteString(l)
		}
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
		if l == begin {
			n++
		}
	}
	return n
}

// Install puts the block into the crontab, replacing an earlier one for the
// same profile, and re-reads the table to check that it is exactly what was
// written. It returns the table as it was, so that the caller can keep a
// backup. The whole edit holds the crontab's lock (see Lock).
func Install(ctx context.Context, ct Crontab, profile, block string) (before string, err error) {
	ctx, unlock, err := Lock(ctx, ct)
	if err != nil {
		return "", err
	}
	defer unlock()
	before, err = ct.Read(ctx)
	if err != nil {
		return "", err
	}
	return before, InstallOver(ctx, ct, before, profile, block)
}

// InstallOver is Install for a caller that has already read the table
// (to back it up or show a diff first). The caller should hold the lock
// since that read; if the table has changed since, nothing is written.
func InstallOver(ctx context.Context, ct Crontab, before, profile, block string) error {
	if strings.Contains(block, "%") {
		return fmt.Errorf("install crontab: the entry for profile %s contains %%, which cron turns into a newline", profile)
	}
	want, err := ReplaceBlock(before, profile, block)
	if err != nil {
		return err
	}
	ctx, unlock, err := Lock(ctx, ct)
	if err != nil {
		return err
	}
	defer unlock()
	if err := writeChecked(ctx, ct, before, want, "install crontab"); err != nil {
		return err
	}
	if n := Count(want, profile); n != 1 {
		return fmt.Errorf("install crontab: the block for profile %s appears %d times after install", profile, n)
	}
	return nil
}

// writeChecked replaces the table with want if it still is before, then
// reads it back and checks every byte.
func writeChecked(ctx context.Context, ct Crontab, before, want, what string) error {
	now, err := ct.Read(ctx)
	if err != nil {
		return err
	}
	if now != before {
		return fmt.Errorf("%s: the crontab changed while baton-setup was editing it (another program wrote it); nothing was written\nhint: run again", what)
	}
	if err := ct.Write(ctx, want); err != nil {
		return err
	}
	after, err := ct.Read(ctx)
	if err != nil {
		return err
	}
	if after != want {
		return fmt.Errorf("%s: the crontab reads back differently from what was written (another program wrote it at the same time?)\nhint: check it with crontab -l, then run again", what)
	}
	return nil
}

// Remove deletes the profile's block and nothing else. It reports whether
// there was a block to remove.
func Remove(ctx context.Context, ct Crontab, profile string) (bool, error) {
	ctx, unlock, err := Lock(ctx, ct)
	if err != nil {
		return false, err
	}
	defer unlock()
	table, err := ct.Read(ctx)
	if err != nil {
		return false, err
	}
	want, err := ReplaceBlock(table, profile, "")
	if err != nil {
		return false, err
	}
	if want == table {
		return false, nil
	}
	if err := writeChecked(ctx, ct, table, want, "remove crontab entry"); err != nil {
		return true, err
	}
	return true, nil
}
