package tui

import (
	"context"
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"al.essio.dev/pkg/shellescape"
	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/huh"
	"github.com/charmbracelet/lipgloss"
	"github.com/charmbracelet/x/ansi"

	"github.com/conductorone/baton-setup/internal/generate"
	"github.com/conductorone/baton-setup/internal/plan"
	"github.com/conductorone/baton-setup/internal/schedule"
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
}

func newReviewStep(ctx context.Context, deps Deps, st Styles, draft *plan.Plan) *reviewStep {
	s := &reviewStep{ctx: ctx, deps: deps, draft: draft, profile: draft.Profile, install: draft.Schedule.Install, write: true}
	if s.profile == "" {
		s.profile = draft.Connector.Name
	}
	s.formStep = formStep{title: "Review", styles: st, build: s.buildForm, submit: s.submitReview, intro: s.summary}
	return s
}

func (s *reviewStep) summary() string {
	p, st := s.draft, s.styles
	var names []string
	for k := range p.Values {
		names = append(names, k)
	}
	names = append(names, p.SecretNames()...)
	sort.Strings(names)
	// The label column fits the longest field name, so values line up.
	labelW := len("Auth method")
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

func regionText(r string) string {
	if r == "" {
		return ""
	}
	return " (" + r + ")"
}

func (s *reviewStep) buildForm() *huh.Form {
	return huh.NewForm(huh.NewGroup(
		huh.NewInput().Title("Profile name").Description("Names the directory and the crontab entry.").
			Value(&s.profile).Validate(plan.ValidateProfile),
		huh.NewConfirm().Title("Install the crontab entry now?").
			Description("Only a block marked with this profile's name is added; the rest of your crontab is kept.").
			Value(&s.install),
		huh.NewConfirm().Title("Write the files?").Affirmative("Write").Negative("Not yet").Value(&s.write),
	))
}

func (s *reviewStep) submitReview() (tea.Cmd, error) {
	if !s.write {
		return nil, fmt.Errorf("nothing written; choose Write when you are ready, or esc to go back")
	}
	p := s.draft
	p.Profile = s.profile
	p.Schedule.Install = s.install
	if p.Output.Dir == "" || filepath.Base(p.Output.Dir) != p.Profile {
		dir, err := s.deps.DefaultOutDir(p.Profile)
		if err != nil {
			return nil, err
		}
		p.Output.Dir = dir
	}
	s.busy = true
	// generate may change the plan it is given, while View reads the draft.
	ctx, gen, gp := s.ctx, s.deps.Generate, p.Clone()
	return func() tea.Msg {
		res, err := gen(ctx, gp)
		return generatedMsg{plan: gp, res: res, err: err}
	}, nil
}

func (s *reviewStep) Update(msg tea.Msg) (step, tea.Cmd) {
	if m, ok := msg.(generatedMsg); ok {
		s.busy = false
		if m.err != nil {
			s.errMsg = "Could not write the files: " + m.err.Error()
			return s, s.newForm()
		}
		s.draft = m.plan
		p, res := m.plan, m.res
		return s, func() tea.Msg { return stepDoneMsg{plan: p, result: &res} }
	}
	_, cmd := s.formStep.Update(msg)
	return s, cmd
}

// doneStep shows what was written and how to run it.
type doneStep struct {
	styles Styles
	draft  *plan.Plan
	res    *generate.Result
	width  int
}

func newDoneStep(st Styles, draft *plan.Plan, res *generate.Result) *doneStep {
	return &doneStep{styles: st, draft: draft, res: res}
}

func (s *doneStep) Init() tea.Cmd { return nil }
func (s *doneStep) Title() string { return "Done" }
func (s *doneStep) Help() string  { return "enter or q quit" }

func (s *doneStep) Update(msg tea.Msg) (step, tea.Cmd) {
	if m, ok := msg.(tea.WindowSizeMsg); ok {
		s.width = m.Width
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
	st, p := s.styles, s.draft
	var b strings.Builder
	if s.res == nil {
		return st.Bad.Render("Nothing was written.") + "\n"
	}
	b.WriteString(st.Good.Render("✓ Setup written") + "\n\n")
	if s.res.CopiedSelf {
		fmt.Fprintf(&b, "Copied this temporary build of baton-setup to %s so that sync.sh can call it.\n", s.res.Self)
	}
	for _, f := range s.res.Files {
		fmt.Fprintf(&b, "  %s  %s\n", st.Muted.Render(fmt.Sprintf("%04o", f.Mode)), f.Path)
	}
	b.WriteString("\n")
	if s.res.CronInstalled {
		b.WriteString("Installed in your crontab:\n")
	} else {
		b.WriteString("Crontab entry (not installed; add it with `crontab -e`):\n")
	}
	box := st.Box
	block := strings.TrimRight(s.res.CronBlock, "\n")
	if s.width > 0 && lipgloss.Width(box.Render(block)) > s.width {
		// Wrap inside the box rather than let the terminal cut it off.
		box = box.Width(max(s.width-box.GetHorizontalBorderSize(), 10))
	}
	b.WriteString(box.Render(block) + "\n\n")
	fmt.Fprintf(&b, "Run it now:  %s\n", filepath.Join(p.Output.Dir, "sync.sh"))
	if p.Destination.Kind == plan.DestS3 {
		fmt.Fprintf(&b, "In ConductorOne: Applications > your app > Connectors > Import app data > From data source,\nwith File name %s.\n", p.Destination.Key)
	} else {
		fmt.Fprintf(&b, "Each run leaves %s; upload it in ConductorOne:\nApplications > your app > Connectors > Import app data > From file.\n", filepath.Join(p.Output.Dir, "sync.c1z"))
	}
	b.WriteString("\nThe same setup without prompts (secret values come from the environment):\n")
	b.WriteString(shellLines(equivalentArgs(p), "  ", s.width) + "\n")
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
	return strings.Join(equivalentArgs(p), " ")
}

// equivalentArgs is EquivalentCommand as shell words, already quoted.
func equivalentArgs(p *plan.Plan) []string {
	parts := []string{"baton-setup", "generate", "--connector", p.Connector.Name}
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
	parts = append(parts, "--dest", shellescape.Quote(p.Destination.String()))
	if p.Destination.Region != "" {
		parts = append(parts, "--region", p.Destination.Region)
	}
	if p.Destination.Endpoint != "" {
		parts = append(parts, "--endpoint", shellescape.Quote(p.Destination.Endpoint))
	}
	parts = append(parts, "--schedule", shellescape.Quote(p.Schedule.Cron), "--profile", p.Profile)
	var env []string
	if sch := p.Connector.Schema; sch != nil {
		for _, n := range p.SecretNames() {
			if f, ok := sch.Field(n); ok {
				env = append(env, f.EnvName()+"=…")
			}
		}
	}
	return append(env, parts...)
}
