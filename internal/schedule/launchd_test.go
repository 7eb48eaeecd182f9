package schedule

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// launchdDay returns the minutes of day d at which launchd starts a job
// with these entries, by launchd's own rule (calendarinterval_setalarm in
// its source): Minute and Hour must match when set; an entry with Weekday
// matches on that weekday whatever the month, or, when it also has Day, on
// that day of a matching month too; an entry without Weekday matches on
// Day (when set) of a matching Month (when set). There is no launchd here,
// so this is the stand-in for what TestOnCalendarAgreesWithSystemd asks
// systemd-analyze.
func launchdDay(entries []CalendarInterval, d time.Time) (minutes [24 * 60]bool) {
	for _, e := range entries {
		f := map[string]int{}
		for _, kv := range e {
			f[kv.Key] = kv.Value
		}
		is := func(key string, v int) bool {
			want, set := f[key]
			return !set || want == v
		}
		_, hasDay := f["Day"]
		wday, hasWeekday := f["Weekday"]
		dateOK := is("Month", int(d.Month())) && is("Day", d.Day())
		var day bool
		switch {
		case hasWeekday && hasDay:
			day = int(d.Weekday()) == wday%7 || dateOK
		case hasWeekday:
			day = int(d.Weekday()) == wday%7
		default:
			day = dateOK
		}
		if !day {
			continue
		}
		hours, mins := []int{f["Hour"]}, []int{f["Minute"]}
		if _, ok := f["Hour"]; !ok {
			hours = nil
			for h := range 24 {
				hours = append(hours, h)
			}
		}
		if _, ok := f["Minute"]; !ok {
			mins = nil
			for m := range 60 {
				mins = append(mins, m)
			}
		}
		for _, h := range hours {
			for _, m := range mins {
				minutes[h*60+m] = true
			}
		}
	}
	return minutes
}

// TestCalendarIntervalsAgreeWithCron checks, minute by minute over two
// months around 29 February 2028, that launchd would start the job exactly
// when cron would.
func TestCalendarIntervalsAgreeWithCron(t *testing.T) {
	specs := append([]string{
		"17 * * * *", "0 */6 * * *", "30 2 * * 1-5", "30 4 1,15 * 5", "0 0 1-31/2 * 1",
		"5,35 1-3 1,15 */2 *", "0 12 * * 0", "0 12 * * 7", "0 0 29 2 *", "*/20 9-17 * * 1-5", "* * * * *",
		"0 0 */2 * *", "0 0 * * */2", "0 0 1-31 * 1", "0 0 1 * 0-6", "15 3 * 1,7 *",
	}, append(randomSpecs(5, 150, false), randomSpecs(6, 150, true)...)...)
	start := time.Date(2028, 1, 25, 0, 0, 0, 0, time.UTC)
	end := start.AddDate(0, 0, 61)
	checked := 0
	for _, spec := range specs {
		entries, err := CalendarIntervals(spec)
		if err != nil {
			if !launchdCannot(t, spec) {
				t.Errorf("%q: %v", spec, err)
			}
			continue
		}
		checked++
		s, _ := Parse(spec)
		for d := start; d.Before(end); d = d.AddDate(0, 0, 1) {
			if got, want := launchdDay(entries, d), cronDay(s, d); got != want {
				t.Errorf("%q on %s: launchd and cron start it at different times (entries %v)", spec, d.Format("Mon 2006-01-02"), entries)
				break
			}
		}
	}
	if checked < 150 {
		t.Errorf("only %d of %d schedules were convertible", checked, len(specs))
	}
}

// cronDay returns the minutes of day d at which cron runs s, by the rule
// Spec.Next follows (TestNextAgreesWithRobfig and
// TestOnCalendarAgreesWithSystemd check it against two other schedulers).
func cronDay(s Spec, d time.Time) (minutes [24 * 60]bool) {
	if s.month&(1<<int(d.Month())) == 0 || !s.dayMatches(d) {
		return minutes
	}
	for h := range 24 {
		for m := range 60 {
			minutes[h*60+m] = s.hour&(1<<h) != 0 && s.minute&(1<<m) != 0
		}
	}
	return minutes
}

// launchdCannot says whether a schedule is one launchd has no equivalent
// for: both day fields restricted where cron needs both to match, or a
// weekday in some months only.
func launchdCannot(t *testing.T, spec string) bool {
	s, err := Parse(spec)
	if err != nil {
		t.Fatal(err)
	}
	const allDom, allDow, allMonths = uint64(0xfffffffe), uint64(0x7f), uint64(0x1ffe)
	domAll, dowAll := s.dom&allDom == allDom, s.dow&allDow == allDow
	bothDays := s.domStar || s.dowStar
	usesWeekday := !dowAll && (bothDays || !domAll)
	return bothDays && !domAll && !dowAll || usesWeekday && s.month&allMonths != allMonths
}

func TestCalendarIntervals(t *testing.T) {
	for _, tt := range []struct {
		spec string
		want string
	}{
		{"17 * * * *", "{Minute 17}"},
		{"7 2 * * *", "{Hour 2, Minute 7}"},
		{"0 */6 * * *", "{Hour 0, Minute 0} {Hour 6, Minute 0} {Hour 12, Minute 0} {Hour 18, Minute 0}"},
		{"30 4 1,15 * 5", "{Day 1, Hour 4, Minute 30} {Day 15, Hour 4, Minute 30} {Weekday 5, Hour 4, Minute 30}"},
		{"0 12 * * 7", "{Weekday 0, Hour 12, Minute 0}"},
		{"15 3 1 1,7 *", "{Month 1, Day 1, Hour 3, Minute 15} {Month 7, Day 1, Hour 3, Minute 15}"},
		{"* * * * *", "{}"},
	} {
		got, err := CalendarIntervals(tt.spec)
		var parts []string
		for _, e := range got {
			var kv []string
			for _, f := range e {
				kv = append(kv, fmt.Sprintf("%s %d", f.Key, f.Value))
			}
			parts = append(parts, "{"+strings.Join(kv, ", ")+"}")
		}
		if err != nil || strings.Join(parts, " ") != tt.want {
			t.Errorf("CalendarIntervals(%q) = %s, %v; want %s", tt.spec, strings.Join(parts, " "), err, tt.want)
		}
	}
	for spec, want := range map[string]string{
		"0 0 */2 * 1":      "days of the month that are also given days of the week",
		"0 9 * 12 1-5":     "launchd ignores the month beside a weekday",
		"0 9 1 12 1":       "launchd ignores the month beside a weekday",
		"*/2 */2 1-3 * *":  "more than 1000",
		"@hourly":          "@-shortcuts",
		"0 0 31 2 *":       "never runs",
		"1-59 0-22 * * *":  "more than 1000",
		"0 0 1-31/2 12 1":  "launchd ignores the month beside a weekday",
		"0,30 * * * 1,2,3": "",
	} {
		_, err := CalendarIntervals(spec)
		if want == "" {
			if err != nil {
				t.Errorf("CalendarIntervals(%q): %v", spec, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("CalendarIntervals(%q) error = %v, want %q", spec, err, want)
		}
		if err != nil && !slices.Contains([]string{"@-shortcuts", "never runs"}, want) && !strings.Contains(err.Error(), "schedule it with cron instead") {
			t.Errorf("CalendarIntervals(%q) error %q offers no way out", spec, err)
		}
	}
}
