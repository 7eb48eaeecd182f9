// Package servicemode writes the files of service mode: the connector runs as a
// long-lived systemd service with a ConductorOne client ID and secret,
// takes its tasks from ConductorOne and needs no sync.sh, schedule or S3.
package servicemode

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
	"unicode/utf8"

	"al.essio.dev/pkg/shellescape"

	"github.com/conductorone/baton-setup/internal/lazyre"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
)

// File names inside the profile directory.
const (
	EnvFile = "service.env"
	WorkDir = "work"
)

// UnitName is the systemd unit of a profile in service mode. It is named
// after the profile, like the timer, so two profiles of one connector
// never share a unit.
func UnitName(profile string) string { return "baton-" + profile + ".service" }

// data feeds the service-mode templates.
type data struct {
	Profile       string
	ConnectorName string
	Unit          string
	Dir           string
	EnvFile       string
	WorkDir       string
	PlanFile      string
	ReadmeURL     string
	Self          string
	ExecStart     string
	HealthCheck   string
	Env           []render.EnvLine
	ClientID      string
	ClientSecret  string

	InstallCommands []string
	RemoveCommands  []string
}

// unitSafe is what a path or argument may hold to appear unquoted in a unit
// file: systemd gives meaning to '%', '$', '\', quotes and white space.
var unitSafe = lazyre.New(`^[A-Za-z0-9._/@+,:=~-]+$`)

// envName is a variable name as connectors use them.
var envName = lazyre.New(`^[A-Za-z_][A-Za-z0-9_]*$`)

// Files renders service.env, the unit, README.txt and plan.json. self is
// the baton-setup binary README.txt tells the user to call.
func Files(p *plan.Plan, self string) ([]render.File, error) {
	if p.Mode != plan.ModeService {
		return nil, fmt.Errorf("render service files: plan mode is %q, not %q", p.Mode, plan.ModeService)
	}
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if p.Connector.Image != "" {
		return nil, errors.New("render service files: service mode runs the connector binary; a docker image is not supported here")
	}
	for _, path := range []string{p.Connector.Path, p.Output.Dir, self} {
		if !filepath.IsAbs(path) {
			return nil, fmt.Errorf("render service files: path %q is not absolute", path)
		}
	}
	exec := append([]string{p.Connector.Path}, p.Connector.Args...)
	for _, word := range append(exec, p.Output.Dir) {
		if !unitSafe().MatchString(word) {
			return nil, plan.SettingErrorf(plan.SettingOutDir, "render service files: %q holds characters that need escaping in a unit file (white space, quotes, $, \\ or %%)", word).
				WithHint("give %s a plainer path, or install the connector in a plainer directory", plan.Placeholder)
		}
	}
	if !unitSafe().MatchString(p.Connector.Name) {
		return nil, fmt.Errorf("render service files: connector name %q cannot be part of a unit name", p.Connector.Name)
	}
	dir := p.Output.Dir
	unit := UnitName(p.Profile)
	d := &data{
		Profile:       p.Profile,
		ConnectorName: p.Connector.Name,
		Unit:          unit,
		Dir:           dir,
		EnvFile:       filepath.Join(dir, EnvFile),
		WorkDir:       filepath.Join(dir, WorkDir),
		PlanFile:      filepath.Join(dir, "plan.json"),
		ReadmeURL:     (&url.URL{Scheme: "file", Path: filepath.Join(dir, "README.txt")}).String(),
		Self:          self,
		ExecStart:     strings.Join(append(exec, "--health-check"), " "),
		HealthCheck:   HealthCheck(p),
		ClientID:      p.Service.ClientID,
		ClientSecret:  p.Secrets[plan.SecretClientSecret].Reveal(),
	}
	d.InstallCommands, d.RemoveCommands = Commands(filepath.Join(dir, unit))
	for _, e := range p.ConnectorEnv() {
		if !envName().MatchString(e.Name) {
			return nil, fmt.Errorf("render service files: %q is not a usable environment variable name", e.Name)
		}
		if e.Name == "BATON_CLIENT_ID" || e.Name == plan.SecretClientSecret {
			return nil, plan.SettingErrorf(plan.SettingValue, "render service files: %s comes from the client ID and the client secret of service mode, not from a connector field", e.Name)
		}
		if err := checkValue(e.Name, e.Value); err != nil {
			return nil, err
		}
		d.Env = append(d.Env, render.EnvLine{Name: e.Name, Value: e.Value})
	}
	// The shapes were validated above; this is for the file's sake.
	if err := checkValue("BATON_CLIENT_ID", d.ClientID); err != nil {
		return nil, err
	}
	env, err := render.Execute("service.env.tmpl", d)
	if err != nil {
		return nil, err
	}
	unitFile, err := render.Execute("service.unit.tmpl", d)
	if err != nil {
		return nil, err
	}
	readme, err := render.Execute("service.README.txt.tmpl", d)
	if err != nil {
		return nil, err
	}
	saved, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render plan.json: %w", err)
	}
	return []render.File{
		{Name: EnvFile, Path: d.EnvFile, Mode: 0o600, Secret: true, Content: env},
		{Name: unit, Path: filepath.Join(dir, unit), Mode: 0o600, Content: unitFile},
		{Name: "plan.json", Path: d.PlanFile, Mode: 0o600, Content: append(saved, '\n')},
		{Name: "README.txt", Path: filepath.Join(dir, "README.txt"), Mode: 0o600, Content: readme},
	}, nil
}

// checkValue refuses what systemd's EnvironmentFile= cannot carry: it
// refuses a file with invalid UTF-8, and no environment holds a NUL byte.
func checkValue(name, value string) error {
	if strings.ContainsRune(value, 0) {
		return fmt.Errorf("render service files: the value of %s contains a NUL byte, which no environment variable can hold", name)
	}
	if !utf8.ValidString(value) {
		return fmt.Errorf("render service files: the value of %s is not valid UTF-8, which systemd refuses in an EnvironmentFile", name)
	}
	return nil
}

// Commands returns the commands that enable and start the unit where it is
// (systemctl link makes the profile directory's file the live one) and the
// commands that undo that.
func Commands(unitPath string) (install, remove []string) {
	unit := filepath.Base(unitPath)
	install = []string{
		"systemctl link " + shellescape.Quote(unitPath),
		"systemctl enable --now " + unit,
	}
	remove = []string{
		"systemctl disable --now " + unit,
	}
	return install, remove
}

// HealthCheck is the command that asks the connector of p whether it is
// healthy, through the connector's health-check subcommand.
func HealthCheck(p *plan.Plan) string {
	exec := append([]string{p.Connector.Path}, p.Connector.Args...)
	return strings.Join(append(quoteAll(exec), "health-check"), " ")
}

// CheckCommands are the commands that show whether the service of p runs
// well: the unit's state, its log, and the connector's own health check.
func CheckCommands(p *plan.Plan) []string {
	unit := UnitName(p.Profile)
	return []string{"systemctl status " + unit, "journalctl -u " + unit + " -f", HealthCheck(p)}
}

func quoteAll(words []string) []string {
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = shellescape.Quote(w)
	}
	return out
}

// Options are the side effects of Generate.
type Options struct {
	// Self is a baton-setup binary that outlives this process.
	Self   string
	DryRun bool
	Now    func() time.Time
}

// Result says what Generate wrote, or would write in a dry run.
type Result struct {
	Files   []render.File   `json:"files"`
	Changes []render.Change `json:"changes"`
	DryRun  bool            `json:"dryRun,omitempty"`
	Unit    string          `json:"unit"`
	// SystemdCommands enable and start the unit; baton-setup prints them
	// and does not run them.
	SystemdCommands []string `json:"systemdCommands"`
	// HealthCheck asks the running connector whether it is healthy.
	HealthCheck string `json:"healthCheck"`
	// CheckCommands show the unit's state and log, and run HealthCheck.
	CheckCommands []string `json:"checkCommands"`
}

// Preview renders what Generate writes and the commands it returns, without
// touching the filesystem: Changes is empty.
func Preview(p *plan.Plan, self string) (Result, error) {
	files, err := Files(p, self)
	if err != nil {
		return Result{}, err
	}
	unit := UnitName(p.Profile)
	res := Result{Files: files, Unit: unit, HealthCheck: HealthCheck(p), CheckCommands: CheckCommands(p)}
	res.SystemdCommands, _ = Commands(filepath.Join(p.Output.Dir, unit))
	return res, nil
}

// Generate writes the service-mode files atomically with their final modes
// and makes the connector's work directory.
func Generate(p *plan.Plan, opts Options) (Result, error) {
	res, err := Preview(p, opts.Self)
	if err != nil {
		return Result{}, err
	}
	res.DryRun = opts.DryRun
	res.Changes, err = render.Write(p.Output.Dir, res.Files, render.WriteOptions{DryRun: opts.DryRun, Now: opts.Now})
	if err != nil || opts.DryRun {
		return res, err
	}
	// systemd refuses to start a unit whose WorkingDirectory is missing.
	if err := os.MkdirAll(filepath.Join(p.Output.Dir, WorkDir), 0o700); err != nil {
		return res, fmt.Errorf("create work directory: %w", err)
	}
	return res, nil
}
