package render

import (
	"bytes"
	"maps"
	"slices"
	"strings"
	"testing"

	"howett.net/plist"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schedule"
)

// launchdAgent is what launchd reads of the agent (launchd.plist(5)).
type launchdAgent struct {
	Label                 string
	ProgramArguments      []string
	WorkingDirectory      string
	StandardOutPath       string
	StandardErrorPath     string
	StartCalendarInterval []map[string]int
}

// parseAgent reads a rendered agent as a property list, the check that
// plutil -lint makes on macOS: an XML property list with Apple's DOCTYPE,
// holding only the keys we write, each of launchd's type.
func parseAgent(t *testing.T, data []byte) launchdAgent {
	t.Helper()
	if !bytes.Contains(data, []byte(`<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">`)) {
		t.Error("no plist DOCTYPE")
	}
	var raw map[string]any
	format, err := plist.Unmarshal(data, &raw)
	if err != nil {
		t.Fatalf("not a property list: %v\n%s", err, data)
	}
	if format != plist.XMLFormat {
		t.Errorf("format %s, want XML", plist.FormatNames[format])
	}
	keys := slices.Sorted(maps.Keys(raw))
	want := []string{"Label", "ProgramArguments", "StandardErrorPath", "StandardOutPath", "StartCalendarInterval", "WorkingDirectory"}
	if !slices.Equal(keys, want) {
		t.Errorf("keys %q, want %q", keys, want)
	}
	for _, entry := range raw["StartCalendarInterval"].([]any) {
		for k, v := range entry.(map[string]any) {
			if _, ok := v.(uint64); !ok || !slices.Contains([]string{"Month", "Day", "Weekday", "Hour", "Minute"}, k) {
				t.Errorf("StartCalendarInterval entry %s = %#v: want one of launchd's keys with an <integer>", k, v)
			}
		}
	}
	var agent launchdAgent
	if _, err := plist.Unmarshal(data, &agent); err != nil {
		t.Fatalf("decode the agent: %v", err)
	}
	return agent
}

// TestLaunchdAgent renders the agent for several schedules and checks that
// it is a property list that runs sync.sh with its output in sync.log, at
// the times schedule.CalendarIntervals gives (which its own tests hold to
// cron's), with the launchctl commands to load and remove it.
func TestLaunchdAgent(t *testing.T) {
	s3 := plan.Destination{Kind: plan.DestS3, Bucket: "acme-baton", Key: "baton/okta/sync.c1z"}
	for _, spec := range []string{"17 * * * *", "30 4 1,15 * 5", "0 */6 * * 1-5", "15 3 1 1,7 *", "* * * * *"} {
		t.Run(spec, func(t *testing.T) {
			// XML's special characters in a path: & < > ' "
			dir := `/Users/o&p <x> 'y' "z"/Library/Application Support/baton-setup/okta-prod`
			p := testPlan(dir, s3, spec)
			files, err := Files(p, Options{Self: "/opt/homebrew/bin/baton-setup", Scheduler: SchedulerLaunchd, Home: "/Users/o&p"})
			if err != nil {
				t.Fatal(err)
			}
			var agent File
			for _, f := range files {
				if strings.HasSuffix(f.Name, ".plist") {
					agent = f
				}
			}
			wantPath := "/Users/o&p/Library/LaunchAgents/com.conductorone.baton-setup.okta-prod.plist"
			if agent.Path != wantPath || agent.Name != "com.conductorone.baton-setup.okta-prod.plist" || agent.Mode != 0o644 || agent.Secret {
				t.Fatalf("agent file %+v, want %s (0644)", agent, wantPath)
			}
			got := parseAgent(t, agent.Content)
			if got.Label != "com.conductorone.baton-setup.okta-prod" || !slices.Equal(got.ProgramArguments, []string{dir + "/sync.sh"}) ||
				got.WorkingDirectory != dir || got.StandardOutPath != dir+"/sync.log" || got.StandardErrorPath != dir+"/sync.log" {
				t.Errorf("agent %+v", got)
			}
			entries, err := schedule.CalendarIntervals(spec)
			if err != nil {
				t.Fatal(err)
			}
			var want []map[string]int
			for _, e := range entries {
				m := map[string]int{}
				for _, f := range e {
					m[f.Key] = f.Value
				}
				want = append(want, m)
			}
			if !slices.EqualFunc(got.StartCalendarInterval, want, maps.Equal) {
				t.Errorf("StartCalendarInterval %v, want %v", got.StartCalendarInterval, want)
			}
		})
	}

	install, remove := LaunchdCommands("/Users/op/Library/LaunchAgents/com.conductorone.baton-setup.demo.plist", "com.conductorone.baton-setup.demo")
	wantInstall := []string{
		"launchctl enable gui/$(id -u)/com.conductorone.baton-setup.demo",
		"launchctl bootstrap gui/$(id -u) /Users/op/Library/LaunchAgents/com.conductorone.baton-setup.demo.plist",
	}
	wantRemove := []string{
		"launchctl bootout gui/$(id -u)/com.conductorone.baton-setup.demo",
		"rm /Users/op/Library/LaunchAgents/com.conductorone.baton-setup.demo.plist",
	}
	if !slices.Equal(install, wantInstall) || !slices.Equal(remove, wantRemove) {
		t.Errorf("LaunchdCommands = %q, %q", install, remove)
	}
}
