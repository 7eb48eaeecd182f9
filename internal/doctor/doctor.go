// Package doctor checks that a profile can run unattended: each check is a
// small type with a name and a Run, kept in an ordered list that other
// checks (docker, for example) can join.
package doctor

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/conductorone/baton-setup/internal/discover"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/profile"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/runlog"
	"github.com/conductorone/baton-setup/internal/runner"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/servicemode"
	"github.com/conductorone/baton-setup/internal/upload"
)

// Check is one thing doctor verifies.
type Check interface {
	// String names the check as a short phrase ("connector binary"). It is
	// called after Run, so it may report what Run found (a version).
	String() string
	// Run returns nil when all is well. A *Failure says what is wrong and
	// how to fix it; any other error is shown as it is.
	Run(ctx context.Context) error
}

// Failure is a failed check: what is wrong and the fix.
type Failure struct {
	Problem string
	Fix     string
}

func (f *Failure) Error() string { return f.Problem }

func fail(fix, format string, args ...any) error {
	return &Failure{Problem: fmt.Sprintf(format, args...), Fix: fix}
}

// join merges several failures of one check into one.
func join(fails []*Failure) error {
	if len(fails) == 0 {
		return nil
	}
	var problems, fixes []string
	for _, f := range fails {
		problems = append(problems, f.Problem)
		if f.Fix != "" {
			fixes = append(fixes, f.Fix)
		}
	}
	return &Failure{Problem: strings.Join(problems, "\n"), Fix: strings.Join(fixes, "\n")}
}

// Env is what the checks may touch.
type Env struct {
	Plan *plan.Plan
	Dir  string
	// Self is the baton-setup command the fixes name.
	Self     string
	LookPath func(string) (string, error)
	Crontab  schedule.Crontab
	// Systemctl runs systemctl with the given arguments and returns its
	// standard output; nil runs the systemctl on PATH.
	Systemctl func(ctx context.Context, args ...string) (string, error)
	// Launchctl does the same for launchctl (macOS's launchd).
	Launchctl func(ctx context.Context, args ...string) (string, error)
	// Platform is the operating system the checks are for, as
	// runtime.GOOS names it ("linux", "darwin"); empty means this one.
	Platform string
	// Home is the user's home directory, where launchd agents live; empty
	// means the current user's.
	Home string
	UID  int
	// Preflight returns a read-only S3 preflight (SkipWrite set) for the
	// plan's destination; nil skips the AWS check.
	Preflight func(ctx context.Context) (*upload.Preflight, error)
	// Drift compares the installed connector with what the setup
	// recorded; nil skips the check.
	Drift func(ctx context.Context) (plan.Drift, error)
}

func (e Env) planFile() string { return filepath.Join(e.Dir, "plan.json") }

func (e Env) platform() string {
	if e.Platform != "" {
		return e.Platform
	}
	return runtime.GOOS
}

func (e Env) macOS() bool { return e.platform() == "darwin" }

// regenerate is the command that rewrites the profile's files, with extra
// flags.
func (e Env) regenerate(flags string) string {
	cmd := e.self() + " generate --plan " + e.planFile()
	if flags != "" {
		cmd += " " + flags
	}
	return cmd
}

// launchAgent is the profile's launchd agent, or "" without a home.
func (e Env) launchAgent() string {
	home := e.Home
	if home == "" {
		home, _ = os.UserHomeDir()
	}
	if home == "" {
		return ""
	}
	return render.LaunchAgent(home, e.Plan.Profile)
}

// launchdScheduled reports whether launchd runs the profile: generate
// writes its agent only for --scheduler launchd.
func (e Env) launchdScheduled() bool {
	agent := e.launchAgent()
	if agent == "" {
		return false
	}
	_, err := os.Stat(agent)
	return err == nil
}

// scriptHas reports whether the profile's sync.sh holds s. Scripts from
// before sync.sh had fallbacks for flock and timeout need those commands.
func (e Env) scriptHas(s string) bool {
	data, err := os.ReadFile(filepath.Join(e.Dir, "sync.sh"))
	return err == nil && strings.Contains(string(data), s)
}

func (e Env) self() string {
	if e.Self != "" {
		return e.Self
	}
	return "baton-setup"
}

// systemdScheduled reports whether the profile runs from a systemd timer
// rather than cron: generate writes the timer only for --scheduler systemd.
func (e Env) systemdScheduled() bool {
	_, err := os.Stat(filepath.Join(e.Dir, "baton-"+e.Plan.Profile+".timer"))
	return err == nil
}

func (e Env) systemctl(ctx context.Context, args ...string) (string, error) {
	if e.Systemctl != nil {
		return e.Systemctl(ctx, args...)
	}
	return e.command(ctx, "systemctl", args...)
}

func (e Env) launchctl(ctx context.Context, args ...string) (string, error) {
	if e.Launchctl != nil {
		return e.Launchctl(ctx, args...)
	}
	return e.command(ctx, "launchctl", args...)
}

func (e Env) command(ctx context.Context, name string, args ...string) (string, error) {
	bin, err := e.LookPath(name)
	if err != nil {
		return "", err
	}
	out, err := exec.CommandContext(ctx, bin, args...).Output()
	return string(out), err
}

// Checks returns the ordered list for a profile.
func Checks(e Env) []Check {
	if e.Plan.Mode == plan.ModeService {
		return append(driftChecks(e, &connectorCheck{e: e}),
			toolCheck{e, "systemctl", "systemd runs the connector as a service", "service mode needs a Linux machine with systemd"},
			programsCheck{e}, // only the user and root can replace the connector
			filesCheck{e, []wantFile{{e.Dir, 0o700}, {filepath.Join(e.Dir, servicemode.UnitName(e.Plan.Profile)), 0o600}, {e.planFile(), 0o600}}},
			dirsCheck{e}, // no symbolic link or other user's directory where files are written
			secretsCheck{e, filepath.Join(e.Dir, servicemode.EnvFile)},
			leftoversCheck{e}, // no pending copy of a file an interrupted generate left
			unitCheck{e},
			workDirCheck{e},
		)
	}
	checks := []Check{}
	if e.Plan.Connector.Image == "" {
		checks = driftChecks(e, &connectorCheck{e: e}) // the binary sync.sh runs exists and answers, as recorded
	} else {
		checks = append(checks, dockerCheck{e}) // docker answers and the image is present or can be pulled
	}
	checks = append(checks,
		&fallbackCheck{e: e, name: "flock", why: "util-linux; without it two runs can overlap",
			fix: "apt-get install util-linux (Debian/Ubuntu) or dnf install util-linux", fallback: `mkdir "$LOCK_DIR"`, instead: "a lock directory"},
		&fallbackCheck{e: e, name: "timeout", why: "coreutils; without it a hung connector is never stopped",
			fix: "apt-get install coreutils (Debian/Ubuntu) or dnf install coreutils", fallback: `"$BATON_SETUP" timelimit`, instead: "baton-setup timelimit"},
	)
	switch {
	case e.launchdScheduled():
		checks = append(checks, toolCheck{e, "launchctl", "launchd runs the agent", "launchd is macOS's; elsewhere use cron: " + e.regenerate("--scheduler cron --install-cron")})
	case e.systemdScheduled() && e.macOS():
		checks = append(checks, toolCheck{e, "systemctl", "systemd runs the timer", "macOS has no systemd; use launchd: " + e.regenerate("--scheduler launchd")})
	case e.systemdScheduled():
		checks = append(checks, toolCheck{e, "systemctl", "systemd runs the timer", "use cron instead: " + e.regenerate("--scheduler cron --install-cron")})
	case e.macOS():
		checks = append(checks, toolCheck{e, "crontab", "cron runs sync.sh", "regenerate with launchd, macOS's own scheduler: " + e.regenerate("--scheduler launchd")})
	default:
		checks = append(checks, toolCheck{e, "crontab", "cron runs sync.sh", "apt-get install cron (Debian/Ubuntu) or dnf install cronie, or regenerate with --scheduler systemd"})
	}
	checks = append(checks,
		filesCheck{e, []wantFile{{e.Dir, 0o700}, {filepath.Join(e.Dir, "sync.sh"), 0o700}, {e.planFile(), 0o600}}},
		dirsCheck{e}, // no symbolic link or other user's directory where files are written
		secretsCheck{e, filepath.Join(e.Dir, "secrets.env")},
		leftoversCheck{e}, // no pending copy of a file an interrupted generate left
		selfCheck{e},      // the baton-setup sync.sh calls to check and upload the file is there
		programsCheck{e},  // only the user and root can replace the programs sync.sh runs
		scheduleCheck{e},  // the crontab block is installed exactly once, or the timer is enabled
	)
	if e.Plan.Destination.Kind == plan.DestS3 && e.Preflight != nil {
		checks = append(checks, awsCheck{e: e})
	}
	return append(checks,
		workDirCheck{e}, // connectors write into the work directory
		lastRunCheck{e}, // the last run, scheduled or by hand, delivered
	)
}

// lastRunCheck reads sync.log: a setup whose last run failed is not
// working, whatever the other checks say.
type lastRunCheck struct{ e Env }

func (c lastRunCheck) String() string { return "last run" }

func (c lastRunCheck) Run(context.Context) error {
	run, err := runlog.Last(filepath.Join(c.e.Dir, "sync.log"))
	if err != nil || run.Result != runlog.ResultFailed {
		// Never ran, ran well, or runs now: nothing to fix here.
		return nil
	}
	return fail("fix that, then run it as the schedule will: "+c.e.self()+" verify --profile "+c.e.Plan.Profile,
		"the run of %s failed: %s", run.Started.Local().Format("2006-01-02 15:04"), run.Reason)
}

// driftChecks are the connector's check, then the comparison with what
// the setup recorded of it when there is one.
func driftChecks(e Env, connector Check) []Check {
	if e.Drift == nil {
		return []Check{connector}
	}
	return []Check{connector, &driftCheck{e: e}}
}

// Result is the outcome of one check.
type Result struct {
	Name string `json:"name"`
	OK   bool   `json:"ok"`
	Err  string `json:"error,omitempty"`
	Fix  string `json:"fix,omitempty"`
}

// Run runs every check in order and reports each; it stops early when ctx
// ends.
func Run(ctx context.Context, checks []Check) []Result {
	out := make([]Result, 0, len(checks))
	for _, c := range checks {
		if ctx.Err() != nil {
			// Interrupted: the remaining checks would only fail.
			break
		}
		err := c.Run(ctx)
		r := Result{Name: c.String(), OK: err == nil}
		if err != nil {
			r.Err = err.Error()
			var f *Failure
			if errors.As(err, &f) {
				r.Fix = f.Fix
			}
		}
		out = append(out, r)
	}
	return out
}

// Failed counts the failed results.
func Failed(results []Result) int {
	n := 0
	for _, r := range results {
		if !r.OK {
			n++
		}
	}
	return n
}

type connectorCheck struct {
	e       Env
	version string
}

func (c *connectorCheck) String() string {
	name := "connector binary " + c.e.Plan.Connector.Path
	var about []string
	if c.version != "" {
		about = append(about, c.version)
	}
	if v := discover.SDKVersion(c.e.Plan.Connector.Path); v != "" {
		about = append(about, "baton-sdk "+v)
	}
	if len(about) > 0 {
		name += " (" + strings.Join(about, ", ") + ")"
	}
	return name
}

func (c *connectorCheck) Run(ctx context.Context) error {
	path := c.e.Plan.Connector.Path
	fix := "reinstall the connector, or point the profile at it: " + c.e.self() + " generate --plan " + c.e.planFile() + " --connector PATH"
	st, err := os.Stat(path)
	if err != nil {
		return fail(fix, "%s: %v", path, errors.Unwrap(err))
	}
	if st.Mode().Perm()&0o111 == 0 {
		return fail("chmod +x "+path, "%s is not executable", path)
	}
	// No BATON_* settings: --version needs none, and a stray client ID
	// would start a service.
	stdout, stderr, err := runner.Output(ctx, runner.Call{
		Path: path, Args: append(slices.Clone(c.e.Plan.Connector.Args), "--version"),
		Dir: os.TempDir(), Env: cleanEnv(), Timeout: 30 * time.Second,
	})
	if ctx.Err() != nil {
		return ctx.Err()
	}
	out := append(stdout, stderr...)
	if errors.Is(err, context.DeadlineExceeded) {
		return fail(fix, "%s --version did not answer within 30s", path)
	}
	if err != nil {
		return fail(fix, "%s --version failed: %v: %s", path, err, strings.TrimSpace(string(out)))
	}
	// "baton-okta version v0.5.26" → "v0.5.26".
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	if _, v, ok := strings.Cut(line, " version "); ok {
		line = v
	}
	if line = strings.TrimSpace(line); line != "" {
		c.version = "version " + line
	}
	return nil
}

func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "BATON_") {
			env = append(env, kv)
		}
	}
	return env
}

// selfCheck looks for the baton-setup that sync.sh calls: without it no
// sync file is checked or uploaded. A `go run` build copies itself for
// sync.sh; an upgrade or a cleanup can remove that copy.
type selfCheck struct{ e Env }

func (c selfCheck) String() string { return "baton-setup for sync.sh" }

func (c selfCheck) Run(context.Context) error {
	setup, err := profile.ScriptSetup(filepath.Join(c.e.Dir, "sync.sh"))
	if err != nil {
		return fail(c.e.self()+" generate --plan "+c.e.planFile(), "%v", err)
	}
	st, err := os.Stat(setup)
	if err != nil || !st.Mode().IsRegular() || st.Mode().Perm()&0o111 == 0 {
		return fail(c.e.self()+" generate --plan "+c.e.planFile()+" (points sync.sh at this baton-setup)",
			"%s, which sync.sh calls, is missing or not executable", setup)
	}
	return nil
}

type toolCheck struct {
	e    Env
	name string
	why  string
	fix  string
}

func (c toolCheck) String() string { return c.name + " command" }

func (c toolCheck) Run(context.Context) error {
	if _, err := c.e.LookPath(c.name); err != nil {
		return fail(c.fix, "%s is not installed (%s)", c.name, c.why)
	}
	return nil
}

// fallbackCheck is a command sync.sh uses where it exists. Since sync.sh
// has a fallback for it (macOS has neither flock nor timeout), it is
// missing only for a sync.sh written before, which regenerating replaces.
type fallbackCheck struct {
	e         Env
	name, why string
	fix       string
	// fallback is what sync.sh holds when it can do without the command,
	// and instead what it then uses.
	fallback, instead string
	usesFallback      bool
}

func (c *fallbackCheck) String() string {
	if c.usesFallback {
		return c.name + " command (not here; sync.sh uses " + c.instead + ")"
	}
	return c.name + " command"
}

func (c *fallbackCheck) Run(context.Context) error {
	if _, err := c.e.LookPath(c.name); err == nil {
		return nil
	}
	if c.e.scriptHas(c.fallback) {
		c.usesFallback = true
		return nil
	}
	fix := c.fix + ", or regenerate sync.sh, which then needs no " + c.name + ": " + c.e.regenerate("")
	if c.e.macOS() {
		fix = "regenerate sync.sh, which then needs no " + c.name + " (macOS has none): " + c.e.regenerate("")
	}
	return fail(fix, "%s is not installed (%s)", c.name, c.why)
}

type wantFile struct {
	path string
	mode os.FileMode
}

// owner checks that path is the current user's and returns the fix if not.
func owner(e Env, path string, st os.FileInfo) *Failure {
	sys, ok := st.Sys().(*syscall.Stat_t)
	if !ok || int(sys.Uid) == e.UID {
		return nil
	}
	me := strconv.Itoa(e.UID)
	if u, err := user.LookupId(me); err == nil {
		me = u.Username
	}
	return &Failure{
		Problem: fmt.Sprintf("%s is owned by uid %d, not by you (uid %d); cron and systemd run the sync as you", path, sys.Uid, e.UID),
		Fix:     fmt.Sprintf("chown %s %s (as root), or run baton-setup as the user who owns the profile", me, path),
	}
}

type filesCheck struct {
	e     Env
	files []wantFile
}

func (c filesCheck) String() string { return "generated files (modes and owner)" }

func (c filesCheck) Run(context.Context) error {
	var fails []*Failure
	for _, w := range c.files {
		st, err := os.Stat(w.path)
		if err != nil {
			fails = append(fails, &Failure{Problem: fmt.Sprintf("%s: %v", w.path, errors.Unwrap(err)), Fix: c.e.self() + " generate --plan " + c.e.planFile()})
			continue
		}
		if st.Mode().Perm()&0o077 != 0 {
			fails = append(fails, &Failure{Problem: fmt.Sprintf("%s has mode %04o; other users can reach it", w.path, st.Mode().Perm()), Fix: fmt.Sprintf("chmod %o %s", w.mode, w.path)})
		}
		if f := owner(c.e, w.path, st); f != nil {
			fails = append(fails, f)
		}
	}
	return join(fails)
}

// secretsCheck makes sure only the owner can read the secrets file.
type secretsCheck struct {
	e    Env
	path string
}

func (c secretsCheck) String() string {
	return "secrets file " + filepath.Base(c.path) + " readable only by you"
}

func (c secretsCheck) Run(context.Context) error {
	st, err := os.Stat(c.path)
	if err != nil {
		return fail(c.e.self()+" generate --plan "+c.e.planFile()+" (with the secret values in their BATON_* variables)", "%s: %v", c.path, errors.Unwrap(err))
	}
	var fails []*Failure
	if st.Mode().Perm()&0o077 != 0 {
		fails = append(fails, &Failure{
			Problem: fmt.Sprintf("%s has mode %04o; other users can read the secrets", c.path, st.Mode().Perm()),
			Fix:     "chmod 600 " + c.path + ", then rotate the secrets if others could log in here",
		})
	}
	if f := owner(c.e, c.path, st); f != nil {
		fails = append(fails, f)
	}
	return join(fails)
}

type workDirCheck struct{ e Env }

func (c workDirCheck) String() string { return "writable work directory" }

func (c workDirCheck) Run(context.Context) error {
	work := filepath.Join(c.e.Dir, "work")
	fix := "make " + work + " a directory you own and can write (mode 0700), and check the disk is not full or read-only"
	if err := render.CheckSubdir(work); err != nil {
		// Never write through it; dirsCheck says why.
		return fail(fix, "%s cannot be used safely", work)
	}
	if err := os.MkdirAll(work, 0o700); err != nil {
		return fail(fix, "create %s: %v", work, err)
	}
	f, err := os.CreateTemp(work, ".doctor-*")
	if err != nil {
		return fail(fix, "write in %s: %v", work, err)
	}
	f.Close()
	return os.Remove(f.Name())
}

type scheduleCheck struct{ e Env }

func (c scheduleCheck) String() string {
	if c.e.launchdScheduled() {
		return "launchd agent " + render.LaunchdLabel(c.e.Plan.Profile) + " loaded"
	}
	if c.e.systemdScheduled() {
		return "systemd timer baton-" + c.e.Plan.Profile + ".timer enabled"
	}
	return "crontab entry installed once"
}

func (c scheduleCheck) Run(ctx context.Context) error {
	if c.e.launchdScheduled() {
		return agentLoaded(ctx, c.e)
	}
	if c.e.systemdScheduled() {
		return unitEnabled(ctx, c.e, "baton-"+c.e.Plan.Profile+".timer", c.e.UID != 0, "see README.txt in "+c.e.Dir+" for the systemctl commands that enable the timer")
	}
	install := c.e.self() + " schedule install --profile " + c.e.Plan.Profile
	if c.e.Crontab == nil {
		return fail(install, "no crontab available")
	}
	table, err := c.e.Crontab.Read(ctx)
	if err != nil {
		return fail("check that cron is installed and that you may use it (/etc/cron.allow)", "read crontab: %v", err)
	}
	profile, script := c.e.Plan.Profile, filepath.Join(c.e.Dir, "sync.sh")
	entry, err := schedule.Find(table, profile, script)
	switch {
	case err != nil:
		return fail("fix the markers with crontab -e, then run "+install, "%v", err)
	case len(entry.Orphans) > 0:
		return fail("delete the line (or put the block's markers back around it) with crontab -e, then run "+install,
			"line %d of the crontab runs %s outside the block for profile %s (was its BEGIN line deleted?), so syncs run %d times over", entry.Orphans[0], script, profile, entry.Jobs)
	case entry.Blocks > 1 || entry.Jobs > 1:
		n := max(entry.Blocks, entry.Jobs)
		return fail(install+" (it replaces every copy with one)", "the block for profile %s appears %d times, so syncs run %d times over", profile, n, n)
	case entry.Blocks == 0:
		return fail(install, "the block for profile %s is not installed, so nothing runs sync.sh", profile)
	}
	return nil
}

// agentLoaded asks launchd whether the profile's agent is loaded in the
// user's GUI session; launchctl print fails for an unknown service.
func agentLoaded(ctx context.Context, e Env) error {
	label := render.LaunchdLabel(e.Plan.Profile)
	target := "gui/" + strconv.Itoa(e.UID) + "/" + label
	out, err := e.launchctl(ctx, "print", target)
	if err == nil {
		return nil
	}
	install, _ := render.LaunchdCommands(e.launchAgent(), label)
	reason := out
	var exit *exec.ExitError
	if errors.As(err, &exit) && len(exit.Stderr) > 0 {
		reason = string(exit.Stderr) // "Could not find service …"
	}
	reason, _, _ = strings.Cut(strings.TrimSpace(reason), "\n")
	if reason == "" {
		reason = err.Error()
	}
	return fail(strings.Join(install, " && "), "the agent is not loaded, so nothing runs sync.sh (launchctl print %s: %s)", target, reason)
}

// unitEnabled asks systemd whether a unit (a user unit when user is set)
// is enabled.
func unitEnabled(ctx context.Context, e Env, unit string, user bool, fix string) error {
	args := []string{"is-enabled", unit}
	if user {
		args = append([]string{"--user"}, args...)
	}
	out, err := e.systemctl(ctx, args...)
	state := strings.TrimSpace(out)
	if err == nil && (state == "enabled" || state == "linked" || state == "enabled-runtime") {
		return nil
	}
	if state == "" && err != nil {
		state = err.Error()
	}
	return fail(fix, "%s is not enabled (systemctl %s: %s)", unit, strings.Join(args, " "), state)
}

// unitCheck is service mode's schedule: the unit file exists, is enabled
// and running.
type unitCheck struct{ e Env }

func (c unitCheck) String() string {
	return "service " + servicemode.UnitName(c.e.Plan.Profile) + " installed, enabled and running"
}

func (c unitCheck) Run(ctx context.Context) error {
	unit := servicemode.UnitName(c.e.Plan.Profile)
	path := filepath.Join(c.e.Dir, unit)
	if _, err := os.Stat(path); err != nil {
		return fail(c.e.self()+" generate --plan "+c.e.planFile(), "%s: %v", path, errors.Unwrap(err))
	}
	enable := "systemctl link " + path + " && systemctl enable --now " + unit
	// Service mode writes a system unit.
	if err := unitEnabled(ctx, c.e, unit, false, enable); err != nil {
		return err
	}
	out, err := c.e.systemctl(ctx, "is-active", unit)
	if state := strings.TrimSpace(out); err != nil || state != "active" {
		return fail("journalctl -u "+unit+" -n 50 shows why; then systemctl restart "+unit, "%s is %s, not active", unit, firstWord(state, "not running"))
	}
	return nil
}

func firstWord(s, def string) string {
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Split(bufio.ScanWords)
	if sc.Scan() {
		return sc.Text()
	}
	return def
}

// awsCheck runs the upload preflight without its write step: identity and
// bucket access, nothing written.
type awsCheck struct{ e Env }

func (c awsCheck) String() string {
	return "AWS identity and bucket access (s3://" + c.e.Plan.Destination.Bucket + ")"
}

func (c awsCheck) Run(ctx context.Context) error {
	p, err := c.e.Preflight(ctx)
	if err != nil {
		return fail("check the AWS configuration sync.sh uses (secrets.env, AWS_PROFILE, the instance role)", "set up the S3 client: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	if p.SkipWrite == "" {
		p.SkipWrite = "doctor writes nothing"
	}
	var fails []*Failure
	for _, ch := range p.Run(ctx).Checks {
		if ch.Status != upload.StatusFail {
			continue
		}
		fix := ch.Hint
		if fix == "" {
			fix = c.e.self() + " s3 check shows the details"
		}
		fails = append(fails, &Failure{Problem: ch.Name + ": " + ch.Detail, Fix: fix})
	}
	return join(fails)
}
