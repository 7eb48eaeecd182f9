package cli

import (
	"context"
	"errors"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/iostreams"
)

// TestTimelimitFlags checks that timelimit reads timeout(1)'s -s and -k
// and leaves everything after the duration to the command.
func TestTimelimitFlags(t *testing.T) {
	parse := func(args ...string) (*TimelimitOptions, error) {
		ios, _, _, _ := iostreams.Test()
		var got *TimelimitOptions
		cmd := newTimelimitCmd(&Factory{IO: ios}, func(_ context.Context, o *TimelimitOptions) error { got = o; return nil })
		argsAreFlags(cmd)
		cmd.SetArgs(args)
		cmd.SilenceUsage, cmd.SilenceErrors = true, true
		err := cmd.ExecuteContext(context.Background())
		return got, err
	}
	o, err := parse("-s", "INT", "-k", "60", "3600", "/opt/baton-okta", "--file", "/w/next.c1z", "-v")
	if err != nil {
		t.Fatal(err)
	}
	if o.Signal != syscall.SIGINT || o.KillAfter != time.Minute || o.Limit != time.Hour ||
		!slices.Equal(o.Command, []string{"/opt/baton-okta", "--file", "/w/next.c1z", "-v"}) {
		t.Errorf("options = %+v", o)
	}
	if o, err = parse("5m", "sleep", "1"); err != nil || o.Signal != syscall.SIGTERM || o.KillAfter != 0 || o.Limit != 5*time.Minute {
		t.Errorf("defaults: %+v, %v", o, err)
	}
	for _, bad := range [][]string{{"10"}, {"ten", "sleep"}, {"-s", "NOPE", "1", "sleep"}, {"-k", "x", "1", "sleep"}} {
		var flagErr *FlagError
		if _, err := parse(bad...); !errors.As(err, &flagErr) {
			t.Errorf("%q: %v, want a usage error", bad, err)
		}
	}
}
