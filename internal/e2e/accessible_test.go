package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/conductorone/baton-setup/internal/testenv"
)

// wizardEnv is a clean environment with a UTF-8 locale and none of the
// caller's terminal, tmux, colour or accessibility settings.
func wizardEnv(home string, extra ...string) []string {
	var env []string
	for _, kv := range testenv.CleanEnv(home) {
		switch name, _, _ := strings.Cut(kv, "="); {
		case strings.HasPrefix(name, "TMUX"), strings.HasPrefix(name, "LC_"), name == "LANG", name == "TERM",
			name == "NO_COLOR", name == "ACCESSIBLE", name == "COLORTERM", name == "CLICOLOR_FORCE",
			name == "CI": // termenv takes CI=… for "no terminal" and drops colour
			continue
		}
		env = append(env, kv)
	}
	return append(append(env, "LANG=C.UTF-8"), extra...)
}

// TestAccessibleWizard walks the whole wizard as line prompts: demo
// connector, settings with a secret typed without echo, a real test sync
// reported in text lines, a local destination, the hourly schedule, the
// review and the files.
func TestAccessibleWizard(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		env  []string
		args []string
	}{
		{"flag", []string{"TERM=xterm-256color"}, []string{"--accessible"}},
		{"dumb terminal", []string{"TERM=dumb"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			env, table := fakeCrontab(t, home, wizardEnv(home, tc.env...))
			s := testenv.StartPTY(t, env, bin, tc.args...)

			s.Expect("Step 1/7 · Connector", uiWait)
			s.Expect("Which connector do you want to set up?", uiWait)
			s.Expect("1. demo — built-in demo, no credentials needed", uiWait)
			s.Expect("the number 1", uiWait)
			s.SendLine("1")

			s.Expect("Step 2/7 · Settings (profile demo)", uiWait)
			// Each field's help comes before its prompt, as on screen.
			s.Expect("Name of the demo tenant to sync (any text)\r\nBATON_TENANT", uiWait)
			s.Expect("Tenant *", uiWait)
			s.SendLine("acme")
			s.Expect(`any value works except "invalid"`, uiWait)
			s.Expect("API key *", uiWait)
			s.Expect("(Enter keeps 1)", uiWait)
			s.SendLine("")
			s.Expect("API key value", uiWait)
			s.SendSecret(canary, uiWait)
			s.Expect(`(Enter keeps "20")`, uiWait)
			s.Expect("Number of users", uiWait)
			s.SendLine("")
			s.Expect("Include roles", uiWait)
			s.SendLine("")

			s.Expect("Step 3/7 · Test sync", uiWait)
			s.Expect("Running the demo connector…", uiWait)
			s.Expect("synced 20 user resources", syncWait)
			s.Expect("✓ Test sync finished", syncWait)
			s.Expect("What next?", uiWait)
			s.Expect("1. continue", uiWait)
			s.SendLine("1")

			s.Expect("Step 4/7 · Destination", uiWait)
			s.Expect("2. A local file that I upload by hand", uiWait)
			s.SendLine("2")

			// The S3 group is hidden for a local file: no bucket question.
			s.Expect("Step 5/7 · Schedule", uiWait)
			between := s.Output()
			if strings.Contains(between[strings.LastIndex(between, "Step 4/7"):], "Bucket") {
				t.Errorf("the hidden S3 fields were asked:\n%s", between)
			}
			s.Expect("How often should the sync run?", uiWait)
			screen := s.Expect("Enter a number between 1 and 2", uiWait)
			m := regexp.MustCompile(`Every hour at minute (\d+) `).FindStringSubmatch(screen)
			if m == nil {
				t.Fatalf("no minute on the schedule prompt:\n%s", screen)
			}
			s.SendLine("")

			s.Expect("Step 6/7 · Review (profile demo)", uiWait)
			review := s.Expect("Profile name", uiWait)
			for _, want := range []string{"tenant", "acme", "a local file you upload by hand", "(" + m[1] + " * * * *)"} {
				if !strings.Contains(review, want) {
					t.Errorf("review lacks %q:\n%s", want, review)
				}
			}
			s.SendLine("")
			s.Expect("Install the crontab entry now?", uiWait)
			s.SendLine("y")
			s.Expect("Write the files?", uiWait)
			s.SendLine("")

			s.Expect("Step 7/7 · Done", uiWait)
			s.Expect("✓ Setup written", uiWait)
			s.Expect("Installed in your crontab:", uiWait)
			s.Expect("Run it now as the schedule will? [Y/n]", uiWait)
			s.SendLine("n")
			s.Expect("baton-setup verify --profile demo", uiWait)
			if code := s.Wait(uiWait); code != 0 {
				t.Fatalf("exit %d; output:\n%s", code, tail(s.Output(), 3000))
			}
			out := s.Output()
			if !regexp.MustCompile(`wrote \d+ files; run \S+/sync.sh`).MatchString(out) {
				t.Errorf("no closing line:\n%s", tail(out, 2000))
			}
			if strings.Contains(out, canary) {
				t.Error("the secret was echoed or printed")
			}
			// bubbletea's package init asks the terminal for its background
			// before main runs; everything the wizard writes is plain.
			if i := strings.IndexByte(out[strings.Index(out, "Step 1/7"):], 0x1b); i >= 0 {
				out := out[strings.Index(out, "Step 1/7"):]
				t.Errorf("escape sequence in accessible output at %d: %q", i, out[max(i-40, 0):min(i+40, len(out))])
			}

			dir := filepath.Join(home, ".config", "baton-setup", "demo")
			secrets, err := os.ReadFile(filepath.Join(dir, "secrets.env"))
			if err != nil || !strings.Contains(string(secrets), "BATON_API_KEY="+canary) {
				t.Errorf("secrets.env: %v\n%s", err, secrets)
			}
			if got := testenv.Mode(t, filepath.Join(dir, "secrets.env")); got != 0o600 {
				t.Errorf("secrets.env mode %04o", got)
			}
			planJSON, _ := os.ReadFile(filepath.Join(dir, "plan.json"))
			if !strings.Contains(string(planJSON), `"acme"`) || strings.Contains(string(planJSON), canary) {
				t.Errorf("plan.json:\n%s", planJSON)
			}
			cron, _ := os.ReadFile(table)
			if !strings.Contains(string(cron), m[1]+" * * * * "+filepath.Join(dir, "sync.sh")) {
				t.Errorf("crontab table:\n%s", cron)
			}
		})
	}
}

// TestAccessibleCtrlC interrupts the secret prompt, where echo is off: the
// wizard exits 130 and leaves the terminal echoing again.
func TestAccessibleCtrlC(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	s := testenv.StartPTY(t, wizardEnv(home, "TERM=xterm-256color", "ACCESSIBLE=1"), bin)
	s.Expect("the number 1", uiWait)
	s.SendLine("1")
	s.Expect("Tenant *", uiWait)
	s.SendLine("acme")
	s.Expect("API key *", uiWait)
	s.Expect("(Enter keeps 1)", uiWait)
	s.SendLine("")
	s.Expect("API key value", uiWait)
	// The prompt turns echo off once it reads; wait until it has.
	s.WaitEchoOff(uiWait)
	s.Send("\x03") // Ctrl-C
	if code := s.Wait(uiWait); code != 130 {
		t.Errorf("exit %d, want 130; output:\n%s", code, tail(s.Output(), 2000))
	}
	if !s.EchoOn() {
		t.Error("the terminal was left without echo")
	}
}

// sgrColour matches SGR sequences that set a foreground or background
// colour (30–37, 38;…, 40–47, 48;…, 90–97, 100–107).
var sgrColour = regexp.MustCompile(`\x1b\[(?:[0-9;]*;)?(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9;]*)?m`)

// TestNoColor starts the full-screen wizard in a colour terminal, with and
// without NO_COLOR: the first frame has colour only without it.
func TestNoColor(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		env       []string
		wantColor bool
	}{
		{"colour", []string{"TERM=xterm-256color", "COLORTERM=truecolor"}, true},
		{"NO_COLOR", []string{"TERM=xterm-256color", "COLORTERM=truecolor", "NO_COLOR=1"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			home := t.TempDir()
			s := testenv.StartPTY(t, wizardEnv(home, tc.env...), bin)
			s.Expect("Step 1/7 · Connector", uiWait)
			s.Expect("Search:", uiWait)
			time.Sleep(300 * time.Millisecond) // a few more frames
			s.Send("\x03")
			if code := s.Wait(uiWait); code != 130 {
				t.Errorf("ctrl+c: exit %d, want 130", code)
			}
			out := s.Output()
			if got := sgrColour.FindString(out); (got != "") != tc.wantColor {
				t.Errorf("colour sequence %q found, want colour %v; output:\n%q", got, tc.wantColor, tail(out, 1500))
			}
		})
	}
}

// TestNoTerminal runs the wizard with stdin and stdout not terminals: one
// message naming the non-interactive commands, exit 2, in every mode.
func TestNoTerminal(t *testing.T) {
	t.Parallel()
	home := t.TempDir()
	for _, args := range [][]string{nil, {"--accessible"}} {
		r := run(t, wizardEnv(home, "TERM=xterm-256color"), home, bin, args...)
		if r.code != 2 {
			t.Errorf("%v: exit %d, want 2", args, r.code)
		}
		for _, want := range []string{"no terminal", "baton-setup connectors, test, generate"} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("%v: stderr lacks %q:\n%s", args, want, r.stderr)
			}
		}
		if strings.Contains(r.stderr, "TTY") || strings.Contains(r.stderr, "/dev/tty") || r.stdout != "" {
			t.Errorf("%v: stdout %q, stderr %q", args, r.stdout, r.stderr)
		}
	}
}

const (
	uiWait   = 20 * time.Second
	syncWait = 2 * time.Minute
)

// firstFrame starts name in a pty and returns how long its first output
// holding want took to arrive.
func firstFrame(t *testing.T, env []string, want string, name string, args ...string) time.Duration {
	t.Helper()
	start := time.Now()
	s := testenv.StartPTY(t, env, name, args...)
	if !testenv.Poll(uiWait-time.Since(start), 200*time.Microsecond, func() bool { return strings.Contains(s.Output(), want) }) {
		t.Fatalf("%s: no %q after %s:\n%q", name, want, uiWait, tail(s.Output(), 1500))
	}
	d := time.Since(start)
	s.Kill()
	return d
}

// TestFirstFrameBench measures the time from process start to the first
// frame of the wizard, median of BATON_BENCH_FRAME_RUNS runs, next to a
// peer in the same run: gh's first interactive prompt. scripts/bench-frame.sh
// runs it.
func TestFirstFrameBench(t *testing.T) {
	runs, _ := strconv.Atoi(os.Getenv("BATON_BENCH_FRAME_RUNS"))
	if runs <= 0 {
		t.Skip("set BATON_BENCH_FRAME_RUNS to run the first-frame benchmark")
	}
	home := t.TempDir()
	env := wizardEnv(home, "TERM=xterm-256color")
	median := func(name string, f func() time.Duration) time.Duration {
		f() // warm the page cache
		var ds []time.Duration
		for range runs {
			ds = append(ds, f())
		}
		sort.Slice(ds, func(i, j int) bool { return ds[i] < ds[j] })
		m := ds[len(ds)/2]
		fmt.Printf("first frame\t%s\tmedian %.1f ms\tmin %.1f ms\tmax %.1f ms\truns %d\n", name,
			ms(m), ms(ds[0]), ms(ds[len(ds)-1]), runs)
		return m
	}
	ours := median("baton-setup", func() time.Duration {
		return firstFrame(t, env, "Which connector", bin)
	})
	if gh, err := exec.LookPath("gh"); err == nil {
		ghEnv := append(env, "GH_CONFIG_DIR="+filepath.Join(home, "gh"), "GH_NO_UPDATE_NOTIFIER=1")
		peer := median("gh auth login", func() time.Duration {
			return firstFrame(t, ghEnv, "What account do you want to log into?", gh, "auth", "login")
		})
		fmt.Printf("ratio\t%.2fx\n", float64(ours)/float64(peer))
	} else {
		fmt.Println("peer\tgh is not installed")
	}
	if ours > 150*time.Millisecond {
		t.Logf("median first frame %.1f ms is above the 150 ms goal", ms(ours))
	}
	// A returning user's first frame: the home screen over saved setups,
	// drawn from their plan.json before anything slower is known.
	for _, name := range []string{"alpha", "beta"} {
		r := run(t, append(env, "BATON_API_KEY=k"), home, bin, "generate", "--connector", "demo", "--profile", name,
			"--set", "tenant=acme", "--dest", "local", "--schedule", "hourly:07")
		if r.code != 0 {
			t.Fatalf("generate %s: exit %d\n%s", name, r.code, r.stderr)
		}
	}
	homeFrame := median("baton-setup home (2 setups)", func() time.Duration {
		return firstFrame(t, env, "+ Set up a new connector", bin)
	})
	fmt.Printf("home vs picker\t%.2fx\n", float64(homeFrame)/float64(ours))
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
