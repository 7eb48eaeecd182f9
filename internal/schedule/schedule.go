// Package schedule turns the user's choice of when to sync into a cron
// expression Debian cron accepts, explains it, previews its next runs,
// converts it to a systemd OnCalendar= value or launchd
// StartCalendarInterval entries, and installs a profile's marked block into
// the user's crontab without touching anything else.
package schedule

import (
	"fmt"
	"io"
	"math/bits"
	"math/rand/v2"
	"strconv"
	"strings"
	"time"

	lnquy "github.com/lnquy/cron"
	"github.com/robfig/cron/v3"
)

// Spec is a parsed five-field cron expression with the semantics of Debian
// cron 3.0pl1 (Vixie cron): each field is a set of values, and the two day
// fields combine with OR when both are restricted, AND otherwise.
type Spec struct {
	text                          string
	minute, hour, dom, month, dow uint64
	// domStar and dowStar are Vixie cron's DOM_STAR and DOW_STAR flags: set
	// when the field's first character is '*', even for "*/2". They, not the
	// sets, decide between AND and OR.
	domStar, dowStar bool
}

type bounds struct {
	name     string
	min, max int
}

var fieldBounds = [5]bounds{
	{"minute", 0, 59},
	{"hour", 0, 23},
	{"day of month", 1, 31},
	{"month", 1, 12},
	{"day of week", 0, 7},
}

// robfigParser is a second opinion on every expression. It is built
// without Descriptor, which would let "@every 1h" through.
var robfigParser = cron.NewParser(cron.Minute | cron.Hour | cron.Dom | cron.Month | cron.Dow)

// maxSearch bounds Next: a schedule that has no run in this many days (such
// as 31 February) never runs. 28 years cover every weekday/date pairing.
const maxSearch = 366 * 29

// Parse validates a five-field numeric cron expression and returns it in
// normal form: single spaces, and Sunday written 0 rather than 7.
//
// The grammar is the part of crontab(5) that Debian cron, robfig/cron and
// systemd agree on: each field is a comma list of "*", "N", "A-B", "*/S" or
// "A-B/S". Names (MON, JAN), "?", "L", "W", "#", "@hourly" and "@every" are
// refused, and so is "N/S", which Debian's crontab rejects.
func Parse(spec string) (Spec, error) {
	if strings.HasPrefix(strings.TrimSpace(spec), "@") {
		return Spec{}, fmt.Errorf("schedule %q: @-shortcuts are not portable; use five numeric fields, e.g. \"17 * * * *\"", spec)
	}
	fields := strings.Fields(spec)
	if len(fields) != 5 {
		return Spec{}, fmt.Errorf("schedule %q: want five fields (minute hour day-of-month month day-of-week), e.g. \"17 * * * *\"", spec)
	}
	var sets [5]uint64
	for i, f := range fields {
		set, err := parseField(f, fieldBounds[i])
		if err != nil {
			return Spec{}, fmt.Errorf("schedule %q: %w", spec, err)
		}
		sets[i] = set
	}
	s := Spec{
		minute: sets[0], hour: sets[1], dom: sets[2], month: sets[3], dow: sets[4],
		domStar: fields[2][0] == '*', dowStar: fields[4][0] == '*',
	}
	// Vixie cron treats 7 as Sunday; robfig/cron and the normal form use 0.
	if s.dow&(1<<7) != 0 {
		s.dow = s.dow&^(1<<7) | 1
		if !s.dowStar {
			fields[4] = compress(s.dow, 0, 6)
		}
	}
	s.text = strings.Join(fields, " ")
	if _, err := robfigParser.Parse(s.text); err != nil {
		return Spec{}, fmt.Errorf("schedule %q: %w", spec, err)
	}
	if s.Next(time.Date(2001, 1, 1, 0, 0, 0, 0, time.UTC)).IsZero() {
		return Spec{}, fmt.Errorf("schedule %q: it never runs (no such date)", spec)
	}
	return s, nil
}

// Normalize validates a five-field numeric cron expression as Debian cron
// accepts it and returns it with single spaces and Sunday as 0.
func Normalize(spec string) (string, error) {
	s, err := Parse(spec)
	if err != nil {
		return "", err
	}
	return s.text, nil
}

// String returns the expression in normal form.
func (s Spec) String() string { return s.text }

func parseField(f string, b bounds) (uint64, error) {
	var set uint64
	for _, part := range strings.Split(f, ",") {
		if part == "" {
			return 0, fmt.Errorf("%s %q: empty item in a list", b.name, f)
		}
		rng, stepText, hasStep := strings.Cut(part, "/")
		lo, hi := b.min, b.max
		switch {
		case rng == "*":
		case strings.Contains(rng, "-"):
			a, z, _ := strings.Cut(rng, "-")
			var err error
			if lo, err = number(a, b, f); err != nil {
				return 0, err
			}
			if hi, err = number(z, b, f); err != nil {
				return 0, err
			}
			if lo > hi {
				return 0, fmt.Errorf("%s %q: range %d-%d runs backwards", b.name, f, lo, hi)
			}
		default:
			if hasStep {
				return 0, fmt.Errorf("%s %q: a step needs * or a range before it, e.g. */15 or 0-30/5", b.name, f)
			}
			n, err := number(rng, b, f)
			if err != nil {
				return 0, err
			}
			lo, hi = n, n
		}
		step := 1
		if hasStep {
			n, err := strconv.Atoi(stepText)
			if err != nil || !digits(stepText) || n < 1 {
				return 0, fmt.Errorf("%s %q: step %q must be a whole number of at least 1", b.name, f, stepText)
			}
			step = n
		}
		for v := lo; v <= hi; v += step {
			set |= 1 << v
		}
	}
	return set, nil
}

func number(s string, b bounds, field string) (int, error) {
	if !digits(s) || len(s) > 2 {
		return 0, fmt.Errorf("%s %q: %q is not a number (only digits and * / , - are allowed; no names)", b.name, field, s)
	}
	n, _ := strconv.Atoi(s)
	if n < b.min || n > b.max {
		return 0, fmt.Errorf("%s %q: %d is outside %d-%d", b.name, field, n, b.min, b.max)
	}
	return n, nil
}

// HourlyMinute returns M when spec is "M * * * *", the hourly preset.
func HourlyMinute(spec string) (int, bool) {
	m, ok := strings.CutSuffix(strings.TrimSpace(spec), " * * * *")
	if !ok || !digits(m) {
		return 0, false
	}
	n, err := strconv.Atoi(m)
	return n, err == nil && n < 60
}

func digits(s string) bool {
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

// compress writes a set as a comma list with "A-B" for runs.
func compress(set uint64, lo, hi int) string {
	return joinRuns(set, lo, hi, "%d", "%d-%d")
}

// joinRuns writes the values of set between lo and hi as a comma list,
// each single value with one and each run of two or more with span.
func joinRuns(set uint64, lo, hi int, one, span string) string {
	var parts []string
	for v := lo; v <= hi; v++ {
		if set&(1<<v) == 0 {
			continue
		}
		end := v
		for end+1 <= hi && set&(1<<(end+1)) != 0 {
			end++
		}
		if end > v {
			parts = append(parts, fmt.Sprintf(span, v, end))
		} else {
			parts = append(parts, fmt.Sprintf(one, v))
		}
		v = end
	}
	return strings.Join(parts, ",")
}

// dayMatches applies Vixie cron's rule for the two day fields.
func (s Spec) dayMatches(t time.Time) bool {
	dom := s.dom&(1<<t.Day()) != 0
	dow := s.dow&(1<<int(t.Weekday())) != 0
	if s.domStar || s.dowStar {
		return dom && dow
	}
	return dom || dow
}

// Next returns the first run strictly after t, in t's location, or the zero
// time if there is none within 29 years. A wall-clock time that a DST change
// skips is moved forward as time.Date does; cron's own DST handling differs
// in detail, so treat runs near a change as approximate.
func (s Spec) Next(t time.Time) time.Time {
	loc := t.Location()
	start := t.Truncate(time.Minute).Add(time.Minute)
	y, m, d := start.Date()
	day := time.Date(y, m, d, 0, 0, 0, 0, loc)
	for range maxSearch {
		if s.month&(1<<int(day.Month())) != 0 && s.dayMatches(day) {
			for h := 0; h < 24; h++ {
				if s.hour&(1<<h) == 0 {
					continue
				}
				for mi := 0; mi < 60; mi++ {
					if s.minute&(1<<mi) == 0 {
						continue
					}
					c := time.Date(day.Year(), day.Month(), day.Day(), h, mi, 0, 0, loc)
					if !c.Before(start) {
						return c
					}
				}
			}
		}
		y, m, d := day.Date()
		day = time.Date(y, m, d+1, 0, 0, 0, 0, loc)
	}
	return time.Time{}
}

// Next returns the next n run times after from, in from's location.
func Next(spec string, from time.Time, n int) ([]time.Time, error) {
	s, err := Parse(spec)
	if err != nil {
		return nil, err
	}
	out := make([]time.Time, 0, n)
	t := from
	for range n {
		t = s.Next(t)
		if t.IsZero() {
			break
		}
		out = append(out, t)
	}
	return out, nil
}

// RunsPerHourMax is how many times the schedule can run within one clock
// hour: the number of minutes its minute field selects.
func (s Spec) RunsPerHourMax() int { return bits.OnesCount64(s.minute) }

// MoreThanHourly reports whether a schedule runs more often than once an
// hour; ConductorOne only reads the bucket hourly. Invalid expressions
// report false.
func MoreThanHourly(spec string) bool {
	s, err := Parse(spec)
	return err == nil && s.RunsPerHourMax() > 1
}

// HourlyWarning is shown for schedules that run more often than hourly.
const HourlyWarning = "ConductorOne reads the sync file once an hour; running more often adds load on the connector's API without fresher data in ConductorOne"

var describer = func() *lnquy.ExpressionDescriptor {
	d, err := lnquy.NewDescriptor(lnquy.Use24HourTimeFormat(true))
	if err != nil {
		panic(err) // only the embedded English locale is loaded
	}
	return d
}()

// Describe says in plain English when the schedule runs, in server time. It
// echoes the expression when it cannot describe it.
func Describe(spec string) string { return describe(spec, "server time") }

func describe(spec, when string) string {
	s, err := Parse(spec)
	if err != nil {
		return "cron " + spec
	}
	desc, err := describer.ToDescription(s.text, lnquy.Locale_en)
	if err != nil {
		return "cron " + s.text
	}
	return desc + " (" + when + ")"
}

// Preview is what the user is shown before a schedule is used.
type Preview struct {
	// Spec is the expression in normal form.
	Spec        string      `json:"spec"`
	Description string      `json:"description"`
	Next        []time.Time `json:"next"`
	// Warning is set when the schedule runs more often than hourly.
	Warning string `json:"warning,omitempty"`
}

// NewPreview validates spec and describes it, with its next three runs
// after now, in now's location.
func NewPreview(spec string, now time.Time) (Preview, error) {
	s, err := Parse(spec)
	if err != nil {
		return Preview{}, err
	}
	// Cron knows one timezone, the server's; name it, since "02:00" is
	// ambiguous to someone reading this from another zone.
	p := Preview{Spec: s.text, Description: describe(s.text, "server time, "+now.Format("MST"))}
	t := now
	for range 3 {
		if t = s.Next(t); t.IsZero() {
			break
		}
		p.Next = append(p.Next, t)
	}
	if s.RunsPerHourMax() > 1 {
		p.Warning = HourlyWarning
	}
	return p, nil
}

// NextRuns formats the next runs on one line, e.g.
// "Wed 2026-11-25 19:17 UTC, Wed 2026-11-25 20:17 UTC, …".
func (p Preview) NextRuns() string {
	parts := make([]string, len(p.Next))
	for i, t := range p.Next {
		parts[i] = t.Format("Mon 2006-01-02 15:04 MST")
	}
	return strings.Join(parts, ", ")
}

// Print writes the preview as the commands show it: the plain-English
// schedule with its cron spec, the next runs, and any warning.
func (p Preview) Print(w io.Writer) {
	fmt.Fprintf(w, "schedule: %s [%s]\n", p.Description, p.Spec)
	if len(p.Next) > 0 {
		fmt.Fprintf(w, "next runs: %s\n", p.NextRuns())
	}
	if p.Warning != "" {
		fmt.Fprintln(w, "warning: "+p.Warning)
	}
}

// Hourly returns "M * * * *".
func Hourly(minute int) string { return fmt.Sprintf("%d * * * *", minute) }

// RandomMinute picks the minute of an hourly schedule, so that many installs
// do not all run at :00.
func RandomMinute() int { return rand.IntN(60) }

// HourlyAt returns the schedule "every hour at minute M".
func HourlyAt(minute int) (string, error) {
	if minute < 0 || minute > 59 {
		return "", fmt.Errorf("hourly schedule: minute %d is outside 0-59", minute)
	}
	return Hourly(minute), nil
}

// EveryHours returns the schedule "every n hours at minute M", starting at
// midnight. n must divide 24, so the gap is the same across midnight.
func EveryHours(n, minute int) (string, error) {
	if minute < 0 || minute > 59 {
		return "", fmt.Errorf("every-%dh schedule: minute %d is outside 0-59", n, minute)
	}
	switch n {
	case 1:
		return Hourly(minute), nil
	case 2, 3, 4, 6, 8, 12:
		return fmt.Sprintf("%d */%d * * *", minute, n), nil
	}
	return "", fmt.Errorf("every-%dh schedule: the number of hours must be 1, 2, 3, 4, 6, 8 or 12, which divide a day evenly; use daily:HH:MM for once a day, or a custom expression", n)
}

// DailyAt returns the schedule "every day at HH:MM" (server time).
func DailyAt(hour, minute int) (string, error) {
	if hour < 0 || hour > 23 || minute < 0 || minute > 59 {
		return "", fmt.Errorf("daily schedule: %02d:%02d is not a time of day", hour, minute)
	}
	return fmt.Sprintf("%d %d * * *", minute, hour), nil
}

// PresetHelp lists the forms ParsePreset accepts.
const PresetHelp = `hourly (at a random minute), hourly:MM, every-Nh or every-Nh:MM (N = 2, 3, 4, 6, 8 or 12), daily:HH:MM, or five cron fields such as "17 * * * *"`

// ParsePreset reads a schedule given as a preset or as a cron expression
// and returns the cron expression in normal form. randomMinute picks the
// minute when a preset leaves it out.
func ParsePreset(s string, randomMinute func() int) (string, error) {
	s = strings.TrimSpace(s)
	bad := func() error { return fmt.Errorf("schedule %q: want %s", s, PresetHelp) }
	num := func(t, what string, min, max int) (int, error) {
		if !digits(t) || len(t) > 2 {
			return 0, bad()
		}
		n, _ := strconv.Atoi(t)
		if n < min || n > max {
			return 0, fmt.Errorf("schedule %q: %s %d is outside %d-%d", s, what, n, min, max)
		}
		return n, nil
	}
	name, arg, hasArg := strings.Cut(s, ":")
	switch {
	case strings.Contains(s, " "):
		return Normalize(s)
	case name == "hourly" && !hasArg:
		return Hourly(randomMinute()), nil
	case name == "hourly":
		m, err := num(arg, "minute", 0, 59)
		if err != nil {
			return "", err
		}
		return HourlyAt(m)
	case strings.HasPrefix(name, "every-") && strings.HasSuffix(name, "h"):
		// Any two digits: EveryHours says which intervals exist.
		n, err := num(strings.TrimSuffix(strings.TrimPrefix(name, "every-"), "h"), "hour interval", 0, 99)
		if err != nil {
			return "", err
		}
		m := randomMinute()
		if hasArg {
			if m, err = num(arg, "minute", 0, 59); err != nil {
				return "", err
			}
		}
		return EveryHours(n, m)
	case name == "daily" && hasArg:
		hh, mm, ok := strings.Cut(arg, ":")
		if !ok {
			return "", bad()
		}
		h, err := num(hh, "hour", 0, 23)
		if err != nil {
			return "", err
		}
		m, err := num(mm, "minute", 0, 59)
		if err != nil {
			return "", err
		}
		return DailyAt(h, m)
	}
	return "", bad()
}
