package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"al.essio.dev/pkg/shellescape"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"

	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/render"
	"github.com/conductorone/baton-setup/internal/schedule"
	"github.com/conductorone/baton-setup/internal/setup"
)

// reviewStep shows what will be written and writes it.
type reviewStep struct {
	formStep
	ctx     context.Context
	deps    Deps
	draft   *plan.Plan
	profile string
	install bool
	write   bool
	busy    bool
	// preview is service mode's files and commands for the profile name
	// previewFor, or previewErr.
	preview    *setup.Result
	previewErr error
	previewFor string
	// saved are the saved setups, so that a new one does not take the
	// name of another.
	saved []Saved
}

// savedListedMsg carries the saved setups the review step checks names
// against.
type savedListedMsg struct{ saved []Saved }

// Init builds the form and lists the saved setups in the background.
func (s *reviewStep) Init() tea.Cmd {
	list := s.deps.Home.List
	if list == nil {
		return s.formStep.Init()
	}
	return tea.Batch(s.formStep.Init(), func() tea.Msg {
		saved, _ := list()
		return savedListedMsg{saved: saved}
	})
}

// checkProfile refuses a name that is not valid, or that belongs to
// another saved setup than the one being edited.
func (s *reviewStep) checkProfile(name string) error {
	if err := plan.ValidateProfile(name); err != nil {
		return err
	}
	for _, sv := range s.saved {
		if sv.Name == name && filepath.Clean(sv.Dir) != filepath.Clean(s.draft.Output.Dir) {
			return fmt.Errorf("a setup named %s already exists; choose another name, or edit that one (%s --profile %s)", name, s.deps.command(""), name)
		}
	}
	return nil
}

func newReviewStep(ctx context.Context, deps Deps, st Styles, draft *plan.Plan) *reviewStep {
	s := &reviewStep{ctx: ctx, deps: deps, draft: draft, profile: draft.Profile, install: draft.Schedule.Install, write: true}
	if s.profile == "" {
		s.profile = draft.Connector.Name
	}
	s.formStep = formStep{title: "Review", styles: st, questions: s.questions, submit: s.submitReview, intro: s.summary}
	return s
}

// output returns the draft with the profile name and the directory it
// would be written to.
func (s *reviewStep) output() (*plan.Plan, error) {
	p := s.draft.Clone()
	p.Profile = s.profile
	if p.Output.Dir == "" || filepath.Base(p.Output.Dir) != p.Profile {
		dir, err := s.deps.DefaultOutDir(p.Profile)
		if err != nil {
			return nil, err
		}
		p.Output.Dir = dir
	}
	return p, nil
}

func (s *reviewStep) summary() string {
	if s.draft.Mode == plan.ModeService {
		return s.serviceSummary()
	}
	p, st := s.draft, s.styles
	var names []string
	for k := range p.Values {
		names = append(names, k)
	}
	names = append(names, p.SecretNames()...)
	sort.Strings(names)
	// The label column fits the longest field name, so values line up.
	labelW := len("AWS credentials")
	for _, n := range names {
		labelW = max(labelW, len("  "+n))
	}
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "%s %s\n", st.Label.Render(fmt.Sprintf("%-*s", labelW, k)), v) }
	row("Connector", p.Connector.Name+"  "+st.Muted.Render(p.Connector.Path))
	if p.AuthMethod != "" {
		row("Auth method", p.AuthMethod)
	}
	for _, n := range names {
		if sec, ok := p.Secrets[n]; ok {
			row("  "+n, sec.Masked()+st.Muted.Render("  (secret, in secrets.env)"))
		} else {
			row("  "+n, p.Values[n])
		}
	}
	if p.Destination.Kind == plan.DestS3 {
		row("Destination", p.Destination.String()+regionText(p.Destination.Region))
		if p.Destination.Endpoint != "" {
			row("", "through the S3-compatible endpoint "+p.Destination.Endpoint)
		}
		row("", "In ConductorOne, set the S3 data source's File name to exactly: "+p.Destination.Key)
		row("AWS credentials", credentialsText(st, p.Destination))
	} else {
		row("Destination", "a local file you upload by hand")
	}
	row("Schedule", schedule.Describe(p.Schedule.Cron)+st.Muted.Render("  ("+p.Schedule.Cron+")"))
	if dir, err := s.deps.DefaultOutDir(s.profile); err == nil && p.Output.Dir == "" {
		row("Files", filepath.Join(dir, "{sync.sh,secrets.env,plan.json}"))
	} else if p.Output.Dir != "" {
		row("Files", filepath.Join(p.Output.Dir, "{sync.sh,secrets.env,plan.json}"))
	}
	if s.busy {
		b.WriteString("\n" + st.Muted.Render("Writing files…"))
	}
	return b.String()
}

// credentialsText says where the upload's AWS credentials come from, with
// static keys masked.
func credentialsText(st Styles, d plan.Destination) string {
	switch d.Credentials {
	case plan.CredProfile:
		return "profile " + d.AWSProfile
	case plan.CredRole:
		t := "role " + d.RoleARN
		if d.ExternalID != "" {
			t += ", external ID " + d.ExternalID
		}
		return t
	case plan.CredStatic:
		return "static keys " + d.AccessKeyID.Masked() + " / " + d.SecretAccessKey.Masked() + st.Muted.Render("  (secret, in secrets.env; a role is safer)")
	}
	return "the default chain (instance profile, task role or environment)"
}

// unitLines are the lines of the unit that say what it runs, with which
// settings, and that systemd restarts it.
var unitLines = []string{"ExecStart=", "EnvironmentFile=", "Restart="}

// serviceSummary is the review of service mode: the connector, service.env
// masked, the unit's main lines, and how to start and check the service,
// all as Apply will write them.
func (s *reviewStep) serviceSummary() string {
	p, st := s.draft, s.styles
	s.refreshPreview()
	labelW := len("Enable (root)")
	var b strings.Builder
	row := func(k, v string) { fmt.Fprintf(&b, "%s %s\n", st.Label.Render(fmt.Sprintf("%-*s", labelW, k)), v) }
	rows := func(k string, vs []string) {
		for i, v := range vs {
			if i > 0 {
				k = ""
			}
			row(k, v)
		}
	}
	row("Connector", p.Connector.Name+"  "+st.Muted.Render(p.Connector.Path))
	if p.AuthMethod != "" {
		row("Auth method", p.AuthMethod)
	}
	row("Mode", "service: runs all the time and takes its tasks from ConductorOne; no S3, no schedule")
	switch res := s.preview; {
	case s.previewErr != nil:
		row("Files", st.Bad.Render("cannot be written: "+errorText(s.previewErr)))
	case res != nil && len(res.Files) > 0:
		names := make([]string, len(res.Files))
		for i, f := range res.Files {
			names[i] = f.Name
			switch {
			case f.Secret:
				rows(f.Name, envRows(f, p))
			case f.Name == res.Unit:
				rows("Unit", pickLines(string(f.Content), unitLines))
			}
		}
		rows("Files", []string{strings.Join(names, ", "), "in " + filepath.Dir(res.Files[0].Path)})
		rows("Enable (root)", res.Commands)
		rows("Check", res.CheckCommands)
	}
	if s.busy {
		b.WriteString("\n" + st.Muted.Render("Writing files…"))
	}
	return b.String()
}

// refreshPreview renders service mode's files for the profile name being
// typed, once per name.
func (s *reviewStep) refreshPreview() {
	if s.previewFor == s.profile && (s.preview != nil || s.previewErr != nil) {
		return
	}
	s.previewFor, s.preview, s.previewErr = s.profile, nil, nil
	if s.deps.Preview == nil {
		return
	}
	if err := plan.ValidateProfile(s.profile); err != nil {
		// The form says what is wrong with the name.
		return
	}
	p, err := s.output()
	if err != nil {
		s.previewErr = err
		return
	}
	res, err := s.deps.Preview(s.ctx, p)
	if err != nil {
		s.previewErr = err
		return
	}
	s.preview = &res
}

// envRows are the assignments of service.env in the file's order, taken
// from its masked form: a plain setting shows its value, a secret its last
// characters at most, anything else stays masked.
func envRows(f render.File, p *plan.Plan) []string {
	shown := map[string]string{
		"BATON_CLIENT_ID":       p.Service.ClientID,
		plan.SecretClientSecret: p.Secrets[plan.SecretClientSecret].Masked(),
	}
	for _, e := range p.ConnectorEnv() {
		if e.Secret {
			shown[e.Name] = plan.NewSecret(e.Value).Masked()
		} else {
			shown[e.Name] = strings.ReplaceAll(e.Value, "\n", `\n`)
		}
	}
	var out []string
	for _, l := range strings.Split(f.Shown(), "\n") {
		if l == "" || strings.HasPrefix(l, "#") {
			continue
		}
		if name, _, _ := strings.Cut(l, "="); shown[name] != "" {
			l = name + "=" + shown[name]
		}
		out = append(out, l)
	}
	return out
}

// pickLines are the lines of text that start with one of prefixes.
func pickLines(text string, prefixes []string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		for _, pre := range prefixes {
			if strings.HasPrefix(l, pre) {
				out = append(out, l)
			}
		}
	}
	return out
}

func regionText(r string) string {
	if r == "" {
		return ""
	}
	return " (" + r + ")"
}

func (s *reviewStep) questions() []page {
	write := question{kind: askConfirm, title: "Write the files?", yes: "Write", no: "Not yet", flag: &s.write}
	if s.draft.Mode == plan.ModeService {
		// Nothing to schedule: systemd runs the service once it is enabled.
		return []page{{questions: []question{
			{kind: askText, title: "Profile name", help: "Names the directory and the systemd unit.", value: &s.profile, validate: s.checkProfile},
			write,
		}}}
	}
	return []page{{questions: []question{
		{kind: askText, title: "Profile name", help: "Names the directory and the crontab entry.", value: &s.profile, validate: s.checkProfile},
		{kind: askConfirm, title: "Install the crontab entry now?",
			help: "Only a block marked with this profile's name is added; the rest of your crontab is kept.", flag: &s.install},
		write,
	}}}
}

// Screen is the summary and the questions, then a wait while the files
// are written.
func (s *reviewStep) Screen() screen {
	if s.busy {
		return screen{kind: screenBusy, text: "Writing files…"}
	}
	return s.formStep.Screen()
}

func (s *reviewStep) submitReview() (tea.Cmd, error) {
	if !s.write {
		return nil, fmt.Errorf("nothing written; choose Write when you are ready, or esc to go back")
	}
	if err := s.checkProfile(s.profile); err != nil {
		return nil, err
	}
	p, err := s.output()
	if err != nil {
		return nil, err
	}
	if p.Mode != plan.ModeService {
		p.Schedule.Install = s.install
	}
	s.draft = p
	s.busy = true
	// generate may change the plan it is given, while View reads the draft.
	ctx, gen, gp := s.ctx, s.deps.Apply, p.Clone()
	return func() tea.Msg {
		res, err := gen(ctx, gp)
		return generatedMsg{plan: gp, res: res, err: err}
	}, nil
}

func (s *reviewStep) Update(msg tea.Msg) (step, tea.Cmd) {
	if m, ok := msg.(savedListedMsg); ok {
		s.saved = m.saved
		return s, nil
	}
	if m, ok := msg.(generatedMsg); ok {
		s.busy = false
		if m.err != nil {
			s.errMsg = "Could not write the files: " + errorText(m.err)
			return s, s.newForm()
		}
		s.draft = m.plan
		p, res := m.plan, m.res
		return s, func() tea.Msg { return stepDoneMsg{plan: p, result: &res} }
	}
	_, cmd := s.formStep.Update(msg)
	return s, cmd
}

// doneStep shows what was written and how to run it, and offers to run
// it now as the schedule will.
type doneStep struct {
	styles Styles
	draft  *plan.Plan
	res    *setup.Result
	width  int
	// self starts the commands it prints: the baton-setup the files call,
	// as the user's shell finds it.
	self string
	// proof runs sync.sh as the schedule will; nil when there is none.
	proof *proof
}

func newDoneStep(ctx context.Context, deps Deps, st Styles, draft *plan.Plan, res *setup.Result) *doneStep {
	s := &doneStep{styles: st, draft: draft, res: res}
	if res != nil && res.Self != "" {
		s.self = deps.command(res.Self)
	} else {
		s.self = deps.command("")
	}
	// The proof's question and lines need the room of the full report.
	s.proof = newProof(ctx, deps, st, draft, res, s.brief, s.command)
	if s.proof != nil {
		s.proof.self = s.self
	}
	return s
}

func (s *doneStep) Init() tea.Cmd {
	if s.proof != nil {
		return s.proof.Init()
	}
	return nil
}

func (s *doneStep) Title() string { return "Done" }

// Close stops a running proof.
func (s *doneStep) Close() {
	if s.proof != nil {
		s.proof.Close()
	}
}

// Screen is the last report, or the proof's offer, run and outcome.
func (s *doneStep) Screen() screen {
	if s.proof != nil {
		return s.proof.Screen()
	}
	return screen{kind: screenEnd, text: s.View()}
}

func (s *doneStep) Update(msg tea.Msg) (step, tea.Cmd) {
	if m, ok := msg.(tea.WindowSizeMsg); ok {
		s.width = m.Width
	}
	if s.proof != nil {
		if cmd, ok := s.proof.Update(msg); ok {
			return s, cmd
		}
	}
	if k, ok := msg.(tea.KeyMsg); ok {
		switch k.String() {
		case "enter", "q", "esc":
			d := s.draft
			return s, func() tea.Msg { return stepDoneMsg{plan: d} }
		}
	}
	return s, nil
}

func (s *doneStep) View() string {
	if s.res == nil {
		return s.styles.Bad.Render("Nothing was written.") + "\n"
	}
	if s.proof != nil {
		return s.proof.View()
	}
	return s.report() + s.command()
}

// report is what was written and how it runs.
func (s *doneStep) report() string {
	st, p := s.styles, s.draft
	var b strings.Builder
	b.WriteString(st.Good.Render("✓ Setup written") + "\n\n")
	if s.res.CopiedSelf {
		user := "sync.sh"
		if p.Mode == plan.ModeService {
			user = "the service"
		}
		note := setup.CopyNote(s.res.Self, false, user)
		fmt.Fprintf(&b, "%s%s.\n", strings.ToUpper(note[:1]), note[1:])
	}
	for _, f := range s.res.Files {
		fmt.Fprintf(&b, "  %s  %s\n", st.Muted.Render(fmt.Sprintf("%04o", f.Mode)), f.Path)
	}
	b.WriteString("\n")
	if p.Mode == plan.ModeService {
		b.WriteString(s.serviceView())
	} else {
		b.WriteString(s.syncView())
	}
	return b.String()
}

// command is the non-interactive command of the same setup.
func (s *doneStep) command() string {
	return "\nThe same setup without prompts (secret values come from the environment):\n" +
		shellLines(equivalentArgs(s.draft, s.self), "  ", s.width) + "\n"
}

// serviceView says how to start the service and check on it, with the
// commands Apply returned.
func (s *doneStep) serviceView() string {
	var b strings.Builder
	b.WriteString("The connector runs as a service and takes its tasks from ConductorOne; nothing is scheduled.\n")
	b.WriteString("Enable and start it (as root):\n")
	for _, c := range s.res.Commands {
		b.WriteString("  " + c + "\n")
	}
	b.WriteString("Check it:\n")
	for _, c := range s.res.CheckCommands {
		b.WriteString("  " + c + "\n")
	}
	fmt.Fprintf(&b, "After a later regeneration: systemctl daemon-reload && systemctl restart %s\n", s.res.Unit)
	return b.String()
}

// syncView shows the crontab entry and where each sync goes.
func (s *doneStep) syncView() string {
	st, p := s.styles, s.draft
	var b strings.Builder
	if s.res.Cron != nil && s.res.Cron.Installed {
		b.WriteString("Installed in your crontab:\n")
	} else {
		fmt.Fprintf(&b, "Crontab entry, not installed. Install it with:\n  %s schedule install --profile %s\n", s.self, p.Profile)
	}
	// Unboxed and unwrapped, so that it pastes into crontab -e as it is.
	wide := false
	if s.res.Cron != nil {
		for _, l := range strings.Split(strings.TrimRight(s.res.Cron.Block, "\n"), "\n") {
			b.WriteString(noWrap + l + "\n")
			wide = wide || (s.width > 0 && ansi.StringWidth(l) > s.width)
		}
	}
	if wide {
		whole := "the command above installs it as it is"
		if s.res.Cron.Installed {
			whole = "crontab -l shows it whole"
		}
		b.WriteString(st.Muted.Render("(Wider than this window, so the terminal cuts it off; "+whole+".)") + "\n")
	}
	b.WriteString("\n")
	fmt.Fprintf(&b, "Run it now:  %s\n", filepath.Join(p.Output.Dir, "sync.sh"))
	if p.Destination.Kind == plan.DestS3 {
		fmt.Fprintf(&b, "In ConductorOne: Applications > your app > Connectors > Import app data > From data source,\nwith File name %s.\n", p.Destination.Key)
	} else {
		fmt.Fprintf(&b, "Each run leaves %s; upload it in ConductorOne:\nApplications > your app > Connectors > Import app data > From file.\n", filepath.Join(p.Output.Dir, "sync.c1z"))
	}
	return b.String()
}

// shellLines joins words into a command line, continued with " \" on
// further lines where it would be wider than width, so that it can still
// be copied and pasted whole.
func shellLines(words []string, indent string, width int) string {
	var b strings.Builder
	line := indent
	for i, w := range words {
		switch {
		case i == 0:
			line += w
		case width > 0 && ansi.StringWidth(line+" "+w+" \\") > width:
			b.WriteString(line + " \\\n")
			line = indent + "  " + w
		default:
			line += " " + w
		}
	}
	b.WriteString(line)
	return b.String()
}

// EquivalentCommand prints the non-interactive command that recreates the
// plan. Secret values never appear; their variable names are listed instead.
func EquivalentCommand(p *plan.Plan) string {
	return strings.Join(equivalentArgs(p, "baton-setup"), " ")
}

// equivalentArgs is EquivalentCommand as shell words, already quoted,
// starting with self, the word that runs baton-setup.
func equivalentArgs(p *plan.Plan, self string) []string {
	parts := []string{self, "generate", "--connector", p.Connector.Name}
	if p.Connector.Name != "demo" && p.Connector.Path != "" {
		parts[3] = p.Connector.Path
	}
	var names []string
	for k := range p.Values {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, k := range names {
		parts = append(parts, "--set", shellescape.Quote(k+"="+p.Values[k]))
	}
	if p.AuthMethod != "" {
		parts = append(parts, "--auth-method", p.AuthMethod)
	}
	var env []string
	if sch := p.Connector.Schema; sch != nil {
		for _, n := range p.SecretNames() {
			if f, ok := sch.Field(n); ok {
				env = append(env, f.EnvName()+"=…")
			}
		}
	}
	if p.Mode == plan.ModeService {
		parts = append(parts, "--mode", "service", "--client-id", shellescape.Quote(p.Service.ClientID), "--profile", p.Profile)
		return append(append(env, plan.SecretClientSecret+"=…"), parts...)
	}
	d := p.Destination
	parts = append(parts, "--dest", shellescape.Quote(d.String()))
	if d.Region != "" {
		parts = append(parts, "--region", d.Region)
	}
	if d.Endpoint != "" {
		parts = append(parts, "--endpoint", shellescape.Quote(d.Endpoint))
	}
	switch d.Credentials {
	case plan.CredProfile:
		parts = append(parts, "--aws-profile", shellescape.Quote(d.AWSProfile))
	case plan.CredRole:
		parts = append(parts, "--role-arn", shellescape.Quote(d.RoleARN))
		if d.ExternalID != "" {
			parts = append(parts, "--external-id", shellescape.Quote(d.ExternalID))
		}
	case plan.CredStatic:
		parts = append(parts, "--aws-credentials", "static")
		env = append(env, "AWS_ACCESS_KEY_ID=…", "AWS_SECRET_ACCESS_KEY=…")
	}
	parts = append(parts, "--schedule", shellescape.Quote(p.Schedule.Cron), "--profile", p.Profile)
	return append(env, parts...)
}
