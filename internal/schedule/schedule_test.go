package schedule

import (
	"bufio"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // Europe/Berlin etc. without the system's tzdata

	"github.com/conductorone/baton-setup/internal/testenv"
)

func requireTool(t *testing.T, name string) string { t.Helper(); return testenv.RequireTool(t, name) }

func TestParse(t *testing.T) {
	valid := []struct{ in, want string }{
		{"17 * * * *", "17 * * * *"},
		{"  7\t*  * * *  ", "7 * * * *"},
		{"0 */6 * * *", "0 */6 * * *"},
		{"30 2 * * 1-5", "30 2 * * 1-5"},
		{"0 0 * * 7", "0 0 * * 0"},
		{"0 0 * * 5-7", "0 0 * * 0,5-6"},
		{"0 0 * * 1-7", "0 0 * * 0-6"},
		{"0 0 * * 1-7/2", "0 0 * * 0-1,3,5"},
		{"0 0 * * 0,7", "0 0 * * 0"},
		{"0 0 * * */2", "0 0 * * */2"},
		{"0-59/15 * * * *", "0-59/15 * * * *"},
		{"5,35 1-3 1,15 */2 *", "5,35 1-3 1,15 */2 *"},
		{"05 09 * * *", "05 09 * * *"},
		{"0 0 29 2 *", "0 0 29 2 *"},
		{"*/60 * * * *", "*/60 * * * *"},
	}
	for _, tt := range valid {
		got, err := Normalize(tt.in)
		if err != nil || got != tt.want {
			t.Errorf("Normalize(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	invalid := []struct{ in, want string }{
		{"@hourly", "@-shortcuts"},
		{"@every 1h", "@-shortcuts"},
		{"* * * *", "want five fields"},
		{"0 * * * * *", "want five fields"},
		{"", "want five fields"},
		{"0 0 ? * *", `"?" is not a number`},
		{"0 0 * * MON", "no names"},
		{"0 0 * JAN *", "no names"},
		{"0 0 * * MON-FRI", "no names"},
		{"0 0 L * *", "no names"},
		{"0 0 * * 5#2", "no names"},
		{"0 0 15W * *", "no names"},
		{"5/2 * * * *", "a step needs * or a range"},
		{"*/0 * * * *", "step"},
		{"*/x * * * *", "step"},
		{"60 * * * *", "outside 0-59"},
		{"0 24 * * *", "outside 0-23"},
		{"0 0 0 * *", "outside 1-31"},
		{"0 0 * 13 *", "outside 1-12"},
		{"0 0 * * 8", "outside 0-7"},
		{"5-2 * * * *", "runs backwards"},
		{"1,,2 * * * *", "empty item"},
		{"1-2-3 * * * *", "not a number"},
		{"* */2-3 * * *", "step"},
		{"-1 * * * *", "not a number"},
		{"0 0 31 2 *", "never runs"},
		{"0 0 31 4,6,9,11 *", "never runs"},
		{"007 * * * *", "not a number"},
	}
	for _, tt := range invalid {
		_, err := Normalize(tt.in)
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("Normalize(%q) error = %v; want one containing %q", tt.in, err, tt.want)
		}
	}
}

func TestDescribe(t *testing.T) {
	for _, tt := range []struct{ spec, want string }{
		{"7 * * * *", "At 7 minutes past the hour (server time)"},
		{"30 2 * * 1-5", "At 02:30, Monday through Friday (server time)"},
		{"0 */6 * * *", "At 0 minutes past the hour, every 6 hours (server time)"},
		{"15 14 * * *", "At 14:15 (server time)"},
		{"0 0 * * 7", "At 00:00, only on Sunday (server time)"},
		{"@every 1h", "cron @every 1h"},
	} {
		if got := Describe(tt.spec); got != tt.want {
			t.Errorf("Describe(%q) = %q, want %q", tt.spec, got, tt.want)
		}
	}
}

func TestPreview(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 28, 23, 50, 0, 0, berlin)
	p, err := NewPreview("17 * * * *", now)
	if err != nil {
		t.Fatal(err)
	}
	// 02:17 does not exist on 29 March 2026 in Berlin (clocks jump 02:00 -> 03:00).
	want := "Sun 2026-03-29 00:17 CET, Sun 2026-03-29 01:17 CET, Sun 2026-03-29 03:17 CEST"
	if got := p.NextRuns(); got != want {
		t.Errorf("NextRuns = %q, want %q", got, want)
	}
	if p.Description != "At 17 minutes past the hour (server time, CET)" || p.Warning != "" {
		t.Errorf("preview %+v", p)
	}
	p, err = NewPreview("*/20 * * * *", now)
	if err != nil || p.Warning != HourlyWarning || len(p.Next) != 3 {
		t.Errorf("every 20 minutes: %+v, %v", p, err)
	}
	if _, err := NewPreview("0 0 * * MON", now); err == nil {
		t.Error("preview accepted a name")
	}
}

func TestMoreThanHourly(t *testing.T) {
	for spec, want := range map[string]bool{
		"17 * * * *":    false,
		"0 */2 * * *":   false,
		"30 2 * * *":    false,
		"0,30 * * * *":  true,
		"*/5 * * * *":   true,
		"0-1 3 * * *":   true,
		"* * * * *":     true,
		"not a cron":    false,
		"*/60 * * * *":  false,
		"0-59/30 * * *": false, // invalid: four fields
	} {
		if got := MoreThanHourly(spec); got != want {
			t.Errorf("MoreThanHourly(%q) = %v, want %v", spec, got, want)
		}
	}
}

func TestPresets(t *testing.T) {
	fixed := func() int { return 42 }
	for _, tt := range []struct{ in, want, wantErr string }{
		{in: "hourly", want: "42 * * * *"},
		{in: "hourly:7", want: "7 * * * *"},
		{in: "hourly:60", wantErr: `"hourly:60": minute 60 is outside 0-59`},
		{in: "every-2h:99", wantErr: `minute 99 is outside 0-59`},
		{in: "every-6h", want: "42 */6 * * *"},
		{in: "every-2h:5", want: "5 */2 * * *"},
		{in: "every-1h:5", want: "5 * * * *"},
		{in: "every-5h", wantErr: "must be 1, 2, 3, 4, 6, 8 or 12"},
		{in: "every-0h", wantErr: "must be 1, 2, 3, 4, 6, 8 or 12"},
		{in: "every-24h", wantErr: "every-24h schedule: the number of hours must be 1, 2, 3, 4, 6, 8 or 12, which divide a day evenly; use daily:HH:MM for once a day"},
		{in: "every-25h", wantErr: "every-25h schedule: the number of hours must be 1, 2, 3, 4, 6, 8 or 12"},
		{in: "daily:02:30", want: "30 2 * * *"},
		{in: "daily:2:30", want: "30 2 * * *"},
		{in: "daily:24:00", wantErr: `"daily:24:00": hour 24 is outside 0-23`},
		{in: "daily:02:61", wantErr: `minute 61 is outside 0-59`},
		{in: "daily", wantErr: "want hourly"},
		{in: "weekly", wantErr: "want hourly"},
		{in: "30 2 * * 7", want: "30 2 * * 0"},
		{in: "30 2 * * SUN", wantErr: "no names"},
	} {
		got, err := ParsePreset(tt.in, fixed)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("ParsePreset(%q) = %q, %v; want error with %q", tt.in, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("ParsePreset(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := HourlyAt(-1); err == nil {
		t.Error("HourlyAt(-1) accepted")
	}
	if s, err := DailyAt(23, 59); err != nil || s != "59 23 * * *" {
		t.Errorf("DailyAt(23, 59) = %q, %v", s, err)
	}
	for range 100 {
		if m := RandomMinute(); m < 0 || m > 59 {
			t.Fatalf("RandomMinute() = %d", m)
		}
	}
}

// TestVixieDaySemantics pins the rule Debian cron applies to the two day
// fields, where robfig/cron differs: a field that starts with '*' counts as
// unrestricted even as "*/2", so the days must match both fields.
func TestVixieDaySemantics(t *testing.T) {
	from := time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC) // a Monday
	for _, tt := range []struct {
		spec string
		want []string
	}{
		// Both restricted: either field matches (the 1st, the 15th, every Friday).
		{"30 4 1,15 * 5", []string{"2026-06-01", "2026-06-05", "2026-06-12", "2026-06-15", "2026-06-19"}},
		// "*/2" starts with '*': odd days that are also Mondays.
		{"0 0 */2 * 1", []string{"2026-06-01", "2026-06-15", "2026-06-29", "2026-07-13", "2026-07-27"}},
		// "1-31/2" does not: odd days, plus every Monday.
		{"0 0 1-31/2 * 1", []string{"2026-06-01", "2026-06-03", "2026-06-05", "2026-06-07", "2026-06-08"}},
	} {
		got, err := Next(tt.spec, from.Add(-time.Minute), len(tt.want))
		if err != nil {
			t.Fatal(err)
		}
		var days []string
		for _, g := range got {
			days = append(days, g.Format("2006-01-02"))
		}
		if !slices.Equal(days, tt.want) {
			t.Errorf("%s: runs on %v, want %v", tt.spec, days, tt.want)
		}
	}
}

// randomField makes one field in the accepted grammar. With plainStar, a
// '*' only ever stands alone, which is where robfig/cron and Vixie cron
// agree on the day fields.
func randomField(r *rand.Rand, lo, hi int, plainStar bool) string {
	item := func() string {
		a := lo + r.IntN(hi-lo+1)
		b := a + r.IntN(hi-a+1)
		switch r.IntN(5) {
		case 0:
			return fmt.Sprint(a)
		case 1:
			return fmt.Sprintf("%d-%d", a, b)
		case 2:
			return fmt.Sprintf("%d-%d/%d", a, b, 1+r.IntN(hi-lo+1))
		case 3:
			if !plainStar {
				return fmt.Sprintf("*/%d", 1+r.IntN(hi-lo))
			}
		}
		return fmt.Sprint(a)
	}
	if r.IntN(3) == 0 {
		return "*"
	}
	parts := []string{item()}
	for r.IntN(3) == 0 {
		parts = append(parts, item())
	}
	return strings.Join(parts, ",")
}

func randomSpecs(seed uint64, n int, plainStarDays bool) []string {
	r := rand.New(rand.NewPCG(seed, 7))
	var out []string
	for len(out) < n {
		spec := strings.Join([]string{
			randomField(r, 0, 59, false),
			randomField(r, 0, 23, false),
			randomField(r, 1, 31, plainStarDays),
			randomField(r, 1, 12, false),
			randomField(r, 0, 7, plainStarDays),
		}, " ")
		if s, err := Normalize(spec); err == nil {
			out = append(out, s)
		}
	}
	return out
}

// TestNextAgreesWithRobfig checks the run-time computation against
// robfig/cron on random expressions where the two agree on semantics.
func TestNextAgreesWithRobfig(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, spec := range randomSpecs(1, 400, true) {
		sched, err := robfigParser.Parse(spec)
		if err != nil {
			t.Fatalf("robfig rejects %q: %v", spec, err)
		}
		from := time.Date(2024+r.IntN(6), time.Month(1+r.IntN(12)), 1+r.IntN(28), r.IntN(24), r.IntN(60), r.IntN(60), 0, time.UTC)
		got, err := Next(spec, from, 5)
		if err != nil {
			t.Fatal(err)
		}
		want := from
		for i := range got {
			want = sched.Next(want)
			if !got[i].Equal(want) {
				t.Fatalf("%q from %v: run %d is %v, robfig says %v", spec, from, i, got[i], want)
			}
		}
	}
}

// TestOnCalendarAgreesWithSystemd asks systemd-analyze when each converted
// timer would elapse and compares with the cron expression's runs.
func TestOnCalendarAgreesWithSystemd(t *testing.T) {
	analyze := requireTool(t, "systemd-analyze")
	specs := append([]string{
		"17 * * * *", "0 */6 * * *", "30 2 * * 1-5", "30 4 1,15 * 5", "0 0 */2 * 1",
		"0 0 1-31/2 * 1", "5,35 1-3 1,15 */2 *", "0 12 * * 0", "0 0 29 2 *", "*/20 9-17 * * 1-5",
	}, randomSpecs(2, 60, false)...)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	const n = 6
	for _, spec := range specs {
		events, err := OnCalendar(spec)
		if err != nil {
			t.Fatal(err)
		}
		var got []time.Time
		for _, ev := range events {
			got = append(got, elapses(t, analyze, ev, base, n)...)
		}
		slices.SortFunc(got, func(a, b time.Time) int { return a.Compare(b) })
		got = slices.CompactFunc(got, func(a, b time.Time) bool { return a.Equal(b) })
		if len(got) > n {
			got = got[:n]
		}
		want, err := Next(spec, base.Add(-time.Minute), n)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.EqualFunc(got, want, func(a, b time.Time) bool { return a.Equal(b) }) {
			t.Errorf("%q -> OnCalendar %q\n systemd: %v\n cron:    %v", spec, events, got, want)
		}
	}
}

func elapses(t *testing.T, analyze, event string, base time.Time, n int) []time.Time {
	t.Helper()
	cmd := exec.Command(analyze, "calendar", "--iterations="+fmt.Sprint(n), "--base-time="+base.Add(-time.Second).Format("2006-01-02 15:04:05 UTC"), event)
	cmd.Env = append(os.Environ(), "TZ=UTC")
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("systemd-analyze calendar %q: %v\n%s", event, err, out)
	}
	var times []time.Time
	sc := bufio.NewScanner(strings.NewReader(string(out)))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		_, rest, ok := strings.Cut(line, ": ")
		if !ok || !(strings.HasPrefix(line, "Next elapse:") || strings.HasPrefix(line, "Iter. #")) {
			continue
		}
		tm, err := time.Parse("Mon 2006-01-02 15:04:05 MST", rest)
		if err != nil {
			t.Fatalf("parse %q: %v", line, err)
		}
		times = append(times, tm.UTC())
	}
	return times
}

func TestOnCalendar(t *testing.T) {
	for _, tt := range []struct {
		spec string
		want []string
	}{
		{"17 * * * *", []string{"*-*-* *:17:00"}},
		{"7 2 * * *", []string{"*-*-* 02:07:00"}},
		{"0 */6 * * *", []string{"*-*-* 00,06,12,18:00:00"}},
		{"30 2 * * 1-5", []string{"Mon..Fri *-*-* 02:30:00"}},
		{"0 0 * * 0,6", []string{"Sat..Sun *-*-* 00:00:00"}},
		{"30 4 1,15 * 5", []string{"Fri *-*-* 04:30:00", "*-*-01,15 04:30:00"}},
		{"0 0 */2 * 1", []string{"Mon *-*-01,03,05,07,09,11,13,15,17,19,21,23,25,27,29,31 00:00:00"}},
	} {
		got, err := OnCalendar(tt.spec)
		if err != nil || !slices.Equal(got, tt.want) {
			t.Errorf("OnCalendar(%q) = %q, %v; want %q", tt.spec, got, err, tt.want)
		}
	}
}

func TestHourlyMinute(t *testing.T) {
	for spec, want := range map[string]int{"17 * * * *": 17, "0 * * * *": 0} {
		if got, ok := HourlyMinute(spec); !ok || got != want {
			t.Errorf("HourlyMinute(%q) = %d, %v", spec, got, ok)
		}
	}
	for _, spec := range []string{"17 2 * * *", "*/5 * * * *", "61 * * * *", "", "17 * * *"} {
		if _, ok := HourlyMinute(spec); ok {
			t.Errorf("HourlyMinute(%q) accepted", spec)
		}
	}
}
