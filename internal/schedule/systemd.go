package schedule

import (
	"strings"
)

var weekdays = [7]string{"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"}

// OnCalendar returns the systemd.time(7) calendar events equivalent to a
// cron expression, one per OnCalendar= line. It is usually one; two when
// both day fields are restricted, because cron then runs on either match
// while one systemd event requires both.
func OnCalendar(spec string) ([]string, error) {
	s, err := Parse(spec)
	if err != nil {
		return nil, err
	}
	const allDays = uint64(0x7f)
	date := func(dom uint64) string {
		return "*-" + calList(s.month, 1, 12) + "-" + calList(dom, 1, 31)
	}
	clock := calList(s.hour, 0, 23) + ":" + calList(s.minute, 0, 59) + ":00"
	withDow := func(dow uint64, d string) string {
		if dow&allDays == allDays {
			return d + " " + clock
		}
		return weekdayList(dow) + " " + d + " " + clock
	}
	if s.domStar || s.dowStar {
		return []string{withDow(s.dow, date(s.dom))}, nil
	}
	return []string{
		withDow(s.dow, date(fullDays)),
		date(s.dom) + " " + clock,
	}, nil
}

const fullDays = uint64(0xfffffffe) // bits 1-31

// calList writes a set as systemd does: "*" for every value, otherwise a
// comma list with "A..B" for runs, two digits each.
func calList(set uint64, lo, hi int) string {
	all := true
	for v := lo; v <= hi; v++ {
		if set&(1<<v) == 0 {
			all = false
			break
		}
	}
	if all {
		return "*"
	}
	return joinRuns(set, lo, hi, "%02d", "%02d..%02d")
}

// weekdayList writes a day-of-week set with systemd's names, Monday first
// as systemd prints them, with "A..B" for runs.
func weekdayList(set uint64) string {
	// Monday-first order keeps Mon..Fri a single run; Sunday is index 0 in
	// the set and comes last.
	order := []int{1, 2, 3, 4, 5, 6, 0}
	var parts []string
	for i := 0; i < len(order); i++ {
		if set&(1<<order[i]) == 0 {
			continue
		}
		j := i
		for j+1 < len(order) && set&(1<<order[j+1]) != 0 {
			j++
		}
		if j > i {
			parts = append(parts, weekdays[order[i]]+".."+weekdays[order[j]])
		} else {
			parts = append(parts, weekdays[order[i]])
		}
		i = j
	}
	return strings.Join(parts, ",")
}
