package schedule

import "fmt"

// CalendarInterval is one entry of a launchd job's StartCalendarInterval
// (launchd.plist(5)): the job starts when every field it sets matches the
// local time; a field it leaves out matches any value.
type CalendarInterval []CalendarField

// CalendarField is one key of a CalendarInterval, such as Minute 17.
type CalendarField struct {
	// Key is Month, Day, Weekday, Hour or Minute.
	Key   string
	Value int
}

// maxCalendarIntervals bounds the entries one schedule may need: launchd
// has no ranges or steps, so each combination of listed values is an entry.
const maxCalendarIntervals = 1000

// CalendarIntervals returns the launchd StartCalendarInterval entries that
// start a job at the same times as a cron expression.
//
// launchd matches an entry with Weekday on that weekday alone, ignoring
// Month, and an entry with both Day and Weekday on either one. So a
// schedule that needs a weekday in some months only, or a day of the month
// that is also a given weekday (cron's rule when one day field starts with
// '*', as in "*/2"), has no launchd equivalent and is refused.
func CalendarIntervals(spec string) ([]CalendarInterval, error) {
	s, err := Parse(spec)
	if err != nil {
		return nil, err
	}
	refuse := func(why string) ([]CalendarInterval, error) {
		return nil, fmt.Errorf("schedule %q: launchd cannot run it: %s; schedule it with cron instead, or choose a schedule without that", s.text, why)
	}
	days, weekdays := values("Day", s.dom, 1, 31), values("Weekday", s.dow, 0, 6)
	var dayParts [][]CalendarField
	usesWeekday := false
	// bothDays is cron's rule that a run needs both day fields to match.
	switch bothDays := s.domStar || s.dowStar; {
	case days == nil && weekdays == nil, !bothDays && (days == nil || weekdays == nil):
		// Every day: an unrestricted field, or one of the two matches all.
		dayParts = [][]CalendarField{nil}
	case bothDays && days != nil && weekdays != nil:
		return refuse("it needs days of the month that are also given days of the week")
	default:
		// One restricted field, or cron's either-or of two.
		dayParts = append(days, weekdays...)
		usesWeekday = weekdays != nil
	}
	months := values("Month", s.month, 1, 12)
	if usesWeekday && months != nil {
		return refuse("it names days of the week in some months only, and launchd ignores the month beside a weekday")
	}
	months, hours, minutes := orAny(months), orAny(values("Hour", s.hour, 0, 23)), orAny(values("Minute", s.minute, 0, 59))
	var out []CalendarInterval
	for _, d := range dayParts {
		for _, m := range months {
			for _, h := range hours {
				for _, mi := range minutes {
					var ci CalendarInterval
					for _, part := range [][]CalendarField{m, d, h, mi} {
						ci = append(ci, part...)
					}
					out = append(out, ci)
				}
			}
		}
		if len(out) > maxCalendarIntervals {
			return refuse(fmt.Sprintf("it needs more than %d StartCalendarInterval entries", maxCalendarIntervals))
		}
	}
	return out, nil
}

// values lists a set as one-field parts, or returns nil when it holds every
// value from lo to hi.
func values(key string, set uint64, lo, hi int) [][]CalendarField {
	var out [][]CalendarField
	for v := lo; v <= hi; v++ {
		if set&(1<<v) != 0 {
			out = append(out, []CalendarField{{key, v}})
		}
	}
	if len(out) == hi-lo+1 {
		return nil
	}
	return out
}

// orAny turns "every value" (nil) into one empty part, which sets no key.
func orAny(parts [][]CalendarField) [][]CalendarField {
	if parts == nil {
		return [][]CalendarField{nil}
	}
	return parts
}
