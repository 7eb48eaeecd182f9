// Package render turns a Plan into the files of a profile directory
// (sync.sh, secrets.env, plan.json, README.txt and, for systemd, a .service
// and .timer pair; for launchd, an agent in ~/Library/LaunchAgents) and the
// crontab block, from the embedded templates. Write
// puts them on disk atomically with their final modes, after showing what
// changes.
package render

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	pathpkg "path"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"al.essio.dev/pkg/shellescape"

	"github.com/conductorone/baton-setup/internal/lazyre"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/templates"
)

// File is one generated file.
type File struct {
	Name    string      `json:"name"`
	Path    string      `json:"path"`
	Mode    fs.FileMode `json:"mode"`
	Secret  bool        `json:"secret"`
	Content []byte      `json:"-"`
	// Masked, when set, is how a secret file that is not an env file may
	// be shown.
	Masked string `json:"-"`
}

// EnvLine is one NAME=value assignment in a template.
type EnvLine struct {
	Name  string
	Value string
}

// Scheduler names what runs sync.sh.
const (
	SchedulerCron    = "cron"
	SchedulerSystemd = "systemd"
	// SchedulerLaunchd is macOS's: a launchd agent of the user.
	SchedulerLaunchd = "launchd"
)

// LogMaxBytes is the size past which sync.sh moves sync.log to sync.log.1.
const LogMaxBytes = 1 << 20

// Data feeds every template. It is a view of the plan made for the
// templates: paths resolved, values split into secret and plain, the
// schedule already described.
type Data struct {
	Profile       string
	ConnectorName string
	// Dir is the profile directory; the other paths are inside it.
	Dir        string
	SyncScript string
	LogFile    string
	PlanFile   string
	// Self is the baton-setup binary sync.sh and README.txt call.
	Self          string
	ConnectorPath string
	ConnectorArgs []string
	// Image is set in docker mode; EnvNames then lists every variable the
	// container gets by name (docker run -e NAME), so no value is on argv.
	Image          string
	Docker         string
	EnvNames       []string
	TimeoutSeconds int
	// TimeoutText is the time limit in words, e.g. "1 hour".
	TimeoutText string
	LogMaxBytes int
	Dest        plan.Destination
	// Env holds non-secret values, which sync.sh sets itself so that they
	// can be read and diffed; Secrets go to secrets.env only.
	Env     []EnvLine
	Secrets []EnvLine

	Cron        string
	Description string
	// CronBlock is the crontab block without its final newline.
	CronBlock string
	Scheduler string

	ServiceUnit   string
	TimerUnit     string
	OnCalendar    []string
	SystemdSystem bool
	ReadmeURL     string

	LaunchdLabel string
	// LaunchAgent is the path of the launchd agent's property list.
	LaunchAgent       string
	CalendarIntervals []schedule.CalendarInterval

	// InstallCommands and RemoveCommands enable and remove a systemd timer
	// or launchd agent.
	InstallCommands []string
	RemoveCommands  []string
}

// Options are the facts a render needs besides the plan.
type Options struct {
	// Self is the absolute path of a baton-setup binary that will still
	// exist when the schedule runs sync.sh.
	Self    string
	Timeout time.Duration
	// Scheduler is SchedulerCron (the default), SchedulerSystemd or
	// SchedulerLaunchd.
	Scheduler string
	// SystemdSystem makes system units (run by root's manager) instead of
	// user units.
	SystemdSystem bool
	// Home is the user's home directory, whose Library/LaunchAgents holds
	// a launchd agent; SchedulerLaunchd needs it.
	Home string
}

// shFuncs are the functions of templates that make shell and env files.
var shFuncs = template.FuncMap{"q": shellescape.Quote}

// xmlFuncs are those of templates that make XML: "x" escapes text.
var xmlFuncs = template.FuncMap{"x": func(s string) (string, error) {
	var b strings.Builder
	err := xml.EscapeText(&b, []byte(s))
	return b.String(), err
}}

// Execute renders one of the embedded templates (templates.FS), with sh
// quoting as its "q" function.
func Execute(name string, data any) ([]byte, error) {
	return ExecuteFS(templates.FS, name, shFuncs, data)
}

// ExecuteFS renders the template file at path in fsys with funcs, whose "q"
// quotes for the language of the file it makes. A missing key is an error
// rather than "<no value>" in a generated file.
func ExecuteFS(fsys fs.FS, path string, funcs template.FuncMap, data any) ([]byte, error) {
	name := pathpkg.Base(path)
	t, err := template.New(name).Funcs(funcs).Option("missingkey=error").ParseFS(fsys, path)
	if err != nil {
		return nil, fmt.Errorf("parse template %s: %w", name, err)
	}
	var buf bytes.Buffer
	if err := t.Execute(&buf, data); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	return buf.Bytes(), nil
}

// SyncScript returns the path of sync.sh in the plan's output directory.
func SyncScript(p *plan.Plan) string { return filepath.Join(p.Output.Dir, "sync.sh") }

// LogFile returns the path scheduled runs append sync.sh's output to.
func LogFile(p *plan.Plan) string { return filepath.Join(p.Output.Dir, "sync.log") }

// ServiceUnit returns the name of the profile's systemd service.
func ServiceUnit(profile string) string { return "baton-" + profile + ".service" }

// TimerUnit returns the name of the profile's systemd timer.
func TimerUnit(profile string) string { return "baton-" + profile + ".timer" }

// LaunchdLabel returns the label of the profile's launchd agent.
func LaunchdLabel(profile string) string { return "com.conductorone.baton-setup." + profile }

// LaunchAgent returns the path of the profile's launchd agent: launchd
// loads the user's agents from ~/Library/LaunchAgents at login.
func LaunchAgent(home, profile string) string {
	return filepath.Join(home, "Library", "LaunchAgents", LaunchdLabel(profile)+".plist")
}

// envName is what a shell accepts as a variable name, as connectors use.
var envName = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*$`)

// serviceModeVars switch a connector into a long-running service; a
// scheduled sync must never set them.
var serviceModeVars = map[string]bool{"BATON_CLIENT_ID": true, "BATON_CLIENT_SECRET": true}

func newData(p *plan.Plan, opts Options) (*Data, error) {
	connector := p.Connector.Path
	if p.Connector.Image != "" {
		// Docker mode needs no local connector binary; sync.sh runs docker.
		connector = p.Connector.Docker
	}
	for _, path := range []struct {
		path    string
		setting plan.Setting
	}{{opts.Self, ""}, {connector, plan.SettingConnector}, {p.Output.Dir, plan.SettingOutDir}} {
		if err := checkPath(path.path, path.setting); err != nil {
			return nil, err
		}
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = time.Hour
	}
	if timeout < time.Second {
		return nil, fmt.Errorf("render files: timeout %s is shorter than a second", timeout)
	}
	scheduler := opts.Scheduler
	if scheduler == "" {
		scheduler = SchedulerCron
	}
	if scheduler != SchedulerCron && scheduler != SchedulerSystemd && scheduler != SchedulerLaunchd {
		return nil, fmt.Errorf("render files: scheduler %q: want cron, systemd or launchd", scheduler)
	}
	cronSpec, err := schedule.Normalize(p.Schedule.Cron)
	if err != nil {
		return nil, fmt.Errorf("render files: %w", err)
	}
	dir := p.Output.Dir
	d := &Data{
		Profile:        p.Profile,
		ConnectorName:  p.Connector.Name,
		Dir:            dir,
		SyncScript:     SyncScript(p),
		LogFile:        LogFile(p),
		PlanFile:       filepath.Join(dir, "plan.json"),
		Self:           opts.Self,
		ConnectorPath:  p.Connector.Path,
		ConnectorArgs:  p.Connector.Args,
		Image:          p.Connector.Image,
		Docker:         p.Connector.Docker,
		TimeoutSeconds: int(timeout / time.Second),
		TimeoutText:    durationText(timeout),
		LogMaxBytes:    LogMaxBytes,
		Dest:           p.Destination,
		Cron:           cronSpec,
		Description:    schedule.Describe(cronSpec),
		Scheduler:      scheduler,
		ServiceUnit:    ServiceUnit(p.Profile),
		TimerUnit:      TimerUnit(p.Profile),
		SystemdSystem:  opts.SystemdSystem,
		ReadmeURL:      (&url.URL{Scheme: "file", Path: filepath.Join(dir, "README.txt")}).String(),
	}
	for _, e := range p.ConnectorEnv() {
		if err := checkEnv(e.Name, e.Value); err != nil {
			return nil, err
		}
		d.EnvNames = append(d.EnvNames, e.Name)
		if e.Secret {
			d.Secrets = append(d.Secrets, EnvLine{e.Name, e.Value})
		} else {
			d.Env = append(d.Env, EnvLine{e.Name, e.Value})
		}
	}
	block, err := Execute("crontab.tmpl", d)
	if err != nil {
		return nil, err
	}
	d.CronBlock = strings.TrimSuffix(string(block), "\n")
	if scheduler == SchedulerSystemd {
		if err := checkUnitPath(dir); err != nil {
			return nil, err
		}
		if d.OnCalendar, err = schedule.OnCalendar(cronSpec); err != nil {
			return nil, fmt.Errorf("render files: %w", err)
		}
		service, timer := filepath.Join(dir, d.ServiceUnit), filepath.Join(dir, d.TimerUnit)
		d.InstallCommands, d.RemoveCommands = SystemdCommands(service, timer, opts.SystemdSystem)
	}
	if scheduler == SchedulerLaunchd {
		if err := checkPath(opts.Home, ""); err != nil {
			return nil, fmt.Errorf("render launchd agent: home directory: %w", err)
		}
		if d.CalendarIntervals, err = schedule.CalendarIntervals(cronSpec); err != nil {
			return nil, fmt.Errorf("render launchd agent: %w", err)
		}
		d.LaunchdLabel, d.LaunchAgent = LaunchdLabel(p.Profile), LaunchAgent(opts.Home, p.Profile)
		d.InstallCommands, d.RemoveCommands = LaunchdCommands(d.LaunchAgent, d.LaunchdLabel)
	}
	return d, nil
}

func checkEnv(name, value string) error {
	if !envName().MatchString(name) {
		return fmt.Errorf("render files: %q is not a usable environment variable name", name)
	}
	if serviceModeVars[name] {
		return fmt.Errorf("render files: %s switches the connector into service mode; a scheduled sync must not set it\nhint: run the connector as a long-running service instead (see `baton-setup generate --help`)", name)
	}
	if strings.ContainsRune(value, 0) {
		return fmt.Errorf("render files: the value of %s contains a NUL byte, which no environment variable can hold", name)
	}
	return nil
}

// Files renders every file of the profile directory.
func Files(p *plan.Plan, opts Options) ([]File, error) {
	d, err := newData(p, opts)
	if err != nil {
		return nil, err
	}
	script, err := Execute("sync.sh.tmpl", d)
	if err != nil {
		return nil, err
	}
	secrets, err := Execute("secrets.env.tmpl", d)
	if err != nil {
		return nil, err
	}
	readme, err := Execute("README.txt.tmpl", d)
	if err != nil {
		return nil, err
	}
	saved, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render plan.json: %w", err)
	}
	dir := p.Output.Dir
	files := []File{
		{Name: "sync.sh", Path: d.SyncScript, Mode: 0o700, Content: script},
		{Name: "secrets.env", Path: filepath.Join(dir, "secrets.env"), Mode: 0o600, Secret: true, Content: secrets},
		{Name: "plan.json", Path: d.PlanFile, Mode: 0o600, Content: append(saved, '\n')},
		{Name: "README.txt", Path: filepath.Join(dir, "README.txt"), Mode: 0o600, Content: readme},
	}
	if d.Scheduler == SchedulerSystemd {
		units, err := units(d)
		if err != nil {
			return nil, err
		}
		files = append(files, units...)
	}
	if d.Scheduler == SchedulerLaunchd {
		agent, err := ExecuteFS(templates.FS, "launchd.plist.tmpl", xmlFuncs, d)
		if err != nil {
			return nil, err
		}
		// Outside the profile directory: launchd loads a user's agents at
		// login from ~/Library/LaunchAgents. It holds no secret.
		files = append(files, File{Name: filepath.Base(d.LaunchAgent), Path: d.LaunchAgent, Mode: 0o644, Content: agent})
	}
	return files, nil
}

func units(d *Data) ([]File, error) {
	service, err := Execute("baton-sync.service.tmpl", d)
	if err != nil {
		return nil, err
	}
	timer, err := Execute("baton-sync.timer.tmpl", d)
	if err != nil {
		return nil, err
	}
	return []File{
		{Name: d.ServiceUnit, Path: filepath.Join(d.Dir, d.ServiceUnit), Mode: 0o600, Content: service},
		{Name: d.TimerUnit, Path: filepath.Join(d.Dir, d.TimerUnit), Mode: 0o600, Content: timer},
	}, nil
}

// CronBlock renders the marked crontab block for the plan.
func CronBlock(p *plan.Plan) (string, error) {
	if err := checkPath(p.Output.Dir, plan.SettingOutDir); err != nil {
		return "", err
	}
	spec, err := schedule.Normalize(p.Schedule.Cron)
	if err != nil {
		return "", fmt.Errorf("render crontab entry: %w", err)
	}
	out, err := Execute("crontab.tmpl", &Data{
		Profile: p.Profile, Cron: spec, SyncScript: SyncScript(p), LogFile: LogFile(p),
	})
	return string(out), err
}

// SystemdCommands returns the commands that enable the units where they
// are (systemctl link makes the profile directory's files the live ones, so
// a regeneration needs only a daemon-reload) and the commands that undo
// that. User units need lingering to run while the user is logged out.
func SystemdCommands(service, timer string, system bool) (install, remove []string) {
	ctl := "systemctl --user"
	if system {
		ctl = "systemctl"
	}
	s, t := filepath.Base(service), filepath.Base(timer)
	install = []string{
		ctl + " link " + shellescape.Quote(service),
		ctl + " enable --now " + shellescape.Quote(timer),
	}
	if !system {
		install = append(install, `loginctl enable-linger "$USER"`)
	}
	remove = []string{
		ctl + " disable --now " + t,
		ctl + " disable " + s,
	}
	return install, remove
}

// LaunchdCommands returns the commands that load the launchd agent at
// plist into the user's GUI session, where it stays across logins, and the
// commands that unload and delete it. launchd reads the file only when it
// loads it: after a regeneration, remove and load it again.
func LaunchdCommands(plist, label string) (install, remove []string) {
	domain := "gui/$(id -u)"
	install = []string{
		"launchctl enable " + domain + "/" + label,
		"launchctl bootstrap " + domain + " " + shellescape.Quote(plist),
	}
	remove = []string{
		"launchctl bootout " + domain + "/" + label,
		"rm " + shellescape.Quote(plist),
	}
	return install, remove
}

// checkPath refuses paths that cannot be used safely in sync.sh and a
// crontab line: relative ones, and those with '%' (cron turns it into a
// newline) or control characters. When the user gives the path as a
// setting, such a path is an error in their input.
func checkPath(p string, setting plan.Setting) error {
	if p == "" {
		return errors.New("render files: a required path is empty")
	}
	if !filepath.IsAbs(p) {
		return fmt.Errorf("render files: path %q is not absolute", p)
	}
	for _, r := range p {
		if r == '%' || r < 0x20 || r == 0x7f {
			if setting == "" {
				return fmt.Errorf("render files: path %q contains %%, a tab, a newline or another control character, which cron cannot run", p)
			}
			return plan.SettingErrorf(setting, "render files: path %q contains %%, a tab, a newline or another control character, which cron cannot run", p).
				WithHint("give %s a path without them", plan.Placeholder)
		}
	}
	return nil
}

// unitSafe is what a path may hold to appear unescaped in a unit file:
// systemd gives meaning to '%', '$', '\', quotes and white space.
var unitSafe = lazyre.New(`^[A-Za-z0-9._/@+,:=~-]+$`)

func checkUnitPath(dir string) error {
	if !unitSafe().MatchString(dir) {
		return plan.SettingErrorf(plan.SettingOutDir, "render systemd units: directory %q holds characters that need escaping in a unit file (white space, quotes, $, \\ or %%)", dir).
			WithHint("give %s a plainer path", plan.Placeholder)
	}
	return nil
}

// durationText says a time limit the way a person would: "1 hour",
// "90 minutes", "45 seconds".
func durationText(d time.Duration) string {
	plural := func(n int64, unit string) string {
		if n == 1 {
			return "1 " + unit
		}
		return fmt.Sprintf("%d %ss", n, unit)
	}
	switch {
	case d%time.Hour == 0:
		return plural(int64(d/time.Hour), "hour")
	case d%time.Minute == 0:
		return plural(int64(d/time.Minute), "minute")
	}
	return plural(int64(d/time.Second), "second")
}
