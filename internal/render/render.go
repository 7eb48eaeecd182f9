// Package render turns a Plan into the files of a profile directory
// (sync.sh, secrets.env, plan.json) and the crontab block, from the embedded
// templates, and writes them atomically with their final modes.
package render

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"text/template"
	"time"

	"al.essio.dev/pkg/shellescape"
	"github.com/google/renameio/v2"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/templates"
)

// File is one generated file.
type File struct {
	Name    string      `json:"name"`
	Path    string      `json:"path"`
	Mode    fs.FileMode `json:"mode"`
	Secret  bool        `json:"secret"`
	Content []byte      `json:"-"`
}

// EnvLine is one NAME=value assignment in a template.
type EnvLine struct {
	Name  string
	Value string
}

// SyncData feeds sync.sh.tmpl and secrets.env.tmpl.
type SyncData struct {
	Profile        string
	ConnectorName  string
	Dir            string
	Self           string
	ConnectorPath  string
	ConnectorArgs  []string
	TimeoutSeconds int
	Dest           plan.Destination
	// Env holds non-secret values, which sync.sh sets itself so that they
	// can be read and diffed; Secrets go to secrets.env only.
	Env     []EnvLine
	Secrets []EnvLine
}

// CronData feeds crontab.tmpl.
type CronData struct {
	Profile    string
	Cron       string
	SyncScript string
	LogFile    string
}

// Options are the facts a render needs besides the plan.
type Options struct {
	// Self is the absolute path of a baton-setup binary that will still
	// exist when cron runs sync.sh.
	Self    string
	Timeout time.Duration
}

var funcs = template.FuncMap{"q": shellescape.Quote}

func execute(name string, data any) ([]byte, error) {
	t, err := template.New(name).Funcs(funcs).Option("missingkey=error").ParseFS(templates.FS, name)
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

// LogFile returns the path cron appends sync.sh's output to.
func LogFile(p *plan.Plan) string { return filepath.Join(p.Output.Dir, "sync.log") }

// Files renders every file of the profile directory.
func Files(p *plan.Plan, opts Options) ([]File, error) {
	if err := checkPath(opts.Self); err != nil {
		return nil, err
	}
	if err := checkPath(p.Connector.Path); err != nil {
		return nil, err
	}
	if err := checkPath(p.Output.Dir); err != nil {
		return nil, err
	}
	timeout := opts.Timeout
	if timeout <= 0 {
		timeout = time.Hour
	}
	data := SyncData{
		Profile:        p.Profile,
		ConnectorName:  p.Connector.Name,
		Dir:            p.Output.Dir,
		Self:           opts.Self,
		ConnectorPath:  p.Connector.Path,
		ConnectorArgs:  p.Connector.Args,
		TimeoutSeconds: int(timeout.Seconds()),
		Dest:           p.Destination,
	}
	for _, e := range p.ConnectorEnv() {
		if e.Secret {
			data.Secrets = append(data.Secrets, EnvLine{e.Name, e.Value})
		} else {
			data.Env = append(data.Env, EnvLine{e.Name, e.Value})
		}
	}
	script, err := execute("sync.sh.tmpl", data)
	if err != nil {
		return nil, err
	}
	secrets, err := execute("secrets.env.tmpl", data)
	if err != nil {
		return nil, err
	}
	saved, err := json.MarshalIndent(p, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("render plan.json: %w", err)
	}
	dir := p.Output.Dir
	return []File{
		{Name: "sync.sh", Path: filepath.Join(dir, "sync.sh"), Mode: 0o700, Content: script},
		{Name: "secrets.env", Path: filepath.Join(dir, "secrets.env"), Mode: 0o600, Secret: true, Content: secrets},
		{Name: "plan.json", Path: filepath.Join(dir, "plan.json"), Mode: 0o600, Content: append(saved, '\n')},
	}, nil
}

// CronBlock renders the marked crontab block for the plan.
func CronBlock(p *plan.Plan) (string, error) {
	out, err := execute("crontab.tmpl", CronData{
		Profile:    p.Profile,
		Cron:       p.Schedule.Cron,
		SyncScript: shellescape.Quote(SyncScript(p)),
		LogFile:    shellescape.Quote(LogFile(p)),
	})
	return string(out), err
}

// checkPath refuses paths that cannot be used safely in sync.sh and a
// crontab line: relative ones, and those with '%' (cron turns it into a
// newline) or control characters.
func checkPath(p string) error {
	if p == "" {
		return errors.New("render files: a required path is empty")
	}
	if !filepath.IsAbs(p) {
		return fmt.Errorf("render files: path %q is not absolute", p)
	}
	if strings.ContainsAny(p, "%\n\r\t") {
		return fmt.Errorf("render files: path %q contains %%, a tab or a newline, which cron cannot run", p)
	}
	return nil
}

// Write creates the directory (0700) and writes every file atomically, with
// its final mode set before the rename, so a crash never leaves a
// half-written or readable secrets file.
func Write(dir string, files []File) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("secure %s: %w", dir, err)
	}
	st, err := os.Stat(dir)
	if err != nil {
		return fmt.Errorf("check %s: %w", dir, err)
	}
	if st.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("secure %s: mode is %v; it must be private to you", dir, st.Mode().Perm())
	}
	for _, f := range files {
		if err := renameio.WriteFile(f.Path, f.Content, f.Mode, renameio.WithStaticPermissions(f.Mode)); err != nil {
			return fmt.Errorf("write %s: %w", f.Path, err)
		}
	}
	return nil
}
