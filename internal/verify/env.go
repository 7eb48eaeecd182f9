package verify

import (
	"bufio"
	"fmt"
	"os"
	"os/user"
	"path/filepath"
	"slices"
	"strings"

	"mvdan.cc/sh/v3/expand"
	"mvdan.cc/sh/v3/syntax"

	"github.com/conductorone/baton-setup/internal/lazyre"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
)

// Account is the user a schedule runs as, as the passwd database names
// it: cron and systemd take HOME and LOGNAME from there, never from the
// shell that installed the schedule.
type Account struct {
	Name string `json:"name"`
	Home string `json:"home"`
}

// CurrentAccount looks up the running user in the passwd database.
func CurrentAccount() (Account, error) {
	u, err := user.Current()
	if err != nil {
		return Account{}, fmt.Errorf("look up the current user: %w", err)
	}
	if u.Username == "" || u.HomeDir == "" {
		return Account{}, fmt.Errorf("look up the current user: uid %s has no name or home directory in the passwd database", u.Uid)
	}
	return Account{Name: u.Username, Home: u.HomeDir}, nil
}

// Fixed parts of the schedulers' environments.
const (
	// CronPath and CronShell are what Debian's cron gives every job.
	CronPath  = "/usr/bin:/bin"
	CronShell = "/bin/sh"
	// SystemdPath is the PATH systemd gives every service.
	SystemdPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin"
)

// job is one run the way a scheduler starts it.
type job struct {
	scheduler string
	argv      []string
	env       []string
	dir       string
	// stdout is a file the scheduler sends the output to, opened for
	// appending; "" when the command redirects it itself (cron's line).
	stdout string
	// log is the file the output ends up in, whoever opens it; "" when
	// it goes nowhere but the scheduler (cron's mail).
	log   string
	notes []string
}

// cronJob is the profile's crontab line run as cron runs it: /bin/sh -c
// with the command part of the line, HOME, LOGNAME, SHELL and PATH, and
// the variables that the crontab sets above the block, in HOME.
func cronJob(p *plan.Plan, acct Account, table string) (job, error) {
	line, installed, err := cronLine(p, table)
	if err != nil {
		return job{}, err
	}
	env := map[string]string{"HOME": acct.Home, "LOGNAME": acct.Name, "SHELL": CronShell, "PATH": CronPath}
	var notes []string
	for _, kv := range crontabVars(table, p.Profile) {
		name, value, _ := strings.Cut(kv, "=")
		// crontab(5): LOGNAME cannot be changed.
		if name == "LOGNAME" {
			continue
		}
		env[name] = value
		notes = append(notes, fmt.Sprintf("your crontab sets %s for this entry", name))
	}
	if !installed {
		notes = append(notes, "the crontab entry is not installed; this run used the line it would have")
	}
	// cron changes into HOME and starts SHELL, as the crontab may have
	// set them.
	j := job{scheduler: render.SchedulerCron, dir: env["HOME"], notes: notes, log: appendTarget(line)}
	j.argv = []string{env["SHELL"], "-c", line}
	for k, v := range env {
		j.env = append(j.env, k+"="+v)
	}
	slices.Sort(j.env)
	return j, nil
}

// cronLine returns the command part of the profile's crontab entry: the
// installed one when the table holds the block, else the one
// `schedule install` would install.
func cronLine(p *plan.Plan, table string) (cmd string, installed bool, err error) {
	if block, ok := installedBlock(table, p.Profile); ok {
		if cmd, ok := entryCommand(block); ok {
			return cmd, true, nil
		}
	}
	block, err := render.CronBlock(p)
	if err != nil {
		return "", false, err
	}
	cmd, ok := entryCommand(block)
	if !ok {
		return "", false, fmt.Errorf("render crontab entry for profile %s: no command line in it", p.Profile)
	}
	return cmd, false, nil
}

func markers(profile string) (begin, end string) {
	return "# BEGIN baton-setup profile=" + profile, "# END baton-setup profile=" + profile
}

// installedBlock returns the lines of the profile's block in table.
func installedBlock(table, profile string) (string, bool) {
	begin, end := markers(profile)
	var out []string
	inside := false
	for _, l := range strings.Split(table, "\n") {
		switch {
		case l == begin || strings.HasPrefix(l, begin+" "):
			inside = true
		case inside && l == end:
			return strings.Join(out, "\n"), true
		case inside:
			out = append(out, l)
		}
	}
	return "", false
}

// entryCommand finds the first job line of a crontab block and returns its
// command: what follows the five time fields.
func entryCommand(block string) (string, bool) {
	for _, l := range strings.Split(block, "\n") {
		t := strings.TrimSpace(l)
		if t == "" || strings.HasPrefix(t, "#") || isCronVar(t) {
			continue
		}
		rest := t
		for range 5 {
			i := strings.IndexAny(rest, " \t")
			if i < 0 {
				return "", false
			}
			rest = strings.TrimLeft(rest[i:], " \t")
		}
		return rest, rest != ""
	}
	return "", false
}

// appendTarget is the file a shell command line appends its output to
// (>>FILE), or "".
func appendTarget(cmd string) string {
	f, err := syntax.NewParser(syntax.Variant(syntax.LangPOSIX)).Parse(strings.NewReader(cmd), "")
	if err != nil || len(f.Stmts) == 0 {
		return ""
	}
	for _, r := range f.Stmts[0].Redirs {
		if r.Op != syntax.AppOut || r.N != nil || r.Word == nil {
			continue
		}
		if v, err := expand.Literal(nil, r.Word); err == nil {
			return v
		}
	}
	return ""
}

var cronVar = lazyre.New(`^([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*(.*)$`)

func isCronVar(line string) bool { return cronVar().MatchString(line) }

// crontabVars are the NAME=VALUE settings of a crontab that apply to the
// profile's entry: cron gives each entry the settings above it, and an
// entry not installed yet would go at the end, below all of them. Values
// lose one pair of enclosing quotes, as cron's parser does.
func crontabVars(table, profile string) []string {
	begin, _ := markers(profile)
	var out []string
	for _, l := range strings.Split(table, "\n") {
		if l == begin || strings.HasPrefix(l, begin+" ") {
			break
		}
		t := strings.TrimSpace(l)
		if strings.HasPrefix(t, "#") {
			continue
		}
		m := cronVar().FindStringSubmatch(t)
		if m == nil {
			continue
		}
		v := strings.TrimRight(m[2], " \t")
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out = append(out, m[1]+"="+v)
	}
	return out
}

// unit is what verify reads of a generated systemd service.
type unit struct {
	execStart []string
	workDir   string
	env       []string
	envFiles  []string
	user      string
	stdout    string
}

// systemdJob is the profile's service run as systemd runs it: ExecStart
// with the fixed PATH, HOME, USER and LOGNAME of a user unit (or of User=),
// the unit's Environment= and EnvironmentFile= values, in its
// WorkingDirectory=, the output appended where StandardOutput= says.
func systemdJob(p *plan.Plan, dir string, acct Account) (job, error) {
	path := filepath.Join(dir, render.ServiceUnit(p.Profile))
	u, err := readUnit(path)
	if err != nil {
		return job{}, err
	}
	if len(u.execStart) == 0 {
		return job{}, fmt.Errorf("read %s: no ExecStart= line", path)
	}
	j := job{scheduler: render.SchedulerSystemd, argv: u.execStart}
	env := []string{"PATH=" + SystemdPath}
	switch {
	case !p.Schedule.System:
		env = append(env, "HOME="+acct.Home, "USER="+acct.Name, "LOGNAME="+acct.Name)
	case u.user != "":
		if acct.Name != u.user {
			j.notes = append(j.notes, fmt.Sprintf("the unit runs as %s; this run used %s", u.user, acct.Name))
		}
		env = append(env, "HOME="+acct.Home, "USER="+acct.Name, "LOGNAME="+acct.Name)
	default:
		j.notes = append(j.notes, "a system unit without User= runs as root; this run used "+acct.Name)
	}
	for _, f := range u.envFiles {
		vars, err := readEnvironmentFile(f)
		if err != nil {
			return job{}, err
		}
		env = append(env, vars...)
	}
	j.env = append(env, u.env...)
	switch {
	case u.workDir == "~":
		j.dir = acct.Home
	case u.workDir != "":
		j.dir = strings.TrimPrefix(u.workDir, "-")
	case p.Schedule.System:
		j.dir = "/"
	default:
		j.dir = acct.Home
	}
	if out, ok := strings.CutPrefix(u.stdout, "append:"); ok {
		j.stdout, j.log = out, out
	} else {
		j.notes = append(j.notes, "the unit logs to the journal; this run's output is shown here only")
	}
	return j, nil
}

// readUnit reads the [Service] lines verify needs. The generated units use
// no specifiers (%h and the like) and no line continuations.
func readUnit(path string) (unit, error) {
	f, err := os.Open(path)
	if err != nil {
		return unit{}, fmt.Errorf("read systemd unit: %w", err)
	}
	defer f.Close()
	var u unit
	section := ""
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := strings.TrimSpace(sc.Text())
		if l == "" || l[0] == '#' || l[0] == ';' {
			continue
		}
		if strings.HasPrefix(l, "[") {
			section = l
			continue
		}
		if section != "[Service]" {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		switch k {
		case "ExecStart":
			// Prefixes change how systemd treats the command, not what runs.
			words := splitWords(strings.TrimLeft(v, "-@+!:"))
			u.execStart = words
		case "WorkingDirectory":
			u.workDir = v
		case "Environment":
			u.env = append(u.env, splitWords(v)...)
		case "EnvironmentFile":
			u.envFiles = append(u.envFiles, strings.TrimPrefix(v, "-"))
		case "User":
			u.user = v
		case "StandardOutput":
			u.stdout = v
		}
	}
	if err := sc.Err(); err != nil {
		return unit{}, fmt.Errorf("read systemd unit %s: %w", path, err)
	}
	return u, nil
}

// splitWords splits a unit's value into words as systemd does: at white
// space, with double or single quotes holding a word together.
func splitWords(s string) []string {
	var words []string
	var cur strings.Builder
	inWord := false
	var quote byte
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case quote != 0 && c == quote:
			quote = 0
		case quote != 0:
			cur.WriteByte(c)
		case c == '"' || c == '\'':
			quote, inWord = c, true
		case c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
			inWord = true
		case c == ' ' || c == '\t':
			if inWord {
				words = append(words, cur.String())
				cur.Reset()
				inWord = false
			}
		default:
			cur.WriteByte(c)
			inWord = true
		}
	}
	if inWord {
		words = append(words, cur.String())
	}
	return words
}

// readEnvironmentFile reads NAME=VALUE lines of an EnvironmentFile=.
func readEnvironmentFile(path string) ([]string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read environment file: %w", err)
	}
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		l = strings.TrimSpace(l)
		if l == "" || l[0] == '#' || l[0] == ';' {
			continue
		}
		k, v, ok := strings.Cut(l, "=")
		if !ok {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && (v[0] == '"' || v[0] == '\'') && v[len(v)-1] == v[0] {
			v = v[1 : len(v)-1]
		}
		out = append(out, strings.TrimSpace(k)+"="+v)
	}
	return out, nil
}
